/* account: a mailbox with its domain, offer and server; see account.h. */
#include "account.h"

#include <string.h>

#include "names.h"

static enum lookup_status account_fail(const char **reason_r,
				       const char *reason)
{
	*reason_r = reason;
	return LOOKUP_TEMPFAIL;
}

/* Decodes a stored value of the given type into the arena: FOUND,
 * NOTFOUND (a record of another type) or TEMPFAIL (corrupt). */
static enum lookup_status account_decode(struct arena *arena,
					 enum record_type type, const void *key,
					 size_t key_len, struct store_val value,
					 void **rec_r, const char **reason_r)
{
	const struct record_desc *desc = record_desc_get(type);
	enum record_type found;
	const char *error;
	void *rec;

	if (record_peek_type(value.data, value.len, &found) < 0)
		return account_fail(reason_r, "corrupt record");
	if (found != type)
		return LOOKUP_NOTFOUND;
	rec = arena_alloc(arena, desc->size);
	if (record_decode(desc, key, key_len, value.data, value.len, arena, rec,
			  &error) < 0)
		return account_fail(reason_r, "corrupt record");
	*rec_r = rec;
	return LOOKUP_FOUND;
}

/* Point read of a record of the given type (FOUND, NOTFOUND, TEMPFAIL). */
static enum lookup_status account_read(struct store_txn *txn,
				       struct arena *arena,
				       enum store_table table,
				       enum record_type type, const char *key,
				       void **rec_r, const char **reason_r)
{
	struct store_val value;
	int ret = store_get(txn, table, key, strlen(key), &value);

	if (ret == STORE_NOTFOUND)
		return LOOKUP_NOTFOUND;
	if (ret != STORE_OK)
		return account_fail(reason_r, "store read failed");
	return account_decode(arena, type, key, strlen(key), value, rec_r,
			      reason_r);
}

/* A record the mailbox refers to: its absence is a damaged store. */
static enum lookup_status
account_need(struct store_txn *txn, struct arena *arena, enum store_table table,
	     enum record_type type, const char *key, const char *missing,
	     void **rec_r, const char **reason_r)
{
	enum lookup_status st =
	    account_read(txn, arena, table, type, key, rec_r, reason_r);

	return st == LOOKUP_NOTFOUND ? account_fail(reason_r, missing) : st;
}

/* The domain, offer and server of a decoded mailbox. */
static enum lookup_status account_complete(struct store_txn *txn,
					   struct arena *arena,
					   struct account *account,
					   const char **reason_r)
{
	const struct rec_mailbox *mailbox = account->mailbox;
	const char *domain, *server;
	size_t local_len;
	enum lookup_status st;

	names_address_split(mailbox->address, &local_len, &domain);
	st = account_need(txn, arena, STORE_DOMAINS, REC_DOMAIN, domain,
			  "mailbox without its domain",
			  (void **)&account->domain, reason_r);
	if (st == LOOKUP_FOUND)
		st = account_need(txn, arena, STORE_OFFERS, REC_OFFER,
				  mailbox->offer, "mailbox without its offer",
				  (void **)&account->offer, reason_r);
	if (st != LOOKUP_FOUND)
		return st;
	server = mailbox->server[0] != '\0' ? mailbox->server
					    : account->domain->server;
	account->server = NULL;
	if (server[0] == '\0')
		return LOOKUP_FOUND;
	return account_need(txn, arena, STORE_SERVERS, REC_SERVER, server,
			    "unknown mail server", (void **)&account->server,
			    reason_r);
}

enum lookup_status account_load(struct store_txn *txn, struct arena *arena,
				const char *address, struct account *account_r,
				const char **reason_r)
{
	enum lookup_status st =
	    account_read(txn, arena, STORE_ADDRESSES, REC_MAILBOX, address,
			 (void **)&account_r->mailbox, reason_r);

	if (st != LOOKUP_FOUND)
		return st;
	return account_complete(txn, arena, account_r, reason_r);
}

enum lookup_status account_from_record(struct store_txn *txn,
				       struct arena *arena, const void *key,
				       size_t key_len, struct store_val value,
				       struct account *account_r,
				       const char **reason_r)
{
	enum lookup_status st =
	    account_decode(arena, REC_MAILBOX, key, key_len, value,
			   (void **)&account_r->mailbox, reason_r);

	if (st != LOOKUP_FOUND)
		return st;
	return account_complete(txn, arena, account_r, reason_r);
}

const char *account_mail_path(const struct rec_mailbox *mailbox,
			      struct arena *arena)
{
	const char *domain;
	size_t local_len;

	if (mailbox->maildir[0] != '\0')
		return mailbox->maildir;
	names_address_split(mailbox->address, &local_len, &domain);
	return arena_printf(arena, "%s/%.*s/", domain, (int)local_len,
			    mailbox->address);
}

uint64_t account_quota(const struct account *account)
{
	if (account->mailbox->quota != RECORD_INHERIT)
		return account->mailbox->quota;
	return account->offer->quota;
}
