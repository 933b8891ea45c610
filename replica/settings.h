/* settings: the replica group of mailmapd.conf (conf/config.h) as the
 * etcd client's and the follower's settings. */
#ifndef MAILMAP_REPLICA_SETTINGS_H
#define MAILMAP_REPLICA_SETTINGS_H

#include <stdbool.h>

#include "config.h"
#include "follower.h"

/* Whether the configuration is multi-host (replica.etcd is set). */
bool replica_enabled(const struct config *config);
/* The follower's settings, borrowing config's strings. */
struct replica_settings replica_settings_of(const struct config *config);

#endif
