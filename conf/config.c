/*
 * config.c - mailmapd.conf (libconfig syntax) into one struct config.
 *
 * Every setting is one row of the settings[] table: its dotted path, its
 * kind, where it lives in struct config, its default (as text, parsed by
 * the same code as the file, so defaults are validated too), its limits
 * and a one-line doc. Loading is: defaults, then every setting found in
 * the file (walking the groups and refusing anything the table does not
 * know), then the rules[] that relate two settings. Paths in the table are
 * relative to a scope, so a later list of groups (listeners) can walk its
 * elements with its own table. Arrays are not rows: the listeners list and
 * the policy whitelists (config_policy.c) have loaders of their own.
 *
 * Limits: the file is at most CONFIG_MAX_FILE_SIZE bytes and has no NUL
 * byte; dotted paths are shorter than CONFIG_MAX_PATH. libconfig 1.5
 * silently truncates integer literals that do not fit in 32 bits unless
 * they end in L, so such literals are refused before parsing (files pulled
 * in with @include are parsed but not pre-scanned).
 */
#include "config.h"
#include "config_dovecot.h"
#include "config_internal.h"

#include <errno.h>
#include <libconfig.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONFIG_MAX_FILE_SIZE (1024 * 1024)
#define CONFIG_MAX_PATH	     128
#define CONFIG_REASON_MAX    256
#define CONFIG_SHOWN_MAX     80

enum kind {
	KIND_STRING,   /* char *, length min..max, optional check */
	KIND_PATH,     /* char *, absolute path */
	KIND_BOOL,     /* bool */
	KIND_UINT,     /* unsigned, min..max (max <= UINT_MAX) */
	KIND_SIZE,     /* uint64_t bytes, "64M" or integer, min..max */
	KIND_DURATION, /* uint64_t seconds, "5m" or integer, min..max */
	KIND_ENUM,     /* int, index into names[] */
	KIND_FACILITY, /* int, config_facility_values[] of the name's index */
};

struct setting {
	const char *path; /* dotted, relative to the scope */
	enum kind kind;
	size_t offset;		  /* of the field in the scope's struct */
	const char *default_text; /* parsed like a value in the file */
	uint64_t min, max;	  /* numbers: range; strings: length */
	const char *const *names; /* KIND_ENUM: NULL-terminated */
	const char *(*check)(const char *value); /* NULL or reason */
	const char *doc;
};

/* A table and the struct its offsets point into. */
struct scope {
	const struct setting *settings;
	size_t count;
	void *base;
};

/* Where messages point to: the file being loaded and its parsed tree. */
struct load {
	const char *file;
	const config_t *tree; /* NULL when loading defaults only */
	char **error_r;
};

typedef int kind_parse_fn(const struct setting *def, const char *text,
			  const char *shown, void *field, char *reason,
			  size_t size);

struct kind_ops {
	const char *expected; /* for wrong-type messages */
	unsigned types;	      /* accepted libconfig types, as bits */
	bool owns_string;     /* the field is a malloc'ed char * */
	kind_parse_fn *parse;
};

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

static const char *const scheme_names[] = {
    [CONFIG_PW_SHA512_CRYPT] = "SHA512-CRYPT",
    [CONFIG_PW_BLF_CRYPT] = "BLF-CRYPT",
    NULL,
};

static const char *check_delimiter(const char *value);

#define FIELD(name) offsetof(struct config, name)

/* One row per setting; clang-format would pack the rows together. */
/* clang-format off */
static const struct setting settings[] = {
	{ "store.dir", KIND_PATH, FIELD(store_dir),
	  "/var/lib/mailmap", 1, 4000, NULL, NULL,
	  "holds the LMDB environments config/ (mailmapctl) and state/ (mailmapd)" },
	{ "store.map_size", KIND_SIZE, FIELD(map_size),
	  "1G", 1ULL << 20, 1ULL << 40, NULL, NULL,
	  "initial LMDB map size of each environment" },
	{ "passwords.scheme", KIND_ENUM, FIELD(password_scheme),
	  "SHA512-CRYPT", 0, 0, scheme_names, NULL,
	  "hash scheme for new passwords" },
	{ "passwords.rounds", KIND_UINT, FIELD(password_rounds),
	  "0", 0, 999999999, NULL, NULL,
	  "rounds (SHA512-CRYPT) or cost (BLF-CRYPT); 0 = library default" },
	{ "lookup.recipient_delimiter", KIND_STRING,
	  FIELD(recipient_delimiter), "+", 0, 8, NULL, check_delimiter,
	  "characters that start an address extension; \"\" = none" },
	/* daemon: names and checks in config_daemon.c */
	{ "daemon.user", KIND_STRING, FIELD(user),
	  "mailmap", 0, CONFIG_ACCOUNT_MAX, NULL, config_check_account,
	  "user mailmapd runs as after binding its sockets; \"\" = no change" },
	{ "daemon.group", KIND_STRING, FIELD(group),
	  "", 0, CONFIG_ACCOUNT_MAX, NULL, config_check_account,
	  "group mailmapd runs as; \"\" = the user's group" },
	{ "daemon.workers", KIND_UINT, FIELD(workers),
	  "0", 0, 64, NULL, NULL,
	  "worker threads; 0 = one per CPU core" },
	{ "daemon.idle_timeout", KIND_DURATION, FIELD(idle_timeout),
	  "300s", 1, 86400, NULL, NULL,
	  "closes a connection that sent nothing for this long" },
	{ "daemon.max_lifetime", KIND_DURATION, FIELD(max_lifetime),
	  "0", 0, 604800, NULL, NULL,
	  "closes any connection this old; 0 = never" },
	{ "daemon.max_request", KIND_SIZE, FIELD(max_request),
	  "64k", 1ULL << 10, 1ULL << 20, NULL, NULL,
	  "longest request; a longer one closes the connection" },
	{ "daemon.max_output", KIND_SIZE, FIELD(max_output),
	  "1M", 64ULL << 10, 64ULL << 20, NULL, NULL,
	  "unsent replies a connection may queue before it is closed" },
	{ "daemon.log_facility", KIND_FACILITY, FIELD(log_facility),
	  "mail", 0, 0, config_facility_names, NULL,
	  "syslog facility of mailmapd's log lines" },
	{ "daemon.log_level", KIND_ENUM, FIELD(log_level),
	  "info", 0, 0, config_log_level_names, NULL,
	  "least important log lines written: error, warning, info, debug" },
	/* policy: names, rules and the whitelists in config_policy.c;
	   defaults of greylisting follow postgrey's */
	{ "policy.greylisting", KIND_BOOL, FIELD(policy.greylisting),
	  "true", 0, 0, NULL, NULL,
	  "greylists unauthenticated clients (where antispam is on)" },
	{ "policy.greylist_delay", KIND_DURATION, FIELD(policy.greylist_delay),
	  "300s", 1, 86400, NULL, NULL,
	  "a first attempt is deferred; a retry after this long passes" },
	{ "policy.greylist_retry_window", KIND_DURATION,
	  FIELD(policy.greylist_retry_window), "2d", 60, 30 * 86400, NULL, NULL,
	  "a retry must come within this long of the first attempt" },
	{ "policy.greylist_max_age", KIND_DURATION,
	  FIELD(policy.greylist_max_age), "35d", 86400, 365 * 86400, NULL, NULL,
	  "a passed triplet unused for this long is forgotten" },
	{ "policy.greylist_ipv4_prefix", KIND_UINT,
	  FIELD(policy.greylist_ipv4_prefix), "24", 8, 32, NULL, NULL,
	  "IPv4 clients in one network of this prefix are one client" },
	{ "policy.greylist_ipv6_prefix", KIND_UINT,
	  FIELD(policy.greylist_ipv6_prefix), "64", 16, 128, NULL, NULL,
	  "IPv6 clients in one network of this prefix are one client" },
	{ "policy.greylist_awl_count", KIND_UINT,
	  FIELD(policy.greylist_awl_count), "5", 0, 1000, NULL, NULL,
	  "passes after which a client network is whitelisted; 0 = never" },
	{ "policy.greylist_header", KIND_BOOL, FIELD(policy.greylist_header),
	  "false", 0, 0, NULL, NULL,
	  "prepends an X-Greylist header to a message that was delayed" },
	{ "policy.failure_accounts", KIND_ENUM, FIELD(policy.failure_accounts),
	  "defer", 0, 0, config_failure_names, NULL,
	  "account and plan checks when the store cannot answer: defer, dunno" },
	{ "policy.failure_send_rights", KIND_ENUM,
	  FIELD(policy.failure_send_rights), "defer", 0, 0,
	  config_failure_names, NULL,
	  "list send-rights checks when the store cannot answer" },
	{ "policy.failure_greylisting", KIND_ENUM,
	  FIELD(policy.failure_greylisting), "dunno", 0, 0,
	  config_failure_names, NULL,
	  "greylisting when the store cannot answer" },
	{ "policy.sweep_interval", KIND_DURATION, FIELD(policy.sweep_interval),
	  "10m", 60, 86400, NULL, NULL,
	  "time between sweeps of expired greylisting triplets" },
};
/* clang-format on */

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static int fail(char **error_r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(char **error_r, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	if (vasprintf(error_r, fmt, args) < 0)
		*error_r = NULL;
	va_end(args);
	return -1;
}

/* "file:line: reason" for setting s; "file: reason" without one. */
static int load_fail(const struct load *ld, const config_setting_t *s,
		     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int load_fail(const struct load *ld, const config_setting_t *s,
		     const char *fmt, ...)
{
	char reason[CONFIG_REASON_MAX + CONFIG_MAX_PATH];
	const char *file = ld->file;
	va_list args;

	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	if (s == NULL)
		return fail(ld->error_r, "%s: %s", file, reason);
	if (config_setting_source_file(s) != NULL)
		file = config_setting_source_file(s);
	return fail(ld->error_r, "%s:%u: %s", file,
		    config_setting_source_line(s), reason);
}

/* Number parsing, shared by settings and by mailmapctl */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

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

	if (!is_digit(*p))
		return -1;
	for (; is_digit(*p); p++) {
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
	size_t used;

	for (int i = 0; def->names[i] != NULL; i++) {
		if (strcasecmp(text, def->names[i]) == 0) {
			*(int *)field = i;
			return 0;
		}
	}
	used = (size_t)snprintf(reason, size, "%s is not one of", shown);
	for (int i = 0; def->names[i] != NULL && used < size; i++) {
		used += (size_t)snprintf(reason + used, size - used, "%s %s",
					 i == 0 ? "" : ",", def->names[i]);
	}
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

static bool has_control(const char *text)
{
	for (; *text != '\0'; text++) {
		if ((unsigned char)*text < 0x20 || *text == 0x7f)
			return true;
	}
	return false;
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
	else if (has_control(text))
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

#define TYPE_BIT(type) (1u << (type))
#define INTEGER_BITS   (TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64))

/* clang-format off */
static const struct kind_ops kinds[] = {
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

/* Value checks of single settings */

static const char *check_delimiter(const char *value)
{
	for (; *value != '\0'; value++) {
		unsigned char c = (unsigned char)*value;
		bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			     (c >= 'A' && c <= 'Z');

		/* '@' would split the domain off, not the extension */
		if (c <= ' ' || c >= 0x7f || alnum || c == '@')
			return "must be ASCII punctuation characters other "
			       "than @";
	}
	return NULL;
}

/* Rules that relate settings, checked once all of them are known */

struct rule {
	const char *path; /* the setting blamed in the message */
	int (*check)(const struct config *config, char *reason, size_t size);
	const char *other; /* blamed when path is not in the file, or NULL */
};

static int check_rounds(const struct config *config, char *reason, size_t size)
{
	/* crypt(5): sha512crypt rounds=1000..999999999, bcrypt cost 4..31 */
	static const struct {
		unsigned min, max;
	} ranges[] = {
	    [CONFIG_PW_SHA512_CRYPT] = {1000, 999999999},
	    [CONFIG_PW_BLF_CRYPT] = {4, 31},
	};
	unsigned rounds = config->password_rounds;
	int scheme = config->password_scheme;

	if (rounds == 0 ||
	    (rounds >= ranges[scheme].min && rounds <= ranges[scheme].max))
		return 0;
	snprintf(reason, size,
		 "%u is out of range for %s (%u..%u, or 0 for the default)",
		 rounds, scheme_names[scheme], ranges[scheme].min,
		 ranges[scheme].max);
	return -1;
}

static const struct rule rules[] = {
    {"passwords.rounds", check_rounds},
    {"policy.greylist_delay", config_policy_check_delay,
     "policy.greylist_retry_window"},
    {"policy.greylist_retry_window", config_policy_check_retry_window,
     "policy.greylist_max_age"},
};

/* The setting a failed rule blames, and its path in *path_r: the rule's
   own, or the other setting it relates to when only that one is in the
   file (the line then points at a value the file sets); NULL if neither. */
static const config_setting_t *
rule_setting(const config_t *tree, const struct rule *rule, const char **path_r)
{
	const config_setting_t *s = config_lookup(tree, rule->path);

	*path_r = rule->path;
	if (s != NULL || rule->other == NULL)
		return s;
	s = config_lookup(tree, rule->other);
	if (s != NULL)
		*path_r = rule->other;
	return s;
}

static int check_rules(const struct load *ld, const struct config *config)
{
	char reason[CONFIG_REASON_MAX];

	for (size_t i = 0; i < N_ELEMENTS(rules); i++) {
		const config_setting_t *s = NULL;
		const char *path = rules[i].path;

		if (rules[i].check(config, reason, sizeof(reason)) == 0)
			continue;
		if (ld->tree != NULL)
			s = rule_setting(ld->tree, &rules[i], &path);
		return load_fail(ld, s, "%s: %s", path, reason);
	}
	return 0;
}

/* Walking the parsed file */

static void *scope_field(const struct scope *scope, const struct setting *def)
{
	return (char *)scope->base + def->offset;
}

static const struct setting *find_setting(const struct scope *scope,
					  const char *path)
{
	for (size_t i = 0; i < scope->count; i++) {
		if (strcmp(scope->settings[i].path, path) == 0)
			return &scope->settings[i];
	}
	return NULL;
}

/* True if path is a group that holds some setting of the scope. */
static bool is_group_path(const struct scope *scope, const char *path)
{
	size_t len = strlen(path);

	for (size_t i = 0; i < scope->count; i++) {
		const char *p = scope->settings[i].path;

		if (strncmp(p, path, len) == 0 && p[len] == '.')
			return true;
	}
	return false;
}

static const char *type_name(const config_setting_t *s)
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

const char *config_setting_type_name(const config_setting_t *s)
{
	return type_name(s);
}

/* The scalar s as text: the string itself, digits or true/false. */
static const char *setting_text(const config_setting_t *s, char *buf,
				size_t size)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		return config_setting_get_string(s);
	case CONFIG_TYPE_BOOL:
		return config_setting_get_bool(s) ? "true" : "false";
	}
	snprintf(buf, size, "%lld", config_setting_get_int64(s));
	return buf;
}

static int apply_setting(const struct load *ld, const struct scope *scope,
			 const struct setting *def, const char *path,
			 const config_setting_t *s)
{
	const struct kind_ops *ops = &kinds[def->kind];
	char number[32], shown[CONFIG_SHOWN_MAX], reason[CONFIG_REASON_MAX];
	const char *text, *quote;

	if ((ops->types & TYPE_BIT(config_setting_type(s))) == 0)
		return load_fail(ld, s, "%s: expected %s, got %s", path,
				 ops->expected, type_name(s));
	text = setting_text(s, number, sizeof(number));
	quote = config_setting_type(s) == CONFIG_TYPE_STRING ? "\"" : "";
	snprintf(shown, sizeof(shown), "%s%.64s%s", quote, text, quote);
	if (ops->parse(def, text, shown, scope_field(scope, def), reason,
		       sizeof(reason)) < 0)
		return load_fail(ld, s, "%s: %s", path, reason);
	return 0;
}

static int walk_group(const struct load *ld, const struct scope *scope,
		      const config_setting_t *group, const char *prefix);

static int walk_setting(const struct load *ld, const struct scope *scope,
			const config_setting_t *s, const char *path)
{
	const struct setting *def = find_setting(scope, path);
	bool is_group = config_setting_is_group(s);

	if (def != NULL)
		return apply_setting(ld, scope, def, path, s);
	/* the list of groups has its own table: config_listeners.c */
	if (scope->settings == settings &&
	    strcmp(path, CONFIG_LISTENERS_PATH) == 0)
		return config_listeners_load(ld->file, s, scope->base,
					     ld->error_r);
	/* the policy whitelists are arrays: config_policy.c */
	if (scope->settings == settings && config_policy_is_list(path))
		return config_policy_list_load(ld->file, s, path, scope->base,
					       ld->error_r);
	/* the dovecot group has its own table: config_dovecot.c */
	if (scope->settings == settings &&
	    strcmp(path, CONFIG_DOVECOT_PATH) == 0)
		return config_dovecot_load(ld->file, s, scope->base,
					   ld->error_r);
	if (!is_group_path(scope, path))
		return load_fail(ld, s, "unknown %s \"%s\"",
				 is_group ? "group" : "setting", path);
	if (!is_group)
		return load_fail(ld, s, "%s: expected a group, got %s", path,
				 type_name(s));
	return walk_group(ld, scope, s, path);
}

static int walk_group(const struct load *ld, const struct scope *scope,
		      const config_setting_t *group, const char *prefix)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, i);
		const char *name = config_setting_name(s);
		char path[CONFIG_MAX_PATH];
		int len = snprintf(path, sizeof(path), "%s%s%s", prefix,
				   prefix[0] == '\0' ? "" : ".", name);

		if (len < 0 || (size_t)len >= sizeof(path))
			return load_fail(ld, s, "unknown setting \"%s\"", name);
		if (walk_setting(ld, scope, s, path) < 0)
			return -1;
	}
	return 0;
}

static int apply_defaults(const struct load *ld, const struct scope *scope)
{
	char shown[CONFIG_SHOWN_MAX], reason[CONFIG_REASON_MAX];

	for (size_t i = 0; i < scope->count; i++) {
		const struct setting *def = &scope->settings[i];

		snprintf(shown, sizeof(shown), "\"%s\"", def->default_text);
		if (kinds[def->kind].parse(def, def->default_text, shown,
					   scope_field(scope, def), reason,
					   sizeof(reason)) < 0)
			return load_fail(ld, NULL, "default of %s: %s",
					 def->path, reason);
	}
	return 0;
}

/* Reading the file */

static int read_text(const char *path, char **text_r, char **error_r)
{
	FILE *fp = fopen(path, "r");
	char *text;
	size_t len;
	int ret = 0;

	if (fp == NULL)
		return fail(error_r, "%s: %s", path, strerror(errno));
	text = malloc(CONFIG_MAX_FILE_SIZE + 1);
	if (text == NULL) {
		fclose(fp);
		return fail(error_r, "%s: out of memory", path);
	}
	len = fread(text, 1, CONFIG_MAX_FILE_SIZE + 1, fp);
	if (ferror(fp))
		ret = fail(error_r, "%s: %s", path, strerror(errno));
	else if (len > CONFIG_MAX_FILE_SIZE)
		ret = fail(error_r, "%s: larger than %d bytes", path,
			   CONFIG_MAX_FILE_SIZE);
	else if (memchr(text, '\0', len) != NULL)
		ret = fail(error_r, "%s: contains a NUL byte", path);
	fclose(fp);
	if (ret < 0) {
		free(text);
		return -1;
	}
	text[len] = '\0';
	*text_r = text;
	return 0;
}

static bool is_name_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_' || c == '*' || c == '.';
}

/* True if the digit at p starts a number, not the tail of a name
   ("map2", "a-5") or of a float ("1.5"). */
static bool starts_number(const char *start, const char *p)
{
	if (p > start && (p[-1] == '-' || p[-1] == '+'))
		p--;
	return p == start || !is_name_char(p[-1]);
}

static int digit_value(char c, unsigned base)
{
	int lower = c | 0x20;
	int value = 99;

	if (is_digit(c))
		value = c - '0';
	else if (lower >= 'a' && lower <= 'f')
		value = lower - 'a' + 10;
	return value < (int)base ? value : -1;
}

/* Skips the number at p; true if it is an integer libconfig 1.5 would
   truncate: beyond 32 bits and without the L suffix. */
static bool skip_number(const char **p)
{
	bool hex = (*p)[0] == '0' && ((*p)[1] == 'x' || (*p)[1] == 'X');
	unsigned base = hex ? 16 : 10;
	const char *end = *p + (hex ? 2 : 0);
	uint64_t value = 0;
	int digit;

	for (; (digit = digit_value(*end, base)) >= 0; end++) {
		if (value <= UINT32_MAX) /* enough to know it is too big */
			value = value * base + (unsigned)digit;
	}
	*p = end;
	if (*end == 'L' ||
	    (!hex && (*end == '.' || *end == 'e' || *end == 'E')))
		return false;
	return value > INT32_MAX;
}

/* Moves p past a string or a comment; counts the newlines it skips. */
static const char *skip_quoted(const char *p, unsigned *line)
{
	const char *end;

	if (p[0] == '#' || (p[0] == '/' && p[1] == '/'))
		return p + strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		end = strstr(p + 2, "*/");
		end = end == NULL ? p + strlen(p) : end + 2;
	} else {
		for (end = p + 1; *end != '\0' && *end != '"'; end++) {
			if (*end == '\\' && end[1] != '\0')
				end++;
		}
		end += *end == '"';
	}
	for (; p < end; p++)
		*line += *p == '\n';
	return end;
}

static int fail_wide(char **error_r, const char *path, unsigned line,
		     const char *number, const char *end)
{
	return fail(error_r,
		    "%s:%u: integer %.*s does not fit in 32 bits; write it as "
		    "a string (\"5G\") or add an L suffix",
		    path, line, (int)(end - number), number);
}

/* Refuses integer literals that libconfig 1.5 would truncate. */
static int check_integers(const char *path, const char *text, char **error_r)
{
	unsigned line = 1;
	const char *p = text, *number;

	while (*p != '\0') {
		if (*p == '"' || *p == '#' ||
		    (*p == '/' && (p[1] == '/' || p[1] == '*'))) {
			p = skip_quoted(p, &line);
		} else if (is_digit(*p) && starts_number(text, p)) {
			number = p;
			if (skip_number(&p))
				return fail_wide(error_r, path, line, number,
						 p);
		} else {
			line += *p++ == '\n';
		}
	}
	return 0;
}

/* Points @include at the directory of path. */
static int set_include_dir(config_t *tree, const char *path, char **error_r)
{
	char *copy = strdup(path);

	if (copy == NULL)
		return fail(error_r, "%s: out of memory", path);
	config_set_include_dir(tree, dirname(copy));
	free(copy);
	return 0;
}

static int parse_tree(config_t *tree, const char *path, const char *text,
		      char **error_r)
{
	const char *file;

	if (set_include_dir(tree, path, error_r) < 0)
		return -1;
	if (config_read_string(tree, text) == CONFIG_TRUE)
		return 0;
	file = config_error_file(tree);
	if (config_error_type(tree) == CONFIG_ERR_FILE_IO)
		return fail(error_r, "%s: %s", file != NULL ? file : path,
			    config_error_text(tree));
	return fail(error_r, "%s:%d: %s", file != NULL ? file : path,
		    config_error_line(tree), config_error_text(tree));
}

static int load_file(const char *path, const struct scope *scope,
		     char **error_r)
{
	struct load ld = {path, NULL, error_r};
	config_t tree;
	char *text = NULL;
	int ret;

	if (read_text(path, &text, error_r) < 0)
		return -1;
	config_init(&tree);
	ret = check_integers(path, text, error_r);
	if (ret == 0)
		ret = parse_tree(&tree, path, text, error_r);
	ld.tree = &tree;
	if (ret == 0)
		ret = walk_group(&ld, scope, config_root_setting(&tree), "");
	if (ret == 0)
		ret = check_rules(&ld, scope->base);
	config_destroy(&tree);
	free(text);
	return ret;
}

int config_load(const char *path, struct config **config_r, char **error_r)
{
	struct config *config = calloc(1, sizeof(*config));
	struct scope scope = {settings, N_ELEMENTS(settings), config};
	struct load ld = {"(defaults)", NULL, error_r};
	int ret;

	*error_r = NULL;
	if (config == NULL)
		return fail(error_r, "out of memory");
	ret = apply_defaults(&ld, &scope);
	if (ret == 0)
		ret = config_dovecot_defaults(config, error_r);
	if (ret == 0 && path == NULL)
		ret = check_rules(&ld, config);
	else if (ret == 0)
		ret = load_file(path, &scope, error_r);
	if (ret < 0) {
		config_free(&config);
		return -1;
	}
	*config_r = config;
	return 0;
}

void config_free(struct config **config)
{
	if (*config == NULL)
		return;
	for (size_t i = 0; i < N_ELEMENTS(settings); i++) {
		if (kinds[settings[i].kind].owns_string)
			free(*(char **)((char *)*config + settings[i].offset));
	}
	config_listeners_free(*config);
	config_policy_free(*config);
	config_dovecot_free(*config);
	free(*config);
	*config = NULL;
}
