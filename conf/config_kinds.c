/*
 * config_kinds.c - the kinds of config.c's settings[] rows: a value's text
 * (from the file, or a row's default) into a typed field, checked against
 * the row's limits. Sizes and durations are digits with at most one unit
 * suffix (sizes k/K, M, G, T in powers of 1024; durations s, m, h, d, w);
 * the same parsers serve mailmapctl through config_parse_size() and
 * config_parse_duration(). Strings refuse control characters; paths are
 * absolute; enums are names compared ignoring case.
 */
#include "config_table.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit {
	char suffix;
	uint64_t factor;
};

static const struct unit no_units[] = {{0, 0}};
static const struct unit size_units[] = {
    {'k', 1ULL << 10}, {'K', 1ULL << 10}, {'M', 1ULL << 20},
    {'G', 1ULL << 30}, {'T', 1ULL << 40}, {0, 0},
};
static const struct unit duration_units[] = {
    {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}, {0, 0},
};

/* Numbers, shared by settings and by mailmapctl */

static uint64_t unit_factor(const struct unit *units, char suffix)
{
	for (; units->suffix != 0; units++) {
		if (units->suffix == suffix)
			return units->factor;
	}
	return 0;
}

/* Digits and at most one unit suffix from units; overflow is an error. */
static int parse_scaled(const char *text, const struct unit *units,
			uint64_t *value_r)
{
	uint64_t value = 0, factor = 1;
	const char *p = text;

	if (!config_is_digit(*p))
		return -1;
	for (; config_is_digit(*p); p++) {
		unsigned digit = (unsigned)(*p - '0');

		if (value > (UINT64_MAX - digit) / 10)
			return -1;
		value = value * 10 + digit;
	}
	if (*p != '\0') {
		factor = unit_factor(units, *p);
		if (factor == 0 || p[1] != '\0')
			return -1;
	}
	if (value > UINT64_MAX / factor)
		return -1;
	*value_r = value * factor;
	return 0;
}

/* Writes value with the largest unit that divides it exactly. */
static void format_scaled(uint64_t value, const struct unit *units, char *buf,
			  size_t size)
{
	const struct unit *best = NULL;

	for (; units->suffix != 0 && value != 0; units++) {
		if (value % units->factor == 0 &&
		    (best == NULL || units->factor > best->factor))
			best = units;
	}
	if (best == NULL)
		snprintf(buf, size, "%llu", (unsigned long long)value);
	else
		snprintf(buf, size, "%llu%c",
			 (unsigned long long)(value / best->factor),
			 best->suffix);
}

int config_parse_size(const char *text, uint64_t *bytes_r)
{
	return parse_scaled(text, size_units, bytes_r);
}

int config_parse_duration(const char *text, uint64_t *seconds_r)
{
	return parse_scaled(text, duration_units, seconds_r);
}

void config_format_duration(uint64_t seconds, char *buf, size_t size)
{
	format_scaled(seconds, duration_units, buf, size);
}

/* Kinds: text (from the file or a default) into a field */

static int parse_number(const struct setting *def, const char *text,
			const char *shown, const struct unit *units,
			const char *what, uint64_t *value_r, char *reason,
			size_t size)
{
	char min[32], max[32];

	if (parse_scaled(text, units, value_r) < 0) {
		snprintf(reason, size, "%s is not %s", shown, what);
		return -1;
	}
	if (*value_r >= def->min && *value_r <= def->max)
		return 0;
	format_scaled(def->min, units, min, sizeof(min));
	format_scaled(def->max, units, max, sizeof(max));
	snprintf(reason, size, "%s is out of range (%s..%s)", shown, min, max);
	return -1;
}

static int parse_uint(const struct setting *def, const char *text,
		      const char *shown, void *field, char *reason, size_t size)
{
	uint64_t value;

	if (parse_number(def, text, shown, no_units, "an unsigned integer",
			 &value, reason, size) < 0)
		return -1;
	*(unsigned *)field = (unsigned)value;
	return 0;
}

static int parse_size(const struct setting *def, const char *text,
		      const char *shown, void *field, char *reason, size_t size)
{
	uint64_t value;

	if (parse_number(def, text, shown, size_units,
			 "a size (use 64M, 1G...)", &value, reason, size) < 0)
		return -1;
	*(uint64_t *)field = value;
	return 0;
}

static int parse_duration(const struct setting *def, const char *text,
			  const char *shown, void *field, char *reason,
			  size_t size)
{
	uint64_t value;

	if (parse_number(def, text, shown, duration_units,
			 "a duration (use 300s, 5m, 2d...)", &value, reason,
			 size) < 0)
		return -1;
	*(uint64_t *)field = value; /* config.h: durations are uint64_t */
	return 0;
}

static int parse_bool(const struct setting *def, const char *text,
		      const char *shown, void *field, char *reason, size_t size)
{
	(void)def;
	if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0) {
		snprintf(reason, size, "%s is not true or false", shown);
		return -1;
	}
	*(bool *)field = strcmp(text, "true") == 0;
	return 0;
}

static int parse_enum(const struct setting *def, const char *text,
		      const char *shown, void *field, char *reason, size_t size)
{
	int index = config_name_index(def->names, text);
	char list[CONFIG_REASON_MAX];

	if (index >= 0) {
		*(int *)field = index;
		return 0;
	}
	config_name_list(def->names, list, sizeof(list));
	snprintf(reason, size, "%s is not one of %s", shown, list);
	return -1;
}

/* A name of config_facility_names, stored as its syslog facility. */
static int parse_facility(const struct setting *def, const char *text,
			  const char *shown, void *field, char *reason,
			  size_t size)
{
	int index;

	if (parse_enum(def, text, shown, &index, reason, size) < 0)
		return -1;
	*(int *)field = config_facility_values[index];
	return 0;
}

static int parse_string(const struct setting *def, const char *text,
			const char *shown, void *field, char *reason,
			size_t size)
{
	size_t len = strlen(text);
	const char *why = NULL;
	char *copy;

	if (len < def->min || len > def->max)
		snprintf(reason, size, "%s must be %llu to %llu characters",
			 shown, (unsigned long long)def->min,
			 (unsigned long long)def->max);
	else if (config_has_control(text))
		snprintf(reason, size, "%s contains a control character",
			 shown);
	else if (def->check != NULL && (why = def->check(text)) != NULL)
		snprintf(reason, size, "%s %s", shown, why);
	else if ((copy = strdup(text)) == NULL)
		snprintf(reason, size, "out of memory");
	else {
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	return -1;
}

static int parse_path(const struct setting *def, const char *text,
		      const char *shown, void *field, char *reason, size_t size)
{
	if (text[0] != '/') {
		snprintf(reason, size, "%s is not an absolute path", shown);
		return -1;
	}
	return parse_string(def, text, shown, field, reason, size);
}

/* clang-format off */
const struct kind_ops config_kinds[KIND_COUNT] = {
	[KIND_STRING] = { "a string", TYPE_BIT(CONFIG_TYPE_STRING), true,
			  parse_string },
	[KIND_PATH] = { "a string (an absolute path)",
			TYPE_BIT(CONFIG_TYPE_STRING), true, parse_path },
	[KIND_BOOL] = { "true or false", TYPE_BIT(CONFIG_TYPE_BOOL), false,
			parse_bool },
	[KIND_UINT] = { "an integer", INTEGER_BITS, false, parse_uint },
	[KIND_SIZE] = { "a size (\"64M\" or an integer in bytes)",
			INTEGER_BITS | TYPE_BIT(CONFIG_TYPE_STRING), false,
			parse_size },
	[KIND_DURATION] = { "a duration (\"5m\" or an integer in seconds)",
			    INTEGER_BITS | TYPE_BIT(CONFIG_TYPE_STRING), false,
			    parse_duration },
	[KIND_ENUM] = { "a string", TYPE_BIT(CONFIG_TYPE_STRING), false,
			parse_enum },
	[KIND_FACILITY] = { "a string", TYPE_BIT(CONFIG_TYPE_STRING), false,
			    parse_facility },
};
/* clang-format on */
