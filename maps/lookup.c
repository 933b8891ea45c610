/*
 * lookup: socketmap answers from the config store; contracts in lookup.h.
 *
 * Spec: design.md "Lookups (socketmap)" and "Auto-reply"; protocols.md 1.3
 * (what Postfix does with each answer) and 1.5 (which keys arrive: full
 * keys only, in any case, so the fallbacks are ours).
 *
 * Records are read in place (struct lookup_rec): fields point into the LMDB
 * snapshot and only what an answer needs is copied, into the arena. A
 * record is checked whole (codec framing, integer widths, a type that
 * belongs in its table) before any of its fields is used.
 *
 * Decisions, one line each:
 * - A store read failure is TEMPFAIL "store read failed", a record that
 *   does not decode TEMPFAIL "corrupt record": never a wrong NOTFOUND.
 * - An inactive domain, and an alias domain that is inactive or whose
 *   target is missing or inactive, hides every address in it, in every map.
 * - domains answers the normalised domain name ("OK" alone is not found).
 * - mailboxes resolves steps 1-2 only: an alias-domain address is NOTFOUND,
 *   because trivial-rewrite puts alias domains in the virtual alias class,
 *   where smtpd never asks virtual_mailbox_maps and cleanup rewrites the
 *   address through aliases first. An extra address is NOTFOUND too.
 * - aliases, disabled mailbox: NOTFOUND, and no catch-all. smtpd accepts a
 *   recipient found in virtual_alias_maps without asking
 *   virtual_mailbox_maps (smtpd_check.c, check_rcpt_maps), so answering the
 *   mailbox itself would accept its mail; NOTFOUND lets the mailboxes map
 *   reject it with 550 at RCPT time.
 * - aliases, disabled alias or list, extra address of a disabled mailbox:
 *   NOTFOUND, no catch-all (the address exists).
 * - aliases reached through the extension or the alias domain answer about
 *   the resolved address, with the extension put back on the mailbox
 *   (user+tag@alias.org -> user+tag@example.com), as Postfix's
 *   propagate_unmatched_extensions does for hash tables: cleanup stops at
 *   the self-mapping and Dovecot still sees the tag.
 * - Auto-reply: stored only, never added to an answer (not built yet).
 * - senders tells ownership, whatever the enabled flags: NOTFOUND would
 *   make the address unowned, free for unauthenticated senders under
 *   reject_sender_login_mismatch, while a disabled login cannot log in.
 * - senders of a list: one level, exact targets only; a target that is a
 *   mailbox counts, an extra address counts as its mailbox, lists and
 *   external addresses do not. Duplicates are dropped.
 * - transport: enabled mailbox (or extra address of one) only; a server
 *   name that names no server is TEMPFAIL "unknown mail server" (the mail
 *   waits for the admin instead of taking the default transport).
 * - A stored LMTP port of 0 means RECORD_DEFAULT_LMTP_PORT.
 */
#include "lookup.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "records.h"

/* Bytes of a client's map name echoed in a PERMFAIL reason. */
#define LOOKUP_REASON_NAME_MAX 64
#define LOOKUP_BUF_MIN	       256

/* Bytes inside a record or a key: not NUL-terminated. */
struct lookup_str {
	const char *data;
	size_t len;
};

/* A record read in place from the snapshot (valid until it ends). */
/* Field ids below this are indexed when a record is read (every record
 * type's are, records.c); a higher one would be found by a scan. */
#define LOOKUP_INDEXED_IDS 32

struct lookup_rec {
	enum record_type type;
	const void *data;
	size_t len;
	/* The last value of each field id (NULL: absent), filled by
	 * lookup_rec_index(), so reading a field costs no scan. */
	const unsigned char *at[LOOKUP_INDEXED_IDS];
	uint32_t at_len[LOOKUP_INDEXED_IDS];
};

/* Walks the repeated occurrences of one field of a record. */
struct lookup_iter {
	struct codec_reader reader;
	uint8_t id;
};

/* An answer under construction, in the arena. */
struct lookup_buf {
	struct arena *arena;
	char *data;
	size_t len;
	size_t cap;
	bool too_long;
};

/* One request: its context, its answer and why it failed. */
struct lookup_req {
	const struct lookup_ctx *ctx;
	struct lookup_buf out;
	const char *reason;
};

/* Where an address key led (resolution steps 1-3). */
struct lookup_resolved {
	char address[NAMES_ADDRESS_MAX + 1]; /* the key of rec */
	char extension[NAMES_LOCAL_MAX + 1]; /* "+tag" stripped in step 2 */
	struct lookup_rec rec;		     /* the address record */
	struct lookup_rec primary;	     /* the active primary domain */
	bool domain_ok; /* the key's domain is ours and active */
};

typedef enum lookup_status lookup_map_fn(struct lookup_req *req,
					 const char *key, size_t key_len);
typedef enum lookup_status lookup_answer_fn(struct lookup_req *req,
					    const struct lookup_resolved *res);

#define TYPE_BIT(type) (1u << (type))

/* Record types each table may hold (keyspace.h). */
static const unsigned lookup_table_types[STORE_TABLE_COUNT] = {
    [STORE_DOMAINS] = TYPE_BIT(REC_DOMAIN) | TYPE_BIT(REC_DOMAIN_ALIAS),
    [STORE_ADDRESSES] =
	TYPE_BIT(REC_MAILBOX) | TYPE_BIT(REC_EXTRA) | TYPE_BIT(REC_ALIAS),
    [STORE_SERVERS] = TYPE_BIT(REC_SERVER),
};

/* ---- Records read in place ---------------------------------------- */

/* The descriptor of a struct member; names are checked by the compiler. */
#define LOOKUP_FIELD(type, st, member)                                         \
	lookup_field((type), offsetof(st, member))
#define F_DOMAIN(m)   LOOKUP_FIELD(REC_DOMAIN, struct rec_domain, m)
#define F_DOMALIAS(m) LOOKUP_FIELD(REC_DOMAIN_ALIAS, struct rec_domain_alias, m)
#define F_MAILBOX(m)  LOOKUP_FIELD(REC_MAILBOX, struct rec_mailbox, m)
#define F_EXTRA(m)    LOOKUP_FIELD(REC_EXTRA, struct rec_extra, m)
#define F_ALIAS(m)    LOOKUP_FIELD(REC_ALIAS, struct rec_alias, m)
#define F_SERVER(m)   LOOKUP_FIELD(REC_SERVER, struct rec_server, m)

static const struct field_desc *lookup_field(enum record_type type,
					     size_t offset)
{
	const struct record_desc *desc = record_desc_get(type);

	for (size_t i = 0; i < desc->field_count; i++) {
		if (desc->fields[i].offset == offset)
			return &desc->fields[i];
	}
	abort(); /* a member without a descriptor: a programming error */
}

/* Checks the whole record (framing; integers of at most 8 bytes) and
 * indexes its fields in one pass: false if it is malformed. */
static bool lookup_rec_index(struct lookup_rec *rec)
{
	const struct record_desc *desc = record_desc_get(rec->type);
	struct codec_reader reader;
	const unsigned char *payload;
	const char *error;
	uint8_t type, id;
	size_t len, hint = 0;
	int ret;

	memset(rec->at, 0, sizeof(rec->at));
	if (codec_read_begin(&reader, rec->data, rec->len, &type, &error) < 0)
		return false;
	while ((ret = codec_read_next(&reader, &id, &payload, &len)) == 1) {
		/* Only a long value needs its field's type. */
		const struct field_desc *field =
		    len > 8 ? record_field_by_id(desc, id, &hint) : NULL;
		if (field != NULL && field_type_is_uint(field->type))
			return false;
		if (id < LOOKUP_INDEXED_IDS) {
			rec->at[id] = payload;
			rec->at_len[id] =
			    (uint32_t)len; /* <= CODEC_FIELD_MAX */
		}
	}
	return ret == 0;
}

static void lookup_iter_init(struct lookup_iter *it,
			     const struct lookup_rec *rec,
			     const struct field_desc *field)
{
	const char *error;
	uint8_t type;

	it->id = field->id;
	if (codec_read_begin(&it->reader, rec->data, rec->len, &type, &error) <
	    0)
		it->reader.pos = it->reader.end = NULL; /* checked on read */
}

static bool lookup_iter_next(struct lookup_iter *it, struct lookup_str *s_r)
{
	const unsigned char *payload;
	uint8_t id;
	size_t len;

	while (codec_read_next(&it->reader, &id, &payload, &len) == 1) {
		if (id == it->id) {
			s_r->data = (const char *)payload;
			s_r->len = len;
			return true;
		}
	}
	return false;
}

/* A string field; the last occurrence wins (as in record_decode). */
static struct lookup_str lookup_rec_str(const struct lookup_rec *rec,
					const struct field_desc *field)
{
	struct lookup_str s = {"", 0}, item;
	struct lookup_iter it;

	if (field->id < LOOKUP_INDEXED_IDS) {
		if (rec->at[field->id] != NULL)
			s = (struct lookup_str){
			    (const char *)rec->at[field->id],
			    rec->at_len[field->id]};
		return s;
	}
	lookup_iter_init(&it, rec, field);
	while (lookup_iter_next(&it, &item))
		s = item;
	return s;
}

/* An integer field; absent is 0, as in record_decode. */
static uint64_t lookup_rec_uint(const struct lookup_rec *rec,
				const struct field_desc *field)
{
	struct lookup_str s = lookup_rec_str(rec, field);
	uint64_t value = 0;

	/* <= 8 bytes: checked by lookup_rec_index() */
	codec_payload_uint((const unsigned char *)s.data, s.len, &value);
	return value;
}

static bool lookup_rec_bool(const struct lookup_rec *rec,
			    const struct field_desc *field)
{
	return lookup_rec_uint(rec, field) != 0;
}

/* ---- Answers -------------------------------------------------------- */

static enum lookup_status lookup_fail(struct lookup_req *req,
				      const char *reason)
{
	req->reason = reason;
	return LOOKUP_TEMPFAIL;
}

static void lookup_buf_grow(struct lookup_buf *buf, size_t need)
{
	size_t cap = buf->cap != 0 ? buf->cap : LOOKUP_BUF_MIN;
	char *data;

	while (cap < need)
		cap *= 2;
	if (cap > LOOKUP_DATA_MAX + 1)
		cap = LOOKUP_DATA_MAX + 1;
	data = arena_alloc(buf->arena, cap);
	if (buf->len != 0)
		memcpy(data, buf->data, buf->len);
	buf->data = data;
	buf->cap = cap;
}

/* Appends bytes; past LOOKUP_DATA_MAX the answer is marked too long. */
static void lookup_put(struct lookup_buf *buf, const char *s, size_t len)
{
	if (buf->too_long || len > LOOKUP_DATA_MAX - buf->len) {
		buf->too_long = true;
		return;
	}
	if (buf->len + len + 1 > buf->cap)
		lookup_buf_grow(buf, buf->len + len + 1);
	memcpy(buf->data + buf->len, s, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

static void lookup_put_str(struct lookup_buf *buf, struct lookup_str s)
{
	lookup_put(buf, s.data, s.len);
}

/* Appends one list item, comma separated; empty items are skipped. */
static void lookup_item(struct lookup_buf *buf, struct lookup_str s)
{
	if (s.len == 0)
		return;
	if (buf->len != 0)
		lookup_put(buf, ",", 1);
	lookup_put_str(buf, s);
}

static bool lookup_has_item(const struct lookup_buf *buf, struct lookup_str s)
{
	size_t pos = 0;

	while (pos < buf->len) {
		const char *item = buf->data + pos;
		const char *comma = memchr(item, ',', buf->len - pos);
		size_t len =
		    comma != NULL ? (size_t)(comma - item) : buf->len - pos;
		if (len == s.len && memcmp(item, s.data, len) == 0)
			return true;
		pos += len + 1;
	}
	return false;
}

static void lookup_item_unique(struct lookup_buf *buf, struct lookup_str s)
{
	if (!lookup_has_item(buf, s))
		lookup_item(buf, s);
}

static struct lookup_str lookup_cstr(const char *s)
{
	return (struct lookup_str){s, strlen(s)};
}

/* ---- Store reads ---------------------------------------------------- */

/* Point read of a record, checked whole. FOUND, NOTFOUND or TEMPFAIL. */
static enum lookup_status lookup_get(struct lookup_req *req,
				     enum store_table table,
				     struct lookup_str key,
				     struct lookup_rec *rec_r)
{
	struct store_val val;
	int ret = store_get(req->ctx->txn, table, key.data, key.len, &val);

	if (ret == STORE_NOTFOUND)
		return LOOKUP_NOTFOUND;
	if (ret != STORE_OK)
		return lookup_fail(req, "store read failed");
	rec_r->data = val.data;
	rec_r->len = val.len;
	if (record_peek_type(val.data, val.len, &rec_r->type) < 0 ||
	    (lookup_table_types[table] & TYPE_BIT(rec_r->type)) == 0 ||
	    !lookup_rec_index(rec_r))
		return lookup_fail(req, "corrupt record");
	return LOOKUP_FOUND;
}

static bool lookup_domain_active(const struct lookup_rec *rec)
{
	return rec->type == REC_DOMAIN &&
	       lookup_rec_bool(rec, F_DOMAIN(active));
}

/* Finds the active primary domain behind a domain name: FOUND with
 * *primary_r, and *target_r the primary's name when name is an active
 * alias domain (else empty). */
static enum lookup_status lookup_domain(struct lookup_req *req,
					struct lookup_str name,
					struct lookup_rec *primary_r,
					struct lookup_str *target_r)
{
	struct lookup_rec rec;
	enum lookup_status st = lookup_get(req, STORE_DOMAINS, name, &rec);

	*target_r = lookup_cstr("");
	if (st != LOOKUP_FOUND)
		return st;
	if (rec.type == REC_DOMAIN) {
		*primary_r = rec;
		return lookup_domain_active(&rec) ? LOOKUP_FOUND
						  : LOOKUP_NOTFOUND;
	}
	if (!lookup_rec_bool(&rec, F_DOMALIAS(active)))
		return LOOKUP_NOTFOUND;
	*target_r = lookup_rec_str(&rec, F_DOMALIAS(target));
	st = lookup_get(req, STORE_DOMAINS, *target_r, primary_r);
	if (st == LOOKUP_FOUND && !lookup_domain_active(primary_r))
		return LOOKUP_NOTFOUND;
	return st;
}

/* The domain part of a normalised address. */
static struct lookup_str lookup_domain_of(struct lookup_str address)
{
	for (size_t i = address.len; i > 0; i--) {
		if (address.data[i - 1] == '@')
			return (struct lookup_str){address.data + i,
						   address.len - i};
	}
	return lookup_cstr("");
}

/* An enabled mailbox in an active primary domain: FOUND with the records of
 * both. */
static enum lookup_status lookup_mailbox(struct lookup_req *req,
					 struct lookup_str address,
					 struct lookup_rec *mailbox_r,
					 struct lookup_rec *domain_r)
{
	struct lookup_str target;
	enum lookup_status st =
	    lookup_get(req, STORE_ADDRESSES, address, mailbox_r);

	if (st != LOOKUP_FOUND)
		return st;
	if (mailbox_r->type != REC_MAILBOX ||
	    !lookup_rec_bool(mailbox_r, F_MAILBOX(enabled)))
		return LOOKUP_NOTFOUND;
	st = lookup_domain(req, lookup_domain_of(address), domain_r, &target);
	return st == LOOKUP_FOUND && target.len != 0 ? LOOKUP_NOTFOUND : st;
}

/* ---- Address resolution (design.md "Lookups", steps 1-3) ------------ */

/* Steps 1 and 2 for one address: exact, then without the extension. */
static enum lookup_status lookup_try(struct lookup_req *req,
				     const char *address,
				     struct lookup_resolved *res)
{
	char stripped[NAMES_ADDRESS_MAX + 1];
	enum lookup_status st =
	    lookup_get(req, STORE_ADDRESSES, lookup_cstr(address), &res->rec);

	res->extension[0] = '\0';
	if (st == LOOKUP_NOTFOUND &&
	    names_strip_extension(address, req->ctx->delimiters, stripped)) {
		size_t full = strcspn(address, "@"),
		       kept = strcspn(stripped, "@");
		memcpy(res->extension, address + kept, full - kept);
		res->extension[full - kept] = '\0';
		address = stripped;
		st = lookup_get(req, STORE_ADDRESSES, lookup_cstr(address),
				&res->rec);
	}
	if (st == LOOKUP_FOUND)
		strcpy(res->address, address); /* both NAMES_ADDRESS_MAX + 1 */
	return st;
}

/* Resolves an address key to its record. NOTFOUND with res->domain_ok
 * when the key's domain is ours and active (the catch-all may apply). With
 * follow_alias false, an alias-domain key is NOTFOUND. */
static enum lookup_status lookup_resolve(struct lookup_req *req,
					 const char *key, size_t key_len,
					 bool follow_alias,
					 struct lookup_resolved *res)
{
	char address[NAMES_ADDRESS_MAX + 1];
	struct lookup_str target;
	const char *error, *domain;
	size_t local_len;
	enum lookup_status st;

	res->domain_ok = false;
	/* Bare domains (virtual_alias_domains = $virtual_alias_maps), "*"
	 * and anything that is not an address are not found. */
	if (memchr(key, '@', key_len) == NULL ||
	    names_address_normalize(key, key_len, address, &error) < 0)
		return LOOKUP_NOTFOUND;
	names_address_split(address, &local_len, &domain);
	st = lookup_domain(req, lookup_cstr(domain), &res->primary, &target);
	if (st != LOOKUP_FOUND)
		return st;
	if (target.len != 0 && !follow_alias)
		return LOOKUP_NOTFOUND;
	res->domain_ok = true;
	st = lookup_try(req, address, res);
	if (st != LOOKUP_NOTFOUND || target.len == 0)
		return st;
	/* Step 3: the same local part in the alias domain's target. */
	if (local_len + 1 + target.len > NAMES_ADDRESS_MAX)
		return LOOKUP_NOTFOUND;
	memcpy(address + local_len + 1, target.data, target.len);
	address[local_len + 1 + target.len] = '\0';
	return lookup_try(req, address, res);
}

/* Resolves an address key and answers with the handler for its type. */
static enum lookup_status lookup_dispatch(struct lookup_req *req,
					  const char *key, size_t key_len,
					  bool follow_alias,
					  lookup_answer_fn *const *answers)
{
	struct lookup_resolved res;
	enum lookup_status st =
	    lookup_resolve(req, key, key_len, follow_alias, &res);

	if (st != LOOKUP_FOUND)
		return st;
	if (answers[res.rec.type] == NULL)
		return LOOKUP_NOTFOUND;
	return answers[res.rec.type](req, &res);
}

/* ---- domains, alias_domains ----------------------------------------- */

/* Looks a domain key up: FOUND with the domain normalised into name. */
static enum lookup_status lookup_domain_key(struct lookup_req *req,
					    const char *key, size_t key_len,
					    char *name,
					    struct lookup_str *target_r)
{
	struct lookup_rec primary;
	const char *error;

	*target_r = lookup_cstr("");
	if (names_domain_normalize(key, key_len, name, &error) < 0)
		return LOOKUP_NOTFOUND;
	return lookup_domain(req, lookup_cstr(name), &primary, target_r);
}

static enum lookup_status lookup_domains(struct lookup_req *req,
					 const char *key, size_t key_len)
{
	char name[NAMES_DOMAIN_MAX + 1];
	struct lookup_str target;
	enum lookup_status st =
	    lookup_domain_key(req, key, key_len, name, &target);

	if (st != LOOKUP_FOUND || target.len != 0)
		return st == LOOKUP_TEMPFAIL ? st : LOOKUP_NOTFOUND;
	lookup_put_str(&req->out, lookup_cstr(name));
	return LOOKUP_FOUND;
}

static enum lookup_status lookup_alias_domains(struct lookup_req *req,
					       const char *key, size_t key_len)
{
	char name[NAMES_DOMAIN_MAX + 1];
	struct lookup_str target;
	enum lookup_status st =
	    lookup_domain_key(req, key, key_len, name, &target);

	if (st != LOOKUP_FOUND || target.len == 0)
		return st == LOOKUP_TEMPFAIL ? st : LOOKUP_NOTFOUND;
	lookup_put_str(&req->out, target);
	return LOOKUP_FOUND;
}

/* ---- mailboxes ------------------------------------------------------- */

static enum lookup_status lookup_maildir(struct lookup_req *req,
					 const struct lookup_resolved *res)
{
	struct lookup_str maildir =
	    lookup_rec_str(&res->rec, F_MAILBOX(maildir));
	char path[NAMES_MAILDIR_MAX];

	if (!lookup_rec_bool(&res->rec, F_MAILBOX(enabled)))
		return LOOKUP_NOTFOUND;
	if (maildir.len != 0) {
		lookup_put_str(&req->out, maildir);
		return LOOKUP_FOUND;
	}
	names_default_maildir(res->address, path);
	lookup_put_str(&req->out, lookup_cstr(path));
	return LOOKUP_FOUND;
}

static lookup_answer_fn *const lookup_mailbox_answers[REC_TYPE_COUNT] = {
    [REC_MAILBOX] = lookup_maildir,
};

static enum lookup_status lookup_mailboxes(struct lookup_req *req,
					   const char *key, size_t key_len)
{
	return lookup_dispatch(req, key, key_len, false,
			       lookup_mailbox_answers);
}

/* ---- aliases --------------------------------------------------------- */

/* An address of ours with the key's extension put back ("user+tag@d"),
 * as Postfix's propagate_unmatched_extensions does for hash tables: the
 * tag reaches Dovecot (Sieve), and cleanup stops at the self-mapping. */
static void lookup_item_extended(struct lookup_req *req,
				 struct lookup_str address,
				 const char *extension)
{
	char buf[NAMES_ADDRESS_MAX + 1];
	const char *at = memchr(address.data, '@', address.len);
	size_t local = at != NULL ? (size_t)(at - address.data) : address.len;
	size_t ext = strlen(extension);

	if (ext == 0 || address.len + ext > NAMES_ADDRESS_MAX) {
		lookup_item(&req->out, address);
		return;
	}
	memcpy(buf, address.data, local);
	memcpy(buf + local, extension, ext);
	memcpy(buf + local + ext, address.data + local, address.len - local);
	lookup_item(&req->out, (struct lookup_str){buf, address.len + ext});
}

/* A mailbox: itself, plus its forwarding targets; itself only when a copy
 * is kept or nothing is forwarded. No auto-reply address yet. */
static enum lookup_status
lookup_alias_mailbox(struct lookup_req *req, const struct lookup_resolved *res)
{
	const struct field_desc *forward = F_MAILBOX(forward);
	struct lookup_str target;
	struct lookup_iter it;
	bool keep;

	if (!lookup_rec_bool(&res->rec, F_MAILBOX(enabled)))
		return LOOKUP_NOTFOUND;
	lookup_iter_init(&it, &res->rec, forward);
	keep = lookup_rec_bool(&res->rec, F_MAILBOX(forward_keep_copy)) ||
	       !lookup_iter_next(&it, &target);
	if (keep)
		lookup_item_extended(req, lookup_cstr(res->address),
				     res->extension);
	lookup_iter_init(&it, &res->rec, forward);
	while (lookup_iter_next(&it, &target))
		lookup_item(&req->out, target);
	return LOOKUP_FOUND;
}

/* An extra address: its mailbox, when that one receives mail. */
static enum lookup_status lookup_alias_extra(struct lookup_req *req,
					     const struct lookup_resolved *res)
{
	struct lookup_str owner = lookup_rec_str(&res->rec, F_EXTRA(mailbox));
	struct lookup_rec mailbox, domain;
	enum lookup_status st = lookup_mailbox(req, owner, &mailbox, &domain);

	if (st == LOOKUP_FOUND)
		lookup_item_extended(req, owner, res->extension);
	return st;
}

/* An enabled alias or list: its targets (cleanup expands nested lists). */
static enum lookup_status lookup_alias_list(struct lookup_req *req,
					    const struct lookup_resolved *res)
{
	struct lookup_str target;
	struct lookup_iter it;

	if (!lookup_rec_bool(&res->rec, F_ALIAS(enabled)))
		return LOOKUP_NOTFOUND;
	lookup_iter_init(&it, &res->rec, F_ALIAS(targets));
	while (lookup_iter_next(&it, &target))
		lookup_item(&req->out, target);
	return LOOKUP_FOUND;
}

static lookup_answer_fn *const lookup_alias_answers[REC_TYPE_COUNT] = {
    [REC_MAILBOX] = lookup_alias_mailbox,
    [REC_EXTRA] = lookup_alias_extra,
    [REC_ALIAS] = lookup_alias_list,
};

static enum lookup_status lookup_catchall(struct lookup_req *req,
					  const struct lookup_rec *domain)
{
	struct lookup_str target = lookup_rec_str(domain, F_DOMAIN(catchall));

	if (target.len == 0 ||
	    !lookup_rec_bool(domain, F_DOMAIN(catchall_enabled)))
		return LOOKUP_NOTFOUND;
	lookup_item(&req->out, target);
	return LOOKUP_FOUND;
}

static enum lookup_status lookup_aliases(struct lookup_req *req,
					 const char *key, size_t key_len)
{
	struct lookup_resolved res;
	enum lookup_status st = lookup_resolve(req, key, key_len, true, &res);

	/* Step 4: only when no address record exists at all, so a catch-all
	 * never swallows a mailbox, even a disabled one. */
	if (st == LOOKUP_NOTFOUND && res.domain_ok)
		return lookup_catchall(req, &res.primary);
	if (st != LOOKUP_FOUND)
		return st;
	return lookup_alias_answers[res.rec.type](req, &res);
}

/* ---- senders --------------------------------------------------------- */

static enum lookup_status
lookup_sender_mailbox(struct lookup_req *req, const struct lookup_resolved *res)
{
	lookup_item(&req->out, lookup_cstr(res->address));
	return LOOKUP_FOUND;
}

static enum lookup_status lookup_sender_extra(struct lookup_req *req,
					      const struct lookup_resolved *res)
{
	lookup_item(&req->out, lookup_rec_str(&res->rec, F_EXTRA(mailbox)));
	return LOOKUP_FOUND;
}

/* The login a list target stands for: a mailbox, or an extra address's
 * mailbox; appended to the answer once. */
static enum lookup_status lookup_sender_target(struct lookup_req *req,
					       struct lookup_str target)
{
	struct lookup_rec rec;
	enum lookup_status st = lookup_get(req, STORE_ADDRESSES, target, &rec);

	if (st != LOOKUP_FOUND)
		return st;
	if (rec.type == REC_MAILBOX)
		lookup_item_unique(&req->out, target);
	else if (rec.type == REC_EXTRA)
		lookup_item_unique(&req->out,
				   lookup_rec_str(&rec, F_EXTRA(mailbox)));
	return LOOKUP_FOUND;
}

static enum lookup_status lookup_sender_list(struct lookup_req *req,
					     const struct lookup_resolved *res)
{
	struct lookup_str target;
	struct lookup_iter it;

	lookup_iter_init(&it, &res->rec, F_ALIAS(targets));
	while (lookup_iter_next(&it, &target)) {
		if (lookup_sender_target(req, target) == LOOKUP_TEMPFAIL)
			return LOOKUP_TEMPFAIL;
	}
	return LOOKUP_FOUND; /* an empty answer becomes NOTFOUND */
}

static lookup_answer_fn *const lookup_sender_answers[REC_TYPE_COUNT] = {
    [REC_MAILBOX] = lookup_sender_mailbox,
    [REC_EXTRA] = lookup_sender_extra,
    [REC_ALIAS] = lookup_sender_list,
};

static enum lookup_status lookup_senders(struct lookup_req *req,
					 const char *key, size_t key_len)
{
	return lookup_dispatch(req, key, key_len, true, lookup_sender_answers);
}

/* ---- transport ------------------------------------------------------- */

/* "lmtp:inet:HOST:PORT", an IPv6 address in brackets. */
static void lookup_put_lmtp(struct lookup_buf *buf,
			    const struct lookup_rec *server)
{
	struct lookup_str host = lookup_rec_str(server, F_SERVER(host));
	uint64_t port = lookup_rec_uint(server, F_SERVER(lmtp_port));
	bool bracket =
	    memchr(host.data, ':', host.len) != NULL && host.data[0] != '[';
	char digits[24];

	if (port == 0)
		port = RECORD_DEFAULT_LMTP_PORT;
	snprintf(digits, sizeof(digits), ":%" PRIu64, port);
	lookup_put_str(buf, lookup_cstr("lmtp:inet:"));
	if (bracket)
		lookup_put(buf, "[", 1);
	lookup_put_str(buf, host);
	if (bracket)
		lookup_put(buf, "]", 1);
	lookup_put_str(buf, lookup_cstr(digits));
}

/* The server of a mailbox, else its domain's default server. */
static enum lookup_status lookup_route(struct lookup_req *req,
				       const struct lookup_rec *mailbox,
				       const struct lookup_rec *domain)
{
	struct lookup_str name = lookup_rec_str(mailbox, F_MAILBOX(server));
	struct lookup_rec server;
	enum lookup_status st;

	if (name.len == 0)
		name = lookup_rec_str(domain, F_DOMAIN(server));
	if (name.len == 0)
		return LOOKUP_NOTFOUND;
	st = lookup_get(req, STORE_SERVERS, name, &server);
	if (st == LOOKUP_NOTFOUND)
		return lookup_fail(req, "unknown mail server");
	if (st != LOOKUP_FOUND)
		return st;
	if (lookup_rec_str(&server, F_SERVER(host)).len == 0)
		return lookup_fail(req, "mail server has no host");
	lookup_put_lmtp(&req->out, &server);
	return LOOKUP_FOUND;
}

static enum lookup_status
lookup_transport_mailbox(struct lookup_req *req,
			 const struct lookup_resolved *res)
{
	if (!lookup_rec_bool(&res->rec, F_MAILBOX(enabled)))
		return LOOKUP_NOTFOUND;
	return lookup_route(req, &res->rec, &res->primary);
}

static enum lookup_status
lookup_transport_extra(struct lookup_req *req,
		       const struct lookup_resolved *res)
{
	struct lookup_str owner = lookup_rec_str(&res->rec, F_EXTRA(mailbox));
	struct lookup_rec mailbox, domain;
	enum lookup_status st = lookup_mailbox(req, owner, &mailbox, &domain);

	return st == LOOKUP_FOUND ? lookup_route(req, &mailbox, &domain) : st;
}

static lookup_answer_fn *const lookup_transport_answers[REC_TYPE_COUNT] = {
    [REC_MAILBOX] = lookup_transport_mailbox,
    [REC_EXTRA] = lookup_transport_extra,
};

static enum lookup_status lookup_transport(struct lookup_req *req,
					   const char *key, size_t key_len)
{
	return lookup_dispatch(req, key, key_len, true,
			       lookup_transport_answers);
}

/* ---- Map table and entry point -------------------------------------- */

#define LOOKUP_COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* Two parallel tables: the exported names, and their handlers. */
/* clang-format off */
const char *const lookup_map_names[] = {
	"domains",
	"alias_domains",
	"mailboxes",
	"aliases",
	"senders",
	"transport",
	NULL,
};

static lookup_map_fn *const lookup_map_handlers[] = {
	lookup_domains,
	lookup_alias_domains,
	lookup_mailboxes,
	lookup_aliases,
	lookup_senders,
	lookup_transport,
};
/* clang-format on */

_Static_assert(LOOKUP_COUNT(lookup_map_names) ==
		   LOOKUP_COUNT(lookup_map_handlers) + 1,
	       "one handler per map name");

static lookup_map_fn *lookup_find_map(const char *map, size_t map_len)
{
	for (size_t i = 0; lookup_map_names[i] != NULL; i++) {
		if (strlen(lookup_map_names[i]) == map_len &&
		    memcmp(lookup_map_names[i], map, map_len) == 0)
			return lookup_map_handlers[i];
	}
	return NULL;
}

/* "unknown map NAME", NAME cut and reduced to printable ASCII: it is
 * client input and ends up in Postfix's log. */
static void lookup_unknown_map(struct lookup_req *req, const char *map,
			       size_t map_len)
{
	size_t len =
	    map_len < LOOKUP_REASON_NAME_MAX ? map_len : LOOKUP_REASON_NAME_MAX;

	lookup_put_str(&req->out, lookup_cstr("unknown map "));
	for (size_t i = 0; i < len; i++) {
		char c = map[i] > ' ' && map[i] < 0x7f ? map[i] : '?';
		lookup_put(&req->out, &c, 1);
	}
	if (len < map_len)
		lookup_put(&req->out, "...", 3);
}

static void lookup_set_answer(struct lookup_req *req, enum lookup_status st,
			      struct lookup_answer *answer)
{
	struct arena *arena = req->ctx->arena;

	answer->status = st;
	answer->value = NULL;
	answer->len = 0;
	if (st == LOOKUP_FOUND || st == LOOKUP_PERMFAIL) {
		answer->value = req->out.data;
		answer->len = req->out.len;
	} else if (st == LOOKUP_TEMPFAIL) {
		answer->value = arena_strdup(arena, req->reason);
		answer->len = strlen(answer->value);
	}
}

void lookup_socketmap(const struct lookup_ctx *ctx, const char *map,
		      size_t map_len, const char *key, size_t key_len,
		      struct lookup_answer *answer)
{
	struct lookup_req req = {.ctx = ctx, .reason = "lookup failed"};
	lookup_map_fn *handler = lookup_find_map(map, map_len);
	enum lookup_status st;

	req.out.arena = ctx->arena;
	if (handler == NULL) {
		lookup_unknown_map(&req, map, map_len);
		lookup_set_answer(&req, LOOKUP_PERMFAIL, answer);
		return;
	}
	st = handler(&req, key, key_len);
	if (st == LOOKUP_FOUND && req.out.too_long)
		st = lookup_fail(&req, "answer too long");
	else if (st == LOOKUP_FOUND && req.out.len == 0)
		st = LOOKUP_NOTFOUND; /* "OK " is a Postfix config error */
	lookup_set_answer(&req, st, answer);
}

enum lookup_status lookup_address(const struct lookup_ctx *ctx, const char *key,
				  size_t key_len, struct lookup_target *target)
{
	struct lookup_req req = {ctx, {0}, NULL};
	struct lookup_resolved res;
	enum lookup_status st = lookup_resolve(&req, key, key_len, true, &res);

	target->domain_ours = st != LOOKUP_TEMPFAIL && res.domain_ok;
	target->type = 0;
	if (target->domain_ours) {
		target->domain.data = res.primary.data;
		target->domain.len = res.primary.len;
	}
	if (st != LOOKUP_FOUND)
		return st;
	target->type = res.rec.type;
	strcpy(target->address, res.address);
	target->record.data = res.rec.data;
	target->record.len = res.rec.len;
	return LOOKUP_FOUND;
}
