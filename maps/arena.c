/* arena: bump allocator; see arena.h. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_DEFAULT_CHUNK 16384
#define ARENA_ALIGN	    _Alignof(max_align_t)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* usable bytes in data[] */
	size_t used;
	_Alignas(max_align_t) unsigned char data[];
};

static struct arena_chunk *arena_chunk_new(size_t size)
{
	struct arena_chunk *chunk = malloc(sizeof(*chunk) + size);

	if (chunk == NULL)
		abort();
	chunk->next = NULL;
	chunk->size = size;
	chunk->used = 0;
	return chunk;
}

void arena_init(struct arena *arena, size_t chunk_size)
{
	arena->head = NULL;
	arena->chunk_size = chunk_size != 0 ? chunk_size : ARENA_DEFAULT_CHUNK;
}

void arena_deinit(struct arena *arena)
{
	struct arena_chunk *chunk = arena->head;

	while (chunk != NULL) {
		struct arena_chunk *next = chunk->next;
		free(chunk);
		chunk = next;
	}
	arena->head = NULL;
}

void arena_reset(struct arena *arena)
{
	struct arena_chunk *last = arena->head;

	if (last == NULL)
		return;
	/* Keep the oldest chunk: it is an ordinary one, sized for reuse. */
	while (last->next != NULL) {
		struct arena_chunk *next = last->next;
		free(last);
		last = next;
	}
	last->used = 0;
	arena->head = last;
}

void *arena_alloc(struct arena *arena, size_t size)
{
	struct arena_chunk *chunk = arena->head;
	size_t aligned = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	void *ptr;

	if (aligned < size)
		abort();
	if (chunk == NULL || chunk->size - chunk->used < aligned) {
		size_t want =
		    aligned > arena->chunk_size ? aligned : arena->chunk_size;
		chunk = arena_chunk_new(want);
		chunk->next = arena->head;
		arena->head = chunk;
	}
	ptr = chunk->data + chunk->used;
	chunk->used += aligned;
	return ptr;
}

void *arena_zalloc(struct arena *arena, size_t size)
{
	void *ptr = arena_alloc(arena, size);

	memset(ptr, 0, size);
	return ptr;
}

char *arena_strndup(struct arena *arena, const char *s, size_t len)
{
	char *copy = arena_alloc(arena, len + 1);

	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

char *arena_strdup(struct arena *arena, const char *s)
{
	return arena_strndup(arena, s, strlen(s));
}

char *arena_printf(struct arena *arena, const char *fmt, ...)
{
	va_list ap;
	int len;
	char *out;

	char probe[1];

	/* GCC 12 under -fsanitize=undefined warns of a NULL format otherwise */
	if (fmt == NULL)
		abort();
	va_start(ap, fmt);
	len = vsnprintf(probe, sizeof(probe), fmt, ap);
	va_end(ap);
	if (len < 0)
		abort();
	out = arena_alloc(arena, (size_t)len + 1);
	va_start(ap, fmt);
	vsnprintf(out, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return out;
}

void arena_append(struct arena *arena, char **data, size_t *len, size_t *cap,
		  const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t grown = *cap != 0 ? *cap : 128;
		char *copy;

		while (grown < *len + n + 1)
			grown *= 2;
		copy = arena_alloc(arena, grown);
		if (*len != 0)
			memcpy(copy, *data, *len);
		*data = copy;
		*cap = grown;
	}
	if (n != 0)
		memcpy(*data + *len, s, n);
	*len += n;
	(*data)[*len] = '\0';
}
