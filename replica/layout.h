/*
 * layout: how the config environment lives in etcd, and what a replica
 * records of it. One etcd key per row, under the configured prefix P:
 *
 *   P "seq"                    the commit sequence: "N ID", N counting
 *                              commits from 1, ID naming the commit
 *                              (host, process, random): every mailmapctl
 *                              transaction compares it and bumps it
 *   P "t/" table "/" key       a row of a table: the LMDB value
 *   P "t/refs/" u16 len, key,  a row of a DUPSORT table: the duplicate is
 *     duplicate                part of the etcd key, the value is empty
 *
 * Tables are the config environment's (keyspace.h) but meta, whose rows
 * are each replica's own. Keys are bytes (base64 on the wire). Other keys
 * under P are ignored.
 *
 * A replica's config environment records in its meta table, in the same
 * LMDB transaction as the rows:
 *
 *   "replica_revision"  u64: the etcd revision it holds
 *   "replica_seq"       P "seq"'s value at that revision
 *   "replica_source"    "CLUSTER-ID PREFIX": another one means bootstrap
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
	REPLICA_KEY_OTHER, /* not ours, or malformed: skipped */
};

/* A row named by an etcd key; pointers into the key. */
struct replica_row {
	enum store_table table;
	const char *key;
	size_t key_len;
	const char *dup; /* DUPSORT tables; NULL otherwise */
	size_t dup_len;
};

/* The etcd key of a row (dup NULL for a plain table), malloc'ed. */
char *replica_row_key(const char *prefix, enum store_table table,
		      const void *key, size_t key_len, const void *dup,
		      size_t dup_len, size_t *len_r);
/* The etcd key of the commit sequence, malloc'ed. */
char *replica_seq_key(const char *prefix);
/* The first key past the prefix (etcd's range_end), malloc'ed. */
char *replica_prefix_end(const char *prefix, size_t *len_r);
/* Names what an etcd key is. */
enum replica_key_kind replica_key_parse(const char *prefix, const char *key,
					size_t len, struct replica_row *row_r);

struct replica_mark {
	uint64_t revision; /* 0: never bootstrapped */
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
