/*
 * Unit tests for maps/names: domain and address normalisation, address
 * splitting, extension stripping, UTF-8 validation. Table-driven; every
 * input is copied into a heap buffer of exactly its length and every output
 * buffer has exactly the documented size, so ASan sees any overrun.
 */
#include "names.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* A string literal and its length, NUL bytes included. */
#define S(x) x, sizeof(x) - 1

/* clang-format off */
#define L10 "abcdefghij"
#define L50 L10 L10 L10 L10 L10
#define L60 L50 L10
#define L61 L60 "a"
#define L62 L60 "ab"
#define L63 L60 "abc"
#define L64 L60 "abcd"
#define L65 L60 "abcde"
#define D189 L63 "." L63 "." L61                  /* 189 bytes */
#define D190 L63 "." L63 "." L62                  /* 190 bytes */
#define D253 L63 "." L63 "." L63 "." L61          /* 253 bytes */
#define D254 L63 "." L63 "." L63 "." L62          /* 254 bytes */
/* clang-format on */

struct name_case {
	const char *in;
	size_t len;
	const char *want;  /* normalised form, or NULL when refused */
	const char *error; /* expected message when refused */
};

/* clang-format off */
static const struct name_case domain_cases[] = {
	{ S("example.com"), "example.com", NULL },
	{ S("Example.COM"), "example.com", NULL },
	{ S("example.com."), "example.com", NULL },
	{ S("mail.sub.example.org"), "mail.sub.example.org", NULL },
	{ S("123.example"), "123.example", NULL },
	{ S("a1-b2.c0m"), "a1-b2.c0m", NULL },
	{ S("a--b.example"), "a--b.example", NULL },
	{ S("Bücher.example"), "xn--bcher-kva.example", NULL },
	{ S("bücher.example."), "xn--bcher-kva.example", NULL },
	{ S("ÉCOLE.fr"), "xn--cole-9oa.fr", NULL },
	{ S("faß.de"), "xn--fa-hia.de", NULL }, /* non-transitional */
	{ S("bü\xe3\x80\x82" "example"), "xn--b-eha.example", NULL },
	{ S("\xef\xbc\xa1" "b.com"), "ab.com", NULL }, /* fullwidth A */
	{ S("XN--BCHER-KVA.Example"), "xn--bcher-kva.example", NULL },
	{ S("xn--bcher-kva.example"), "xn--bcher-kva.example", NULL },
	{ S("xn--fa-hia.de"), "xn--fa-hia.de", NULL },
	{ S(L63 ".com"), L63 ".com", NULL },
	{ S(D253), D253, NULL },
	{ S(D253 "."), D253, NULL },
	{ S("Ü." L63 "." L63 "." L63 "." L50 "abc"),
	  "xn--tda." L63 "." L63 "." L63 "." L50 "abc", NULL },
	{ S(""), NULL, "empty domain" },
	{ S("."), NULL, "empty domain" },
	{ S("localhost"), NULL, "domain has no dot" },
	{ S("localhost."), NULL, "domain has no dot" },
	{ S("example.com.."), NULL, "empty domain label" },
	{ S(".example.com"), NULL, "empty domain label" },
	{ S("a..b"), NULL, "empty domain label" },
	{ S("a..bü"), NULL, "empty domain label" },
	{ S(L64 ".com"), NULL, "domain label is longer than 63 bytes" },
	{ S(D254), NULL, "domain is longer than 253 bytes" },
	{ S("ü." L63 "." L63 "." L63 "." L50 "abcd"),
	  NULL, "domain is longer than 253 bytes" },
	{ S("bü" L64 ".com"), NULL, "domain label is longer than 63 bytes" },
	{ S("-a.com"), NULL, "domain label starts or ends with a hyphen" },
	{ S("a-.com"), NULL, "domain label starts or ends with a hyphen" },
	{ S("a.com-"), NULL, "domain label starts or ends with a hyphen" },
	{ S("bü.-a.com"), NULL, "domain label starts or ends with a hyphen" },
	{ S("ab--c.com"), NULL,
	  "domain label has hyphens in positions 3 and 4" },
	{ S("example.123"), NULL, "top-level domain label is all digits" },
	{ S("192.0.2.1"), NULL, "top-level domain label is all digits" },
	{ S("a_b.com"), NULL, "invalid character in domain" },
	{ S("bü_x.example"), NULL, "invalid character in domain" },
	{ S("a b.com"), NULL, "invalid character in domain" },
	{ S(" example.com"), NULL, "invalid character in domain" },
	{ S("a\tb.com"), NULL, "invalid character in domain" },
	{ S("a\x7f" "b.com"), NULL, "invalid character in domain" },
	{ S("a\0b.com"), NULL, "invalid character in domain" },
	{ S("example.com\0"), NULL, "invalid character in domain" },
	{ S("bü\0.com"), NULL, "invalid character in domain" },
	{ S("user@example.com"), NULL, "invalid character in domain" },
	{ S("[192.0.2.1]"), NULL, "address literals are not supported" },
	{ S("[IPv6:2001:db8::1]"), NULL, "address literals are not supported" },
	{ S("\xff.com"), NULL, "domain is not valid UTF-8" },
	{ S("b\xc3.com"), NULL, "domain is not valid UTF-8" },
	{ S("\xc0\xae" "example.com"), NULL, "domain is not valid UTF-8" },
	{ S("b\xc2\xa0x.com"), NULL, "invalid character in domain" }, /* NBSP */
	{ S("bü\xc2\xa0x.com"), NULL, "invalid IDNA domain name" },
	{ S("bü.xn--a"), NULL, "invalid IDNA domain name" },
	{ S("xn--a.example"), NULL, "invalid IDNA domain name" }, /* U+0080 */
	{ S("xn--9.example"), NULL, "invalid IDNA domain name" },
	{ S("xn--abc-d.example"), NULL, "invalid IDNA domain name" },
	{ S("xn--abc-.example"), NULL,
	  "domain label starts or ends with a hyphen" },
	{ S("xn---kva.example"), NULL, "invalid IDNA domain name" },
};
/* clang-format on */

/* clang-format off */
static const struct name_case address_cases[] = {
	{ S("user@example.com"), "user@example.com", NULL },
	{ S("User@Example.COM"), "user@example.com", NULL },
	{ S("a.b@x.org"), "a.b@x.org", NULL },
	{ S("user+tag@x.org."), "user+tag@x.org", NULL },
	{ S("!#$%&'*+-/=?^_`{|}~@x.org"), "!#$%&'*+-/=?^_`{|}~@x.org", NULL },
	{ S("jörg@x.org"), "jörg@x.org", NULL },
	{ S("JÖRG@X.org"), "jÖrg@x.org", NULL }, /* only ASCII is folded */
	{ S("jörg@Bücher.example"), "jörg@xn--bcher-kva.example", NULL },
	{ S(L64 "@x.org"), L64 "@x.org", NULL },
	{ S(L64 "@" D189), L64 "@" D189, NULL },
	{ S(""), NULL, "address has no @" },
	{ S("user"), NULL, "address has no @" },
	{ S("user.example.com"), NULL, "address has no @" },
	{ S("@x.org"), NULL, "empty local part" },
	{ S("user@"), NULL, "empty domain" },
	{ S(L65 "@x.org"), NULL, "local part is longer than 64 bytes" },
	{ S(L64 "@" D190), NULL, "address is longer than 254 bytes" },
	{ S(".a@x.org"), NULL, "local part starts or ends with a dot" },
	{ S("a.@x.org"), NULL, "local part starts or ends with a dot" },
	{ S("a..b@x.org"), NULL, "consecutive dots in local part" },
	{ S("\"a b\"@x.org"), NULL, "quoted local parts are not supported" },
	{ S("\"a@b\"@x.org"), NULL, "quoted local parts are not supported" },
	{ S("a@b@x.org"), NULL, "address has more than one @" },
	{ S("a b@x.org"), NULL, "invalid character in local part" },
	{ S("a\0b@x.org"), NULL, "invalid character in local part" },
	{ S("a\rb@x.org"), NULL, "invalid character in local part" },
	{ S("a(b)@x.org"), NULL, "invalid character in local part" },
	{ S("<a@x.org>"), NULL, "invalid character in local part" },
	{ S("j\xc2\x85rg@x.org"), NULL, "invalid character in local part" },
	{ S("j\xffrg@x.org"), NULL, "local part is not valid UTF-8" },
	{ S("j\xc3@x.org"), NULL, "local part is not valid UTF-8" },
	{ S("j\xed\xa0\x80@x.org"), NULL, "local part is not valid UTF-8" },
	{ S("user@localhost"), NULL, "domain has no dot" },
	{ S("user@[192.0.2.1]"), NULL, "address literals are not supported" },
	{ S("user@x.org\0"), NULL, "invalid character in domain" },
	{ S("user@exa mple.org"), NULL, "invalid character in domain" },
};
/* clang-format on */

struct strip_case {
	const char *address;
	const char *delimiters;
	const char *want; /* NULL: no extension removed */
};

/* clang-format off */
static const struct strip_case strip_cases[] = {
	{ "user+tag@d.org", "+", "user@d.org" },
	{ "user+a+b@d.org", "+", "user@d.org" },
	{ "user+@d.org", "+", "user@d.org" },
	{ "user-tag@d.org", "+-", "user@d.org" },
	{ "user-a+b@d.org", "+-", "user@d.org" },
	{ "user+a-b@d.org", "-+", "user@d.org" },
	{ "owner+x@d.org", "+", "owner@d.org" },
	{ "a.b+c@xn--bcher-kva.example", "+", "a.b@xn--bcher-kva.example" },
	{ "+tag@d.org", "+", NULL },
	{ "user@d.org", "+", NULL },
	{ "user-tag@d.org", "+", NULL },
	{ "user+tag@d.org", "", NULL },
	{ "user+tag@sub+x.d.org", "-", NULL },
	{ "user+tag", "+", NULL },
	{ "owner-list@d.org", "-", NULL },
	{ "list-request@d.org", "+-", NULL },
	{ "x-request@d.org", "-", NULL },
	{ "mailer-daemon@d.org", "-", NULL },
	{ "double-bounce@d.org", "-", NULL },
	{ "postmaster@d.org", "s", NULL },
	{ "list-request+x@d.org", "+", "list-request@d.org" },
	{ "a-request@d.org", "+-", NULL },
};
/* clang-format on */

struct utf8_case {
	const char *in;
	size_t len;
	bool valid;
};

/* clang-format off */
static const struct utf8_case utf8_cases[] = {
	{ S(""), true },
	{ S("plain ascii"), true },
	{ S("a\0b"), true },
	{ S("j\xc3\xb6rg"), true },
	{ S("\xe2\x82\xac"), true },
	{ S("\xf0\x9f\x98\x80"), true },
	{ S("\xf4\x8f\xbf\xbf"), true }, /* U+10FFFF */
	{ S("\xed\x9f\xbf"), true },     /* U+D7FF */
	{ S("\xff"), false },
	{ S("\x80"), false },
	{ S("\xc3"), false },
	{ S("\xc3\x28"), false },
	{ S("\xc0\xaf"), false },         /* overlong '/' */
	{ S("\xe0\x80\xaf"), false },     /* overlong */
	{ S("\xf0\x80\x80\xaf"), false }, /* overlong */
	{ S("\xed\xa0\x80"), false },     /* surrogate */
	{ S("\xf4\x90\x80\x80"), false }, /* above U+10FFFF */
	{ S("\xe2\x82"), false },
	{ S("ok\xf0\x9f\x98"), false },
};
/* clang-format on */

typedef int normalize_fn(const char *in, size_t len, char *out,
			 const char **error_r);

/* Copies len bytes to a heap block of exactly len bytes (ASan flags any
 * read past it); one unread byte when len is 0. */
static char *exact_copy(const char *s, size_t len)
{
	char *copy = malloc(len > 0 ? len : 1);

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	return copy;
}

/* Runs one case on exact-size heap copies and checks output or error. */
static void check_case(normalize_fn *fn, size_t out_size,
		       const struct name_case *c)
{
	char *in = exact_copy(c->in, c->len);
	char *out = malloc(out_size);
	const char *error = NULL;
	int ret;

	ck_assert_ptr_nonnull(out);
	ret = fn(in, c->len, out, &error);
	if (c->want != NULL) {
		ck_assert_msg(ret == 0, "'%s' refused: %s", c->in, error);
		ck_assert_str_eq(out, c->want);
	} else {
		ck_assert_msg(ret == -1, "'%s' accepted as '%s'", c->in, out);
		ck_assert_str_eq(error, c->error);
	}
	free(in);
	free(out);
}

/* Feeds every prefix of the input: never reads past len, and whatever is
 * accepted is a NUL-terminated string that fits the buffer. */
static void check_prefixes(normalize_fn *fn, size_t out_size,
			   const struct name_case *c)
{
	const char *error;
	size_t k;

	for (k = 0; k <= c->len; k++) {
		char *in = exact_copy(c->in, k);
		char *out = malloc(out_size);

		ck_assert_ptr_nonnull(out);
		error = NULL;
		if (fn(in, k, out, &error) == 0)
			ck_assert_uint_lt(strnlen(out, out_size), out_size);
		else
			ck_assert_ptr_nonnull(error);
		free(in);
		free(out);
	}
}

START_TEST(test_domain_cases)
{
	check_case(names_domain_normalize, NAMES_DOMAIN_MAX + 1,
		   &domain_cases[_i]);
}
END_TEST

START_TEST(test_domain_prefixes)
{
	check_prefixes(names_domain_normalize, NAMES_DOMAIN_MAX + 1,
		       &domain_cases[_i]);
}
END_TEST

START_TEST(test_address_cases)
{
	check_case(names_address_normalize, NAMES_ADDRESS_MAX + 1,
		   &address_cases[_i]);
}
END_TEST

START_TEST(test_address_prefixes)
{
	check_prefixes(names_address_normalize, NAMES_ADDRESS_MAX + 1,
		       &address_cases[_i]);
}
END_TEST

/* A normalised domain is a fixed point, whichever path made it. */
START_TEST(test_domain_idempotent)
{
	const struct name_case *c = &domain_cases[_i];
	char once[NAMES_DOMAIN_MAX + 1], twice[NAMES_DOMAIN_MAX + 1];
	const char *error = NULL;

	if (c->want == NULL)
		return;
	ck_assert_int_eq(names_domain_normalize(c->in, c->len, once, &error),
			 0);
	ck_assert_msg(
	    names_domain_normalize(once, strlen(once), twice, &error) == 0,
	    "'%s' refused: %s", once, error);
	ck_assert_str_eq(twice, once);
}
END_TEST

START_TEST(test_domain_long_idn_input)
{
	size_t len = NAMES_IDN_INPUT_MAX + 1;
	char *in = malloc(len);
	char out[NAMES_DOMAIN_MAX + 1];
	const char *error = NULL;

	ck_assert_ptr_nonnull(in);
	memset(in, 'a', len);
	memcpy(in, "\xc3\xbc.", 3);
	ck_assert_int_eq(names_domain_normalize(in, len, out, &error), -1);
	ck_assert_str_eq(error, "domain is longer than 253 bytes");
	free(in);
}
END_TEST

START_TEST(test_strip_cases)
{
	const struct strip_case *c = &strip_cases[_i];
	char *out = malloc(NAMES_ADDRESS_MAX + 1);
	bool stripped;

	ck_assert_ptr_nonnull(out);
	strcpy(out, "untouched");
	stripped = names_strip_extension(c->address, c->delimiters, out);
	if (c->want != NULL) {
		ck_assert_msg(stripped, "'%s' with '%s' not stripped",
			      c->address, c->delimiters);
		ck_assert_str_eq(out, c->want);
	} else {
		ck_assert_msg(!stripped, "'%s' with '%s' stripped to '%s'",
			      c->address, c->delimiters, out);
		ck_assert_str_eq(out, "untouched");
	}
	free(out);
}
END_TEST

START_TEST(test_split)
{
	const char *domain;
	size_t local_len;

	names_address_split("user@example.com", &local_len, &domain);
	ck_assert_uint_eq(local_len, 4);
	ck_assert_str_eq(domain, "example.com");

	names_address_split("a@b@example.com", &local_len, &domain);
	ck_assert_uint_eq(local_len, 3);
	ck_assert_str_eq(domain, "example.com");

	names_address_split("@example.com", &local_len, &domain);
	ck_assert_uint_eq(local_len, 0);
	ck_assert_str_eq(domain, "example.com");

	names_address_split("nodomain", &local_len, &domain);
	ck_assert_uint_eq(local_len, 8);
	ck_assert_str_eq(domain, "");
}
END_TEST

START_TEST(test_default_maildir)
{
	char path[NAMES_MAILDIR_MAX], longest[NAMES_ADDRESS_MAX + 1];

	names_default_maildir("user@example.com", path);
	ck_assert_str_eq(path, "example.com/user/");
	names_default_maildir("\"a@b\"@example.com", path);
	ck_assert_str_eq(path, "example.com/\"a@b\"/");
	/* the longest address fits */
	memset(longest, 'a', sizeof(longest) - 1);
	longest[64] = '@';
	longest[sizeof(longest) - 1] = '\0';
	names_default_maildir(longest, path);
	ck_assert_uint_eq(strlen(path), NAMES_MAILDIR_MAX - 1);
	ck_assert_int_eq(path[strlen(path) - 1], '/');
}
END_TEST

START_TEST(test_utf8_cases)
{
	const struct utf8_case *c = &utf8_cases[_i];
	char *in = exact_copy(c->in, c->len);

	ck_assert_msg(names_is_valid_utf8(in, c->len) == c->valid,
		      "case %d: expected %s", _i,
		      c->valid ? "valid" : "invalid");
	free(in);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("domain");

	tcase_add_loop_test(tc, test_domain_cases, 0, N(domain_cases));
	tcase_add_loop_test(tc, test_domain_prefixes, 0, N(domain_cases));
	tcase_add_loop_test(tc, test_domain_idempotent, 0, N(domain_cases));
	tcase_add_test(tc, test_domain_long_idn_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("address");
	tcase_add_loop_test(tc, test_address_cases, 0, N(address_cases));
	tcase_add_loop_test(tc, test_address_prefixes, 0, N(address_cases));
	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_default_maildir);
	suite_add_tcase(s, tc);

	tc = tcase_create("extension");
	tcase_add_loop_test(tc, test_strip_cases, 0, N(strip_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_loop_test(tc, test_utf8_cases, 0, N(utf8_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(names_suite());
}
