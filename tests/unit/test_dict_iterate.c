/*
 * The user listing of the dict service (auth/dict_iterate.c) for
 * `doveadm user '*'`: the mailboxes in key order with their userdb
 * answers, direct children only unless RECURSE, NO_VALUE, max rows and
 * resumption after a key (also one that does not exist), and nothing for
 * any other path, dict or EXACT_KEY. Store failures: test_dict_data.c.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dictutil.h"
#include "testutil.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define AUTH DICT_NAME_AUTH

static struct tu_dict *d;

static void setup(void)
{
	d = tu_dict_new();
	tu_dict_fixture(d);
}

static void teardown(void)
{
	tu_dict_free(d);
}

/* The mailboxes in key order, without a/b@example.com (not a direct
 * child of the path). */
static const char *const listed[] = {
    "a%d@example.com",	 "big@example.com",	"custom@example.com",
    "free@example.net",	 "imapper@example.com", "in@off.org",
    "moved@example.net", "nologin@example.com", "nopass@example.com",
    "off@example.com",	 "plain@example.com",	"popper@example.com",
    "tls@example.com",	 "user@example.com",
};

static void check_rows(size_t first, size_t count)
{
	ck_assert_uint_eq(d->row_count, count);
	for (size_t i = 0; i < count; i++) {
		char want[256];
		snprintf(want, sizeof(want), "shared/userdb/%s",
			 listed[first + i]);
		ck_assert_str_eq(d->keys[i], want);
	}
}

START_TEST(iterate_all)
{
	char want[16384];

	ck_assert_int_eq(tu_dict_iterate(d, AUTH, "shared/userdb/", 0, "", 64),
			 N(listed));
	check_rows(0, N(listed));
	/* each value is the user's userdb answer */
	for (int i = 0; i < N(listed); i++) {
		snprintf(want, sizeof(want), "%s", d->values[i]);
		ck_assert_int_eq(tu_dict_lookup(d, DICT_NAME_USERDB,
						"shared/userdb/", listed[i]),
				 DICT_FOUND);
		ck_assert_str_eq(want, d->value);
	}
	ck_assert_int_eq(
	    tu_dict_iterate(d, DICT_NAME_USERDB, "shared/userdb/",
			    DICT_ITER_NO_VALUE | DICT_ITER_SORT_BY_KEY, "", 64),
	    N(listed));
	check_rows(0, N(listed));
	for (int i = 0; i < N(listed); i++)
		ck_assert_str_eq(d->values[i], "");
}
END_TEST

START_TEST(iterate_recursive)
{
	ck_assert_int_eq(tu_dict_iterate(d, AUTH, "shared/userdb/",
					 DICT_ITER_RECURSE, "", 64),
			 N(listed) + 1);
	ck_assert_str_eq(d->keys[1], "shared/userdb/a/b@example.com");
}
END_TEST

/* max rows at a time, each call resuming after the last key, in a new
 * snapshot; and after keys that do not exist. */
START_TEST(iterate_resumes)
{
	char after[512] = "";
	size_t seen = 0;
	int got;

	while ((got = tu_dict_iterate(d, AUTH, "shared/userdb/", 0, after, 3)) >
	       0) {
		ck_assert_int_le(got, 3);
		check_rows(seen, (size_t)got);
		seen += (size_t)got;
		snprintf(after, sizeof(after), "%s", d->keys[got - 1]);
	}
	ck_assert_int_eq(got, 0);
	ck_assert_uint_eq(seen, N(listed));
	ck_assert_int_eq(
	    tu_dict_iterate(d, AUTH, "shared/userdb/", 0, "shared/userdb/c", 2),
	    2);
	check_rows(2, 2);
	ck_assert_int_eq(
	    tu_dict_iterate(d, AUTH, "shared/userdb/", 0, "shared/userdb/", 1),
	    1);
	check_rows(0, 1);
	ck_assert_int_eq(
	    tu_dict_iterate(d, AUTH, "shared/userdb/", 0, "shared/a", 1), 1);
	check_rows(0, 1);
	ck_assert_int_eq(
	    tu_dict_iterate(d, AUTH, "shared/userdb/", 0, "shared/zzz", 10), 0);
	ck_assert_int_eq(tu_dict_iterate(d, AUTH, "shared/userdb/", 0,
					 "shared/userdb/zzz", 10),
			 0);
	ck_assert_int_eq(tu_dict_iterate(d, AUTH, "shared/userdb/", 0, "", 0),
			 0);
}
END_TEST

/* Nothing outside the one path: an auth-worker panics on a foreign key. */
START_TEST(iterate_other_paths)
{
	static const char *const paths[] = {"shared/passdb/",
					    "shared/",
					    "",
					    "shared/userdb",
					    "priv/quota/",
					    "shared/userdb/user@example.com/",
					    "shared/last-login/"};

	for (int i = 0; i < N(paths); i++) {
		ck_assert_int_eq(tu_dict_iterate(d, AUTH, paths[i],
						 DICT_ITER_RECURSE, "", 64),
				 0);
	}
	ck_assert_int_eq(
	    tu_dict_iterate(d, DICT_NAME_QUOTA, "shared/userdb/", 0, "", 64),
	    0);
	ck_assert_int_eq(tu_dict_iterate(d, DICT_NAME_LASTLOGIN,
					 "shared/userdb/", 0, "", 64),
			 0);
	ck_assert_int_eq(tu_dict_iterate(d, AUTH, "shared/userdb/",
					 DICT_ITER_EXACT_KEY, "", 64),
			 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dict_iterate");
	TCase *tc = tcase_create("dict_iterate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, iterate_all);
	tcase_add_test(tc, iterate_recursive);
	tcase_add_test(tc, iterate_resumes);
	tcase_add_test(tc, iterate_other_paths);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
