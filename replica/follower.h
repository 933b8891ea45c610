/*
 * follower: keeps a host's config environment in step with etcd; inside
 * mailmapd, the only writer of that environment in multi-host mode.
 *
 * Two threads:
 * - the watcher: bootstrap when the replica holds nothing of this cluster
 *   and prefix (or etcd compacted past its revision), else one watch from
 *   its revision + 1, each revision applied as one LMDB transaction
 *   (apply.h); on any failure the next endpoint, after a short pause
 *   (REPLICA_RETRY_MS);
 * - the prober: once a second a linearizable read of the commit sequence
 *   key. When the replica holds the revision of that key's last change,
 *   it is up to date as of now ("confirmed"). Two failed probes in a row
 *   (this host cut off, or its etcd member in a minority) mark the watch
 *   down and restart it, as does a replica left behind for
 *   REPLICA_LAG_RESTART_S while the watch looks live (a silent stream).
 *
 * The store comes through get/put callbacks: mailmapd's config_store
 * owns the environment (LMDB allows one open per process).
 */
#ifndef MAILMAP_REPLICA_FOLLOWER_H
#define MAILMAP_REPLICA_FOLLOWER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "etcd.h"
#include "store.h"

#define REPLICA_RETRY_MS      300
#define REPLICA_PROBE_MS      1000
#define REPLICA_LAG_RESTART_S 3

struct replica_settings {
	struct etcd_settings etcd;
	const char *prefix; /* ends in '/' */
};

/* What metrics and `mailmapctl status` show; written by the follower's
 * threads, read anywhere. Times are unix seconds, 0 = never. */
struct replica_status {
	_Atomic uint64_t revision;	/* applied */
	_Atomic uint64_t etcd_revision; /* latest seen from etcd */
	_Atomic int64_t applied_at;	/* last revision applied */
	_Atomic int64_t confirmed_at;	/* known up to date */
	atomic_bool watch_live;
	_Atomic uint64_t applied;    /* revisions applied */
	_Atomic uint64_t bootstraps; /* whole reloads */
	_Atomic uint64_t failures;   /* watch or probe failures */
	_Atomic uint64_t skipped;    /* etcd keys that were not rows */
};

enum replica_log_level {
	REPLICA_LOG_ERROR,
	REPLICA_LOG_WARNING,
	REPLICA_LOG_INFO
};

/* What the follower needs of its host: the environment to write and its
 * release, and a log. */
struct replica_store_ops {
	struct store *(*get)(void *context, void **ref_r); /* NULL: none */
	void (*put)(void *context, void *ref);
	void (*log)(enum replica_log_level level, const char *message);
	void *context;
};

struct replica_follower;

/* Brings the environment in dir to etcd's current revision: a bootstrap
 * when needed, else the revisions since its own. Used before mailmapd
 * serves a replica that was never bootstrapped. 0, or -1 with *error_r
 * (malloc'ed). */
int replica_sync(const struct replica_settings *settings, struct store *store,
		 char **error_r);

/* Starts the threads. 0, or -1 with *error_r (malloc'ed). */
int replica_follower_start(const struct replica_settings *settings,
			   const struct replica_store_ops *ops,
			   struct replica_follower **follower_r,
			   char **error_r);
/* Stops the threads (within about a second) and frees. */
void replica_follower_stop(struct replica_follower **follower);
const struct replica_status *
replica_follower_status(const struct replica_follower *follower);

#endif
