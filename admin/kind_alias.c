/*
 * kind_alias: aliases and distribution lists (one record: a list is an
 * alias with several targets and, perhaps, send rights). Its address lives
 * in a primary domain of ours (reference check); every target is indexed so
 * a deleted mailbox leaves the lists naming it (rule 7).
 */
#include <string.h>

#include "kinds.h"

static void alias_refs(struct op *op, const void *rec, struct ref_list *refs)
{
	const struct rec_alias *alias = rec;

	ref_list_add(op, refs, REF_DOMAIN, kind_address_domain(alias->address));
	for (size_t i = 0; i < alias->targets.count; i++)
		ref_list_add(op, refs, REF_RECIPIENT, alias->targets.items[i]);
}

static int alias_check(struct op *op, const void *old, const void *rec)
{
	const struct rec_alias *alias = rec;

	(void)old;
	/* An empty list answers NOTFOUND: its mail would be refused. */
	if (alias->targets.count == 0)
		return op_fail(op, CTL_INPUT,
			       "targets: an alias needs at least one");
	for (size_t i = 0; i < alias->targets.count; i++) {
		if (strcmp(alias->targets.items[i], alias->address) == 0)
			return op_fail(
			    op, CTL_INPUT,
			    "targets: alias %s cannot point at itself",
			    alias->address);
	}
	return 0;
}

const struct kind kind_alias = {
    .type = REC_ALIAS,
    .table = STORE_ADDRESSES,
    .ref_kind = REF_ALIAS,
    .listed = true,
    .refs = alias_refs,
    .check = alias_check,
};
