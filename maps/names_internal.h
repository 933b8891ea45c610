/* names_internal: what the parts of names.c share; not for use outside
 * names*.c. */
#ifndef MAILMAP_NAMES_INTERNAL_H
#define MAILMAP_NAMES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* The largest Unicode code point. */
#define UNICODE_MAX 0x10ffff

/* Does the lower-case Punycode s (an A-label without "xn--") decode to at
 * least one code point that is neither ASCII, a control, a surrogate nor
 * above U+10FFFF? (names_puny.c) */
bool names_puny_is_valid(const char *s, size_t len);

#endif
