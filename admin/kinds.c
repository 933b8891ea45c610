/* kinds: the registry of entity kinds and small shared helpers. */
#include "kinds.h"

#include <string.h>

const struct kind *const kinds_all[] = {
    &kind_customer, &kind_offer, &kind_domain, &kind_domain_alias,
    &kind_mailbox,  &kind_alias, &kind_server, NULL,
};

const struct record_desc *kind_desc(const struct kind *kind)
{
	return record_desc_get(kind->type);
}

const struct kind *kind_of_type(enum record_type type)
{
	if (type == REC_EXTRA)
		return &kind_extra;
	for (size_t i = 0; kinds_all[i] != NULL; i++) {
		if (kinds_all[i]->type == type)
			return kinds_all[i];
	}
	return NULL;
}

const struct kind *kind_by_name(const char *name)
{
	for (size_t i = 0; kinds_all[i] != NULL; i++) {
		if (strcmp(kind_desc(kinds_all[i])->name, name) == 0)
			return kinds_all[i];
	}
	return NULL;
}

const struct kind *kind_of_ref(enum ref_kind ref_kind)
{
	if (ref_kind == REF_EXTRA)
		return &kind_extra;
	for (size_t i = 0; kinds_all[i] != NULL; i++) {
		if (kinds_all[i]->ref_kind == ref_kind)
			return kinds_all[i];
	}
	return NULL;
}

void ref_list_add(struct op *op, struct ref_list *refs, enum ref_kind kind,
		  const char *name)
{
	if (name == NULL || name[0] == '\0')
		return;
	if (refs->count == refs->cap) {
		size_t cap = refs->cap != 0 ? refs->cap * 2 : 8;
		void *items =
		    arena_alloc(op->arena, cap * sizeof(*refs->items));
		if (refs->count != 0)
			memcpy(items, refs->items,
			       refs->count * sizeof(*refs->items));
		refs->items = items;
		refs->cap = cap;
	}
	refs->items[refs->count].kind = kind;
	refs->items[refs->count].name = name;
	refs->count++;
}

const char *kind_address_domain(const char *address)
{
	const char *at = strrchr(address, '@');

	return at != NULL ? at + 1 : address;
}

int kind_collect(void *context, enum ref_kind kind, const char *from,
		 size_t len)
{
	struct kind_collector *collector = context;

	(void)kind;
	strvec_push(collector->op->arena, &collector->names,
		    arena_strndup(collector->op->arena, from, len));
	return 0;
}

int kind_referrers(struct op *op, enum ref_kind to_kind, const char *to,
		   enum ref_kind from_kind, struct strvec *names_r)
{
	struct kind_collector collector = {op, {0}};

	if (refs_each(op->txn, to_kind, to, from_kind, kind_collect,
		      &collector) != 0)
		return op_store_fail(op);
	*names_r = collector.names;
	return 0;
}
