/*
 * config_internal.h - what the files of the configuration module share:
 * config_util.c (messages and small checks every loader uses), config.c
 * (the settings[] table; its walker, kinds and file reader are declared
 * in config_table.h), config_daemon.c (names and checks behind the
 * "daemon" rows of that table), config_listeners.c (the "listeners" list;
 * its keys in config_listener_keys.h), config_net.c (socket addresses and
 * client networks) and config_policy.c (the "policy" group: names and
 * rules behind its rows, and its whitelists). Users of the configuration
 * include config.h only.
 */
#ifndef MAILMAP_CONFIG_INTERNAL_H
#define MAILMAP_CONFIG_INTERNAL_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* libconfig types (CONFIG_TYPE_*) as bits of an "accepted types" mask. */
#define TYPE_BIT(type) (1u << (type))
#define INTEGER_BITS   (TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64))

/* Longest reason of a message, without the file, line and setting. */
#define CONFIG_REASON_MAX 256

/* Sets *error_r to the malloc'ed message (NULL when out of memory);
   returns -1. */
int config_fail(char **error_r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* config_fail() with "file:line: message" at setting s (the file s came
   from when it was @include'd). */
int config_fail_setting(const char *file, const config_setting_t *s,
			char **error_r, const char *message);

/* config_fail_setting() with a formatted message of at most
   CONFIG_REASON_MAX + 63 characters. */
int config_fail_at(const char *file, const config_setting_t *s, char **error_r,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "an integer", "a string", "an array"...: the type of s, for messages. */
const char *config_setting_type_name(const config_setting_t *s);

/* True for '0'..'9'. */
bool config_is_digit(char c);

/* True if text holds a byte below 0x20 or DEL. */
bool config_has_control(const char *text);

/* The index of text in names (NULL-terminated, compared ignoring case),
   or -1. */
int config_name_index(const char *const *names, const char *text);

/* "a, b, c": names (NULL-terminated) for messages, into buf[size]. */
void config_name_list(const char *const *names, char *buf, size_t size);

/* User and group names: daemon.user, daemon.group, listeners[N].owner and
   listeners[N].group (useradd(8) allows 32; leave room for NSS names). */
#define CONFIG_ACCOUNT_MAX 64

/* The root setting parsed by config_listeners.c instead of settings[]. */
#define CONFIG_LISTENERS_PATH "listeners"

/* daemon.log_facility: names (NULL-terminated) and, at the same index, the
   syslog(3) facility each stands for. */
extern const char *const config_facility_names[];
extern const int config_facility_values[];

/* daemon.log_level: names in the order of enum log_level (daemon/log.h),
   so the index is the level; NULL-terminated. */
extern const char *const config_log_level_names[];

/* NULL if value may name a user or group, else why not (control
   characters and spaces are refused; whether it exists is checked when
   mailmapd starts). */
const char *config_check_account(const char *value);

/* config_replica.c: value checks (NULL or why not) and the group's rule. */
const char *config_replica_check_etcd(const char *value);
const char *config_replica_check_prefix(const char *value);
const char *config_replica_check_file(const char *value);
int config_replica_check_tls(const struct config *config, char *reason,
			     size_t size);
int config_replica_check_user(const struct config *config, char *reason,
			      size_t size);
/* ... and of the valkey group (config_replica.c too). */
extern const char *const config_greylist_store_names[];
const char *config_valkey_check_endpoints(const char *value);
int config_valkey_check(const struct config *config, char *reason, size_t size);

/* Loads the "listeners" setting s (a list of groups) of file into
   config->listeners; 0, or -1 with a malloc'ed "file:line: listeners[N].key:
   reason" in *error_r (NULL only when out of memory). On error, what was
   loaded stays in config for config_listeners_free(). */
int config_listeners_load(const char *file, const config_setting_t *s,
			  struct config *config, char **error_r);

/* Frees config->listeners and everything they own; leaves none. */
void config_listeners_free(struct config *config);

/* A TCP listening address, parsed. */
struct config_address {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16]; /* network byte order; IPv4 in the first 4 */
	unsigned port;		/* 1..65535 */
};

/* Parses "IPv4:port" or "[IPv6]:port" (addresses only, no host names);
   0, or -1 with a reason naming text in reason[size]. */
int config_address_parse(const char *text, struct config_address *addr_r,
			 char *reason, size_t size);

/* Parses a client network "addr/prefix", or a bare address (a host
   route, /32 or /128), whose host bits are zero; 0, or -1 with a reason
   naming text in reason[size]. */
int config_network_parse(const char *text, struct config_network *net_r,
			 char *reason, size_t size);

/* Writes seconds as config_parse_duration() reads them, with the largest
   unit that divides them ("300s" is "5m"), into buf[size]. */
void config_format_duration(uint64_t seconds, char *buf, size_t size);

/* policy.failure_*: names in the order of enum config_failure, so the
   index is the value; NULL-terminated. */
extern const char *const config_failure_names[];

/* True if path (dotted, from the root) is one of the policy whitelists,
   which config_policy_list_load() parses instead of settings[]. */
bool config_policy_is_list(const char *path);
/* The whitelists' paths in turn (config_each_setting). */
void config_policy_each_list(void (*fn)(const char *path, void *context),
			     void *context);

/* Loads the whitelist at path (config_policy_is_list) from setting s of
   file into config->policy, replacing what it held; 0, or -1 with a
   malloc'ed "file:line: policy.key: reason" in *error_r (NULL only when out
   of memory). On error, what was loaded stays for config_policy_free(). */
int config_policy_list_load(const char *file, const config_setting_t *s,
			    const char *path, struct config *config,
			    char **error_r);

/* Frees the policy whitelists and their compiled patterns; leaves none. */
void config_policy_free(struct config *config);

/* Rules of config.c's rules[]: 0, or -1 with why in reason[size]. The
   greylisting delay is shorter than the retry window, */
int config_policy_check_delay(const struct config *config, char *reason,
			      size_t size);
/* which is shorter than the max age of a triplet. */
int config_policy_check_retry_window(const struct config *config, char *reason,
				     size_t size);

#endif
