/* names_puny: the Punycode check of A-labels (RFC 3492); see
 * names_internal.h. */
#include "names_internal.h"

#include <stdint.h>

/* RFC 3492 5: Punycode parameters for IDNA. */
#define PUNY_BASE	  36
#define PUNY_TMIN	  1
#define PUNY_TMAX	  26
#define PUNY_SKEW	  38
#define PUNY_DAMP	  700
#define PUNY_INITIAL_BIAS 72
#define PUNY_INITIAL_N	  0x80

/* Punycode (RFC 3492 6.1) bias adaptation. */
static uint32_t puny_adapt(uint32_t delta, uint32_t numpoints, bool first)
{
	uint32_t k = 0;

	delta = first ? delta / PUNY_DAMP : delta / 2;
	delta += delta / numpoints;
	while (delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) / 2) {
		delta /= PUNY_BASE - PUNY_TMIN;
		k += PUNY_BASE;
	}
	return k + (PUNY_BASE - PUNY_TMIN + 1) * delta / (delta + PUNY_SKEW);
}

/* Digit value of a lower-case Punycode digit, or -1. */
static int puny_digit(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '0' && c <= '9')
		return c - '0' + 26;
	return -1;
}

/* Threshold t(k) of RFC 3492 6.2, clamped to [tmin, tmax]. */
static uint32_t puny_threshold(uint32_t k, uint32_t bias)
{
	if (k <= bias)
		return PUNY_TMIN;
	if (k >= bias + PUNY_TMAX)
		return PUNY_TMAX;
	return k - bias;
}

/* Adds the variable-length integer at s[*pos] (RFC 3492 6.2) to *i;
 * -1 on a bad digit, truncation or overflow. */
static int puny_read_delta(const char *s, size_t len, size_t *pos,
			   uint32_t bias, uint32_t *i)
{
	uint32_t w = 1, k, t;
	int digit;

	for (k = PUNY_BASE;; k += PUNY_BASE) {
		if (*pos >= len || (digit = puny_digit(s[(*pos)++])) < 0)
			return -1;
		if ((uint32_t)digit > (UINT32_MAX - *i) / w)
			return -1;
		*i += (uint32_t)digit * w;
		t = puny_threshold(k, bias);
		if ((uint32_t)digit < t)
			return 0;
		if (w > UINT32_MAX / (PUNY_BASE - t))
			return -1;
		w *= PUNY_BASE - t;
	}
}

/* Does the lower-case Punycode s (an A-label without "xn--") decode to at
 * least one code point that is neither ASCII, a control, a surrogate nor
 * above U+10FFFF? Decodes without storing the output (RFC 3492 6.2). */
bool names_puny_is_valid(const char *s, size_t len)
{
	uint32_t n = PUNY_INITIAL_N, i = 0, bias = PUNY_INITIAL_BIAS, old, out;
	size_t basic = 0, pos, j;

	for (j = 0; j < len; j++)
		if (s[j] == '-')
			basic = j;
	out = (uint32_t)basic; /* len <= NAMES_LABEL_MAX */
	pos = basic > 0 ? basic + 1 : 0;
	if (pos >= len)
		return false; /* nothing encoded: not an A-label */
	while (pos < len) {
		old = i;
		if (puny_read_delta(s, len, &pos, bias, &i) < 0)
			return false;
		out++;
		bias = puny_adapt(i - old, out, old == 0);
		if (i / out > UNICODE_MAX - n)
			return false;
		n += i / out;
		i %= out;
		if (n < 0xa0 || (n >= 0xd800 && n <= 0xdfff))
			return false;
		i++;
	}
	return true;
}
