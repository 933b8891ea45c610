/*
 * delivery: the delivery rule on the write side (docs/delivery.md).
 *
 * When a transaction commits, no list, forward or catch-all it touched may
 * name an address of ours (in a domain or alias domain of ours, active or
 * not) that does not exist, nor lead back into a loop: Postfix would
 * accept mail for it and bounce it, or expand it in circles and defer it.
 * Checking at commit (not per command) lets one batch add a list and then
 * its members, or a domain with its catch-all and then the catch-all's
 * mailbox, in any order. A domain that becomes ours (added, or an alias
 * domain added or pointed elsewhere) is checked against every target
 * already written in it.
 *
 * An address that goes (a mailbox, extra address or alias deleted, or an
 * alias domain) leaves the lists and forwards naming it, in every
 * spelling (+extension, alias domains), and says so; the change is
 * refused when a list it leaves has no target at commit, or a catch-all
 * still names it.
 *
 * A change after which a list, a mailbox's forwards or a catch-all take
 * no mail now (a member disabled, a domain suspended) is allowed, since
 * disabling must stay possible, and says so on stderr: the lookups then
 * leave such targets out (maps/lookup_reach.c), so nothing bounces.
 */
#ifndef MAILMAP_DELIVERY_H
#define MAILMAP_DELIVERY_H

#include "kinds.h"
#include "op.h"
#include "refs.h"

/* What a transaction touched, for the checks at commit. Items are
 * "<ref kind><name>": "Lteam@x", "Mjane@x", "Dexample.com". */
struct delivery_log {
	struct strvec holders; /* lists, forwarding mailboxes, catch-alls */
	struct strvec lost;    /* took mail, may take none now */
	struct strvec domains; /* became ours */
	/* Why a list lost its last target, a catch-all its address: pairs
	 * of "Lteam@x" / "Dexample.com" and the address that went. */
	struct strvec gone_from;
	struct strvec gone;
};

/* The targets of a list (REF_ALIAS), the forwards of a mailbox
 * (REF_MAILBOX) or the catch-all of a domain (REF_DOMAIN) were written. */
void delivery_touch(struct op *op, enum ref_kind kind, const char *name);
/* An address (REF_MAILBOX, REF_EXTRA, REF_ALIAS) or every address of a
 * domain (REF_DOMAIN, REF_ALIAS_DOMAIN) may take no mail any more. */
void delivery_lost(struct op *op, enum ref_kind kind, const char *name);
/* A domain or alias domain became ours, or now leads elsewhere. */
void delivery_domain_new(struct op *op, const char *name);

/* Takes an address that goes out of every list and forward naming it, in
 * any spelling (a list left with no target is refused at commit, unless
 * it goes too). 0, or -1 (op failed). */
int delivery_leave(struct op *op, const char *address);
/* The same for every address of an alias domain that goes. */
int delivery_leave_domain(struct op *op, const char *name);

/* The checks at commit, and the warnings: 0, or -1 with the op failed. */
int delivery_check(struct op *op);

/* `show`: emits name with the targets that take no mail now, and why
 * ("b@x (disabled), c@y (inactive domain)", or "none"). */
void delivery_show(struct op *op, const char *name,
		   const struct strlist *targets, kind_emit_fn *emit,
		   void *ctx);

/* Indexes the targets of forwards and catch-alls of a store written
 * before they were (once; meta "target_refs"). 0 or -1. */
int delivery_index_targets(struct op *op);

#endif
