/*
 * The twelve rules of design.md ("Entities and rules"), each with a case
 * that is accepted and one that is refused. A refusal must exit 1, name the
 * objects that block it, and leave the store byte for byte as it was.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "testutil.h"

static struct tu_ctl *t;

static void setup(void)
{
	t = tu_ctl_new();
	ck_assert_int_eq(
	    tu_run(t, "server add imap1 host=10.0.0.1 roles=imap,smtp-in"), 0);
	ck_assert_int_eq(
	    tu_run(t,
		   "server add relay1 host=relay.example.net roles=smtp-out"),
	    0);
	ck_assert_int_eq(
	    tu_run(t, "customer add acme display_name='Acme Corp'"), 0);
	ck_assert_int_eq(tu_run(t, "customer add other"), 0);
	ck_assert_int_eq(tu_run(t, "offer add acme/basic max_seats=3 quota=1G"),
			 0);
	ck_assert_int_eq(tu_run(t, "offer add acme/drive drive=yes"), 0);
	ck_assert_int_eq(tu_run(t, "offer add acme/nomail mail=no"), 0);
	ck_assert_int_eq(tu_run(t, "offer add other/basic"), 0);
	ck_assert_int_eq(
	    tu_run(t, "domain add example.com customer=acme server=imap1"), 0);
	ck_assert_int_eq(tu_run(t, "domain add example.net customer=acme"), 0);
	ck_assert_int_eq(tu_run(t, "domain add other.org customer=other"), 0);
	ck_assert_int_eq(
	    tu_run(t, "domain-alias add example.info target=example.com"), 0);
}

static void teardown(void)
{
	tu_ctl_free(t);
}

/* Runs a command that must be refused with exit code status and a message
 * containing want, and checks that the store did not change at all. */
static void refused(int status, const char *line, const char *want)
{
	tu_refused(t, status, line, want);
}

static void ok(const char *line)
{
	int got = tu_run(t, line);

	ck_assert_msg(got == 0, "%s: exit %d: %s", line, got, t->err);
}

START_TEST(rule1_domain_must_be_primary)
{
	refused(1, "mailbox add a@nowhere.org offer=acme/basic",
		"no such domain nowhere.org");
	refused(1, "mailbox add a@example.info offer=acme/basic",
		"example.info is a domain-alias, not a domain");
	ok("mailbox add a@example.com offer=acme/basic");
}
END_TEST

START_TEST(rule2_offer_of_domain_customer_with_mail)
{
	refused(1, "mailbox add a@example.com offer=other/basic",
		"offer other/basic does not belong to customer acme");
	refused(1, "mailbox add a@example.com offer=acme/nomail",
		"offer acme/nomail does not include the mail module");
	refused(1, "mailbox add a@example.com offer=acme/missing",
		"no such offer acme/missing");
	ok("mailbox add a@other.org offer=other/basic");
	ok("mailbox add a@example.com offer=acme/basic");
	refused(1, "offer set acme/basic mail=no",
		"modules (mail, drive) cannot change");
}
END_TEST

START_TEST(rule3_max_seats)
{
	ok("mailbox add a@example.com offer=acme/basic");
	ok("mailbox add b@example.com offer=acme/basic");
	ok("mailbox add c@example.com offer=acme/basic");
	refused(1, "mailbox add d@example.com offer=acme/basic",
		"offer acme/basic is full: all 3 seats are taken");
	refused(1, "offer set acme/basic max_seats=2",
		"offer acme/basic has 3 mailboxes: max_seats cannot be lower");
	ok("offer set acme/basic max_seats=4");
	ok("mailbox add d@example.com offer=acme/basic");
}
END_TEST

START_TEST(rule4_offer_in_use_not_deleted)
{
	ok("mailbox add a@example.com offer=acme/basic");
	ok("mailbox add b@example.com offer=acme/basic");
	ok("mailbox add c@example.com offer=acme/basic");
	refused(1, "offer del acme/basic",
		"offer acme/basic is used by 3 mailboxes: a@example.com, "
		"b@example.com, c@example.com");
	ok("mailbox del a@example.com");
	ok("mailbox del b@example.com");
	ok("mailbox del c@example.com");
	ok("offer del acme/basic");
	ck_assert_int_eq(tu_run(t, "offer show acme/basic"), 2);
}
END_TEST

START_TEST(rule5_move_keeps_modules)
{
	ok("offer add acme/premium quota=5G");
	ok("mailbox add a@example.com offer=acme/basic");
	refused(1, "mailbox set a@example.com offer=acme/drive",
		"cannot move from offer acme/basic to acme/drive: their "
		"modules differ");
	ok("mailbox set a@example.com offer=acme/premium");
}
END_TEST

START_TEST(rule6_domain_delete_recursive)
{
	ok("mailbox add a@example.com offer=acme/basic extra=a@example.net");
	ok("alias add info@example.com targets=a@example.com,ext@gmail.com");
	refused(1, "domain del example.com",
		"domain example.com is used by 1 alias domain: example.info; 1 "
		"alias: info@example.com; 1 mailbox: a@example.com (delete "
		"with --recursive");
	ok("domain del example.com --recursive");
	ck_assert_int_eq(tu_run(t, "mailbox show a@example.com"), 2);
	ck_assert_int_eq(tu_run(t, "alias show info@example.com"), 2);
	ck_assert_int_eq(tu_run(t, "domain-alias show example.info"), 2);
	/* the extra address in the other domain went with its mailbox */
	ok("alias add a@example.net targets=x@example.org");
	/* an extra address of a mailbox elsewhere blocks too, or goes along */
	ok("mailbox add b@example.net offer=acme/basic");
	ok("domain add example.biz customer=acme");
	ok("mailbox set b@example.net extra+=b@example.biz");
	refused(1, "domain del example.biz", "1 extra address: b@example.biz");
	ok("domain del example.biz --recursive");
	ck_assert_int_eq(tu_run(t, "mailbox show b@example.net --json"), 0);
	ck_assert_ptr_nonnull(strstr(t->out, "\"extra\": []"));
}
END_TEST

START_TEST(rule7_mailbox_delete_cleans_up)
{
	ok("mailbox add a@example.com offer=acme/basic "
	   "extra=alt@example.com,a@example.net");
	ok("alias add team@example.com targets=a@example.com,b@gmail.com");
	ok("alias add old@example.com targets=alt@example.com,c@gmail.com");
	ok("mailbox del a@example.com");
	ck_assert_ptr_nonnull(
	    strstr(t->out, "removed a@example.com from list team@example.com"));
	ck_assert_ptr_nonnull(strstr(
	    t->out, "removed alt@example.com from list old@example.com"));
	ck_assert_int_eq(tu_run(t, "alias show team@example.com --json"), 0);
	ck_assert_ptr_nonnull(strstr(t->out, "\"targets\": [\"b@gmail.com\"]"));
	/* the extra addresses are free again */
	ok("alias add alt@example.com targets=x@gmail.com");
	ok("alias add a@example.net targets=x@gmail.com");
}
END_TEST

START_TEST(rule8_servers)
{
	ok("mailbox add a@example.com offer=acme/basic");
	refused(1, "server del imap1",
		"server imap1 is used by 1 domain: example.com");
	refused(1, "mailbox add b@example.com offer=acme/basic server=relay1",
		"server relay1 does not have the imap role");
	refused(1, "domain set example.net server=relay1",
		"server relay1 does not have the imap role");
	refused(1, "server set imap1 roles=smtp-in",
		"server imap1 keeps the imap role");
	ok("server set imap1 roles=imap");
	ok("server del relay1");
}
END_TEST

START_TEST(rule9_domain_alias)
{
	refused(1, "domain-alias add example.org target=nowhere.org",
		"no such domain nowhere.org");
	refused(1, "domain-alias add example.net target=example.com",
		"example.net is already a domain");
	refused(1, "domain add example.info customer=acme",
		"example.info is already a domain-alias");
	refused(1, "domain-alias add example.eu target=example.info",
		"example.info is a domain-alias, not a domain");
	ok("domain-alias add example.eu target=example.com");
}
END_TEST

START_TEST(rule10_one_address_one_thing)
{
	ok("mailbox add a@example.com offer=acme/basic extra=alt@example.com");
	refused(1, "alias add a@example.com targets=x@gmail.com",
		"a@example.com is already a mailbox");
	refused(1, "alias add alt@example.com targets=x@gmail.com",
		"alt@example.com is already an extra address");
	refused(1, "mailbox add alt@example.com offer=acme/basic",
		"alt@example.com is already an extra address");
	ok("alias add list@example.com targets=x@gmail.com");
	refused(1, "mailbox set a@example.com extra+=list@example.com",
		"list@example.com is already an alias");
	refused(1, "mailbox set a@example.com extra+=x@other.org",
		"domain other.org belongs to customer other, not acme");
}
END_TEST

START_TEST(rule11_domain_limits)
{
	ok("domain set example.net max_mailboxes=1 max_quota=3G");
	ok("mailbox add a@example.net offer=acme/basic");
	refused(1, "mailbox add b@example.net offer=acme/basic",
		"domain example.net allows 1 mailboxes; it would have 2");
	ok("domain set example.net max_mailboxes=5");
	ok("mailbox add b@example.net offer=acme/basic quota=2G");
	refused(1, "mailbox add c@example.net offer=acme/basic",
		"mailboxes would be allotted 4294967296 bytes, more than its "
		"max_quota of 3221225472");
	refused(1, "mailbox add c@example.net offer=acme/basic quota=unlimited",
		"mailbox c@example.net would have an unlimited quota");
	refused(1, "offer set acme/basic quota=2G", "more than its max_quota");
	refused(1, "domain set example.net max_mailboxes=1",
		"allows 1 mailboxes; it would have 2");
	refused(1, "mailbox set a@example.net quota=2G",
		"more than its max_quota");
	ok("mailbox set b@example.net quota=1G");
	ok("mailbox add c@example.net offer=acme/basic");
}
END_TEST

START_TEST(rule12_customer_owning_nothing)
{
	refused(1, "customer del other",
		"customer other is used by 1 domain: other.org; 1 offer: "
		"other/basic");
	ok("domain del other.org");
	ok("offer del other/basic");
	ok("customer del other");
	ck_assert_int_eq(tu_run(t, "customer show other"), 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rule1_domain_must_be_primary);
	tcase_add_test(tc, rule2_offer_of_domain_customer_with_mail);
	tcase_add_test(tc, rule3_max_seats);
	tcase_add_test(tc, rule4_offer_in_use_not_deleted);
	tcase_add_test(tc, rule5_move_keeps_modules);
	tcase_add_test(tc, rule6_domain_delete_recursive);
	tcase_add_test(tc, rule7_mailbox_delete_cleans_up);
	tcase_add_test(tc, rule8_servers);
	tcase_add_test(tc, rule9_domain_alias);
	tcase_add_test(tc, rule10_one_address_one_thing);
	tcase_add_test(tc, rule11_domain_limits);
	tcase_add_test(tc, rule12_customer_owning_nothing);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
