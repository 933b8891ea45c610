/*
 * layout: how the config environment lives in etcd, and what a replica
 * records of it. One etcd key per row, under the configured prefix P:
 *
 *   P "seq"                    the commit sequence: "N ID", N counting
 *                              commits from 1, ID naming the commit
 *                              (host, process, random): every mailmapctl
 *                              transaction compares it and bumps it
 *   P "gen"                    the generation G holding the rows, decimal
 *                              (absent: 0)
 *   P "d/" G "/" table "/" key  a row of a table: the LMDB value
 *   P "d/" G "/refs/" u16 len,  a row of a DUPSORT table: the duplicate
 *     key, duplicate            is part of the etcd key, the value empty
 *
 * Tables are the config environment's (keyspace.h) but meta, whose rows
 * are each replica's own. Keys are bytes (base64 on the wire). Other keys
 * under P are ignored.
 *
 * Generations: a commit too large for one etcd transaction writes the
 * whole new configuration under a new generation in several transactions
 * (invisible: replicas read only the current one), then switches P "gen"
 * and P "seq" in one (commit.h). Replicas reload at the switch.
 *
 * A replica's config environment records in its meta table, in the same
 * LMDB transaction as the rows:
 *
 *   "replica_revision"  u64: the etcd revision it holds
 *   "replica_seq"       P "seq"'s value at that revision
 *   "replica_source"    "CLUSTER-ID PREFIX": another one means bootstrap
 *   "replica_gen"       u64: the generation it holds
 */
#ifndef MAILMAP_REPLICA_LAYOUT_H
#define MAILMAP_REPLICA_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define REPLICA_SEQ_MAX	   128
#define REPLICA_SOURCE_MAX 512
#define REPLICA_PREFIX_MAX 200

enum replica_key_kind {
	REPLICA_KEY_ROW,
	REPLICA_KEY_SEQ,
	REPLICA_KEY_GEN,
	REPLICA_KEY_STAGED, /* a row of another generation */
	REPLICA_KEY_OTHER,  /* not ours, or malformed: skipped */
};

/* A row named by an etcd key; pointers into the key. */
struct replica_row {
	enum store_table table;
	const char *key;
	size_t key_len;
	const char *dup; /* DUPSORT tables; NULL otherwise */
	size_t dup_len;
};

/* The etcd key of a row of a generation (dup NULL for a plain table),
 * malloc'ed. */
char *replica_row_key(const char *prefix, uint64_t generation,
		      enum store_table table, const void *key, size_t key_len,
		      const void *dup, size_t dup_len, size_t *len_r);
/* The etcd keys of the commit sequence and of the generation, and the
 * prefix of a generation's rows, malloc'ed. */
char *replica_seq_key(const char *prefix);
char *replica_gen_key(const char *prefix);
char *replica_gen_prefix(const char *prefix, uint64_t generation);
/* The first key past a prefix (etcd's range_end), malloc'ed. */
char *replica_prefix_end(const char *prefix, size_t *len_r);
/* Names what an etcd key is, for a replica holding generation. */
enum replica_key_kind replica_key_parse(const char *prefix, uint64_t generation,
					const char *key, size_t len,
					struct replica_row *row_r);
/* Whether a config table is replicated (all but meta). */
bool replica_table(enum store_table table);
/* Calls fn with every replicated row in txn (DUPSORT tables: one call
 * per duplicate, as value); stops at fn's non-zero return, which it
 * returns. */
typedef int replica_row_fn(enum store_table table, const struct store_val *key,
			   const struct store_val *value, void *context);
int replica_rows_each(struct store_txn *txn, replica_row_fn *fn, void *context);

/* Puts every replicated row back as it is: in a capturing write
 * (store_write_capture), the changes are then the whole configuration. */
void replica_touch_all(struct store_txn *txn);

struct replica_mark {
	uint64_t revision; /* 0: never bootstrapped */
	uint64_t generation;
	char seq[REPLICA_SEQ_MAX];
	char source[REPLICA_SOURCE_MAX];
};

/* Reads the mark (zeroes when absent); STORE_OK or a failure. */
int replica_mark_read(struct store_txn *txn, struct replica_mark *mark_r);
/* Writes it in a write transaction (sticky error on failure). */
void replica_mark_write(struct store_txn *txn, const struct replica_mark *mark);
/* The mark of the latest commit of an open environment. */
int replica_mark_get(struct store *store, struct replica_mark *mark_r,
		     const char **error_r);

#endif
