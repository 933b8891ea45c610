/* record_cache: shared records per snapshot; see record_cache.h. */
#include "record_cache.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* Open addressing at most half full: lookups end at an empty slot soon. */
#define RECORD_CACHE_SLOTS (2 * RECORD_CACHE_MAX)
/* What the cached records may take before the cache starts again. */
#define RECORD_CACHE_BYTES (1024 * 1024)

/* Decoded records and callers' views of the same key are kept apart. */
enum record_cache_kind { CACHE_DECODED = 1, CACHE_VIEW = 2 };

struct record_cache_key {
	enum record_cache_kind kind;
	enum store_table table;
	const char *key;
	size_t len;
};

struct record_cache_slot {
	uint64_t hash; /* 0: empty */
	struct record_cache_key id;
	const void *rec;
};

struct record_cache {
	uint64_t snapshot;
	size_t count, bytes;
	struct arena arena; /* keys and records */
	struct record_cache_slot slots[RECORD_CACHE_SLOTS];
};

struct record_cache *record_cache_new(void)
{
	struct record_cache *cache = calloc(1, sizeof(*cache));

	if (cache == NULL)
		abort(); /* as arena.h: no caller can do better */
	arena_init(&cache->arena, 0);
	return cache;
}

void record_cache_free(struct record_cache **cachep)
{
	struct record_cache *cache = *cachep;

	if (cache == NULL)
		return;
	arena_deinit(&cache->arena);
	free(cache);
	*cachep = NULL;
}

static void record_cache_clear(struct record_cache *cache)
{
	memset(cache->slots, 0, sizeof(cache->slots));
	arena_reset(&cache->arena);
	cache->count = cache->bytes = 0;
}

/* FNV-1a over the kind, the table and the key; never 0 (the empty mark). */
static uint64_t record_cache_hash(const struct record_cache_key *id)
{
	uint64_t h = 0xcbf29ce484222325ULL ^
		     ((uint64_t)id->kind << 8 | (uint64_t)id->table);

	for (size_t i = 0; i < id->len; i++)
		h = (h ^ (unsigned char)id->key[i]) * 0x100000001b3ULL;
	return h != 0 ? h : 1;
}

static bool record_cache_same(const struct record_cache_key *a,
			      const struct record_cache_key *b)
{
	return a->kind == b->kind && a->table == b->table && a->len == b->len &&
	       memcmp(a->key, b->key, a->len) == 0;
}

/* The slot holding id, or the empty slot where it would go. */
static struct record_cache_slot *
record_cache_slot(struct record_cache *cache, uint64_t hash,
		  const struct record_cache_key *id)
{
	size_t i = (size_t)(hash % RECORD_CACHE_SLOTS);

	for (;; i = (i + 1) % RECORD_CACHE_SLOTS) {
		struct record_cache_slot *slot = &cache->slots[i];
		if (slot->hash == 0 ||
		    (slot->hash == hash && record_cache_same(&slot->id, id)))
			return slot;
	}
}

/* Empties the cache when it holds another snapshot's records. */
static void record_cache_use(struct record_cache *cache, uint64_t snapshot)
{
	if (cache->snapshot == snapshot)
		return;
	record_cache_clear(cache);
	cache->snapshot = snapshot;
}

static const void *record_cache_find(struct record_cache *cache,
				     uint64_t snapshot,
				     const struct record_cache_key *id)
{
	record_cache_use(cache, snapshot);
	return record_cache_slot(cache, record_cache_hash(id), id)->rec;
}

static bool record_cache_full(const struct record_cache *cache)
{
	return cache->count >= RECORD_CACHE_MAX ||
	       cache->bytes > RECORD_CACHE_BYTES;
}

void record_cache_trim(struct record_cache *cache)
{
	if (record_cache_full(cache))
		record_cache_clear(cache);
}

bool record_cache_has_room(struct record_cache *cache, uint64_t snapshot)
{
	record_cache_use(cache, snapshot);
	return !record_cache_full(cache);
}

/* Room for a record of size bytes (its strings included): the arena
 * block it goes in, or NULL when the cache is full. Never emptied here:
 * the request may still hold records from it. Counted first, so a
 * corrupt record read again and again cannot grow the arena. */
static void *record_cache_reserve(struct record_cache *cache, uint64_t snapshot,
				  size_t size, size_t extra)
{
	if (!record_cache_has_room(cache, snapshot))
		return NULL;
	cache->bytes += size + extra;
	return arena_alloc(&cache->arena, size);
}

static void record_cache_insert(struct record_cache *cache,
				const struct record_cache_key *id,
				const void *rec)
{
	uint64_t hash = record_cache_hash(id);
	struct record_cache_slot *slot = record_cache_slot(cache, hash, id);

	if (slot->hash == 0)
		cache->count++;
	*slot = (struct record_cache_slot){hash, *id, rec};
	slot->id.key = arena_strndup(&cache->arena, id->key, id->len);
}

const void *record_cache_get(struct record_cache *cache, uint64_t snapshot,
			     enum store_table table, const char *key)
{
	struct record_cache_key id = {CACHE_DECODED, table, key, strlen(key)};

	return record_cache_find(cache, snapshot, &id);
}

const void *record_cache_add(struct record_cache *cache, uint64_t snapshot,
			     enum store_table table, const char *key,
			     const struct record_desc *desc,
			     struct store_val value, const char **error_r)
{
	struct record_cache_key id = {CACHE_DECODED, table, key, strlen(key)};
	/* decoded strings are copies of the value's bytes */
	void *rec = record_cache_reserve(cache, snapshot, desc->size,
					 2 * value.len + 2 * id.len);

	if (rec == NULL) {
		*error_r = "record cache is full";
		return NULL;
	}
	if (record_decode(desc, key, id.len, value.data, value.len,
			  &cache->arena, rec, error_r) < 0)
		return NULL;
	record_cache_insert(cache, &id, rec);
	return rec;
}

const void *record_cache_get_view(struct record_cache *cache, uint64_t snapshot,
				  enum store_table table, const char *key,
				  size_t key_len)
{
	struct record_cache_key id = {CACHE_VIEW, table, key, key_len};

	return record_cache_find(cache, snapshot, &id);
}

const void *record_cache_add_view(struct record_cache *cache, uint64_t snapshot,
				  enum store_table table, const char *key,
				  size_t key_len, const void *view, size_t size)
{
	struct record_cache_key id = {CACHE_VIEW, table, key, key_len};
	void *copy = record_cache_reserve(cache, snapshot, size, key_len);

	if (copy == NULL)
		return NULL;
	memcpy(copy, view, size);
	record_cache_insert(cache, &id, copy);
	return copy;
}
