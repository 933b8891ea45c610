/*
 * kind_offer: offers (plans) of a customer, keyed "customer/offer".
 * Rules: 3 (max seats hold when the offer changes), 4 (an offer with
 * mailboxes cannot be deleted: generic reference guard), 2 and 5 (an offer
 * with mailboxes keeps its modules), 11 (a quota change keeps the domains of
 * its mailboxes within their limits).
 */
#include <string.h>

#include "kinds.h"
#include "objects.h"

static void offer_refs(struct op *op, const void *rec, struct ref_list *refs)
{
	const struct rec_offer *offer = rec;
	const char *slash = strchr(offer->key, '/');

	ref_list_add(
	    op, refs, REF_CUSTOMER,
	    arena_strndup(op->arena, offer->key, (size_t)(slash - offer->key)));
}

/* The domains of the offer's mailboxes, each once. */
static int offer_domains(struct op *op, const char *offer, struct strvec *out)
{
	struct strvec mailboxes;

	if (kind_referrers(op, REF_OFFER, offer, REF_MAILBOX, &mailboxes) < 0)
		return -1;
	for (size_t i = 0; i < mailboxes.count; i++) {
		const char *domain = kind_address_domain(mailboxes.items[i]);
		bool seen = false;
		for (size_t j = 0; j < out->count && !seen; j++)
			seen = strcmp(out->items[j], domain) == 0;
		if (!seen)
			strvec_push(op->arena, out, domain);
	}
	return 0;
}

static int offer_check(struct op *op, const void *old_rec, const void *rec)
{
	const struct rec_offer *old = old_rec;
	const struct rec_offer *offer = rec;
	struct strvec domains = {0};
	size_t used;

	if (old == NULL)
		return 0;
	if (refs_count(op->txn, REF_OFFER, offer->key, REF_MAILBOX, &used) != 0)
		return op_store_fail(op);
	if (used > offer->max_seats)
		return op_fail(
		    op, CTL_INPUT,
		    "offer %s has %zu mailboxes: max_seats cannot be lower",
		    offer->key, used);
	if (used > 0 &&
	    (old->mail != offer->mail || old->drive != offer->drive))
		return op_fail(op, CTL_INPUT,
			       "offer %s has %zu mailboxes: its modules (mail, "
			       "drive) cannot change",
			       offer->key, used);
	if (used == 0 || old->quota == offer->quota)
		return 0;
	if (offer_domains(op, offer->key, &domains) < 0)
		return -1;
	for (size_t i = 0; i < domains.count; i++) {
		if (domain_check_limits(op, domains.items[i]) < 0)
			return -1;
	}
	return 0;
}

static void offer_show_extra(struct op *op, const void *rec, kind_emit_fn *emit,
			     void *ctx)
{
	const struct rec_offer *offer = rec;
	size_t used = 0;
	const char *text;

	refs_count(op->txn, REF_OFFER, offer->key, REF_MAILBOX, &used);
	text = arena_printf(op->arena, "%zu", used);
	emit(ctx, "seats_used", text, text);
}

const struct kind kind_offer = {
    .type = REC_OFFER,
    .table = STORE_OFFERS,
    .ref_kind = REF_OFFER,
    .listed = true,
    .refs = offer_refs,
    .check = offer_check,
    .show_extra = offer_show_extra,
};
