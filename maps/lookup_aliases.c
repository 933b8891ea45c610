/* lookup_aliases: the maps aliases and senders. */
#include "lookup_internal.h"

#include <string.h>

/* ---- aliases --------------------------------------------------------- */

struct lookup_str lookup_extended(struct lookup_str address,
				  const char *extension, char *buf)
{
	const char *at = memchr(address.data, '@', address.len);
	size_t local = at != NULL ? (size_t)(at - address.data) : address.len;
	size_t ext = strlen(extension);

	if (ext == 0 || address.len + ext > NAMES_ADDRESS_MAX)
		return address;
	memcpy(buf, address.data, local);
	memcpy(buf + local, extension, ext);
	memcpy(buf + local + ext, address.data + local, address.len - local);
	return (struct lookup_str){buf, address.len + ext};
}

/* An address of ours with the key's extension put back ("user+tag@d"),
 * as Postfix's propagate_unmatched_extensions does for hash tables: the
 * tag reaches Dovecot (Sieve), and cleanup stops at the self-mapping. */
static void lookup_item_extended(struct lookup_req *req,
				 struct lookup_str address,
				 const char *extension)
{
	char buf[NAMES_ADDRESS_MAX + 1];

	lookup_item(&req->out, lookup_extended(address, extension, buf));
}

bool lookup_mailbox_keeps(const struct lookup_req *req,
			  const struct lookup_rec *mailbox)
{
	time_t now = req->ctx->now != 0 ? req->ctx->now : time(NULL);
	uint64_t start, end;

	/* a field read in place is its last item: empty when none */
	if (lookup_rec_bool(mailbox, F_MAILBOX(forward_keep_copy)) ||
	    lookup_rec_str(mailbox, F_MAILBOX(forward)).len == 0)
		return true;
	if (req->structure || !lookup_rec_bool(mailbox, F_MAILBOX(autoreply)))
		return false;
	start = lookup_rec_uint(mailbox, F_MAILBOX(autoreply_start));
	end = lookup_rec_uint(mailbox, F_MAILBOX(autoreply_end));
	return record_autoreply_window_open(start, end, (uint64_t)now);
}

/* A mailbox: itself, plus the forwarding targets that take mail; itself
 * only when it keeps the mail (lookup_mailbox_keeps), or no target takes
 * mail (then the mailbox keeps it rather than bounce it). */
static enum lookup_status
lookup_alias_mailbox(struct lookup_req *req, const struct lookup_resolved *res)
{
	const struct field_desc *forward = F_MAILBOX(forward);
	struct lookup_str target;
	struct lookup_iter it;
	enum lookup_reach reach;
	bool keep, forwarded = false, taken;

	req->why = LOOKUP_REACH_DISABLED;
	if (!lookup_enabled(req, &res->rec, F_MAILBOX(enabled)))
		return LOOKUP_NOTFOUND;
	keep = lookup_mailbox_keeps(req, &res->rec);
	if (keep)
		lookup_item_extended(req, lookup_cstr(res->address),
				     res->extension);
	/* Cleanup expands its forwards once, then stops at it: it takes
	 * mail whatever it forwards (an alias-domain spelling does not map
	 * to itself: its forwards are expanded each time it comes back). */
	if (keep && req->probe && lookup_maps_to_self(req, res))
		return LOOKUP_FOUND;
	lookup_iter_init(&it, &res->rec, forward);
	while (lookup_iter_next(&it, &target)) {
		if (lookup_judge(req, target, &taken, &reach) != LOOKUP_FOUND)
			return LOOKUP_TEMPFAIL;
		if (taken)
			lookup_item(&req->out, target);
		forwarded = forwarded || taken;
	}
	if (!keep && !forwarded)
		lookup_item_extended(req, lookup_cstr(res->address),
				     res->extension);
	return LOOKUP_FOUND;
}

/* An extra address: its mailbox, when that one takes mail. */
static enum lookup_status lookup_alias_extra(struct lookup_req *req,
					     const struct lookup_resolved *res)
{
	struct lookup_str owner = lookup_rec_str(&res->rec, F_EXTRA(mailbox));
	enum lookup_reach reach;
	bool taken;

	if (lookup_judge(req, owner, &taken, &reach) != LOOKUP_FOUND)
		return LOOKUP_TEMPFAIL;
	req->why = reach;
	if (!taken)
		return LOOKUP_NOTFOUND;
	lookup_item_extended(req, owner, res->extension);
	return LOOKUP_FOUND;
}

/* An enabled alias or list: its targets that take mail (cleanup expands
 * nested lists); NOTFOUND when none does. */
static enum lookup_status lookup_alias_list(struct lookup_req *req,
					    const struct lookup_resolved *res)
{
	struct lookup_str target;
	struct lookup_iter it;
	enum lookup_reach reach;
	size_t before = req->out.len;
	bool taken;

	req->why = LOOKUP_REACH_DISABLED;
	if (!lookup_enabled(req, &res->rec, F_ALIAS(enabled)))
		return LOOKUP_NOTFOUND;
	lookup_iter_init(&it, &res->rec, F_ALIAS(targets));
	while (lookup_iter_next(&it, &target)) {
		if (lookup_judge(req, target, &taken, &reach) != LOOKUP_FOUND)
			return LOOKUP_TEMPFAIL;
		if (taken)
			lookup_item(&req->out, target);
	}
	req->why = LOOKUP_REACH_NOTHING;
	return req->out.len != before ? LOOKUP_FOUND : LOOKUP_NOTFOUND;
}

bool lookup_enabled(const struct lookup_req *req, const struct lookup_rec *rec,
		    const struct field_desc *field)
{
	return req->structure || lookup_rec_bool(rec, field);
}

static lookup_answer_fn *const lookup_alias_answers[REC_TYPE_COUNT] = {
    [REC_MAILBOX] = lookup_alias_mailbox,
    [REC_EXTRA] = lookup_alias_extra,
    [REC_ALIAS] = lookup_alias_list,
};

enum lookup_status lookup_alias_dispatch(struct lookup_req *req,
					 const struct lookup_resolved *res)
{
	return lookup_alias_answers[res->rec.type](req, res);
}

enum lookup_status lookup_aliases(struct lookup_req *req, const char *key,
				  size_t key_len)
{
	struct lookup_resolved res;
	enum lookup_status st =
	    lookup_resolve(req, key, key_len, LOOKUP_FOLLOW_ALIAS, &res);

	/* Step 4: only when no address record exists at all, so a catch-all
	 * never swallows a mailbox, even a disabled one. */
	if (st == LOOKUP_NOTFOUND && res.domain_ok)
		return lookup_catchall(req, &res);
	if (st != LOOKUP_FOUND)
		return st;
	return lookup_visit(req, &res);
}

/* ---- senders --------------------------------------------------------- */

static enum lookup_status
lookup_sender_mailbox(struct lookup_req *req, const struct lookup_resolved *res)
{
	lookup_item(&req->out, lookup_cstr(res->address));
	return LOOKUP_FOUND;
}

static enum lookup_status lookup_sender_extra(struct lookup_req *req,
					      const struct lookup_resolved *res)
{
	lookup_item(&req->out, lookup_rec_str(&res->rec, F_EXTRA(mailbox)));
	return LOOKUP_FOUND;
}

/* The login a list target stands for: a mailbox, or an extra address's
 * mailbox; appended to the answer once. */
static enum lookup_status lookup_sender_target(struct lookup_req *req,
					       struct lookup_str target)
{
	struct lookup_rec rec;
	enum lookup_status st = lookup_get(req, STORE_ADDRESSES, target, &rec);

	if (st != LOOKUP_FOUND)
		return st;
	if (rec.type == REC_MAILBOX)
		lookup_item_unique(&req->out, target);
	else if (rec.type == REC_EXTRA)
		lookup_item_unique(&req->out,
				   lookup_rec_str(&rec, F_EXTRA(mailbox)));
	return LOOKUP_FOUND;
}

static enum lookup_status lookup_sender_list(struct lookup_req *req,
					     const struct lookup_resolved *res)
{
	struct lookup_str target;
	struct lookup_iter it;

	lookup_iter_init(&it, &res->rec, F_ALIAS(targets));
	while (lookup_iter_next(&it, &target)) {
		if (lookup_sender_target(req, target) == LOOKUP_TEMPFAIL)
			return LOOKUP_TEMPFAIL;
	}
	return LOOKUP_FOUND; /* an empty answer becomes NOTFOUND */
}

static lookup_answer_fn *const lookup_sender_answers[REC_TYPE_COUNT] = {
    [REC_MAILBOX] = lookup_sender_mailbox,
    [REC_EXTRA] = lookup_sender_extra,
    [REC_ALIAS] = lookup_sender_list,
};

enum lookup_status lookup_senders(struct lookup_req *req, const char *key,
				  size_t key_len)
{
	/* Ownership, whatever the active flags: a suspended domain's addresses
	 * stay owned, or unauthenticated clients could use them. */
	return lookup_dispatch(req, key, key_len,
			       LOOKUP_FOLLOW_ALIAS | LOOKUP_ANY_STATE,
			       lookup_sender_answers);
}
