/*
 * password_internal: what the parts of password.c share; not for use
 * outside password*.c. The contracts are in password.h.
 *
 *   password.c         hashing new passwords, verifying them
 *   password_scheme.c  the schemes Dovecot knows and the shapes of their
 *                      hashes: checking a given "{SCHEME}..." value
 *   password_read.c    reading a password from standard input or a tty
 */
#ifndef MAILMAP_PASSWORD_INTERNAL_H
#define MAILMAP_PASSWORD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "password.h"

/* Scheme flags. */
#define PASSWORD_F_CRYPT   0x1 /* verified by crypt(): we verify it too */
#define PASSWORD_F_ENCODED 0x2 /* binary digest: ".hex"/".b64" allowed */

typedef int password_shape_fn(const char *rest, const char **error_r);

struct password_scheme_info {
	const char *name;
	unsigned flags;
	password_shape_fn *check; /* NULL: any non-empty rest */
	const char *refusal;	  /* non-NULL: never stored, and why */
};

/* The length of a "{NAME}" prefix of value, or 0 when it has none. */
size_t password_scheme_len(const char *value, size_t len);
/* Checks a stored "{SCHEME}..." value: 0 with its scheme and *rest_r the
 * part after the braces, or -1 with *error_r. */
int password_check(const char *value,
		   const struct password_scheme_info **info_r,
		   const char **rest_r, const char **error_r);

#endif
