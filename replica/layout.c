/* layout: etcd keys of the config rows and the replica's mark; see
 * layout.h. */
#include "layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARK_REVISION "replica_revision"
#define MARK_SEQ      "replica_seq"
#define MARK_SOURCE   "replica_source"
#define MARK_GEN      "replica_gen"

static char *layout_alloc(size_t len)
{
	char *out = malloc(len + 1);

	if (out == NULL)
		abort();
	out[len] = '\0';
	return out;
}

char *replica_row_key(const char *prefix, uint64_t generation,
		      enum store_table table, const void *key, size_t key_len,
		      const void *dup, size_t dup_len, size_t *len_r)
{
	char head[REPLICA_PREFIX_MAX + 64];
	int head_len =
	    snprintf(head, sizeof(head), "%sd/%llu/%s/", prefix,
		     (unsigned long long)generation, store_table_name(table));
	size_t len = (size_t)head_len + key_len;
	char *out, *p;

	if (dup != NULL)
		len += 2 + dup_len;
	out = p = layout_alloc(len);
	memcpy(p, head, (size_t)head_len);
	p += head_len;
	if (dup != NULL) {
		*p++ = (char)(key_len >> 8);
		*p++ = (char)(key_len & 0xff);
	}
	memcpy(p, key, key_len);
	p += key_len;
	if (dup != NULL)
		memcpy(p, dup, dup_len);
	*len_r = len;
	return out;
}

static char *layout_printf(const char *prefix, const char *fmt,
			   unsigned long long n)
{
	char buf[REPLICA_PREFIX_MAX + 64];
	size_t len;
	char *out;

	snprintf(buf, sizeof(buf), "%s", prefix);
	len = strlen(buf);
	snprintf(buf + len, sizeof(buf) - len, fmt, n);
	len = strlen(buf);
	out = layout_alloc(len);
	memcpy(out, buf, len);
	return out;
}

char *replica_seq_key(const char *prefix)
{
	return layout_printf(prefix, "seq", 0);
}

char *replica_gen_key(const char *prefix)
{
	return layout_printf(prefix, "gen", 0);
}

char *replica_gen_prefix(const char *prefix, uint64_t generation)
{
	return layout_printf(prefix, "d/%llu/", (unsigned long long)generation);
}

char *replica_prefix_end(const char *prefix, size_t *len_r)
{
	size_t len = strlen(prefix);
	char *out = layout_alloc(len);

	memcpy(out, prefix, len);
	/* the prefix ends in '/' (config check), so no carry */
	out[len - 1]++;
	*len_r = len;
	return out;
}

bool replica_table(enum store_table table)
{
	return table != STORE_META &&
	       store_table_in_env(table, STORE_ENV_CONFIG);
}

static bool layout_table(const char *name, size_t len,
			 enum store_table *table_r)
{
	for (int t = 0; t < STORE_TABLE_COUNT; t++) {
		const char *tn = store_table_name((enum store_table)t);

		if (!replica_table((enum store_table)t) || strlen(tn) != len ||
		    memcmp(tn, name, len) != 0)
			continue;
		*table_r = (enum store_table)t;
		return true;
	}
	return false;
}

/* The part after P "d/" G "/": table "/" row. */
static enum replica_key_kind layout_parse_row(const char *p, size_t len,
					      struct replica_row *row)
{
	const char *slash = memchr(p, '/', len);
	size_t rest;

	memset(row, 0, sizeof(*row));
	if (slash == NULL || !layout_table(p, (size_t)(slash - p), &row->table))
		return REPLICA_KEY_OTHER;
	rest = len - (size_t)(slash + 1 - p);
	p = slash + 1;
	if (!store_table_is_dup(row->table)) {
		row->key = p;
		row->key_len = rest;
		return rest > 0 ? REPLICA_KEY_ROW : REPLICA_KEY_OTHER;
	}
	if (rest < 2)
		return REPLICA_KEY_OTHER;
	row->key_len = ((size_t)(unsigned char)p[0] << 8) | (unsigned char)p[1];
	if (row->key_len == 0 || row->key_len + 2 > rest)
		return REPLICA_KEY_OTHER;
	row->key = p + 2;
	row->dup = row->key + row->key_len;
	row->dup_len = rest - 2 - row->key_len;
	return REPLICA_KEY_ROW;
}

/* "G/" at the start of p: G's length with the slash, or 0. */
static size_t layout_generation(const char *p, size_t len, uint64_t *gen_r)
{
	size_t i = 0;

	*gen_r = 0;
	while (i < len && i < 20 && p[i] >= '0' && p[i] <= '9')
		*gen_r = *gen_r * 10 + (uint64_t)(p[i++] - '0');
	return i > 0 && i < len && p[i] == '/' ? i + 1 : 0;
}

enum replica_key_kind replica_key_parse(const char *prefix, uint64_t generation,
					const char *key, size_t len,
					struct replica_row *row_r)
{
	size_t plen = strlen(prefix), glen;
	uint64_t gen;

	if (len < plen || memcmp(key, prefix, plen) != 0)
		return REPLICA_KEY_OTHER;
	key += plen;
	len -= plen;
	if (len == 3 && memcmp(key, "seq", 3) == 0)
		return REPLICA_KEY_SEQ;
	if (len == 3 && memcmp(key, "gen", 3) == 0)
		return REPLICA_KEY_GEN;
	if (len < 2 || memcmp(key, "d/", 2) != 0)
		return REPLICA_KEY_OTHER;
	glen = layout_generation(key + 2, len - 2, &gen);
	if (glen == 0)
		return REPLICA_KEY_OTHER;
	if (gen != generation)
		return REPLICA_KEY_STAGED;
	return layout_parse_row(key + 2 + glen, len - 2 - glen, row_r);
}

int replica_rows_each(struct store_txn *txn, replica_row_fn *fn, void *context)
{
	int ret = 0;

	for (int t = 0; t < STORE_TABLE_COUNT && ret == 0; t++) {
		struct store_iter iter;
		struct store_val k, v;

		if (!replica_table((enum store_table)t) ||
		    store_iter_open(txn, (enum store_table)t, NULL, 0, &iter) !=
			STORE_OK)
			continue;
		while (ret == 0 && store_iter_next(&iter, &k, &v) == 1)
			ret = fn((enum store_table)t, &k, &v, context);
		store_iter_close(&iter);
	}
	return ret;
}

static void mark_text(struct store_txn *txn, const char *name, char *out,
		      size_t size)
{
	struct store_val v;

	out[0] = '\0';
	if (store_get(txn, STORE_META, name, strlen(name), &v) != STORE_OK)
		return;
	snprintf(out, size, "%.*s", (int)(v.len < size ? v.len : size - 1),
		 (const char *)v.data);
}

int replica_mark_read(struct store_txn *txn, struct replica_mark *mark_r)
{
	struct store_val v;
	int ret;

	memset(mark_r, 0, sizeof(*mark_r));
	ret = store_get(txn, STORE_META, MARK_REVISION, strlen(MARK_REVISION),
			&v);
	if (ret == STORE_NOTFOUND)
		return STORE_OK;
	if (ret != STORE_OK)
		return ret;
	for (size_t i = 0; i < v.len && i < 8; i++)
		mark_r->revision = (mark_r->revision << 8) |
				   ((const unsigned char *)v.data)[i];
	mark_text(txn, MARK_SEQ, mark_r->seq, sizeof(mark_r->seq));
	if (store_get(txn, STORE_META, MARK_GEN, strlen(MARK_GEN), &v) ==
	    STORE_OK)
		for (size_t i = 0; i < v.len && i < 8; i++)
			mark_r->generation = (mark_r->generation << 8) |
					     ((const unsigned char *)v.data)[i];
	mark_text(txn, MARK_SOURCE, mark_r->source, sizeof(mark_r->source));
	return store_txn_result(txn);
}

void replica_mark_write(struct store_txn *txn, const struct replica_mark *mark)
{
	unsigned char be[8];

	for (int i = 0; i < 8; i++)
		be[i] = (unsigned char)(mark->revision >> (8 * (7 - i)));
	store_put(txn, STORE_META, MARK_REVISION, strlen(MARK_REVISION), be, 8,
		  0);
	store_put(txn, STORE_META, MARK_SEQ, strlen(MARK_SEQ), mark->seq,
		  strlen(mark->seq), 0);
	store_put(txn, STORE_META, MARK_SOURCE, strlen(MARK_SOURCE),
		  mark->source, strlen(mark->source), 0);
	for (int i = 0; i < 8; i++)
		be[i] = (unsigned char)(mark->generation >> (8 * (7 - i)));
	store_put(txn, STORE_META, MARK_GEN, strlen(MARK_GEN), be, 8, 0);
}

int replica_mark_get(struct store *store, struct replica_mark *mark_r,
		     const char **error_r)
{
	struct store_reader *reader;
	struct store_txn *txn;
	int ret = store_reader_new(store, &reader, error_r);

	if (ret != STORE_OK)
		return ret;
	ret = store_read_begin(reader, &txn, error_r);
	if (ret == STORE_OK) {
		ret = replica_mark_read(txn, mark_r);
		if (ret != STORE_OK)
			*error_r = store_txn_error(txn);
	}
	store_reader_free(&reader);
	return ret;
}

/* Rows copied out of the cursor, put back once it is closed. */
struct touch_rows {
	struct store_change *items;
	size_t count, cap;
};

static int touch_copy(enum store_table table, const struct store_val *key,
		      const struct store_val *value, void *context)
{
	struct touch_rows *rows = context;
	struct store_change *c;

	if (rows->count == rows->cap) {
		rows->cap = rows->cap != 0 ? rows->cap * 2 : 256;
		rows->items =
		    realloc(rows->items, rows->cap * sizeof(*rows->items));
		if (rows->items == NULL)
			abort();
	}
	c = &rows->items[rows->count++];
	memset(c, 0, sizeof(*c));
	c->table = table;
	c->key = layout_alloc(key->len);
	c->value = layout_alloc(value->len);
	memcpy(c->key, key->data, key->len);
	memcpy(c->value, value->data, value->len);
	c->key_len = key->len;
	c->value_len = value->len;
	return 0;
}

void replica_touch_all(struct store_txn *txn)
{
	struct touch_rows rows = {NULL, 0, 0};
	struct store_changes all;

	replica_rows_each(txn, touch_copy, &rows);
	for (size_t i = 0; i < rows.count; i++) {
		const struct store_change *c = &rows.items[i];
		store_put(txn, c->table, c->key, c->key_len, c->value,
			  c->value_len, 0);
	}
	all.items = rows.items;
	all.count = rows.count;
	all.cap = rows.cap;
	store_changes_free(&all);
}
