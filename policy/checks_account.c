/* checks_account: authenticated clients, forced SASL and disabled
 * mailboxes (checks 1-3); see checks_internal.h. */
#include "checks_internal.h"

#include <inttypes.h>

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

int check_authenticated(struct check_ctx *c)
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

int check_sasl_forced(struct check_ctx *c)
{
	struct lookup_target target;
	struct rec_mailbox *mailbox;
	const struct rec_offer *offer;
	enum lookup_status st;
	int ret;

	if (c->req->authenticated || c->req->attrs[POLICY_SENDER].len == 0)
		return CHECK_NONE;
	/* Owned whatever the domain's state, as in the senders map: a
	 * suspended domain's addresses are not free to use. */
	st = check_resolve(c, c->req->attrs[POLICY_SENDER],
			   LOOKUP_FOLLOW_ALIAS | LOOKUP_ANY_STATE, &target);
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

int check_recipient_disabled(struct check_ctx *c)
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
