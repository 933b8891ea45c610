/*
 * dict_bytes: the word-at-a-time byte tests of the escaping scans (tab
 * escaping in dict_codec.c, JSON strings in dict_json.c): eight bytes are
 * tested at once while none of them is special, which is the common case
 * (a password hash or an address has no byte to escape). The tests are
 * "hasless" and "haszero" of "Bit Twiddling Hacks".
 */
#ifndef MAILMAP_DICT_BYTES_H
#define MAILMAP_DICT_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DICT_BYTES_ONES 0x0101010101010101ULL

/* Is any byte of x below n (n <= 128)? x - n... borrows into a byte's top
 * bit only where that byte is below n, or where a lower byte borrowed,
 * which needs one below n too. */
static inline bool dict_bytes_any_below(uint64_t x, unsigned n)
{
	return ((x - n * DICT_BYTES_ONES) & ~x & 0x80 * DICT_BYTES_ONES) != 0;
}

/* Is any byte of x equal to b? (a zero byte of x ^ b...) */
static inline bool dict_bytes_any_equal(uint64_t x, unsigned char b)
{
	return dict_bytes_any_below(x ^ (b * DICT_BYTES_ONES), 1);
}

/* How many leading bytes of s[0..len) lie in whole words of which special
 * finds no byte: the scan goes on byte by byte from there. */
static inline size_t dict_bytes_plain_words(const char *s, size_t len,
					    bool (*special)(uint64_t word))
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t word;
		memcpy(&word, s + i, 8);
		if (special(word))
			break;
	}
	return i;
}

#endif
