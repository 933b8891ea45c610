/*
 * password: mailbox passwords as Dovecot 2.3 password hashes.
 *
 * mailmapctl never stores a plaintext. A password read from standard input
 * or a terminal prompt is hashed with libxcrypt as "{SHA512-CRYPT}$6$..." or
 * "{BLF-CRYPT}$2y$...", the schemes Dovecot 2.3.19 verifies (SHA512-CRYPT
 * through the system crypt(), BLF-CRYPT through its bundled crypt_blowfish).
 * An already hashed "{SCHEME}..." value is accepted instead when Dovecot
 * 2.3.19 knows the scheme and the scheme is not a plaintext in disguise.
 *
 * Limits: a plaintext is at most PASSWORD_PLAIN_MAX bytes when read, and at
 * most 511 bytes when hashed (libxcrypt's CRYPT_MAX_PASSPHRASE_SIZE);
 * bcrypt uses only the first 72 bytes, in Dovecot as here. Nothing in this
 * module prints or logs a password or a hash.
 */
#ifndef MAILMAP_PASSWORD_H
#define MAILMAP_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum password_scheme { PASSWORD_SHA512_CRYPT, PASSWORD_BLF_CRYPT };

#define PASSWORD_HASH_MAX  256	/* buffer size for "{SCHEME}hash" */
#define PASSWORD_PLAIN_MAX 1024 /* longest accepted plaintext */

/* Hashes len bytes of plain with a fresh salt into out (PASSWORD_HASH_MAX
   bytes); rounds 0 picks the default (SHA512-CRYPT: 5000, BLF-CRYPT: cost
   10). 0, or -1 with a static message in *error_r. */
int password_hash(const char *plain, size_t len, enum password_scheme scheme,
		  unsigned rounds, char *out, const char **error_r);

/* True when value looks like "{SCHEME}rest" (a given hash, not a
   plaintext). */
bool password_is_hashed(const char *value);

/* Checks that value is a storable Dovecot 2.3 hash; 0, or -1 with a static
   message naming what is wrong in *error_r. */
int password_check_hashed(const char *value, const char **error_r);

/* Turns len bytes the admin gave (plaintext or "{SCHEME}..." hash) into the
   value to store in out (PASSWORD_HASH_MAX bytes). 0 or -1 + *error_r. */
int password_prepare(const char *given, size_t len, enum password_scheme scheme,
		     unsigned rounds, char *out, const char **error_r);

/* Reads one password from in (prompting twice with echo off when in is a
   terminal) into buf (PASSWORD_PLAIN_MAX + 1 bytes, NUL-terminated) and its
   length into *len_r. 0 or -1 + *error_r. */
int password_read(FILE *in, char *buf, size_t *len_r, const char **error_r);

/* True when plain matches a stored {SHA512-CRYPT}, {SHA256-CRYPT},
   {BLF-CRYPT}, {MD5-CRYPT}, {DES-CRYPT} or {CRYPT} hash. */
bool password_verify(const char *plain, const char *stored);

#endif
