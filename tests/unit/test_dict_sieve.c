/*
 * The dict "sieve" (auth/dict_sieve.c, vacation.c) on the dict tests'
 * store (dictutil.c): which mailboxes have a script, the name lookup's id
 * and the data lookup's script, the addresses the script answers for
 * (extra addresses, single-target aliases, alias-domain spellings; not
 * lists, disabled aliases or inactive alias domains), the discard of a
 * forward without a copy (only while a forward takes mail), ids that
 * change exactly when the script does, and failures.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict_data.h"
#include "dictutil.h"
#include "sieve_script.h"
#include "testutil.h"

#define SIEVE	 DICT_NAME_SIEVE
#define NAME_KEY "priv/sieve/name/mailmap"
#define USER	 "user@example.com"

static struct tu_dict *d;

static void setup(void)
{
	d = tu_dict_new();
	tu_dict_fixture(d);
	tu_dict_ok(d,
		   "mailbox set " USER " autoreply=yes "
		   "autoreply_subject='Out of office' "
		   "autoreply_body='Back on Monday.' autoreply_interval=10m",
		   NULL);
}

static void teardown(void)
{
	tu_dict_free(d);
}

/* The id the name lookup gives user (FOUND expected), in id. */
static void name_id(const char *user, char *id)
{
	ck_assert_int_eq(tu_dict_lookup(d, SIEVE, NAME_KEY, user), DICT_FOUND);
	ck_assert_uint_eq(strlen(d->value), SIEVE_ID_LEN);
	ck_assert_uint_eq(strspn(d->value, "0123456789abcdef"), SIEVE_ID_LEN);
	strcpy(id, d->value);
}

/* The script of user, through the id of its name lookup. */
static const char *script(const char *user)
{
	char id[SIEVE_ID_LEN + 1], key[64];

	name_id(user, id);
	snprintf(key, sizeof(key), "priv/sieve/data/%s", id);
	ck_assert_int_eq(tu_dict_lookup(d, SIEVE, key, user), DICT_FOUND);
	return d->value;
}

static void has(const char *text, const char *part)
{
	ck_assert_msg(strstr(text, part) != NULL, "no <%s> in:\n%s", part,
		      text);
}

static void lacks(const char *text, const char *part)
{
	ck_assert_msg(strstr(text, part) == NULL, "<%s> in:\n%s", part, text);
}

START_TEST(test_script)
{
	const char *text = script(USER);

	has(text, "require [\"vacation\", \"vacation-seconds\", \"date\", "
		  "\"relational\"];\nif true {\n");
	has(text,
	    "vacation :seconds 600 :from \"user@example.com\"\n"
	    "    :addresses [\"user@example.com\", \"extra@example.com\", "
	    "\"staff@example.com\", \"user@alias.org\", "
	    "\"extra@alias.org\", \"staff@alias.org\"]\n"
	    "    :subject \"Out of office\"\n"
	    "    \"Back on Monday.\";\n}\n");
	lacks(text, "discard");
	/* any name, and the user as Dovecot sends it */
	ck_assert_int_eq(tu_dict_lookup(d, SIEVE, "priv/sieve/name/active",
					"USER@Example.com"),
			 DICT_FOUND);
}
END_TEST

/* A mailbox with no auto-reply (or a disabled one) gets the script that
 * does nothing: Pigeonhole 2.4 defers a delivery whose sieve_before
 * script is missing. */
static void no_reply(const char *user)
{
	struct sieve_script none;

	sieve_script_none(&none);
	ck_assert_str_eq(script(user), "# mailmap: no auto-reply\n");
	name_id(user, (char[SIEVE_ID_LEN + 1]){0});
	ck_assert_str_eq(d->value, none.id);
}

START_TEST(test_no_script)
{
	static const char *const users[] = {
	    "staff@example.com", /* an alias */
	    "extra@example.com", /* an extra address */
	    "user@alias.org",	 /* Dovecot's user is the login */
	    "nobody@example.com", "", "not an address",
	};

	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		ck_assert_msg(tu_dict_lookup(d, SIEVE, NAME_KEY, users[i]) ==
				  DICT_NOTFOUND,
			      "%s: %s", users[i], d->value);
	no_reply("custom@example.com");
	/* a disabled mailbox takes no mail: no reply */
	tu_dict_ok(d,
		   "mailbox set off@example.com autoreply=yes "
		   "autoreply_body=x",
		   NULL);
	no_reply("off@example.com");
	/* turned off */
	tu_dict_ok(d, "mailbox set " USER " autoreply=no", NULL);
	no_reply(USER);
}
END_TEST

START_TEST(test_keys_and_dicts)
{
	static const char *const keys[] = {
	    "priv/sieve/other",
	    "priv/sieve/name",
	    "shared/sieve/name/x",
	    "priv/quota/storage",
	    "",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(tu_dict_lookup(d, SIEVE, keys[i], USER) ==
				  DICT_NOTFOUND,
			      "%s", keys[i]);
	/* other dicts do not serve scripts */
	ck_assert_int_eq(tu_dict_lookup(d, DICT_NAME_QUOTA, NAME_KEY, USER),
			 DICT_NOTFOUND);
	ck_assert_int_eq(tu_dict_lookup(d, DICT_NAME_AUTH, NAME_KEY, USER),
			 DICT_NOTFOUND);
}
END_TEST

/* A data lookup for an id that is not the current one (the auto-reply
 * changed between the two lookups) gets the current script. */
START_TEST(test_stale_id)
{
	char current[SIEVE_ID_LEN + 1];
	char *want;

	want = strdup(script(USER));
	name_id(USER, current);
	ck_assert_int_eq(tu_dict_lookup(d, SIEVE,
					"priv/sieve/data/"
					"00000000000000000000000000000000",
					USER),
			 DICT_FOUND);
	ck_assert_str_eq(d->value, want);
	free(want);
}
END_TEST

/* Lists, disabled aliases and inactive alias domains are not addresses
 * of the mailbox; the id follows the script exactly. */
START_TEST(test_addresses_follow_the_store)
{
	char first[SIEVE_ID_LEN + 1], id[SIEVE_ID_LEN + 1];

	name_id(USER, first);
	/* a list of two: no reply to mail sent to it; the script is the
	 * same, so is the id */
	tu_dict_ok(d,
		   "alias add team@example.com "
		   "targets=user@example.com,custom@example.com",
		   NULL);
	lacks(script(USER), "team@");
	name_id(USER, id);
	ck_assert_str_eq(id, first);
	/* another mailbox's change: the same id */
	tu_dict_ok(d, "mailbox set custom@example.com first_name=Carl", NULL);
	name_id(USER, id);
	ck_assert_str_eq(id, first);

	tu_dict_ok(d, "alias set staff@example.com enabled=no", NULL);
	lacks(script(USER), "staff@");
	name_id(USER, id);
	ck_assert_str_ne(id, first);

	tu_dict_ok(d, "domain-alias set alias.org active=no", NULL);
	lacks(script(USER), "@alias.org");

	tu_dict_ok(d, "alias set staff@example.com enabled=yes", NULL);
	tu_dict_ok(d, "domain-alias set alias.org active=yes", NULL);
	name_id(USER, id);
	ck_assert_str_eq(id, first);
	/* the mailbox's own fields */
	tu_dict_ok(d, "mailbox set " USER " first_name=Ann last_name=Lee",
		   NULL);
	has(script(USER), ":from \"Ann Lee <user@example.com>\"");
	tu_dict_ok(d, "mailbox set " USER " extra-=extra@example.com", NULL);
	lacks(script(USER), "extra@");
}
END_TEST

/* Forwarding without a copy: the script discards the message after the
 * reply, while a forward takes mail (else the mailbox keeps it, as the
 * aliases map does). */
START_TEST(test_forward_without_copy)
{
	tu_dict_ok(d,
		   "mailbox set " USER " forward=free@example.net "
		   "forward_keep_copy=no",
		   NULL);
	has(script(USER), "\n}\n# forwarded without a copy: keep nothing\n"
			  "discard;\n");
	tu_dict_ok(d, "mailbox set " USER " forward_keep_copy=yes", NULL);
	lacks(script(USER), "discard");
	tu_dict_ok(d, "mailbox set " USER " forward_keep_copy=no", NULL);
	tu_dict_ok(d, "mailbox set free@example.net enabled=no", NULL);
	lacks(script(USER), "discard");
}
END_TEST

START_TEST(test_store_failure)
{
	d->fail_config = true;
	ck_assert_int_eq(tu_dict_lookup(d, SIEVE, NAME_KEY, USER), DICT_FAILED);
	ck_assert_int_eq(tu_dict_lookup(d, SIEVE, "priv/sieve/data/x", USER),
			 DICT_FAILED);
	d->fail_config = false;
	name_id(USER, (char[SIEVE_ID_LEN + 1]){0});
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dict_sieve");
	TCase *tc = tcase_create("sieve");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_script);
	tcase_add_test(tc, test_no_script);
	tcase_add_test(tc, test_keys_and_dicts);
	tcase_add_test(tc, test_stale_id);
	tcase_add_test(tc, test_addresses_follow_the_store);
	tcase_add_test(tc, test_forward_without_copy);
	tcase_add_test(tc, test_store_failure);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
