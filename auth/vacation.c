/* vacation: a mailbox's auto-reply script from the store; see vacation.h. */
#include "vacation.h"

#include <string.h>

#include "account.h"
#include "names.h"
#include "refs.h"

/* The addresses collected, without the mailbox's own and without
 * repeats. */
struct vacation_set {
	struct store_txn *txn;
	struct arena *arena;
	const char *own;
	const char **items;
	size_t count;
	bool failed; /* a record could not be read */
};

static bool vacation_has(const struct vacation_set *set, const char *address,
			 size_t len)
{
	if (strlen(set->own) == len && memcmp(set->own, address, len) == 0)
		return true;
	for (size_t i = 0; i < set->count; i++) {
		if (strlen(set->items[i]) == len &&
		    memcmp(set->items[i], address, len) == 0)
			return true;
	}
	return false;
}

static void vacation_add(struct vacation_set *set, const char *address,
			 size_t len)
{
	if (set->count == SIEVE_ADDRESSES_MAX ||
	    vacation_has(set, address, len))
		return;
	set->items[set->count++] = arena_strndup(set->arena, address, len);
}

/* A record named by a refs entry: FOUND, NOTFOUND, or a failed set. */
static void *vacation_read(struct vacation_set *set, enum store_table table,
			   enum record_type type, const char *key, size_t len)
{
	char *name = arena_strndup(set->arena, key, len);
	const char *reason;
	void *rec;
	enum lookup_status st = account_read(set->txn, set->arena, table, type,
					     name, &rec, &reason);

	set->failed = set->failed || st == LOOKUP_TEMPFAIL;
	return st == LOOKUP_FOUND ? rec : NULL;
}

/* refs_fn: an alias naming one of the addresses; kept when it is enabled
 * and that address is its one target. */
static int vacation_alias(void *context, enum ref_kind kind, const char *from,
			  size_t len)
{
	struct vacation_set *set = context;
	const struct rec_alias *alias;

	(void)kind;
	alias = vacation_read(set, STORE_ADDRESSES, REC_ALIAS, from, len);
	if (alias != NULL && alias->enabled && alias->targets.count == 1)
		vacation_add(set, from, len);
	return set->failed ? -1 : 0;
}

/* The local part of one address in each active alias domain. */
struct vacation_spelling {
	struct vacation_set *set;
	const char *local;
	size_t local_len;
};

static int vacation_alias_domain(void *context, enum ref_kind kind,
				 const char *from, size_t len)
{
	struct vacation_spelling *s = context;
	const struct rec_domain_alias *alias;
	char address[NAMES_ADDRESS_MAX + 1];

	(void)kind;
	alias =
	    vacation_read(s->set, STORE_DOMAINS, REC_DOMAIN_ALIAS, from, len);
	if (alias == NULL || !alias->active ||
	    s->local_len + 1 + len > NAMES_ADDRESS_MAX)
		return s->set->failed ? -1 : 0;
	memcpy(address, s->local, s->local_len);
	address[s->local_len] = '@';
	memcpy(address + s->local_len + 1, from, len);
	vacation_add(s->set, address, s->local_len + 1 + len);
	return 0;
}

static int vacation_spellings(struct vacation_set *set, const char *address)
{
	struct vacation_spelling s = {set, address, 0};
	const char *domain;

	names_address_split(address, &s.local_len, &domain);
	return refs_each(set->txn, REF_DOMAIN, domain, REF_ALIAS_DOMAIN,
			 vacation_alias_domain, &s);
}

enum lookup_status vacation_addresses(struct store_txn *txn,
				      struct arena *arena,
				      const struct rec_mailbox *mailbox,
				      const char ***items_r, size_t *count_r,
				      const char **reason_r)
{
	struct vacation_set set = {txn,	 arena, mailbox->address,
				   NULL, 0,	false};
	size_t direct;
	int ret = 0;

	set.items =
	    arena_alloc(arena, SIEVE_ADDRESSES_MAX * sizeof(*set.items));
	for (size_t i = 0; i < mailbox->extra.count; i++)
		vacation_add(&set, mailbox->extra.items[i],
			     strlen(mailbox->extra.items[i]));
	direct = set.count;
	for (size_t i = 0; ret == 0 && i <= direct; i++)
		ret = refs_each(txn, REF_RECIPIENT,
				i == 0 ? mailbox->address : set.items[i - 1],
				REF_ALIAS, vacation_alias, &set);
	direct = set.count;
	for (size_t i = 0; ret == 0 && i <= direct; i++)
		ret = vacation_spellings(&set, i == 0 ? mailbox->address
						      : set.items[i - 1]);
	if (ret != 0 || set.failed) {
		*reason_r = "store read failed";
		return LOOKUP_TEMPFAIL;
	}
	*items_r = set.items;
	*count_r = set.count;
	return LOOKUP_FOUND;
}

enum lookup_status vacation_discards(struct store_txn *txn, struct arena *arena,
				     const char *delimiters,
				     const struct rec_mailbox *mailbox,
				     bool *discard_r)
{
	struct lookup_ctx ctx = {txn, arena, delimiters};
	enum lookup_reach reach;

	*discard_r = false;
	if (mailbox->forward_keep_copy)
		return LOOKUP_FOUND;
	for (size_t i = 0; i < mailbox->forward.count && !*discard_r; i++) {
		const char *target = mailbox->forward.items[i];
		if (lookup_reach(&ctx, target, strlen(target), &reach) !=
		    LOOKUP_FOUND)
			return LOOKUP_TEMPFAIL;
		*discard_r = lookup_reach_takes_mail(reach);
	}
	return LOOKUP_FOUND;
}

enum lookup_status vacation_script(struct store_txn *txn, struct arena *arena,
				   const char *delimiters, const char *address,
				   struct sieve_script *script_r,
				   const char **reason_r)
{
	struct rec_mailbox *mailbox;
	struct sieve_vacation v = {0};
	enum lookup_status st =
	    account_read(txn, arena, STORE_ADDRESSES, REC_MAILBOX, address,
			 (void **)&mailbox, reason_r);

	if (st != LOOKUP_FOUND)
		return st;
	if (!mailbox->enabled || !mailbox->autoreply) {
		sieve_script_none(script_r);
		return LOOKUP_FOUND;
	}
	st = vacation_addresses(txn, arena, mailbox,
				(const char ***)&v.addresses, &v.address_count,
				reason_r);
	if (st == LOOKUP_FOUND)
		st = vacation_discards(txn, arena, delimiters, mailbox,
				       &v.discard);
	if (st != LOOKUP_FOUND) {
		*reason_r = "store read failed";
		return LOOKUP_TEMPFAIL;
	}
	v.address = mailbox->address;
	v.first_name = mailbox->first_name;
	v.last_name = mailbox->last_name;
	v.subject = mailbox->autoreply_subject;
	v.body = mailbox->autoreply_body;
	v.start = mailbox->autoreply_start;
	v.end = mailbox->autoreply_end;
	v.interval = mailbox->autoreply_interval;
	sieve_script_build(&v, arena, script_r);
	return LOOKUP_FOUND;
}
