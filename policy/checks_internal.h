/*
 * checks_internal: what the policy checks share; not for use outside
 * checks*.c. The contracts are in checks.h.
 *
 *   checks.c           the pipeline, and what the checks share: the
 *                      verdict, record reads, the recipient resolved once
 *   checks_account.c   1. authenticated clients, 2. forced SASL,
 *                      3. disabled mailboxes
 *   checks_lists.c     4. send rights of distribution lists
 *   checks_greylist.c  5. greylisting (whitelists, antispam)
 */
#ifndef MAILMAP_CHECKS_INTERNAL_H
#define MAILMAP_CHECKS_INTERNAL_H

#include <stdbool.h>

#include "checks.h"
#include "lookup.h"
#include "records.h"

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

/* Sets the verdict (kind, text from fmt, the running check): CHECK_DECIDED. */
int check_decide(struct check_ctx *c, enum policy_verdict_kind kind,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A record decoded into the request's arena, or NULL when corrupt. */
void *check_decode(struct check_ctx *c, enum record_type type, const char *key,
		   struct store_val value);
/* Point read of a record of the given type: 1 found, 0 not, -1 failure. */
int check_load(struct check_ctx *c, enum store_table table,
	       enum record_type type, const char *key, void **rec_r);
/* The mailbox's offer (from the record cache): 0, or -1. */
int check_offer(struct check_ctx *c, const struct rec_mailbox *mailbox,
		const struct rec_offer **offer_r);
/* A normalised copy of an address attribute, or "" if it is none. */
const char *check_address(struct check_ctx *c, struct policy_str s);
/* Where an address leads (lookup_address()). */
enum lookup_status check_resolve(struct check_ctx *c, struct policy_str s,
				 unsigned flags, struct lookup_target *target);
/* The mailbox behind a target (itself, or an extra address's): 1, 0 when
 * there is none, -1 on failure. */
int check_mailbox_of(struct check_ctx *c, const struct lookup_target *target,
		     struct rec_mailbox **mailbox_r);
/* Where the recipient leads, resolved once per request. */
enum lookup_status check_recipient(struct check_ctx *c,
				   const struct lookup_target **target_r);
/* The recipient's mailbox, decoded once per request; only after
 * check_recipient() said FOUND. */
int check_recipient_mailbox(struct check_ctx *c,
			    struct rec_mailbox **mailbox_r);

/* The checks, in the design's order: CHECK_NONE, CHECK_DECIDED or
 * CHECK_TEMPFAIL. */
int check_authenticated(struct check_ctx *c);
int check_sasl_forced(struct check_ctx *c);
int check_recipient_disabled(struct check_ctx *c);
int check_send_rights(struct check_ctx *c);
int check_greylisting(struct check_ctx *c);

#endif
