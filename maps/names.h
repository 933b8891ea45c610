/*
 * names: normalisation of domain names and mail addresses into store keys.
 *
 * Every key in the store that holds a name is in the form made here, and
 * every lookup key goes through the same functions, so the admin tool and
 * the daemon cannot disagree. Domains: one trailing dot removed, ASCII
 * lower-cased, U-labels converted to A-labels (IDNA2008, RFC 5890-5891,
 * with UTS #46 non-transitional mapping, through libidn2). Local parts:
 * RFC 5322 3.2.3 dot-atom or its RFC 6531 3.3 UTF-8 extension, ASCII
 * lower-cased.
 *
 * Decisions (what the RFCs leave open or what we refuse on purpose):
 * - Single-label domains ("localhost") are refused: a hosted mail domain
 *   always has a dot.
 * - Labels are LDH (RFC 1123 2.1, RFC 5891 4.2.3.1): no underscores, no
 *   leading or trailing hyphen, 1..63 bytes, at most 253 bytes in all
 *   (measured after IDNA conversion, without the trailing dot). Labels with
 *   "--" in positions 3 and 4 are reserved (RFC 5891 4.2.3.1) and refused,
 *   except A-labels ("xn--").
 * - Digits-only labels are accepted, but not as the last label (RFC 3696 2),
 *   so that a dotted quad is never taken for a domain.
 * - One trailing dot is accepted and removed; "a.b.." is refused.
 * - Address literals ("[192.0.2.1]", "[IPv6:...]") are refused.
 * - NUL bytes, control characters (C0, DEL, and C1 in local parts) and
 *   spaces are refused anywhere; the length given is authoritative, so an
 *   embedded NUL is an error, never a silent truncation.
 * - A-labels given in ASCII ("xn--...") are checked to be well-formed
 *   Punycode (RFC 3492) that decodes to at least one non-ASCII code point,
 *   none of them a control character, a surrogate or above U+10FFFF. This
 *   check needs neither libidn2 nor malloc. It is not a full IDNA2008
 *   validity check of the decoded U-label (that needs Unicode tables);
 *   libidn2 runs only when the input holds a byte >= 0x80.
 * - Non-ASCII domain input is limited to NAMES_IDN_INPUT_MAX bytes before
 *   conversion and refused as too long beyond that: UTF-8 spends at most 4
 *   bytes on a code point, an A-label at least one.
 * - Local parts: quoted strings are refused; non-ASCII bytes must be valid
 *   UTF-8 (no overlongs, surrogates or C1 controls) and are kept byte for
 *   byte: no Unicode case folding and no normalisation, so "JÖRG" and "jörg"
 *   are different keys.
 * - An address is at most NAMES_ADDRESS_LIMIT bytes after normalisation
 *   (RFC 5321 4.5.3.1.3 allows a 256-byte path, "<" and ">" included).
 * - Extension stripping follows Postfix's split_addr(): postmaster,
 *   mailer-daemon and double-bounce are never split, and when '-' is a
 *   delimiter neither are "owner-*" and "*-request" (owner_request_special).
 *
 * Error messages are static strings naming the problem, not the field; the
 * caller adds the field name. Output buffers are undefined after an error.
 * Nothing here allocates except libidn2 on the non-ASCII path.
 */
#ifndef MAILMAP_NAMES_H
#define MAILMAP_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define NAMES_LOCAL_MAX	  64  /* RFC 5321 4.5.3.1.1 */
#define NAMES_DOMAIN_MAX  253 /* RFC 1035 2.3.4, without the trailing dot */
#define NAMES_LABEL_MAX	  63  /* RFC 1035 2.3.4 */
#define NAMES_ADDRESS_MAX (NAMES_LOCAL_MAX + 1 + NAMES_DOMAIN_MAX)
/* RFC 5321 4.5.3.1.3: a path is 256 bytes with its angle brackets. */
#define NAMES_ADDRESS_LIMIT 254
/* Bound on UTF-8 domain input before IDNA conversion (4 bytes for each of
 * NAMES_DOMAIN_MAX code points, rounded up). */
#define NAMES_IDN_INPUT_MAX 1024

/* Writes the normalised form of the domain in[0..len) and a NUL into out
 * (NAMES_DOMAIN_MAX + 1 bytes); returns 0, or -1 with *error_r set. */
int names_domain_normalize(const char *in, size_t len, char *out,
			   const char **error_r);

/* Writes the normalised form of the address local@domain in in[0..len) and
 * a NUL into out (NAMES_ADDRESS_MAX + 1 bytes); returns 0, or -1 with
 * *error_r set. */
int names_address_normalize(const char *in, size_t len, char *out,
			    const char **error_r);

/* Splits a normalised address at its last '@': the local part is
 * address[0..*local_len_r), the domain starts at *domain_r. Without an '@'
 * the whole string is the local part and *domain_r points at its NUL. */
void names_address_split(const char *address, size_t *local_len_r,
			 const char **domain_r);

/* The mail directory of a mailbox that names none, relative to its
 * domain's storage: "DOMAIN/LOCAL/" for a normalised address, written into
 * out (NAMES_MAILDIR_MAX bytes). One definition for mailmapctl, which
 * stores it at creation, and the daemon's answers for older records. */
#define NAMES_MAILDIR_MAX (NAMES_ADDRESS_MAX + 2) /* "/" twice for "@", NUL */
void names_default_maildir(const char *address, char *out);

/* Writes the normalised address without its recipient extension into out
 * (NAMES_ADDRESS_MAX + 1 bytes). The extension starts at the first
 * character of the local part that is in the set delimiters ("" = none).
 * Returns false, leaving out alone, when there is no extension, when the
 * local part would become empty, or for the local parts Postfix never
 * splits (see above). */
bool names_strip_extension(const char *address, const char *delimiters,
			   char *out);

/* Is s[0..len) well-formed UTF-8 (RFC 3629 4: no overlongs, surrogates or
 * code points above U+10FFFF)? NUL bytes count as valid here. */
bool names_is_valid_utf8(const char *s, size_t len);

#endif
