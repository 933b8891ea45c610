/*
 * dict_auth: lookups of the dicts "auth" and "userdb" (design.md
 * "Dovecot", protocols.md 3.6). Keys:
 *
 *   shared/passdb/<service>/<secured>/<anything>   passdb, "auth" only
 *   shared/userdb/<anything>                       userdb (dict_userdb.c)
 *
 * as the sample dovecot-dict-auth.conf.ext makes them (key = passdb/
 * %{service}/%{secured}/%u, userdb/%u). The user is the command's, never
 * the key's tail.
 *
 * passdb answer: {"password": "{SCHEME}hash", "user": "<address>"}, plus
 * "host" when the mailbox (else its domain) names a server and the login
 * is not refused. The "user"
 * member gives Dovecot the canonical name (User@Example.COM logs in as
 * user@example.com). NOTFOUND: unknown user, an address that is no
 * mailbox, a mailbox without a password, and any key on dict "userdb"
 * (hashes leave the daemon only through "auth"). A store failure is
 * FAILED, never NOTFOUND; so is a passdb key without its service and
 * secured parts, a misconfiguration Dovecot then logs.
 *
 * Refusals (passdb_rules[], in order; the first one applies):
 *   mailbox disabled, login not allowed, domain inactive: every service;
 *   imap without the offer's IMAP, pop3 without its POP;
 *   ssl=force and an empty <secured> (imap, pop3);
 *   ssl=forbid and <secured> "TLS" (imap, pop3).
 * For the services whose Dovecot login process honours it (imap, pop3,
 * submission, sieve) a refusal is the password plus "nologin": "y" and a
 * "reason" the user reads: only the right password learns it. Any other
 * service (smtp for Postfix's SASL, doveadm, ...) ignores nologin and
 * would let the user in, so there a refusal is NOTFOUND (docs/
 * dovecot-notes.md, "Postfix ignores nologin").
 *
 * %{secured} is "" (plaintext), "secured" (plaintext Dovecot trusts:
 * from its own address or login_trusted_networks) or "TLS". ssl=force
 * accepts both non-empty values, as Dovecot's own disable_plaintext_auth
 * does; ssl=forbid refuses "TLS" only, so a webmail on the same host
 * still logs in over plaintext.
 */
#include "dict_data.h"

#include <string.h>

/* One passdb request, once the mailbox is loaded. */
struct passdb_req {
	const struct account *account;
	struct dict_str service;
	struct dict_str secured;
};

struct passdb_rule {
	bool (*refuses)(const struct passdb_req *req);
	const char *reason; /* shown to the user by the IMAP/POP3 client */
};

/* Services whose login process acts on nologin (Dovecot's login-common:
 * imap-login, pop3-login, submission-login, managesieve-login). */
static const char *const passdb_login_services[] = {
    "imap", "pop3", "submission", "sieve", NULL,
};

static bool passdb_is_imap_or_pop3(const struct passdb_req *req)
{
	return dict_str_is(req->service, "imap") ||
	       dict_str_is(req->service, "pop3");
}

static bool refuse_disabled(const struct passdb_req *req)
{
	return !req->account->mailbox->enabled;
}

static bool refuse_login(const struct passdb_req *req)
{
	return !req->account->mailbox->login;
}

static bool refuse_domain(const struct passdb_req *req)
{
	return !req->account->domain->active;
}

static bool refuse_imap(const struct passdb_req *req)
{
	return dict_str_is(req->service, "imap") && !req->account->offer->imap;
}

static bool refuse_pop3(const struct passdb_req *req)
{
	return dict_str_is(req->service, "pop3") && !req->account->offer->pop;
}

static bool refuse_plaintext(const struct passdb_req *req)
{
	return passdb_is_imap_or_pop3(req) && req->secured.len == 0 &&
	       req->account->offer->ssl == SSL_FORCE;
}

static bool refuse_tls(const struct passdb_req *req)
{
	return passdb_is_imap_or_pop3(req) &&
	       dict_str_is(req->secured, "TLS") &&
	       req->account->offer->ssl == SSL_FORBID;
}

/* clang-format off */
static const struct passdb_rule passdb_rules[] = {
	{ refuse_disabled, "Your account is disabled" },
	{ refuse_login, "Logins are disabled for your account" },
	{ refuse_domain, "Your mail domain is disabled" },
	{ refuse_imap, "IMAP is not included in your plan" },
	{ refuse_pop3, "POP3 is not included in your plan" },
	{ refuse_plaintext,
	  "Your plan requires an encrypted connection (TLS)" },
	{ refuse_tls, "Your plan does not allow encrypted connections (TLS)" },
};
/* clang-format on */

/* The reason of the first rule that refuses the request, or NULL. */
static const char *passdb_refusal(const struct passdb_req *req)
{
	for (size_t i = 0; i < sizeof(passdb_rules) / sizeof(passdb_rules[0]);
	     i++) {
		if (passdb_rules[i].refuses(req))
			return passdb_rules[i].reason;
	}
	return NULL;
}

static bool passdb_honours_nologin(struct dict_str service)
{
	for (size_t i = 0; passdb_login_services[i] != NULL; i++) {
		if (dict_str_is(service, passdb_login_services[i]))
			return true;
	}
	return false;
}

/* Splits "<service>/<secured>/<anything>"; false without both slashes. */
static bool passdb_parse_key(struct dict_str rest, struct passdb_req *req)
{
	const char *slash = memchr(rest.data, '/', rest.len), *second;

	if (slash == NULL)
		return false;
	req->service =
	    (struct dict_str){rest.data, (size_t)(slash - rest.data)};
	second = memchr(slash + 1, '/', rest.len - req->service.len - 1);
	if (second == NULL)
		return false;
	req->secured =
	    (struct dict_str){slash + 1, (size_t)(second - slash - 1)};
	return true;
}

static void passdb_answer(const struct dict_ctx *ctx,
			  const struct passdb_req *req, const char *refusal,
			  struct dict_reply *reply)
{
	const struct account *account = req->account;
	struct dict_json json;

	dict_json_begin(&json, ctx->arena);
	dict_json_string(&json, "password", account->mailbox->password);
	dict_json_string(&json, "user", account->mailbox->address);
	if (refusal != NULL) {
		dict_json_string(&json, "nologin", "y");
		dict_json_string(&json, "reason", refusal);
	}
	/* Not with a refusal: Dovecot reads nologin + host as a referral
	 * ("NO [REFERRAL imap://...]") and the user would not see why. */
	if (refusal == NULL && account->server != NULL &&
	    account->server->host[0] != '\0')
		dict_json_string(&json, "host", account->server->host);
	dict_json_end(&json, reply);
}

static void passdb_lookup(const struct dict_ctx *ctx, struct dict_str rest,
			  const char *address, struct dict_reply *reply)
{
	struct passdb_req req;
	struct account account;
	const char *refusal;

	if (!passdb_parse_key(rest, &req)) {
		dict_reply_failed(reply, "passdb key must be "
					 "passdb/%{service}/%{secured}/%u");
		return;
	}
	if (!dict_account_load(ctx, address, &account, reply))
		return;
	req.account = &account;
	if (account.mailbox->password[0] == '\0') {
		dict_reply_notfound(reply);
		return;
	}
	refusal = passdb_refusal(&req);
	if (refusal != NULL && !passdb_honours_nologin(req.service))
		dict_reply_notfound(reply);
	else
		passdb_answer(ctx, &req, refusal, reply);
}

void dict_auth_lookup(const struct dict_ctx *ctx, enum dict_name dict,
		      struct dict_str key, const char *address,
		      struct dict_reply *reply)
{
	struct dict_str rest;

	if (dict == DICT_NAME_AUTH &&
	    dict_key_prefix(key.data, key.len, DICT_PASSDB_PREFIX, &rest))
		passdb_lookup(ctx, rest, address, reply);
	else if (dict_key_prefix(key.data, key.len, DICT_USERDB_PREFIX, &rest))
		dict_userdb_lookup(ctx, address, reply);
	else
		dict_reply_notfound(reply);
}
