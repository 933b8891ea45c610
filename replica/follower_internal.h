/* follower_internal: what follower.c (bootstrap, threads) and
 * follower_watch.c (the watch and the prober) share; see follower.h. */
#ifndef MAILMAP_REPLICA_FOLLOWER_INTERNAL_H
#define MAILMAP_REPLICA_FOLLOWER_INTERNAL_H

#include <json-c/json.h>
#include <pthread.h>

#include "follower.h"

struct replica_follower {
	struct replica_settings settings;
	struct replica_store_ops ops;
	struct replica_status status;
	char cluster[32]; /* etcd's cluster id, once seen */
	atomic_bool running;
	atomic_bool restart; /* the prober asks for a new watch */
	atomic_bool need_bootstrap;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t watcher, prober;
	struct etcd *watch_etcd, *probe_etcd;
};

void follower_log(const struct replica_follower *f,
		  enum replica_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t follower_now(void);
/* Sleeps ms or until stopped; false once stopped. */
bool follower_pause(struct replica_follower *f, unsigned ms);
/* Raises *v to seen. */
void follower_max(_Atomic uint64_t *v, uint64_t seen);
/* Reloads the whole prefix into the host's environment. 0 or -1. */
int follower_bootstrap(struct replica_follower *f);

/* follower_watch.c: the threads' bodies. */
void *follower_watcher(void *arg);
void *follower_prober(void *arg);

#endif
