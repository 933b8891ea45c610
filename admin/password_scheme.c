/*
 * password_scheme: the password schemes Dovecot 2.3.19 knows and the
 * shapes of their hashes (src/auth/password-scheme*.c): checking a given
 * "{SCHEME}..." value before it is stored; see password.h.
 */
#include "password_internal.h"

#include <string.h>

/* Longest "NAME.ENCODING" between the braces; Dovecot's longest is
   "SCRAM-SHA-256" (13), plus ".base64". */
#define PASSWORD_SCHEME_NAME_MAX 32

/* Modular crypt formats "$id$[rounds=N$]salt$hash" (SHA-crypt, MD5-crypt). */
struct password_crypt_shape {
	const char *magic;
	bool rounds; /* an optional "rounds=N$" may follow the magic */
	size_t salt_max;
	size_t hash_len;
	const char *magic_error;
	const char *shape_error;
};

/* clang-format off */
static const struct password_crypt_shape password_sha512_shape = {
	"$6$", true, 16, 86, "SHA512-CRYPT hash does not start with $6$",
	"malformed SHA512-CRYPT hash "
	"(want $6$[rounds=N$]salt$ and 86 characters)",
};
static const struct password_crypt_shape password_sha256_shape = {
	"$5$", true, 16, 43, "SHA256-CRYPT hash does not start with $5$",
	"malformed SHA256-CRYPT hash "
	"(want $5$[rounds=N$]salt$ and 43 characters)",
};
static const struct password_crypt_shape password_md5_shape = {
	"$1$", false, 8, 22, "MD5-CRYPT hash does not start with $1$",
	"malformed MD5-CRYPT hash (want $1$salt$ and 22 characters)",
};
/* clang-format on */

static bool password_is_crypt64(char c)
{
	return c == '.' || c == '/' || (c >= '0' && c <= '9') ||
	       (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* True when s is exactly n characters of the crypt base-64 alphabet. */
static bool password_crypt64_exact(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!password_is_crypt64(s[i]))
			return false;
	}
	return s[n] == '\0';
}

/* Skips "N$" after "rounds="; NULL when N is not 1-9 digits. */
static const char *password_skip_rounds(const char *p)
{
	size_t digits = strspn(p, "0123456789");

	if (digits == 0 || digits > 9 || p[digits] != '$')
		return NULL;
	return p + digits + 1;
}

static bool password_modular_ok(const char *p,
				const struct password_crypt_shape *shape)
{
	size_t salt_len;

	if (shape->rounds && strncmp(p, "rounds=", 7) == 0)
		p = password_skip_rounds(p + 7);
	if (p == NULL)
		return false;
	salt_len = strcspn(p, "$");
	return salt_len <= shape->salt_max && p[salt_len] == '$' &&
	       password_crypt64_exact(p + salt_len + 1, shape->hash_len);
}

static int password_check_modular(const char *rest,
				  const struct password_crypt_shape *shape,
				  const char **error_r)
{
	size_t magic_len = strlen(shape->magic);

	if (strncmp(rest, shape->magic, magic_len) != 0) {
		*error_r = shape->magic_error;
		return -1;
	}
	if (!password_modular_ok(rest + magic_len, shape)) {
		*error_r = shape->shape_error;
		return -1;
	}
	return 0;
}

static int password_check_sha512(const char *rest, const char **error_r)
{
	return password_check_modular(rest, &password_sha512_shape, error_r);
}

static int password_check_sha256(const char *rest, const char **error_r)
{
	return password_check_modular(rest, &password_sha256_shape, error_r);
}

static int password_check_md5(const char *rest, const char **error_r)
{
	return password_check_modular(rest, &password_md5_shape, error_r);
}

/* "$2?$NN$" + 22 salt + 31 hash characters, cost NN 04..31. */
static int password_check_blf(const char *rest, const char **error_r)
{
	int cost;

	if (strncmp(rest, "$2", 2) != 0 || rest[2] == '\0' ||
	    strchr("aby", rest[2]) == NULL || rest[3] != '$') {
		*error_r = "BLF-CRYPT hash does not start with $2a$, $2b$ "
			   "or $2y$";
		return -1;
	}
	cost = -1;
	if (rest[4] >= '0' && rest[4] <= '9' && rest[5] >= '0' &&
	    rest[5] <= '9' && rest[6] == '$')
		cost = (rest[4] - '0') * 10 + (rest[5] - '0');
	if (cost < 4 || cost > 31 || !password_crypt64_exact(rest + 7, 53)) {
		*error_r = "malformed BLF-CRYPT hash "
			   "(want $2y$NN$ with cost 04-31 and 53 characters)";
		return -1;
	}
	return 0;
}

static int password_check_des(const char *rest, const char **error_r)
{
	if (!password_crypt64_exact(rest, 13)) {
		*error_r = "malformed DES-CRYPT hash "
			   "(want 13 characters of ./0-9A-Za-z)";
		return -1;
	}
	return 0;
}

#define PASSWORD_REFUSE_PLAIN                                                  \
	"plaintext password scheme refused: give a password to hash instead"
#define PASSWORD_REFUSE_REMOVED                                                \
	"password scheme removed in Dovecot 2.3.14 (it would never verify)"

/* Every scheme Dovecot 2.3.19 registers, plus the ones it dropped. */
/* clang-format off */
static const struct password_scheme_info password_schemes[] = {
	{ "SHA512-CRYPT", PASSWORD_F_CRYPT, password_check_sha512, NULL },
	{ "SHA256-CRYPT", PASSWORD_F_CRYPT, password_check_sha256, NULL },
	{ "BLF-CRYPT", PASSWORD_F_CRYPT, password_check_blf, NULL },
	{ "MD5-CRYPT", PASSWORD_F_CRYPT, password_check_md5, NULL },
	{ "DES-CRYPT", PASSWORD_F_CRYPT, password_check_des, NULL },
	{ "CRYPT", PASSWORD_F_CRYPT, NULL, NULL },
	{ "ARGON2I", 0, NULL, NULL },
	{ "ARGON2ID", 0, NULL, NULL },
	{ "PBKDF2", 0, NULL, NULL },
	{ "SCRAM-SHA-1", 0, NULL, NULL },
	{ "SCRAM-SHA-256", 0, NULL, NULL },
	{ "OTP", 0, NULL, NULL },
	{ "MD5", 0, NULL, NULL }, /* MD5-CRYPT or PLAIN-MD5, by shape */
	{ "SSHA512", PASSWORD_F_ENCODED, NULL, NULL },
	{ "SSHA256", PASSWORD_F_ENCODED, NULL, NULL },
	{ "SSHA", PASSWORD_F_ENCODED, NULL, NULL },
	{ "SMD5", PASSWORD_F_ENCODED, NULL, NULL },
	{ "SHA512", PASSWORD_F_ENCODED, NULL, NULL },
	{ "SHA256", PASSWORD_F_ENCODED, NULL, NULL },
	{ "SHA", PASSWORD_F_ENCODED, NULL, NULL },
	{ "SHA1", PASSWORD_F_ENCODED, NULL, NULL },
	{ "PLAIN-MD5", PASSWORD_F_ENCODED, NULL, NULL },
	{ "LDAP-MD5", PASSWORD_F_ENCODED, NULL, NULL },
	{ "PLAIN-MD4", PASSWORD_F_ENCODED, NULL, NULL },
	{ "CRAM-MD5", PASSWORD_F_ENCODED, NULL, NULL },
	{ "HMAC-MD5", PASSWORD_F_ENCODED, NULL, NULL },
	{ "DIGEST-MD5", PASSWORD_F_ENCODED, NULL, NULL },
	{ "PLAIN", 0, NULL, PASSWORD_REFUSE_PLAIN },
	{ "CLEAR", 0, NULL, PASSWORD_REFUSE_PLAIN },
	{ "CLEARTEXT", 0, NULL, PASSWORD_REFUSE_PLAIN },
	{ "PLAIN-TRUNC", 0, NULL, PASSWORD_REFUSE_PLAIN },
	{ "NTLM", 0, NULL, PASSWORD_REFUSE_REMOVED },
	{ "LANMAN", 0, NULL, PASSWORD_REFUSE_REMOVED },
	{ "RPA", 0, NULL, PASSWORD_REFUSE_REMOVED },
	{ "SKEY", 0, NULL, PASSWORD_REFUSE_REMOVED },
};
/* clang-format on */

#define PASSWORD_N_SCHEMES                                                     \
	(sizeof(password_schemes) / sizeof(password_schemes[0]))

static const struct password_scheme_info *password_scheme_find(const char *name,
							       size_t len)
{
	size_t i;

	for (i = 0; i < PASSWORD_N_SCHEMES; i++) {
		if (strlen(password_schemes[i].name) == len &&
		    strncasecmp(password_schemes[i].name, name, len) == 0)
			return &password_schemes[i];
	}
	return NULL;
}

static bool password_is_name_char(char c)
{
	return c == '-' || c == '.' || (c >= '0' && c <= '9') ||
	       (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Length of NAME in a leading "{NAME}" within len bytes, or 0. */
size_t password_scheme_len(const char *value, size_t len)
{
	size_t i;

	if (len == 0 || value[0] != '{')
		return 0;
	for (i = 1; i < len && i <= PASSWORD_SCHEME_NAME_MAX + 1; i++) {
		if (value[i] == '}')
			return i - 1;
		if (!password_is_name_char(value[i]))
			return 0;
	}
	return 0;
}

bool password_is_hashed(const char *value)
{
	size_t len = strnlen(value, PASSWORD_SCHEME_NAME_MAX + 2);

	return password_scheme_len(value, len) > 0;
}

/* Bounded scan: length, control and non-ASCII bytes. */
static int password_check_bytes(const char *value, const char **error_r)
{
	size_t i;

	for (i = 0; value[i] != '\0'; i++) {
		unsigned char c = (unsigned char)value[i];

		if (i == PASSWORD_HASH_MAX - 1) {
			*error_r =
			    "hashed password too long (255 bytes at most)";
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			*error_r = "control character in hashed password";
			return -1;
		}
		if (c >= 0x80) {
			*error_r = "non-ASCII byte in hashed password";
			return -1;
		}
	}
	return 0;
}

/* Dovecot's encodings: ".hex", ".b64", ".base64" (case-insensitive). */
static int password_check_encoding(const struct password_scheme_info *info,
				   const char *enc, size_t len,
				   const char **error_r)
{
	if ((info->flags & PASSWORD_F_ENCODED) == 0) {
		*error_r = "this password scheme takes no .encoding suffix";
		return -1;
	}
	if ((len == 3 && strncasecmp(enc, "hex", 3) == 0) ||
	    (len == 3 && strncasecmp(enc, "b64", 3) == 0) ||
	    (len == 6 && strncasecmp(enc, "base64", 6) == 0))
		return 0;
	*error_r =
	    "unknown password encoding suffix (use .hex, .b64 or .base64)";
	return -1;
}

/* Splits "{NAME[.ENC]}rest" and looks NAME up; refusals come first. */
static int password_parse(const char *value,
			  const struct password_scheme_info **info_r,
			  const char **rest_r, const char **error_r)
{
	size_t len = password_scheme_len(value, strlen(value));
	size_t name_len;

	if (len == 0) {
		*error_r = "hashed password has no {SCHEME} prefix";
		return -1;
	}
	name_len = strcspn(value + 1, ".}");
	*info_r = password_scheme_find(value + 1, name_len);
	if (*info_r == NULL) {
		*error_r = "unknown password scheme (not in Dovecot 2.3)";
		return -1;
	}
	if ((*info_r)->refusal != NULL) {
		*error_r = (*info_r)->refusal;
		return -1;
	}
	*rest_r = value + len + 2;
	if (name_len == len)
		return 0;
	return password_check_encoding(*info_r, value + 2 + name_len,
				       len - name_len - 1, error_r);
}

int password_check(const char *value,
		   const struct password_scheme_info **info_r,
		   const char **rest_r, const char **error_r)
{
	if (password_check_bytes(value, error_r) < 0 ||
	    password_parse(value, info_r, rest_r, error_r) < 0)
		return -1;
	if (**rest_r == '\0') {
		*error_r = "empty hash after {SCHEME}";
		return -1;
	}
	if ((*info_r)->check != NULL)
		return (*info_r)->check(*rest_r, error_r);
	return 0;
}

int password_check_hashed(const char *value, const char **error_r)
{
	const struct password_scheme_info *info;
	const char *rest;

	return password_check(value, &info, &rest, error_r);
}
