/*
 * greylist_internal: what the parts of greylist.c share; not for use
 * outside greylist*.c. The contracts are in greylist.h.
 *
 *   greylist.c        settings and the decision (postgrey's timeline)
 *   greylist_net.c    client networks (/24, /64) and CIDR text
 *   greylist_key.c    sender normalisation and the keys
 *   greylist_value.c  the stored values and the whitelist summary
 */
#ifndef MAILMAP_GREYLIST_INTERNAL_H
#define MAILMAP_GREYLIST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "greylist.h"

#define FNV32_OFFSET 2166136261u
#define FNV32_PRIME  16777619u
#define FNV64_OFFSET 14695981039346656037ull
#define FNV64_PRIME  1099511628211ull

/* Address bits of a network family (4 or 6). */
static inline unsigned greylist_family_bits(unsigned family)
{
	return family == 4 ? 32 : 128;
}

/* Big-endian integers of keys and values, in bytes bytes. */
static inline void greylist_put_be(unsigned char *out, uint64_t value,
				   size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		out[i] = (unsigned char)(value >> (8 * (bytes - 1 - i)));
}

static inline uint64_t greylist_get_be(const unsigned char *in, size_t bytes)
{
	uint64_t value = 0;

	for (size_t i = 0; i < bytes; i++)
		value = (value << 8) | in[i];
	return value;
}

#endif
