/*
 * kind_mailbox: mailboxes and the extra addresses they own.
 * Rules: 1 (the domain exists and is primary: the reference check), 2 (the
 * offer belongs to the domain's customer and has the mail module), 3 (seats),
 * 5 (moving keeps the modules), 7 (a delete takes the extra addresses and
 * list memberships and forwards to it along and purges the state), 8 (server
 * with the IMAP role), 10 (extra addresses share the one address namespace), 11
 * (limits).
 */
#include <inttypes.h>
#include <string.h>

#include "account.h"
#include "autoreply.h"
#include "delivery.h"
#include "kinds.h"
#include "lookup.h"
#include "names.h"
#include "objects.h"

int mailbox_effective_quota(struct op *op, const struct rec_mailbox *mailbox,
			    uint64_t *quota_r)
{
	struct rec_offer *offer;

	if (mailbox->quota != RECORD_INHERIT) {
		*quota_r = mailbox->quota;
		return 0;
	}
	if (object_load(op, &kind_offer, mailbox->offer, (void **)&offer) < 0)
		return -1;
	*quota_r = offer->quota;
	return 0;
}

static void mailbox_refs(struct op *op, const void *rec, struct ref_list *refs)
{
	const struct rec_mailbox *mailbox = rec;

	ref_list_add(op, refs, REF_DOMAIN,
		     kind_address_domain(mailbox->address));
	ref_list_add(op, refs, REF_OFFER, mailbox->offer);
	ref_list_add(op, refs, REF_SERVER, mailbox->server);
	for (size_t i = 0; i < mailbox->forward.count; i++)
		ref_list_add(op, refs, REF_RECIPIENT,
			     mailbox->forward.items[i]);
}

static void mailbox_complete(struct op *op, void *rec)
{
	struct rec_mailbox *mailbox = rec;

	mailbox->maildir = account_mail_path(mailbox, op->arena);
}

static bool strlist_has(const struct strlist *list, const char *item)
{
	for (size_t i = 0; i < list->count; i++) {
		if (strcmp(list->items[i], item) == 0)
			return true;
	}
	return false;
}

/* Creates and deletes the extra address records to match the list. */
static int mailbox_sync_extras(struct op *op, const struct rec_mailbox *old,
			       const struct rec_mailbox *mailbox)
{
	static const struct strlist none = {0, NULL};
	const struct strlist *before = old != NULL ? &old->extra : &none;

	for (size_t i = 0; i < before->count; i++) {
		void *extra;
		if (strlist_has(&mailbox->extra, before->items[i]))
			continue;
		if (object_load(op, &kind_extra, before->items[i], &extra) <
			0 ||
		    object_remove(op, &kind_extra, extra, false) < 0)
			return -1;
	}
	for (size_t i = 0; i < mailbox->extra.count; i++) {
		struct rec_extra *extra;
		if (strlist_has(before, mailbox->extra.items[i]))
			continue;
		extra = arena_zalloc(op->arena, sizeof(*extra));
		extra->address = mailbox->extra.items[i];
		extra->mailbox = mailbox->address;
		if (object_insert(op, &kind_extra, extra) < 0)
			return -1;
	}
	return 0;
}

static int mailbox_after_write(struct op *op, const void *old, const void *rec)
{
	return mailbox_sync_extras(op, old, rec);
}

static bool offer_modules_equal(const struct rec_offer *a,
				const struct rec_offer *b)
{
	return a->mail == b->mail && a->drive == b->drive;
}

/* Rules 2, 3 and 5 for the offer the mailbox is (now) on. */
static int mailbox_check_offer(struct op *op, const struct rec_mailbox *old,
			       const struct rec_mailbox *mailbox,
			       const struct rec_domain *domain)
{
	struct rec_offer *offer, *previous;
	size_t len = strcspn(mailbox->offer, "/");
	size_t used;

	if (object_load(op, &kind_offer, mailbox->offer, (void **)&offer) < 0)
		return -1;
	if (strlen(domain->customer) != len ||
	    strncmp(domain->customer, mailbox->offer, len) != 0)
		return op_fail(op, CTL_INPUT,
			       "offer %s does not belong to customer %s, who "
			       "owns domain %s",
			       mailbox->offer, domain->customer, domain->name);
	if (!offer->mail)
		return op_fail(op, CTL_INPUT,
			       "offer %s does not include the mail module",
			       mailbox->offer);
	if (old != NULL && strcmp(old->offer, mailbox->offer) == 0)
		return 0;
	if (refs_count(op->txn, REF_OFFER, offer->key, REF_MAILBOX, &used) != 0)
		return op_store_fail(op);
	if (used > offer->max_seats)
		return op_fail(op, CTL_INPUT,
			       "offer %s is full: all %" PRIu64
			       " seats are taken",
			       offer->key, offer->max_seats);
	if (old == NULL)
		return 0;
	if (object_load(op, &kind_offer, old->offer, (void **)&previous) < 0)
		return -1;
	if (!offer_modules_equal(previous, offer))
		return op_fail(op, CTL_INPUT,
			       "mailbox %s cannot move from offer %s to %s: "
			       "their modules differ",
			       mailbox->address, old->offer, mailbox->offer);
	return 0;
}

/* Is this forward target the mailbox itself: its address, or the same
 * local part in an alias domain of its domain? (cleanup would stop at
 * that self-mapping, and an alias-domain address is never delivered.)
 * 1, 0, or -1 on a store failure. */
static int mailbox_forward_is_self(struct op *op,
				   const struct rec_mailbox *mailbox,
				   const char *target)
{
	size_t local, own_local;
	const char *domain, *own_domain;
	const struct kind *other;
	struct rec_domain_alias *alias;
	int ret;

	names_address_split(target, &local, &domain);
	names_address_split(mailbox->address, &own_local, &own_domain);
	if (local != own_local || memcmp(target, mailbox->address, local) != 0)
		return 0;
	if (strcmp(domain, own_domain) == 0)
		return 1;
	ret = object_find(op, &kind_domain_alias, domain, (void **)&alias,
			  &other);
	if (ret <= 0)
		return ret;
	return strcmp(alias->target, own_domain) == 0;
}

/* The aliases answer of a forwarding mailbox is its targets, after its
 * own address when it keeps a copy; that address may carry the extension
 * asked for (an address of at most NAMES_ADDRESS_LIMIT bytes). The whole
 * must fit in a Postfix reply, or every delivery to it would defer. */
static int mailbox_check_forward(struct op *op,
				 const struct rec_mailbox *mailbox)
{
	const struct strlist *forward = &mailbox->forward;
	size_t total = 0;

	for (size_t i = 0; i < forward->count; i++) {
		int self =
		    mailbox_forward_is_self(op, mailbox, forward->items[i]);
		if (self < 0)
			return -1;
		if (self > 0)
			return op_fail(op, CTL_INPUT,
				       "forward: %s is this mailbox itself "
				       "(use forward_keep_copy)",
				       forward->items[i]);
		total += strlen(forward->items[i]) + (i > 0);
	}
	if (forward->count != 0 && mailbox->forward_keep_copy)
		total += NAMES_ADDRESS_LIMIT + 1;
	if (total > LOOKUP_DATA_MAX)
		return op_fail(
		    op, CTL_INPUT,
		    "forward: too long%s (an answer to Postfix holds "
		    "at most 100000 bytes)",
		    mailbox->forward_keep_copy ? " with forward_keep_copy"
					       : "");
	return 0;
}

static bool mailbox_limits_changed(const struct rec_mailbox *old,
				   const struct rec_mailbox *mailbox)
{
	return old == NULL || old->quota != mailbox->quota ||
	       strcmp(old->offer, mailbox->offer) != 0;
}

/* What the delivery rule checks at commit: the forwards, and who named
 * a mailbox that takes no mail any more. */
static void mailbox_note_delivery(struct op *op, const struct rec_mailbox *old,
				  const struct rec_mailbox *mailbox)
{
	if (mailbox->forward.count != 0)
		delivery_touch(op, REF_MAILBOX, mailbox->address);
	if (old == NULL || !old->enabled || mailbox->enabled)
		return;
	delivery_lost(op, REF_MAILBOX, mailbox->address);
	for (size_t i = 0; i < mailbox->extra.count; i++)
		delivery_lost(op, REF_EXTRA, mailbox->extra.items[i]);
}

static int mailbox_check(struct op *op, const void *old_rec, const void *rec)
{
	const struct rec_mailbox *old = old_rec;
	const struct rec_mailbox *mailbox = rec;
	struct rec_domain *domain;
	const char *server = mailbox->server;

	if (object_load(op, &kind_domain, kind_address_domain(mailbox->address),
			(void **)&domain) < 0 ||
	    mailbox_check_offer(op, old, mailbox, domain) < 0 ||
	    autoreply_check(op, mailbox) < 0 ||
	    mailbox_check_forward(op, mailbox) < 0)
		return -1;
	mailbox_note_delivery(op, old, mailbox);
	if (server[0] == '\0')
		server = domain->server;
	if (server_check_imap(op, server) < 0)
		return -1;
	if (mailbox_limits_changed(old, mailbox))
		return domain_check_limits(op, domain->name);
	return 0;
}

/* Rule 7: its extra addresses go (each leaving the lists and forwards
 * naming it), then it leaves them too. */
static int mailbox_before_delete(struct op *op, const void *rec, bool recursive)
{
	const struct rec_mailbox *mailbox = rec;
	struct rec_mailbox *bare = object_copy(op, &kind_mailbox, mailbox);

	(void)recursive;
	bare->extra.count = 0;
	if (mailbox_sync_extras(op, mailbox, bare) < 0 ||
	    delivery_leave(op, mailbox->address) < 0)
		return -1;
	op_purge(op, mailbox->address);
	return 0;
}

static void mailbox_show_extra(struct op *op, const void *rec,
			       kind_emit_fn *emit, void *ctx)
{
	const struct rec_mailbox *mailbox = rec;

	delivery_show(op, "undelivered_forwards", &mailbox->forward, emit, ctx);
	mailbox_show_usage(op, rec, emit, ctx);
}

const struct kind kind_mailbox = {
    .type = REC_MAILBOX,
    .table = STORE_ADDRESSES,
    .ref_kind = REF_MAILBOX,
    .listed = true,
    .refs = mailbox_refs,
    .after_assign = autoreply_localize,
    .complete = mailbox_complete,
    .after_write = mailbox_after_write,
    .check = mailbox_check,
    .before_delete = mailbox_before_delete,
    .show_extra = mailbox_show_extra,
};

static void extra_refs(struct op *op, const void *rec, struct ref_list *refs)
{
	const struct rec_extra *extra = rec;

	ref_list_add(op, refs, REF_DOMAIN, kind_address_domain(extra->address));
	ref_list_add(op, refs, REF_MAILBOX, extra->mailbox);
}

/* An extra address lives in a domain of the mailbox's own customer. */
static int extra_check(struct op *op, const void *old, const void *rec)
{
	const struct rec_extra *extra = rec;
	struct rec_domain *mine, *theirs;

	(void)old;
	if (object_load(op, &kind_domain, kind_address_domain(extra->address),
			(void **)&theirs) < 0 ||
	    object_load(op, &kind_domain, kind_address_domain(extra->mailbox),
			(void **)&mine) < 0)
		return -1;
	if (strcmp(mine->customer, theirs->customer) != 0)
		return op_fail(op, CTL_INPUT,
			       "extra address %s: domain %s belongs to "
			       "customer %s, not %s",
			       extra->address, theirs->name, theirs->customer,
			       mine->customer);
	return 0;
}

static int extra_before_delete(struct op *op, const void *rec, bool recursive)
{
	const struct rec_extra *extra = rec;

	(void)recursive;
	return delivery_leave(op, extra->address);
}

const struct kind kind_extra = {
    .type = REC_EXTRA,
    .table = STORE_ADDRESSES,
    .ref_kind = REF_EXTRA,
    .refs = extra_refs,
    .check = extra_check,
    .before_delete = extra_before_delete,
};
