/*
 * fields_parse: admin input text -> record field values, one checked parser
 * per field type (see enum field_type in records.h).
 */
#include "fields.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "names.h"
#include "password.h"

#define FIELDS_NAME_MAX	      64
#define FIELDS_TEXT_MAX	      256
#define FIELDS_LONGTEXT_MAX   65536
#define FIELDS_PATH_MAX	      1024
#define FIELDS_COUNT_MAX      1000000000ull
#define FIELDS_LIST_ITEMS_MAX 10000

typedef int parse_fn(const struct fields_env *env,
		     const struct field_desc *field, const char *text,
		     void *rec, const char **error_r);

static bool fields_has_control(const char *s, bool allow_newlines)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	     p++) {
		if (allow_newlines && (*p == '\n' || *p == '\t'))
			continue;
		if (*p < 0x20 || *p == 0x7f)
			return true;
	}
	return false;
}

static void fields_set_str(const struct fields_env *env,
			   const struct field_desc *field, void *rec,
			   const char *value)
{
	*RECORD_FIELD(rec, field, const char *) =
	    arena_strdup(env->arena, value);
}

static int fields_check_name(const char *text, const char **error_r)
{
	size_t len = strlen(text);

	if (len == 0 || len > FIELDS_NAME_MAX) {
		*error_r = "must be 1 to 64 characters";
		return -1;
	}
	if (!isalnum((unsigned char)text[0])) {
		*error_r = "must start with a letter or digit";
		return -1;
	}
	for (const char *p = text; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("._-", *p) == NULL) {
			*error_r = "may contain only letters, digits, '.', '_' "
				   "and '-'";
			return -1;
		}
	}
	return 0;
}

static char *fields_lower(struct arena *arena, const char *text)
{
	char *copy = arena_strdup(arena, text);

	for (char *p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return copy;
}

static int parse_name(const struct fields_env *env,
		      const struct field_desc *field, const char *text,
		      void *rec, const char **error_r)
{
	if (text[0] == '\0' && (field->flags & (FF_KEY | FF_REQUIRED)) == 0) {
		fields_set_str(env, field, rec, "");
		return 0;
	}
	if (fields_check_name(text, error_r) < 0)
		return -1;
	*RECORD_FIELD(rec, field, const char *) =
	    fields_lower(env->arena, text);
	return 0;
}

static int parse_text(const struct fields_env *env,
		      const struct field_desc *field, const char *text,
		      void *rec, const char **error_r)
{
	bool multiline = field->type == FT_LONGTEXT;
	size_t max = multiline ? FIELDS_LONGTEXT_MAX : FIELDS_TEXT_MAX;
	size_t len = strlen(text);

	if (len > max) {
		*error_r = multiline ? "is longer than 65536 bytes"
				     : "is longer than 256 bytes";
		return -1;
	}
	if (!names_is_valid_utf8(text, len)) {
		*error_r = "is not valid UTF-8";
		return -1;
	}
	if (fields_has_control(text, multiline)) {
		*error_r = "contains control characters";
		return -1;
	}
	fields_set_str(env, field, rec, text);
	return 0;
}

typedef int normalize_fn(const char *in, size_t len, char *out,
			 const char **error_r);

/* Domains and addresses: normalised, or "" where the field is optional. */
static int parse_normalized(const struct fields_env *env,
			    const struct field_desc *field, const char *text,
			    void *rec, normalize_fn *normalize,
			    const char **error_r)
{
	char out[NAMES_ADDRESS_MAX + 1];

	if (text[0] == '\0' && (field->flags & (FF_KEY | FF_REQUIRED)) == 0) {
		fields_set_str(env, field, rec, "");
		return 0;
	}
	if (normalize(text, strlen(text), out, error_r) < 0)
		return -1;
	fields_set_str(env, field, rec, out);
	return 0;
}

static int parse_domain(const struct fields_env *env,
			const struct field_desc *field, const char *text,
			void *rec, const char **error_r)
{
	return parse_normalized(env, field, text, rec, names_domain_normalize,
				error_r);
}

static int parse_address(const struct fields_env *env,
			 const struct field_desc *field, const char *text,
			 void *rec, const char **error_r)
{
	return parse_normalized(env, field, text, rec, names_address_normalize,
				error_r);
}

static int parse_offer(const struct fields_env *env,
		       const struct field_desc *field, const char *text,
		       void *rec, const char **error_r)
{
	const char *slash = strchr(text, '/');
	char customer[FIELDS_NAME_MAX + 1];
	size_t len;

	if (slash == NULL) {
		*error_r = "must be CUSTOMER/OFFER";
		return -1;
	}
	len = (size_t)(slash - text);
	if (len > FIELDS_NAME_MAX) {
		*error_r = "customer part is longer than 64 characters";
		return -1;
	}
	memcpy(customer, text, len);
	customer[len] = '\0';
	if (fields_check_name(customer, error_r) < 0 ||
	    fields_check_name(slash + 1, error_r) < 0)
		return -1;
	*RECORD_FIELD(rec, field, const char *) =
	    fields_lower(env->arena, text);
	return 0;
}

/* LDH labels; the last one not all digits (RFC 3696 2), so that a mistyped
 * IPv4 address ("10.0.0.256") is not taken for a name. */
static bool fields_is_hostname(const char *text)
{
	size_t label = 0, len = strlen(text);
	bool digits = true;

	if (len == 0 || len > NAMES_DOMAIN_MAX)
		return false;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			digits = true;
		} else if (isalnum((unsigned char)*p) ||
			   (*p == '-' && label != 0)) {
			if (++label > NAMES_LABEL_MAX)
				return false;
			digits = digits && isdigit((unsigned char)*p);
		} else {
			return false;
		}
	}
	return label != 0 && text[len - 1] != '-' && !digits;
}

static int parse_host(const struct fields_env *env,
		      const struct field_desc *field, const char *text,
		      void *rec, const char **error_r)
{
	unsigned char addr[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, text, addr) == 1 ||
	    inet_pton(AF_INET6, text, addr) == 1 || fields_is_hostname(text)) {
		*RECORD_FIELD(rec, field, const char *) =
		    fields_lower(env->arena, text);
		return 0;
	}
	*error_r = "is not a host name or an IP address";
	return -1;
}

static bool fields_has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2) {
		bool starts = p == path || p[-1] == '/';
		bool ends = p[2] == '\0' || p[2] == '/';
		if (starts && ends)
			return true;
	}
	return false;
}

static int parse_path(const struct fields_env *env,
		      const struct field_desc *field, const char *text,
		      void *rec, const char **error_r)
{
	bool absolute = field->type == FT_PATH;

	if (text[0] == '\0' && !absolute) {
		fields_set_str(env, field, rec, "");
		return 0;
	}
	if (strlen(text) > FIELDS_PATH_MAX) {
		*error_r = "is longer than 1024 bytes";
		return -1;
	}
	if (absolute != (text[0] == '/')) {
		*error_r = absolute ? "must be an absolute path"
				    : "must be a relative path";
		return -1;
	}
	if (fields_has_dotdot(text) || fields_has_control(text, false) ||
	    !names_is_valid_utf8(text, strlen(text))) {
		*error_r = "must not contain '..', control characters or "
			   "invalid UTF-8";
		return -1;
	}
	fields_set_str(env, field, rec, text);
	return 0;
}

static int parse_secret(const struct fields_env *env,
			const struct field_desc *field, const char *text,
			void *rec, const char **error_r)
{
	char out[PASSWORD_HASH_MAX];

	if (password_prepare(text, strlen(text), env->password_scheme,
			     env->password_rounds, out, error_r) < 0)
		return -1;
	fields_set_str(env, field, rec, out);
	return 0;
}

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

static int parse_bool(const struct fields_env *env,
		      const struct field_desc *field, const char *text,
		      void *rec, const char **error_r)
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

static int parse_count(const struct fields_env *env,
		       const struct field_desc *field, const char *text,
		       void *rec, const char **error_r)
{
	uint64_t value;

	(void)env;
	if (strcasecmp(text, "unlimited") == 0) {
		fields_set_uint(field, rec, RECORD_UNLIMITED);
		return 0;
	}
	if (fields_digits(text, FIELDS_COUNT_MAX, &value) < 0) {
		*error_r = "must be a number up to 1000000000 or unlimited";
		return -1;
	}
	fields_set_uint(field, rec, value);
	return 0;
}

static int parse_size(const struct fields_env *env,
		      const struct field_desc *field, const char *text,
		      void *rec, const char **error_r)
{
	uint64_t value;

	(void)env;
	if (strcasecmp(text, "unlimited") == 0) {
		fields_set_uint(field, rec, RECORD_UNLIMITED);
		return 0;
	}
	if ((field->flags & FF_INHERIT) != 0 &&
	    strcasecmp(text, "inherit") == 0) {
		fields_set_uint(field, rec, RECORD_INHERIT);
		return 0;
	}
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

static int parse_port(const struct fields_env *env,
		      const struct field_desc *field, const char *text,
		      void *rec, const char **error_r)
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

static int parse_enum(const struct fields_env *env,
		      const struct field_desc *field, const char *text,
		      void *rec, const char **error_r)
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

static int parse_set(const struct fields_env *env,
		     const struct field_desc *field, const char *text,
		     void *rec, const char **error_r)
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

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]Z", UTC. */
static int fields_parse_time(const char *text, uint64_t *value_r)
{
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
	size_t len = strlen(text);

	/* sscanf alone would take " 1" or "+1" for a two-digit field */
	if (!fields_shape(text, "dddd-dd-dd") &&
	    !fields_shape(text, "dddd-dd-ddTdd:ddZ") &&
	    !fields_shape(text, "dddd-dd-ddTdd:dd:ddZ"))
		return -1;
	if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	if (len != 10 &&
	    !(sscanf(text + 10, "T%2d:%2d:%2dZ%n", &h, &mi, &s, &n) == 3 &&
	      (size_t)n == len - 10) &&
	    !(sscanf(text + 10, "T%2d:%2dZ%n", &h, &mi, &n) == 2 &&
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

static int parse_time(const struct fields_env *env,
		      const struct field_desc *field, const char *text,
		      void *rec, const char **error_r)
{
	uint64_t value = 0;

	(void)env;
	if (text[0] != '\0' && fields_parse_time(text, &value) < 0) {
		*error_r =
		    "must be a date YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)";
		return -1;
	}
	fields_set_uint(field, rec, value);
	return 0;
}

static int parse_duration(const struct fields_env *env,
			  const struct field_desc *field, const char *text,
			  void *rec, const char **error_r)
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
static int parse_language(const struct fields_env *env,
			  const struct field_desc *field, const char *text,
			  void *rec, const char **error_r)
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
static int parse_timezone(const struct fields_env *env,
			  const struct field_desc *field, const char *text,
			  void *rec, const char **error_r)
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

/* "allow|deny:account:ADDRESS", "allow|deny:domain:DOMAIN",
 * "allow|deny:members" -> the normalised rule. */
static const char *fields_parse_rule(struct arena *arena, const char *text,
				     const char **error_r)
{
	char out[NAMES_ADDRESS_MAX + 1];
	const char *rest;
	const char *action;

	if (strncasecmp(text, "allow:", 6) == 0)
		action = "allow";
	else if (strncasecmp(text, "deny:", 5) == 0)
		action = "deny";
	else
		goto bad;
	rest = text + strlen(action) + 1;
	if (strcasecmp(rest, "members") == 0)
		return arena_printf(arena, "%s:members", action);
	if (strncasecmp(rest, "account:", 8) == 0) {
		if (names_address_normalize(rest + 8, strlen(rest + 8), out,
					    error_r) < 0)
			return NULL;
		return arena_printf(arena, "%s:account:%s", action, out);
	}
	if (strncasecmp(rest, "domain:", 7) == 0) {
		if (names_domain_normalize(rest + 7, strlen(rest + 7), out,
					   error_r) < 0)
			return NULL;
		return arena_printf(arena, "%s:domain:%s", action, out);
	}
bad:
	*error_r = arena_printf(
	    arena,
	    "\"%s\" is not a rule: use allow|deny:account:ADDRESS, "
	    "allow|deny:domain:DOMAIN or allow|deny:members",
	    text);
	return NULL;
}

static const char *fields_parse_item(const struct fields_env *env,
				     enum field_type type, const char *text,
				     const char **error_r)
{
	char out[NAMES_ADDRESS_MAX + 1];
	const char *why;

	if (type == FT_SENDRULES)
		return fields_parse_rule(env->arena, text, error_r);
	if (names_address_normalize(text, strlen(text), out, &why) < 0) {
		*error_r = arena_printf(env->arena, "%s: %s", text, why);
		return NULL;
	}
	return arena_strdup(env->arena, out);
}

static int fields_list_find(const struct strlist *list, const char *item)
{
	for (size_t i = 0; i < list->count; i++) {
		if (strcmp(list->items[i], item) == 0)
			return (int)i;
	}
	return -1;
}

/* The array has room: fields_apply_list sized it for every word. */
static void fields_list_append(struct strlist *list, const char *item)
{
	list->items[list->count++] = item;
}

static void fields_list_remove(struct strlist *list, size_t index)
{
	const char **items = list->items;

	memmove(items + index, items + index + 1,
		(list->count - index - 1) * sizeof(*items));
	list->count--;
}

static int fields_list_check(const struct strlist *list, const char **error_r)
{
	size_t total = 0;

	for (size_t i = 0; i < list->count; i++)
		total += strlen(list->items[i]) + 1;
	if (list->count > FIELDS_LIST_ITEMS_MAX ||
	    total > FIELDS_LIST_TEXT_MAX) {
		*error_r = "has too many items (an answer to Postfix holds at "
			   "most 100000 bytes)";
		return -1;
	}
	return 0;
}

/* Applies one item of a list assignment. */
static int fields_list_item(const struct fields_env *env,
			    const struct assign *assign, struct strlist *list,
			    const char *item, const char **error_r)
{
	int index = fields_list_find(list, item);

	if (assign->op == ASSIGN_REMOVE) {
		if (index < 0) {
			*error_r = arena_printf(env->arena,
						"%s is not in the list", item);
			return -1;
		}
		fields_list_remove(list, (size_t)index);
	} else if (index < 0) {
		fields_list_append(list, item);
	} else if (assign->op == ASSIGN_ADD) {
		*error_r =
		    arena_printf(env->arena, "%s is already in the list", item);
		return -1;
	}
	return 0;
}

static int fields_apply_list(const struct fields_env *env,
			     const struct assign *assign, void *rec,
			     const char **error_r)
{
	struct strlist *list = RECORD_FIELD(rec, assign->field, struct strlist);
	char *copy = arena_strdup(env->arena, assign->text);
	/* One array for the result, with room for every word of the text
	 * (at most (len + 1) / 2 of them): growing it per item would cost
	 * quadratic memory. It is also the copy on write: the record may
	 * share its old array with another. */
	size_t keep = assign->op == ASSIGN_SET ? 0 : list->count;
	const char **items = arena_alloc(
	    env->arena, (keep + (strlen(copy) + 1) / 2 + 1) * sizeof(*items));

	if (keep != 0)
		memcpy(items, list->items, keep * sizeof(*items));
	list->count = keep;
	list->items = items;
	for (char *save = NULL, *word = strtok_r(copy, ", \t", &save);
	     word != NULL; word = strtok_r(NULL, ", \t", &save)) {
		const char *item =
		    fields_parse_item(env, assign->field->type, word, error_r);
		if (item == NULL ||
		    fields_list_item(env, assign, list, item, error_r) < 0)
			return -1;
	}
	return fields_list_check(list, error_r);
}

static parse_fn *const field_parsers[] = {
    [FT_NAME] = parse_name,	    [FT_TEXT] = parse_text,
    [FT_LONGTEXT] = parse_text,	    [FT_DOMAIN] = parse_domain,
    [FT_ADDRESS] = parse_address,   [FT_OFFER] = parse_offer,
    [FT_HOST] = parse_host,	    [FT_PATH] = parse_path,
    [FT_RELPATH] = parse_path,	    [FT_SECRET] = parse_secret,
    [FT_BOOL] = parse_bool,	    [FT_COUNT] = parse_count,
    [FT_SIZE] = parse_size,	    [FT_PORT] = parse_port,
    [FT_ENUM] = parse_enum,	    [FT_SET] = parse_set,
    [FT_TIME] = parse_time,	    [FT_DURATION] = parse_duration,
    [FT_LANGUAGE] = parse_language, [FT_TIMEZONE] = parse_timezone,
};

int fields_apply(const struct fields_env *env, const struct assign *assign,
		 void *rec, const char **error_r)
{
	const struct field_desc *field = assign->field;
	const char *why = NULL;
	int ret;

	if (!names_is_valid_utf8(assign->text, strlen(assign->text))) {
		why = "is not valid UTF-8";
		ret = -1;
	} else if (field_type_is_list(field->type)) {
		ret = fields_apply_list(env, assign, rec, &why);
	} else if (assign->op != ASSIGN_SET) {
		why = "is not a list: use name=value";
		ret = -1;
	} else {
		ret = field_parsers[field->type](env, field, assign->text, rec,
						 &why);
	}
	if (ret < 0)
		*error_r = arena_printf(env->arena, "%s: %s", field->name, why);
	return ret;
}

void fields_defaults(const struct fields_env *env,
		     const struct record_desc *desc, void *rec)
{
	memset(rec, 0, desc->size);
	for (size_t i = 0; i < desc->field_count; i++) {
		const struct field_desc *field = &desc->fields[i];
		struct assign assign = {field, ASSIGN_SET, field->default_text};
		const char *error;

		if (!field_type_is_uint(field->type) &&
		    !field_type_is_list(field->type))
			*RECORD_FIELD(rec, field, const char *) = "";
		if (field->default_text != NULL &&
		    field->default_text[0] != '\0' &&
		    fields_apply(env, &assign, rec, &error) < 0)
			abort(); /* a default that does not parse is a bug */
	}
}

int fields_parse_assign(const struct record_desc *desc, const char *arg,
			struct assign *assign_r, const char **error_r)
{
	static _Thread_local char name[FIELDS_NAME_MAX + 1];
	const char *eq = strchr(arg, '=');
	size_t len;

	if (eq == NULL || eq == arg) {
		*error_r = "expected name=value";
		return -1;
	}
	len = (size_t)(eq - arg);
	assign_r->op = ASSIGN_SET;
	if (eq[-1] == '+' || eq[-1] == '-') {
		assign_r->op = eq[-1] == '+' ? ASSIGN_ADD : ASSIGN_REMOVE;
		len--;
	}
	if (len == 0 || len > FIELDS_NAME_MAX) {
		*error_r = "expected name=value";
		return -1;
	}
	memcpy(name, arg, len);
	name[len] = '\0';
	assign_r->field = record_field(desc, name);
	assign_r->text = eq + 1;
	if (assign_r->field == NULL ||
	    (assign_r->field->flags & (FF_KEY | FF_READONLY)) != 0) {
		*error_r = assign_r->field == NULL ? "unknown field"
						   : "field cannot be set";
		return -1;
	}
	return 0;
}

int fields_parse_key(const struct fields_env *env,
		     const struct record_desc *desc, const char *text,
		     const char **key_r, const char **error_r)
{
	const struct field_desc *field = &desc->fields[0];
	void *scratch = arena_zalloc(env->arena, desc->size);
	struct assign assign = {field, ASSIGN_SET, text};

	if (fields_apply(env, &assign, scratch, error_r) < 0)
		return -1;
	*key_r = *RECORD_FIELD(scratch, field, const char *);
	return 0;
}
