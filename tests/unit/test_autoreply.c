/*
 * `mailmapctl autoreply` and the auto-reply rules (admin/autoreply*.c,
 * zone.c) through the in-process mailmapctl: dates in the mailbox's time
 * zone (winter and summer offsets, a date alone ending at 23:59:59, "Z"
 * for UTC, no zone = UTC, a zone the system does not know), a body file
 * (CRLF, byte order mark, 64 KiB limit, stdin), clear, show (text, JSON,
 * --script, active or not and why), and the refusals (end before start,
 * no body, a zero interval), each leaving the store as it was.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctlutil.h"
#include "testutil.h"

#define MB "alice@example.org"

static struct tu_ctl *t;

static void ok(const char *line)
{
	int got = tu_run(t, line);

	ck_assert_msg(got == 0, "%s: exit %d: %s", line, got, t->err);
}

static void has(const char *needle)
{
	ck_assert_msg(strstr(t->out, needle) != NULL,
		      "output lacks \"%s\":\n%s", needle, t->out);
}

static void lacks(const char *needle)
{
	ck_assert_msg(strstr(t->out, needle) == NULL, "output has \"%s\":\n%s",
		      needle, t->out);
}

static void setup(void)
{
	t = tu_ctl_new();
	ok("customer add acme");
	ok("offer add acme/basic");
	ok("domain add example.org customer=acme");
	ok("domain-alias add alias.org target=example.org");
	ok("mailbox add " MB " offer=acme/basic extra=info@example.org "
	   "timezone=Europe/Paris first_name=Alice");
}

static void teardown(void)
{
	tu_ctl_free(t);
}

/* The stored value of a field, as `mailbox show` prints it. */
static void field_is(const char *field, const char *value)
{
	char want[256];

	ok("mailbox show " MB);
	snprintf(want, sizeof(want), "%s: ", field);
	ck_assert_msg(strstr(t->out, want) != NULL, "no %s", field);
	snprintf(want, sizeof(want), "%s:%*s%s\n", field,
		 (int)(21 - strlen(field) - 1), "", value);
	has(want);
}

START_TEST(test_dates_in_the_mailbox_zone)
{
	static const struct {
		const char *zone, *start, *end, *start_utc, *end_utc;
	} cases[] = {
	    /* winter, UTC+1; a date alone ends at 23:59:59 there */
	    {"Europe/Paris", "2026-12-24", "2027-01-02", "2026-12-23T23:00:00Z",
	     "2027-01-02T22:59:59Z"},
	    /* summer, UTC+2; a time of day */
	    {"Europe/Paris", "2026-07-06T08:30", "2026-07-20T18:00:00",
	     "2026-07-06T06:30:00Z", "2026-07-20T16:00:00Z"},
	    /* "Z": UTC, whatever the zone */
	    {"Europe/Paris", "2026-12-24T00:00:00Z", "2027-01-02T12:00Z",
	     "2026-12-24T00:00:00Z", "2027-01-02T12:00:00Z"},
	    {"America/New_York", "2026-12-24", "2026-12-24",
	     "2026-12-24T05:00:00Z", "2026-12-25T04:59:59Z"},
	    /* no zone: UTC */
	    {"", "2026-12-24", "2027-01-02", "2026-12-24T00:00:00Z",
	     "2027-01-02T23:59:59Z"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(
		    tu_runf(t, "mailbox set " MB " timezone=%s", cases[i].zone),
		    0);
		ck_assert_int_eq(tu_runf(t,
					 "autoreply set " MB " body=x start=%s "
					 "end=%s",
					 cases[i].start, cases[i].end),
				 0);
		field_is("autoreply_start", cases[i].start_utc);
		field_is("autoreply_end", cases[i].end_utc);
	}
	/* the zone given in the same command counts */
	ok("mailbox set " MB " autoreply_start=2026-12-24 timezone=Asia/Tokyo");
	field_is("autoreply_start", "2026-12-23T15:00:00Z");
	/* show: in the mailbox's zone */
	ok("autoreply show " MB);
	has("start: 2026-12-24 00:00:00 Asia/Tokyo\n");
}
END_TEST

START_TEST(test_unknown_zone)
{
	ok("mailbox set " MB " timezone=Mars/Olympus_Mons");
	tu_refused(t, 1, "autoreply set " MB " body=x start=2026-12-24",
		   "autoreply_start: the mailbox's time zone is not in this "
		   "system's zone database");
	/* a UTC date needs no zone */
	ok("autoreply set " MB " body=x start=2026-12-24T00:00:00Z");
	ok("autoreply show " MB);
	has("start: 2026-12-24T00:00:00Z\n");
}
END_TEST

START_TEST(test_refusals)
{
	tu_refused(t, 1, "autoreply set " MB " subject=Away",
		   "autoreply_body: required when autoreply is on");
	ok("autoreply set " MB " body=Away");
	tu_refused(t, 1, "autoreply set " MB " start=2027-01-02 end=2027-01-01",
		   "autoreply_end: before autoreply_start");
	tu_refused(t, 1, "autoreply set " MB " interval=0",
		   "autoreply_interval: at least one second");
	tu_refused(t, 1, "autoreply set " MB " body=", "autoreply_body");
	tu_refused(t, 1, "autoreply set " MB " start=2027-02-30", "date");
	tu_refused(t, 1, "autoreply set " MB " colour=red", "unexpected");
	tu_refused(t, 2, "autoreply set nobody@example.org body=x",
		   "no such mailbox");
	tu_refused(t, 1, "autoreply set info@example.org body=x",
		   "not a mailbox");
	tu_refused(t, 1, "autoreply frobnicate " MB, "usage");
}
END_TEST

START_TEST(test_body_file)
{
	char path[] = "/tmp/mailmap-body-XXXXXX";
	int fd = mkstemp(path);
	static char big[65538];
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("\xef\xbb\xbfLine 1\r\nLine \"2\"\r\n", f);
	fclose(f);
	ck_assert_int_eq(
	    tu_runf(t, "autoreply set " MB " --body-file %s subject=Off", path),
	    0);
	ok("autoreply show " MB " --json");
	has("\"body\":\"Line 1\\nLine \\\"2\\\"\\n\"");
	has("\"subject\":\"Off\"");

	/* standard input */
	t->input = "From stdin.\n";
	ok("autoreply set " MB " --body-file -");
	ok("autoreply show " MB);
	has("body:\nFrom stdin.\n");

	memset(big, 'a', sizeof(big) - 1);
	t->input = big;
	tu_refused(t, 1, "autoreply set " MB " --body-file -", "over 64 KiB");
	tu_refused(t, 1, "autoreply set " MB " --body-file /nonexistent/x",
		   "No such file");
	unlink(path);
}
END_TEST

START_TEST(test_show_and_clear)
{
	ok("alias add contact@example.org targets=" MB);
	ok("autoreply set " MB " body=Away start=2000-01-01 interval=10m");
	ok("autoreply show " MB);
	has("autoreply: on\nactive now: yes, with no end\n");
	has("interval: 10m\n");
	has("answers mail to: alice@example.org, info@example.org, "
	    "contact@example.org, alice@alias.org, info@alias.org, "
	    "contact@alias.org\n");
	lacks("without a copy");

	ok("autoreply set " MB " end=2001-01-01");
	ok("autoreply show " MB);
	has("active now: no: ended 2001-01-01 23:59:59 Europe/Paris\n");
	ok("autoreply set " MB " start=2999-01-01 end=");
	ok("autoreply show " MB);
	has("active now: no: starts 2999-01-01 00:00:00 Europe/Paris\n");
	ok("mailbox set " MB " enabled=no");
	ok("autoreply show " MB);
	has("active now: no: the mailbox is disabled\n");
	ck_assert_int_eq(tu_run(t, "autoreply show " MB " --script"), 2);

	ok("mailbox set " MB " enabled=yes forward=ext@remote.test "
	   "forward_keep_copy=no");
	ok("autoreply show " MB);
	has("forwards without a copy: replies, then keeps nothing\n");
	ok("autoreply show " MB " --script");
	has("# id ");
	has("vacation :seconds 600 :from \"Alice <alice@example.org>\"");
	has("\ndiscard;\n");

	ok("autoreply clear " MB);
	ok("autoreply show " MB " --json");
	has("\"autoreply\":false,\"active\":false,\"state\":\"no: off\","
	    "\"start\":null,\"end\":null");
	has("\"interval\":86400");
	has("\"subject\":\"\",\"body\":\"\"}");
	ck_assert_int_eq(tu_run(t, "autoreply show " MB " --script"), 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("autoreply");
	TCase *tc = tcase_create("autoreply");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dates_in_the_mailbox_zone);
	tcase_add_test(tc, test_unknown_zone);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_body_file);
	tcase_add_test(tc, test_show_and_clear);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
