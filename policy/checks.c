/* checks: the policy decisions, in the design's order; see checks.h. */
#include "checks.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <inttypes.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "names.h"

enum { CHECK_NONE = 0, CHECK_DECIDED = 1, CHECK_TEMPFAIL = -1 };

/* The recipient is resolved once per request, on first use, and its
 * mailbox decoded once: three checks look at it. */
struct check_recipient {
	bool resolved;
	enum lookup_status status;
	struct lookup_target target;
	int mailbox_ret; /* check_mailbox_of(); 2 = not yet decoded */
	struct rec_mailbox *mailbox;
};

struct check_ctx {
	const struct policy_env *env;
	const struct policy_request *req;
	struct policy_verdict *verdict;
	struct arena *arena;
	const char *name; /* the running check */
	struct check_recipient rcpt;
};

static int check_decide(struct check_ctx *c, enum policy_verdict_kind kind,
			const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int check_decide(struct check_ctx *c, enum policy_verdict_kind kind,
			const char *fmt, ...)
{
	va_list ap;
	char text[512];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	c->verdict->kind = kind;
	c->verdict->text = arena_strdup(c->arena, text);
	c->verdict->check = c->name;
	return CHECK_DECIDED;
}

/* Decodes a stored record; NULL when it is corrupt. */
static void *check_decode(struct check_ctx *c, enum record_type type,
			  const char *key, struct store_val value)
{
	const struct record_desc *desc = record_desc_get(type);
	void *rec = arena_alloc(c->arena, desc->size);
	const char *error;

	if (record_decode(desc, key, strlen(key), value.data, value.len,
			  c->arena, rec, &error) < 0)
		return NULL;
	return rec;
}

/* Point read of a record of the given type: 1 found, 0 not, -1 failure. */
static int check_load(struct check_ctx *c, enum store_table table,
		      enum record_type type, const char *key, void **rec_r)
{
	struct store_val value;
	enum record_type found;
	int ret =
	    store_get(c->env->lookup->txn, table, key, strlen(key), &value);

	if (ret == STORE_NOTFOUND)
		return 0;
	if (ret != STORE_OK ||
	    record_peek_type(value.data, value.len, &found) < 0)
		return -1;
	if (found != type)
		return 0;
	*rec_r = check_decode(c, type, key, value);
	return *rec_r != NULL ? 1 : -1;
}

static int check_offer(struct check_ctx *c, const struct rec_mailbox *mailbox,
		       const struct rec_offer **offer_r)
{
	const void *offer;
	const char *reason;

	if (account_read_shared(c->env->lookup->txn, c->arena, STORE_OFFERS,
				REC_OFFER, mailbox->offer, &offer,
				&reason) != LOOKUP_FOUND)
		return -1; /* a mailbox always has its offer */
	*offer_r = offer;
	return 0;
}

/* A normalised copy of an address attribute, or "" if it is none. */
static const char *check_address(struct check_ctx *c, struct policy_str s)
{
	char out[NAMES_ADDRESS_MAX + 1];
	const char *error;

	if (s.len == 0 ||
	    names_address_normalize(s.data, s.len, out, &error) < 0)
		return "";
	return arena_strdup(c->arena, out);
}

/* Where an address leads, with the mailbox behind an extra address:
 * FOUND with *target; TEMPFAIL; NOTFOUND. */
static enum lookup_status check_resolve(struct check_ctx *c,
					struct policy_str s,
					struct lookup_target *target)
{
	return lookup_address(c->env->lookup, s.data, s.len, target);
}

/* The mailbox an address is or belongs to: 1 with *mailbox_r, 0 when the
 * address is no mailbox of ours, -1 on failure. */
static int check_mailbox_of(struct check_ctx *c,
			    const struct lookup_target *target,
			    struct rec_mailbox **mailbox_r)
{
	if (target->type == REC_MAILBOX) {
		*mailbox_r = check_decode(c, REC_MAILBOX, target->address,
					  target->record);
		return *mailbox_r != NULL ? 1 : -1;
	}
	if (target->type != REC_EXTRA)
		return 0;
	struct rec_extra *extra =
	    check_decode(c, REC_EXTRA, target->address, target->record);
	if (extra == NULL)
		return -1;
	return check_load(c, STORE_ADDRESSES, REC_MAILBOX, extra->mailbox,
			  (void **)mailbox_r);
}

/* Where the recipient leads (check_resolve, once per request). */
static enum lookup_status check_recipient(struct check_ctx *c,
					  const struct lookup_target **target_r)
{
	struct check_recipient *r = &c->rcpt;

	if (!r->resolved) {
		r->status = check_resolve(c, c->req->attrs[POLICY_RECIPIENT],
					  &r->target);
		r->mailbox_ret = 2;
		r->resolved = true;
	}
	*target_r = &r->target;
	return r->status;
}

/* The recipient's mailbox (check_mailbox_of, once per request); only
 * after check_recipient() said FOUND. */
static int check_recipient_mailbox(struct check_ctx *c,
				   struct rec_mailbox **mailbox_r)
{
	struct check_recipient *r = &c->rcpt;

	if (r->mailbox_ret == 2)
		r->mailbox_ret = check_mailbox_of(c, &r->target, &r->mailbox);
	*mailbox_r = r->mailbox;
	return r->mailbox_ret;
}

/* ---- 1. authenticated clients -------------------------------------- */

static int check_size(struct check_ctx *c, const struct rec_offer *offer)
{
	const struct policy_request *req = c->req;

	if (offer->max_message_size == RECORD_UNLIMITED || !req->size_valid ||
	    req->size <= offer->max_message_size)
		return CHECK_NONE;
	return check_decide(c, POLICY_REJECT,
			    "5.3.4 Message size %" PRIu64
			    " exceeds the limit of your plan (%" PRIu64
			    " bytes)",
			    req->size, offer->max_message_size);
}

/* At RCPT: SMTP out allowed, and foreign recipients if the plan says so. */
static int check_plan_rcpt(struct check_ctx *c, const struct rec_offer *offer)
{
	const struct lookup_target *target;
	enum lookup_status st;

	if (!offer->smtp_out)
		return check_decide(c, POLICY_REJECT,
				    "5.7.1 Your plan does not allow sending "
				    "mail through this server");
	if (!offer->other_domains && c->req->attrs[POLICY_RECIPIENT].len != 0) {
		st = check_recipient(c, &target);
		if (st == LOOKUP_TEMPFAIL)
			return CHECK_TEMPFAIL;
		if (!target->domain_ours)
			return check_decide(c, POLICY_REJECT,
					    "5.7.1 Your plan only allows "
					    "sending to domains hosted here");
	}
	return CHECK_NONE;
}

static int check_authenticated(struct check_ctx *c)
{
	const char *login =
	    check_address(c, c->req->attrs[POLICY_SASL_USERNAME]);
	struct rec_mailbox *mailbox;
	const struct rec_offer *offer;
	int ret;

	if (!c->req->authenticated)
		return CHECK_NONE;
	ret = login[0] != '\0' ? check_load(c, STORE_ADDRESSES, REC_MAILBOX,
					    login, (void **)&mailbox)
			       : 0;
	if (ret < 0)
		return CHECK_TEMPFAIL;
	if (ret == 0)
		return check_decide(
		    c, POLICY_REJECT, "5.7.1 Account %s is unknown",
		    login[0] != '\0' ? login : "(invalid login)");
	if (!mailbox->enabled || !mailbox->login)
		return check_decide(c, POLICY_REJECT,
				    "5.7.1 Account %s is disabled", login);
	if (check_offer(c, mailbox, &offer) < 0)
		return CHECK_TEMPFAIL;
	if (c->req->state == POLICY_STATE_RCPT &&
	    (ret = check_plan_rcpt(c, offer)) != CHECK_NONE)
		return ret;
	return check_size(c, offer);
}

/* ---- 2. senders of ours whose plan forces SASL ----------------------- */

static int check_sasl_forced(struct check_ctx *c)
{
	struct lookup_target target;
	struct rec_mailbox *mailbox;
	const struct rec_offer *offer;
	enum lookup_status st;
	int ret;

	if (c->req->authenticated || c->req->attrs[POLICY_SENDER].len == 0)
		return CHECK_NONE;
	st = check_resolve(c, c->req->attrs[POLICY_SENDER], &target);
	if (st == LOOKUP_TEMPFAIL)
		return CHECK_TEMPFAIL;
	if (st != LOOKUP_FOUND)
		return CHECK_NONE;
	ret = check_mailbox_of(c, &target, &mailbox);
	if (ret <= 0)
		return ret < 0 ? CHECK_TEMPFAIL : CHECK_NONE;
	if (check_offer(c, mailbox, &offer) < 0)
		return CHECK_TEMPFAIL;
	if (!offer->sasl_forced)
		return CHECK_NONE;
	return check_decide(c, POLICY_REJECT,
			    "5.7.1 Authentication required to send as %s",
			    check_address(c, c->req->attrs[POLICY_SENDER]));
}

/* ---- 3. disabled mailboxes ------------------------------------------- */

static int check_recipient_disabled(struct check_ctx *c)
{
	const struct lookup_target *target;
	struct rec_mailbox *mailbox;
	enum lookup_status st;
	int ret;

	if (c->req->attrs[POLICY_RECIPIENT].len == 0)
		return CHECK_NONE;
	st = check_recipient(c, &target);
	if (st != LOOKUP_FOUND)
		return st == LOOKUP_TEMPFAIL ? CHECK_TEMPFAIL : CHECK_NONE;
	ret = check_recipient_mailbox(c, &mailbox);
	if (ret <= 0)
		return ret < 0 ? CHECK_TEMPFAIL : CHECK_NONE;
	if (mailbox->enabled)
		return CHECK_NONE;
	return check_decide(c, POLICY_REJECT, "5.2.1 Mailbox %s is disabled",
			    mailbox->address);
}

/* ---- 4. send rights of lists ----------------------------------------- */

static bool check_rule_matches(const char *rule, const char *identity,
			       const struct rec_alias *list)
{
	const char *type = strchr(rule, ':') + 1;
	const char *domain = strrchr(identity, '@');

	if (identity[0] == '\0')
		return false; /* nobody to judge: only the default applies */
	if (strncmp(type, "account:", 8) == 0)
		return strcmp(type + 8, identity) == 0;
	if (strncmp(type, "domain:", 7) == 0)
		return domain != NULL && strcmp(type + 7, domain + 1) == 0;
	for (size_t i = 0; i < list->targets.count; i++) { /* members */
		if (strcmp(list->targets.items[i], identity) == 0)
			return true;
	}
	return false;
}

/* First matching rule wins; none: deny if any rule allows, else allow. */
static bool check_rules_allow(const struct rec_alias *list,
			      const char *identity)
{
	bool any_allow = false;

	for (size_t i = 0; i < list->send_rules.count; i++) {
		const char *rule = list->send_rules.items[i];
		bool allow = strncmp(rule, "allow:", 6) == 0;
		if (check_rule_matches(rule, identity, list))
			return allow;
		any_allow = any_allow || allow;
	}
	return !any_allow;
}

static int check_send_rights(struct check_ctx *c)
{
	const struct lookup_target *target;
	struct rec_alias *list;
	const char *identity;
	enum lookup_status st;

	if (c->req->attrs[POLICY_RECIPIENT].len == 0)
		return CHECK_NONE;
	st = check_recipient(c, &target);
	if (st != LOOKUP_FOUND || target->type != REC_ALIAS)
		return st == LOOKUP_TEMPFAIL ? CHECK_TEMPFAIL : CHECK_NONE;
	list = check_decode(c, REC_ALIAS, target->address, target->record);
	if (list == NULL)
		return CHECK_TEMPFAIL;
	if (!list->enabled || list->send_rules.count == 0)
		return CHECK_NONE;
	identity = check_address(c, list->send_check == SEND_CHECK_LOGIN
					? c->req->attrs[POLICY_SASL_USERNAME]
					: c->req->attrs[POLICY_SENDER]);
	if (check_rules_allow(list, identity))
		return CHECK_NONE;
	return check_decide(
	    c, POLICY_REJECT, "5.7.1 %s may not send to the list %s",
	    identity[0] != '\0'			   ? identity
	    : list->send_check == SEND_CHECK_LOGIN ? "An unauthenticated client"
						   : "The null sender",
	    list->address);
}

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

static bool check_whitelisted_recipient(struct check_ctx *c)
{
	const struct config_policy *settings = c->env->settings;
	const char *recipient, *domain;

	if (settings->whitelist_recipient_count == 0)
		return false; /* spares normalising the address */
	recipient = check_address(c, c->req->attrs[POLICY_RECIPIENT]);
	domain = strrchr(recipient, '@');
	for (size_t i = 0; i < settings->whitelist_recipient_count; i++) {
		const char *entry = settings->whitelist_recipients[i];
		if (strcmp(entry, recipient) == 0 ||
		    (domain != NULL && strcmp(entry, domain + 1) == 0))
			return true;
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

static int check_greylisting(struct check_ctx *c)
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
	ret = st == LOOKUP_FOUND ? check_antispam(c, target) : 1;
	if (ret <= 0)
		return ret < 0 ? CHECK_TEMPFAIL : CHECK_NONE;
	if (check_whitelisted_client(settings, req) ||
	    check_whitelisted_name(settings, req->attrs[POLICY_CLIENT_NAME]) ||
	    check_whitelisted_recipient(c))
		return CHECK_NONE;
	if (c->env->greylist(c->env->greylist_context, req, c->verdict) < 0)
		return CHECK_TEMPFAIL;
	c->verdict->check = c->name;
	return c->verdict->kind == POLICY_DUNNO ? CHECK_NONE : CHECK_DECIDED;
}

/* ---- the pipeline --------------------------------------------------- */

#define AT_RCPT (1u << POLICY_STATE_RCPT)
#define AT_EOM	(1u << POLICY_STATE_END_OF_MESSAGE)

static const struct check {
	const char *name;
	int (*run)(struct check_ctx *c);
	unsigned states;       /* protocol states it runs in */
	size_t failure_offset; /* its failure policy in config_policy */
} policy_checks[] = {
    {"account", check_authenticated, AT_RCPT | AT_EOM,
     offsetof(struct config_policy, failure_accounts)},
    {"sasl_forced", check_sasl_forced, AT_RCPT,
     offsetof(struct config_policy, failure_accounts)},
    {"disabled_recipient", check_recipient_disabled, AT_RCPT,
     offsetof(struct config_policy, failure_accounts)},
    {"send_rights", check_send_rights, AT_RCPT,
     offsetof(struct config_policy, failure_send_rights)},
    {"greylisting", check_greylisting, AT_RCPT,
     offsetof(struct config_policy, failure_greylisting)},
};

/* The store could not answer: defer, or let the request go on. */
static bool check_failed(struct check_ctx *c, const struct check *check)
{
	int failure = *(const int *)((const char *)c->env->settings +
				     check->failure_offset);

	if (failure != CONFIG_FAIL_DEFER)
		return false;
	check_decide(c, POLICY_DEFER_IF_PERMIT,
		     "4.3.0 Temporary lookup failure, try again later");
	return true;
}

void policy_decide(const struct policy_env *env,
		   const struct policy_request *req,
		   struct policy_verdict *verdict)
{
	struct check_ctx c = {env, req, verdict, env->lookup->arena, NULL, {0}};

	verdict->kind = POLICY_DUNNO;
	verdict->text = "";
	verdict->check = NULL;
	for (size_t i = 0; i < sizeof(policy_checks) / sizeof(policy_checks[0]);
	     i++) {
		const struct check *check = &policy_checks[i];
		if ((check->states & (1u << req->state)) == 0)
			continue;
		c.name = check->name;
		int ret = check->run(&c);
		if (ret == CHECK_DECIDED ||
		    (ret == CHECK_TEMPFAIL && check_failed(&c, check)))
			return;
	}
	verdict->kind = POLICY_DUNNO;
}

const char *policy_action(const struct policy_verdict *verdict,
			  struct arena *arena)
{
	static const char *const words[] = {
	    [POLICY_DUNNO] = "DUNNO",
	    [POLICY_REJECT] = "REJECT",
	    [POLICY_DEFER_IF_PERMIT] = "DEFER_IF_PERMIT",
	    [POLICY_PREPEND] = "PREPEND",
	};

	if (verdict->kind == POLICY_DUNNO)
		return words[POLICY_DUNNO];
	return arena_printf(arena, "%s %s", words[verdict->kind],
			    verdict->text);
}
