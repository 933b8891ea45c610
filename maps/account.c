/* account: a mailbox with its domain, offer and server; see account.h. */
#include "account.h"

#include <string.h>

#include "names.h"
#include "record_cache.h"

static enum lookup_status account_fail(const char **reason_r,
				       const char *reason)
{
	*reason_r = reason;
	return LOOKUP_TEMPFAIL;
}

/* FOUND when value is a record of this type, NOTFOUND when it is one of
 * another type (an address that is an alias, say), TEMPFAIL if corrupt. */
static enum lookup_status account_check_type(struct store_val value,
					     enum record_type type,
					     const char **reason_r)
{
	enum record_type found;

	if (record_peek_type(value.data, value.len, &found) < 0)
		return account_fail(reason_r, "corrupt record");
	return found == type ? LOOKUP_FOUND : LOOKUP_NOTFOUND;
}

/* Decodes a stored record of the given type into the arena. */
static enum lookup_status account_decode(struct arena *arena,
					 enum record_type type, const void *key,
					 size_t key_len, struct store_val value,
					 const void **rec_r,
					 const char **reason_r)
{
	const struct record_desc *desc = record_desc_get(type);
	void *rec = arena_alloc(arena, desc->size);
	const char *error;

	if (record_decode(desc, key, key_len, value.data, value.len, arena, rec,
			  &error) < 0)
		return account_fail(reason_r, "corrupt record");
	*rec_r = rec;
	return LOOKUP_FOUND;
}

/* The stored value of a record of the given type: FOUND, NOTFOUND (none,
 * or a record of another type) or TEMPFAIL. */
static enum lookup_status account_get(struct store_txn *txn,
				      enum store_table table,
				      enum record_type type, const char *key,
				      struct store_val *value_r,
				      const char **reason_r)
{
	int ret = store_get(txn, table, key, strlen(key), value_r);

	if (ret == STORE_NOTFOUND)
		return LOOKUP_NOTFOUND;
	if (ret != STORE_OK)
		return account_fail(reason_r, "store read failed");
	return account_check_type(*value_r, type, reason_r);
}

enum lookup_status account_read(struct store_txn *txn, struct arena *arena,
				enum store_table table, enum record_type type,
				const char *key, void **rec_r,
				const char **reason_r)
{
	struct store_val value;
	const void *rec;
	enum lookup_status st =
	    account_get(txn, table, type, key, &value, reason_r);

	if (st == LOOKUP_FOUND)
		st = account_decode(arena, type, key, strlen(key), value, &rec,
				    reason_r);
	if (st == LOOKUP_FOUND) /* decoded into the arena: the caller's */
		*rec_r = (void *)rec;
	return st;
}

/* Point read of a mailbox into the arena (FOUND, NOTFOUND, TEMPFAIL). */
static enum lookup_status account_read_mailbox(struct store_txn *txn,
					       struct arena *arena,
					       const char *key,
					       struct rec_mailbox **rec_r,
					       const char **reason_r)
{
	return account_read(txn, arena, STORE_ADDRESSES, REC_MAILBOX, key,
			    (void **)rec_r, reason_r);
}

enum lookup_status
account_read_shared(struct store_txn *txn, struct arena *arena,
		    enum store_table table, enum record_type type,
		    const char *key, const void **rec_r, const char **reason_r)
{
	struct record_cache *cache = store_txn_user(txn);
	uint64_t snapshot = cache != NULL ? store_txn_snapshot(txn) : 0;
	struct store_val value;
	enum lookup_status st;
	const char *error;

	if (cache != NULL &&
	    (*rec_r = record_cache_get(cache, snapshot, table, key)) != NULL)
		return LOOKUP_FOUND;
	st = account_get(txn, table, type, key, &value, reason_r);
	if (st != LOOKUP_FOUND)
		return st;
	/* A full cache is emptied only between requests: this request's
	 * own copy then. */
	if (cache == NULL || !record_cache_has_room(cache, snapshot))
		return account_decode(arena, type, key, strlen(key), value,
				      rec_r, reason_r);
	*rec_r = record_cache_add(cache, snapshot, table, key,
				  record_desc_get(type), value, &error);
	return *rec_r != NULL ? LOOKUP_FOUND
			      : account_fail(reason_r, "corrupt record");
}

/* A record the mailbox refers to: its absence is a damaged store. */
static enum lookup_status
account_need(struct store_txn *txn, struct arena *arena, enum store_table table,
	     enum record_type type, const char *key, const char *missing,
	     const void **rec_r, const char **reason_r)
{
	enum lookup_status st =
	    account_read_shared(txn, arena, table, type, key, rec_r, reason_r);

	return st == LOOKUP_NOTFOUND ? account_fail(reason_r, missing) : st;
}

/* The domain, offer and server of a decoded mailbox. */
static enum lookup_status account_complete(struct store_txn *txn,
					   struct arena *arena,
					   struct account *account,
					   const char **reason_r)
{
	const struct rec_mailbox *mailbox = account->mailbox;
	const void *domain = NULL, *offer = NULL, *server = NULL;
	const char *domain_name, *server_name;
	size_t local_len;
	enum lookup_status st;

	names_address_split(mailbox->address, &local_len, &domain_name);
	st = account_need(txn, arena, STORE_DOMAINS, REC_DOMAIN, domain_name,
			  "mailbox without its domain", &domain, reason_r);
	if (st == LOOKUP_FOUND)
		st = account_need(txn, arena, STORE_OFFERS, REC_OFFER,
				  mailbox->offer, "mailbox without its offer",
				  &offer, reason_r);
	if (st != LOOKUP_FOUND)
		return st;
	account->domain = domain;
	account->offer = offer;
	server_name = mailbox->server[0] != '\0' ? mailbox->server
						 : account->domain->server;
	if (server_name[0] != '\0')
		st = account_need(txn, arena, STORE_SERVERS, REC_SERVER,
				  server_name, "unknown mail server", &server,
				  reason_r);
	account->server = server;
	return st;
}

enum lookup_status account_load(struct store_txn *txn, struct arena *arena,
				const char *address, struct account *account_r,
				const char **reason_r)
{
	enum lookup_status st = account_read_mailbox(
	    txn, arena, address, &account_r->mailbox, reason_r);

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
	const void *rec;
	enum lookup_status st =
	    account_check_type(value, REC_MAILBOX, reason_r);

	if (st == LOOKUP_FOUND)
		st = account_decode(arena, REC_MAILBOX, key, key_len, value,
				    &rec, reason_r);
	if (st != LOOKUP_FOUND)
		return st;
	account_r->mailbox = (struct rec_mailbox *)rec;
	return account_complete(txn, arena, account_r, reason_r);
}

const char *account_mail_path(const struct rec_mailbox *mailbox,
			      struct arena *arena)
{
	char path[NAMES_MAILDIR_MAX];

	if (mailbox->maildir[0] != '\0')
		return mailbox->maildir;
	names_default_maildir(mailbox->address, path);
	return arena_strdup(arena, path);
}

uint64_t account_quota(const struct account *account)
{
	if (account->mailbox->quota != RECORD_INHERIT)
		return account->mailbox->quota;
	return account->offer->quota;
}
