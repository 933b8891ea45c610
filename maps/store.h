/*
 * store: all LMDB access of mailmap (see keyspace.h for the tables).
 *
 * - One struct store per environment (config or state), shared by threads.
 * - Readers: one struct store_reader per thread; store_read_begin() renews
 *   its read transaction, store_read_end() resets it. Never hold one across
 *   event-loop turns: that hides newer commits and pins old pages. Within
 *   a turn, store_read_latest() serves request after request from one
 *   transaction for as long as no commit came since it began.
 * - Writers: store_write() runs a body function inside one write
 *   transaction. The transaction has a sticky error: after the first failed
 *   put or delete every later one is a no-op, and the commit is refused.
 *   On MDB_MAP_FULL the transaction is aborted, the map doubled and the body
 *   run again from the start, so a body must depend only on its inputs.
 * - LMDB error codes become enum store_result in one place (store.c).
 *
 * Values returned by store_get() and iterators borrow LMDB memory: valid
 * until the next write in the same transaction or its end. Copy them.
 */
#ifndef MAILMAP_STORE_H
#define MAILMAP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keyspace.h"

enum store_result {
	STORE_OK = 0,
	STORE_NOTFOUND = 1,
	STORE_EXISTS = 2,    /* put with STORE_PUT_NEW hit an existing key */
	STORE_ABORTED = 3,   /* a write body returned -1 */
	STORE_TEMPFAIL = -1, /* retry later: locked, I/O, readers full */
	STORE_PERMFAIL = -2, /* corrupt or incompatible store, bad key */
};

enum store_env_kind { STORE_ENV_CONFIG, STORE_ENV_STATE };

struct store_settings {
	const char *dir;
	enum store_env_kind kind;
	uint64_t map_size;     /* initial map size in bytes; 0 = default */
	bool read_only;	       /* no writes through this handle */
	bool create;	       /* create the directory and tables */
	bool nosync;	       /* relaxed durability (state environment) */
	unsigned lock_wait_ms; /* writers wait this long for another writer */
};

struct store_val {
	const void *data;
	size_t len;
};

struct stat;
struct store;
struct store_txn;
struct store_reader;

/* Iterates the keys starting with a prefix (every duplicate of a DUPSORT
 * table in turn). Caller-owned; close it before the transaction ends. */
struct store_iter {
	void *cursor;
	struct store_txn *txn;
	const void *prefix;
	size_t prefix_len;
	bool started;
	const void *after; /* store_iter_open_after(): rows start past it */
	size_t after_len;
};

#define STORE_PUT_NEW 0x1 /* fail with STORE_EXISTS instead of replacing */

typedef int store_write_fn(struct store_txn *txn, void *context);

/* Opens (and with settings->create, creates) an environment and checks its
 * schema version. 0, or a store_result with a message in *error_r. */
int store_open(const struct store_settings *settings, struct store **store_r,
	       const char **error_r);
void store_close(struct store **store);
const char *store_dir(const struct store *store);
/* Largest key LMDB accepts in this environment. */
size_t store_max_key(const struct store *store);
/* fstat() of the environment's data file, as it is open. 0 or -1. */
int store_file_stat(const struct store *store, struct stat *st_r);

/* How full an environment is (mailmapd's metrics). */
struct store_space {
	uint64_t map_size;   /* bytes the map may reach */
	uint64_t used_bytes; /* pages up to the last one used */
	uint64_t page_size;
	uint64_t free_pages; /* pages in LMDB's free list, for reuse */
};
/* Fills *space from a read snapshot of its own (a scan of the free list:
 * off the request path). STORE_OK or a failure. */
int store_space_get(struct store *store, struct store_space *space_r);
/* store_swap.c: a compact, consistent copy of the environment into dir
 * (which must exist and be empty): dir/data.mdb. */
int store_copy(struct store *store, const char *dir, const char **error_r);
/* STORE_OK while the environment open here is still the one at its path,
 * else STORE_TEMPFAIL (it was swapped out: open it again). */
int store_still_current(const struct store *store, const char **error_r);
/* Exchanges the directory prepared (holding a complete environment) with
 * the environment directory dir, in one rename, holding dir's writer lock
 * (waiting up to wait_ms for a writer). Afterwards prepared names the old
 * environment. See store_swap.c. */
int store_swap_in(const char *dir, const char *prepared, unsigned wait_ms,
		  const char **error_r);
/* fsync of a file or a directory (a rename in it is then on disk). 0, or
 * -1 with errno. */
int store_sync_path(const char *path, bool directory);
/* Flushes a nosync environment to disk. */
int store_sync(struct store *store, const char **error_r);

int store_reader_new(struct store *store, struct store_reader **reader_r,
		     const char **error_r);
void store_reader_free(struct store_reader **reader);
/* Starts a read snapshot of the latest commit. */
int store_read_begin(struct store_reader *reader, struct store_txn **txn_r,
		     const char **error_r);
void store_read_end(struct store_reader *reader);
/* As store_read_begin(), but keeps the reader's open transaction when it
 * already sees the latest commit (it costs a read of the meta page, where
 * a renewal costs the lock table and LMDB's reload of every named table
 * on first use). A commit that ended before the call is always seen.
 * The caller still ends it with store_read_end() before it waits. */
int store_read_latest(struct store_reader *reader, struct store_txn **txn_r,
		      const char **error_r);
/* Attaches the owner's pointer (a cache of decoded records, say) to the
 * reader's transactions: store_txn_user() returns it, NULL elsewhere. */
void store_reader_set_user(struct store_reader *reader, void *user);
void *store_txn_user(const struct store_txn *txn);
/* Names the committed state a transaction sees: two read transactions
 * with the same value see the same data (LMDB's transaction id). */
uint64_t store_txn_snapshot(const struct store_txn *txn);

/* Runs body in one write transaction and commits it. STORE_OK when
 * committed, STORE_ABORTED when body returned -1 (its reason is its own),
 * else a failure with *error_r. */
int store_write(struct store *store, store_write_fn *body, void *context,
		const char **error_r);

/* Point read: STORE_OK, STORE_NOTFOUND (also for an over-long key), or a
 * failure (the transaction's error says which). */
int store_get(struct store_txn *txn, enum store_table table, const void *key,
	      size_t key_len, struct store_val *value_r);
/* Writes a key (adds a duplicate in a DUPSORT table). STORE_OK,
 * STORE_EXISTS (with STORE_PUT_NEW; not sticky) or the sticky error. */
int store_put(struct store_txn *txn, enum store_table table, const void *key,
	      size_t key_len, const void *value, size_t value_len,
	      unsigned flags);
/* Deletes a key, or only one duplicate when dup is not NULL. STORE_OK,
 * STORE_NOTFOUND (not sticky) or the sticky error. */
int store_del(struct store_txn *txn, enum store_table table, const void *key,
	      size_t key_len, const struct store_val *dup);
/* Whether a DUPSORT table holds the duplicate dup under key: 1, 0, or a
 * failure. */
int store_has_dup(struct store_txn *txn, enum store_table table,
		  const void *key, size_t key_len, const void *dup,
		  size_t dup_len);
/* Number of duplicates under key (0 when absent). */
int store_count_dups(struct store_txn *txn, enum store_table table,
		     const void *key, size_t key_len, size_t *count_r);

int store_iter_open(struct store_txn *txn, enum store_table table,
		    const void *prefix, size_t prefix_len,
		    struct store_iter *iter);
/* Like store_iter_open(), but the first row is the first key with the
 * prefix that sorts strictly after `after` (LMDB's order: bytes, then the
 * shorter first), which need not exist; with a DUPSORT table every
 * duplicate of `after` is skipped. after_len 0: from the first key. Lets
 * a listing resume in a later snapshot where the last one stopped. */
int store_iter_open_after(struct store_txn *txn, enum store_table table,
			  const void *prefix, size_t prefix_len,
			  const void *after, size_t after_len,
			  struct store_iter *iter);
/* 1 with a row, 0 at the end, or a failure. */
int store_iter_next(struct store_iter *iter, struct store_val *key_r,
		    struct store_val *value_r);
void store_iter_close(struct store_iter *iter);

/* Rows a write changed, captured instead of committed (store_capture.c).
 * For a DUPSORT table, value is the duplicate the row is; otherwise the
 * row's final value (NULL when deleted). */
struct store_change {
	enum store_table table;
	bool deleted;
	void *key;
	size_t key_len;
	void *value;
	size_t value_len;
};

struct store_changes {
	struct store_change *items; /* sorted by table, key, duplicate */
	size_t count;
	size_t cap;
};

/* As store_write(), but the transaction is aborted, never committed: the
 * rows it changed (meta excepted) are appended to *changes_r instead, to
 * be committed elsewhere (replica/). STORE_OK, STORE_ABORTED or a
 * failure, as store_write(). */
int store_write_capture(struct store *store, store_write_fn *body,
			void *context, struct store_changes *changes_r,
			const char **error_r);
void store_changes_free(struct store_changes *changes);

/* Deletes every row of a table (a replica's bootstrap). */
int store_clear_table(struct store_txn *txn, enum store_table table);
/* The tables of an environment kind, their names and DUPSORT flag. */
const char *store_table_name(enum store_table table);
bool store_table_in_env(enum store_table table, enum store_env_kind kind);
bool store_table_is_dup(enum store_table table);

/* The environment a transaction belongs to. */
struct store *store_txn_store(const struct store_txn *txn);

/* The sticky error of a transaction. */
bool store_txn_failed(const struct store_txn *txn);
int store_txn_result(const struct store_txn *txn);
const char *store_txn_error(const struct store_txn *txn);
/* Marks a write transaction failed on behalf of its body. */
void store_txn_fail(struct store_txn *txn, int result, const char *message);
/* The commit generation this transaction sees (0 on an empty store). */
uint64_t store_generation(struct store_txn *txn);

#endif
