/*
 * lookup_resolve: domains, mailboxes and the resolution of an address key
 * (design.md "Lookups", steps 1-3); see lookup_internal.h.
 */
#include "lookup_internal.h"

#include <string.h>

#include "names.h"

static bool lookup_domain_active(const struct lookup_rec *rec, bool any_state)
{
	return rec->type == REC_DOMAIN &&
	       (any_state || lookup_rec_bool(rec, F_DOMAIN(active)));
}

/* lookup_domain(), or with any_state whatever the active flags. */
static enum lookup_status
lookup_domain_as(struct lookup_req *req, struct lookup_str name, bool any_state,
		 struct lookup_rec *primary_r, struct lookup_str *target_r)
{
	struct lookup_rec rec;
	enum lookup_status st = lookup_get(req, STORE_DOMAINS, name, &rec);

	*target_r = lookup_cstr("");
	if (st != LOOKUP_FOUND)
		return st;
	if (rec.type == REC_DOMAIN) {
		*primary_r = rec;
		return lookup_domain_active(&rec, any_state) ? LOOKUP_FOUND
							     : LOOKUP_NOTFOUND;
	}
	if (!any_state && !lookup_rec_bool(&rec, F_DOMALIAS(active)))
		return LOOKUP_NOTFOUND;
	*target_r = lookup_rec_str(&rec, F_DOMALIAS(target));
	st = lookup_get(req, STORE_DOMAINS, *target_r, primary_r);
	if (st == LOOKUP_FOUND && !lookup_domain_active(primary_r, any_state))
		return LOOKUP_NOTFOUND;
	return st;
}

/* Finds the active primary domain behind a domain name: FOUND with
 * *primary_r, and *target_r the primary's name when name is an active
 * alias domain (else empty). */
enum lookup_status lookup_domain(struct lookup_req *req, struct lookup_str name,
				 struct lookup_rec *primary_r,
				 struct lookup_str *target_r)
{
	return lookup_domain_as(req, name, false, primary_r, target_r);
}

struct lookup_str lookup_domain_of(struct lookup_str address)
{
	for (size_t i = address.len; i > 0; i--) {
		if (address.data[i - 1] == '@')
			return (struct lookup_str){address.data + i,
						   address.len - i};
	}
	return lookup_cstr("");
}

/* An enabled mailbox in an active primary domain: FOUND with the records of
 * both. */
enum lookup_status lookup_mailbox(struct lookup_req *req,
				  struct lookup_str address,
				  struct lookup_rec *mailbox_r,
				  struct lookup_rec *domain_r)
{
	struct lookup_str target;
	enum lookup_status st =
	    lookup_get(req, STORE_ADDRESSES, address, mailbox_r);

	if (st != LOOKUP_FOUND)
		return st;
	if (mailbox_r->type != REC_MAILBOX ||
	    !lookup_rec_bool(mailbox_r, F_MAILBOX(enabled)))
		return LOOKUP_NOTFOUND;
	st = lookup_domain(req, lookup_domain_of(address), domain_r, &target);
	return st == LOOKUP_FOUND && target.len != 0 ? LOOKUP_NOTFOUND : st;
}

/* ---- Address resolution (design.md "Lookups", steps 1-3) ------------ */

/* Steps 1 and 2 for one address: exact, then without the extension. */
static enum lookup_status lookup_try(struct lookup_req *req,
				     const char *address,
				     struct lookup_resolved *res)
{
	char stripped[NAMES_ADDRESS_MAX + 1];
	enum lookup_status st =
	    lookup_get(req, STORE_ADDRESSES, lookup_cstr(address), &res->rec);

	res->extension[0] = '\0';
	if (st == LOOKUP_NOTFOUND &&
	    names_strip_extension(address, req->ctx->delimiters, stripped)) {
		size_t full = strcspn(address, "@"),
		       kept = strcspn(stripped, "@");
		memcpy(res->extension, address + kept, full - kept);
		res->extension[full - kept] = '\0';
		address = stripped;
		st = lookup_get(req, STORE_ADDRESSES, lookup_cstr(address),
				&res->rec);
	}
	if (st == LOOKUP_FOUND)
		strcpy(res->address, address); /* both NAMES_ADDRESS_MAX + 1 */
	return st;
}

/* Resolves an address key to its record. NOTFOUND with res->domain_ok
 * when the key's domain is ours and active (the catch-all may apply), and
 * res->address the normalised key.
 * Without LOOKUP_FOLLOW_ALIAS an alias-domain key is NOTFOUND; with
 * LOOKUP_ANY_STATE inactive domains and alias domains are resolved too. */
enum lookup_status lookup_resolve(struct lookup_req *req, const char *key,
				  size_t key_len, unsigned flags,
				  struct lookup_resolved *res)
{
	char address[NAMES_ADDRESS_MAX + 1];
	struct lookup_str target;
	const char *error, *domain;
	size_t local_len;
	enum lookup_status st;

	res->domain_ok = false;
	res->key[0] = res->address[0] = '\0';
	/* Bare domains (virtual_alias_domains = $virtual_alias_maps), "*"
	 * and anything that is not an address are not found. */
	if (memchr(key, '@', key_len) == NULL ||
	    names_address_normalize(key, key_len, address, &error) < 0)
		return LOOKUP_NOTFOUND;
	strcpy(res->key, address);
	strcpy(res->address, address); /* the key, until a record is found */
	names_address_split(address, &local_len, &domain);
	st = lookup_domain_as(req, lookup_cstr(domain),
			      (flags & LOOKUP_ANY_STATE) != 0, &res->primary,
			      &target);
	if (st != LOOKUP_FOUND)
		return st;
	if (target.len != 0 && (flags & LOOKUP_FOLLOW_ALIAS) == 0)
		return LOOKUP_NOTFOUND;
	res->domain_ok = true;
	st = lookup_try(req, address, res);
	if (st != LOOKUP_NOTFOUND || target.len == 0)
		return st;
	/* Step 3: the same local part in the alias domain's target. */
	if (local_len + 1 + target.len > NAMES_ADDRESS_MAX)
		return LOOKUP_NOTFOUND;
	memcpy(address + local_len + 1, target.data, target.len);
	address[local_len + 1 + target.len] = '\0';
	return lookup_try(req, address, res);
}

/* Resolves an address key and answers with the handler for its type. */
enum lookup_status lookup_dispatch(struct lookup_req *req, const char *key,
				   size_t key_len, unsigned flags,
				   lookup_answer_fn *const *answers)
{
	struct lookup_resolved res;
	enum lookup_status st = lookup_resolve(req, key, key_len, flags, &res);

	if (st != LOOKUP_FOUND)
		return st;
	if (answers[res.rec.type] == NULL)
		return LOOKUP_NOTFOUND;
	return answers[res.rec.type](req, &res);
}
