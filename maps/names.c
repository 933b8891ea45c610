/*
 * names: domain and address normalisation; contracts and decisions in
 * names.h.
 *
 * Specs: RFC 1035 2.3.4 and RFC 1123 2.1 (label syntax and limits),
 * RFC 5321 4.5.3.1 (size limits), RFC 5322 3.2.3 (atext, dot-atom),
 * RFC 6531 3.3 (UTF-8 local parts), RFC 3629 4 (UTF-8), RFC 3492 (Punycode),
 * RFC 5890/5891 and UTS #46 (IDNA, done by libidn2).
 *
 * The daemon calls these on every request, so pure ASCII input takes one
 * pass into the caller's buffer: no allocation, no libidn2. Only a domain
 * with a byte >= 0x80 goes through libidn2, whose output is then checked by
 * the same ASCII code as any other domain.
 */
#include "names.h"
#include "names_internal.h"

#include <idn2.h>
#include <stdint.h>
#include <string.h>

static bool is_ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* RFC 5322 3.2.3 atext, ASCII part. */
static bool is_atext(unsigned char c)
{
	return is_ascii_alnum(c) ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Decodes one UTF-8 sequence at s (RFC 3629 4); returns its length, or 0
 * when it is truncated, overlong, a surrogate or above U+10FFFF. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp_r)
{
	size_t n, i;
	uint32_t cp, min;

	if (s[0] < 0x80) {
		*cp_r = s[0];
		return 1;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > UNICODE_MAX || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return n;
}

bool names_is_valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* Checks one lower-cased label of an ASCII domain. */
static int domain_check_label(const char *label, size_t len,
			      const char **error_r)
{
	if (len == 0) {
		*error_r = "empty domain label";
		return -1;
	}
	if (len > NAMES_LABEL_MAX) {
		*error_r = "domain label is longer than 63 bytes";
		return -1;
	}
	if (label[0] == '-' || label[len - 1] == '-') {
		*error_r = "domain label starts or ends with a hyphen";
		return -1;
	}
	if (len < 4 || label[2] != '-' || label[3] != '-')
		return 0;
	if (label[0] != 'x' || label[1] != 'n') {
		*error_r = "domain label has hyphens in positions 3 and 4";
		return -1;
	}
	if (!names_puny_is_valid(label + 4, len - 4)) {
		*error_r = "invalid IDNA domain name";
		return -1;
	}
	return 0;
}

/* Checks the last label: at least two labels, and not all digits. */
static int domain_check_last(const char *out, size_t start,
			     const char **error_r)
{
	size_t i;

	if (start == 0) {
		*error_r = "domain has no dot";
		return -1;
	}
	for (i = start; out[i] != '\0'; i++) {
		if (out[i] < '0' || out[i] > '9')
			return 0;
	}
	*error_r = "top-level domain label is all digits";
	return -1;
}

/* Lower-cases and checks an ASCII domain into out. */
static int domain_copy_ascii(const char *in, size_t len, char *out,
			     const char **error_r)
{
	size_t i, start = 0;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0) {
		*error_r = "empty domain";
		return -1;
	}
	if (len > NAMES_DOMAIN_MAX) {
		*error_r = "domain is longer than 253 bytes";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (in[i] == '.') {
			if (domain_check_label(out + start, i - start,
					       error_r) < 0)
				return -1;
			start = i + 1;
		} else if (!is_ascii_alnum((unsigned char)in[i]) &&
			   in[i] != '-') {
			*error_r = "invalid character in domain";
			return -1;
		}
		out[i] = ascii_lower(in[i]);
	}
	out[len] = '\0';
	if (domain_check_label(out + start, len - start, error_r) < 0)
		return -1;
	return domain_check_last(out, start, error_r);
}

/* Checks non-ASCII domain input before libidn2 sees it: its ASCII bytes
 * must be LDH or dots, the rest valid UTF-8. */
static int domain_check_raw(const char *in, size_t len, const char **error_r)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c < 0x80 && !is_ascii_alnum(c) && c != '-' && c != '.') {
			*error_r = "invalid character in domain";
			return -1;
		}
	}
	if (!names_is_valid_utf8(in, len)) {
		*error_r = "domain is not valid UTF-8";
		return -1;
	}
	return 0;
}

static const char *idn2_error_message(int rc)
{
	switch (rc) {
	case IDN2_MALLOC:
		return "out of memory";
	case IDN2_TOO_BIG_DOMAIN:
		return "domain is longer than 253 bytes";
	case IDN2_TOO_BIG_LABEL:
	case IDN2_PUNYCODE_BIG_OUTPUT:
		return "domain label is longer than 63 bytes";
	case IDN2_HYPHEN_STARTEND:
		return "domain label starts or ends with a hyphen";
	case IDN2_2HYPHEN:
		return "domain label has hyphens in positions 3 and 4";
	default:
		return "invalid IDNA domain name";
	}
}

/* Converts a domain holding non-ASCII bytes with libidn2, then checks the
 * A-label form like any ASCII domain. */
static int domain_convert_idn(const char *in, size_t len, char *out,
			      const char **error_r)
{
	char buf[NAMES_IDN_INPUT_MAX + 1];
	char *ascii = NULL;
	int rc, ret;

	if (domain_check_raw(in, len, error_r) < 0)
		return -1;
	memcpy(buf, in, len);
	buf[len] = '\0';
	rc = idn2_to_ascii_8z(buf, &ascii,
			      IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
		*error_r = idn2_error_message(rc);
		return -1;
	}
	ret = domain_copy_ascii(ascii, strlen(ascii), out, error_r);
	idn2_free(ascii);
	return ret;
}

int names_domain_normalize(const char *in, size_t len, char *out,
			   const char **error_r)
{
	size_t i;

	if (len > 0 && in[0] == '[') {
		*error_r = "address literals are not supported";
		return -1;
	}
	if (len > NAMES_IDN_INPUT_MAX) {
		*error_r = "domain is longer than 253 bytes";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)in[i] >= 0x80)
			return domain_convert_idn(in, len, out, error_r);
	}
	return domain_copy_ascii(in, len, out, error_r);
}

/* Checks the UTF-8 of a local part; C1 controls are refused like C0. */
static int local_check_utf8(const char *in, size_t len, const char **error_r)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			*error_r = "local part is not valid UTF-8";
			return -1;
		}
		if (cp >= 0x80 && cp < 0xa0) {
			*error_r = "invalid character in local part";
			return -1;
		}
		i += n;
	}
	return 0;
}

/* Lower-cases and checks a dot-atom local part into out. */
static int local_copy(const char *in, size_t len, char *out,
		      const char **error_r)
{
	bool utf8 = false;
	size_t i;

	if (len == 0) {
		*error_r = "empty local part";
		return -1;
	}
	if (len > NAMES_LOCAL_MAX) {
		*error_r = "local part is longer than 64 bytes";
		return -1;
	}
	if (in[0] == '.' || in[len - 1] == '.') {
		*error_r = "local part starts or ends with a dot";
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.' && in[i - 1] == '.') {
			*error_r = "consecutive dots in local part";
			return -1;
		} else if (c >= 0x80) {
			utf8 = true;
		} else if (c != '.' && !is_atext(c)) {
			*error_r = c == '"'
				       ? "quoted local parts are not supported"
				       : "invalid character in local part";
			return -1;
		}
		out[i] = ascii_lower(in[i]);
	}
	return utf8 ? local_check_utf8(in, len, error_r) : 0;
}

int names_address_normalize(const char *in, size_t len, char *out,
			    const char **error_r)
{
	const char *at;
	size_t local_len;

	if (len > 0 && in[0] == '"') {
		*error_r = "quoted local parts are not supported";
		return -1;
	}
	at = memchr(in, '@', len);
	if (at == NULL) {
		*error_r = "address has no @";
		return -1;
	}
	local_len = (size_t)(at - in);
	if (memchr(at + 1, '@', len - local_len - 1) != NULL) {
		*error_r = "address has more than one @";
		return -1;
	}
	if (local_copy(in, local_len, out, error_r) < 0)
		return -1;
	out[local_len] = '@';
	if (names_domain_normalize(at + 1, len - local_len - 1,
				   out + local_len + 1, error_r) < 0)
		return -1;
	if (local_len + 1 + strlen(out + local_len + 1) > NAMES_ADDRESS_LIMIT) {
		*error_r = "address is longer than 254 bytes";
		return -1;
	}
	return 0;
}

void names_address_split(const char *address, size_t *local_len_r,
			 const char **domain_r)
{
	const char *at = strrchr(address, '@');

	if (at == NULL) {
		*local_len_r = strlen(address);
		*domain_r = address + *local_len_r;
		return;
	}
	*local_len_r = (size_t)(at - address);
	*domain_r = at + 1;
}

void names_default_maildir(const char *address, char *out)
{
	const char *domain;
	size_t local_len, domain_len;

	names_address_split(address, &local_len, &domain);
	domain_len = strlen(domain);
	memcpy(out, domain, domain_len);
	out[domain_len] = '/';
	memcpy(out + domain_len + 1, address, local_len);
	memcpy(out + domain_len + 1 + local_len, "/", 2);
}

static bool local_is(const char *local, size_t len, const char *name)
{
	return len == strlen(name) && memcmp(local, name, len) == 0;
}

/* Local parts Postfix's split_addr() leaves whole (postmaster, mailer-daemon,
 * the default double_bounce_sender; owner-* and *-request when '-' is a
 * delimiter and owner_request_special is on, its default). */
static bool local_is_unsplittable(const char *local, size_t len,
				  const char *delimiters)
{
	if (local_is(local, len, "postmaster") ||
	    local_is(local, len, "mailer-daemon") ||
	    local_is(local, len, "double-bounce"))
		return true;
	if (strchr(delimiters, '-') == NULL)
		return false;
	return (len >= 6 && memcmp(local, "owner-", 6) == 0) ||
	       (len > 8 && memcmp(local + len - 8, "-request", 8) == 0);
}

bool names_strip_extension(const char *address, const char *delimiters,
			   char *out)
{
	const char *domain;
	size_t local_len, ext, domain_len;

	if (delimiters[0] == '\0')
		return false;
	names_address_split(address, &local_len, &domain);
	if (address[local_len] != '@' ||
	    local_is_unsplittable(address, local_len, delimiters))
		return false;
	for (ext = 0; ext < local_len; ext++) {
		if (strchr(delimiters, address[ext]) != NULL)
			break;
	}
	if (ext == 0 || ext == local_len)
		return false;
	domain_len = strlen(domain);
	if (ext + 1 + domain_len > NAMES_ADDRESS_MAX)
		return false;
	memcpy(out, address, ext);
	out[ext] = '@';
	memcpy(out + ext + 1, domain, domain_len + 1);
	return true;
}
