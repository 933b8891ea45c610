/*
 * vacation: the auto-reply script of a mailbox (sieve_script.h) from one
 * read snapshot of the config store; what mailmapd's dict "sieve" serves
 * and `mailmapctl autoreply show --script` prints.
 *
 * A mailbox replies when it is enabled and its auto-reply is on (the
 * window is in the script: an expired one stops replies by itself);
 * every other mailbox gets a script that does nothing.
 * The script answers for every address that delivers to the mailbox
 * (design.md "Auto-reply"): its own, its extra addresses, every enabled
 * alias whose one target is one of those, and each of these in every
 * active alias domain of its domain. A list of several targets is not
 * "an address of the mailbox": mail to a list gets no reply (RFC 3834
 * 2, docs/decisions.md). It discards the message after the reply when
 * the mailbox forwards without a copy and a forward takes mail now (the
 * aliases map then hands it to Dovecot only for the reply, lookup.c).
 */
#ifndef MAILMAP_VACATION_H
#define MAILMAP_VACATION_H

#include "arena.h"
#include "lookup.h"
#include "sieve_script.h"
#include "store.h"

/* The script of the mailbox at address (normalised): FOUND with
 * *script_r (sieve_script_none()'s when the mailbox is disabled or its
 * auto-reply off: script_r->replies false); NOTFOUND when it is no
 * mailbox; TEMPFAIL with a static *reason_r. delimiters: the
 * recipient_delimiter set (whether a forward takes mail). */
enum lookup_status vacation_script(struct store_txn *txn, struct arena *arena,
				   const char *delimiters, const char *address,
				   struct sieve_script *script_r,
				   const char **reason_r);

/* The addresses the script of mailbox answers for besides its own, in
 * the order above, at most SIEVE_ADDRESSES_MAX: FOUND with *items_r and
 * *count_r, or TEMPFAIL. */
enum lookup_status vacation_addresses(struct store_txn *txn,
				      struct arena *arena,
				      const struct rec_mailbox *mailbox,
				      const char ***items_r, size_t *count_r,
				      const char **reason_r);

/* Does the script discard the message after the reply: the mailbox
 * forwards without a copy, and one of its forwards takes mail now (the
 * aliases map then sends the message to Dovecot only for the reply)?
 * FOUND with *discard_r, or TEMPFAIL. */
enum lookup_status vacation_discards(struct store_txn *txn, struct arena *arena,
				     const char *delimiters,
				     const struct rec_mailbox *mailbox,
				     bool *discard_r);

#endif
