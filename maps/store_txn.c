/* store_txn: reads, writes and iteration inside a transaction; see
 * store.h. */
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

void store_txn_fail(struct store_txn *txn, int result, const char *message)
{
	if (txn->result != STORE_OK)
		return;
	txn->result = result;
	snprintf(txn->error, sizeof(txn->error), "%s", message);
}

/* Records an LMDB failure on the transaction; later writes become no-ops. */
static int store_txn_fail_rc(struct store_txn *txn, int rc, const char *what)
{
	char message[STORE_ERROR_MAX];

	if (rc == MDB_MAP_FULL)
		txn->map_full = true;
	snprintf(message, sizeof(message), "store %s: %s: %s", txn->store->dir,
		 what, mdb_strerror(rc));
	store_txn_fail(txn, store_map_error(rc), message);
	return txn->result;
}

static bool store_key_ok(const struct store_txn *txn, size_t key_len)
{
	return key_len != 0 && key_len <= store_max_key(txn->store);
}

struct store *store_txn_store(const struct store_txn *txn)
{
	return txn->store;
}

bool store_txn_failed(const struct store_txn *txn)
{
	return txn->result != STORE_OK;
}

int store_txn_result(const struct store_txn *txn)
{
	return txn->result;
}

const char *store_txn_error(const struct store_txn *txn)
{
	return txn->error;
}

/* Whether a read or a delete of a key of key_len bytes can go on:
 * STORE_OK, the transaction's sticky error, or NOTFOUND for a key no
 * table can hold. */
static int store_key_lookup(const struct store_txn *txn, size_t key_len)
{
	if (txn->result != STORE_OK)
		return txn->result;
	return store_key_ok(txn, key_len) ? STORE_OK : STORE_NOTFOUND;
}

int store_get(struct store_txn *txn, enum store_table table, const void *key,
	      size_t key_len, struct store_val *value_r)
{
	MDB_val k = {key_len, (void *)key};
	MDB_val v;
	int rc = store_key_lookup(txn, key_len);

	if (rc != STORE_OK)
		return rc;
	rc = mdb_get(txn->txn, txn->store->dbi[table], &k, &v);
	if (rc == MDB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc != 0)
		return store_txn_fail_rc(txn, rc, "read");
	value_r->data = v.mv_data;
	value_r->len = v.mv_size;
	return STORE_OK;
}

int store_put(struct store_txn *txn, enum store_table table, const void *key,
	      size_t key_len, const void *value, size_t value_len,
	      unsigned flags)
{
	MDB_val k = {key_len, (void *)key};
	MDB_val v = {value_len, (void *)value};
	int rc;

	if (txn->result != STORE_OK)
		return txn->result;
	if (!txn->writable) {
		store_txn_fail(txn, STORE_PERMFAIL,
			       "write in a read transaction");
		return txn->result;
	}
	if (!store_key_ok(txn, key_len)) {
		store_txn_fail(txn, STORE_PERMFAIL, "key is empty or too long");
		return txn->result;
	}
	rc = mdb_put(txn->txn, txn->store->dbi[table], &k, &v,
		     (flags & STORE_PUT_NEW) != 0 ? MDB_NOOVERWRITE : 0);
	if (rc == MDB_KEYEXIST)
		return STORE_EXISTS;
	if (rc != 0)
		return store_txn_fail_rc(txn, rc, "write");
	store_journal_note(txn, table, key, key_len, value, value_len);
	return STORE_OK;
}

int store_del(struct store_txn *txn, enum store_table table, const void *key,
	      size_t key_len, const struct store_val *dup)
{
	MDB_val k = {key_len, (void *)key};
	MDB_val v;
	int rc = store_key_lookup(txn, key_len);

	if (rc != STORE_OK)
		return rc;
	if (dup != NULL) {
		v.mv_data = (void *)dup->data;
		v.mv_size = dup->len;
		store_journal_note(txn, table, key, key_len, dup->data,
				   dup->len);
	} else if (store_table_is_dup(table)) {
		store_journal_note_all_dups(txn, table, key, key_len);
	} else {
		store_journal_note(txn, table, key, key_len, NULL, 0);
	}
	rc = mdb_del(txn->txn, txn->store->dbi[table], &k,
		     dup != NULL ? &v : NULL);
	if (rc == MDB_NOTFOUND)
		return STORE_NOTFOUND;
	return rc == 0 ? STORE_OK : store_txn_fail_rc(txn, rc, "delete");
}

int store_count_dups(struct store_txn *txn, enum store_table table,
		     const void *key, size_t key_len, size_t *count_r)
{
	MDB_cursor *cursor;
	MDB_val k = {key_len, (void *)key};
	MDB_val v;
	size_t count = 0;
	int rc;

	*count_r = 0;
	if (txn->result != STORE_OK)
		return txn->result;
	if (!store_key_ok(txn, key_len))
		return STORE_OK;
	rc = mdb_cursor_open(txn->txn, txn->store->dbi[table], &cursor);
	if (rc != 0)
		return store_txn_fail_rc(txn, rc, "cursor");
	rc = mdb_cursor_get(cursor, &k, &v, MDB_SET);
	if (rc == 0)
		rc = mdb_cursor_count(cursor, &count);
	mdb_cursor_close(cursor);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_txn_fail_rc(txn, rc, "count");
	*count_r = (size_t)count;
	return STORE_OK;
}

int store_iter_open(struct store_txn *txn, enum store_table table,
		    const void *prefix, size_t prefix_len,
		    struct store_iter *iter)
{
	MDB_cursor *cursor;
	int rc;

	iter->cursor = NULL;
	if (txn->result != STORE_OK)
		return txn->result;
	rc = mdb_cursor_open(txn->txn, txn->store->dbi[table], &cursor);
	if (rc != 0)
		return store_txn_fail_rc(txn, rc, "cursor");
	iter->cursor = cursor;
	iter->txn = txn;
	iter->prefix = prefix;
	iter->prefix_len = prefix_len;
	iter->started = false;
	iter->after = NULL;
	iter->after_len = 0;
	return STORE_OK;
}

int store_iter_open_after(struct store_txn *txn, enum store_table table,
			  const void *prefix, size_t prefix_len,
			  const void *after, size_t after_len,
			  struct store_iter *iter)
{
	int ret = store_iter_open(txn, table, prefix, prefix_len, iter);

	iter->after = after;
	iter->after_len = after_len;
	return ret;
}

/* LMDB's default key order: bytes, then the shorter key first. */
static int store_key_cmp(const void *a, size_t a_len, const void *b,
			 size_t b_len)
{
	int cmp = memcmp(a, b, a_len < b_len ? a_len : b_len);

	if (cmp != 0)
		return cmp;
	return a_len < b_len ? -1 : a_len > b_len;
}

/* Positions the cursor on the first key past iter->after. A resume key
 * longer than LMDB's limit is sought by its first store_max_key() bytes,
 * then the keys up to it are skipped. */
static int store_iter_seek_after(struct store_iter *iter, MDB_val *k,
				 MDB_val *v)
{
	size_t max = store_max_key(iter->txn->store);
	int rc;

	k->mv_data = (void *)iter->after;
	k->mv_size = iter->after_len < max ? iter->after_len : max;
	rc = mdb_cursor_get(iter->cursor, k, v, MDB_SET_RANGE);
	while (rc == 0 && store_key_cmp(k->mv_data, k->mv_size, iter->after,
					iter->after_len) <= 0)
		rc = mdb_cursor_get(iter->cursor, k, v, MDB_NEXT_NODUP);
	return rc;
}

/* The first row: the prefix's first key, or the first one past `after`
 * when that sorts at or after the prefix. */
static int store_iter_first(struct store_iter *iter, MDB_val *k, MDB_val *v)
{
	if (iter->after_len != 0 &&
	    (iter->prefix_len == 0 ||
	     store_key_cmp(iter->after, iter->after_len, iter->prefix,
			   iter->prefix_len) >= 0))
		return store_iter_seek_after(iter, k, v);
	return mdb_cursor_get(iter->cursor, k, v,
			      iter->prefix_len != 0 ? MDB_SET_RANGE
						    : MDB_FIRST);
}

int store_iter_next(struct store_iter *iter, struct store_val *key_r,
		    struct store_val *value_r)
{
	MDB_val k = {iter->prefix_len, (void *)iter->prefix};
	MDB_val v;
	int rc;

	if (iter->cursor == NULL)
		return 0;
	if (!iter->started)
		rc = store_iter_first(iter, &k, &v);
	else
		rc = mdb_cursor_get(iter->cursor, &k, &v, MDB_NEXT);
	iter->started = true;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_txn_fail_rc(iter->txn, rc, "iterate");
	if (iter->prefix_len != 0 &&
	    (k.mv_size < iter->prefix_len ||
	     memcmp(k.mv_data, iter->prefix, iter->prefix_len) != 0))
		return 0;
	key_r->data = k.mv_data;
	key_r->len = k.mv_size;
	value_r->data = v.mv_data;
	value_r->len = v.mv_size;
	return 1;
}

void store_iter_close(struct store_iter *iter)
{
	if (iter->cursor != NULL)
		mdb_cursor_close(iter->cursor);
	iter->cursor = NULL;
}

int store_clear_table(struct store_txn *txn, enum store_table table)
{
	int rc;

	if (txn->result != STORE_OK)
		return txn->result;
	rc = mdb_drop(txn->txn, txn->store->dbi[table], 0);
	return rc == 0 ? STORE_OK : store_txn_fail_rc(txn, rc, "clear");
}

uint64_t store_generation(struct store_txn *txn)
{
	enum store_table meta = store_meta_table(txn->store);
	struct store_val value;

	if (store_get(txn, meta, STORE_META_GENERATION,
		      strlen(STORE_META_GENERATION), &value) != STORE_OK ||
	    value.len != 8)
		return 0;
	return store_be_get(value.data, 8);
}
