/* lookup_rec: records read in place and point reads; see lookup_internal.h. */
#include "lookup_internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "record_cache.h"

#define TYPE_BIT(type) (1u << (type))

/* Record types each table may hold (keyspace.h). */
static const unsigned lookup_table_types[STORE_TABLE_COUNT] = {
    [STORE_DOMAINS] = TYPE_BIT(REC_DOMAIN) | TYPE_BIT(REC_DOMAIN_ALIAS),
    [STORE_ADDRESSES] =
	TYPE_BIT(REC_MAILBOX) | TYPE_BIT(REC_EXTRA) | TYPE_BIT(REC_ALIAS),
    [STORE_SERVERS] = TYPE_BIT(REC_SERVER),
};

const struct field_desc *lookup_field(enum record_type type, size_t offset)
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

void lookup_iter_init(struct lookup_iter *it, const struct lookup_rec *rec,
		      const struct field_desc *field)
{
	const char *error;
	uint8_t type;

	it->id = field->id;
	if (codec_read_begin(&it->reader, rec->data, rec->len, &type, &error) <
	    0)
		it->reader.pos = it->reader.end = NULL; /* checked on read */
}

bool lookup_iter_next(struct lookup_iter *it, struct lookup_str *s_r)
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
struct lookup_str lookup_rec_str(const struct lookup_rec *rec,
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
uint64_t lookup_rec_uint(const struct lookup_rec *rec,
			 const struct field_desc *field)
{
	struct lookup_str s = lookup_rec_str(rec, field);
	uint64_t value = 0;

	/* <= 8 bytes: checked by lookup_rec_index() */
	codec_payload_uint((const unsigned char *)s.data, s.len, &value);
	return value;
}

bool lookup_rec_bool(const struct lookup_rec *rec,
		     const struct field_desc *field)
{
	return lookup_rec_uint(rec, field) != 0;
}

/* ---- Store reads ---------------------------------------------------- */

/* Point read of a record, checked whole. FOUND, NOTFOUND or TEMPFAIL. */
static enum lookup_status lookup_read(struct lookup_req *req,
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

/* Domains and servers are few and every request reads one: their indexed
 * records are kept per snapshot in the reader's cache (record_cache.h),
 * which saves a B-tree read and an index per request; so is the absence
 * of a domain (a sender's, a relay recipient's), as a view with no data
 * (its first members only). Addresses are too many for a hit to be
 * likely. */
enum lookup_status lookup_get(struct lookup_req *req, enum store_table table,
			      struct lookup_str key, struct lookup_rec *rec_r)
{
	struct record_cache *cache =
	    table != STORE_ADDRESSES ? store_txn_user(req->ctx->txn) : NULL;
	uint64_t snapshot = 0;
	const struct lookup_rec *hit = NULL;
	enum lookup_status st;

	if (cache != NULL) {
		snapshot = store_txn_snapshot(req->ctx->txn);
		hit = record_cache_get_view(cache, snapshot, table, key.data,
					    key.len);
	}
	if (hit != NULL && hit->data == NULL)
		return LOOKUP_NOTFOUND; /* known to be absent */
	if (hit != NULL) {
		*rec_r = *hit;
		return LOOKUP_FOUND;
	}
	st = lookup_read(req, table, key, rec_r);
	if (st == LOOKUP_FOUND && cache != NULL)
		record_cache_add_view(cache, snapshot, table, key.data, key.len,
				      rec_r, sizeof(*rec_r));
	else if (st == LOOKUP_NOTFOUND && cache != NULL)
		record_cache_add_view(cache, snapshot, table, key.data, key.len,
				      &(struct lookup_rec){.data = NULL},
				      offsetof(struct lookup_rec, at));
	return st;
}
