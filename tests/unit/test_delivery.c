/*
 * The delivery rule on the write side (admin/delivery.h): targets of ours
 * that do not exist and loops are refused at commit, in any order within
 * one transaction; an address that goes leaves the lists and forwards
 * naming it in every spelling; a change that leaves something taking no
 * mail is allowed and warned about; `show` says which targets take none;
 * and the issue's own example answers as the rule says.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "refs.h"
#include "testutil.h"

static struct tu_ctl *t;

static void ok(const char *line)
{
	int got = tu_run(t, line);

	ck_assert_msg(got == 0, "%s: exit %d: %s", line, got, t->err);
}

/* A command refused with exit 1 and a message holding want, the store
 * left byte for byte as it was. */
static void refused(const char *line, const char *want)
{
	tu_refused(t, 1, line, want);
}

/* Runs text as a batch file; returns the exit code. */
static int batch(const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/test.batch", t->dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return tu_runf(t, "batch %s", path);
}

/* `query aliases KEY` prints want ("OK ..." or "NOTFOUND "). */
static void answers(const char *key, const char *want)
{
	tu_runf(t, "query aliases %s", key);
	ck_assert_msg(strcmp(t->out, want) == 0, "aliases %s: \"%s\", want %s",
		      key, t->out, want);
}

static void says(const char *text, const char *want)
{
	ck_assert_msg(strstr(text, want) != NULL, "\"%s\" lacks \"%s\"", text,
		      want);
}

static void setup(void)
{
	t = tu_ctl_new();
	ok("customer add c1");
	ok("offer add c1/o max_seats=50");
	ok("domain add d.test customer=c1");
	ok("domain add e.test customer=c1");
	ok("domain-alias add alias.test target=d.test");
	ok("mailbox add a@d.test offer=c1/o");
	ok("mailbox add x@e.test offer=c1/o");
}

static void teardown(void)
{
	tu_ctl_free(t);
}

START_TEST(missing_targets_refused)
{
	refused("alias add l@d.test targets=a@d.test,ghost@d.test",
		"alias l@d.test: target ghost@d.test does not exist");
	refused("alias add l@d.test targets=ghost+tag@e.test",
		"target ghost+tag@e.test does not exist");
	refused("alias add l@d.test targets=ghost@alias.test",
		"target ghost@alias.test does not exist");
	refused("mailbox set a@d.test forward=ghost@e.test",
		"mailbox a@d.test: forward ghost@e.test does not exist");
	refused("domain set d.test catchall=ghost@d.test",
		"domain d.test: catch-all ghost@d.test does not exist");
	/* an inactive domain is still ours */
	ok("domain set e.test active=no");
	refused("alias add l@d.test targets=ghost@e.test",
		"ghost@e.test does not exist");
	/* elsewhere, every spelling of ours, and an existing address */
	ok("alias add l@d.test targets=a+tag@d.test,a@alias.test,"
	   "x@e.test,someone@elsewhere.test");
	ok("domain set d.test catchall=a@d.test");
}
END_TEST

START_TEST(checked_at_commit_in_any_order)
{
	/* a list and then its members; a domain, its catch-all, its
	 * mailbox */
	ck_assert_int_eq(batch("alias add team@d.test targets=b@d.test,"
			       "c@new.test\n"
			       "domain add new.test customer=c1 "
			       "catchall=c@new.test\n"
			       "mailbox add b@d.test offer=c1/o\n"
			       "mailbox add c@new.test offer=c1/o\n"),
			 0);
	answers("team@d.test", "OK b@d.test,c@new.test\n");
	answers("nobody@new.test", "OK c@new.test\n");
	/* the same batch without the last member is refused whole */
	ck_assert_int_eq(batch("alias add t2@d.test targets=b2@d.test\n"), 1);
	says(t->err, "target b2@d.test does not exist");
	ck_assert_int_eq(tu_run(t, "alias show t2@d.test"), 2);
}
END_TEST

START_TEST(new_domain_checks_existing_targets)
{
	ok("alias add l@d.test targets=a@d.test,p@partner.test");
	ok("mailbox set a@d.test forward=q@partner.test");
	/* partner.test becomes ours: p@ and q@ would lead nowhere */
	refused("domain add partner.test customer=c1",
		"p@partner.test does not exist");
	ck_assert_int_eq(batch("domain add partner.test customer=c1\n"
			       "mailbox add p@partner.test offer=c1/o\n"),
			 1);
	says(t->err, "mailbox a@d.test: forward q@partner.test does not exist");
	ck_assert_int_eq(batch("domain add partner.test customer=c1\n"
			       "mailbox add p@partner.test offer=c1/o\n"
			       "mailbox add q@partner.test offer=c1/o\n"),
			 0);
	/* an alias domain too: y@d.test exists, y@e.test does not */
	ok("mailbox add y@d.test offer=c1/o");
	ok("alias add m@d.test targets=y@other.test");
	refused("domain-alias add other.test target=e.test",
		"target y@other.test does not exist");
	ok("domain-alias add other.test target=d.test active=no");
	refused("domain-alias set other.test target=e.test",
		"target y@other.test does not exist");
}
END_TEST

START_TEST(loops_refused)
{
	ck_assert_int_eq(batch("alias add l1@d.test targets=l2@d.test\n"
			       "alias add l2@d.test targets=a@d.test,"
			       "l1@d.test\n"),
			 1);
	says(t->err, "leads back in a loop");
	says(t->err, "l1@d.test -> l2@d.test -> l1@d.test");
	/* through forwards that keep no copy */
	ck_assert_int_eq(batch("mailbox add m1@d.test offer=c1/o\n"
			       "mailbox add m2@d.test offer=c1/o "
			       "forward=m1@d.test forward_keep_copy=no\n"
			       "mailbox set m1@d.test forward=m2@d.test "
			       "forward_keep_copy=no\n"),
			 1);
	says(t->err, "loop");
	/* through a list, a disabled one too, and an extra address */
	ok("alias add l3@d.test targets=a@d.test enabled=no");
	refused("mailbox set a@d.test forward=l3@alias.test "
		"forward_keep_copy=no",
		"loop");
	ok("mailbox set x@e.test extra=xx@d.test");
	refused("mailbox set x@e.test forward=xx@d.test forward_keep_copy=no",
		"forward xx@d.test leads back in a loop");
	/* a mailbox that keeps a copy ends the expansion: no loop */
	ok("mailbox set a@d.test forward=l3@d.test forward_keep_copy=yes");
	ok("alias set l3@d.test enabled=yes");
	answers("a@d.test", "OK a@d.test,l3@d.test\n");
	answers("l3@d.test", "OK a@d.test\n");
}
END_TEST

START_TEST(deleted_addresses_leave_every_spelling)
{
	ok("mailbox add b@d.test offer=c1/o extra=bee@e.test");
	ok("alias add l@d.test targets=a@d.test,b+x@d.test,b@alias.test,"
	   "bee@e.test");
	ok("alias add only@d.test targets=b@alias.test");
	ok("mailbox set x@e.test forward=b@d.test,a@d.test");
	refused("mailbox del b@d.test",
		"b@d.test is the only target of list only@d.test");
	ok("alias del only@d.test");
	ok("domain set e.test catchall=bee@e.test");
	refused("mailbox del b@d.test",
		"bee@e.test is the catch-all of domain e.test: set another");
	ok("domain set e.test catchall=");
	ok("mailbox del b@d.test");
	says(t->out, "removed bee@e.test from list l@d.test");
	says(t->out, "removed b@d.test (as b+x@d.test) from list l@d.test");
	says(t->out, "removed b@d.test (as b@alias.test) from list l@d.test");
	says(t->out, "removed b@d.test from the forwards of mailbox x@e.test");
	ok("alias show l@d.test");
	says(t->out, "targets:             a@d.test\n");
	ok("mailbox show x@e.test");
	says(t->out, "forward:             a@d.test\n");
	/* a deleted list leaves the lists naming it as well */
	ok("alias add inner@d.test targets=a@d.test");
	ok("alias add outer@d.test targets=inner@d.test,x@e.test");
	ok("alias del inner@d.test");
	says(t->out, "removed inner@d.test from list outer@d.test");
}
END_TEST

/* What looks like a spelling but has a record of its own stays; the
 * order of a batch never matters; an alias domain that goes takes its
 * spellings out of lists and forwards. */
START_TEST(leaving_is_exact_and_order_free)
{
	ok("mailbox add bob@d.test offer=c1/o");
	ok("alias add bob+sales@d.test targets=x@e.test");
	ok("alias add team@d.test targets=bob+sales@d.test,bob@d.test");
	ok("mailbox del bob@d.test");
	ok("alias show team@d.test");
	says(t->out, "targets:             bob+sales@d.test\n");
	/* the only target of a list that goes in the same batch */
	ok("mailbox add b@d.test offer=c1/o");
	ok("alias add only@d.test targets=b@d.test");
	ck_assert_int_eq(batch("mailbox del b@d.test\n"
			       "alias del only@d.test\n"),
			 0);
	/* nested lists of a domain deleted whole */
	ok("domain add f.test customer=c1");
	ok("alias add fwd@f.test targets=someone@elsewhere.test");
	ok("alias add team@f.test targets=fwd@f.test");
	ok("domain del f.test --recursive");
	/* an alias domain that goes */
	ok("alias add l@d.test targets=a@alias.test,x@e.test");
	ok("mailbox set x@e.test forward=a@alias.test");
	ok("domain-alias del alias.test");
	says(t->out, "removed a@alias.test from list l@d.test");
	says(t->out, "removed a@alias.test from the forwards of mailbox "
		     "x@e.test");
}
END_TEST

/* Postfix's cleanup stops at an address whose answer holds it: a
 * mailbox keeping a copy asked as itself, not in an alias domain. */
START_TEST(alias_domain_spellings_loop)
{
	ck_assert_int_eq(batch("mailbox add k@d.test offer=c1/o\n"
			       "alias add team@d.test targets=k@alias.test\n"
			       "mailbox set k@d.test forward=team@d.test "
			       "forward_keep_copy=yes\n"),
			 1);
	says(t->err, "loop");
	refused("mailbox set a@d.test forward=a+x@alias.test", "loop");
	ok("alias add team@d.test targets=a@d.test");
	ok("mailbox set a@d.test forward=team@d.test forward_keep_copy=yes");
}
END_TEST

/* Past the lookups' limits, a change is refused with the reason. */
START_TEST(limits_refused)
{
	char text[8192] = "";

	for (int i = 0; i < 70; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "alias add n%d@d.test targets=n%d@d.test\n", i, i + 1);
	strcat(text, "alias add n70@d.test targets=a@d.test\n");
	ck_assert_int_eq(batch(text), 1);
	says(t->err, "aliases nested too deep");
}
END_TEST

START_TEST(taking_no_mail_is_allowed_and_said)
{
	ok("alias add l@d.test targets=x@e.test");
	ok("mailbox set a@d.test forward=x@e.test");
	ok("domain set d.test catchall=x@e.test");
	ok("mailbox set x@e.test enabled=no");
	says(t->err, "warning: alias l@d.test takes no mail now "
		     "(x@e.test: disabled)");
	says(t->err, "warning: mailbox a@d.test: no forward takes mail now");
	says(t->err, "warning: domain d.test: the catch-all takes no mail now");
	answers("l@d.test", "NOTFOUND \n");
	answers("a@d.test", "OK a@d.test\n");
	answers("nobody@d.test", "NOTFOUND \n");
	ok("alias show l@d.test");
	says(t->out, "undelivered_targets: x@e.test (disabled)\n");
	ok("mailbox set x@e.test enabled=yes");
	ck_assert_str_eq(t->err, "");
	ok("domain set e.test active=no");
	says(t->err, "warning: alias l@d.test takes no mail now "
		     "(x@e.test: inactive domain)");
	ok("alias show l@d.test --json");
	says(t->out, "\"undelivered_targets\": [{\"address\": \"x@e.test\", "
		     "\"why\": \"inactive domain\"}]");
	ok("domain set e.test active=yes");
	ok("alias show l@d.test");
	says(t->out, "undelivered_targets: none\n");
}
END_TEST

/* The example of the issue: nothing Postfix accepts bounces. */
START_TEST(issue_example)
{
	ck_assert_int_eq(
	    batch("mailbox add b@d.test offer=c1/o enabled=no\n"
		  "alias add list@d.test targets=a@d.test,b@d.test,"
		  "ext@other.test\n"
		  "alias add only@d.test targets=b@d.test\n"
		  "alias add l2@d.test targets=a@d.test,x@e.test\n"
		  "mailbox add f@d.test offer=c1/o forward=b@d.test\n"),
	    0);
	refused("alias set l2@d.test targets+=ghost@e.test",
		"target ghost@e.test does not exist");
	ok("domain set e.test active=no");
	answers("list@d.test", "OK a@d.test,ext@other.test\n");
	answers("only@d.test", "NOTFOUND \n");
	answers("f@d.test", "OK f@d.test\n");
	answers("l2@d.test", "OK a@d.test\n");
	ok("mailbox show f@d.test");
	says(t->out, "undelivered_forwards: b@d.test (disabled)\n");
}
END_TEST

/* A store written before forwards and catch-alls were indexed: the first
 * write indexes them, so a delete then finds them. */
static int forget_index(struct store_txn *txn, void *context)
{
	(void)context;
	refs_del(txn, REF_RECIPIENT, "a@d.test", REF_MAILBOX, "x@e.test");
	store_del(txn, STORE_META, "target_refs", strlen("target_refs"), NULL);
	return 0;
}

START_TEST(old_stores_are_indexed)
{
	const char *error = NULL;

	ok("mailbox set x@e.test forward=a@d.test,y@elsewhere.test");
	ck_assert_int_eq(store_write(t->ctl.store, forget_index, NULL, &error),
			 STORE_OK);
	ok("customer add c2");
	ok("mailbox del a@d.test");
	says(t->out, "removed a@d.test from the forwards of mailbox x@e.test");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("delivery");
	TCase *tc = tcase_create("delivery");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, missing_targets_refused);
	tcase_add_test(tc, checked_at_commit_in_any_order);
	tcase_add_test(tc, new_domain_checks_existing_targets);
	tcase_add_test(tc, loops_refused);
	tcase_add_test(tc, deleted_addresses_leave_every_spelling);
	tcase_add_test(tc, leaving_is_exact_and_order_free);
	tcase_add_test(tc, alias_domain_spellings_loop);
	tcase_add_test(tc, limits_refused);
	tcase_add_test(tc, taking_no_mail_is_allowed_and_said);
	tcase_add_test(tc, issue_example);
	tcase_add_test(tc, old_stores_are_indexed);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
