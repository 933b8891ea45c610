/* checks: the policy decisions, in the design's order; see checks.h (the
 * checks themselves: checks_internal.h). */
#include "checks_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "account.h"

int check_decide(struct check_ctx *c, enum policy_verdict_kind kind,
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
void *check_decode(struct check_ctx *c, enum record_type type, const char *key,
		   struct store_val value)
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
int check_load(struct check_ctx *c, enum store_table table,
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

int check_offer(struct check_ctx *c, const struct rec_mailbox *mailbox,
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
const char *check_address(struct check_ctx *c, struct policy_str s)
{
	char out[NAMES_ADDRESS_MAX + 1];
	const char *error;

	if (s.len == 0 ||
	    names_address_normalize(s.data, s.len, out, &error) < 0)
		return "";
	return arena_strdup(c->arena, out);
}

/* Where an address leads (lookup_address() flags), with the mailbox
 * behind an extra address: FOUND with *target; TEMPFAIL; NOTFOUND. */
enum lookup_status check_resolve(struct check_ctx *c, struct policy_str s,
				 unsigned flags, struct lookup_target *target)
{
	return lookup_address(c->env->lookup, s.data, s.len, flags, target);
}

/* The mailbox an address is or belongs to: 1 with *mailbox_r, 0 when the
 * address is no mailbox of ours, -1 on failure. */
int check_mailbox_of(struct check_ctx *c, const struct lookup_target *target,
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
enum lookup_status check_recipient(struct check_ctx *c,
				   const struct lookup_target **target_r)
{
	struct check_recipient *r = &c->rcpt;

	if (!r->resolved) {
		r->status = check_resolve(c, c->req->attrs[POLICY_RECIPIENT],
					  LOOKUP_FOLLOW_ALIAS, &r->target);
		r->mailbox_ret = 2;
		r->resolved = true;
	}
	*target_r = &r->target;
	return r->status;
}

/* The recipient's mailbox (check_mailbox_of, once per request); only
 * after check_recipient() said FOUND. */
int check_recipient_mailbox(struct check_ctx *c, struct rec_mailbox **mailbox_r)
{
	struct check_recipient *r = &c->rcpt;

	if (r->mailbox_ret == 2)
		r->mailbox_ret = check_mailbox_of(c, &r->target, &r->mailbox);
	*mailbox_r = r->mailbox;
	return r->mailbox_ret;
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
