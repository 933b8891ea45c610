/*
 * account: a mailbox with everything a Dovecot passdb or userdb answer
 * needs (design.md "Dovecot"): its record, its domain, its offer and the
 * mail server it lives on, decoded into an arena from one read snapshot of
 * the config store; and the mailbox's path under its domain's storage.
 *
 * The admin tool keeps these references intact (rules 1, 2 and 8), so a
 * mailbox whose domain, offer or server is missing is a damaged store:
 * TEMPFAIL, never NOTFOUND. Thread-safe; allocates only in the arena.
 */
#ifndef MAILMAP_ACCOUNT_H
#define MAILMAP_ACCOUNT_H

#include <stdint.h>

#include "arena.h"
#include "lookup.h"
#include "records.h"
#include "store.h"

struct account {
	struct rec_mailbox *mailbox;
	/* Read-only: these may be shared (record_cache.h). */
	const struct rec_domain *domain; /* the primary domain of the address */
	const struct rec_offer *offer;
	/* The mailbox's server, else its domain's; NULL when neither is
	 * set. */
	const struct rec_server *server;
};

/* Loads the mailbox at address (normalised, names.h): FOUND with
 * *account_r; NOTFOUND when the address is not a mailbox; TEMPFAIL with a
 * static *reason_r when the store cannot answer or a record is corrupt or
 * missing. */
enum lookup_status account_load(struct store_txn *txn, struct arena *arena,
				const char *address, struct account *account_r,
				const char **reason_r);

/* The same for a record already read (a listing): key is the address,
 * value its stored record; NOTFOUND when it is not a mailbox. */
enum lookup_status account_from_record(struct store_txn *txn,
				       struct arena *arena, const void *key,
				       size_t key_len, struct store_val value,
				       struct account *account_r,
				       const char **reason_r);

/* Point read of one record of the given type, decoded into the arena:
 * FOUND with *rec_r (the caller's to change), NOTFOUND (none, or a record
 * of another type), TEMPFAIL with a static *reason_r. */
enum lookup_status account_read(struct store_txn *txn, struct arena *arena,
				enum store_table table, enum record_type type,
				const char *key, void **rec_r,
				const char **reason_r);
/* Reads a record that many mailboxes share (a domain, an offer, a mail
 * server): decoded once per store commit when the transaction carries a
 * record cache (record_cache.h), else into the arena. FOUND with a
 * read-only *rec_r, NOTFOUND (none of this type), TEMPFAIL. */
enum lookup_status
account_read_shared(struct store_txn *txn, struct arena *arena,
		    enum store_table table, enum record_type type,
		    const char *key, const void **rec_r, const char **reason_r);

/* The mailbox's directory relative to its domain's storage, as the
 * mailboxes map answers it: the maildir field, or DOMAIN/LOCAL/ (the
 * admin tool's default) when that is empty. */
const char *account_mail_path(const struct rec_mailbox *mailbox,
			      struct arena *arena);

/* The quota in force: the mailbox's override, else its offer's
 * (RECORD_UNLIMITED or bytes). */
uint64_t account_quota(const struct account *account);

#endif
