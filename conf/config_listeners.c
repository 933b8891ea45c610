/*
 * config_listeners.c - the "listeners" list of mailmapd.conf: one group
 * per socket mailmapd listens on, into struct config_listener (config.h).
 *
 *   listeners = ( { key = value; ... }, ... );
 *
 *   protocol         required: "socketmap" | "policy" | "dict" |
 *                    "metrics" (HTTP GET /metrics, Prometheus text)
 *   path             unix socket: absolute, <= 107 bytes (sun_path)
 *   address          TCP: "IPv4:port" | "[IPv6]:port" (config_net.c)
 *   owner, group     unix only: names, "" (default) = the daemon's
 *   mode             unix only: "0660", "660" or 660 (read as octal,
 *                    libconfig 1.5 reads 0660 as decimal), <= 0777;
 *                    default 0666; TCP listeners have 0
 *   maps             socketmap: lookup_map_names; dict: auth, userdb,
 *                    quota, lastlogin, sieve; no duplicates;
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
#include "config_listener_keys.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"

#define CONFIG_LISTENERS_MAX	   64
#define CONFIG_CONNECTIONS_DEFAULT 1000
#define CONFIG_MODE_DEFAULT	   0666

/* Parsed by config_network_parse() like a value in the file. */
static const char *const default_allow[] = {"127.0.0.0/8", "::1/128"};

/* Messages */

/* "file:line: listeners[N].key: reason"; key NULL: "listeners[N]: ". */
static int entry_fail(const struct listener_entry *e,
		      const config_setting_t *at, const char *key,
		      const char *reason)
{
	return config_fail_at(
	    e->file, at, e->error_r, "%s[%zu]%s%s: %s", CONFIG_LISTENERS_PATH,
	    e->number, key != NULL ? "." : "", key != NULL ? key : "", reason);
}

/* One entry */

static int entry_apply(struct listener_entry *e, const config_setting_t *s)
{
	const char *name = config_setting_name(s);

	for (size_t k = 0; k < KEY_COUNT; k++) {
		const struct listener_key_ops *key = &config_listener_keys[k];

		if (strcmp(name, key->name) != 0)
			continue;
		if ((key->types & TYPE_BIT(config_setting_type(s))) == 0) {
			config_listener_reason(e, "expected %s, got %s",
					       key->expected,
					       config_setting_type_name(s));
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
static int entry_check_use(struct listener_entry *e, bool is_unix)
{
	for (size_t k = 0; k < KEY_COUNT; k++) {
		const char *why = NULL;

		if (e->seen[k] == NULL)
			continue;
		if (config_listener_keys[k].use == USE_UNIX && !is_unix)
			why = "only for unix sockets (path), not for TCP "
			      "listeners (address)";
		else if (config_listener_keys[k].use == USE_TCP && is_unix)
			why = "only for TCP listeners (address); who may "
			      "connect to a unix socket is set by its owner, "
			      "group and mode";
		if (why != NULL)
			return entry_fail(e, e->seen[k],
					  config_listener_keys[k].name, why);
	}
	return 0;
}

/* The dict names a dict listener may serve: the names of enum dict_name
 * in auth/dict_backend.h (conf/ cannot link auth/, which builds on it;
 * mailmapd refuses a handshake naming any other). */
static const char *const dict_map_names[] = {"auth",	  "userdb", "quota",
					     "lastlogin", "sieve",  NULL};

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

/* maps: socketmap listeners serve lookup maps, dict listeners dict
 * names; policy listeners none. */
static int entry_check_maps(struct listener_entry *e)
{
	const struct config_listener *l = e->listener;
	const config_setting_t *maps = e->seen[KEY_MAPS];
	const char *const *names = served_names(l->protocol);
	char list[CONFIG_REASON_MAX / 2];

	if (maps == NULL)
		return 0;
	if (names == NULL)
		return entry_fail(e, maps, "maps",
				  l->protocol == CONFIG_PROTO_METRICS
				      ? "metrics listeners serve no maps"
				      : "policy listeners serve no maps");
	for (size_t i = 0; i < l->map_count; i++) {
		if (is_name_in(names, l->maps[i]))
			continue;
		config_name_list(names, list, sizeof(list));
		config_listener_reason(
		    e, "\"%.64s\" is not a %s map (%s)", l->maps[i],
		    l->protocol == CONFIG_PROTO_DICT ? "dict" : "socketmap",
		    list);
		return entry_fail(e, config_setting_get_elem(maps, (int)i),
				  "maps", e->reason);
	}
	return 0;
}

static int entry_defaults(struct listener_entry *e, bool is_unix)
{
	struct config_listener *l = e->listener;

	if ((l->owner == NULL &&
	     config_listener_set_string(e, &l->owner, "") < 0) ||
	    (l->group == NULL &&
	     config_listener_set_string(e, &l->group, "") < 0))
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
static int entry_check(struct listener_entry *e)
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

static int entry_load(struct listener_entry *e)
{
	if (!config_setting_is_group(e->group)) {
		config_listener_reason(
		    e, "expected a group { protocol = ...; }, got %s",
		    config_setting_type_name(e->group));
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
	char reason[CONFIG_REASON_MAX];

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
			return config_fail_at(
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
		return config_fail_at(
		    file, s, error_r,
		    "%s: expected a list of groups, ( { protocol = "
		    "...; }, ... ), got %s",
		    CONFIG_LISTENERS_PATH, config_setting_type_name(s));
	if (count > CONFIG_LISTENERS_MAX)
		return config_fail_at(
		    file, s, error_r, "%s: %d entries, at most %d",
		    CONFIG_LISTENERS_PATH, count, CONFIG_LISTENERS_MAX);
	if (count == 0)
		return 0;
	config->listeners = calloc((size_t)count, sizeof(*config->listeners));
	if (config->listeners == NULL)
		return config_fail_at(file, s, error_r, "out of memory");
	config->listener_count = (size_t)count;
	for (size_t i = 0; i < config->listener_count; i++) {
		struct listener_entry e = {
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
