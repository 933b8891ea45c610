/*
 * record_cache: records that many lookups share (domains, offers, mail
 * servers), decoded or as a caller's view, kept by one thread for one
 * committed state of the store.
 *
 * A Dovecot login or a policy request reads a mailbox and then its
 * domain and offer; there are few of those and every request wants them,
 * so decoding them once per store commit instead of once per request
 * saves two B-tree reads and two decodes. Mailboxes are not cached: there
 * are too many of them for a hit to be likely.
 *
 * The cache belongs to one thread (a worker) and is attached to its read
 * transactions with store_reader_set_user(). Every call names the
 * snapshot (store_txn_snapshot()) it reads: a different snapshot empties
 * the cache first, so an answer never comes from a state other than the
 * transaction's. Records returned are read-only and live until the cache
 * is emptied: they must not outlive the read transaction.
 *
 * At most RECORD_CACHE_MAX records (and RECORD_CACHE_BYTES): a full cache
 * takes no more until record_cache_trim() empties it, which the worker
 * calls as each request begins. A record handed out therefore stays valid
 * for the rest of its request, however many others that request reads.
 */
#ifndef MAILMAP_RECORD_CACHE_H
#define MAILMAP_RECORD_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "records.h"
#include "store.h"

#define RECORD_CACHE_MAX 512

struct record_cache;

struct record_cache *record_cache_new(void);
void record_cache_free(struct record_cache **cache);

/* Empties the cache if it is full. Only between requests: nothing may
 * still hold a record from it. */
void record_cache_trim(struct record_cache *cache);

/* Can the cache take one more record of this snapshot? */
bool record_cache_has_room(struct record_cache *cache, uint64_t snapshot);

/* The record of table and key decoded for this snapshot, or NULL. */
const void *record_cache_get(struct record_cache *cache, uint64_t snapshot,
			     enum store_table table, const char *key);

/* Decodes value (a record of desc's type, read in this snapshot) into the
 * cache and returns it; NULL when it is corrupt or the cache is full
 * (*error_r says why: check record_cache_has_room() first). */
const void *record_cache_add(struct record_cache *cache, uint64_t snapshot,
			     enum store_table table, const char *key,
			     const struct record_desc *desc,
			     struct store_val value, const char **error_r);

/* Views: a caller's own parse of a record read in this snapshot (one that
 * may point into the snapshot's memory: valid as long as a transaction
 * on that snapshot is open, which is what the snapshot check ensures),
 * copied in as size bytes; NULL, and nothing kept, when the cache is
 * full. Kept apart from the decoded records; the key need not be
 * NUL-terminated. */
const void *record_cache_get_view(struct record_cache *cache, uint64_t snapshot,
				  enum store_table table, const char *key,
				  size_t key_len);
const void *record_cache_add_view(struct record_cache *cache, uint64_t snapshot,
				  enum store_table table, const char *key,
				  size_t key_len, const void *view,
				  size_t size);

#endif
