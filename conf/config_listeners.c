/*
 * config_listeners.c - the "listeners" list of mailmapd.conf: one group
 * per socket mailmapd listens on, into struct config_listener (config.h).
 *
 *   listeners = ( { key = value; ... }, ... );
 *
 *   protocol         required: "socketmap" | "policy" | "dict"
 *   path             unix socket: absolute, <= 107 bytes (sun_path)
 *   address          TCP: "IPv4:port" | "[IPv6]:port" (config_net.c)
 *   owner, group     unix only: names, "" (default) = the daemon's
 *   mode             unix only: "0660", "660" or 660 (read as octal,
 *                    libconfig 1.5 reads 0660 as decimal), <= 0777;
 *                    default 0666; TCP listeners have 0
 *   maps             socketmap: lookup_map_names; dict: auth, userdb,
 *                    quota, lastlogin; no duplicates;
 *                    omitted = all (map_count 0)
 *   allow            TCP only: "addr/prefix" or "addr" (config_net.c);
 *                    omitted = 127.0.0.0/8 and ::1/128
 *   max_connections  1..100000, default 1000
 *
 * Exactly one of path and address. owner and group are never NULL ("" when
 * not set). A missing "listeners" is no listener (mailmapctl needs none;
 * mailmapd refuses to start without one). Messages name an entry
 * "listeners[N].key" counting from 1, as mailmapd's log does, after the
 * file and line. Two listeners on the same path, or on the same address
 * and port, are refused; overlaps such as 0.0.0.0:25 and 127.0.0.1:25 are
 * left to bind(2).
 *
 * Limits: CONFIG_LISTENERS_MAX entries, CONFIG_ALLOW_MAX networks each.
 */
#include "config_internal.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "lookup.h"

#define CONFIG_LISTENERS_MAX	   64
#define CONFIG_ALLOW_MAX	   256
#define CONFIG_MAPS_MAX		   32
#define CONFIG_MAP_NAME_MAX	   64
#define CONFIG_CONNECTIONS_MAX	   100000
#define CONFIG_CONNECTIONS_DEFAULT 1000
#define CONFIG_MODE_DEFAULT	   0666
#define CONFIG_MODE_MAX		   0777
#define CONFIG_LISTENER_REASON_MAX 256
/* unix(7): sun_path holds 108 bytes including the terminating NUL */
#define CONFIG_SOCKET_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

#define TYPE_BIT(type) (1u << (type))
#define INTEGER_BITS   (TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64))

enum listener_key {
	KEY_PROTOCOL,
	KEY_PATH,
	KEY_ADDRESS,
	KEY_OWNER,
	KEY_GROUP,
	KEY_MODE,
	KEY_MAPS,
	KEY_ALLOW,
	KEY_MAX_CONNECTIONS,
	KEY_COUNT
};

/* Which listeners a key applies to. */
enum key_use { USE_ANY, USE_UNIX, USE_TCP };

/* One entry being loaded. */
struct entry {
	const char *file;
	char **error_r;
	struct config_listener *listener;
	size_t number; /* from 1 */
	const config_setting_t *group;
	const config_setting_t *seen[KEY_COUNT]; /* keys present, by key */
	const config_setting_t *at; /* set by a parser to blame an element */
	char reason[CONFIG_LISTENER_REASON_MAX];
};

struct key {
	const char *name;
	unsigned types; /* accepted libconfig types, as bits */
	const char *expected;
	enum key_use use;
	int (*parse)(struct entry *e, const config_setting_t *s);
};

static const char *const protocol_names[] = {
    [CONFIG_PROTO_SOCKETMAP] = "socketmap",
    [CONFIG_PROTO_POLICY] = "policy",
    [CONFIG_PROTO_DICT] = "dict",
    NULL,
};

/* Parsed by config_network_parse() like a value in the file. */
static const char *const default_allow[] = {"127.0.0.0/8", "::1/128"};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* Messages */

static int fail_at(const char *file, const config_setting_t *s, char **error_r,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "file:line: " and the message, at setting s. */
static int fail_at(const char *file, const config_setting_t *s, char **error_r,
		   const char *fmt, ...)
{
	char message[CONFIG_LISTENER_REASON_MAX + 64];
	va_list args;

	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	if (config_setting_source_file(s) != NULL)
		file = config_setting_source_file(s);
	if (asprintf(error_r, "%s:%u: %s", file, config_setting_source_line(s),
		     message) < 0)
		*error_r = NULL;
	return -1;
}

/* "file:line: listeners[N].key: reason"; key NULL: "listeners[N]: ". */
static int entry_fail(const struct entry *e, const config_setting_t *at,
		      const char *key, const char *reason)
{
	return fail_at(e->file, at, e->error_r, "%s[%zu]%s%s: %s",
		       CONFIG_LISTENERS_PATH, e->number, key != NULL ? "." : "",
		       key != NULL ? key : "", reason);
}

static int entry_reason(struct entry *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int entry_reason(struct entry *e, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, args);
	va_end(args);
	return -1;
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

/* Values */

static bool has_control(const char *text)
{
	for (; *text != '\0'; text++) {
		if ((unsigned char)*text < 0x20 || *text == 0x7f)
			return true;
	}
	return false;
}

static int set_string(struct entry *e, char **field, const char *text)
{
	char *copy = strdup(text);

	if (copy == NULL)
		return entry_reason(e, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

static int parse_protocol(struct entry *e, const config_setting_t *s)
{
	const char *text = config_setting_get_string(s);

	for (int i = 0; protocol_names[i] != NULL; i++) {
		if (strcasecmp(text, protocol_names[i]) == 0) {
			e->listener->protocol = i;
			return 0;
		}
	}
	return entry_reason(
	    e, "\"%.64s\" is not one of socketmap, policy, dict", text);
}

static int parse_path(struct entry *e, const config_setting_t *s)
{
	const char *text = config_setting_get_string(s);
	size_t len = strlen(text);

	if (text[0] != '/')
		return entry_reason(e, "\"%.64s\" is not an absolute path",
				    text);
	if (len > CONFIG_SOCKET_PATH_MAX)
		return entry_reason(e,
				    "is %zu bytes long; a unix socket path "
				    "has at most %zu",
				    len, CONFIG_SOCKET_PATH_MAX);
	if (text[len - 1] == '/')
		return entry_reason(
		    e, "\"%.64s\" names a directory, not a socket", text);
	if (has_control(text))
		return entry_reason(e, "contains a control character");
	return set_string(e, &e->listener->path, text);
}

static int parse_address(struct entry *e, const config_setting_t *s)
{
	const char *text = config_setting_get_string(s);
	struct config_address address;
	size_t size = sizeof(e->reason);

	if (config_address_parse(text, &address, e->reason, size) < 0)
		return -1;
	return set_string(e, &e->listener->address, text);
}

static int parse_account(struct entry *e, char **field, const char *text)
{
	const char *why;

	if (strlen(text) > CONFIG_ACCOUNT_MAX)
		return entry_reason(e,
				    "\"%.64s...\" is longer than %d characters",
				    text, CONFIG_ACCOUNT_MAX);
	if ((why = config_check_account(text)) != NULL)
		return entry_reason(e, "\"%.64s\" %s", text, why);
	return set_string(e, field, text);
}

static int parse_owner(struct entry *e, const config_setting_t *s)
{
	return parse_account(e, &e->listener->owner,
			     config_setting_get_string(s));
}

static int parse_group(struct entry *e, const config_setting_t *s)
{
	return parse_account(e, &e->listener->group,
			     config_setting_get_string(s));
}

/* 1 to 4 octal digits up to 0777: "0660", "660". */
static int mode_from_text(const char *text, unsigned *mode_r)
{
	size_t len = strspn(text, "01234567");
	unsigned mode = 0;

	if (len == 0 || len > 4 || text[len] != '\0')
		return -1;
	for (size_t i = 0; i < len; i++)
		mode = mode * 8 + (unsigned)(text[i] - '0');
	*mode_r = mode;
	return mode <= CONFIG_MODE_MAX ? 0 : -1;
}

static int parse_mode(struct entry *e, const config_setting_t *s)
{
	char digits[32], shown[80];
	const char *text = digits;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		text = config_setting_get_string(s);
		snprintf(shown, sizeof(shown), "\"%.64s\"", text);
	} else {
		/* libconfig 1.5 reads 0660 as 660: take the digits as octal */
		snprintf(digits, sizeof(digits), "%lld",
			 config_setting_get_int64(s));
		snprintf(shown, sizeof(shown), "%s", digits);
		if (config_setting_get_format(s) == CONFIG_FORMAT_HEX)
			return entry_reason(e, "write the mode in octal, as "
					       "\"0660\"");
	}
	if (mode_from_text(text, &e->listener->mode) < 0)
		return entry_reason(e,
				    "%s is not a mode: octal digits up to "
				    "0777, as \"0660\"",
				    shown);
	return 0;
}

/* s is an array of 1..max strings; hint says what omitting it means. */
static int check_strings(struct entry *e, const config_setting_t *s, size_t max,
			 const char *hint)
{
	int count = config_setting_length(s);

	if (count == 0)
		return entry_reason(e, "is empty; %s", hint);
	if ((size_t)count > max)
		return entry_reason(e, "has %d entries, at most %zu", count,
				    max);
	for (int i = 0; i < count; i++) {
		const config_setting_t *elem = config_setting_get_elem(s, i);

		if (config_setting_type(elem) != CONFIG_TYPE_STRING) {
			e->at = elem;
			return entry_reason(e, "expected strings, got %s",
					    type_name(elem));
		}
	}
	return 0;
}

static int check_map_name(struct entry *e, const char *name)
{
	const struct config_listener *l = e->listener;

	if (name[0] == '\0' || strlen(name) > CONFIG_MAP_NAME_MAX ||
	    has_control(name))
		return entry_reason(e, "\"%.64s\" is not a map name", name);
	for (size_t i = 0; i < l->map_count; i++) {
		if (strcmp(l->maps[i], name) == 0)
			return entry_reason(e, "\"%s\" is listed twice", name);
	}
	return 0;
}

static int parse_maps(struct entry *e, const config_setting_t *s)
{
	struct config_listener *l = e->listener;
	int count;

	if (check_strings(e, s, CONFIG_MAPS_MAX,
			  "omit maps to serve all maps") < 0)
		return -1;
	count = config_setting_length(s);
	l->maps = calloc((size_t)count, sizeof(*l->maps));
	if (l->maps == NULL)
		return entry_reason(e, "out of memory");
	for (int i = 0; i < count; i++) {
		const char *name = config_setting_get_string_elem(s, i);

		e->at = config_setting_get_elem(s, i);
		if (check_map_name(e, name) < 0 ||
		    set_string(e, &l->maps[i], name) < 0)
			return -1;
		l->map_count++;
	}
	e->at = NULL;
	return 0;
}

static int parse_allow(struct entry *e, const config_setting_t *s)
{
	struct config_listener *l = e->listener;
	int count;

	if (check_strings(e, s, CONFIG_ALLOW_MAX,
			  "omit allow for loopback clients only") < 0)
		return -1;
	count = config_setting_length(s);
	l->allow = calloc((size_t)count, sizeof(*l->allow));
	if (l->allow == NULL)
		return entry_reason(e, "out of memory");
	for (int i = 0; i < count; i++) {
		e->at = config_setting_get_elem(s, i);
		if (config_network_parse(config_setting_get_string_elem(s, i),
					 &l->allow[i], e->reason,
					 sizeof(e->reason)) < 0)
			return -1;
		l->allow_count++;
	}
	e->at = NULL;
	return 0;
}

static int parse_max_connections(struct entry *e, const config_setting_t *s)
{
	long long value = config_setting_get_int64(s);

	if (value < 1 || value > CONFIG_CONNECTIONS_MAX)
		return entry_reason(e, "%lld is out of range (1..%d)", value,
				    CONFIG_CONNECTIONS_MAX);
	e->listener->max_connections = (unsigned)value;
	return 0;
}

#define STRING_BIT TYPE_BIT(CONFIG_TYPE_STRING)
#define ARRAY_BIT  TYPE_BIT(CONFIG_TYPE_ARRAY)

/* One row per key of an entry. */
/* clang-format off */
static const struct key keys[KEY_COUNT] = {
	[KEY_PROTOCOL] = { "protocol", STRING_BIT, "a string", USE_ANY,
			   parse_protocol },
	[KEY_PATH] = { "path", STRING_BIT, "a string (an absolute path)",
		       USE_UNIX, parse_path },
	[KEY_ADDRESS] = { "address", STRING_BIT,
			  "a string (\"127.0.0.1:10040\")", USE_TCP,
			  parse_address },
	[KEY_OWNER] = { "owner", STRING_BIT, "a string", USE_UNIX,
			parse_owner },
	[KEY_GROUP] = { "group", STRING_BIT, "a string", USE_UNIX,
			parse_group },
	[KEY_MODE] = { "mode", STRING_BIT | INTEGER_BITS,
		       "an octal mode (\"0660\")", USE_UNIX, parse_mode },
	[KEY_MAPS] = { "maps", ARRAY_BIT,
		       "an array of strings ([\"domains\", \"mailboxes\"])",
		       USE_ANY, parse_maps },
	[KEY_ALLOW] = { "allow", ARRAY_BIT,
			"an array of strings ([\"192.0.2.0/24\"])", USE_TCP,
			parse_allow },
	[KEY_MAX_CONNECTIONS] = { "max_connections", INTEGER_BITS,
				  "an integer", USE_ANY,
				  parse_max_connections },
};
/* clang-format on */

/* One entry */

static int entry_apply(struct entry *e, const config_setting_t *s)
{
	const char *name = config_setting_name(s);

	for (size_t k = 0; k < KEY_COUNT; k++) {
		const struct key *key = &keys[k];

		if (strcmp(name, key->name) != 0)
			continue;
		if ((key->types & TYPE_BIT(config_setting_type(s))) == 0) {
			entry_reason(e, "expected %s, got %s", key->expected,
				     type_name(s));
			return entry_fail(e, s, name, e->reason);
		}
		e->seen[k] = s;
		e->at = NULL;
		if (key->parse(e, s) < 0)
			return entry_fail(e, e->at != NULL ? e->at : s, name,
					  e->reason);
		return 0;
	}
	return entry_fail(e, s, name,
			  config_setting_is_group(s) ? "unknown group"
						     : "unknown setting");
}

/* Keys that do not apply to this kind of listener. */
static int entry_check_use(struct entry *e, bool is_unix)
{
	for (size_t k = 0; k < KEY_COUNT; k++) {
		const char *why = NULL;

		if (e->seen[k] == NULL)
			continue;
		if (keys[k].use == USE_UNIX && !is_unix)
			why = "only for unix sockets (path), not for TCP "
			      "listeners (address)";
		else if (keys[k].use == USE_TCP && is_unix)
			why = "only for TCP listeners (address); who may "
			      "connect to a unix socket is set by its owner, "
			      "group and mode";
		if (why != NULL)
			return entry_fail(e, e->seen[k], keys[k].name, why);
	}
	return 0;
}

/* The dict names a dict listener may serve: the names of enum dict_name
 * in auth/dict_backend.h (conf/ cannot link auth/, which builds on it;
 * mailmapd refuses a handshake naming any other). */
static const char *const dict_map_names[] = {"auth", "userdb", "quota",
					     "lastlogin", NULL};

/* The names a listener of this protocol serves, or NULL: none. */
static const char *const *served_names(int protocol)
{
	switch (protocol) {
	case CONFIG_PROTO_SOCKETMAP:
		return lookup_map_names;
	case CONFIG_PROTO_DICT:
		return dict_map_names;
	default:
		return NULL;
	}
}

static bool is_name_in(const char *const *names, const char *name)
{
	for (size_t i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], name) == 0)
			return true;
	}
	return false;
}

/* "domains, alias_domains, ..." for messages. */
static void name_list(const char *const *names, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; names[i] != NULL && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 i == 0 ? "" : ", ", names[i]);
}

/* maps: socketmap listeners serve lookup maps, dict listeners dict
 * names; policy listeners none. */
static int entry_check_maps(struct entry *e)
{
	const struct config_listener *l = e->listener;
	const config_setting_t *maps = e->seen[KEY_MAPS];
	const char *const *names = served_names(l->protocol);
	char list[CONFIG_LISTENER_REASON_MAX / 2];

	if (maps == NULL)
		return 0;
	if (names == NULL)
		return entry_fail(e, maps, "maps",
				  "policy listeners serve no maps");
	for (size_t i = 0; i < l->map_count; i++) {
		if (is_name_in(names, l->maps[i]))
			continue;
		name_list(names, list, sizeof(list));
		entry_reason(e, "\"%.64s\" is not a %s map (%s)", l->maps[i],
			     l->protocol == CONFIG_PROTO_DICT ? "dict"
							      : "socketmap",
			     list);
		return entry_fail(e, config_setting_get_elem(maps, (int)i),
				  "maps", e->reason);
	}
	return 0;
}

static int entry_defaults(struct entry *e, bool is_unix)
{
	struct config_listener *l = e->listener;

	if ((l->owner == NULL && set_string(e, &l->owner, "") < 0) ||
	    (l->group == NULL && set_string(e, &l->group, "") < 0))
		return entry_fail(e, e->group, NULL, e->reason);
	if (is_unix && e->seen[KEY_MODE] == NULL)
		l->mode = CONFIG_MODE_DEFAULT;
	if (is_unix || e->seen[KEY_ALLOW] != NULL)
		return 0;
	l->allow = calloc(N_ELEMENTS(default_allow), sizeof(*l->allow));
	if (l->allow == NULL)
		return entry_fail(e, e->group, NULL, "out of memory");
	for (size_t i = 0; i < N_ELEMENTS(default_allow); i++) {
		if (config_network_parse(default_allow[i], &l->allow[i],
					 e->reason, sizeof(e->reason)) < 0)
			return entry_fail(e, e->group, "allow", e->reason);
		l->allow_count++;
	}
	return 0;
}

/* What the keys say together, then the defaults of what is missing. */
static int entry_check(struct entry *e)
{
	bool is_unix = e->seen[KEY_PATH] != NULL;

	if (e->seen[KEY_PROTOCOL] == NULL)
		return entry_fail(e, e->group, "protocol",
				  "missing: socketmap, policy or dict");
	if (is_unix && e->seen[KEY_ADDRESS] != NULL)
		return entry_fail(e, e->seen[KEY_ADDRESS], "address",
				  "a listener has a path (unix socket) or an "
				  "address (TCP), not both");
	if (!is_unix && e->seen[KEY_ADDRESS] == NULL)
		return entry_fail(e, e->group, "path",
				  "missing: a listener needs a path (unix "
				  "socket) or an address (TCP)");
	if (entry_check_use(e, is_unix) < 0 || entry_check_maps(e) < 0)
		return -1;
	return entry_defaults(e, is_unix);
}

static int entry_load(struct entry *e)
{
	if (!config_setting_is_group(e->group)) {
		entry_reason(e, "expected a group { protocol = ...; }, got %s",
			     type_name(e->group));
		return entry_fail(e, e->group, NULL, e->reason);
	}
	e->listener->max_connections = CONFIG_CONNECTIONS_DEFAULT;
	for (int i = 0; i < config_setting_length(e->group); i++) {
		if (entry_apply(e, config_setting_get_elem(e->group, i)) < 0)
			return -1;
	}
	return entry_check(e);
}

/* The whole list */

static bool same_address(const char *a, const char *b)
{
	struct config_address x, y;
	char reason[CONFIG_LISTENER_REASON_MAX];

	/* both were parsed before: cannot fail */
	if (config_address_parse(a, &x, reason, sizeof(reason)) < 0 ||
	    config_address_parse(b, &y, reason, sizeof(reason)) < 0)
		return false;
	return x.family == y.family && x.port == y.port &&
	       memcmp(x.addr, y.addr, sizeof(x.addr)) == 0;
}

/* Refuses listener i if an earlier one has its path or address. */
static int check_unique(const char *file, const config_setting_t *list,
			const struct config *config, size_t i, char **error_r)
{
	const struct config_listener *l = &config->listeners[i];
	const config_setting_t *elem = config_setting_get_elem(list, (int)i);
	const char *key = l->path != NULL ? "path" : "address";

	for (size_t j = 0; j < i; j++) {
		const struct config_listener *other = &config->listeners[j];
		bool same = l->path != NULL
				? other->path != NULL &&
				      strcmp(l->path, other->path) == 0
				: other->address != NULL &&
				      same_address(l->address, other->address);

		if (same)
			return fail_at(
			    file, config_setting_get_member(elem, key), error_r,
			    "%s[%zu].%s: \"%.64s\" is also the %s "
			    "of %s[%zu]",
			    CONFIG_LISTENERS_PATH, i + 1, key,
			    l->path != NULL ? l->path : l->address, key,
			    CONFIG_LISTENERS_PATH, j + 1);
	}
	return 0;
}

int config_listeners_load(const char *file, const config_setting_t *s,
			  struct config *config, char **error_r)
{
	int count = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_LIST)
		return fail_at(file, s, error_r,
			       "%s: expected a list of groups, ( { protocol = "
			       "...; }, ... ), got %s",
			       CONFIG_LISTENERS_PATH, type_name(s));
	if (count > CONFIG_LISTENERS_MAX)
		return fail_at(file, s, error_r, "%s: %d entries, at most %d",
			       CONFIG_LISTENERS_PATH, count,
			       CONFIG_LISTENERS_MAX);
	if (count == 0)
		return 0;
	config->listeners = calloc((size_t)count, sizeof(*config->listeners));
	if (config->listeners == NULL)
		return fail_at(file, s, error_r, "out of memory");
	config->listener_count = (size_t)count;
	for (size_t i = 0; i < config->listener_count; i++) {
		struct entry e = {
		    .file = file,
		    .error_r = error_r,
		    .listener = &config->listeners[i],
		    .number = i + 1,
		    .group = config_setting_get_elem(s, (int)i),
		};

		if (entry_load(&e) < 0 ||
		    check_unique(file, s, config, i, error_r) < 0)
			return -1;
	}
	return 0;
}

void config_listeners_free(struct config *config)
{
	for (size_t i = 0; i < config->listener_count; i++) {
		struct config_listener *l = &config->listeners[i];

		free(l->path);
		free(l->address);
		free(l->owner);
		free(l->group);
		for (size_t m = 0; m < l->map_count; m++)
			free(l->maps[m]);
		free(l->maps);
		free(l->allow);
	}
	free(config->listeners);
	config->listeners = NULL;
	config->listener_count = 0;
}
