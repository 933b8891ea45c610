/*
 * greylist_store_internal: what the parts of the greylisting state adapter
 * share; not for use outside greylist_*.c. The contracts are in
 * greylist_store.h.
 *
 *   greylist_store.c      point reads and the request path
 *   greylist_queue.c      the per-worker queue of pending writes, flushes
 *   greylist_whitelist.c  the manual whitelist and its summary
 *   greylist_sweep.c      sweeping expired entries, statistics
 */
#ifndef MAILMAP_GREYLIST_STORE_INTERNAL_H
#define MAILMAP_GREYLIST_STORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "greylist_store.h"

struct greylist_pending {
	uint16_t key_len;
	uint8_t value_len;
	unsigned char key[GREYLIST_KEY_MAX];
	unsigned char value[GREYLIST_VALUE_MAX];
};

/* The whitelist summary as last read, for one snapshot of the state. */
struct greylist_summary_cache {
	bool read;	   /* false: nothing read yet */
	uint64_t snapshot; /* store_txn_snapshot() of what was read */
	bool present;
	struct greylist_summary summary;
};

/* A worker's greylisting state: pending puts in arrival order, with an
 * open-addressing hash index (slot = item index + 1, 0 = free) so that
 * finding a key on the request path does not scan the queue, and the
 * whitelist summary every request reads. */
struct greylist_queue {
	struct greylist_summary_cache summary;
	size_t count;
	size_t capacity;
	size_t index_mask; /* index size - 1, a power of two >= 2 capacity */
	uint32_t *index;
	struct greylist_pending items[];
};

/* Is the client (a network from greylist_net_make()) inside a manual
 * whitelist entry? Point reads only: the summary (once per snapshot of
 * the state, kept in cache), then the client's network at each prefix
 * length in use, longest first. STORE_OK with *listed_r, or a failure
 * (store_txn_error() says which). */
int greylist_whitelist_find(struct store_txn *txn,
			    struct greylist_summary_cache *cache,
			    const struct greylist_net *client, bool *listed_r);

#endif
