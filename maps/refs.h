/*
 * refs: the reverse index "who points at this object" (table refs in
 * keyspace.h). The admin tool adds an entry for every reference an object
 * makes and removes it when the reference goes; rules read it to refuse a
 * delete that would leave a dangling reference, to count seats, and to
 * find the lists a mailbox belongs to.
 */
#ifndef MAILMAP_REFS_H
#define MAILMAP_REFS_H

#include <stddef.h>

#include "store.h"

enum ref_kind {
	REF_CUSTOMER = 'C',
	REF_OFFER = 'O',
	REF_DOMAIN = 'D',
	REF_ALIAS_DOMAIN = 'A',
	REF_MAILBOX = 'M',
	REF_EXTRA = 'X',
	REF_ALIAS = 'L',
	REF_SERVER = 'S',
	REF_RECIPIENT = 'R', /* an address used as a list target, a forward
				or a catch-all */
	REF_ANY = 0,
};

typedef int refs_fn(void *context, enum ref_kind from_kind, const char *from,
		    size_t from_len);
typedef int refs_target_fn(void *context, const char *to, size_t to_len,
			   enum ref_kind from_kind, const char *from,
			   size_t from_len);

/* Records that object from (of from_kind) points at to (of to_kind). */
int refs_add(struct store_txn *txn, enum ref_kind to_kind, const char *to,
	     enum ref_kind from_kind, const char *from);
/* Removes that record; a missing one is not an error. */
int refs_del(struct store_txn *txn, enum ref_kind to_kind, const char *to,
	     enum ref_kind from_kind, const char *from);
/* How many objects of from_kind point at to. */
int refs_count(struct store_txn *txn, enum ref_kind to_kind, const char *to,
	       enum ref_kind from_kind, size_t *count_r);
/* Calls fn for every object of from_kind (REF_ANY: of every kind) pointing
 * at to, in key order, until fn returns non-zero (returned). Do not write
 * to the refs table from fn. */
int refs_each(struct store_txn *txn, enum ref_kind to_kind, const char *to,
	      enum ref_kind from_kind, refs_fn *fn, void *context);
/* Calls fn for every object pointing at an address used as a target
 * (REF_RECIPIENT: list targets, forwards, catch-alls) that starts with
 * prefix ("" for all), in key order, until fn returns non-zero. Do not
 * write to the refs table from fn. */
int refs_each_recipient(struct store_txn *txn, const char *prefix,
			refs_target_fn *fn, void *context);
/* The name of a kind for messages: "mailbox", "offer"... */
const char *refs_kind_name(enum ref_kind kind, size_t count);

#endif
