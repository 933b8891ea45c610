/*
 * The policy decision tables (design.md "Policy checks"), on a store built
 * by the real mailmapctl code: each check's accept and refuse cases, the
 * rule order and default of send rights, when greylisting applies, the
 * protocol states, and the failure policy when the store cannot answer.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "checks.h"
#include "ctlutil.h"
#include "testutil.h"

static struct tu_ctl *t;
static struct config_policy settings;
static int greylist_calls;

static void ok(const char *line)
{
	int got = tu_run(t, line);

	ck_assert_msg(got == 0, "%s: exit %d: %s", line, got, t->err);
}

static void setup(void)
{
	t = tu_ctl_new();
	ok("customer add acme");
	ok("offer add acme/basic max_message_size=10M");
	ok("offer add acme/nosmtp smtp_out=no");
	ok("offer add acme/internal other_domains=no");
	ok("offer add acme/forced sasl_forced=yes");
	ok("offer add acme/nospam antispam=no");
	ok("domain add example.com customer=acme");
	ok("domain add quiet.com customer=acme antispam=no");
	ok("domain-alias add alias.org target=example.com");
	ok("mailbox add user@example.com offer=acme/basic");
	ok("mailbox add off@example.com offer=acme/basic enabled=no "
	   "extra=offalt@example.com");
	ok("mailbox add nologin@example.com offer=acme/basic login=no");
	ok("mailbox add nosmtp@example.com offer=acme/nosmtp");
	ok("mailbox add internal@example.com offer=acme/internal");
	ok("mailbox add forced@example.com offer=acme/forced "
	   "extra=forcedalt@example.com");
	ok("mailbox add nospam@example.com offer=acme/nospam");
	ok("mailbox add q@quiet.com offer=acme/basic");
	ok("alias add staff@example.com "
	   "targets=user@example.com,member@partner.net "
	   "send_rules=deny:account:bad@example.com,allow:domain:example.com,"
	   "allow:members");
	ok("alias add bylogin@example.com targets=user@example.com "
	   "send_check=login "
	   "send_rules=allow:account:user@example.com");
	ok("alias add denyonly@example.com targets=user@example.com "
	   "send_rules=deny:domain:spam.test");
	ok("alias add open@example.com targets=user@example.com");
	ok("mailbox add bad@example.com offer=acme/basic extra=bad@quiet.com");
	ok("alias add membersonly@example.com targets=user@example.com "
	   "send_rules=allow:members");
	ok("domain add catch.com customer=acme catchall=user@example.com");
	ok("alias add dead@example.com targets=off@example.com");
	memset(&settings, 0, sizeof(settings));
	settings.greylisting = true;
	settings.failure_accounts = CONFIG_FAIL_DEFER;
	settings.failure_send_rights = CONFIG_FAIL_DEFER;
	settings.failure_greylisting = CONFIG_FAIL_DUNNO;
	greylist_calls = 0;
}

static void teardown(void)
{
	tu_ctl_free(t);
}

static int fake_greylist(void *context, const struct policy_request *req,
			 struct policy_verdict *verdict)
{
	(void)context;
	(void)req;
	greylist_calls++;
	verdict->kind = POLICY_DEFER_IF_PERMIT;
	verdict->text = "4.7.1 Greylisted";
	return 0;
}

/* Decides a request made of "name=value" lines; returns the action line.
 * fail_store makes every store read fail. */
static const char *decide_with(const char *attrs, bool fail_store)
{
	static char action[512];
	char text[2048];
	struct store_reader *reader;
	struct store_txn *txn;
	struct arena arena;
	struct policy_request req;
	struct policy_verdict verdict;
	const char *error;

	snprintf(text, sizeof(text), "request=smtpd_access_policy\n%s", attrs);
	ck_assert_int_eq(policy_parse(text, strlen(text), &req, &error), 0);
	ck_assert_int_eq(store_reader_new(t->ctl.store, &reader, &error),
			 STORE_OK);
	ck_assert_int_eq(store_read_begin(reader, &txn, &error), STORE_OK);
	if (fail_store)
		store_txn_fail(txn, STORE_TEMPFAIL, "simulated failure");
	arena_init(&arena, 0);
	struct lookup_ctx lookup = {txn, &arena, "+"};
	struct policy_env env = {&lookup, &settings, fake_greylist, NULL};
	policy_decide(&env, &req, &verdict);
	snprintf(action, sizeof(action), "%s", policy_action(&verdict, &arena));
	arena_deinit(&arena);
	store_reader_free(&reader);
	return action;
}

static const char *decide(const char *attrs)
{
	return decide_with(attrs, false);
}

struct decision_case {
	const char *attrs;
	const char *want; /* exact action line */
};

static void run_cases(const struct decision_case *cases, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const char *got = decide(cases[i].attrs);
		ck_assert_msg(strcmp(got, cases[i].want) == 0,
			      "case %zu:\n%s-> \"%s\", want \"%s\"", i,
			      cases[i].attrs, got, cases[i].want);
	}
}

#define RCPT_AUTH(login, rcpt, size)                                           \
	"protocol_state=RCPT\nsender=" login "\nrecipient=" rcpt               \
	"\nsasl_username=" login "\nsize=" size "\n"
#define RCPT_ANON(sender, rcpt)                                                \
	"protocol_state=RCPT\nclient_address=203.0.113.9\nclient_name=mx."     \
	"remote.test\n"                                                        \
	"sender=" sender "\nrecipient=" rcpt "\nsasl_username=\nsize=0\n"

START_TEST(authenticated_clients)
{
	static const struct decision_case cases[] = {
	    {RCPT_AUTH("user@example.com", "x@gmail.com", "0"), "DUNNO"},
	    {RCPT_AUTH("ghost@example.com", "x@gmail.com", "0"),
	     "REJECT 5.7.1 Account ghost@example.com is unknown"},
	    {RCPT_AUTH("off@example.com", "x@gmail.com", "0"),
	     "REJECT 5.7.1 Account off@example.com is disabled"},
	    {RCPT_AUTH("nologin@example.com", "x@gmail.com", "0"),
	     "REJECT 5.7.1 Account nologin@example.com is disabled"},
	    {RCPT_AUTH("nosmtp@example.com", "user@example.com", "0"),
	     "REJECT 5.7.1 Your plan does not allow sending mail through this "
	     "server"},
	    {RCPT_AUTH("internal@example.com", "x@gmail.com", "0"),
	     "REJECT 5.7.1 Your plan only allows sending to domains hosted "
	     "here"},
	    {RCPT_AUTH("internal@example.com", "user@example.com", "0"),
	     "DUNNO"},
	    {RCPT_AUTH("internal@example.com", "anyone@alias.org", "0"),
	     "DUNNO"},
	    {RCPT_AUTH("user@example.com", "x@gmail.com", "10485761"),
	     "REJECT 5.3.4 Message size 10485761 exceeds the limit of your "
	     "plan (10485760 bytes)"},
	    {RCPT_AUTH("user@example.com", "x@gmail.com", "10485760"), "DUNNO"},
	    {"protocol_state=END-OF-MESSAGE\nsasl_username=user@example."
	     "com\nsize=20000000\nrecipient=\n",
	     "REJECT 5.3.4 Message size 20000000 exceeds the limit of your "
	     "plan (10485760 bytes)"},
	    {"protocol_state=END-OF-MESSAGE\nsasl_username=nosmtp@example."
	     "com\nsize=100\n",
	     "DUNNO"},
	    {"protocol_state=MAIL\nsasl_username=off@example.com\nsender=off@"
	     "example.com\n",
	     "DUNNO"},
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
	ck_assert_int_eq(greylist_calls, 0);
}
END_TEST

START_TEST(forced_sasl_and_disabled_recipients)
{
	settings.greylisting = false;
	static const struct decision_case cases[] = {
	    {RCPT_ANON("forced@example.com", "user@example.com"),
	     "REJECT 5.7.1 Authentication required to send as "
	     "forced@example.com"},
	    {RCPT_ANON("Forced+x@EXAMPLE.com", "user@example.com"),
	     "REJECT 5.7.1 Authentication required to send as "
	     "forced+x@example.com"},
	    {RCPT_ANON("forcedalt@example.com", "user@example.com"),
	     "REJECT 5.7.1 Authentication required to send as "
	     "forcedalt@example.com"},
	    {RCPT_ANON("forced@alias.org", "user@example.com"),
	     "REJECT 5.7.1 Authentication required to send as "
	     "forced@alias.org"},
	    {RCPT_AUTH("forced@example.com", "x@gmail.com", "0"), "DUNNO"},
	    {RCPT_ANON("user@example.com", "user@example.com"), "DUNNO"},
	    {RCPT_ANON("", "user@example.com"), "DUNNO"},
	    {RCPT_ANON("a@gmail.com", "off@example.com"),
	     "REJECT 5.2.1 Mailbox off@example.com is disabled"},
	    {RCPT_ANON("a@gmail.com", "offalt@example.com"),
	     "REJECT 5.2.1 Mailbox off@example.com is disabled"},
	    {RCPT_ANON("a@gmail.com", "off+tag@alias.org"),
	     "REJECT 5.2.1 Mailbox off@example.com is disabled"},
	    {RCPT_ANON("a@gmail.com", "nologin@example.com"), "DUNNO"},
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
	/* a suspended domain's addresses are still not free to use */
	ok("domain set example.com active=no");
	static const struct decision_case suspended[] = {
	    {RCPT_ANON("forced@example.com", "x@gmail.com"),
	     "REJECT 5.7.1 Authentication required to send as "
	     "forced@example.com"},
	    {RCPT_ANON("forced@alias.org", "x@gmail.com"),
	     "REJECT 5.7.1 Authentication required to send as "
	     "forced@alias.org"},
	};
	run_cases(suspended, sizeof(suspended) / sizeof(suspended[0]));
}
END_TEST

START_TEST(send_rights_of_lists)
{
	settings.greylisting = false;
	static const struct decision_case cases[] = {
	    {RCPT_ANON("a@example.com", "staff@example.com"), "DUNNO"},
	    {RCPT_ANON("x@gmail.com", "staff@example.com"),
	     "REJECT 5.7.1 x@gmail.com may not send to the list "
	     "staff@example.com"},
	    {RCPT_ANON("x@gmail.com", "Staff+tag@alias.org"),
	     "REJECT 5.7.1 x@gmail.com may not send to the list "
	     "staff@example.com"},
	    /* first match wins: deny:account before allow:domain */
	    {RCPT_ANON("bad@example.com", "staff@example.com"),
	     "REJECT 5.7.1 bad@example.com may not send to the list "
	     "staff@example.com"},
	    {RCPT_ANON("member@partner.net", "staff@example.com"), "DUNNO"},
	    {RCPT_ANON("", "staff@example.com"),
	     "REJECT 5.7.1 The null sender may not send to the list "
	     "staff@example.com"},
	    /* login-checked list: the envelope sender does not count */
	    {RCPT_ANON("user@example.com", "bylogin@example.com"),
	     "REJECT 5.7.1 An unauthenticated client may not send to the list "
	     "bylogin@example.com"},
	    {RCPT_AUTH("user@example.com", "bylogin@example.com", "0"),
	     "DUNNO"},
	    {RCPT_AUTH("internal@example.com", "bylogin@example.com", "0"),
	     "REJECT 5.7.1 internal@example.com may not send to the list "
	     "bylogin@example.com"},
	    /* only deny rules: everyone else may send */
	    {RCPT_ANON("x@gmail.com", "denyonly@example.com"), "DUNNO"},
	    {RCPT_ANON("x@spam.test", "denyonly@example.com"),
	     "REJECT 5.7.1 x@spam.test may not send to the list "
	     "denyonly@example.com"},
	    {RCPT_ANON("x@spam.test", "open@example.com"), "DUNNO"},
	    /* a sender is judged as its mailbox too: extension, alias
	     * domain, extra address */
	    {RCPT_ANON("bad+x@example.com", "staff@example.com"),
	     "REJECT 5.7.1 bad+x@example.com may not send to the list "
	     "staff@example.com"},
	    {RCPT_ANON("bad@alias.org", "staff@example.com"),
	     "REJECT 5.7.1 bad@alias.org may not send to the list "
	     "staff@example.com"},
	    {RCPT_ANON("bad@quiet.com", "staff@example.com"),
	     "REJECT 5.7.1 bad@quiet.com may not send to the list "
	     "staff@example.com"},
	    {RCPT_ANON("user+x@example.com", "membersonly@example.com"),
	     "DUNNO"},
	    {RCPT_ANON("user@alias.org", "membersonly@example.com"), "DUNNO"},
	    {RCPT_ANON("x@gmail.com", "membersonly@example.com"),
	     "REJECT 5.7.1 x@gmail.com may not send to the list "
	     "membersonly@example.com"},
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(when_greylisting_applies)
{
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "user@example.com")),
			 "DEFER_IF_PERMIT 4.7.1 Greylisted");
	ck_assert_int_eq(greylist_calls, 1);
	/* nobody there, nor behind a list: DUNNO, and Postfix's
	 * reject_unlisted_recipient answers 550, not a 450 to retry */
	ck_assert_str_eq(
	    decide(RCPT_ANON("a@gmail.com", "unknown@example.com")), "DUNNO");
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "dead@example.com")),
			 "DUNNO");
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "nobody@alias.org")),
			 "DUNNO");
	ck_assert_int_eq(greylist_calls, 1);
	/* an unknown address the catch-all takes is greylisted */
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "unknown@catch.com")),
			 "DEFER_IF_PERMIT 4.7.1 Greylisted");
	/* a list has no plan: its domain decides */
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "open@example.com")),
			 "DEFER_IF_PERMIT 4.7.1 Greylisted");
	ck_assert_str_eq(
	    decide(RCPT_AUTH("user@example.com", "user@example.com", "0")),
	    "DUNNO");
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "q@quiet.com")),
			 "DUNNO");
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "nospam@example.com")),
			 "DUNNO");
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "x@elsewhere.net")),
			 "DUNNO");
	ck_assert_int_eq(greylist_calls, 3);
	struct config_network net = {
	    .family = AF_INET, .addr = {203, 0, 113, 0}, .prefix = 24};
	settings.whitelist_clients = &net;
	settings.whitelist_client_count = 1;
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "user@example.com")),
			 "DUNNO");
	settings.whitelist_client_count = 0;
	char example[] = "example.com";
	char *recipients[] = {example};
	settings.whitelist_recipients = recipients;
	settings.whitelist_recipient_count = 1;
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "user@example.com")),
			 "DUNNO");
	/* an address entry covers the addresses that lead to it */
	char user[] = "user@example.com";
	recipients[0] = user;
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "user+x@example.com")),
			 "DUNNO");
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "User@alias.org")),
			 "DUNNO");
	settings.whitelist_recipient_count = 0;
	settings.greylisting = false;
	ck_assert_str_eq(decide(RCPT_ANON("a@gmail.com", "user@example.com")),
			 "DUNNO");
	ck_assert_int_eq(greylist_calls, 3);
}
END_TEST

START_TEST(store_failure_policy)
{
	ck_assert_str_eq(
	    decide_with(RCPT_AUTH("user@example.com", "x@gmail.com", "0"),
			true),
	    "DEFER_IF_PERMIT 4.3.0 Temporary lookup failure, try again later");
	settings.failure_accounts = CONFIG_FAIL_DUNNO;
	settings.failure_send_rights = CONFIG_FAIL_DUNNO;
	ck_assert_str_eq(
	    decide_with(RCPT_ANON("a@gmail.com", "staff@example.com"), true),
	    "DUNNO");
	settings.failure_send_rights = CONFIG_FAIL_DEFER;
	ck_assert_str_eq(
	    decide_with(RCPT_ANON("a@gmail.com", "staff@example.com"), true),
	    "DEFER_IF_PERMIT 4.3.0 Temporary lookup failure, try again later");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy_checks");
	TCase *tc = tcase_create("checks");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, authenticated_clients);
	tcase_add_test(tc, forced_sasl_and_disabled_recipients);
	tcase_add_test(tc, send_rights_of_lists);
	tcase_add_test(tc, when_greylisting_applies);
	tcase_add_test(tc, store_failure_policy);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
