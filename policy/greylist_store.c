/*
 * greylist_store: greylisting entries in the state environment; see
 * greylist_store.h. All LMDB access goes through maps/store.h.
 */
#include "greylist_store.h"

#include <stdlib.h>
#include <string.h>

struct greylist_pending {
	uint16_t key_len;
	uint8_t value_len;
	unsigned char key[GREYLIST_KEY_MAX];
	unsigned char value[GREYLIST_VALUE_MAX];
};

/* Pending puts in arrival order, with an open-addressing hash index
 * (slot = item index + 1, 0 = free) so that finding a key on the request
 * path does not scan the queue. */
/* The whitelist summary as last read, for one snapshot of the state. */
struct greylist_summary_cache {
	bool read;	   /* false: nothing read yet */
	uint64_t snapshot; /* store_txn_snapshot() of what was read */
	bool present;
	struct greylist_summary summary;
};

struct greylist_queue {
	struct greylist_summary_cache summary; /* every request reads it */
	size_t count;
	size_t capacity;
	size_t index_mask; /* index size - 1, a power of two >= 2 capacity */
	uint32_t *index;
	struct greylist_pending items[];
};

/* Reads */

static int greylist_store_value(struct store_txn *txn,
				const struct greylist_key *key,
				struct store_val *value_r)
{
	return store_get(txn, STORE_GREYLIST, key->data, key->len, value_r);
}

int greylist_store_get(struct store_txn *txn, const struct greylist_key *key,
		       struct greylist_entry *entry_r)
{
	struct store_val value;
	int ret = greylist_store_value(txn, key, &value);

	if (ret != STORE_OK)
		return ret;
	return greylist_entry_decode(value.data, value.len, entry_r)
		   ? STORE_OK
		   : STORE_NOTFOUND;
}

int greylist_store_get_awl(struct store_txn *txn,
			   const struct greylist_key *key,
			   struct greylist_awl *awl_r)
{
	struct store_val value;
	int ret = greylist_store_value(txn, key, &value);

	if (ret != STORE_OK)
		return ret;
	return greylist_awl_decode(value.data, value.len, awl_r)
		   ? STORE_OK
		   : STORE_NOTFOUND;
}

/* The queue */

struct greylist_queue *greylist_queue_new(size_t capacity)
{
	struct greylist_queue *queue;

	if (capacity == 0)
		capacity = GREYLIST_QUEUE_DEFAULT;
	if (capacity < GREYLIST_QUEUE_RESERVE)
		capacity = GREYLIST_QUEUE_RESERVE;
	queue =
	    malloc(sizeof(*queue) + capacity * sizeof(struct greylist_pending));
	if (queue == NULL)
		abort();
	queue->summary.read = false;
	queue->count = 0;
	queue->capacity = capacity;
	queue->index_mask = 1;
	while (queue->index_mask < 2 * capacity)
		queue->index_mask <<= 1;
	queue->index = calloc(queue->index_mask, sizeof(*queue->index));
	if (queue->index == NULL)
		abort();
	queue->index_mask--;
	return queue;
}

void greylist_queue_free(struct greylist_queue **queue)
{
	if (*queue != NULL)
		free((*queue)->index);
	free(*queue);
	*queue = NULL;
}

/* FNV-1a: the keys are short; any decent spread will do. */
static size_t greylist_queue_hash(const unsigned char *key, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

/* The index slot of key: the one holding it, or the free one where it
 * would go (the index is never full: it has twice the queue's room). */
static uint32_t *greylist_queue_probe(const struct greylist_queue *queue,
				      const struct greylist_key *key)
{
	size_t i = greylist_queue_hash(key->data, key->len) & queue->index_mask;

	for (;; i = (i + 1) & queue->index_mask) {
		uint32_t slot = queue->index[i];
		if (slot == 0)
			return &queue->index[i];
		const struct greylist_pending *p = &queue->items[slot - 1];
		if (p->key_len == key->len &&
		    memcmp(p->key, key->data, key->len) == 0)
			return &queue->index[i];
	}
}

/* The pending put of key, or NULL. */
static struct greylist_pending *
greylist_queue_slot(const struct greylist_queue *queue,
		    const struct greylist_key *key)
{
	uint32_t slot = *greylist_queue_probe(queue, key);

	return slot != 0 ? (struct greylist_pending *)&queue->items[slot - 1]
			 : NULL;
}

static int greylist_queue_put_value(struct greylist_queue *queue,
				    const struct greylist_key *key,
				    const unsigned char *value,
				    size_t value_len)
{
	uint32_t *slot = greylist_queue_probe(queue, key);
	struct greylist_pending *p;

	if (*slot != 0) {
		p = &queue->items[*slot - 1];
	} else {
		if (queue->count == queue->capacity)
			return -1;
		p = &queue->items[queue->count++];
		*slot = (uint32_t)queue->count;
		p->key_len = (uint16_t)key->len;
		memcpy(p->key, key->data, key->len);
	}
	p->value_len = (uint8_t)value_len;
	memcpy(p->value, value, value_len);
	return 0;
}

int greylist_queue_put(struct greylist_queue *queue,
		       const struct greylist_key *key,
		       const struct greylist_entry *entry)
{
	unsigned char value[GREYLIST_VALUE_MAX];
	size_t len = greylist_entry_encode(entry, value);

	return greylist_queue_put_value(queue, key, value, len);
}

int greylist_queue_put_awl(struct greylist_queue *queue,
			   const struct greylist_key *key,
			   const struct greylist_awl *awl)
{
	unsigned char value[GREYLIST_VALUE_MAX];
	size_t len = greylist_awl_encode(awl, value);

	return greylist_queue_put_value(queue, key, value, len);
}

bool greylist_queue_find(const struct greylist_queue *queue,
			 const struct greylist_key *key,
			 struct greylist_entry *entry_r)
{
	const struct greylist_pending *p = greylist_queue_slot(queue, key);

	return p != NULL &&
	       greylist_entry_decode(p->value, p->value_len, entry_r);
}

bool greylist_queue_find_awl(const struct greylist_queue *queue,
			     const struct greylist_key *key,
			     struct greylist_awl *awl_r)
{
	const struct greylist_pending *p = greylist_queue_slot(queue, key);

	return p != NULL && greylist_awl_decode(p->value, p->value_len, awl_r);
}

bool greylist_queue_full(const struct greylist_queue *queue)
{
	return queue->capacity - queue->count < GREYLIST_QUEUE_RESERVE;
}

size_t greylist_queue_count(const struct greylist_queue *queue)
{
	return queue->count;
}

void greylist_queue_clear(struct greylist_queue *queue)
{
	queue->count = 0;
	memset(queue->index, 0,
	       (queue->index_mask + 1) * sizeof(*queue->index));
}

/* Flushing */

/* Is the stored value of p's key newer than p's? Then p is a write from a
 * stale snapshot (another worker flushed first). AWL entries merge. */
static bool greylist_flush_merge(struct store_txn *txn,
				 struct greylist_pending *p)
{
	struct greylist_key key = {.len = p->key_len};
	struct greylist_entry old, new;
	struct greylist_awl old_awl, new_awl;

	memcpy(key.data, p->key, p->key_len);
	if (p->key[0] == GREYLIST_TAG_AWL) {
		if (greylist_store_get_awl(txn, &key, &old_awl) != STORE_OK ||
		    !greylist_awl_decode(p->value, p->value_len, &new_awl))
			return false;
		if (old_awl.count > new_awl.count)
			new_awl.count = old_awl.count;
		if (old_awl.last > new_awl.last)
			new_awl.last = old_awl.last;
		p->value_len = (uint8_t)greylist_awl_encode(&new_awl, p->value);
		return false;
	}
	return greylist_store_get(txn, &key, &old) == STORE_OK &&
	       greylist_entry_decode(p->value, p->value_len, &new) &&
	       old.last > new.last;
}

static int greylist_pending_cmp(const void *a, const void *b)
{
	const struct greylist_pending *x = a, *y = b;
	size_t len = x->key_len < y->key_len ? x->key_len : y->key_len;
	int cmp = memcmp(x->key, y->key, len);

	return cmp != 0 ? cmp : (int)x->key_len - (int)y->key_len;
}

/* Puts the pending writes in key order: neighbouring keys share B-tree
 * pages, so a batch touches (and copies) each page once. The index is
 * rebuilt: the queue stays usable if the write fails. */
static void greylist_queue_sort(struct greylist_queue *queue)
{
	qsort(queue->items, queue->count, sizeof(queue->items[0]),
	      greylist_pending_cmp);
	memset(queue->index, 0,
	       (queue->index_mask + 1) * sizeof(*queue->index));
	for (size_t i = 0; i < queue->count; i++) {
		struct greylist_key key = {.len = queue->items[i].key_len};
		memcpy(key.data, queue->items[i].key, key.len);
		*greylist_queue_probe(queue, &key) = (uint32_t)(i + 1);
	}
}

static int greylist_flush_body(struct store_txn *txn, void *context)
{
	struct greylist_queue *queue = context;

	for (size_t i = 0; i < queue->count && !store_txn_failed(txn); i++) {
		struct greylist_pending *p = &queue->items[i];
		if (greylist_flush_merge(txn, p))
			continue;
		store_put(txn, STORE_GREYLIST, p->key, p->key_len, p->value,
			  p->value_len, 0);
	}
	return 0;
}

int greylist_queue_flush(struct store *state, struct greylist_queue *queue,
			 const char **error_r)
{
	int ret;

	if (queue->count == 0)
		return STORE_OK;
	greylist_queue_sort(queue);
	ret = store_write(state, greylist_flush_body, queue, error_r);
	if (ret == STORE_OK)
		greylist_queue_clear(queue);
	return ret;
}

/* The request path */

static int greylist_lookup(struct store_txn *txn,
			   const struct greylist_queue *queue,
			   const struct greylist_key *key,
			   struct greylist_entry *entry_r, bool *found_r)
{
	int ret;

	*found_r = greylist_queue_find(queue, key, entry_r);
	if (*found_r)
		return STORE_OK;
	ret = greylist_store_get(txn, key, entry_r);
	*found_r = ret == STORE_OK;
	return ret == STORE_NOTFOUND ? STORE_OK : ret;
}

static int greylist_lookup_awl(struct store_txn *txn,
			       const struct greylist_queue *queue,
			       const struct greylist_key *key,
			       struct greylist_awl *awl_r, bool *found_r)
{
	int ret;

	*found_r = greylist_queue_find_awl(queue, key, awl_r);
	if (*found_r)
		return STORE_OK;
	ret = greylist_store_get_awl(txn, key, awl_r);
	*found_r = ret == STORE_OK;
	return ret == STORE_NOTFOUND ? STORE_OK : ret;
}

/* A client in the manual whitelist passes; nothing is written back. */
static void greylist_whitelisted_result(struct greylist_result *result_r)
{
	memset(result_r, 0, sizeof(*result_r));
	result_r->verdict = GREYLIST_AWL_PASS;
	result_r->reason = GREYLIST_WHITELISTED;
}

static int greylist_whitelist_find_cached(struct store_txn *txn,
					  struct greylist_summary_cache *cache,
					  const struct greylist_net *client,
					  bool *listed_r);

int greylist_store_check(struct store_txn *txn, struct greylist_queue *queue,
			 const struct greylist_settings *settings,
			 const struct greylist_net *net, const char *sender,
			 size_t sender_len, const char *recipient,
			 size_t recipient_len, uint64_t now,
			 struct greylist_result *result_r, const char **error_r)
{
	struct greylist_key awl_key, key;
	struct greylist_awl awl;
	struct greylist_entry entry;
	bool have_awl = false, have_entry = false;
	int ret = STORE_OK;

	if (settings->enabled && greylist_queue_full(queue)) {
		*error_r = "greylist queue is full (not flushed)";
		return STORE_TEMPFAIL;
	}
	if (settings->enabled) {
		bool listed = false;
		ret = greylist_whitelist_find_cached(txn, &queue->summary, net,
						     &listed);
		if (ret == STORE_OK && listed) {
			greylist_whitelisted_result(result_r);
			return STORE_OK;
		}
	}
	if (ret == STORE_OK && settings->enabled && settings->awl_clients > 0) {
		greylist_awl_key(net, &awl_key);
		ret =
		    greylist_lookup_awl(txn, queue, &awl_key, &awl, &have_awl);
	}
	if (ret == STORE_OK && settings->enabled &&
	    !greylist_awl_listed(settings, have_awl ? &awl : NULL, now)) {
		greylist_triplet_key(net, sender, sender_len, recipient,
				     recipient_len, &key);
		ret = greylist_lookup(txn, queue, &key, &entry, &have_entry);
	}
	if (ret != STORE_OK) {
		*error_r = store_txn_error(txn);
		return ret;
	}
	greylist_check(settings, have_entry ? &entry : NULL,
		       have_awl ? &awl : NULL, now, result_r);
	/* Room for both was checked above. */
	if (result_r->put_triplet)
		greylist_queue_put(queue, &key, &result_r->triplet);
	if (result_r->put_awl)
		greylist_queue_put_awl(queue, &awl_key, &result_r->awl);
	return STORE_OK;
}

/* The manual whitelist */

/* Rewrites the summary from the 'W' entries (deleted when there are
 * none). Admin writes only: a scan of the whitelist's own range. */
static int greylist_summary_rebuild(struct store_txn *txn)
{
	static const unsigned char tag = GREYLIST_TAG_WHITELIST;
	struct greylist_summary summary = {0};
	unsigned char value[GREYLIST_SUMMARY_LEN];
	struct greylist_key key;
	struct greylist_net net;
	struct store_iter iter;
	struct store_val k, v;
	size_t entries = 0;
	int ret = store_iter_open(txn, STORE_GREYLIST, &tag, 1, &iter);

	while (ret == STORE_OK && (ret = store_iter_next(&iter, &k, &v)) == 1) {
		ret = STORE_OK;
		if (greylist_key_net_decode(k.data, k.len, &net) == 0)
			continue; /* the summary itself */
		greylist_summary_add(&summary, &net);
		entries++;
	}
	store_iter_close(&iter);
	if (ret < 0)
		return ret;
	greylist_summary_key(&key);
	if (entries == 0) {
		ret = store_del(txn, STORE_GREYLIST, key.data, key.len, NULL);
		return ret == STORE_NOTFOUND ? STORE_OK : ret;
	}
	greylist_summary_encode(&summary, value);
	return store_put(txn, STORE_GREYLIST, key.data, key.len, value,
			 sizeof(value), 0);
}

int greylist_whitelist_add(struct store_txn *txn,
			   const struct greylist_net *net,
			   const struct greylist_whitelist *entry)
{
	unsigned char value[GREYLIST_WHITELIST_VALUE_MAX];
	size_t len = greylist_whitelist_encode(entry, value);
	struct greylist_key key;
	int ret;

	greylist_whitelist_key(net, &key);
	ret = store_put(txn, STORE_GREYLIST, key.data, key.len, value, len,
			STORE_PUT_NEW);
	return ret == STORE_OK ? greylist_summary_rebuild(txn) : ret;
}

int greylist_whitelist_del(struct store_txn *txn,
			   const struct greylist_net *net)
{
	struct greylist_key key;
	int ret;

	greylist_whitelist_key(net, &key);
	ret = store_del(txn, STORE_GREYLIST, key.data, key.len, NULL);
	return ret == STORE_OK ? greylist_summary_rebuild(txn) : ret;
}

/* The summary of the whitelist: *present_r false when there is none. */
static int greylist_summary_read(struct store_txn *txn,
				 struct greylist_summary *summary_r,
				 bool *present_r)
{
	struct greylist_key key;
	struct store_val value;
	int ret;

	greylist_summary_key(&key);
	ret = store_get(txn, STORE_GREYLIST, key.data, key.len, &value);
	*present_r = ret == STORE_OK &&
		     greylist_summary_decode(value.data, value.len, summary_r);
	return ret == STORE_NOTFOUND ? STORE_OK : ret;
}

/* Is the client inside an entry, at one of the summary's prefixes? */
static int greylist_whitelist_match(struct store_txn *txn,
				    const struct greylist_summary *summary,
				    const struct greylist_net *client,
				    bool *listed_r)
{
	struct greylist_whitelist entry;
	struct greylist_key key;
	struct greylist_net net;
	struct store_val value;
	int ret;

	*listed_r = false;
	for (int prefix = client->family == 4 ? 32 : 128; prefix >= 0;
	     prefix--) {
		if (!greylist_summary_has(summary, client->family,
					  (unsigned)prefix) ||
		    greylist_net_widen(client, (unsigned)prefix, &net) < 0)
			continue;
		greylist_whitelist_key(&net, &key);
		ret = store_get(txn, STORE_GREYLIST, key.data, key.len, &value);
		if (ret == STORE_NOTFOUND)
			continue;
		if (ret != STORE_OK)
			return ret;
		if (greylist_whitelist_decode(value.data, value.len, &entry)) {
			*listed_r = true;
			break;
		}
	}
	return STORE_OK;
}

int greylist_whitelist_find(struct store_txn *txn,
			    const struct greylist_net *client, bool *listed_r)
{
	struct greylist_summary summary;
	bool present;
	int ret = greylist_summary_read(txn, &summary, &present);

	*listed_r = false;
	if (ret != STORE_OK || !present)
		return ret;
	return greylist_whitelist_match(txn, &summary, client, listed_r);
}

/* greylist_whitelist_find() with the summary read once per snapshot. */
static int greylist_whitelist_find_cached(struct store_txn *txn,
					  struct greylist_summary_cache *cache,
					  const struct greylist_net *client,
					  bool *listed_r)
{
	uint64_t snapshot = store_txn_snapshot(txn);
	int ret;

	*listed_r = false;
	if (!cache->read || cache->snapshot != snapshot) {
		ret = greylist_summary_read(txn, &cache->summary,
					    &cache->present);
		if (ret != STORE_OK)
			return ret;
		cache->read = true;
		cache->snapshot = snapshot;
	}
	if (!cache->present)
		return STORE_OK;
	return greylist_whitelist_match(txn, &cache->summary, client, listed_r);
}

/* Sweeping */

struct greylist_sweep_ctx {
	const struct greylist_settings *settings;
	uint64_t now;
	size_t max;		   /* deletions per transaction */
	unsigned start;		   /* the first range */
	unsigned next;		   /* out: where the next call starts */
	size_t removed;		   /* out */
	struct greylist_key *keys; /* max of them */
};

/* Is this row dead: expired, or not a value we can read? */
static bool greylist_row_dead(const struct greylist_settings *settings,
			      uint64_t now, const struct store_val *key,
			      const struct store_val *value)
{
	const unsigned char *k = key->data;
	struct greylist_entry entry;
	struct greylist_awl awl;

	if (k[0] == GREYLIST_TAG_AWL)
		return !greylist_awl_decode(value->data, value->len, &awl) ||
		       greylist_awl_expired(&awl, now, settings);
	return !greylist_entry_decode(value->data, value->len, &entry) ||
	       greylist_expired(&entry, now, settings);
}

/* Collects the dead keys of one range into ctx->keys. 1 when the range
 * was scanned to its end, 0 when the keys buffer filled first, -1 on a
 * store failure (sticky in txn). */
static int greylist_sweep_range(struct store_txn *txn,
				struct greylist_sweep_ctx *ctx, unsigned range,
				size_t *n, size_t *scanned)
{
	unsigned char prefix[2] = {range < 256 ? GREYLIST_TAG_AWL
					       : GREYLIST_TAG_TRIPLET,
				   (unsigned char)(range & 0xff)};
	struct store_iter iter;
	struct store_val key, value;
	int ret, finished = 1;

	if (store_iter_open(txn, STORE_GREYLIST, prefix, sizeof(prefix),
			    &iter) != STORE_OK)
		return -1;
	while ((ret = store_iter_next(&iter, &key, &value)) == 1) {
		(*scanned)++;
		if (key.len > GREYLIST_KEY_MAX ||
		    !greylist_row_dead(ctx->settings, ctx->now, &key, &value))
			continue;
		if (*n == ctx->max) {
			finished = 0;
			break;
		}
		ctx->keys[*n].len = key.len;
		memcpy(ctx->keys[*n].data, key.data, key.len);
		(*n)++;
	}
	store_iter_close(&iter);
	return ret < 0 ? -1 : finished;
}

/* One transaction: scan ranges from ctx->start until max dead keys are
 * found or the scan budget is spent, then delete them. Depends only on
 * ctx's inputs (store_write() may run it again). */
static int greylist_sweep_body(struct store_txn *txn, void *context)
{
	struct greylist_sweep_ctx *ctx = context;
	size_t n = 0, scanned = 0;
	unsigned range = ctx->start;

	while (range < GREYLIST_SWEEP_RANGES && n < ctx->max &&
	       scanned < GREYLIST_SWEEP_SCAN * ctx->max) {
		int ret = greylist_sweep_range(txn, ctx, range, &n, &scanned);
		if (ret < 0)
			return -1;
		if (ret == 0)
			break;
		range++;
	}
	for (size_t i = 0; i < n; i++)
		store_del(txn, STORE_GREYLIST, ctx->keys[i].data,
			  ctx->keys[i].len, NULL);
	ctx->removed = n;
	ctx->next = range;
	return 0;
}

int greylist_sweep(struct store *state,
		   const struct greylist_settings *settings, uint64_t now,
		   size_t max_per_txn, struct greylist_sweep *cursor,
		   size_t *removed_r, const char **error_r)
{
	struct greylist_sweep_ctx ctx = {.settings = settings, .now = now};
	int ret;

	*removed_r = 0;
	ctx.max = max_per_txn == 0 ? GREYLIST_SWEEP_DEFAULT : max_per_txn;
	if (ctx.max > GREYLIST_SWEEP_MAX)
		ctx.max = GREYLIST_SWEEP_MAX;
	ctx.start = cursor->next < GREYLIST_SWEEP_RANGES ? cursor->next : 0;
	ctx.keys = malloc(ctx.max * sizeof(*ctx.keys));
	if (ctx.keys == NULL)
		abort();
	ret = store_write(state, greylist_sweep_body, &ctx, error_r);
	free(ctx.keys);
	if (ret != STORE_OK)
		return ret;
	*removed_r = ctx.removed;
	cursor->next = ctx.next < GREYLIST_SWEEP_RANGES ? ctx.next : 0;
	return ctx.next >= GREYLIST_SWEEP_RANGES ? 1 : 0;
}

/* Statistics */

static void greylist_stats_row(const struct greylist_settings *settings,
			       uint64_t now, const struct store_val *key,
			       const struct store_val *value,
			       struct greylist_stats *stats)
{
	const unsigned char *k = key->data;
	struct greylist_entry entry;
	struct greylist_awl awl;

	if (k[0] == GREYLIST_TAG_WHITELIST) {
		/* Admin data, never swept; the summary is not an entry. */
		if (key->len > 1) {
			stats->entries++;
			stats->manual++;
		}
		return;
	}
	stats->entries++;
	if (greylist_row_dead(settings, now, key, value)) {
		stats->expired++;
		return;
	}
	if (k[0] == GREYLIST_TAG_AWL) {
		greylist_awl_decode(value->data, value->len, &awl);
		stats->networks++;
		if (greylist_awl_listed(settings, &awl, now))
			stats->whitelisted++;
		return;
	}
	greylist_entry_decode(value->data, value->len, &entry);
	stats->triplets++;
	if (entry.passed)
		stats->passed++;
	else
		stats->pending++;
}

int greylist_store_stats(struct store_txn *txn,
			 const struct greylist_settings *settings, uint64_t now,
			 struct greylist_stats *stats_r)
{
	struct store_iter iter;
	struct store_val key, value;
	int ret;

	memset(stats_r, 0, sizeof(*stats_r));
	ret = store_iter_open(txn, STORE_GREYLIST, NULL, 0, &iter);
	if (ret != STORE_OK)
		return ret;
	while ((ret = store_iter_next(&iter, &key, &value)) == 1)
		greylist_stats_row(settings, now, &key, &value, stats_r);
	store_iter_close(&iter);
	return ret < 0 ? ret : STORE_OK;
}
