/*
 * config_listener_keys.h - one entry of the "listeners" list while it is
 * loaded: the state config_listeners.c (the entry and the list) and
 * config_listener_keys.c (the parser of each key) share.
 */
#ifndef MAILMAP_CONFIG_LISTENER_KEYS_H
#define MAILMAP_CONFIG_LISTENER_KEYS_H

#include <libconfig.h>
#include <stddef.h>

#include "config_internal.h"

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
enum listener_use { USE_ANY, USE_UNIX, USE_TCP };

/* One entry being loaded. */
struct listener_entry {
	const char *file;
	char **error_r;
	struct config_listener *listener;
	size_t number; /* from 1 */
	const config_setting_t *group;
	const config_setting_t *seen[KEY_COUNT]; /* keys present, by key */
	const config_setting_t *at; /* set by a parser to blame an element */
	char reason[CONFIG_REASON_MAX];
};

/* A key: its name, the libconfig types it accepts and a parser that
   stores its value in e->listener (0), or sets e->reason (-1). */
struct listener_key_ops {
	const char *name;
	unsigned types; /* accepted libconfig types, as bits */
	const char *expected;
	enum listener_use use;
	int (*parse)(struct listener_entry *e, const config_setting_t *s);
};

/* By enum listener_key. */
extern const struct listener_key_ops config_listener_keys[KEY_COUNT];

/* Formats e->reason; returns -1. */
int config_listener_reason(struct listener_entry *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Replaces *field with a copy of text; 0, or -1 with e->reason set. */
int config_listener_set_string(struct listener_entry *e, char **field,
			       const char *text);

#endif
