/*
 * store_internal: what the parts of store.c share; not for use outside
 * store*.c. The contracts are in store.h.
 *
 *   store.c        environments: open, schema, close, sync, errors
 *   store_read.c   readers and their snapshots
 *   store_write.c  write transactions: writer lock, retries, map growth
 *   store_txn.c    reads, writes and iteration inside a transaction
 */
#ifndef MAILMAP_STORE_INTERNAL_H
#define MAILMAP_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"

#define STORE_DEFAULT_MAP_SIZE (1ull << 30)
#define STORE_MAX_MAP_SIZE     (1ull << 40)
#define STORE_WRITE_ATTEMPTS   12
#define STORE_MAX_READERS      254
#define STORE_ERROR_MAX	       512

struct store {
	MDB_env *env;
	enum store_env_kind kind;
	MDB_dbi dbi[STORE_TABLE_COUNT];
	char *dir;
	bool read_only;
	unsigned lock_wait_ms;
	int lock_fd;
	/* Readers hold it shared; a map resize (after another process grew
	 * the map) needs every transaction of this process ended. */
	pthread_rwlock_t resize_lock;
};

struct store_txn {
	struct store *store;
	MDB_txn *txn;
	bool writable;
	bool map_full;
	int result;
	char error[STORE_ERROR_MAX];
	void *user; /* store_reader_set_user(); NULL in a write */
	struct store_changes *journal; /* store_write_capture(), else NULL */
};

struct store_reader {
	struct store *store;
	struct store_txn txn;
	bool active;
};

/* A message in a per-thread buffer, valid until the next call. */
const char *store_errorf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* The one place where LMDB and system error codes get a meaning. */
int store_map_error(int rc);
/* Takes the map size another process grew the environment to. */
void store_adopt_map_size(struct store *store);
void store_txn_init(struct store_txn *txn, struct store *store, bool writable);
/* The table of the environment's schema version and generation. */
enum store_table store_meta_table(const struct store *store);
/* Big-endian integers of the meta table, in bytes bytes. */
void store_be_put(unsigned char *out, uint64_t value, size_t bytes);
uint64_t store_be_get(const unsigned char *in, size_t bytes);

/* store_capture.c: notes of a capturing write transaction. */
void store_journal_note(struct store_txn *txn, enum store_table table,
			const void *key, size_t key_len, const void *dup,
			size_t dup_len);
void store_journal_note_all_dups(struct store_txn *txn, enum store_table table,
				 const void *key, size_t key_len);
/* Turns the notes into the rows' final state, read in txn. */
int store_journal_resolve(struct store_txn *txn);

#endif
