/*
 * kind_alias: aliases and distribution lists (one record: a list is an
 * alias with several targets and, perhaps, send rights). Its address lives
 * in a primary domain of ours (reference check); every target is indexed so
 * a deleted mailbox leaves the lists naming it (rule 7). Its targets follow
 * the delivery rule (delivery.h), checked at commit.
 */
#include <string.h>

#include "delivery.h"
#include "kinds.h"

static void alias_refs(struct op *op, const void *rec, struct ref_list *refs)
{
	const struct rec_alias *alias = rec;

	ref_list_add(op, refs, REF_DOMAIN, kind_address_domain(alias->address));
	for (size_t i = 0; i < alias->targets.count; i++)
		ref_list_add(op, refs, REF_RECIPIENT, alias->targets.items[i]);
}

static int alias_check(struct op *op, const void *old_rec, const void *rec)
{
	const struct rec_alias *old = old_rec;
	const struct rec_alias *alias = rec;

	delivery_touch(op, REF_ALIAS, alias->address);
	if (old != NULL && old->enabled && !alias->enabled)
		delivery_lost(op, REF_ALIAS, alias->address);
	/* An empty list (refused at commit, delivery.c) answers NOTFOUND. */
	for (size_t i = 0; i < alias->targets.count; i++) {
		if (strcmp(alias->targets.items[i], alias->address) == 0)
			return op_fail(
			    op, CTL_INPUT,
			    "targets: alias %s cannot point at itself",
			    alias->address);
	}
	return 0;
}

static int alias_before_delete(struct op *op, const void *rec, bool recursive)
{
	const struct rec_alias *alias = rec;

	(void)recursive;
	return delivery_leave(op, alias->address);
}

static void alias_show_extra(struct op *op, const void *rec, kind_emit_fn *emit,
			     void *ctx)
{
	const struct rec_alias *alias = rec;

	delivery_show(op, "undelivered_targets", &alias->targets, emit, ctx);
}

const struct kind kind_alias = {
    .type = REC_ALIAS,
    .table = STORE_ADDRESSES,
    .ref_kind = REF_ALIAS,
    .listed = true,
    .refs = alias_refs,
    .check = alias_check,
    .before_delete = alias_before_delete,
    .show_extra = alias_show_extra,
};
