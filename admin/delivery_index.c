/*
 * delivery_index: the reverse index of forwards and catch-alls. Since the
 * delivery rule (delivery.h), the refs table records every target of a
 * forward or a catch-all as it does list targets (REF_RECIPIENT), so that
 * an address that goes leaves them too and a new domain finds what names
 * it. A store written before is indexed once, by the first write
 * transaction, which also records meta "target_refs".
 */
#include "delivery.h"

#include <string.h>

#include "kinds.h"

#define DELIVERY_META_INDEXED "target_refs"

/* The targets a mailbox's forwards or a domain's catch-all name. */
static void delivery_index_record(struct op *op, enum record_type type,
				  const void *rec)
{
	if (type == REC_MAILBOX) {
		const struct rec_mailbox *box = rec;
		for (size_t i = 0; i < box->forward.count; i++)
			refs_add(op->txn, REF_RECIPIENT, box->forward.items[i],
				 REF_MAILBOX, box->address);
	} else {
		const struct rec_domain *domain = rec;
		if (domain->catchall[0] != '\0')
			refs_add(op->txn, REF_RECIPIENT, domain->catchall,
				 REF_DOMAIN, domain->name);
	}
}

/* The target references of the records of one table. */
static int delivery_index_table(struct op *op, enum store_table table)
{
	struct store_iter iter;
	struct store_val key, value;
	int ret = store_iter_open(op->txn, table, "", 0, &iter);

	while (ret == STORE_OK &&
	       (ret = store_iter_next(&iter, &key, &value)) == 1) {
		ret = STORE_OK;
		const struct kind *kind;
		enum record_type type;
		const char *why, *name;
		void *rec;
		if (record_peek_type(value.data, value.len, &type) < 0 ||
		    (type != REC_MAILBOX && type != REC_DOMAIN))
			continue;
		arena_reset(op->arena); /* one record at a time */
		kind = kind_of_type(type);
		name = arena_strndup(op->arena, key.data, key.len);
		rec = arena_alloc(op->arena, kind_desc(kind)->size);
		if (record_decode(kind_desc(kind), name, key.len, value.data,
				  value.len, op->arena, rec, &why) < 0)
			continue; /* left as it is: `show` reports it */
		delivery_index_record(op, type, rec);
	}
	store_iter_close(&iter);
	return ret < 0 ? op_store_fail(op) : 0;
}

int delivery_index_targets(struct op *op)
{
	const char *key = DELIVERY_META_INDEXED;
	struct store_val value;
	int ret = store_get(op->txn, STORE_META, key, strlen(key), &value);

	if (ret == STORE_OK)
		return 0;
	if (ret != STORE_NOTFOUND)
		return op_store_fail(op);
	if (delivery_index_table(op, STORE_ADDRESSES) < 0 ||
	    delivery_index_table(op, STORE_DOMAINS) < 0)
		return -1;
	if (store_put(op->txn, STORE_META, key, strlen(key), "1", 1, 0) !=
	    STORE_OK)
		return op_store_fail(op);
	return 0;
}
