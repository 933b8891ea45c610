/*
 * apply: etcd's key-values into the local config environment, the only
 * way a replica's rows change (follower.c calls it).
 *
 * - replica_apply(): the events of one etcd revision as one LMDB write
 *   transaction that also records the revision; a revision the replica
 *   already holds is skipped, so a replay after a restart is harmless.
 * - replica_bootstrap(): the whole prefix read at one revision R replaces
 *   every row in one transaction that records R. Readers keep the old
 *   snapshot until it commits: never an empty or partial store.
 *
 * Keys that are not rows (layout.h) are skipped, and so are rows LMDB
 * cannot hold (an empty or over-long key): counted in *skipped_r, the
 * revision still applies.
 */
#ifndef MAILMAP_REPLICA_APPLY_H
#define MAILMAP_REPLICA_APPLY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "store.h"

/* A key-value of etcd, decoded. */
struct replica_kv {
	bool deleted;
	char *key;
	size_t key_len;
	char *value;
	size_t value_len;
	uint64_t mod_revision;
};

struct replica_kvs {
	struct replica_kv *items;
	size_t count;
	size_t cap;
};

/* Appends the key-values of a JSON array of kvs (a range) or of events
 * (a watch); 0, or -1 when one is not base64. */
int replica_kvs_add_json(struct replica_kvs *kvs, struct json_object *array,
			 bool events);
void replica_kvs_free(struct replica_kvs *kvs);

/* What replica_apply() returns for a revision that switches to another
 * generation (layout.h): nothing was written, bootstrap instead. */
#define REPLICA_SWITCHED 100

/* Applies kvs[0..count) (all of revision) after the mark's revision.
 * STORE_OK (also when skipped as already held), REPLICA_SWITCHED, or a
 * failure. */
int replica_apply(struct store *store, const char *prefix,
		  const struct replica_kv *kvs, size_t count, uint64_t revision,
		  size_t *skipped_r, const char **error_r);
/* Replaces every row by kvs (the rows of mark->generation at
 * mark->revision), and the mark by *mark. */
int replica_bootstrap(struct store *store, const char *prefix,
		      const struct replica_kvs *kvs,
		      const struct replica_mark *mark, size_t *skipped_r,
		      const char **error_r);

#endif
