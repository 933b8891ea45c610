/*
 * arena: a bump allocator for short-lived objects.
 *
 * One arena serves one unit of work (an admin command, a daemon request).
 * Everything allocated from it is released at once by arena_reset() or
 * arena_free(). Allocation never fails silently: when malloc fails the
 * process aborts, because every caller would otherwise need an error path
 * for a condition it cannot handle anyway.
 */
#ifndef MAILMAP_ARENA_H
#define MAILMAP_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head; /* current chunk; older chunks follow */
	size_t chunk_size;	  /* size of ordinary chunks */
};

/* Prepares caller-owned storage; chunk_size 0 picks a default. */
void arena_init(struct arena *arena, size_t chunk_size);
/* Releases every chunk; the arena can be used again. */
void arena_deinit(struct arena *arena);
/* Forgets every allocation but keeps the first chunk for reuse. */
void arena_reset(struct arena *arena);

/* Returns size bytes aligned for any object type. */
void *arena_alloc(struct arena *arena, size_t size);
/* Returns size zeroed bytes. */
void *arena_zalloc(struct arena *arena, size_t size);
/* Copies len bytes of s and appends a NUL. */
char *arena_strndup(struct arena *arena, const char *s, size_t len);
/* Copies the NUL-terminated string s. */
char *arena_strdup(struct arena *arena, const char *s);
/* printf into the arena. */
char *arena_printf(struct arena *arena, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends s[0..n) to a NUL-terminated text growing in the arena: *data
 * (NULL at first) of *len bytes in *cap, moved to a block of twice the
 * size when full (the old one stays until the arena is reset). */
void arena_append(struct arena *arena, char **data, size_t *len, size_t *cap,
		  const char *s, size_t n);

#endif
