/*
 * checks: the policy decisions of design.md "Policy checks", in its order,
 * first decision wins, DUNNO when nothing decides:
 *   1. authenticated client: account unknown, disabled or without login;
 *      plan without SMTP out; plan limited to our domains and a foreign
 *      recipient; message above the plan's size limit (5.3.4);
 *   2. unauthenticated client using a sender of ours whose plan forces SASL;
 *   3. recipient is a disabled mailbox;
 *   4. recipient is a list with send rights that refuse this sender;
 *   5. greylisting (unauthenticated, antispam on, not whitelisted).
 * At RCPT every check runs; at END-OF-MESSAGE only the size limit (with the
 * real size); at other stages nothing decides. Each check has a failure
 * policy for when the store cannot answer (defer, or let it pass).
 *
 * Senders and recipients are resolved like the socketmap lookups
 * (lookup_address): list+tag@aliasdomain meets the list's rules.
 */
#ifndef MAILMAP_CHECKS_H
#define MAILMAP_CHECKS_H

#include <stdint.h>

#include "config.h"
#include "lookup.h"
#include "request.h"

enum policy_verdict_kind {
	POLICY_DUNNO,
	POLICY_REJECT,		/* "REJECT <text>" */
	POLICY_DEFER_IF_PERMIT, /* "DEFER_IF_PERMIT <text>" */
	POLICY_PREPEND,		/* "PREPEND <header>" (greylist pass) */
	POLICY_PENDING, /* greylisting waits for a shared store: decide the
			   request again once it answered (no reply yet) */
};

struct policy_verdict {
	enum policy_verdict_kind kind;
	const char *text;  /* enhanced status code and reason, or a header */
	const char *check; /* which check decided, for the log */
};

/* Greylisting proper, supplied by the caller (it owns the state store):
 * called only when greylisting applies to the request. Fills verdict with
 * DEFER_IF_PERMIT, PREPEND or DUNNO; -1 when the state cannot be read; 1
 * when the answer is on its way (a shared store): the verdict is then
 * POLICY_PENDING, and the caller decides the request again later. */
typedef int policy_greylist_fn(void *context, const struct policy_request *req,
			       struct policy_verdict *verdict);

struct policy_env {
	const struct lookup_ctx
	    *lookup; /* config snapshot, arena, delimiters */
	const struct config_policy *settings;
	policy_greylist_fn *greylist;
	void *greylist_context;
};

/* Decides one request. Never fails: store trouble becomes the failing
 * check's failure policy. */
void policy_decide(const struct policy_env *env,
		   const struct policy_request *req,
		   struct policy_verdict *verdict);
/* The action line for a verdict ("REJECT 5.7.1 ...", "DUNNO"). */
const char *policy_action(const struct policy_verdict *verdict,
			  struct arena *arena);

#endif
