/* record_cache: decoded shared records per snapshot; see record_cache.h. */
#include "record_cache.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* Open addressing at most half full: lookups end at an empty slot soon. */
#define RECORD_CACHE_SLOTS (2 * RECORD_CACHE_MAX)
/* What the decoded records may take before the cache starts again. */
#define RECORD_CACHE_BYTES (1024 * 1024)

struct record_cache_slot {
	uint64_t hash; /* 0: empty */
	enum store_table table;
	const char *key;
	const void *rec;
};

struct record_cache {
	uint64_t snapshot;
	size_t count, bytes;
	struct arena arena; /* keys and decoded records */
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

/* FNV-1a over the table and the key; never 0 (the empty mark). */
static uint64_t record_cache_hash(enum store_table table, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)table;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 0x100000001b3ULL;
	return h != 0 ? h : 1;
}

/* The slot holding table and key, or the empty slot where it would go. */
static struct record_cache_slot *record_cache_slot(struct record_cache *cache,
						   uint64_t hash,
						   enum store_table table,
						   const char *key)
{
	size_t i = (size_t)(hash % RECORD_CACHE_SLOTS);

	for (;; i = (i + 1) % RECORD_CACHE_SLOTS) {
		struct record_cache_slot *slot = &cache->slots[i];
		if (slot->hash == 0 ||
		    (slot->hash == hash && slot->table == table &&
		     strcmp(slot->key, key) == 0))
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

const void *record_cache_get(struct record_cache *cache, uint64_t snapshot,
			     enum store_table table, const char *key)
{
	record_cache_use(cache, snapshot);
	return record_cache_slot(cache, record_cache_hash(table, key), table,
				 key)
	    ->rec;
}

const void *record_cache_add(struct record_cache *cache, uint64_t snapshot,
			     enum store_table table, const char *key,
			     const struct record_desc *desc,
			     struct store_val value, const char **error_r)
{
	uint64_t hash = record_cache_hash(table, key);
	size_t key_len = strlen(key);
	struct record_cache_slot *slot;
	void *rec;

	record_cache_use(cache, snapshot);
	if (cache->count == RECORD_CACHE_MAX ||
	    cache->bytes > RECORD_CACHE_BYTES)
		record_cache_clear(cache);
	/* Counted first, so a corrupt record read again and again cannot
	 * grow the arena (decoded strings are copies of the value's bytes). */
	cache->bytes += desc->size + 2 * value.len + 2 * key_len;
	rec = arena_alloc(&cache->arena, desc->size);
	if (record_decode(desc, key, key_len, value.data, value.len,
			  &cache->arena, rec, error_r) < 0)
		return NULL;
	slot = record_cache_slot(cache, hash, table, key);
	if (slot->hash == 0)
		cache->count++;
	*slot = (struct record_cache_slot){
	    hash, table, arena_strndup(&cache->arena, key, key_len), rec};
	return rec;
}
