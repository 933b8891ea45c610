/*
 * config_dovecot.c - the "dovecot" group of mailmapd.conf: what the dict
 * service's userdb answers carry besides the store's data (design.md
 * "Dovecot"), into struct config_dovecot (config.h).
 *
 *   uid   a number or a user name; "" (the default) = not sent, Dovecot's
 *         mail_uid applies. Dovecot resolves a name itself.
 *   gid   the same for the group (mail_gid).
 *   mail  the mail location template, default "maildir:~/Maildir"; "" =
 *         not sent (Dovecot's mail_location applies). mailmapd fills in
 *         %u, %n, %d, %h and their %{user}, %{username}, %{domain},
 *         %{home} forms; Dovecot expands whatever else is left.
 *
 * One row per setting in dovecot_settings[], like config.c's table: the
 * defaults are parsed by the same code as the file. uid and gid are
 * strings or integers (libconfig's), checked as their decimal text.
 * Limits: names CONFIG_ACCOUNT_MAX bytes, ids 1..4294967294 (0 is root,
 * whom Dovecot refuses; -1 means "none" to the kernel), the template
 * CONFIG_DOVECOT_MAIL_MAX bytes.
 */
#include "config_dovecot.h"
#include "config_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_DOVECOT_MAIL_MAX 1024
#define CONFIG_DOVECOT_ID_MAX	4294967294ULL

struct dovecot_setting {
	const char *name; /* below "dovecot." */
	size_t offset;	  /* of the char * in struct config_dovecot */
	const char *default_text;
	bool integer; /* an integer is accepted as its decimal text */
	const char *(*check)(const char *text); /* NULL or why not */
	const char *doc;
};

static const char *check_id(const char *text);
static const char *check_mail(const char *text);

#define FIELD(name) offsetof(struct config_dovecot, name)

/* clang-format off */
static const struct dovecot_setting dovecot_settings[] = {
	{ "uid", FIELD(uid), "", true, check_id,
	  "owner of the mail files (userdb uid); \"\" = Dovecot's mail_uid" },
	{ "gid", FIELD(gid), "", true, check_id,
	  "group of the mail files (userdb gid); \"\" = Dovecot's mail_gid" },
	{ "mail", FIELD(mail), "maildir:~/Maildir", false, check_mail,
	  "mail location (userdb mail); \"\" = Dovecot's mail_location" },
};
/* clang-format on */

static bool is_digits(const char *text)
{
	if (*text == '\0')
		return false;
	for (; *text != '\0'; text++) {
		if (*text < '0' || *text > '9')
			return false;
	}
	return true;
}

/* A number in 1..CONFIG_DOVECOT_ID_MAX, a user or group name, or "". */
static const char *check_id(const char *text)
{
	uint64_t value = 0;

	if (text[0] == '-')
		return "is neither a number from 1 nor a name";
	if (!is_digits(text)) {
		if (strlen(text) > CONFIG_ACCOUNT_MAX)
			return "is too long for a user or group name";
		return config_check_account(text);
	}
	for (; *text != '\0'; text++) {
		value = value * 10 + (uint64_t)(*text - '0');
		if (value > CONFIG_DOVECOT_ID_MAX)
			return "is out of range (1..4294967294)";
	}
	if (value == 0)
		return "is root's; Dovecot refuses to give mail to root";
	return NULL;
}

/* Dovecot's %-variables: a '%' starts one, "%{" needs its '}'. */
static const char *check_mail(const char *text)
{
	if (strlen(text) > CONFIG_DOVECOT_MAIL_MAX)
		return "is longer than 1024 bytes";
	for (const char *p = text; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "contains a control character";
		if (*p != '%')
			continue;
		if (p[1] == '\0')
			return "ends with a lone %; write %% for a %";
		if (p[1] == '{' && strchr(p + 2, '}') == NULL)
			return "has a %{ without its }";
		p++; /* "%%" is one character */
	}
	return NULL;
}

static char **dovecot_field(struct config *config,
			    const struct dovecot_setting *def)
{
	return (char **)((char *)&config->dovecot + def->offset);
}

/* Replaces the field with a copy of text; -1 when out of memory. */
static int dovecot_store(struct config *config,
			 const struct dovecot_setting *def, const char *text)
{
	char *copy = strdup(text);

	if (copy == NULL)
		return -1;
	free(*dovecot_field(config, def));
	*dovecot_field(config, def) = copy;
	return 0;
}

int config_dovecot_defaults(struct config *config, char **error_r)
{
	for (size_t i = 0; i < N_ELEMENTS(dovecot_settings); i++) {
		const struct dovecot_setting *def = &dovecot_settings[i];
		const char *why = def->check(def->default_text);

		if (why != NULL)
			return config_fail(error_r,
					   "(defaults): dovecot.%s: %s",
					   def->name, why);
		if (dovecot_store(config, def, def->default_text) < 0) {
			*error_r = NULL;
			return -1;
		}
	}
	return 0;
}

static const struct dovecot_setting *dovecot_find(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(dovecot_settings); i++) {
		if (strcmp(dovecot_settings[i].name, name) == 0)
			return &dovecot_settings[i];
	}
	return NULL;
}

/* The value of s as text: a string, or an integer where def allows one. */
static const char *dovecot_text(const struct dovecot_setting *def,
				const config_setting_t *s, char *buf,
				size_t size)
{
	int type = config_setting_type(s);

	if (type == CONFIG_TYPE_STRING)
		return config_setting_get_string(s);
	if (!def->integer ||
	    (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64))
		return NULL;
	snprintf(buf, size, "%lld", config_setting_get_int64(s));
	return buf;
}

static int dovecot_apply(const char *file, const config_setting_t *s,
			 struct config *config, char **error_r)
{
	const char *name = config_setting_name(s);
	const struct dovecot_setting *def = dovecot_find(name);
	const char *text, *why;
	char number[32];

	if (def == NULL)
		return config_fail_at(file, s, error_r,
				      "unknown setting \"dovecot.%s\"", name);
	text = dovecot_text(def, s, number, sizeof(number));
	if (text == NULL)
		return config_fail_at(
		    file, s, error_r, "dovecot.%s: expected %s, got %s", name,
		    def->integer ? "a string or an integer" : "a string",
		    config_setting_type_name(s));
	why = def->check(text);
	if (why != NULL)
		return config_fail_at(file, s, error_r,
				      "dovecot.%s: \"%.64s\" %s", name, text,
				      why);
	if (dovecot_store(config, def, text) < 0)
		return config_fail_at(file, s, error_r, "out of memory");
	return 0;
}

int config_dovecot_load(const char *file, const config_setting_t *s,
			struct config *config, char **error_r)
{
	if (!config_setting_is_group(s))
		return config_fail_at(file, s, error_r,
				      "dovecot: expected a group, got %s",
				      config_setting_type_name(s));
	for (int i = 0; i < config_setting_length(s); i++) {
		if (dovecot_apply(file, config_setting_get_elem(s, i), config,
				  error_r) < 0)
			return -1;
	}
	return 0;
}

void config_dovecot_free(struct config *config)
{
	for (size_t i = 0; i < N_ELEMENTS(dovecot_settings); i++) {
		free(*dovecot_field(config, &dovecot_settings[i]));
		*dovecot_field(config, &dovecot_settings[i]) = NULL;
	}
}

void config_dovecot_each(void (*fn)(const char *path, void *context),
			 void *context)
{
	char path[64];

	for (size_t i = 0; i < N_ELEMENTS(dovecot_settings); i++) {
		snprintf(path, sizeof(path), "dovecot.%s",
			 dovecot_settings[i].name);
		fn(path, context);
	}
}
