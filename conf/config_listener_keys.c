/*
 * config_listener_keys.c - the keys of one entry of the "listeners" list
 * (the grammar is in config_listeners.c): each key's parser and the
 * config_listener_keys[] table of names, accepted libconfig types and
 * the listeners each key applies to. A parser checks one value and stores
 * it in the entry's struct config_listener; what the keys say together is
 * checked by config_listeners.c.
 */
#include "config_listener_keys.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#define CONFIG_ALLOW_MAX       256
#define CONFIG_MAPS_MAX	       32
#define CONFIG_MAP_NAME_MAX    64
#define CONFIG_CONNECTIONS_MAX 100000
#define CONFIG_MODE_MAX	       0777
/* unix(7): sun_path holds 108 bytes including the terminating NUL */
#define CONFIG_SOCKET_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

static const char *const protocol_names[] = {
    [CONFIG_PROTO_SOCKETMAP] = "socketmap",
    [CONFIG_PROTO_POLICY] = "policy",
    [CONFIG_PROTO_DICT] = "dict",
    [CONFIG_PROTO_METRICS] = "metrics",
    NULL,
};

/* Messages and values */

int config_listener_reason(struct listener_entry *e, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, args);
	va_end(args);
	return -1;
}

int config_listener_set_string(struct listener_entry *e, char **field,
			       const char *text)
{
	char *copy = strdup(text);

	if (copy == NULL)
		return config_listener_reason(e, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

static int parse_protocol(struct listener_entry *e, const config_setting_t *s)
{
	const char *text = config_setting_get_string(s);
	int index = config_name_index(protocol_names, text);
	char list[CONFIG_REASON_MAX / 2];

	if (index >= 0) {
		e->listener->protocol = index;
		return 0;
	}
	config_name_list(protocol_names, list, sizeof(list));
	return config_listener_reason(e, "\"%.64s\" is not one of %s", text,
				      list);
}

static int parse_path(struct listener_entry *e, const config_setting_t *s)
{
	const char *text = config_setting_get_string(s);
	size_t len = strlen(text);

	if (text[0] != '/')
		return config_listener_reason(
		    e, "\"%.64s\" is not an absolute path", text);
	if (len > CONFIG_SOCKET_PATH_MAX)
		return config_listener_reason(
		    e,
		    "is %zu bytes long; a unix socket path "
		    "has at most %zu",
		    len, CONFIG_SOCKET_PATH_MAX);
	if (text[len - 1] == '/')
		return config_listener_reason(
		    e, "\"%.64s\" names a directory, not a socket", text);
	if (config_has_control(text))
		return config_listener_reason(e,
					      "contains a control character");
	return config_listener_set_string(e, &e->listener->path, text);
}

static int parse_address(struct listener_entry *e, const config_setting_t *s)
{
	const char *text = config_setting_get_string(s);
	struct config_address address;
	size_t size = sizeof(e->reason);

	if (config_address_parse(text, &address, e->reason, size) < 0)
		return -1;
	return config_listener_set_string(e, &e->listener->address, text);
}

static int parse_account(struct listener_entry *e, char **field,
			 const char *text)
{
	const char *why;

	if (strlen(text) > CONFIG_ACCOUNT_MAX)
		return config_listener_reason(
		    e, "\"%.64s...\" is longer than %d characters", text,
		    CONFIG_ACCOUNT_MAX);
	if ((why = config_check_account(text)) != NULL)
		return config_listener_reason(e, "\"%.64s\" %s", text, why);
	return config_listener_set_string(e, field, text);
}

static int parse_owner(struct listener_entry *e, const config_setting_t *s)
{
	return parse_account(e, &e->listener->owner,
			     config_setting_get_string(s));
}

static int parse_group(struct listener_entry *e, const config_setting_t *s)
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

static int parse_mode(struct listener_entry *e, const config_setting_t *s)
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
			return config_listener_reason(
			    e, "write the mode in octal, as "
			       "\"0660\"");
	}
	if (mode_from_text(text, &e->listener->mode) < 0)
		return config_listener_reason(
		    e,
		    "%s is not a mode: octal digits up to "
		    "0777, as \"0660\"",
		    shown);
	return 0;
}

/* s is an array of 1..max strings; hint says what omitting it means. */
static int check_strings(struct listener_entry *e, const config_setting_t *s,
			 size_t max, const char *hint)
{
	int count = config_setting_length(s);

	if (count == 0)
		return config_listener_reason(e, "is empty; %s", hint);
	if ((size_t)count > max)
		return config_listener_reason(e, "has %d entries, at most %zu",
					      count, max);
	for (int i = 0; i < count; i++) {
		const config_setting_t *elem = config_setting_get_elem(s, i);

		if (config_setting_type(elem) != CONFIG_TYPE_STRING) {
			e->at = elem;
			return config_listener_reason(
			    e, "expected strings, got %s",
			    config_setting_type_name(elem));
		}
	}
	return 0;
}

static int check_map_name(struct listener_entry *e, const char *name)
{
	const struct config_listener *l = e->listener;

	if (name[0] == '\0' || strlen(name) > CONFIG_MAP_NAME_MAX ||
	    config_has_control(name))
		return config_listener_reason(e, "\"%.64s\" is not a map name",
					      name);
	for (size_t i = 0; i < l->map_count; i++) {
		if (strcmp(l->maps[i], name) == 0)
			return config_listener_reason(
			    e, "\"%s\" is listed twice", name);
	}
	return 0;
}

static int parse_maps(struct listener_entry *e, const config_setting_t *s)
{
	struct config_listener *l = e->listener;
	int count;

	if (check_strings(e, s, CONFIG_MAPS_MAX,
			  "omit maps to serve all maps") < 0)
		return -1;
	count = config_setting_length(s);
	l->maps = calloc((size_t)count, sizeof(*l->maps));
	if (l->maps == NULL)
		return config_listener_reason(e, "out of memory");
	for (int i = 0; i < count; i++) {
		const char *name = config_setting_get_string_elem(s, i);

		e->at = config_setting_get_elem(s, i);
		if (check_map_name(e, name) < 0 ||
		    config_listener_set_string(e, &l->maps[i], name) < 0)
			return -1;
		l->map_count++;
	}
	e->at = NULL;
	return 0;
}

static int parse_allow(struct listener_entry *e, const config_setting_t *s)
{
	struct config_listener *l = e->listener;
	int count;

	if (check_strings(e, s, CONFIG_ALLOW_MAX,
			  "omit allow for loopback clients only") < 0)
		return -1;
	count = config_setting_length(s);
	l->allow = calloc((size_t)count, sizeof(*l->allow));
	if (l->allow == NULL)
		return config_listener_reason(e, "out of memory");
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

static int parse_max_connections(struct listener_entry *e,
				 const config_setting_t *s)
{
	long long value = config_setting_get_int64(s);

	if (value < 1 || value > CONFIG_CONNECTIONS_MAX)
		return config_listener_reason(e, "%lld is out of range (1..%d)",
					      value, CONFIG_CONNECTIONS_MAX);
	e->listener->max_connections = (unsigned)value;
	return 0;
}

#define STRING_BIT TYPE_BIT(CONFIG_TYPE_STRING)
#define ARRAY_BIT  TYPE_BIT(CONFIG_TYPE_ARRAY)

/* One row per key of an entry. */
/* clang-format off */
const struct listener_key_ops config_listener_keys[KEY_COUNT] = {
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
