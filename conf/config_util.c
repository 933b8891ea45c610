/*
 * config_util.c - small helpers every loader of mailmapd.conf shares: the
 * malloc'ed error messages ("file:line: reason" at a libconfig setting),
 * libconfig type names for messages, the character checks, and lookups
 * in NULL-terminated name lists. No state; the messages are the only
 * allocations.
 */
#include "config_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest "reason" of config_fail_at(): a key and a reason of
   CONFIG_REASON_MAX; longer ones are cut. */
#define CONFIG_FAIL_AT_MAX (CONFIG_REASON_MAX + 64)

int config_fail(char **error_r, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	if (vasprintf(error_r, fmt, args) < 0)
		*error_r = NULL;
	va_end(args);
	return -1;
}

int config_fail_setting(const char *file, const config_setting_t *s,
			char **error_r, const char *message)
{
	/* a setting of an @include'd file names that file */
	if (config_setting_source_file(s) != NULL)
		file = config_setting_source_file(s);
	return config_fail(error_r, "%s:%u: %s", file,
			   config_setting_source_line(s), message);
}

int config_fail_at(const char *file, const config_setting_t *s, char **error_r,
		   const char *fmt, ...)
{
	char message[CONFIG_FAIL_AT_MAX];
	va_list args;

	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	return config_fail_setting(file, s, error_r, message);
}

const char *config_setting_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	case CONFIG_TYPE_GROUP:
		return "a group";
	}
	return "nothing";
}

bool config_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool config_has_control(const char *text)
{
	for (; *text != '\0'; text++) {
		if ((unsigned char)*text < 0x20 || *text == 0x7f)
			return true;
	}
	return false;
}

int config_name_index(const char *const *names, const char *text)
{
	for (int i = 0; names[i] != NULL; i++) {
		if (strcasecmp(text, names[i]) == 0)
			return i;
	}
	return -1;
}

void config_name_list(const char *const *names, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; names[i] != NULL && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 i == 0 ? "" : ", ", names[i]);
}
