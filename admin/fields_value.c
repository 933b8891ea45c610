/* fields_value: parsers of the numeric, enumerated and time field types;
 * see fields_internal.h. */
#include "fields_internal.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "config.h"

static void fields_set_uint(const struct field_desc *field, void *rec,
			    uint64_t value)
{
	if (field->type == FT_BOOL)
		*RECORD_FIELD(rec, field, bool) = value != 0;
	else if (field->type == FT_ENUM || field->type == FT_SET)
		*RECORD_FIELD(rec, field, unsigned) = (unsigned)value;
	else
		*RECORD_FIELD(rec, field, uint64_t) = value;
}

static int fields_word(const char *text, const char *const *words)
{
	for (int i = 0; words[i] != NULL; i++) {
		if (strcasecmp(text, words[i]) == 0)
			return i;
	}
	return -1;
}

int parse_bool(const struct fields_env *env, const struct field_desc *field,
	       const char *text, void *rec, const char **error_r)
{
	static const char *const words[] = {"no", "yes", "false", "true", "off",
					    "on", "0",	 "1",	  NULL};
	int i = fields_word(text, words);

	(void)env;
	if (i < 0) {
		*error_r = "must be yes or no";
		return -1;
	}
	fields_set_uint(field, rec, (uint64_t)(i % 2));
	return 0;
}

static int fields_digits(const char *text, uint64_t max, uint64_t *value_r)
{
	uint64_t value = 0;

	if (text[0] == '\0')
		return -1;
	for (const char *p = text; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		value = value * 10 + (uint64_t)(*p - '0');
		if (value > max)
			return -1;
	}
	*value_r = value;
	return 0;
}

/* "unlimited", and "inherit" for a field that may inherit, set as such:
 * true when text was one of them. */
static bool fields_set_word(const struct field_desc *field, const char *text,
			    void *rec)
{
	if (strcasecmp(text, "unlimited") == 0)
		fields_set_uint(field, rec, RECORD_UNLIMITED);
	else if ((field->flags & FF_INHERIT) != 0 &&
		 strcasecmp(text, "inherit") == 0)
		fields_set_uint(field, rec, RECORD_INHERIT);
	else
		return false;
	return true;
}

int parse_count(const struct fields_env *env, const struct field_desc *field,
		const char *text, void *rec, const char **error_r)
{
	uint64_t value;

	(void)env;
	if (fields_set_word(field, text, rec))
		return 0;
	if (fields_digits(text, FIELDS_COUNT_MAX, &value) < 0) {
		*error_r = "must be a number up to 1000000000 or unlimited";
		return -1;
	}
	fields_set_uint(field, rec, value);
	return 0;
}

int parse_size(const struct fields_env *env, const struct field_desc *field,
	       const char *text, void *rec, const char **error_r)
{
	uint64_t value;

	(void)env;
	if (fields_set_word(field, text, rec))
		return 0;
	if (config_parse_size(text, &value) < 0 || value == 0 ||
	    value == RECORD_UNLIMITED) {
		*error_r =
		    (field->flags & FF_INHERIT) != 0
			? "must be a size above 0 (512M, 2G), unlimited or "
			  "inherit"
			: "must be a size above 0 (512M, 2G) or unlimited";
		return -1;
	}
	fields_set_uint(field, rec, value);
	return 0;
}

int parse_port(const struct fields_env *env, const struct field_desc *field,
	       const char *text, void *rec, const char **error_r)
{
	uint64_t value;

	(void)env;
	if (fields_digits(text, 65535, &value) < 0 || value == 0) {
		*error_r = "must be a port number from 1 to 65535";
		return -1;
	}
	fields_set_uint(field, rec, value);
	return 0;
}

static const char *fields_enum_list(struct arena *arena,
				    const char *const *names)
{
	const char *list = names[0];

	for (int i = 1; names[i] != NULL; i++)
		list = arena_printf(arena, "%s, %s", list, names[i]);
	return list;
}

int parse_enum(const struct fields_env *env, const struct field_desc *field,
	       const char *text, void *rec, const char **error_r)
{
	int i = fields_word(text, field->enum_names);

	if (i < 0) {
		*error_r = arena_printf(
		    env->arena, "must be one of: %s",
		    fields_enum_list(env->arena, field->enum_names));
		return -1;
	}
	fields_set_uint(field, rec, (uint64_t)i);
	return 0;
}

int parse_set(const struct fields_env *env, const struct field_desc *field,
	      const char *text, void *rec, const char **error_r)
{
	char *copy = arena_strdup(env->arena, text);
	unsigned bits = 0;

	for (char *save = NULL, *word = strtok_r(copy, ", ", &save);
	     word != NULL; word = strtok_r(NULL, ", ", &save)) {
		int i = fields_word(word, field->enum_names);
		if (i < 0) {
			*error_r = arena_printf(
			    env->arena, "\"%s\" is not one of: %s", word,
			    fields_enum_list(env->arena, field->enum_names));
			return -1;
		}
		bits |= 1u << i;
	}
	fields_set_uint(field, rec, bits);
	return 0;
}

static int fields_days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* Does text have the shape of pattern, 'd' standing for one digit? */
static bool fields_shape(const char *text, const char *pattern)
{
	for (; *pattern != '\0'; text++, pattern++) {
		if (*pattern == 'd' ? !isdigit((unsigned char)*text)
				    : *text != *pattern)
			return false;
	}
	return *text == '\0';
}

bool fields_time_is_local(const char *text)
{
	size_t len = strlen(text);

	return len != 0 && text[len - 1] != 'Z';
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]", with a "Z" for UTC; the
 * seconds of that time as if it were UTC (fields_time_is_local()). */
static int fields_parse_time(const char *text, uint64_t *value_r)
{
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
	size_t len = strlen(text);
	const char *zulu = fields_time_is_local(text) ? "" : "Z";
	char with_seconds[16], without[16];

	/* sscanf alone would take " 1" or "+1" for a two-digit field */
	snprintf(with_seconds, sizeof(with_seconds), "T%%2d:%%2d:%%2d%s%%n",
		 zulu);
	snprintf(without, sizeof(without), "T%%2d:%%2d%s%%n", zulu);
	if (!fields_shape(text, "dddd-dd-dd") &&
	    !fields_shape(text, "dddd-dd-ddTdd:ddZ") &&
	    !fields_shape(text, "dddd-dd-ddTdd:dd:ddZ") &&
	    !fields_shape(text, "dddd-dd-ddTdd:dd") &&
	    !fields_shape(text, "dddd-dd-ddTdd:dd:dd"))
		return -1;
	if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	if (len != 10 &&
	    !(sscanf(text + 10, with_seconds, &h, &mi, &s, &n) == 3 &&
	      (size_t)n == len - 10) &&
	    !(sscanf(text + 10, without, &h, &mi, &n) == 2 &&
	      (size_t)n == len - 10))
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > fields_days_in_month(y, mo) || h > 23 || mi > 59 || s > 59 ||
	    h < 0 || mi < 0 || s < 0)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*value_r = (uint64_t)timegm(&tm);
	return 0;
}

int parse_time(const struct fields_env *env, const struct field_desc *field,
	       const char *text, void *rec, const char **error_r)
{
	uint64_t value = 0;

	(void)env;
	if (text[0] != '\0' && fields_parse_time(text, &value) < 0) {
		*error_r = "must be a date YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] "
			   "(the mailbox's time zone), or "
			   "YYYY-MM-DDTHH:MM[:SS]Z (UTC)";
		return -1;
	}
	fields_set_uint(field, rec, value);
	return 0;
}

int parse_duration(const struct fields_env *env, const struct field_desc *field,
		   const char *text, void *rec, const char **error_r)
{
	uint64_t value = 0;

	(void)env;
	if (text[0] != '\0' && config_parse_duration(text, &value) < 0) {
		*error_r = "must be a duration (3600, 30m, 12h, 7d)";
		return -1;
	}
	fields_set_uint(field, rec, value);
	return 0;
}

/* BCP 47 shape: 2-3 letter language, then subtags of 1-8 alphanumerics. */
int parse_language(const struct fields_env *env, const struct field_desc *field,
		   const char *text, void *rec, const char **error_r)
{
	size_t run = 0, len = strlen(text);
	bool first = true, ok = len <= 35;

	for (size_t i = 0; ok && i <= len; i++) {
		if (text[i] == '-' || text[i] == '\0') {
			ok = first ? (run >= 2 && run <= 3)
				   : (run >= 1 && run <= 8);
			first = false;
			run = 0;
		} else {
			ok = first ? isalpha((unsigned char)text[i])
				   : isalnum((unsigned char)text[i]);
			run++;
		}
	}
	if (len != 0 && !ok) {
		*error_r = "must be a language tag like fr, en-GB or pt-BR";
		return -1;
	}
	fields_set_str(env, field, rec, text);
	return 0;
}

/* IANA zone names: Area/Location parts of letters, digits, '_', '+', '-'. */
int parse_timezone(const struct fields_env *env, const struct field_desc *field,
		   const char *text, void *rec, const char **error_r)
{
	size_t len = strlen(text);
	bool ok =
	    len <= 64 && text[0] != '/' && (len == 0 || text[len - 1] != '/');

	for (const char *p = text; ok && *p != '\0'; p++) {
		ok = isalnum((unsigned char)*p) || strchr("_+-/", *p) != NULL;
		if (*p == '/' && p[1] == '/')
			ok = false;
	}
	if (!ok || fields_has_dotdot(text)) {
		*error_r = "must be a time zone name like Europe/Paris or UTC";
		return -1;
	}
	fields_set_str(env, field, rec, text);
	return 0;
}
