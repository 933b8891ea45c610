/*
 * password: hashing, checking and reading mailbox passwords; see password.h.
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
#include "password.h"

#include <crypt.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

/* libxcrypt fails with ERANGE on a phrase of CRYPT_MAX_PASSPHRASE_SIZE bytes
   or more, and so would Dovecot's crypt(): such a password never verifies. */
#define PASSWORD_CRYPT_PLAIN_MAX (CRYPT_MAX_PASSPHRASE_SIZE - 1)
/* Longest "NAME.ENCODING" between the braces; Dovecot's longest is
   "SCRAM-SHA-256" (13), plus ".base64". */
#define PASSWORD_SCHEME_NAME_MAX 32

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

/* How we generate each enum password_scheme. */
struct password_generator {
	const char *name;
	const char *prefix;
	unsigned min, max, dflt; /* dflt 0: libxcrypt's own default */
	const char *range_error;
};

/* Modular crypt formats "$id$[rounds=N$]salt$hash" (SHA-crypt, MD5-crypt). */
struct password_crypt_shape {
	const char *magic;
	bool rounds; /* an optional "rounds=N$" may follow the magic */
	size_t salt_max;
	size_t hash_len;
	const char *magic_error;
	const char *shape_error;
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
static size_t password_scheme_len(const char *value, size_t len)
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

static int password_check(const char *value,
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

/* Reads one line of at most PASSWORD_PLAIN_MAX bytes, without its "\n" or
   "\r\n", into buf (PASSWORD_PLAIN_MAX + 1 bytes). */
static int password_read_line(FILE *in, char *buf, size_t *len_r,
			      const char **error_r)
{
	size_t len = 0;
	int c;

	/* buf may take one byte more than the limit: a final '\r' */
	while ((c = getc(in)) != EOF && c != '\n') {
		if (c == '\0') {
			*error_r = "password contains a NUL byte";
			return -1;
		}
		if (len == PASSWORD_PLAIN_MAX + 1) {
			*error_r = "password too long (1024 bytes at most)";
			return -1;
		}
		buf[len++] = (char)c;
	}
	if (ferror(in)) {
		*error_r = "cannot read the password";
		return -1;
	}
	if (c == EOF && len == 0) {
		*error_r = "no password given (end of input)";
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len > PASSWORD_PLAIN_MAX) {
		*error_r = "password too long (1024 bytes at most)";
		return -1;
	}
	if (len == 0) {
		*error_r = "empty password";
		return -1;
	}
	buf[len] = '\0';
	*len_r = len;
	return 0;
}

/* The terminal in is read from, opened for the prompts; stderr if none.
   O_NOCTTY: never make it our controlling terminal as a side effect. */
static FILE *password_prompt_open(int fd)
{
	char name[256];
	FILE *prompt;
	int out;

	if (ttyname_r(fd, name, sizeof(name)) != 0)
		return stderr;
	out = open(name, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (out < 0)
		return stderr;
	prompt = fdopen(out, "w");
	if (prompt == NULL) {
		close(out);
		return stderr;
	}
	return prompt;
}

static int password_prompt(FILE *in, FILE *prompt, const char *text, char *buf,
			   size_t *len_r, const char **error_r)
{
	int ret;

	fputs(text, prompt);
	fflush(prompt);
	ret = password_read_line(in, buf, len_r, error_r);
	/* echo is off, so the user's Enter did not move the cursor */
	fputc('\n', prompt);
	fflush(prompt);
	return ret;
}

/* Echo off; ISIG stays on, so ^C still aborts (the shell restores the
   terminal of a job killed by a signal). TCSAFLUSH drops typeahead that was
   echoed before. */
static int password_echo_off(int fd, struct termios *saved,
			     const char **error_r)
{
	struct termios quiet;

	if (tcgetattr(fd, saved) < 0) {
		*error_r = "cannot read the terminal settings";
		return -1;
	}
	quiet = *saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	if (tcsetattr(fd, TCSAFLUSH, &quiet) < 0) {
		*error_r = "cannot turn terminal echo off";
		return -1;
	}
	return 0;
}

/* Both prompts; the two answers must match. Echo is on again on return. */
static int password_read_tty(FILE *in, char *buf, size_t *len_r,
			     const char **error_r)
{
	char again[PASSWORD_PLAIN_MAX + 1];
	size_t again_len = 0;
	struct termios saved;
	FILE *prompt;
	int ret;

	if (password_echo_off(fileno(in), &saved, error_r) < 0)
		return -1;
	prompt = password_prompt_open(fileno(in));
	ret = password_prompt(in, prompt, "Password: ", buf, len_r, error_r);
	if (ret == 0)
		ret = password_prompt(in, prompt, "Retype password: ", again,
				      &again_len, error_r);
	if (ret == 0 &&
	    (again_len != *len_r || memcmp(buf, again, again_len) != 0)) {
		*error_r = "passwords do not match";
		ret = -1;
	}
	explicit_bzero(again, sizeof(again));
	if (prompt != stderr)
		fclose(prompt);
	if (tcsetattr(fileno(in), TCSAFLUSH, &saved) < 0 && ret == 0) {
		*error_r = "cannot turn terminal echo back on";
		ret = -1;
	}
	return ret;
}

int password_read(FILE *in, char *buf, size_t *len_r, const char **error_r)
{
	int fd = fileno(in);
	int ret;

	*len_r = 0;
	if (fd >= 0 && isatty(fd))
		ret = password_read_tty(in, buf, len_r, error_r);
	else
		ret = password_read_line(in, buf, len_r, error_r);
	if (ret < 0) {
		explicit_bzero(buf, PASSWORD_PLAIN_MAX + 1);
		*len_r = 0;
	}
	return ret;
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
