/* greylist_queue: a worker's queue of pending greylisting writes and its
 * flushes; see greylist_store.h. */
#include "greylist_store_internal.h"

#include <stdlib.h>
#include <string.h>

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
