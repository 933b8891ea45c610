/*
 * test_password: admin/password.c — hashing, verifying, checking given
 * hashes, preparing what the admin gave, reading from pipes, files and a
 * pseudo-terminal.
 *
 * Known-answer vectors: the $6$/$5$/$1$ "saltsalt" hashes were confirmed
 * with `openssl passwd -6/-5/-1 -salt saltsalt password` (OpenSSL 3.0); the
 * "test" hashes come from Dovecot 2.3.19's src/auth/test-libpassword.c, so
 * they were made by Dovecot itself (BLF-CRYPT by its bundled bcrypt).
 */
#include "password.h"
#include "testutil.h"

#include <check.h>
#include <fcntl.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define SHA512_VECTOR                                                          \
	"$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/"              \
	"jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/"
#define SHA256_VECTOR "$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC."
#define MD5_VECTOR    "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"
#define BLF_VECTOR                                                             \
	"$2y$05$11ipvo5dR6CwkzwmhwM26OXgzXwhV2PyPuLV.Qi31ILcRcThQpEiW"

/* ---- hash, then verify ---- */

/* clang-format off */
static const struct {
	enum password_scheme scheme;
	unsigned rounds;
	const char *prefix; /* the stored value starts with this */
	bool has_rounds;    /* "rounds=" appears */
} hash_cases[] = {
	{PASSWORD_SHA512_CRYPT, 0, "{SHA512-CRYPT}$6$", false},
	/* libxcrypt writes the default 5000 implicitly, as Dovecot does */
	{PASSWORD_SHA512_CRYPT, 5000, "{SHA512-CRYPT}$6$", false},
	{PASSWORD_SHA512_CRYPT, 1000, "{SHA512-CRYPT}$6$rounds=1000$", true},
	{PASSWORD_SHA512_CRYPT, 20000, "{SHA512-CRYPT}$6$rounds=20000$", true},
	{PASSWORD_BLF_CRYPT, 0, "{BLF-CRYPT}$2y$10$", false},
	{PASSWORD_BLF_CRYPT, 4, "{BLF-CRYPT}$2y$04$", false},
	{PASSWORD_BLF_CRYPT, 6, "{BLF-CRYPT}$2y$06$", false},
};
/* clang-format on */

START_TEST(test_hash_verify)
{
	const char *plain = "correct horse battery staple";
	const char *error = NULL;
	char out[PASSWORD_HASH_MAX];

	ck_assert_int_eq(password_hash(plain, strlen(plain),
				       hash_cases[_i].scheme,
				       hash_cases[_i].rounds, out, &error),
			 0);
	ck_assert_msg(strncmp(out, hash_cases[_i].prefix,
			      strlen(hash_cases[_i].prefix)) == 0,
		      "case %d: wrong prefix", _i);
	ck_assert_int_eq(strstr(out, "rounds=") != NULL,
			 hash_cases[_i].has_rounds);
	ck_assert(password_is_hashed(out));
	ck_assert_int_eq(password_check_hashed(out, &error), 0);
	ck_assert(password_verify(plain, out));
	ck_assert(!password_verify("correct horse battery stapler", out));
	ck_assert(!password_verify("Correct horse battery staple", out));
	ck_assert(!password_verify("", out));
}
END_TEST

START_TEST(test_hash_salted)
{
	const char *error = NULL;
	char a[PASSWORD_HASH_MAX], b[PASSWORD_HASH_MAX];
	enum password_scheme scheme =
	    _i == 0 ? PASSWORD_SHA512_CRYPT : PASSWORD_BLF_CRYPT;
	unsigned rounds = _i == 0 ? 1000 : 4;

	ck_assert_int_eq(password_hash("secret", 6, scheme, rounds, a, &error),
			 0);
	ck_assert_int_eq(password_hash("secret", 6, scheme, rounds, b, &error),
			 0);
	ck_assert_str_ne(a, b);
	ck_assert(password_verify("secret", a));
	ck_assert(password_verify("secret", b));
}
END_TEST

/* plain may hold more than len bytes: only len of them are the password */
START_TEST(test_hash_uses_len)
{
	const char *error = NULL;
	char out[PASSWORD_HASH_MAX];

	ck_assert_int_eq(password_hash("secretXYZ", 6, PASSWORD_SHA512_CRYPT, 0,
				       out, &error),
			 0);
	ck_assert(password_verify("secret", out));
	ck_assert(!password_verify("secretXYZ", out));
}
END_TEST

START_TEST(test_hash_longest)
{
	char plain[511], out[PASSWORD_HASH_MAX];
	const char *error = NULL;

	memset(plain, 'p', sizeof(plain));
	ck_assert_int_eq(password_hash(plain, sizeof(plain),
				       PASSWORD_SHA512_CRYPT, 0, out, &error),
			 0);
}
END_TEST

/* clang-format off */
static const struct {
	const char *plain;
	size_t len;
	int scheme;
	unsigned rounds;
	const char *error;
} refused_hash_cases[] = {
	{"", 0, PASSWORD_SHA512_CRYPT, 0, "empty password"},
	{"ab\0cd", 5, PASSWORD_SHA512_CRYPT, 0, "NUL byte"},
	{"\0", 1, PASSWORD_BLF_CRYPT, 0, "NUL byte"},
	{NULL, 512, PASSWORD_SHA512_CRYPT, 0, "too long"},
	{NULL, PASSWORD_PLAIN_MAX + 1, PASSWORD_BLF_CRYPT, 0, "too long"},
	{"secret", 6, PASSWORD_SHA512_CRYPT, 999, "SHA512-CRYPT rounds"},
	{"secret", 6, PASSWORD_SHA512_CRYPT, 1000000000, "SHA512-CRYPT rounds"},
	{"secret", 6, PASSWORD_BLF_CRYPT, 3, "BLF-CRYPT cost"},
	{"secret", 6, PASSWORD_BLF_CRYPT, 32, "BLF-CRYPT cost"},
	{"secret", 6, 7, 0, "unknown password scheme"},
};
/* clang-format on */

START_TEST(test_hash_refused)
{
	static char big[PASSWORD_PLAIN_MAX + 1];
	const char *plain = refused_hash_cases[_i].plain;
	const char *error = NULL;
	char out[PASSWORD_HASH_MAX];

	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(
	    password_hash(plain != NULL ? plain : big,
			  refused_hash_cases[_i].len,
			  (enum password_scheme)refused_hash_cases[_i].scheme,
			  refused_hash_cases[_i].rounds, out, &error),
	    -1);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, refused_hash_cases[_i].error) != NULL,
		      "case %d: \"%s\"", _i, error);
	ck_assert_str_eq(out, "");
}
END_TEST

/* ---- verify against known hashes ---- */

/* clang-format off */
/* clang-format off */
static const struct {
	const char *plain;
	const char *stored;
	bool match;
} verify_cases[] = {
	{"password", "{SHA512-CRYPT}" SHA512_VECTOR, true},
	{"password", "{sha512-crypt}" SHA512_VECTOR, true},
	{"password", "{SHA256-CRYPT}" SHA256_VECTOR, true},
	{"password", "{MD5-CRYPT}" MD5_VECTOR, true},
	{"password", "{CRYPT}" SHA512_VECTOR, true},
	{"test", "{BLF-CRYPT}" BLF_VECTOR, true},
	{"test", "{CRYPT}" BLF_VECTOR, true},
	{"test", "{CRYPT}//EsnG9FLTKjo", true},
	{"test", "{DES-CRYPT}//EsnG9FLTKjo", true},
	{"test", "{MD5-CRYPT}$1$GgvxyNz8$OjZhLh4P.gF1lxYEbLZ3e/", true},
	{"Password", "{SHA512-CRYPT}" SHA512_VECTOR, false},
	{"password ", "{SHA512-CRYPT}" SHA512_VECTOR, false},
	{"tesT", "{BLF-CRYPT}" BLF_VECTOR, false},
	/* no scheme, wrong scheme, truncated, not a crypt scheme */
	{"password", SHA512_VECTOR, false},
	{"password", "{SHA256-CRYPT}" SHA512_VECTOR, false},
	{"password", "{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7O", false},
	{"test", "{SHA1}qUqP5cyxm6YcTAhz05Hph5gvu9M=", false},
	{"test", "{PLAIN}test", false},
	{"", "{CRYPT}", false},
};
/* clang-format on */

START_TEST(test_verify_vectors)
{
	ck_assert_msg(
	    password_verify(verify_cases[_i].plain, verify_cases[_i].stored) ==
		verify_cases[_i].match,
	    "case %d", _i);
}
END_TEST

/* ---- checking given hashes ---- */

/* clang-format off */
static const char *const accepted_hashes[] = {
	"{SHA512-CRYPT}" SHA512_VECTOR,
	"{Sha512-Crypt}" SHA512_VECTOR,
	"{SHA512-CRYPT}$6$rounds=5000$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIec"
	"DzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
	"{SHA256-CRYPT}" SHA256_VECTOR,
	"{MD5-CRYPT}" MD5_VECTOR,
	"{BLF-CRYPT}" BLF_VECTOR,
	"{BLF-CRYPT}$2a$05$11ipvo5dR6CwkzwmhwM26OXgzXwhV2PyPuLV.Qi31ILcRcThQpEiW",
	"{BLF-CRYPT}$2b$05$11ipvo5dR6CwkzwmhwM26OXgzXwhV2PyPuLV.Qi31ILcRcThQpEiW",
	"{DES-CRYPT}//EsnG9FLTKjo",
	"{CRYPT}//EsnG9FLTKjo",
	/* Dovecot 2.3.19 test-libpassword.c */
	"{PLAIN-MD4}db346d691d7acc4dc2625db19f9e3f52",
	"{MD5}$1$wmyrgRuV$kImF6.9MAFQNHe23kq5vI/",
	"{SHA1}qUqP5cyxm6YcTAhz05Hph5gvu9M=",
	"{SMD5}JTu1KRwptKZJg/RLd+6Vn5GUd0M=",
	"{LDAP-MD5}CY9rzUYh03PK3k6DJie09g==",
	"{SHA256}n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
	"{SHA512}7iaw3Ur350mqGo7jwQrpkj9hiYB3Lkc/iBml1JQODbJ6wYX4oOHV+E+IvIh/"
	"1nsUNzLDBMxfqa2Ob1f1ACio/w==",
	"{SSHA}H/zrDv8FXUu1JmwvVYijfrYEF34jVZcO",
	"{OTP}sha1 1024 ae6b49aa481f7233 f69fc7f98b8fbf54",
	"{PBKDF2}$1$bUnT4Pl7yFtYX0KU$5000$50a83cafdc517b9f46519415e53c6a858908680a",
	"{CRAM-MD5}"
	"e02d374fde0dc75a17a557039a3a5338c7743304777dccd376f332bee68d2cf6",
	"{DIGEST-MD5}77c1a8c437c9b08ba2f460fe5d58db5d",
	"{SCRAM-SHA-1}4096,GetyLXdBuHzf1FWf8SLz2Q==,NA/OqmF4hhrsrB9KR7po+dliTGM=,"
	"QBiURvQaE6H6qYTmeghDHLANBFQ=",
	"{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$f2iuP4aUeNMrgu34fhOkkg$1XSZZMWlIs0z"
	"mE+snlUIcLADO3GXbA2O/hsQmmc317k",
	"{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$vBb99oJ12p3WAdYlaMHz1A$jtFOtbo/s"
	"YV9OSlTxDo/nVNq3uArHd5GJSEx0ty85Cc",
	/* sha256("test") in hex, with and without Dovecot's encoding suffix */
	"{SHA256}9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	"{SHA256.HEX}9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f0"
	"0a08",
	"{SSHA.b64}H/zrDv8FXUu1JmwvVYijfrYEF34jVZcO",
	"{SHA1.base64}qUqP5cyxm6YcTAhz05Hph5gvu9M=",
};
/* clang-format on */
/* clang-format on */

START_TEST(test_check_accepted)
{
	const char *error = NULL;

	ck_assert(password_is_hashed(accepted_hashes[_i]));
	ck_assert_msg(password_check_hashed(accepted_hashes[_i], &error) == 0,
		      "case %d: %s", _i, error);
}
END_TEST

/* clang-format off */
static const struct {
	const char *value;
	const char *error;
} refused_hashes[] = {
	{"secret", "no {SCHEME} prefix"},
	{"{}abc", "no {SCHEME} prefix"},
	{"{SHA512-CRYPT" SHA512_VECTOR, "no {SCHEME} prefix"},
	{"{SHA 1}abc", "no {SCHEME} prefix"},
	{"{FOO}abc", "unknown password scheme"},
	{"{SHA512-CRYPTX}" SHA512_VECTOR, "unknown password scheme"},
	{"{PLAIN}secret", "plaintext password scheme refused"},
	{"{plain}secret", "plaintext password scheme refused"},
	{"{CLEAR}secret", "plaintext password scheme refused"},
	{"{CLEARTEXT}secret", "plaintext password scheme refused"},
	{"{PLAIN-TRUNC}secret", "plaintext password scheme refused"},
	{"{PLAIN.b64}c2VjcmV0", "plaintext password scheme refused"},
	{"{NTLM}0cb6948805f797bf2a82807973b89537", "removed in Dovecot 2.3.14"},
	{"{LANMAN}01fc5a6be7bc6929aad3b435b51404ee", "removed in Dovecot 2.3.14"},
	{"{RPA}abc", "removed in Dovecot 2.3.14"},
	{"{SKEY}md4 1024 seed abc", "removed in Dovecot 2.3.14"},
	{"{SHA512-CRYPT}", "empty hash"},
	{"{SHA1.xyz}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "unknown password encoding"},
	{"{SHA512-CRYPT.hex}" SHA512_VECTOR, "no .encoding suffix"},
	{"{SHA1}qUqP5cyxm6Yc\tTAhz05Hph5gvu9M=", "control character"},
	{"{SHA1}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n", "control character"},
	{"{SHA1}qUqP5cyxm6YcTAhz05Hph5gvu9M=\x7f", "control character"},
	{"{SHA1}qUqP5cyxm6YcTAhz05Hph5gvu9M\xc3\xa9", "non-ASCII byte"},
	{"{SHA512-CRYPT}" SHA256_VECTOR, "does not start with $6$"},
	{"{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7O", "malformed SHA512"},
	{"{SHA512-CRYPT}$6$rounds=$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5K"
	 "iA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
	 "malformed SHA512"},
	{"{SHA512-CRYPT}$6$saltsaltsaltsaltX$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5"
	 "KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
	 "malformed SHA512"},
	{"{SHA512-CRYPT}" SHA512_VECTOR "x", "malformed SHA512"},
	{"{SHA256-CRYPT}" SHA512_VECTOR, "does not start with $5$"},
	{"{SHA256-CRYPT}$5$saltsalt$gOjOtoMpVhru2uyjeJSEc", "malformed SHA256"},
	{"{SHA256-CRYPT}$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC!",
	 "malformed SHA256"},
	{"{BLF-CRYPT}$2x$05$11ipvo5dR6CwkzwmhwM26OXgzXwhV2PyPuLV.Qi31ILcRcThQpEiW",
	 "does not start with $2a$, $2b$ or $2y$"},
	{"{BLF-CRYPT}" SHA512_VECTOR, "does not start with $2a$, $2b$ or $2y$"},
	{"{BLF-CRYPT}$2", "does not start with $2a$, $2b$ or $2y$"},
	{"{BLF-CRYPT}$2y$03$11ipvo5dR6CwkzwmhwM26OXgzXwhV2PyPuLV.Qi31ILcRcThQpEiW",
	 "malformed BLF-CRYPT"},
	{"{BLF-CRYPT}$2y$32$11ipvo5dR6CwkzwmhwM26OXgzXwhV2PyPuLV.Qi31ILcRcThQpEiW",
	 "malformed BLF-CRYPT"},
	{"{BLF-CRYPT}$2y$05$11ipvo5dR6CwkzwmhwM26O", "malformed BLF-CRYPT"},
	{"{BLF-CRYPT}$2y$5$11ipvo5dR6CwkzwmhwM26OXgzXwhV2PyPuLV.Qi31ILcRcThQpEiW",
	 "malformed BLF-CRYPT"},
	{"{MD5-CRYPT}" SHA512_VECTOR, "does not start with $1$"},
	{"{MD5-CRYPT}$1$saltsalt$qjXMvbEw8oaL", "malformed MD5-CRYPT"},
	{"{DES-CRYPT}//EsnG9FLTKj", "malformed DES-CRYPT"},
	{"{DES-CRYPT}" SHA512_VECTOR, "malformed DES-CRYPT"},
};
/* clang-format on */

START_TEST(test_check_refused)
{
	const char *error = NULL;

	ck_assert_int_eq(
	    password_check_hashed(refused_hashes[_i].value, &error), -1);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, refused_hashes[_i].error) != NULL,
		      "case %d: \"%s\"", _i, error);
}
END_TEST

START_TEST(test_check_too_long)
{
	char value[PASSWORD_HASH_MAX + 1];
	const char *error = NULL;

	memset(value, 'a', sizeof(value));
	memcpy(value, "{SHA1}", 6);
	value[PASSWORD_HASH_MAX - 1] = '\0'; /* 255 bytes: the longest */
	ck_assert_int_eq(password_check_hashed(value, &error), 0);
	value[PASSWORD_HASH_MAX - 1] = 'a';
	value[PASSWORD_HASH_MAX] = '\0';
	ck_assert_int_eq(password_check_hashed(value, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "too long"));
}
END_TEST

/* clang-format off */
static const struct {
	const char *value;
	bool hashed;
} is_hashed_cases[] = {
	{"{SHA512-CRYPT}x", true},
	{"{x}", true},
	{"{SHA256.HEX}ab", true},
	{"{FOO}bar", true},
	{"secret", false},
	{"", false},
	{"{}x", false},
	{"{a b}x", false},
	{"{SHA1", false},
	{"$6$salt$hash", false},
	{"x{SHA1}y", false},
	{"{ABCDEFGHIJKLMNOPQRSTUVWXYZ012345}x", true},
	{"{ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456}x", false},
};
/* clang-format on */

START_TEST(test_is_hashed)
{
	ck_assert_msg(password_is_hashed(is_hashed_cases[_i].value) ==
			  is_hashed_cases[_i].hashed,
		      "case %d", _i);
}
END_TEST

/* ---- prepare ---- */

START_TEST(test_prepare_given_hash)
{
	const char *given = "{sha512-crypt}" SHA512_VECTOR;
	const char *error = NULL;
	char out[PASSWORD_HASH_MAX];

	ck_assert_int_eq(password_prepare(given, strlen(given),
					  PASSWORD_BLF_CRYPT, 0, out, &error),
			 0);
	ck_assert_str_eq(out, given);
}
END_TEST

/* only len bytes count, also for a given hash */
START_TEST(test_prepare_given_hash_len)
{
	const char *hash = "{SHA1}qUqP5cyxm6YcTAhz05Hph5gvu9M=";
	char given[128], out[PASSWORD_HASH_MAX];
	const char *error = NULL;

	snprintf(given, sizeof(given), "%sGARBAGE", hash);
	ck_assert_int_eq(password_prepare(given, strlen(hash),
					  PASSWORD_SHA512_CRYPT, 0, out,
					  &error),
			 0);
	ck_assert_str_eq(out, hash);
}
END_TEST

START_TEST(test_prepare_plain)
{
	const char *error = NULL;
	char out[PASSWORD_HASH_MAX];

	ck_assert_int_eq(
	    password_prepare("s3cret!", 7, PASSWORD_BLF_CRYPT, 4, out, &error),
	    0);
	ck_assert(strncmp(out, "{BLF-CRYPT}$2y$04$", 18) == 0);
	ck_assert(password_verify("s3cret!", out));
	ck_assert_int_eq(password_prepare("s3cret!", 7, PASSWORD_SHA512_CRYPT,
					  0, out, &error),
			 0);
	ck_assert(strncmp(out, "{SHA512-CRYPT}$6$", 17) == 0);
	ck_assert(password_verify("s3cret!", out));
}
END_TEST

/* clang-format off */
static const struct {
	const char *given;
	size_t len;
	const char *error;
} refused_prepare_cases[] = {
	{"{PLAIN}secret", 13, "plaintext password scheme refused"},
	{"{BOGUS}secret", 13, "unknown password scheme"},
	{"{SHA512-CRYPT}", 14, "empty hash"},
	{"{SHA512-CRYPT}$6$abc", 20, "malformed SHA512-CRYPT"},
	{"{SHA1}ab\0cd", 11, "NUL byte"},
	{"sec\0ret", 7, "NUL byte"},
	{"", 0, "empty password"},
	{"secret", 6, "SHA512-CRYPT rounds"}, /* rounds 1 */
};
/* clang-format on */

START_TEST(test_prepare_refused)
{
	const char *error = NULL;
	char out[PASSWORD_HASH_MAX];

	ck_assert_int_eq(password_prepare(refused_prepare_cases[_i].given,
					  refused_prepare_cases[_i].len,
					  PASSWORD_SHA512_CRYPT, 1, out,
					  &error),
			 -1);
	ck_assert_msg(strstr(error, refused_prepare_cases[_i].error) != NULL,
		      "case %d: \"%s\"", _i, error);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_prepare_hash_too_long)
{
	char given[PASSWORD_HASH_MAX + 10], out[PASSWORD_HASH_MAX];
	const char *error = NULL;

	memset(given, 'a', sizeof(given));
	memcpy(given, "{SHA1}", 6);
	ck_assert_int_eq(password_prepare(given, sizeof(given),
					  PASSWORD_SHA512_CRYPT, 0, out,
					  &error),
			 -1);
	ck_assert_ptr_nonnull(strstr(error, "too long"));
}
END_TEST

/* ---- reading ---- */

/* clang-format off */
static const struct {
	const char *input;
	size_t len;
	const char *expect; /* NULL: refused */
	const char *error;
} read_cases[] = {
	{"secret\n", 7, "secret", NULL},
	{"secret\r\n", 8, "secret", NULL},
	{"secret", 6, "secret", NULL},
	{"secret\nsecond line\n", 19, "secret", NULL},
	{"pass word\twith tab\n", 19, "pass word\twith tab", NULL},
	{"sec\rret\n", 8, "sec\rret", NULL},
	{"", 0, NULL, "end of input"},
	{"\n", 1, NULL, "empty password"},
	{"\r\n", 2, NULL, "empty password"},
	{"\r", 1, NULL, "empty password"},
	{"sec\0ret\n", 8, NULL, "NUL byte"},
	{"\0", 1, NULL, "NUL byte"},
};
/* clang-format on */

static FILE *tmpfile_with(const char *data, size_t len)
{
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	rewind(f);
	return f;
}

static void check_read(FILE *in, const char *expect, const char *want_error)
{
	char buf[PASSWORD_PLAIN_MAX + 1];
	const char *error = NULL;
	size_t len = 99;
	int ret = password_read(in, buf, &len, &error);

	if (expect != NULL) {
		ck_assert_msg(ret == 0, "refused: %s", error);
		ck_assert_uint_eq(len, strlen(expect));
		ck_assert_str_eq(buf, expect);
	} else {
		ck_assert_int_eq(ret, -1);
		ck_assert_uint_eq(len, 0);
		ck_assert_msg(strstr(error, want_error) != NULL, "\"%s\"",
			      error);
	}
}

START_TEST(test_read_file)
{
	FILE *in = tmpfile_with(read_cases[_i].input, read_cases[_i].len);

	check_read(in, read_cases[_i].expect, read_cases[_i].error);
	fclose(in);
}
END_TEST

/* lines around the limit: content length, line ending, accepted? */
/* clang-format off */
static const struct {
	size_t content;
	const char *ending;
	bool accepted;
} read_limit_cases[] = {
	{PASSWORD_PLAIN_MAX, "\n", true},
	{PASSWORD_PLAIN_MAX, "\r\n", true},
	{PASSWORD_PLAIN_MAX, "", true},
	{PASSWORD_PLAIN_MAX + 1, "\n", false},
	{PASSWORD_PLAIN_MAX + 1, "\r\n", false},
	{PASSWORD_PLAIN_MAX + 1, "", false},
	{PASSWORD_PLAIN_MAX + 2, "\n", false},
	{3 * PASSWORD_PLAIN_MAX, "\n", false},
};
/* clang-format on */

START_TEST(test_read_limit)
{
	size_t content = read_limit_cases[_i].content;
	size_t end_len = strlen(read_limit_cases[_i].ending);
	char *data = malloc(content + end_len + 1);
	char *expect = malloc(content + 1);
	FILE *in;

	ck_assert_ptr_nonnull(data);
	ck_assert_ptr_nonnull(expect);
	memset(data, 'x', content);
	memcpy(data + content, read_limit_cases[_i].ending, end_len);
	memset(expect, 'x', content);
	expect[content] = '\0';
	in = tmpfile_with(data, content + end_len);
	check_read(in, read_limit_cases[_i].accepted ? expect : NULL,
		   "too long");
	fclose(in);
	free(data);
	free(expect);
}
END_TEST

START_TEST(test_read_pipe)
{
	int fds[2];
	FILE *in;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], "from a pipe\r\n", 13), 13);
	close(fds[1]);
	in = fdopen(fds[0], "r");
	ck_assert_ptr_nonnull(in);
	check_read(in, "from a pipe", NULL);
	fclose(in);
}
END_TEST

/* The child types once the terminal stops echoing, as a person would;
   exit status 3 says echo never went off (it types anyway, to unblock). */
static void type_when_quiet(int master, int slave, const char *typed)
{
	size_t len = strlen(typed);
	bool quiet = false;
	struct termios t;
	int i;

	for (i = 0; i < 3000 && !quiet; i++) {
		quiet = tcgetattr(slave, &t) == 0 && (t.c_lflag & ECHO) == 0;
		if (!quiet)
			usleep(1000);
	}
	if (write(master, typed, len) != (ssize_t)len)
		_exit(1);
	_exit(quiet ? 0 : 3);
}

/* clang-format off */
static const struct {
	const char *typed;
	const char *expect;
	const char *error;
} tty_cases[] = {
	{"secret\nsecret\n", "secret", NULL},
	{"secret\nsecreT\n", NULL, "do not match"},
	{"\n", NULL, "empty password"},
};
/* clang-format on */

START_TEST(test_read_tty)
{
	struct termios t;
	char screen[256];
	ssize_t shown;
	int master, slave;
	FILE *in;
	pid_t pid;
	int status;

	ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		type_when_quiet(master, slave, tty_cases[_i].typed);
	in = fdopen(slave, "r");
	ck_assert_ptr_nonnull(in);
	check_read(in, tty_cases[_i].expect, tty_cases[_i].error);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert(tcgetattr(slave, &t) == 0 && (t.c_lflag & ECHO) != 0);
	/* the terminal showed the prompt but never the password */
	ck_assert_int_eq(fcntl(master, F_SETFL, O_NONBLOCK), 0);
	shown = read(master, screen, sizeof(screen) - 1);
	ck_assert_int_gt(shown, 0);
	screen[shown] = '\0';
	ck_assert_ptr_nonnull(strstr(screen, "Password: "));
	ck_assert_ptr_null(strstr(screen, "secre"));
	fclose(in);
	close(master);
}
END_TEST

static Suite *password_suite(void)
{
	Suite *s = suite_create("password");
	TCase *tc = tcase_create("hash");

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
	tcase_add_loop_test(tc, test_hash_verify, 0, N(hash_cases));
	tcase_add_loop_test(tc, test_hash_salted, 0, 2);
	tcase_add_test(tc, test_hash_uses_len);
	tcase_add_test(tc, test_hash_longest);
	tcase_add_loop_test(tc, test_hash_refused, 0, N(refused_hash_cases));
	tcase_add_loop_test(tc, test_verify_vectors, 0, N(verify_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_loop_test(tc, test_check_accepted, 0, N(accepted_hashes));
	tcase_add_loop_test(tc, test_check_refused, 0, N(refused_hashes));
	tcase_add_test(tc, test_check_too_long);
	tcase_add_loop_test(tc, test_is_hashed, 0, N(is_hashed_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("prepare");
	tcase_add_test(tc, test_prepare_given_hash);
	tcase_add_test(tc, test_prepare_given_hash_len);
	tcase_add_test(tc, test_prepare_plain);
	tcase_add_loop_test(tc, test_prepare_refused, 0,
			    N(refused_prepare_cases));
	tcase_add_test(tc, test_prepare_hash_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	tcase_add_loop_test(tc, test_read_file, 0, N(read_cases));
	tcase_add_loop_test(tc, test_read_limit, 0, N(read_limit_cases));
	tcase_add_test(tc, test_read_pipe);
	tcase_add_loop_test(tc, test_read_tty, 0, N(tty_cases));
	suite_add_tcase(s, tc);
#undef N
	return s;
}

int main(void)
{
	return tu_run_suite(password_suite());
}
