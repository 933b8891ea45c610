/*
 * greylist_store: greylisting entries in the state environment's greylist
 * table (key and value layout in greylist.h and maps/keyspace.h).
 *
 * - Reads are point reads in the caller's read snapshot.
 * - Writes never happen on the request path: each worker thread owns a
 *   bounded greylist_queue of pending puts and flushes it in one write
 *   transaction when greylist_queue_full() says so (and on a timer). The
 *   state environment is opened nosync; fsync is someone else's periodic
 *   job, so a flush never waits for the disk. A request sees its worker's
 *   own unflushed entries (the queue is read before the store).
 * - Several workers may queue the same key from the same stale snapshot;
 *   a flush keeps the stored entry when it was seen later than the queued
 *   one (AWL entries: the larger count and time), so a stale write cannot
 *   roll an entry back.
 * - The manual whitelist ('W' keys) is written only by mailmapctl, one
 *   entry per client network, plus a summary of the prefix lengths in use
 *   that every admin write rebuilds from the (small) 'W' range; a check
 *   reads the summary and then one key per prefix length in use. Checked
 *   before the auto-whitelist and the triplet; never swept.
 * - The sweeper deletes dead entries in small write transactions and can
 *   stop after any of them: it walks the 512 (tag, bucket) key ranges in
 *   order and remembers the range to resume in a caller-owned cursor.
 *   A value that does not decode counts as absent and is swept.
 */
#ifndef MAILMAP_POLICY_GREYLIST_STORE_H
#define MAILMAP_POLICY_GREYLIST_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "greylist.h"
#include "store.h"

#define GREYLIST_QUEUE_DEFAULT 256 /* pending puts per worker */
/* Puts one greylist_store_check() may add; full means fewer are free. */
#define GREYLIST_QUEUE_RESERVE 2
#define GREYLIST_SWEEP_DEFAULT 256  /* keys deleted per transaction */
#define GREYLIST_SWEEP_MAX     4096 /* bound on max_per_txn */
/* A sweep transaction stops after scanning this many keys per key it may
 * delete, inside a range too (one client network's triplets share one),
 * so live keys cannot make it long either. */
#define GREYLIST_SWEEP_SCAN   8
#define GREYLIST_SWEEP_RANGES 512 /* 'A' and 'T' times 256 buckets */

struct greylist_queue;

/* Where the next greylist_sweep() call starts; zero-initialise. */
struct greylist_sweep {
	unsigned next; /* key range, 0..GREYLIST_SWEEP_RANGES */
	/* In range next, the keys up to this one were scanned (len 0: none;
	 * a later snapshot may lack it: the scan starts past where it was) */
	struct greylist_key after;
	size_t scanned; /* out: keys the last call read */
};

/* Live entries are counted by kind; dead ones only in expired. */
struct greylist_stats {
	size_t entries;	    /* keys in the table, dead ones included */
	size_t triplets;    /* live triplets: passed + pending */
	size_t passed;	    /* triplets that passed greylisting */
	size_t pending;	    /* triplets waiting for their retry */
	size_t networks;    /* live AWL entries (client networks) ... */
	size_t whitelisted; /* ... of which auto-whitelisted now */
	size_t expired;	    /* dead or undecodable: the sweeper's work */
	size_t manual;	    /* manual whitelist entries (in entries too;
			       never expired) */
};

/* Point reads in a read (or write) snapshot of the state environment:
 * STORE_OK with the entry, STORE_NOTFOUND (also for a value that does not
 * decode), or a failure (store_txn_error() says which). */
int greylist_store_get(struct store_txn *txn, const struct greylist_key *key,
		       struct greylist_entry *entry_r);
int greylist_store_get_awl(struct store_txn *txn,
			   const struct greylist_key *key,
			   struct greylist_awl *awl_r);

/* A queue of at most capacity pending puts (0 = GREYLIST_QUEUE_DEFAULT),
 * allocated once per worker thread; the hot path never allocates. */
struct greylist_queue *greylist_queue_new(size_t capacity);
void greylist_queue_free(struct greylist_queue **queue);
/* Queues a put, replacing a queued put of the same key. 0, or -1 when the
 * queue is full and the key is not in it (flush first). */
int greylist_queue_put(struct greylist_queue *queue,
		       const struct greylist_key *key,
		       const struct greylist_entry *entry);
int greylist_queue_put_awl(struct greylist_queue *queue,
			   const struct greylist_key *key,
			   const struct greylist_awl *awl);
/* Finds a queued put: true with its entry. */
bool greylist_queue_find(const struct greylist_queue *queue,
			 const struct greylist_key *key,
			 struct greylist_entry *entry_r);
bool greylist_queue_find_awl(const struct greylist_queue *queue,
			     const struct greylist_key *key,
			     struct greylist_awl *awl_r);
/* Fewer than GREYLIST_QUEUE_RESERVE free slots: flush now. */
bool greylist_queue_full(const struct greylist_queue *queue);
size_t greylist_queue_count(const struct greylist_queue *queue);
/* Drops every queued put (after a flush failed for good). */
void greylist_queue_clear(struct greylist_queue *queue);
/* Writes every queued put in one write transaction and empties the queue:
 * STORE_OK (also for an empty queue, without a transaction), or a failure
 * with *error_r, the queue kept. Call it with no read transaction of this
 * thread open on state (a map resize needs them all ended). */
int greylist_queue_flush(struct store *state, struct greylist_queue *queue,
			 const char **error_r);

/* The request path: reads the client network's AWL entry and the
 * triplet's entry (queue first, then txn; the whitelist summary once per
 * snapshot of the state, kept in the queue), decides with greylist_check()
 * at time now and queues the write-back. The caller flushes when
 * greylist_queue_full() (after ending txn). STORE_OK with *result_r, or a
 * failure with *error_r (a store read failed; STORE_TEMPFAIL when the
 * queue has no room: the caller skipped a flush). */
int greylist_store_check(struct store_txn *txn, struct greylist_queue *queue,
			 const struct greylist_settings *settings,
			 const struct greylist_net *net, const char *sender,
			 size_t sender_len, const char *recipient,
			 size_t recipient_len, uint64_t now,
			 struct greylist_result *result_r,
			 const char **error_r);

/* Whether net is in the manual whitelist (the queue caches the summary
 * per snapshot): for a shared store, which keeps only triplets and the
 * auto-whitelist. STORE_OK with *listed_r, or a failure. */
int greylist_store_whitelisted(struct store_txn *txn,
			       struct greylist_queue *queue,
			       const struct greylist_net *net, bool *listed_r);

/* Adds a manual whitelist entry for net and rebuilds the summary, in the
 * caller's write transaction. STORE_OK, STORE_EXISTS (net is already an
 * entry; nothing written), or the transaction's sticky failure. */
int greylist_whitelist_add(struct store_txn *txn,
			   const struct greylist_net *net,
			   const struct greylist_whitelist *entry);
/* Deletes the entry for exactly net and rebuilds the summary. STORE_OK,
 * STORE_NOTFOUND, or the sticky failure. */
int greylist_whitelist_del(struct store_txn *txn,
			   const struct greylist_net *net);
/* Deletes dead entries (greylist_expired(), greylist_awl_expired(),
 * undecodable) in ONE write transaction of at most max_per_txn deletions
 * (0 = GREYLIST_SWEEP_DEFAULT, at most GREYLIST_SWEEP_MAX), resuming at
 * *cursor. Returns 1 when it reached the end of the table (the cursor
 * starts over), 0 when more remains, or a failure with *error_r (the
 * cursor unchanged). *removed_r counts this call's deletions. */
int greylist_sweep(struct store *state,
		   const struct greylist_settings *settings, uint64_t now,
		   size_t max_per_txn, struct greylist_sweep *cursor,
		   size_t *removed_r, const char **error_r);

/* Counts the table by a full scan (admin only: "mailmapctl greylist
 * stats"). STORE_OK, or a failure (store_txn_error() says which). */
int greylist_store_stats(struct store_txn *txn,
			 const struct greylist_settings *settings, uint64_t now,
			 struct greylist_stats *stats_r);

#endif
