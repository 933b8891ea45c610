/*
 * password: hashing, checking and reading mailbox passwords; see password.h
 * (the parts: password_internal.h). This file: hashing and verifying.
 *
 * Scheme names and hash shapes follow Dovecot 2.3.19 (src/auth/
 * password-scheme.c, password-scheme-crypt.c, password-scheme-sodium.c;
 * Debian's dovecot-core links libsodium, so ARGON2I/ARGON2ID exist).
 * Hashes are made and verified with libxcrypt's reentrant crypt_rn() and
 * crypt_gensalt_rn(), whose NULL rbytes make it draw the salt from the OS.
 *
 * Limits: secrets are wiped from our own buffers (explicit_bzero), but stdio
 * keeps its own copy of what it read from a pipe or file in the caller's
 * FILE buffer, which this module cannot reach.
 */
#include "password_internal.h"

#include <crypt.h>
#include <string.h>

/* libxcrypt fails with ERANGE on a phrase of CRYPT_MAX_PASSPHRASE_SIZE bytes
   or more, and so would Dovecot's crypt(): such a password never verifies. */
#define PASSWORD_CRYPT_PLAIN_MAX (CRYPT_MAX_PASSPHRASE_SIZE - 1)

/* How we generate each enum password_scheme. */
struct password_generator {
	const char *name;
	const char *prefix;
	unsigned min, max, dflt; /* dflt 0: libxcrypt's own default */
	const char *range_error;
};

/*
 * BLF-CRYPT is generated as "$2y$": that is the prefix Dovecot 2.3's own
 * generator and PHP's password_hash() write, so our hashes look like the
 * ones admins migrate from. Dovecot 2.3.19 verifies BLF-CRYPT with its
 * bundled crypt_blowfish (not libxcrypt), {CRYPT} with libxcrypt's crypt();
 * both accept $2a$, $2b$ and $2y$. $2b$ and $2y$ are the same algorithm;
 * $2a$ differs only for some non-ASCII passwords (CVE-2011-2483).
 *
 * Cost 0 means 10, not the default 5 of libxcrypt and Dovecot 2.3 (chosen
 * for 1999 hardware); 10 is OWASP's minimum and costs about 70 ms per login
 * on one current server core. SHA512-CRYPT rounds 0 leave libxcrypt's default,
 * 5000, which libxcrypt (like Dovecot) writes without "rounds=". Out-of-range
 * values are refused rather than clamped silently as libxcrypt would.
 */
/* clang-format off */
static const struct password_generator password_generators[] = {
	[PASSWORD_SHA512_CRYPT] = { "SHA512-CRYPT", "$6$", 1000, 999999999, 0,
		"SHA512-CRYPT rounds must be 0 (default) or 1000..999999999" },
	[PASSWORD_BLF_CRYPT] = { "BLF-CRYPT", "$2y$", 4, 31, 10,
		"BLF-CRYPT cost must be 0 (default 10) or 4..31" },
};
/* clang-format on */

static int password_check_plain(const char *plain, size_t len,
				const char **error_r)
{
	if (len == 0) {
		*error_r = "empty password";
		return -1;
	}
	if (len > PASSWORD_CRYPT_PLAIN_MAX) {
		*error_r = "password too long (511 bytes at most)";
		return -1;
	}
	if (memchr(plain, '\0', len) != NULL) {
		*error_r = "password contains a NUL byte";
		return -1;
	}
	return 0;
}

static const struct password_generator *
password_generator_get(enum password_scheme scheme, unsigned rounds,
		       const char **error_r)
{
	const struct password_generator *gen;

	if ((unsigned)scheme >=
	    sizeof(password_generators) / sizeof(password_generators[0])) {
		*error_r = "unknown password scheme to hash with";
		return NULL;
	}
	gen = &password_generators[scheme];
	if (rounds != 0 && (rounds < gen->min || rounds > gen->max)) {
		*error_r = gen->range_error;
		return NULL;
	}
	return gen;
}

/* crypt(phrase, setting) formatted as "{NAME}hash" into out. */
static int password_crypt(const char *phrase, const char *setting,
			  const char *name, char *out, const char **error_r)
{
	struct crypt_data data;
	const char *hash;
	int ret = -1;
	int n;

	memset(&data, 0, sizeof(data));
	hash = crypt_rn(phrase, setting, &data, sizeof(data));
	if (hash == NULL) {
		*error_r = "crypt_rn() failed";
	} else {
		n = snprintf(out, PASSWORD_HASH_MAX, "{%s}%s", name, hash);
		if (n > 0 && n < PASSWORD_HASH_MAX)
			ret = 0;
		else
			*error_r = "password hash does not fit the buffer";
	}
	explicit_bzero(&data, sizeof(data));
	return ret;
}

int password_hash(const char *plain, size_t len, enum password_scheme scheme,
		  unsigned rounds, char *out, const char **error_r)
{
	const struct password_generator *gen;
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	char phrase[PASSWORD_CRYPT_PLAIN_MAX + 1];
	int ret;

	out[0] = '\0';
	if (password_check_plain(plain, len, error_r) < 0)
		return -1;
	gen = password_generator_get(scheme, rounds, error_r);
	if (gen == NULL)
		return -1;
	/* NULL rbytes: libxcrypt takes the salt from getrandom(). */
	if (crypt_gensalt_rn(gen->prefix, rounds != 0 ? rounds : gen->dflt,
			     NULL, 0, setting, sizeof(setting)) == NULL) {
		*error_r = "crypt_gensalt_rn() failed";
		return -1;
	}
	memcpy(phrase, plain, len);
	phrase[len] = '\0';
	ret = password_crypt(phrase, setting, gen->name, out, error_r);
	explicit_bzero(phrase, sizeof(phrase));
	if (ret < 0)
		explicit_bzero(out, PASSWORD_HASH_MAX);
	return ret;
}

/* Stores a given "{SCHEME}..." value after checking it. */
static int password_store_given(const char *given, size_t len, char *out,
				const char **error_r)
{
	if (len >= PASSWORD_HASH_MAX) {
		*error_r = "hashed password too long (255 bytes at most)";
		return -1;
	}
	memcpy(out, given, len);
	out[len] = '\0';
	if (password_check_hashed(out, error_r) < 0) {
		/* it may be a {PLAIN} password: do not leave it behind */
		explicit_bzero(out, PASSWORD_HASH_MAX);
		return -1;
	}
	return 0;
}

int password_prepare(const char *given, size_t len, enum password_scheme scheme,
		     unsigned rounds, char *out, const char **error_r)
{
	out[0] = '\0';
	if (memchr(given, '\0', len) != NULL) {
		*error_r = "password contains a NUL byte";
		return -1;
	}
	if (password_scheme_len(given, len) > 0)
		return password_store_given(given, len, out, error_r);
	return password_hash(given, len, scheme, rounds, out, error_r);
}
/* Compares two strings in time that depends only on their lengths. */
static bool password_equal(const char *a, const char *b)
{
	size_t len = strlen(a);
	unsigned char diff = 0;
	size_t i;

	if (len != strlen(b))
		return false;
	for (i = 0; i < len; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

bool password_verify(const char *plain, const char *stored)
{
	const struct password_scheme_info *info;
	const char *rest, *error, *hash;
	struct crypt_data data;
	bool match;

	if (password_check(stored, &info, &rest, &error) < 0 ||
	    (info->flags & PASSWORD_F_CRYPT) == 0)
		return false;
	memset(&data, 0, sizeof(data));
	hash = crypt_rn(plain, rest, &data, sizeof(data));
	match = hash != NULL && password_equal(hash, rest);
	explicit_bzero(&data, sizeof(data));
	return match;
}
