/*
 * mailmapctl's command line: every object through add/set/del/show/list,
 * the exit codes, bad input naming its field, passwords only from standard
 * input, --json, list filters, and `query` answering like the daemon.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "testutil.h"

static struct tu_ctl *t;

static void ok(const char *line)
{
	int got = tu_run(t, line);

	ck_assert_msg(got == 0, "%s: exit %d: %s", line, got, t->err);
}

static void setup(void)
{
	t = tu_ctl_new();
	ok("server add imap1 host=192.0.2.10 roles=imap lmtp_port=2424");
	ok("customer add acme");
	ok("offer add acme/basic quota=2G max_message_size=25M");
	ok("domain add Example.COM customer=acme server=imap1");
	ok("domain-alias add example.org target=example.com");
}

static void teardown(void)
{
	tu_ctl_free(t);
}

START_TEST(show_and_list_text)
{
	ok("mailbox add Jane.Doe@Example.com offer=acme/basic first_name=Jane "
	   "extra=jd@example.com,jane@example.com forward=jane@gmail.com "
	   "forward_keep_copy=no language=fr timezone=Europe/Paris");
	ok("mailbox show jane.doe@example.com");
	ck_assert_ptr_nonnull(
	    strstr(t->out, "address:             jane.doe@example.com\n"));
	ck_assert_ptr_nonnull(
	    strstr(t->out, "maildir:             example.com/jane.doe/\n"));
	ck_assert_ptr_nonnull(strstr(
	    t->out, "extra:               jd@example.com, jane@example.com\n"));
	ck_assert_ptr_nonnull(strstr(t->out, "quota:               inherit\n"));
	ok("mailbox list");
	ck_assert_ptr_nonnull(
	    strstr(t->out, "address               offer       enabled  quota"));
	ck_assert_ptr_nonnull(strstr(
	    t->out, "jane.doe@example.com  acme/basic  yes      inherit"));
	/* extra addresses live in the same table but are not mailboxes */
	ck_assert_ptr_null(strstr(t->out, "jd@example.com"));
	ok("domain show example.com");
	ck_assert_ptr_nonnull(strstr(t->out, "mailboxes:           1\n"));
}
END_TEST

START_TEST(show_json)
{
	ok("mailbox add a@example.com offer=acme/basic quota=unlimited "
	   "autoreply_start=2026-12-24");
	ok("mailbox show a@example.com --json");
	ck_assert_ptr_nonnull(strstr(t->out, "\"address\": \"a@example.com\""));
	ck_assert_ptr_nonnull(strstr(t->out, "\"quota\": \"unlimited\""));
	ck_assert_ptr_nonnull(strstr(t->out, "\"enabled\": true"));
	ck_assert_ptr_nonnull(strstr(t->out, "\"password\": false"));
	ck_assert_ptr_nonnull(
	    strstr(t->out, "\"autoreply_start\": \"2026-12-24T00:00:00Z\""));
	ck_assert_ptr_nonnull(strstr(t->out, "\"autoreply_end\": null"));
	ck_assert_ptr_nonnull(strstr(t->out, "\"autoreply_interval\": 86400"));
	ok("offer show acme/basic --json");
	ck_assert_ptr_nonnull(strstr(t->out, "\"quota\": 2147483648"));
	ck_assert_ptr_nonnull(strstr(t->out, "\"seats_used\": 1"));
	ok("server list --json");
	ck_assert_ptr_nonnull(strstr(t->out, "[\n{\n  \"name\": \"imap1\""));
	ck_assert_ptr_nonnull(strstr(t->out, "\"roles\": \"imap\""));
	ok("customer list --json");
	ck_assert_ptr_nonnull(strstr(t->out, "\"name\": \"acme\""));
	ok("alias list --json");
	ck_assert_str_eq(t->out, "[]\n");
}
END_TEST

START_TEST(list_filters)
{
	ok("mailbox add a@example.com offer=acme/basic");
	ok("mailbox add b@example.com offer=acme/basic enabled=no");
	ok("domain add example.net customer=acme");
	ok("mailbox add c@example.net offer=acme/basic");
	ok("mailbox list '*@example.com'");
	ck_assert_ptr_nonnull(strstr(t->out, "a@example.com"));
	ck_assert_ptr_nonnull(strstr(t->out, "b@example.com"));
	ck_assert_ptr_null(strstr(t->out, "c@example.net"));
	ok("mailbox list enabled=no");
	ck_assert_ptr_null(strstr(t->out, "a@example.com"));
	ck_assert_ptr_nonnull(strstr(t->out, "b@example.com"));
}
END_TEST

/* Mailboxes, extra addresses and aliases share one table, domains and
 * alias domains another: a listing skips the other kinds and goes on. */
START_TEST(list_skips_other_kinds)
{
	ok("mailbox add bob@example.com offer=acme/basic "
	   "extra=aab@example.com");
	ok("mailbox add zed@example.com offer=acme/basic");
	ok("alias add aaa@example.com targets=bob@example.com");
	ok("alias add zzz@example.com targets=zed@example.com");
	ok("domain add zzz.com customer=acme");
	ok("domain-alias add zzz.org target=zzz.com");
	ok("mailbox list");
	ck_assert_ptr_nonnull(strstr(t->out, "bob@example.com"));
	ck_assert_ptr_nonnull(strstr(t->out, "zed@example.com"));
	ck_assert_ptr_null(strstr(t->out, "aaa@example.com"));
	ck_assert_ptr_null(strstr(t->out, "aab@example.com"));
	ok("alias list");
	ck_assert_ptr_nonnull(strstr(t->out, "\naaa@example.com "));
	ck_assert_ptr_nonnull(strstr(t->out, "\nzzz@example.com "));
	ck_assert_ptr_null(strstr(t->out, "\nbob@example.com "));
	ok("domain list");
	ck_assert_ptr_nonnull(strstr(t->out, "example.com"));
	ck_assert_ptr_nonnull(strstr(t->out, "zzz.com"));
	ck_assert_ptr_null(strstr(t->out, "zzz.org"));
	ok("domain-alias list");
	ck_assert_ptr_nonnull(strstr(t->out, "example.org"));
	ck_assert_ptr_nonnull(strstr(t->out, "zzz.org"));
}
END_TEST

START_TEST(password_from_stdin_only)
{
	ck_assert_int_eq(
	    tu_run(
		t,
		"mailbox add a@example.com offer=acme/basic password=secret"),
	    1);
	ck_assert_ptr_nonnull(
	    strstr(t->err, "give passwords on standard input with --password"));
	t->input = "s3cret\n";
	ok("mailbox add a@example.com offer=acme/basic --password");
	ok("mailbox show a@example.com");
	ck_assert_ptr_nonnull(strstr(t->out, "password:            (set)"));
	ck_assert_ptr_null(strstr(t->out, "$6$"));
	t->input = "{BLF-CRYPT}$2y$05$abcdefghijklmnopqrstuuFsEJqf1kHYsZmT1."
		   "ZQnQgQp1u6zvyNW\n";
	ok("mailbox set a@example.com --password");
	t->input = "{PLAIN}secret\n";
	ck_assert_int_eq(tu_run(t, "mailbox set a@example.com --password"), 1);
	t->input = "";
	ck_assert_int_eq(tu_run(t, "mailbox set a@example.com --password"), 1);
	ck_assert_int_eq(tu_run(t, "domain set example.com --password"), 1);
	ck_assert_ptr_nonnull(strstr(t->err, "only mailboxes have passwords"));
	/* --password does not let another password through the arguments */
	t->input = "fromstdin\n";
	ck_assert_int_eq(tu_run(t, "mailbox add b@example.com offer=acme/basic "
				   "password=argvsecret --password"),
			 1);
	ck_assert_ptr_nonnull(
	    strstr(t->err, "give passwords on standard input with --password"));
	/* and an error never repeats one */
	ck_assert_int_eq(
	    tu_run(t, "mailbox del a@example.com password=topsecret"), 1);
	ck_assert_ptr_nonnull(
	    strstr(t->err, "unexpected argument \"password=...\""));
	ck_assert_ptr_null(strstr(t->err, "topsecret"));
	ck_assert_int_eq(tu_run(t, "mailbox list password=topsecret"), 1);
	ck_assert_ptr_nonnull(strstr(t->err, "password: not a list filter"));
	ck_assert_ptr_null(strstr(t->err, "topsecret"));
}
END_TEST

START_TEST(exit_codes_and_messages)
{
	static const struct {
		const char *line;
		int status;
		const char *want;
	} cases[] = {
	    {"mailbox show nobody@example.com", 2,
	     "no such mailbox nobody@example.com"},
	    {"mailbox set nobody@example.com enabled=no", 2, "no such mailbox"},
	    {"domain del nowhere.org", 2, "no such domain nowhere.org"},
	    {"mailbox add a..b@example.com offer=acme/basic", 1,
	     "consecutive dots"},
	    {"mailbox add a@example.com offer=acme/basic quota=12Q", 1,
	     "quota: must be a size"},
	    {"mailbox add a@example.com offer=acme/basic enabled=maybe", 1,
	     "enabled: must be yes or no"},
	    {"mailbox add a@example.com offer=acme/basic "
	     "autoreply_start=2026-02-30",
	     1, "autoreply_start: must be a date"},
	    {"mailbox add a@example.com offer=acme/basic language=f", 1,
	     "language: must be a language tag"},
	    {"mailbox add a@example.com offer=acme/basic colour=blue", 1,
	     "\"colour\": unknown field"},
	    {"mailbox add a@example.com", 1,
	     "offer: required when adding a mailbox"},
	    {"mailbox add a@example.com offer=acme/basic --force", 1,
	     "unknown option --force"},
	    {"mailbox frobnicate a@example.com", 1,
	     "unknown verb \"frobnicate\""},
	    {"planet add mars", 1, "unknown object \"planet\""},
	    {"mailbox add", 1, "usage: mailmapctl mailbox add"},
	    {"offer add acme/a offer", 1, "\"offer\": expected name=value"},
	    {"mailbox del a@example.com extra", 1, "unexpected argument"},
	    {"offer add acmebasic", 1, "must be CUSTOMER/OFFER"},
	    {"server add s2 host=not_a_host", 1, "host: is not a host name"},
	    {"server add s2 host=h.example.net roles=imap,pop", 1,
	     "\"pop\" is not one of: imap, smtp-in, smtp-out"},
	    {"server add s2 host=h.example.net lmtp_port=70000", 1,
	     "lmtp_port: must be a port number"},
	    {"offer set acme/basic ssl=sometimes", 1,
	     "ssl: must be one of: allow, force, forbid"},
	    {"domain set example.com storage=relative/path", 1,
	     "storage: must be an absolute path"},
	    {"mailbox add a@example.com offer=acme/basic maildir=../escape", 1,
	     "maildir: must not contain '..'"},
	    {"customer add acme display_name=\"\xff\xfe\"", 1,
	     "is not valid UTF-8"},
	    {"mailbox add a@example.com offer=acme/basic first_name=\"a\tb\"",
	     1, "first_name: contains control characters"},
	    {"alias add l@example.com targets=", 1,
	     "targets: an alias needs at least one"},
	    {"alias add l@example.com targets=l@example.com", 1,
	     "cannot point at itself"},
	    {"alias add l@example.com targets=x@y.org "
	     "send_rules=allow:everyone",
	     1, "is not a rule"},
	    {"domain add example.com customer=acme", 1,
	     "example.com is already a domain"},
	    {"customer add a/b", 1, "may contain only"},
	    {"mailbox show example.com", 1, "address has no @"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = tu_run(t, cases[i].line);
		ck_assert_msg(got == cases[i].status, "%s: exit %d: %s",
			      cases[i].line, got, t->err);
		ck_assert_msg(strstr(t->err, cases[i].want) != NULL,
			      "%s: said \"%s\", want \"%s\"", cases[i].line,
			      t->err, cases[i].want);
	}
}
END_TEST

START_TEST(list_fields_add_remove)
{
	ok("alias add team@example.com targets=a@gmail.com "
	   "send_rules=allow:domain:Example.COM");
	ok("alias set team@example.com targets+=b@gmail.com "
	   "send_rules+=deny:members");
	ok("alias show team@example.com --json");
	ck_assert_ptr_nonnull(
	    strstr(t->out, "\"targets\": [\"a@gmail.com\", \"b@gmail.com\"]"));
	ck_assert_ptr_nonnull(
	    strstr(t->out, "\"send_rules\": [\"allow:domain:example.com\", "
			   "\"deny:members\"]"));
	ok("alias set team@example.com targets-=a@gmail.com");
	ck_assert_int_eq(
	    tu_run(t, "alias set team@example.com targets-=zzz@gmail.com"), 1);
	ck_assert_ptr_nonnull(
	    strstr(t->err, "zzz@gmail.com is not in the list"));
	ck_assert_int_eq(
	    tu_run(t, "alias set team@example.com targets+=b@gmail.com"), 1);
	ck_assert_ptr_nonnull(strstr(t->err, "already in the list"));
	ck_assert_int_eq(tu_run(t, "alias set team@example.com enabled+=yes"),
			 1);
	ck_assert_ptr_nonnull(strstr(t->err, "is not a list"));
}
END_TEST

START_TEST(help_lists_fields)
{
	ok("help");
	ck_assert_ptr_nonnull(
	    strstr(t->out, "objects: customer offer domain domain-alias "
			   "mailbox alias server"));
	ok("help mailbox");
	ck_assert_ptr_nonnull(strstr(t->out, "forward_keep_copy"));
	ck_assert_ptr_nonnull(strstr(t->out, "(required)"));
}
END_TEST

/* "forward=" and n targets of 16 bytes each, joined by commas. */
static char *forward_list(int n)
{
	static char buf[200000];
	size_t len = (size_t)snprintf(buf, sizeof(buf), "forward=");

	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"%sf%05d@gmail.com", i ? "," : "", i);
	return buf;
}

/* A forward list is refused when the aliases answer could not fit in a
 * Postfix reply (every delivery would defer): with a kept copy, room is
 * kept for the mailbox's own address with any extension. */
START_TEST(forward_fits_the_answer)
{
	char tag[63];

	memset(tag, 't', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	/* 5876 targets: 99 891 bytes */
	ck_assert_int_eq(tu_runf(t,
				 "mailbox add x@example.com offer=acme/basic "
				 "forward_keep_copy=yes %s",
				 forward_list(5876)),
			 1);
	ck_assert_ptr_nonnull(
	    strstr(t->err, "forward: too long with forward_keep_copy"));
	ck_assert_int_eq(tu_runf(t,
				 "mailbox add x@example.com offer=acme/basic "
				 "forward_keep_copy=no %s",
				 forward_list(5876)),
			 0);
	ck_assert_int_eq(tu_runf(t, "query aliases x+%s@example.com", tag), 0);
	ck_assert_uint_eq(strlen(t->out), 3 + 99891 + 1);
	/* 5860 targets (99 619 bytes) and a copy: the longest answer fits */
	ck_assert_int_eq(tu_runf(t,
				 "mailbox set x@example.com "
				 "forward_keep_copy=yes %s",
				 forward_list(5860)),
			 0);
	ck_assert_int_eq(tu_runf(t, "query aliases x+%s@example.com", tag), 0);
	ck_assert_ptr_nonnull(strstr(t->out, "OK x+ttt"));
}
END_TEST

/* A domain changes customer only while it holds no mailbox and no extra
 * address: their offers and owners belong to the customer it has. */
START_TEST(domain_customer_change)
{
	ok("customer add beta");
	ok("offer add beta/basic");
	ok("domain add extra.org customer=acme");
	ok("domain add empty.org customer=acme");
	ok("mailbox add jo@example.com offer=acme/basic extra=jo@extra.org");
	ck_assert_int_eq(tu_run(t, "domain set example.com customer=beta"), 1);
	ck_assert_ptr_nonnull(strstr(t->err,
				     "customer: example.com still holds "
				     "1 mailbox of customer acme"));
	ck_assert_int_eq(tu_run(t, "domain set extra.org customer=beta"), 1);
	ck_assert_ptr_nonnull(
	    strstr(t->err, "1 extra address of customer acme"));
	ok("domain set empty.org customer=beta");
	ok("mailbox add new@empty.org offer=beta/basic");
	/* the store is as it was: jo's mailbox can still be changed */
	ok("mailbox set jo@example.com first_name=Jo");
}
END_TEST

/* A list never ends up empty (it would answer NOTFOUND and its mail be
 * refused): neither by a set nor by deleting its last target. A
 * recursive domain delete takes the domain's lists first. */
START_TEST(lists_never_empty)
{
	ok("mailbox add solo@example.com offer=acme/basic");
	ok("alias add team@example.com targets=solo@example.com");
	ck_assert_int_eq(
	    tu_run(t, "alias set team@example.com targets-=solo@example.com"),
	    1);
	ck_assert_ptr_nonnull(strstr(t->err, "an alias needs at least one"));
	ck_assert_int_eq(tu_run(t, "mailbox del solo@example.com"), 1);
	ck_assert_ptr_nonnull(strstr(t->err,
				     "solo@example.com is the only "
				     "target of list team@example.com"));
	ok("alias set team@example.com targets+=x@remote.test");
	ok("mailbox del solo@example.com");
	ok("alias show team@example.com");
	ck_assert_ptr_null(strstr(t->out, "solo@example.com"));
	ok("mailbox add solo@example.com offer=acme/basic");
	ok("alias add only@example.com targets=solo@example.com");
	ok("domain del example.com --recursive");
}
END_TEST

/* A mailbox cannot forward to itself, nor to its own address in an alias
 * domain of its domain (cleanup stops there and the mail bounces). */
START_TEST(forward_not_to_itself)
{
	ck_assert_int_eq(tu_run(t, "mailbox add a@example.com offer=acme/basic "
				   "forward=a@example.com"),
			 1);
	ck_assert_ptr_nonnull(strstr(t->err, "forward: a@example.com is this "
					     "mailbox itself"));
	ck_assert_int_eq(tu_run(t, "mailbox add a@example.com offer=acme/basic "
				   "forward=x@gmail.com,A@example.org"),
			 1);
	ck_assert_ptr_nonnull(strstr(t->err, "forward: a@example.org is this "
					     "mailbox itself"));
	ok("mailbox add b@example.com offer=acme/basic");
	ok("mailbox add a@example.com offer=acme/basic "
	   "forward=b@example.org,a@gmail.com");
}
END_TEST

START_TEST(query_answers_like_the_daemon)
{
	ok("mailbox add user@example.com offer=acme/basic");
	ck_assert_int_eq(tu_run(t, "query mailboxes User+tag@EXAMPLE.com"), 0);
	ck_assert_str_eq(t->out, "OK example.com/user/\n");
	ck_assert_int_eq(tu_run(t, "query domains example.com"), 0);
	ck_assert_int_eq(tu_run(t, "query mailboxes nobody@example.com"), 2);
	ck_assert_str_eq(t->out, "NOTFOUND \n");
	ck_assert_int_eq(tu_run(t, "query aliases nobody@example.org"), 2);
	ok("mailbox add postmaster@example.com offer=acme/basic");
	ok("domain set example.com catchall=postmaster@example.com");
	ck_assert_int_eq(tu_run(t, "query aliases nobody@example.org"), 0);
	ck_assert_str_eq(t->out, "OK postmaster@example.com\n");
	ck_assert_int_eq(tu_run(t, "query transport user@example.com"), 0);
	ck_assert_str_eq(t->out, "OK lmtp:inet:192.0.2.10:2424\n");
	t->ctl.json = true;
	ck_assert_int_eq(tu_run(t, "query aliases nobody@example.org"), 0);
	ck_assert_str_eq(
	    t->out,
	    "{\"map\": \"aliases\", \"key\": \"nobody@example.org\", "
	    "\"status\": \"OK\", \"value\": \"postmaster@example.com\"}\n");
	t->ctl.json = false;
	ck_assert_int_eq(tu_run(t, "query nosuchmap x"), 1);
	ck_assert_ptr_nonnull(strstr(t->out, "PERM "));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("admin");
	TCase *tc = tcase_create("admin");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, show_and_list_text);
	tcase_add_test(tc, show_json);
	tcase_add_test(tc, list_filters);
	tcase_add_test(tc, list_skips_other_kinds);
	tcase_add_test(tc, forward_fits_the_answer);
	tcase_add_test(tc, domain_customer_change);
	tcase_add_test(tc, lists_never_empty);
	tcase_add_test(tc, forward_not_to_itself);
	tcase_add_test(tc, password_from_stdin_only);
	tcase_add_test(tc, exit_codes_and_messages);
	tcase_add_test(tc, list_fields_add_remove);
	tcase_add_test(tc, help_lists_fields);
	tcase_add_test(tc, query_answers_like_the_daemon);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
