/*
 * Unit tests for auth/sieve_script: the auto-reply script, whole for one
 * mailbox, then each part: quoting of every character Sieve gives a
 * meaning, the window (open ends, instants in UTC), :days or :seconds,
 * the From display name, the address limit, the discard of a forward
 * without a copy, and the id: the SHA-256 of the text, so it changes
 * exactly when the text does (two field sets that write the same text
 * share one id). The real Pigeonhole runs them (a body with these
 * characters included) in tests/integration/vacation.sh.
 */
#include <check.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sieve_script.h"
#include "testutil.h"

static struct arena arena;

static void setup(void)
{
	arena_init(&arena, 0);
}

static void teardown(void)
{
	arena_deinit(&arena);
}

static const char *const two[] = {"info@example.org", "alice@alias.org"};

/* The mailbox of the tests: 2026-12-24 00:00 to 2027-01-02 23:59:59 in
 * Europe/Paris (UTC+1), once a day. */
static struct sieve_vacation base(void)
{
	return (struct sieve_vacation){
	    .address = "alice@example.org",
	    .first_name = "Alice",
	    .last_name = "Martin",
	    .addresses = two,
	    .address_count = 2,
	    .subject = "Out of office",
	    .body = "Back on Monday.\n",
	    .start = 1798066800, /* 2026-12-23T23:00:00Z */
	    .end = 1798930799,	 /* 2027-01-02T22:59:59Z */
	    .interval = 86400,
	};
}

static struct sieve_script build(const struct sieve_vacation *v)
{
	struct sieve_script script;

	sieve_script_build(v, &arena, &script);
	ck_assert_uint_eq(script.len, strlen(script.text));
	return script;
}

/* Asserts that the script holds part. */
static void has(const struct sieve_script *s, const char *part)
{
	ck_assert_msg(strstr(s->text, part) != NULL, "no <%s> in:\n%s", part,
		      s->text);
}

static void lacks(const struct sieve_script *s, const char *part)
{
	ck_assert_msg(strstr(s->text, part) == NULL, "<%s> in:\n%s", part,
		      s->text);
}

START_TEST(test_whole_script)
{
	struct sieve_vacation v = base();
	struct sieve_script s = build(&v);

	ck_assert_str_eq(
	    s.text,
	    "# mailmap: the auto-reply of alice@example.org (generated; "
	    "change it with mailmapctl autoreply)\n"
	    "require [\"vacation\", \"date\", \"relational\"];\n"
	    "if allof (currentdate :zone \"+0000\" :value \"ge\" \"iso8601\" "
	    "\"2026-12-23T23:00:00Z\",\n"
	    "          currentdate :zone \"+0000\" :value \"le\" \"iso8601\" "
	    "\"2027-01-02T22:59:59Z\") {\n"
	    "  vacation :days 1 :from \"Alice Martin <alice@example.org>\"\n"
	    "    :addresses [\"alice@example.org\", \"info@example.org\", "
	    "\"alice@alias.org\"]\n"
	    "    :subject \"Out of office\"\n"
	    "    \"Back on Monday.\n\";\n"
	    "}\n");
}
END_TEST

/* Every character a quoted string gives a meaning: only `"` and `\` are
 * escaped; newlines, tabs, `${...}` (no variables extension), UTF-8 and
 * Sieve's own punctuation stay as written. */
START_TEST(test_quoting)
{
	struct sieve_vacation v = base();
	struct sieve_script s;

	v.subject = "\"Away\" \\ ${subject} é; }";
	v.body = "Line 1\n\tTab \"quoted\" back\\slash\n"
		 "${1} text:\n.\n# not a comment */ /* \\\" end\\";
	s = build(&v);
	has(&s, ":subject \"\\\"Away\\\" \\\\ ${subject} é; }\"\n");
	has(&s,
	    "    \"Line 1\n\tTab \\\"quoted\\\" back\\\\slash\n"
	    "${1} text:\n.\n# not a comment */ /* \\\\\\\" end\\\\\";\n}\n");
	lacks(&s, "\"variables\"");
	lacks(&s, "\"encoded-character\"");
}
END_TEST

START_TEST(test_empty_subject_and_body)
{
	struct sieve_vacation v = base();
	struct sieve_script s;

	v.subject = "";
	v.body = "";
	s = build(&v);
	lacks(&s, ":subject");
	has(&s, "\"alice@alias.org\"]\n    \"\";\n}\n");
}
END_TEST

START_TEST(test_window_open_ends)
{
	struct sieve_vacation v = base();
	struct sieve_script s;

	v.start = 0;
	s = build(&v);
	has(&s, "\nif currentdate :zone \"+0000\" :value \"le\" \"iso8601\" "
		"\"2027-01-02T22:59:59Z\" {\n");
	lacks(&s, "\"ge\"");
	lacks(&s, "allof");

	v = base();
	v.end = 0;
	s = build(&v);
	has(&s, "\nif currentdate :zone \"+0000\" :value \"ge\" \"iso8601\" "
		"\"2026-12-23T23:00:00Z\" {\n");
	lacks(&s, "\"le\"");

	v.start = 0;
	s = build(&v);
	has(&s, "\nif true {\n");
	lacks(&s, "currentdate");
}
END_TEST

/* Instants in UTC whatever the zone of the machine; a summer date. */
START_TEST(test_window_utc)
{
	struct sieve_vacation v = base();
	struct sieve_script s;

	setenv("TZ", "America/New_York", 1);
	tzset();
	v.start = 1783288800; /* 2026-07-05T22:00:00Z = midnight in Paris */
	v.end = 4102444799;   /* 2099-12-31T23:59:59Z */
	s = build(&v);
	unsetenv("TZ");
	tzset();
	has(&s, "\"2026-07-05T22:00:00Z\"");
	has(&s, "\"2099-12-31T23:59:59Z\"");
}
END_TEST

START_TEST(test_interval)
{
	static const struct {
		uint64_t interval;
		const char *period;
		bool seconds;
	} cases[] = {
	    {86400, ":days 1 ", false},	      {7 * 86400, ":days 7 ", false},
	    {600, ":seconds 600 ", true},     {1, ":seconds 1 ", true},
	    {90000, ":seconds 90000 ", true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sieve_vacation v = base();
		struct sieve_script s;

		v.interval = cases[i].interval;
		s = build(&v);
		has(&s, cases[i].period);
		if (cases[i].seconds)
			has(&s,
			    "require [\"vacation\", \"vacation-seconds\", ");
		else
			lacks(&s, "vacation-seconds");
	}
}
END_TEST

/* The display name goes unquoted: RFC 5322 specials are left out, runs
 * of spaces become one, no name at all leaves the address alone. */
START_TEST(test_from)
{
	static const struct {
		const char *first, *last, *from;
	} cases[] = {
	    {"Élodie", "Dupré-Martin",
	     ":from \"Élodie Dupré-Martin <alice@example.org>\""},
	    {"Ann \"Q\"", "<Lee>, Jr.",
	     ":from \"Ann Q Lee Jr. <alice@example.org>\""},
	    {"  Bob  ", "", ":from \"Bob <alice@example.org>\""},
	    {"", "O'Brien", ":from \"O'Brien <alice@example.org>\""},
	    {"", "", ":from \"alice@example.org\"\n"},
	    {"\"\"", "@;", ":from \"alice@example.org\"\n"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sieve_vacation v = base();
		struct sieve_script s;

		v.first_name = cases[i].first;
		v.last_name = cases[i].last;
		s = build(&v);
		has(&s, cases[i].from);
	}
}
END_TEST

START_TEST(test_addresses_limit)
{
	static char names[SIEVE_ADDRESSES_MAX + 5][32];
	static const char *list[SIEVE_ADDRESSES_MAX + 5];
	struct sieve_vacation v = base();
	struct sieve_script s;

	for (size_t i = 0; i < SIEVE_ADDRESSES_MAX + 5; i++) {
		snprintf(names[i], sizeof(names[i]), "a%zu@example.org", i);
		list[i] = names[i];
	}
	v.addresses = list;
	v.address_count = SIEVE_ADDRESSES_MAX + 5;
	s = build(&v);
	has(&s, "\"a0@example.org\", ");
	has(&s, "\"a999@example.org\"]");
	lacks(&s, "a1000@");

	v.address_count = 0;
	s = build(&v);
	has(&s, ":addresses [\"alice@example.org\"]\n");
}
END_TEST

START_TEST(test_discard)
{
	struct sieve_vacation v = base();
	struct sieve_script s = build(&v);

	lacks(&s, "discard");
	v.discard = true;
	s = build(&v);
	/* after the window's block: whatever the date, nothing is kept */
	has(&s, "\n}\n# forwarded without a copy: keep nothing\ndiscard;\n");
}
END_TEST

static void expected_id(const struct sieve_script *s, char *id)
{
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, s->len, (const uint8_t *)s->text);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < SIEVE_ID_LEN / 2; i++)
		sprintf(id + 2 * i, "%02x", digest[i]);
}

/* The id is the text's hash: every field that changes the text changes
 * it, and field sets writing the same text share it. */
START_TEST(test_id)
{
	struct sieve_vacation v = base(), w;
	struct sieve_script a = build(&v), b;
	char want[SIEVE_ID_LEN + 1];

	expected_id(&a, want);
	ck_assert_str_eq(a.id, want);
	ck_assert_uint_eq(strlen(a.id), SIEVE_ID_LEN);
	b = build(&v);
	ck_assert_str_eq(a.id, b.id);

	for (int field = 0; field < 9; field++) {
		w = base();
		switch (field) {
		case 0:
			w.subject = "Out of office!";
			break;
		case 1:
			w.body = "Back on Monday.\n\n";
			break;
		case 2:
			w.start++;
			break;
		case 3:
			w.end--;
			break;
		case 4:
			w.interval = 600;
			break;
		case 5:
			w.first_name = "Alicia";
			break;
		case 6:
			w.address_count = 1;
			break;
		case 7:
			w.discard = true;
			break;
		default:
			w.address = "alicia@example.org";
			break;
		}
		b = build(&w);
		ck_assert_msg(strcmp(a.id, b.id) != 0,
			      "field %d changed the text, not the id", field);
	}
	/* the same text from other fields: the same id */
	w = base();
	w.first_name = "Alice Martin";
	w.last_name = "";
	b = build(&w);
	ck_assert_str_eq(a.text, b.text);
	ck_assert_str_eq(a.id, b.id);
}
END_TEST

START_TEST(test_none)
{
	struct sieve_script a, b;
	struct sieve_vacation v = base();

	sieve_script_none(&a);
	sieve_script_none(&b);
	ck_assert_str_eq(a.text, "# mailmap: no auto-reply\n");
	ck_assert(!a.replies);
	ck_assert_str_eq(a.id, b.id);
	b = build(&v);
	ck_assert(b.replies);
	ck_assert_str_ne(a.id, b.id);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sieve_script");
	TCase *tc = tcase_create("script");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_whole_script);
	tcase_add_test(tc, test_quoting);
	tcase_add_test(tc, test_empty_subject_and_body);
	tcase_add_test(tc, test_window_open_ends);
	tcase_add_test(tc, test_window_utc);
	tcase_add_test(tc, test_interval);
	tcase_add_test(tc, test_from);
	tcase_add_test(tc, test_addresses_limit);
	tcase_add_test(tc, test_discard);
	tcase_add_test(tc, test_id);
	tcase_add_test(tc, test_none);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
