/* lookup_aliases: the maps aliases and senders. */
#include "lookup_internal.h"

#include <string.h>

/* ---- aliases --------------------------------------------------------- */

/* An address of ours with the key's extension put back ("user+tag@d"),
 * as Postfix's propagate_unmatched_extensions does for hash tables: the
 * tag reaches Dovecot (Sieve), and cleanup stops at the self-mapping. */
static void lookup_item_extended(struct lookup_req *req,
				 struct lookup_str address,
				 const char *extension)
{
	char buf[NAMES_ADDRESS_MAX + 1];
	const char *at = memchr(address.data, '@', address.len);
	size_t local = at != NULL ? (size_t)(at - address.data) : address.len;
	size_t ext = strlen(extension);

	if (ext == 0 || address.len + ext > NAMES_ADDRESS_MAX) {
		lookup_item(&req->out, address);
		return;
	}
	memcpy(buf, address.data, local);
	memcpy(buf + local, extension, ext);
	memcpy(buf + local + ext, address.data + local, address.len - local);
	lookup_item(&req->out, (struct lookup_str){buf, address.len + ext});
}

/* A mailbox: itself, plus its forwarding targets; itself only when a copy
 * is kept or nothing is forwarded. No auto-reply address yet. */
static enum lookup_status
lookup_alias_mailbox(struct lookup_req *req, const struct lookup_resolved *res)
{
	const struct field_desc *forward = F_MAILBOX(forward);
	struct lookup_str target;
	struct lookup_iter it;
	bool keep;

	if (!lookup_rec_bool(&res->rec, F_MAILBOX(enabled)))
		return LOOKUP_NOTFOUND;
	lookup_iter_init(&it, &res->rec, forward);
	keep = lookup_rec_bool(&res->rec, F_MAILBOX(forward_keep_copy)) ||
	       !lookup_iter_next(&it, &target);
	if (keep)
		lookup_item_extended(req, lookup_cstr(res->address),
				     res->extension);
	lookup_iter_init(&it, &res->rec, forward);
	while (lookup_iter_next(&it, &target))
		lookup_item(&req->out, target);
	return LOOKUP_FOUND;
}

/* An extra address: its mailbox, when that one receives mail. */
static enum lookup_status lookup_alias_extra(struct lookup_req *req,
					     const struct lookup_resolved *res)
{
	struct lookup_str owner = lookup_rec_str(&res->rec, F_EXTRA(mailbox));
	struct lookup_rec mailbox, domain;
	enum lookup_status st = lookup_mailbox(req, owner, &mailbox, &domain);

	if (st == LOOKUP_FOUND)
		lookup_item_extended(req, owner, res->extension);
	return st;
}

/* An enabled alias or list: its targets (cleanup expands nested lists). */
static enum lookup_status lookup_alias_list(struct lookup_req *req,
					    const struct lookup_resolved *res)
{
	struct lookup_str target;
	struct lookup_iter it;

	if (!lookup_rec_bool(&res->rec, F_ALIAS(enabled)))
		return LOOKUP_NOTFOUND;
	lookup_iter_init(&it, &res->rec, F_ALIAS(targets));
	while (lookup_iter_next(&it, &target))
		lookup_item(&req->out, target);
	return LOOKUP_FOUND;
}

static lookup_answer_fn *const lookup_alias_answers[REC_TYPE_COUNT] = {
    [REC_MAILBOX] = lookup_alias_mailbox,
    [REC_EXTRA] = lookup_alias_extra,
    [REC_ALIAS] = lookup_alias_list,
};

/* Would the aliases map deliver to the catch-all's target? One in our
 * domains must be an address this map answers (an enabled mailbox, list
 * or extra address of an enabled mailbox), and one in a domain of ours
 * that is inactive is not; anything else is elsewhere: FOUND. */
static enum lookup_status lookup_catchall_target(struct lookup_req *req,
						 struct lookup_str target)
{
	struct lookup_buf answer = req->out; /* only the verdict counts */
	struct lookup_resolved res;
	struct lookup_rec domain;
	struct lookup_str name;
	enum lookup_status st = lookup_resolve(req, target.data, target.len,
					       LOOKUP_FOLLOW_ALIAS, &res);

	if (st == LOOKUP_FOUND) {
		st = lookup_alias_answers[res.rec.type](req, &res);
		req->out = answer;
		return st;
	}
	name = lookup_domain_of(target);
	if (st != LOOKUP_NOTFOUND || res.domain_ok || name.len == 0)
		return st;
	/* Not found, and not in an active domain of ours: is the domain
	 * ours all the same (inactive)? Then nothing takes the mail. */
	st = lookup_get(req, STORE_DOMAINS, name, &domain);
	if (st == LOOKUP_TEMPFAIL)
		return st;
	return st == LOOKUP_FOUND ? LOOKUP_NOTFOUND : LOOKUP_FOUND;
}

/* The domain's catch-all, when its target would take the mail: else
 * NOTFOUND, and smtpd rejects the recipient at RCPT instead of accepting
 * mail that would bounce, or land in a disabled mailbox. */
static enum lookup_status lookup_catchall(struct lookup_req *req,
					  const struct lookup_rec *domain)
{
	struct lookup_str target = lookup_rec_str(domain, F_DOMAIN(catchall));
	enum lookup_status st;

	if (target.len == 0 ||
	    !lookup_rec_bool(domain, F_DOMAIN(catchall_enabled)))
		return LOOKUP_NOTFOUND;
	st = lookup_catchall_target(req, target);
	if (st != LOOKUP_FOUND)
		return st;
	lookup_item(&req->out, target);
	return LOOKUP_FOUND;
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
		return lookup_catchall(req, &res.primary);
	if (st != LOOKUP_FOUND)
		return st;
	return lookup_alias_answers[res.rec.type](req, &res);
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
