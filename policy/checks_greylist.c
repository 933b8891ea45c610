/* checks_greylist: greylisting, its whitelists and the antispam switch
 * (check 5); see checks_internal.h. */
#include "checks_internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "account.h"

/* ---- 5. greylisting ---------------------------------------------------- */

static bool check_whitelisted_client(const struct config_policy *settings,
				     const struct policy_request *req)
{
	for (size_t i = 0; i < settings->whitelist_client_count; i++) {
		const struct config_network *net =
		    &settings->whitelist_clients[i];
		unsigned full = net->prefix / 8, rest = net->prefix % 8;
		if (net->family != req->client_family ||
		    memcmp(net->addr, req->client_addr, full) != 0)
			continue;
		if (rest == 0 || ((net->addr[full] ^ req->client_addr[full]) &
				  (0xff << (8 - rest))) == 0)
			return true;
	}
	return false;
}

static bool check_whitelisted_name(const struct config_policy *settings,
				   struct policy_str name)
{
	static _Thread_local pcre2_match_data *match;

	if (settings->whitelist_client_name_count == 0 || name.len == 0)
		return false;
	if (match == NULL)
		match = pcre2_match_data_create(1, NULL);
	for (size_t i = 0; i < settings->whitelist_client_name_count; i++) {
		if (pcre2_match(settings->whitelist_name_codes[i],
				(PCRE2_SPTR)name.data, name.len, 0, 0, match,
				NULL) >= 0)
			return true;
	}
	return false;
}

/* Is the recipient, as written or as the address it resolves to
 * (user+tag@, user@alias.org), or its domain, whitelisted? */
static bool check_whitelisted_recipient(struct check_ctx *c)
{
	const struct config_policy *settings = c->env->settings;
	const struct lookup_target *target;
	const char *names[2] = {"", ""};

	if (settings->whitelist_recipient_count == 0)
		return false; /* spares normalising the address */
	names[0] = check_address(c, c->req->attrs[POLICY_RECIPIENT]);
	if (check_recipient(c, &target) == LOOKUP_FOUND)
		names[1] = target->address;
	for (size_t n = 0; n < 2; n++) {
		const char *domain = strrchr(names[n], '@');
		for (size_t i = 0; i < settings->whitelist_recipient_count;
		     i++) {
			const char *entry = settings->whitelist_recipients[i];
			if (strcmp(entry, names[n]) == 0 ||
			    (domain != NULL && strcmp(entry, domain + 1) == 0))
				return true;
		}
	}
	return false;
}

/* The primary domain of a recipient that was found (its address is in
 * that domain), decoded once per snapshot by the worker's record cache.
 * NULL when it cannot be read. */
static const struct rec_domain *
check_target_domain(struct check_ctx *c, const struct lookup_target *target)
{
	const char *at = strrchr(target->address, '@');
	const void *domain;
	const char *reason;

	if (at == NULL || account_read_shared(c->env->lookup->txn, c->arena,
					      STORE_DOMAINS, REC_DOMAIN, at + 1,
					      &domain, &reason) != LOOKUP_FOUND)
		return NULL;
	return domain;
}

/* Antispam must be on for the recipient's domain and, for a mailbox, its
 * plan. 1 on, 0 off, -1 failure. For a recipient that was found. */
static int check_antispam(struct check_ctx *c,
			  const struct lookup_target *target)
{
	const struct rec_domain *domain = check_target_domain(c, target);
	struct rec_mailbox *mailbox;
	const struct rec_offer *offer;
	int ret;

	if (domain == NULL)
		return -1;
	if (!domain->antispam)
		return 0;
	ret = check_recipient_mailbox(c, &mailbox);
	if (ret <= 0) /* a list or alias: its domain decides */
		return ret < 0 ? -1 : 1;
	if (check_offer(c, mailbox, &offer) < 0)
		return -1;
	return offer->antispam ? 1 : 0;
}

/* Would smtpd accept the recipient (reject_unlisted_recipient)? The
 * aliases map answers it (a list that takes mail, the catch-all...), or
 * it is a mailbox (the mailboxes map; a disabled one was refused by
 * check 3). 1 yes, 0 no, -1 the store cannot say. */
static int check_recipient_listed(struct check_ctx *c, enum lookup_status st,
				  const struct lookup_target *target)
{
	struct policy_str rcpt = c->req->attrs[POLICY_RECIPIENT];
	struct lookup_answer answer;

	if (st == LOOKUP_FOUND && target->type == REC_MAILBOX)
		return 1;
	lookup_socketmap(c->env->lookup, "aliases", strlen("aliases"),
			 rcpt.data, rcpt.len, &answer);
	if (answer.status == LOOKUP_TEMPFAIL)
		return -1;
	return answer.status == LOOKUP_FOUND;
}

int check_greylisting(struct check_ctx *c)
{
	const struct config_policy *settings = c->env->settings;
	const struct policy_request *req = c->req;
	const struct lookup_target *target;
	enum lookup_status st;
	int ret;

	if (!settings->greylisting || req->authenticated ||
	    c->env->greylist == NULL || req->attrs[POLICY_RECIPIENT].len == 0)
		return CHECK_NONE;
	st = check_recipient(c, &target);
	if (st == LOOKUP_TEMPFAIL)
		return CHECK_TEMPFAIL;
	if (!target
		 ->domain_ours) /* not ours: reject_unauth_destination's job */
		return CHECK_NONE;
	/* No one there: never a 4xx inviting a retry (a dictionary attack,
	 * a typo bouncing days later); reject_unlisted_recipient answers
	 * 550 5.1.1 once the policy says DUNNO. */
	ret = check_recipient_listed(c, st, target);
	if (ret <= 0)
		return ret < 0 ? CHECK_TEMPFAIL : CHECK_NONE;
	ret = st == LOOKUP_FOUND ? check_antispam(c, target) : 1;
	if (ret <= 0)
		return ret < 0 ? CHECK_TEMPFAIL : CHECK_NONE;
	if (check_whitelisted_client(settings, req) ||
	    check_whitelisted_name(settings, req->attrs[POLICY_CLIENT_NAME]) ||
	    check_whitelisted_recipient(c))
		return CHECK_NONE;
	ret = c->env->greylist(c->env->greylist_context, req, c->verdict);
	if (ret < 0)
		return CHECK_TEMPFAIL;
	if (ret > 0) {
		c->verdict->kind = POLICY_PENDING;
		return CHECK_DECIDED;
	}
	c->verdict->check = c->name;
	return c->verdict->kind == POLICY_DUNNO ? CHECK_NONE : CHECK_DECIDED;
}
