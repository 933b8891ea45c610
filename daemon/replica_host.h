/*
 * replica_host: mailmapd's side of multi-host mode (replica/follower.h).
 * With replica.etcd set, the config environment is a replica: created by
 * mailmapd, filled from etcd before the first lookup (a host never serves
 * an empty store), then kept in step by the follower's threads, which
 * write through the config_store's environment.
 */
#ifndef MAILMAP_REPLICA_HOST_H
#define MAILMAP_REPLICA_HOST_H

#include <stdbool.h>

#include "config.h"
#include "config_store.h"
#include "follower.h"
#include "settings.h"

/* Creates the replica in dir if missing and, when it holds no revision
 * yet, fills it from etcd, retrying until etcd answers. 0 or -1. */
int replica_host_prepare(const struct config *config, const char *dir);
/* Starts the follower on the open environment. 0 or -1 (logged). */
int replica_host_start(const struct config *config, struct config_store *cs,
		       struct replica_follower **follower_r);
/* Whether a reload may keep the running follower: NULL, or why not. */
const char *replica_host_reload_refusal(const struct config *old,
					const struct config *new);

#endif
