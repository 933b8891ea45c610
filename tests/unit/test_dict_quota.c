/*
 * The dicts "quota" and "lastlogin" (auth/dict_quota.c) over the state
 * environment: lookups (missing is NOTFOUND, an empty user too), the
 * transactions Dovecot sends (recalculation, delivery, expunge), an
 * increment of a missing counter (NOTFOUND, the rest applied), every
 * refusal leaving the state as it was, and the last login in its
 * precisions.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "dictutil.h"
#include "testutil.h"

#define QUOTA	 DICT_NAME_QUOTA
#define LOGIN	 DICT_NAME_LASTLOGIN
#define STORAGE	 "priv/quota/storage"
#define MESSAGES "priv/quota/messages"
#define USER	 "user@example.com"

static struct tu_dict *d;

static void setup(void)
{
	d = tu_dict_new();
}

static void teardown(void)
{
	tu_dict_free(d);
}

/* Looks a key up for USER: "N", or the value. */
static const char *value_of(enum dict_name dict, const char *key)
{
	enum dict_status st = tu_dict_lookup(d, dict, key, USER);

	ck_assert_msg(st != DICT_FAILED, "%s: %s", key, d->value);
	return st == DICT_NOTFOUND ? "N" : d->value;
}

static void commit(enum dict_name dict, const char *user, enum dict_status want,
		   const char *const *ops)
{
	enum dict_status got = tu_dict_commit(d, dict, user, ops);

	ck_assert_msg(got == want, "commit: %d, want %d (%s)", got, want,
		      d->value);
}

START_TEST(quota_flows)
{
	/* first access: unknown, so Dovecot recalculates */
	ck_assert_str_eq(value_of(QUOTA, STORAGE), "N");
	ck_assert_str_eq(value_of(QUOTA, MESSAGES), "N");
	commit(QUOTA, USER, DICT_FOUND,
	       (const char *const[]){"U " STORAGE, "U " MESSAGES,
				     "S " STORAGE " 0", "S " MESSAGES " 0",
				     NULL});
	ck_assert_str_eq(d->value, "");
	ck_assert_str_eq(value_of(QUOTA, STORAGE), "0");
	/* a delivery, then an expunge */
	commit(QUOTA, USER, DICT_FOUND,
	       (const char *const[]){"A " STORAGE " 74", "A " MESSAGES " 1",
				     NULL});
	commit(QUOTA, USER, DICT_FOUND,
	       (const char *const[]){"A " STORAGE " 1000", "A " MESSAGES " 1",
				     NULL});
	commit(QUOTA, USER, DICT_FOUND,
	       (const char *const[]){"A " STORAGE " -74", "A " MESSAGES " -1",
				     NULL});
	ck_assert_str_eq(value_of(QUOTA, STORAGE), "1000");
	ck_assert_str_eq(value_of(QUOTA, MESSAGES), "1");
	/* the user is normalised, in lookups and transactions */
	commit(QUOTA, "User@Example.COM", DICT_FOUND,
	       (const char *const[]){"A " STORAGE " 1", NULL});
	ck_assert_int_eq(tu_dict_lookup(d, QUOTA, STORAGE, "USER@example.com"),
			 DICT_FOUND);
	ck_assert_str_eq(d->value, "1001");
	/* a recalculation, with no-unset (no U), and negative values */
	commit(QUOTA, USER, DICT_FOUND,
	       (const char *const[]){"S " STORAGE " -5", "S " MESSAGES " 3",
				     NULL});
	ck_assert_str_eq(value_of(QUOTA, STORAGE), "-5");
	/* the extremes of i64 */
	commit(QUOTA, USER, DICT_FOUND,
	       (const char *const[]){"S " STORAGE " -9223372036854775808",
				     "S " MESSAGES " 9223372036854775807",
				     "A " MESSAGES " 1", "A " STORAGE " -1",
				     NULL});
	ck_assert_str_eq(value_of(QUOTA, STORAGE), "-9223372036854775808");
	ck_assert_str_eq(value_of(QUOTA, MESSAGES), "9223372036854775807");
	/* an empty transaction */
	commit(QUOTA, USER, DICT_FOUND, (const char *const[]){NULL});
}
END_TEST

/* An increment with nothing to add to: NOTFOUND, the rest applied (as
 * Dovecot's file and SQL dicts do), nothing created. */
START_TEST(increment_of_a_missing_counter)
{
	commit(QUOTA, USER, DICT_NOTFOUND,
	       (const char *const[]){"S " MESSAGES " 5", "A " STORAGE " 74",
				     "A " MESSAGES " 1", NULL});
	ck_assert_str_eq(value_of(QUOTA, STORAGE), "N");
	ck_assert_str_eq(value_of(QUOTA, MESSAGES), "6");
	commit(QUOTA, USER, DICT_FOUND,
	       (const char *const[]){"A " MESSAGES " 1", "U " STORAGE, NULL});
	ck_assert_str_eq(value_of(QUOTA, MESSAGES), "7");
}
END_TEST

struct refusal_case {
	enum dict_name dict;
	const char *user;
	const char *op; /* after a valid "S priv/quota/storage 42" */
	const char *reason;
};

static const struct refusal_case refusal_cases[] = {
    {QUOTA, USER, "S " STORAGE " 12x", "bad quota update (key or number)"},
    {QUOTA, USER, "S " STORAGE " ", "bad quota update"},
    {QUOTA, USER, "A " STORAGE " +5", "bad quota update"},
    {QUOTA, USER, "A " STORAGE " -", "bad quota update"},
    {QUOTA, USER, "A " STORAGE " 1 ", "bad quota update"},
    {QUOTA, USER, "S " STORAGE " 9223372036854775808", "bad quota update"},
    {QUOTA, USER, "S " STORAGE " -9223372036854775809", "bad quota update"},
    {QUOTA, USER, "S priv/quota/other 1", "bad quota update"},
    {QUOTA, USER, "S priv/quota/storage/x 1", "bad quota update"},
    {QUOTA, USER, "S shared/last-login/x 1", "bad quota update"},
    {QUOTA, "", "S " MESSAGES " 1", "transaction without a valid user"},
    {QUOTA, "root", "S " MESSAGES " 1", "transaction without a valid user"},
    {DICT_NAME_AUTH, USER, "S " MESSAGES " 1", "this dict is read-only"},
    {DICT_NAME_USERDB, USER, "U " MESSAGES, "this dict is read-only"},
};

/* F, and the valid operation before the bad one is not applied either. */
START_TEST(refusals_apply_nothing)
{
	const struct refusal_case *c = &refusal_cases[_i];

	commit(QUOTA, USER, DICT_FOUND,
	       (const char *const[]){"S " STORAGE " 7", NULL});
	commit(c->dict, c->user, DICT_FAILED,
	       (const char *const[]){"S " STORAGE " 42", c->op, NULL});
	ck_assert_msg(strstr(d->value, c->reason) == d->value,
		      "reason \"%s\", want \"%s\"", d->value, c->reason);
	ck_assert_str_eq(value_of(QUOTA, STORAGE), "7");
	ck_assert_str_eq(value_of(QUOTA, MESSAGES), "N");
}
END_TEST

START_TEST(quota_lookups)
{
	commit(QUOTA, USER, DICT_FOUND,
	       (const char *const[]){"S " STORAGE " 7", NULL});
	/* priv/ with no user: NOTFOUND (Dovecot's own server crashed) */
	ck_assert_int_eq(tu_dict_lookup(d, QUOTA, STORAGE, ""), DICT_NOTFOUND);
	ck_assert_int_eq(tu_dict_lookup(d, QUOTA, STORAGE, "root"),
			 DICT_NOTFOUND);
	ck_assert_str_eq(value_of(QUOTA, "priv/quota/storagex"), "N");
	ck_assert_str_eq(value_of(QUOTA, "priv/quota/"), "N");
	ck_assert_str_eq(value_of(QUOTA, "shared/userdb/" USER), "N");
	ck_assert_str_eq(value_of(DICT_NAME_AUTH, STORAGE), "N");
	ck_assert_str_eq(value_of(LOGIN, STORAGE), "N");
	ck_assert_int_eq(tu_dict_lookup(d, QUOTA, STORAGE, "other@example.com"),
			 DICT_NOTFOUND);
}
END_TEST

/* A state store that cannot answer (or none) is FAILED. */
START_TEST(state_failures)
{
	d->fail_state = true;
	ck_assert_int_eq(tu_dict_lookup(d, QUOTA, STORAGE, USER), DICT_FAILED);
	ck_assert_str_eq(d->value, "state store read failed");
	ck_assert_int_eq(
	    tu_dict_lookup(d, LOGIN, "shared/last-login/" USER, USER),
	    DICT_FAILED);
	d->fail_state = false;
	d->no_state = true;
	ck_assert_int_eq(tu_dict_lookup(d, QUOTA, STORAGE, USER), DICT_FAILED);
	ck_assert_str_eq(d->value, "no state store");
	ck_assert_int_eq(
	    tu_dict_lookup(d, LOGIN, "shared/last-login/" USER, USER),
	    DICT_FAILED);
	commit(QUOTA, USER, DICT_FAILED,
	       (const char *const[]){"S " STORAGE " 1", NULL});
	ck_assert_str_eq(d->value, "no state store");
}
END_TEST

START_TEST(last_login)
{
	const char *key = "shared/last-login/" USER;

	ck_assert_str_eq(value_of(LOGIN, key), "N");
	commit(LOGIN, USER, DICT_FOUND,
	       (const char *const[]){"S shared/last-login/" USER " 1795342493",
				     NULL});
	ck_assert_str_eq(value_of(LOGIN, key), "1795342493");
	/* the user is the transaction's, whatever the key's tail */
	commit(LOGIN, "Other@example.com", DICT_FOUND,
	       (const char *const[]){"S shared/last-login/x 1795342000", NULL});
	ck_assert_int_eq(
	    tu_dict_lookup(d, LOGIN, "shared/last-login/", "other@example.com"),
	    DICT_FOUND);
	ck_assert_str_eq(d->value, "1795342000");
	ck_assert_str_eq(value_of(LOGIN, "shared/last-login/anything"),
			 "1795342493");
	ck_assert_str_eq(value_of(LOGIN, "shared/last-loginx"), "N");
	ck_assert_str_eq(value_of(QUOTA, key), "N");
}
END_TEST

/* last_login_precision = ms, us, ns: stored in seconds. */
START_TEST(last_login_precisions)
{
	static const struct {
		const char *value, *stored;
	} cases[] = {
	    {"1795342539455", "1795342539"},
	    {"1795342539455123", "1795342539"},
	    {"1795342539455123456", "1795342539"},
	    {"99999999999", "99999999999"},
	    {"0", "0"},
	};
	char op[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(op, sizeof(op), "S shared/last-login/%s %s", USER,
			 cases[i].value);
		commit(LOGIN, USER, DICT_FOUND,
		       (const char *const[]){op, NULL});
		ck_assert_str_eq(value_of(LOGIN, "shared/last-login/x"),
				 cases[i].stored);
	}
}
END_TEST

START_TEST(last_login_refusals)
{
	static const char *const ops[] = {
	    "U shared/last-login/" USER,
	    "A shared/last-login/" USER " 1",
	    "S shared/last-login/" USER " -1",
	    "S shared/last-login/" USER " 1795342493.5",
	    "S shared/last-login/" USER " 18446744073709551616",
	    "S shared/last-login/" USER " abc",
	    "S " STORAGE " 1",
	    "S shared/last-loginx 1",
	};

	commit(LOGIN, USER, DICT_FOUND,
	       (const char *const[]){"S shared/last-login/" USER " 100", NULL});
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		commit(LOGIN, USER, DICT_FAILED,
		       (const char *const[]){"S shared/last-login/" USER " 200",
					     ops[i], NULL});
		ck_assert_str_eq(d->value,
				 "bad last-login update (key or number)");
	}
	commit(LOGIN, "", DICT_FAILED,
	       (const char *const[]){"S shared/last-login/x 1", NULL});
	ck_assert_str_eq(value_of(LOGIN, "shared/last-login/x"), "100");
	ck_assert_str_eq(value_of(QUOTA, STORAGE), "N");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dict_quota");
	TCase *tc = tcase_create("dict_quota");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, quota_flows);
	tcase_add_test(tc, increment_of_a_missing_counter);
	tcase_add_loop_test(
	    tc, refusals_apply_nothing, 0,
	    (int)(sizeof(refusal_cases) / sizeof(refusal_cases[0])));
	tcase_add_test(tc, quota_lookups);
	tcase_add_test(tc, state_failures);
	tcase_add_test(tc, last_login);
	tcase_add_test(tc, last_login_precisions);
	tcase_add_test(tc, last_login_refusals);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
