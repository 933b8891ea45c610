/*
 * config.c - mailmapd.conf (libconfig syntax) into one struct config.
 *
 * Every setting is one row of the settings[] table: its dotted path, its
 * kind (config_kinds.c), where it lives in struct config, its default (as
 * text, parsed by the same code as the file, so defaults are validated
 * too), its limits and a one-line doc. Loading is: defaults, then every
 * setting found in the file (config_file.c reads it, config_walk.c walks
 * the groups and refuses anything the table does not know), then the
 * rules[] that relate two settings. Paths in the table are relative to a
 * scope, so a later list of groups can walk its elements with its own
 * table. Arrays are not rows: the listeners list (config_listeners.c),
 * the policy whitelists (config_policy.c) and the dovecot group
 * (config_dovecot.c) have loaders of their own.
 */
#include "config.h"
#include "config_dovecot.h"
#include "config_listener_keys.h"
#include "config_table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

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
	{ "store.state_sync", KIND_DURATION, FIELD(state_sync),
	  "5s", 1, 300, NULL, NULL,
	  "time between flushes of mailmapd's state environment to disk" },
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
	  "unsent replies a connection may queue before its requests wait" },
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
	{ "policy.greylist_store", KIND_ENUM, FIELD(policy.greylist_store),
	  "local", 0, 0, config_greylist_store_names, NULL,
	  "where greylisting keeps its state: local (this host) or valkey" },
	{ "valkey.address", KIND_STRING, FIELD(valkey.address),
	  "", 0, 200, NULL, config_valkey_check_endpoints,
	  "host:port of the Valkey/Redis primary (without sentinels)" },
	{ "valkey.sentinels", KIND_STRING, FIELD(valkey.sentinels),
	  "", 0, 1000, NULL, config_valkey_check_endpoints,
	  "host:port of the Sentinels, comma-separated; \"\" = none" },
	{ "valkey.master", KIND_STRING, FIELD(valkey.master),
	  "mailmap", 1, 100, NULL, config_check_account,
	  "the name the Sentinels know the primary by" },
	{ "valkey.password_file", KIND_STRING, FIELD(valkey.password_file),
	  "", 0, 4000, NULL, config_replica_check_file,
	  "file whose first line is the password (AUTH); \"\" = none" },
	{ "valkey.prefix", KIND_STRING, FIELD(valkey.prefix),
	  "mailmap:greylist:", 0, 64, NULL, config_check_account,
	  "prefix of every key mailmapd writes" },
	{ "valkey.timeout_ms", KIND_UINT, FIELD(valkey.timeout_ms),
	  "50", 1, 1000, NULL, NULL,
	  "time a greylisting answer may wait for Valkey, in milliseconds" },
	/* replica: multi-host mode; checks in config_replica.c */
	{ "replica.etcd", KIND_STRING, FIELD(replica.etcd),
	  "", 0, 1000, NULL, config_replica_check_etcd,
	  "etcd members' client URLs, comma-separated; \"\" = single host" },
	{ "replica.prefix", KIND_STRING, FIELD(replica.prefix),
	  "/mailmap/", 2, 200, NULL, config_replica_check_prefix,
	  "etcd key prefix of this platform's configuration" },
	{ "replica.ca_file", KIND_STRING, FIELD(replica.ca_file),
	  "", 0, 4000, NULL, config_replica_check_file,
	  "CA certificates of the etcd members (https); \"\" = the system's" },
	{ "replica.cert_file", KIND_STRING, FIELD(replica.cert_file),
	  "", 0, 4000, NULL, config_replica_check_file,
	  "client certificate presented to etcd; \"\" = none" },
	{ "replica.key_file", KIND_STRING, FIELD(replica.key_file),
	  "", 0, 4000, NULL, config_replica_check_file,
	  "private key of replica.cert_file" },
	{ "replica.user", KIND_STRING, FIELD(replica.user),
	  "", 0, 128, NULL, config_check_account,
	  "etcd user (etcd authentication); \"\" = none" },
	{ "replica.password_file", KIND_STRING, FIELD(replica.password_file),
	  "", 0, 4000, NULL, config_replica_check_file,
	  "file whose first line is replica.user's password" },
	{ "replica.bind_address", KIND_STRING, FIELD(replica.bind_address),
	  "", 0, 64, NULL, NULL,
	  "local address connections to etcd come from; \"\" = any" },
	{ "replica.timeout_ms", KIND_UINT, FIELD(replica.timeout_ms),
	  "1000", 100, 60000, NULL, NULL,
	  "time one etcd call may take per member, in milliseconds" },
	{ "replica.max_txn_ops", KIND_UINT, FIELD(replica.max_txn_ops),
	  "128", 16, 10000000, NULL, NULL,
	  "operations etcd accepts in one transaction (its --max-txn-ops)" },
	{ "replica.max_txn_bytes", KIND_SIZE, FIELD(replica.max_txn_bytes),
	  "1M", 64ULL << 10, 1ULL << 30, NULL, NULL,
	  "bytes of one commit request (below etcd's --max-request-bytes)" },
	{ "replica.catch_up", KIND_DURATION, FIELD(replica.catch_up),
	  "10s", 1, 600, NULL, NULL,
	  "how long mailmapctl waits for this host's replica to be current" },
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
    {"replica.cert_file", config_replica_check_tls, "replica.key_file"},
    {"replica.user", config_replica_check_user, "replica.password_file"},
    {"policy.greylist_store", config_valkey_check, "valkey.address"},
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
		return config_load_fail(ld, s, "%s: %s", path, reason);
	}
	return 0;
}

/* Loading */

static int load_file(const char *path, const struct scope *scope,
		     char **error_r)
{
	struct load ld = {path, NULL, error_r};
	config_t tree;
	int ret;

	config_init(&tree);
	ret = config_file_parse(path, &tree, error_r);
	ld.tree = &tree;
	if (ret == 0)
		ret = config_walk_group(&ld, scope, config_root_setting(&tree),
					"");
	if (ret == 0)
		ret = check_rules(&ld, scope->base);
	config_destroy(&tree);
	return ret;
}

int config_load(const char *path, struct config **config_r, char **error_r)
{
	struct config *config = calloc(1, sizeof(*config));
	struct scope scope = {settings, N_ELEMENTS(settings), config, true};
	struct load ld = {"(defaults)", NULL, error_r};
	int ret;

	*error_r = NULL;
	if (config == NULL)
		return config_fail(error_r, "out of memory");
	ret = config_walk_defaults(&ld, &scope);
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
		if (config_kinds[settings[i].kind].owns_string)
			free(*(char **)((char *)*config + settings[i].offset));
	}
	config_listeners_free(*config);
	config_policy_free(*config);
	config_dovecot_free(*config);
	free(*config);
	*config = NULL;
}

void config_each_setting(void (*fn)(const char *path, void *context),
			 void *context)
{
	char path[CONFIG_MAX_PATH];

	for (size_t i = 0; i < N_ELEMENTS(settings); i++)
		fn(settings[i].path, context);
	config_policy_each_list(fn, context);
	config_dovecot_each(fn, context);
	for (size_t i = 0; i < KEY_COUNT; i++) {
		snprintf(path, sizeof(path), "listeners.%s",
			 config_listener_keys[i].name);
		fn(path, context);
	}
}
