/*
 * server: mailmapd as a whole: the configuration snapshot in force, the
 * config store, the listeners and the workers; start-up (bind, drop
 * privileges, open the store, start the workers), signals (SIGHUP reloads,
 * SIGTERM and SIGINT stop) and shutdown.
 *
 * A configuration snapshot is immutable and reference counted: a
 * connection keeps the one it was accepted under; a reload swaps in a new
 * one (or keeps the old one and says why a new one was refused).
 */
#ifndef MAILMAP_SERVER_H
#define MAILMAP_SERVER_H

#include <stdbool.h>

#include "config.h"
#include "store.h"

struct server;
struct snapshot;
struct config_store;

/* Runs mailmapd until SIGTERM; returns the process exit status. */
int server_run(const char *config_path, bool foreground);

/* The snapshot in force, with a new reference. */
struct snapshot *snapshot_get(struct server *server);
void snapshot_put(struct snapshot *snapshot);
const struct config *snapshot_config(const struct snapshot *snapshot);

/* The config environment, watched (config_store.h). */
struct config_store *server_config_store(struct server *server);
/* The state environment, or NULL when no listener needs it (policy, or a
 * dict listener serving quota or lastlogin). */
struct store *server_state_store(struct server *server);

/* The greylist sweeps so far (the main loop's; metrics_http.c). */
struct server_sweep_stats {
	uint64_t runs;	   /* sweeps of the whole table */
	uint64_t removed;  /* expired entries removed by them */
	uint64_t failures; /* sweeps that stopped on a store error */
	uint64_t last_end; /* unix time the last one ended, 0: none yet */
};
const struct server_sweep_stats *server_sweep(const struct server *server);
/* The follower's status in multi-host mode, else NULL. */
struct replica_status;
const struct replica_status *server_replica(const struct server *server);
/* The workers and the listeners (main thread). */
struct worker;
struct listener;
size_t server_workers(struct server *server, struct worker *const **workers_r);
size_t server_listeners(struct server *server,
			struct listener *const **listeners_r);

#endif
