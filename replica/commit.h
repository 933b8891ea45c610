/*
 * commit: mailmapctl's side of multi-host mode. A command runs against
 * the host's replica as always (all rules checked in one LMDB write
 * transaction), but that transaction is captured and aborted
 * (store_write_capture), and its rows go to etcd as one transaction:
 *
 *   compare  P"seq" == the value the replica held (absent: version 0)
 *   success  every row put or deleted, P"seq" = "N+1 ID"
 *   failure  read P"seq"
 *
 * The compare makes the commit apply only to the state it was checked
 * against: two admins committing at once never interleave, the loser is
 * told (and mailmapctl checks again on the newer state). A commit whose
 * answer was lost (a timeout, a member gone) is looked up by its ID in
 * P"seq": it is reported committed, or sent again while P"seq" is
 * unchanged, never applied twice.
 */
#ifndef MAILMAP_REPLICA_COMMIT_H
#define MAILMAP_REPLICA_COMMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "etcd.h"
#include "layout.h"
#include "store.h"

enum replica_commit_result {
	REPLICA_COMMITTED = 0,
	REPLICA_CONFLICT = 1, /* another commit came first: check again */
	REPLICA_FAILED = -1,  /* etcd refused or could not be reached */
};

/* What a commit is made on top of, and etcd's limits. */
struct replica_commit {
	const char *prefix;
	const char *base_seq; /* the replica's P"seq" value, "" = none */
	uint64_t generation;  /* the replica's generation */
	unsigned max_ops;     /* operations etcd takes in one transaction */
	size_t max_bytes;     /* bytes of one request */
};

/* Whether changes fit one etcd transaction. */
bool replica_commit_fits(const struct replica_commit *c,
			 const struct store_changes *changes);
/* Commits changes (rows put or deleted) as one etcd transaction.
 * *revision_r: etcd's revision of the commit. On a conflict or failure,
 * *error_r says what (malloc'ed). */
int replica_commit(struct etcd *etcd, const struct replica_commit *c,
		   const struct store_changes *changes, uint64_t *revision_r,
		   char **error_r);
/* Commits a change too large for one transaction: rows (every row of the
 * configuration after the change; deleted ones are skipped) are written
 * under a new generation in transactions of the allowed size, each still
 * guarded by P"seq" (a commit by someone else stops it), then one
 * transaction switches P"gen" and P"seq" (the commit's revision), then
 * another deletes the generation replaced. Interrupted before the switch,
 * nothing is visible (the partial generation's rows stay, unread). */
int replica_commit_staged(struct etcd *etcd, const struct replica_commit *c,
			  const struct store_changes *rows,
			  uint64_t *revision_r, char **error_r);

/* The revision of the last commit (P"seq"'s mod_revision, 0 when none),
 * read linearizably: what a replica must hold to be current. 0 or -1
 * with *error_r. */
int replica_latest(struct etcd *etcd, const char *prefix, uint64_t *revision_r,
		   char **error_r);

/* The next sequence value after base: "N+1 ID". */
void replica_next_seq(const char *base, char *out, size_t size);

#endif
