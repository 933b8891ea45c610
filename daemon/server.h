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

#endif
