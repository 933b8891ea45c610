/* store_capture: the rows a write transaction changed, for a commit made
 * elsewhere (replica/: mailmapctl's etcd transaction); see store.h.
 *
 * While a capturing transaction runs, every put and delete of a table
 * other than meta notes the row it touched (a duplicate of a DUPSORT
 * table is a row of its own). At the end the notes are sorted, repeats
 * dropped, and each row read back in the same transaction: present rows
 * become puts of their final value, absent ones deletes. A row put and
 * deleted again becomes a delete, which is harmless to apply. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

static void *store_dup_bytes(const void *data, size_t len)
{
	void *copy = malloc(len > 0 ? len : 1);

	if (copy == NULL)
		abort();
	if (len > 0)
		memcpy(copy, data, len);
	return copy;
}

static struct store_change *store_changes_grow(struct store_changes *changes)
{
	if (changes->count == changes->cap) {
		changes->cap = changes->cap != 0 ? changes->cap * 2 : 64;
		changes->items = realloc(
		    changes->items, changes->cap * sizeof(*changes->items));
		if (changes->items == NULL)
			abort();
	}
	return memset(&changes->items[changes->count++], 0,
		      sizeof(*changes->items));
}

void store_journal_note(struct store_txn *txn, enum store_table table,
			const void *key, size_t key_len, const void *dup,
			size_t dup_len)
{
	struct store_change *change;

	if (txn->journal == NULL || table == store_meta_table(txn->store))
		return;
	change = store_changes_grow(txn->journal);
	change->table = table;
	change->key = store_dup_bytes(key, key_len);
	change->key_len = key_len;
	if (store_table_is_dup(table)) {
		change->value = store_dup_bytes(dup, dup_len);
		change->value_len = dup_len;
	}
}

void store_journal_note_all_dups(struct store_txn *txn, enum store_table table,
				 const void *key, size_t key_len)
{
	MDB_cursor *cursor;
	MDB_val k = {key_len, (void *)key};
	MDB_val v;

	if (txn->journal == NULL ||
	    mdb_cursor_open(txn->txn, txn->store->dbi[table], &cursor) != 0)
		return;
	int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_KEY);
	while (rc == 0) {
		store_journal_note(txn, table, key, key_len, v.mv_data,
				   v.mv_size);
		rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT_DUP);
	}
	mdb_cursor_close(cursor);
}

static int store_bytes_cmp(const void *a, size_t a_len, const void *b,
			   size_t b_len)
{
	int c = memcmp(a, b, a_len < b_len ? a_len : b_len);

	if (c != 0)
		return c;
	return a_len < b_len ? -1 : a_len > b_len;
}

static int store_change_cmp(const void *pa, const void *pb)
{
	const struct store_change *a = pa, *b = pb;
	int c;

	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	c = store_bytes_cmp(a->key, a->key_len, b->key, b->key_len);
	if (c != 0 || !store_table_is_dup(a->table))
		return c;
	return store_bytes_cmp(a->value, a->value_len, b->value, b->value_len);
}

static void store_change_clear(struct store_change *change)
{
	free(change->key);
	free(change->value);
	memset(change, 0, sizeof(*change));
}

int store_has_dup(struct store_txn *txn, enum store_table table,
		  const void *key, size_t key_len, const void *dup,
		  size_t dup_len)
{
	MDB_cursor *cursor;
	MDB_val k = {key_len, (void *)key};
	MDB_val v = {dup_len, (void *)dup};
	int rc;

	if (key_len == 0 || key_len > store_max_key(txn->store))
		return 0;
	rc = mdb_cursor_open(txn->txn, txn->store->dbi[table], &cursor);

	if (rc != 0)
		return store_map_error(rc);
	rc = mdb_cursor_get(cursor, &k, &v, MDB_GET_BOTH);
	mdb_cursor_close(cursor);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc == 0 ? 1 : store_map_error(rc);
}

/* Reads a noted row back: its final value, or deleted. */
static int store_change_resolve(struct store_txn *txn,
				struct store_change *change)
{
	struct store_val value;
	int ret;

	if (store_table_is_dup(change->table)) {
		ret = store_has_dup(txn, change->table, change->key,
				    change->key_len, change->value,
				    change->value_len);
		if (ret < 0)
			return ret;
		change->deleted = ret == 0;
		return STORE_OK;
	}
	ret =
	    store_get(txn, change->table, change->key, change->key_len, &value);
	if (ret == STORE_NOTFOUND) {
		change->deleted = true;
		return STORE_OK;
	}
	if (ret != STORE_OK)
		return ret;
	change->value = store_dup_bytes(value.data, value.len);
	change->value_len = value.len;
	return STORE_OK;
}

int store_journal_resolve(struct store_txn *txn)
{
	struct store_changes *changes = txn->journal;
	size_t kept = 0;

	if (changes->count > 1)
		qsort(changes->items, changes->count, sizeof(*changes->items),
		      store_change_cmp);
	for (size_t i = 0; i < changes->count; i++) {
		if (kept > 0 && store_change_cmp(&changes->items[kept - 1],
						 &changes->items[i]) == 0) {
			store_change_clear(&changes->items[i]);
			continue;
		}
		changes->items[kept++] = changes->items[i];
	}
	changes->count = kept;
	for (size_t i = 0; i < changes->count; i++) {
		int ret = store_change_resolve(txn, &changes->items[i]);
		if (ret != STORE_OK)
			return ret;
	}
	return STORE_OK;
}

void store_changes_free(struct store_changes *changes)
{
	for (size_t i = 0; i < changes->count; i++)
		store_change_clear(&changes->items[i]);
	free(changes->items);
	memset(changes, 0, sizeof(*changes));
}
