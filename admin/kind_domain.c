/*
 * kind_domain: primary domains and alias domains (one namespace, so an
 * alias domain is never also a primary domain: rule 9).
 * Rules: 6 (a domain with mailboxes or aliases is deleted only with
 * --recursive, then with everything in it), 8 (its default server has the
 * IMAP role), 9 (an alias domain points at an existing primary domain),
 * 11 (limits on mailboxes and allotted quota).
 */
#include <inttypes.h>
#include <string.h>

#include "delivery.h"
#include "kinds.h"
#include "objects.h"

static void domain_refs(struct op *op, const void *rec, struct ref_list *refs)
{
	const struct rec_domain *domain = rec;

	ref_list_add(op, refs, REF_CUSTOMER, domain->customer);
	ref_list_add(op, refs, REF_SERVER, domain->server);
	ref_list_add(op, refs, REF_RECIPIENT, domain->catchall);
}

int domain_quota_allotted(struct op *op, const char *domain, uint64_t *sum_r,
			  const char **culprit_r)
{
	struct strvec mailboxes;
	uint64_t sum = 0;

	if (kind_referrers(op, REF_DOMAIN, domain, REF_MAILBOX, &mailboxes) < 0)
		return -1;
	for (size_t i = 0; i < mailboxes.count; i++) {
		struct rec_mailbox *mailbox;
		uint64_t quota;
		if (object_load(op, &kind_mailbox, mailboxes.items[i],
				(void **)&mailbox) < 0 ||
		    mailbox_effective_quota(op, mailbox, &quota) < 0)
			return -1;
		if (quota == RECORD_UNLIMITED) {
			*culprit_r = mailboxes.items[i];
			return 1;
		}
		sum += quota;
	}
	*sum_r = sum;
	return 0;
}

static int domain_check_quota(struct op *op, const struct rec_domain *domain)
{
	uint64_t sum = 0;
	const char *culprit = NULL;
	int ret;

	if (domain->max_quota == RECORD_UNLIMITED)
		return 0;
	ret = domain_quota_allotted(op, domain->name, &sum, &culprit);
	if (ret < 0)
		return -1;
	if (ret > 0)
		return op_fail(op, CTL_INPUT,
			       "domain %s limits the total quota (max_quota); "
			       "mailbox %s would have an unlimited quota",
			       domain->name, culprit);
	if (sum > domain->max_quota)
		return op_fail(op, CTL_INPUT,
			       "domain %s: mailboxes would be allotted %" PRIu64
			       " bytes, more than its max_quota of %" PRIu64,
			       domain->name, sum, domain->max_quota);
	return 0;
}

int domain_check_limits(struct op *op, const char *name)
{
	struct rec_domain *domain;
	size_t count;

	if (object_load(op, &kind_domain, name, (void **)&domain) < 0)
		return -1;
	if (refs_count(op->txn, REF_DOMAIN, name, REF_MAILBOX, &count) != 0)
		return op_store_fail(op);
	if (domain->max_mailboxes != RECORD_UNLIMITED &&
	    count > domain->max_mailboxes)
		return op_fail(op, CTL_INPUT,
			       "domain %s allows %" PRIu64
			       " mailboxes; it would have %zu",
			       name, domain->max_mailboxes, count);
	return domain_check_quota(op, domain);
}

/* Rule 2 holds for the mailboxes of a domain (their offers belong to its
 * customer) and rule 10 for the extra addresses in it: so a domain changes
 * customer only while it holds neither. */
static int domain_check_customer(struct op *op, const struct rec_domain *old,
				 const struct rec_domain *domain)
{
	static const enum ref_kind held[] = {REF_MAILBOX, REF_EXTRA};

	if (old == NULL || strcmp(old->customer, domain->customer) == 0)
		return 0;
	for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
		size_t count = 0;
		if (refs_count(op->txn, REF_DOMAIN, domain->name, held[i],
			       &count) < 0)
			return op_store_fail(op);
		if (count != 0)
			return op_fail(op, CTL_INPUT,
				       "customer: %s still holds %zu %s of "
				       "customer %s; a domain changes customer "
				       "only without mailboxes or extra "
				       "addresses",
				       domain->name, count,
				       refs_kind_name(held[i], count),
				       old->customer);
	}
	return 0;
}

/* What the delivery rule checks at commit: the catch-all, what names an
 * address of a new domain, who named one of a suspended domain. */
static void domain_note_delivery(struct op *op, const struct rec_domain *old,
				 const struct rec_domain *domain)
{
	if (domain->catchall[0] != '\0')
		delivery_touch(op, REF_DOMAIN, domain->name);
	if (old == NULL)
		delivery_domain_new(op, domain->name);
	else if (old->active && !domain->active)
		delivery_lost(op, REF_DOMAIN, domain->name);
}

static int domain_check(struct op *op, const void *old_rec, const void *rec)
{
	const struct rec_domain *old = old_rec;
	const struct rec_domain *domain = rec;

	domain_note_delivery(op, old, domain);
	if (server_check_imap(op, domain->server) < 0 ||
	    domain_check_customer(op, old, domain) < 0)
		return -1;
	return old != NULL ? domain_check_limits(op, domain->name) : 0;
}

/* Removes the objects of one kind that point at the domain. */
static int domain_remove_kind(struct op *op, const char *name,
			      const struct kind *kind)
{
	struct strvec keys;

	if (kind_referrers(op, REF_DOMAIN, name, kind->ref_kind, &keys) < 0)
		return -1;
	for (size_t i = 0; i < keys.count; i++) {
		void *rec;
		if (object_load(op, kind, keys.items[i], &rec) < 0 ||
		    object_remove(op, kind, rec, false) < 0)
			return -1;
	}
	if (keys.count != 0)
		op_note(op, "deleted %zu %s of %s", keys.count,
			refs_kind_name(kind->ref_kind, keys.count), name);
	return 0;
}

/* Extra addresses in this domain that belong to mailboxes elsewhere. */
static int domain_drop_extras(struct op *op, const char *name)
{
	struct strvec extras;

	if (kind_referrers(op, REF_DOMAIN, name, REF_EXTRA, &extras) < 0)
		return -1;
	for (size_t i = 0; i < extras.count; i++) {
		struct rec_extra *extra;
		void *mailbox;
		struct assign drop = {
		    record_field(kind_desc(&kind_mailbox), "extra"),
		    ASSIGN_REMOVE, extras.items[i]};
		const char *why;
		if (object_load(op, &kind_extra, extras.items[i],
				(void **)&extra) < 0 ||
		    object_load(op, &kind_mailbox, extra->mailbox, &mailbox) <
			0)
			return -1;
		void *changed = object_copy(op, &kind_mailbox, mailbox);
		if (fields_apply(&op->fenv, &drop, changed, &why) < 0)
			return op_fail(op, CTL_TEMPFAIL, "%s", why);
		if (object_update(op, &kind_mailbox, mailbox, changed) < 0)
			return -1;
		op_note(op, "removed extra address %s from mailbox %s",
			extras.items[i], extra->mailbox);
	}
	return 0;
}

static int domain_before_delete(struct op *op, const void *rec, bool recursive)
{
	const struct rec_domain *domain = rec;

	if (!recursive)
		return 0;
	if (domain_remove_kind(op, domain->name, &kind_alias) < 0 ||
	    domain_remove_kind(op, domain->name, &kind_mailbox) < 0 ||
	    domain_drop_extras(op, domain->name) < 0 ||
	    domain_remove_kind(op, domain->name, &kind_domain_alias) < 0)
		return -1;
	return 0;
}

static void domain_show_extra(struct op *op, const void *rec,
			      kind_emit_fn *emit, void *ctx)
{
	const struct rec_domain *domain = rec;
	size_t mailboxes = 0, aliases = 0;
	const char *target = domain->catchall;
	struct strlist catchall = {target[0] != '\0', &target};
	const char *text;

	refs_count(op->txn, REF_DOMAIN, domain->name, REF_MAILBOX, &mailboxes);
	refs_count(op->txn, REF_DOMAIN, domain->name, REF_ALIAS, &aliases);
	text = arena_printf(op->arena, "%zu", mailboxes);
	emit(ctx, "mailboxes", text, text);
	text = arena_printf(op->arena, "%zu", aliases);
	emit(ctx, "aliases", text, text);
	delivery_show(op, "undelivered_catchall", &catchall, emit, ctx);
}

const struct kind kind_domain = {
    .type = REC_DOMAIN,
    .table = STORE_DOMAINS,
    .ref_kind = REF_DOMAIN,
    .listed = true,
    .refs = domain_refs,
    .check = domain_check,
    .before_delete = domain_before_delete,
    .show_extra = domain_show_extra,
};

static void domain_alias_refs(struct op *op, const void *rec,
			      struct ref_list *refs)
{
	const struct rec_domain_alias *alias = rec;

	ref_list_add(op, refs, REF_DOMAIN, alias->target);
}

static int domain_alias_check(struct op *op, const void *old_rec,
			      const void *rec)
{
	const struct rec_domain_alias *old = old_rec;
	const struct rec_domain_alias *alias = rec;

	if (old == NULL || strcmp(old->target, alias->target) != 0)
		delivery_domain_new(op, alias->name);
	else if (old->active && !alias->active)
		delivery_lost(op, REF_ALIAS_DOMAIN, alias->name);
	if (strcmp(alias->name, alias->target) == 0)
		return op_fail(op, CTL_INPUT,
			       "alias domain %s cannot point at itself",
			       alias->name);
	return 0;
}

/* Its addresses go: the lists and forwards naming them leave them. */
static int domain_alias_before_delete(struct op *op, const void *rec,
				      bool recursive)
{
	const struct rec_domain_alias *alias = rec;

	(void)recursive;
	return delivery_leave_domain(op, alias->name);
}

const struct kind kind_domain_alias = {
    .type = REC_DOMAIN_ALIAS,
    .table = STORE_DOMAINS,
    .ref_kind = REF_ALIAS_DOMAIN,
    .listed = true,
    .refs = domain_alias_refs,
    .check = domain_alias_check,
    .before_delete = domain_alias_before_delete,
};
