/*
 * The state of mailboxes as mailmapctl shows it (admin/mailbox_usage.c,
 * admin/stats.c) over maps/usage.c: `mailbox show` with and without a
 * state environment, text and JSON; `stats` per domain (sums, unlimited,
 * empty domains, alias domains left out); the purge of a deleted
 * mailbox's state; and usage.c's own reads and writes.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "testutil.h"
#include "usage.h"

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

static void setup(void)
{
	t = tu_ctl_new();
	ok("customer add acme");
	ok("offer add acme/basic quota=5000");
	ok("offer add acme/free");
	ok("domain add example.com customer=acme");
	ok("domain add example.net customer=acme");
	ok("domain add empty.org customer=acme");
	ok("domain-alias add alias.org target=example.com");
	ok("mailbox add user@example.com offer=acme/basic");
	ok("mailbox add big@example.com offer=acme/basic quota=20k");
	ok("mailbox add free@example.net offer=acme/free");
	ok("mailbox add other@example.net offer=acme/basic");
}

static void teardown(void)
{
	tu_ctl_free(t);
}

/* One state record to write. */
struct state_rec {
	const char *address;
	int counter; /* enum usage_counter, or -1 for the last login */
	int64_t value;
};

struct state_batch {
	const struct state_rec *recs;
	size_t count;
};

static int state_body(struct store_txn *txn, void *context)
{
	const struct state_batch *b = context;

	for (size_t i = 0; i < b->count; i++) {
		const struct state_rec *r = &b->recs[i];
		if (r->counter < 0)
			usage_set_last_login(txn, r->address,
					     (uint64_t)r->value);
		else
			usage_set_counter(txn, r->address, r->counter,
					  r->value);
	}
	return 0;
}

/* Writes records into the state environment as mailmapd would. */
static void state_write(const struct state_rec *recs, size_t count)
{
	struct store_settings settings = {.dir = t->ctl.state_dir,
					  .kind = STORE_ENV_STATE,
					  .create = true,
					  .nosync = true};
	struct state_batch batch = {recs, count};
	struct store *state;
	const char *error;

	ck_assert_int_eq(store_open(&settings, &state, &error), STORE_OK);
	ck_assert_int_eq(store_write(state, state_body, &batch, &error),
			 STORE_OK);
	store_close(&state);
}

/* Reads the state of address in a fresh snapshot. */
static void state_read(const char *address, struct usage *usage)
{
	struct store_settings settings = {.dir = t->ctl.state_dir,
					  .kind = STORE_ENV_STATE};
	struct store_reader *reader;
	struct store_txn *txn;
	struct store *state;
	const char *error;

	ck_assert_int_eq(store_open(&settings, &state, &error), STORE_OK);
	ck_assert_int_eq(store_reader_new(state, &reader, &error), STORE_OK);
	ck_assert_int_eq(store_read_begin(reader, &txn, &error), STORE_OK);
	ck_assert_int_eq(usage_read(txn, address, usage), STORE_OK);
	store_reader_free(&reader);
	store_close(&state);
}

static const struct state_rec some_state[] = {
    {"user@example.com", USAGE_STORAGE, 4000},
    {"user@example.com", USAGE_MESSAGES, 2},
    {"user@example.com", -1, 1795342493},
    {"big@example.com", USAGE_STORAGE, 1000},
    {"free@example.net", USAGE_STORAGE, 123456789},
    {"free@example.net", USAGE_MESSAGES, 7},
};

START_TEST(show_without_state)
{
	ok("mailbox show user@example.com");
	has("quota_allotted:      5000\n");
	has("quota_used:          unknown\n");
	has("quota_messages:      unknown\n");
	has("last_login:          never\n");
	ok("mailbox show big@example.com");
	has("quota_allotted:      20k\n");
	ok("mailbox show free@example.net --json");
	has("\"quota_allotted\": \"unlimited\"");
	has("\"quota_used\": null");
	has("\"quota_messages\": null");
	has("\"last_login\": null\n}");
}
END_TEST

START_TEST(show_with_state)
{
	state_write(some_state, sizeof(some_state) / sizeof(some_state[0]));
	ok("mailbox show user@example.com");
	has("quota_used:          4000 bytes (80%)\n");
	has("quota_messages:      2\n");
	has("last_login:          2026-11-22T10:14:53Z\n");
	ok("mailbox show user@example.com --json");
	has("\"quota_allotted\": 5000");
	has("\"quota_used\": 4000");
	has("\"quota_messages\": 2");
	has("\"last_login\": 1795342493");
	/* a state with nothing for this mailbox */
	ok("mailbox show other@example.net");
	has("quota_used:          unknown\n");
	has("last_login:          never\n");
	ok("mailbox show free@example.net");
	has("quota_used:          123456789 bytes\n");
}
END_TEST

START_TEST(stats_table_and_json)
{
	state_write(some_state, sizeof(some_state) / sizeof(some_state[0]));
	ok("stats");
	ck_assert_str_eq(
	    t->out,
	    "domain       mailboxes  quota_used  messages  quota_allotted\n"
	    "empty.org    0          0           0         0\n"
	    "example.com  2          5000        2         25480\n"
	    "example.net  2          123456789   7         unlimited\n");
	ok("stats --json");
	ck_assert_str_eq(
	    t->out,
	    "[\n"
	    "  {\"domain\": \"empty.org\", \"mailboxes\": 0, \"quota_used\": "
	    "0, "
	    "\"messages\": 0, \"quota_allotted\": 0},\n"
	    "  {\"domain\": \"example.com\", \"mailboxes\": 2, \"quota_used\": "
	    "5000, \"messages\": 2, \"quota_allotted\": 25480},\n"
	    "  {\"domain\": \"example.net\", \"mailboxes\": 2, \"quota_used\": "
	    "123456789, \"messages\": 7, \"quota_allotted\": \"unlimited\"}\n"
	    "]\n");
	t->ctl.json = true; /* the global --json */
	ok("stats");
	t->ctl.json = false;
	has("\"quota_allotted\": \"unlimited\"}\n]\n");
}
END_TEST

START_TEST(stats_without_state_and_bad_arguments)
{
	ok("stats");
	has("example.com  2          0           0         25480\n");
	ck_assert_int_eq(tu_run(t, "stats --verbose"), 1);
	ck_assert_ptr_nonnull(strstr(t->err, "usage: mailmapctl stats"));
	ok("mailbox del user@example.com");
	ok("mailbox del big@example.com");
	ok("domain del example.com --recursive");
	ok("domain del example.net --recursive");
	ok("domain del empty.org");
	ok("stats --json");
	ck_assert_str_eq(t->out, "[]\n");
	ok("stats");
	ck_assert_str_eq(
	    t->out,
	    "domain  mailboxes  quota_used  messages  quota_allotted\n");
}
END_TEST

/* Rule 7: deleting a mailbox removes its state, and only its own. */
START_TEST(delete_purges_state)
{
	struct usage usage;

	state_write(some_state, sizeof(some_state) / sizeof(some_state[0]));
	ok("mailbox del user@example.com");
	state_read("user@example.com", &usage);
	ck_assert(!usage.has_counter[USAGE_STORAGE]);
	ck_assert(!usage.has_counter[USAGE_MESSAGES]);
	ck_assert(!usage.has_last_login);
	state_read("big@example.com", &usage);
	ck_assert(usage.has_counter[USAGE_STORAGE]);
	ck_assert_int_eq(usage.counter[USAGE_STORAGE], 1000);
}
END_TEST

/* usage.c: key layout (keyspace.h), signed values, saturation, absent
 * and odd-sized values. */
static int usage_ops_body(struct store_txn *txn, void *context)
{
	int *results = context;

	results[0] = usage_add_counter(txn, "a@x.org", USAGE_STORAGE, 5);
	results[1] = usage_set_counter(txn, "a@x.org", USAGE_STORAGE, -3);
	results[2] = usage_add_counter(txn, "a@x.org", USAGE_STORAGE, 10);
	results[3] =
	    usage_set_counter(txn, "a@x.org", USAGE_MESSAGES, INT64_MAX - 1);
	results[4] = usage_add_counter(txn, "a@x.org", USAGE_MESSAGES, 5);
	results[5] = usage_unset_counter(txn, "b@x.org", USAGE_STORAGE);
	/* a value of another size reads as absent */
	store_put(txn, STORE_QUOTA, "c@x.org\0storage", 15, "abc", 3, 0);
	store_put(txn, STORE_LAST_LOGIN, "c@x.org", 7, "abc", 3, 0);
	return 0;
}

START_TEST(usage_reads_and_writes)
{
	struct store_settings settings = {
	    .dir = t->ctl.state_dir, .kind = STORE_ENV_STATE, .create = true};
	int results[6];
	struct usage usage;
	struct store *state;
	const char *error;
	char key[USAGE_KEY_MAX];

	ck_assert_uint_eq(usage_key("a@x.org", USAGE_MESSAGES, key), 16);
	ck_assert_mem_eq(key, "a@x.org\0messages", 16);
	ck_assert_int_eq(store_open(&settings, &state, &error), STORE_OK);
	ck_assert_int_eq(store_write(state, usage_ops_body, results, &error),
			 STORE_OK);
	store_close(&state);
	ck_assert_int_eq(results[0], STORE_NOTFOUND);
	for (int i = 1; i < 6; i++)
		ck_assert_int_eq(results[i], STORE_OK);
	state_read("a@x.org", &usage);
	ck_assert_int_eq(usage.counter[USAGE_STORAGE], 7);
	ck_assert_int_eq(usage.counter[USAGE_MESSAGES], INT64_MAX);
	ck_assert(!usage.has_last_login);
	state_read("c@x.org", &usage);
	ck_assert(!usage.has_counter[USAGE_STORAGE]);
	ck_assert(!usage.has_last_login);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("stats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, show_without_state);
	tcase_add_test(tc, show_with_state);
	tcase_add_test(tc, stats_table_and_json);
	tcase_add_test(tc, stats_without_state_and_bad_arguments);
	tcase_add_test(tc, delete_purges_state);
	tcase_add_test(tc, usage_reads_and_writes);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
