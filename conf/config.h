/*
 * config.h - mailmapd.conf parsed into one typed, validated snapshot.
 *
 * The file is libconfig syntax (libconfig 1.5): the groups "store",
 * "passwords", "lookup", "daemon", "policy" and "dovecot", and the
 * "listeners" list of groups. Every setting has a default; unknown groups
 * and settings, wrong value types and out-of-range values are errors that
 * name the file, the line and the setting. A loaded struct config is never
 * changed: a reload loads a new one and swaps it. The documented sample is
 * conf/mailmapd.conf.
 */
#ifndef MAILMAP_CONFIG_H
#define MAILMAP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH "/etc/mailmap/mailmapd.conf"

enum config_password_scheme {
	CONFIG_PW_SHA512_CRYPT,
	CONFIG_PW_BLF_CRYPT,
};

enum config_protocol {
	CONFIG_PROTO_SOCKETMAP,
	CONFIG_PROTO_POLICY,
	CONFIG_PROTO_DICT,
	CONFIG_PROTO_METRICS /* Prometheus text over HTTP (metrics_http.c) */
};

/* A client network of a TCP listener's allow list. */
struct config_network {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16]; /* network address, host bits zero */
	unsigned prefix;	/* 0..32 or 0..128 */
};

/* One entry of the "listeners" list. Exactly one of path and address. */
struct config_listener {
	int protocol;  /* enum config_protocol */
	char *path;    /* unix socket path, or NULL */
	char *address; /* "127.0.0.1:10040", "[::1]:10040", or NULL */
	char *owner;   /* unix: socket owner, "" = the daemon's user */
	char *group;   /* unix: socket group, "" = the daemon's group */
	unsigned mode; /* unix: socket mode, default 0666 */
	char **maps;   /* names served; map_count 0 = all */
	size_t map_count;
	struct config_network *allow; /* tcp: clients allowed */
	size_t allow_count;	      /* default 127.0.0.0/8 and ::1/128 */
	unsigned max_connections;     /* default 1000 */
};

/* What a policy check does when the store cannot answer it. */
enum config_failure { CONFIG_FAIL_DEFER, CONFIG_FAIL_DUNNO };

/* Where greylisting keeps its triplets: this host's state store, or a
   Valkey/Redis shared by every MX (the "valkey" group). */
enum config_greylist_store { CONFIG_GREYLIST_LOCAL, CONFIG_GREYLIST_VALKEY };

/* The "valkey" group: the shared greylisting store. */
struct config_valkey {
	char *address;	     /* valkey.address: "host:port" of the primary */
	char *sentinels;     /* valkey.sentinels: "host:port,...", "" */
	char *master;	     /* valkey.master: name at the Sentinels */
	char *password_file; /* valkey.password_file: "" = none */
	char *prefix;	     /* valkey.prefix: of every key written */
	unsigned timeout_ms; /* valkey.timeout_ms: per request, 50 */
};

/* The "policy" group (design.md "Policy checks"). */
struct config_policy {
	bool greylisting;		/* policy.greylisting, default yes */
	uint64_t greylist_delay;	/* seconds, default 300 */
	uint64_t greylist_retry_window; /* seconds, default 2d */
	uint64_t greylist_max_age;	/* seconds, default 35d */
	unsigned greylist_ipv4_prefix;	/* default 24 */
	unsigned greylist_ipv6_prefix;	/* default 64 */
	unsigned greylist_awl_count;	/* passes before a client network is
					   whitelisted, default 5, 0 = off */
	bool greylist_header;		/* PREPEND X-Greylist on a pass, no */
	struct config_network *whitelist_clients;
	size_t whitelist_client_count;
	char **whitelist_client_names; /* PCRE2 patterns as written */
	void **whitelist_name_codes;   /* compiled pcre2_code *, same order */
	size_t whitelist_client_name_count;
	char **whitelist_recipients; /* normalised addresses or domains */
	size_t whitelist_recipient_count;
	int failure_accounts;	 /* enum config_failure, default defer */
	int failure_send_rights; /* default defer */
	int failure_greylisting; /* default dunno */
	int greylist_store;	 /* enum config_greylist_store, local */
	uint64_t sweep_interval; /* seconds between greylist sweeps, 10m */
};

/* The "dovecot" group (design.md "Dovecot"): what the dict service's
   userdb answers carry besides the store's data (config_dovecot.c). */
struct config_dovecot {
	char *uid;  /* dovecot.uid: a number or a user name, "" = not sent */
	char *gid;  /* dovecot.gid: a number or a group name, "" = not sent */
	char *mail; /* dovecot.mail: mail location template, "" = not sent,
		       default "maildir:~/Maildir" */
};

/* The "replica" group: multi-host mode (replica/, README "Many hosts").
   etcd "" keeps the single-host mode. */
struct config_replica {
	char *etcd;	      /* replica.etcd: member URLs, "" = single host */
	char *prefix;	      /* replica.prefix: keys in etcd, "/mailmap/" */
	char *ca_file;	      /* replica.ca_file: "" = the system's CAs */
	char *cert_file;      /* replica.cert_file: client certificate */
	char *key_file;	      /* replica.key_file: its key */
	char *user;	      /* replica.user: etcd user, "" = none */
	char *password_file;  /* replica.password_file: its password */
	char *bind_address;   /* replica.bind_address: local address, "" */
	unsigned timeout_ms;  /* replica.timeout_ms: per call, default 1000 */
	unsigned max_txn_ops; /* replica.max_txn_ops: etcd's
				 --max-txn-ops, default 128 */
	uint64_t max_txn_bytes; /* replica.max_txn_bytes: below etcd's
				   --max-request-bytes, default 1M */
	uint64_t catch_up;	/* replica.catch_up: mailmapctl waits this long
				   for the host's replica, default 10s */
};

struct config {
	/* [store] */
	char *store_dir;     /* store.dir: DIR/config and DIR/state, absolute */
	uint64_t map_size;   /* store.map_size, bytes, 1M..1T */
	uint64_t state_sync; /* store.state_sync, seconds, 1s..5m, 5s */
	/* [passwords] */
	int password_scheme; /* passwords.scheme, enum config_password_scheme */
	unsigned password_rounds; /* passwords.rounds, 0 = library default */
	/* [lookup] */
	char *recipient_delimiter; /* lookup.recipient_delimiter, "" = none */
	/* [daemon] */
	char *user;	       /* daemon.user: privileges dropped to it */
	char *group;	       /* daemon.group: "" = the user's group */
	unsigned workers;      /* daemon.workers: threads, 0 = one per core */
	uint64_t idle_timeout; /* daemon.idle_timeout: seconds, default 300 */
	uint64_t max_lifetime; /* daemon.max_lifetime: seconds, 0 = none */
	uint64_t max_request;  /* daemon.max_request: bytes, default 64k */
	uint64_t max_output;   /* daemon.max_output: bytes per connection, 1M */
	int log_facility; /* daemon.log_facility: syslog facility, LOG_MAIL */
	int log_level;	  /* daemon.log_level: enum log_level order:
			     error, warning, info (default), debug */
	/* [policy] */
	struct config_policy policy;
	/* [dovecot] */
	struct config_dovecot dovecot;
	/* [replica] */
	struct config_replica replica;
	/* [valkey] */
	struct config_valkey valkey;
	/* [listeners] */
	struct config_listener *listeners;
	size_t listener_count;
};

/* Loads path (NULL: defaults only) into a new *config_r; 0 on success, or
   -1 with a malloc'ed "file:line: setting: reason" in *error_r (caller
   frees; NULL only when out of memory). *config_r is untouched on error. */
int config_load(const char *path, struct config **config_r, char **error_r);

/* Calls fn with the dotted path of every setting the file may hold, in
 * table order: the groups' settings ("store.dir"), the whitelists, the
 * dovecot group, and the keys of a listener ("listeners.path"). For the
 * documentation checks (mailmapd.conf(5)). */
void config_each_setting(void (*fn)(const char *path, void *context),
			 void *context);

/* Frees *config (NULL is fine) and sets it to NULL. */
void config_free(struct config **config);

/* Parses a size: digits with an optional unit k or K (KiB), M, G, T; 0 or
   -1 (empty, sign, space, unknown unit, overflow of uint64_t). */
int config_parse_size(const char *text, uint64_t *bytes_r);

/* Parses a duration: digits with an optional unit s, m, h, d, w (no unit:
   seconds); 0 or -1 (same rejections as config_parse_size). */
int config_parse_duration(const char *text, uint64_t *seconds_r);

#endif
