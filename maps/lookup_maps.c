/* lookup_maps: the maps domains, alias_domains, mailboxes and transport. */
#include "lookup_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "names.h"

/* ---- domains, alias_domains ----------------------------------------- */

/* Looks a domain key up: FOUND with the domain normalised into name. */
static enum lookup_status lookup_domain_key(struct lookup_req *req,
					    const char *key, size_t key_len,
					    char *name,
					    struct lookup_str *target_r)
{
	struct lookup_rec primary;
	const char *error;

	*target_r = lookup_cstr("");
	if (names_domain_normalize(key, key_len, name, &error) < 0)
		return LOOKUP_NOTFOUND;
	return lookup_domain(req, lookup_cstr(name), &primary, target_r);
}

/* domains answers a primary domain with its name, alias_domains an alias
 * domain with its target; each is NOTFOUND for the other kind. */
static enum lookup_status lookup_domain_answer(struct lookup_req *req,
					       const char *key, size_t key_len,
					       bool alias)
{
	char name[NAMES_DOMAIN_MAX + 1];
	struct lookup_str target;
	enum lookup_status st =
	    lookup_domain_key(req, key, key_len, name, &target);

	if (st != LOOKUP_FOUND || (target.len != 0) != alias)
		return st == LOOKUP_TEMPFAIL ? st : LOOKUP_NOTFOUND;
	lookup_put_str(&req->out, alias ? target : lookup_cstr(name));
	return LOOKUP_FOUND;
}

enum lookup_status lookup_domains(struct lookup_req *req, const char *key,
				  size_t key_len)
{
	return lookup_domain_answer(req, key, key_len, false);
}

enum lookup_status lookup_alias_domains(struct lookup_req *req, const char *key,
					size_t key_len)
{
	return lookup_domain_answer(req, key, key_len, true);
}

/* ---- mailboxes ------------------------------------------------------- */

static enum lookup_status lookup_maildir(struct lookup_req *req,
					 const struct lookup_resolved *res)
{
	struct lookup_str maildir =
	    lookup_rec_str(&res->rec, F_MAILBOX(maildir));
	char path[NAMES_MAILDIR_MAX];

	if (!lookup_rec_bool(&res->rec, F_MAILBOX(enabled)))
		return LOOKUP_NOTFOUND;
	if (maildir.len != 0) {
		lookup_put_str(&req->out, maildir);
		return LOOKUP_FOUND;
	}
	names_default_maildir(res->address, path);
	lookup_put_str(&req->out, lookup_cstr(path));
	return LOOKUP_FOUND;
}

static lookup_answer_fn *const lookup_mailbox_answers[REC_TYPE_COUNT] = {
    [REC_MAILBOX] = lookup_maildir,
};

enum lookup_status lookup_mailboxes(struct lookup_req *req, const char *key,
				    size_t key_len)
{
	return lookup_dispatch(req, key, key_len, 0, lookup_mailbox_answers);
}

/* ---- transport ------------------------------------------------------- */

/* "lmtp:inet:HOST:PORT", an IPv6 address in brackets. */
static void lookup_put_lmtp(struct lookup_buf *buf,
			    const struct lookup_rec *server)
{
	struct lookup_str host = lookup_rec_str(server, F_SERVER(host));
	uint64_t port = lookup_rec_uint(server, F_SERVER(lmtp_port));
	bool bracket =
	    memchr(host.data, ':', host.len) != NULL && host.data[0] != '[';
	char digits[24];

	if (port == 0)
		port = RECORD_DEFAULT_LMTP_PORT;
	snprintf(digits, sizeof(digits), ":%" PRIu64, port);
	lookup_put_str(buf, lookup_cstr("lmtp:inet:"));
	if (bracket)
		lookup_put(buf, "[", 1);
	lookup_put_str(buf, host);
	if (bracket)
		lookup_put(buf, "]", 1);
	lookup_put_str(buf, lookup_cstr(digits));
}

/* The server of a mailbox, else its domain's default server. */
static enum lookup_status lookup_route(struct lookup_req *req,
				       const struct lookup_rec *mailbox,
				       const struct lookup_rec *domain)
{
	struct lookup_str name = lookup_rec_str(mailbox, F_MAILBOX(server));
	struct lookup_rec server;
	enum lookup_status st;

	if (name.len == 0)
		name = lookup_rec_str(domain, F_DOMAIN(server));
	if (name.len == 0)
		return LOOKUP_NOTFOUND;
	st = lookup_get(req, STORE_SERVERS, name, &server);
	if (st == LOOKUP_NOTFOUND)
		return lookup_fail(req, "unknown mail server");
	if (st != LOOKUP_FOUND)
		return st;
	if (lookup_rec_str(&server, F_SERVER(host)).len == 0)
		return lookup_fail(req, "mail server has no host");
	lookup_put_lmtp(&req->out, &server);
	return LOOKUP_FOUND;
}

static enum lookup_status
lookup_transport_mailbox(struct lookup_req *req,
			 const struct lookup_resolved *res)
{
	if (!lookup_rec_bool(&res->rec, F_MAILBOX(enabled)))
		return LOOKUP_NOTFOUND;
	return lookup_route(req, &res->rec, &res->primary);
}

static enum lookup_status
lookup_transport_extra(struct lookup_req *req,
		       const struct lookup_resolved *res)
{
	struct lookup_str owner = lookup_rec_str(&res->rec, F_EXTRA(mailbox));
	struct lookup_rec mailbox, domain;
	enum lookup_status st = lookup_mailbox(req, owner, &mailbox, &domain);

	return st == LOOKUP_FOUND ? lookup_route(req, &mailbox, &domain) : st;
}

static lookup_answer_fn *const lookup_transport_answers[REC_TYPE_COUNT] = {
    [REC_MAILBOX] = lookup_transport_mailbox,
    [REC_EXTRA] = lookup_transport_extra,
};

enum lookup_status lookup_transport(struct lookup_req *req, const char *key,
				    size_t key_len)
{
	return lookup_dispatch(req, key, key_len, LOOKUP_FOLLOW_ALIAS,
			       lookup_transport_answers);
}
