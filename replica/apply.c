/* apply: etcd's key-values into the config environment; see apply.h. */
#include "apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"

static struct replica_kv *kvs_grow(struct replica_kvs *kvs)
{
	if (kvs->count == kvs->cap) {
		kvs->cap = kvs->cap != 0 ? kvs->cap * 2 : 64;
		kvs->items =
		    realloc(kvs->items, kvs->cap * sizeof(*kvs->items));
		if (kvs->items == NULL)
			abort();
	}
	return memset(&kvs->items[kvs->count++], 0, sizeof(*kvs->items));
}

static int kvs_add_one(struct replica_kvs *kvs, struct json_object *kv,
		       bool deleted)
{
	struct replica_kv *item = kvs_grow(kvs);

	item->deleted = deleted;
	item->mod_revision = etcd_json_get_u64(kv, "mod_revision");
	if (etcd_json_get_bytes(kv, "key", &item->key, &item->key_len) < 0 ||
	    etcd_json_get_bytes(kv, "value", &item->value, &item->value_len) <
		0)
		return -1;
	return 0;
}

int replica_kvs_add_json(struct replica_kvs *kvs, struct json_object *array,
			 bool events)
{
	size_t n = json_object_array_length(array);

	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(array, i);
		struct json_object *kv = item;
		bool deleted = false;

		if (events) {
			deleted = strcmp(etcd_json_get_string(item, "type"),
					 "DELETE") == 0;
			if (!json_object_object_get_ex(item, "kv", &kv))
				continue;
		}
		if (kvs_add_one(kvs, kv, deleted) < 0)
			return -1;
	}
	return 0;
}

void replica_kvs_free(struct replica_kvs *kvs)
{
	for (size_t i = 0; i < kvs->count; i++) {
		free(kvs->items[i].key);
		free(kvs->items[i].value);
	}
	free(kvs->items);
	memset(kvs, 0, sizeof(*kvs));
}

struct apply_ctx {
	const char *prefix;
	const struct replica_kv *kvs;
	size_t count;
	uint64_t revision;
	const struct replica_mark *bootstrap; /* NULL: one revision */
	size_t skipped;
	bool held;     /* the replica already holds the revision */
	bool switched; /* the revision switches generations */
};

/* Whether LMDB can hold the row (the writer's check, made first so a
 * bad row does not fail the whole revision). */
static bool apply_row_fits(struct store_txn *txn, const struct replica_row *row)
{
	size_t max = store_max_key(store_txn_store(txn));

	if (row->key_len == 0 || row->key_len > max)
		return false;
	return row->dup == NULL || (row->dup_len > 0 && row->dup_len <= max);
}

static void apply_row(struct store_txn *txn, const struct replica_row *row,
		      const struct replica_kv *kv)
{
	struct store_val dup = {row->dup, row->dup_len};

	if (row->dup != NULL && kv->deleted)
		store_del(txn, row->table, row->key, row->key_len, &dup);
	else if (row->dup != NULL)
		store_put(txn, row->table, row->key, row->key_len, row->dup,
			  row->dup_len, 0);
	else if (kv->deleted)
		store_del(txn, row->table, row->key, row->key_len, NULL);
	else
		store_put(txn, row->table, row->key, row->key_len, kv->value,
			  kv->value_len, 0);
}

static void apply_kvs(struct store_txn *txn, struct apply_ctx *ctx,
		      struct replica_mark *mark)
{
	for (size_t i = 0; i < ctx->count; i++) {
		const struct replica_kv *kv = &ctx->kvs[i];
		struct replica_row row;

		switch (replica_key_parse(ctx->prefix, mark->generation,
					  kv->key, kv->key_len, &row)) {
		case REPLICA_KEY_GEN:
			ctx->switched = true;
			break;
		case REPLICA_KEY_STAGED:
			break; /* another generation's: not ours yet */
		case REPLICA_KEY_SEQ:
			snprintf(mark->seq, sizeof(mark->seq), "%.*s",
				 kv->deleted ? 0 : (int)kv->value_len,
				 kv->value);
			break;
		case REPLICA_KEY_ROW:
			if (apply_row_fits(txn, &row)) {
				apply_row(txn, &row, kv);
				break;
			}
			/* fall through */
		default:
			ctx->skipped++;
		}
	}
}

static void apply_clear(struct store_txn *txn)
{
	for (int t = 0; t < STORE_TABLE_COUNT; t++) {
		if (t != STORE_META &&
		    store_table_in_env((enum store_table)t, STORE_ENV_CONFIG))
			store_clear_table(txn, (enum store_table)t);
	}
}

static int apply_body(struct store_txn *txn, void *context)
{
	struct apply_ctx *ctx = context;
	struct replica_mark mark;

	ctx->skipped = 0;
	ctx->held = false;
	ctx->switched = false;
	if (ctx->bootstrap != NULL) {
		mark = *ctx->bootstrap;
		apply_clear(txn);
	} else {
		if (replica_mark_read(txn, &mark) != STORE_OK)
			return 0; /* the sticky error tells */
		if (mark.revision >= ctx->revision) {
			ctx->held = true;
			return -1;
		}
		mark.revision = ctx->revision;
	}
	apply_kvs(txn, ctx, &mark);
	if (ctx->switched && ctx->bootstrap == NULL)
		return -1; /* the caller bootstraps the new generation */
	replica_mark_write(txn, &mark);
	return 0;
}

int replica_apply(struct store *store, const char *prefix,
		  const struct replica_kv *kvs, size_t count, uint64_t revision,
		  size_t *skipped_r, const char **error_r)
{
	struct apply_ctx ctx = {prefix, kvs, count, revision,
				NULL,	0,   false, false};
	int ret = store_write(store, apply_body, &ctx, error_r);

	*skipped_r = ctx.skipped;
	if (ret == STORE_ABORTED && ctx.held)
		return STORE_OK;
	if (ret == STORE_ABORTED && ctx.switched)
		return REPLICA_SWITCHED;
	return ret;
}

int replica_bootstrap(struct store *store, const char *prefix,
		      const struct replica_kvs *kvs,
		      const struct replica_mark *mark, size_t *skipped_r,
		      const char **error_r)
{
	struct apply_ctx ctx = {prefix, kvs->items, kvs->count, mark->revision,
				mark,	0,	    false};
	int ret = store_write(store, apply_body, &ctx, error_r);

	*skipped_r = ctx.skipped;
	return ret;
}
