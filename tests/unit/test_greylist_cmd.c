/*
 * `mailmapctl greylist`: list (filters, --json), show, delete (a triplet,
 * a network), the manual whitelist (add/list/del, and the engine passing
 * a whitelisted client), stats, exit codes. The state environment is
 * seeded through the engine (greylist_store_check + greylist_queue_flush)
 * on a clock fixed relative to now, since mailmapctl judges entries at
 * the real time.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctlutil.h"
#include "greylist.h"
#include "greylist_store.h"
#include "testutil.h"

#define HOUR 3600ull
#define DAY  (24 * HOUR)

static struct tu_ctl *t;
static uint64_t now0;
static char long_sender[320];

static struct greylist_settings settings(void)
{
	struct greylist_settings s;

	greylist_settings_default(&s);
	s.enabled = true;
	return s;
}

static struct store *state_open(void)
{
	struct store_settings ss = {.dir = t->ctl.state_dir,
				    .kind = STORE_ENV_STATE,
				    .create = true,
				    .nosync = true};
	struct store *state;
	const char *error = NULL;

	ck_assert_msg(store_open(&ss, &state, &error) == STORE_OK, "%s", error);
	return state;
}

/* One request through the engine, its write-back flushed. */
static struct greylist_result check_at(struct store *state, const char *client,
				       const char *sender,
				       const char *recipient, uint64_t now)
{
	struct greylist_settings s = settings();
	struct greylist_queue *q = greylist_queue_new(0);
	struct store_reader *reader;
	struct store_txn *txn;
	struct greylist_result r;
	struct greylist_net net;
	const char *error = NULL;

	ck_assert_int_eq(greylist_net_parse(&s, client, strlen(client), &net),
			 0);
	ck_assert_int_eq(store_reader_new(state, &reader, &error), STORE_OK);
	ck_assert_int_eq(store_read_begin(reader, &txn, &error), STORE_OK);
	ck_assert_msg(greylist_store_check(
			  txn, q, &s, &net, sender, strlen(sender), recipient,
			  strlen(recipient), now, &r, &error) == STORE_OK,
		      "%s", error);
	store_read_end(reader);
	store_reader_free(&reader);
	ck_assert_msg(greylist_queue_flush(state, q, &error) == STORE_OK, "%s",
		      error);
	greylist_queue_free(&q);
	return r;
}

/*
 * The seed, judged at now0:
 *   192.0.2.0/24       alice@example.org -> bob@example.com     pending
 *   192.0.2.0/24       old@example.org -> bob@example.com       expired
 *   198.51.100.0/24    carol@example.net -> dave@example.com    passed
 *                      and an AWL entry counting (1 pass)
 *   203.0.113.0/24     s0..s4@example.info -> r@example.com     passed
 *                      and an AWL entry whitelisted (5 passes)
 *   2001:db8:1:2::/64  <> -> postmaster@example.com             pending
 *   100.64.0.0/24      a 300-byte sender (hashed) -> x@example.com pending
 * 12 entries: 10 triplets (1 expired, 6 passed, 3 pending), 2 networks.
 */
static void seed(void)
{
	struct store *state = state_open();
	uint64_t base = now0 - 20 * HOUR;
	char sender[32];

	check_at(state, "192.0.2.10", "Alice+tag@Example.org",
		 "bob@example.com", now0 - 60);
	check_at(state, "192.0.2.99", "old@example.org", "bob@example.com",
		 now0 - 3 * DAY);
	check_at(state, "198.51.100.5", "carol@example.net", "dave@example.com",
		 now0 - 1000);
	ck_assert_int_eq(check_at(state, "198.51.100.5", "carol@example.net",
				  "dave@example.com", now0 - 600)
			     .reason,
			 GREYLIST_PASSED);
	for (int i = 0; i < 5; i++) {
		uint64_t at = base + (uint64_t)i * 2 * HOUR;
		snprintf(sender, sizeof(sender), "s%d@example.info", i);
		check_at(state, "203.0.113.7", sender, "r@example.com", at);
		ck_assert_int_eq(check_at(state, "203.0.113.7", sender,
					  "r@example.com", at + 400)
				     .reason,
				 GREYLIST_PASSED);
	}
	ck_assert_int_eq(check_at(state, "203.0.113.8", "new@example.info",
				  "r@example.com", now0 - 5)
			     .reason,
			 GREYLIST_AWL); /* whitelisted: nothing written */
	check_at(state, "2001:db8:1:2::5", "", "postmaster@example.com",
		 now0 - 10);
	memset(long_sender, 'l', 300);
	strcpy(long_sender + 300, "@example.org");
	check_at(state, "100.64.0.1", long_sender, "x@example.com", now0 - 10);
	store_close(&state);
}

static void setup(void)
{
	t = tu_ctl_new();
	now0 = (uint64_t)time(NULL);
	seed();
}

static void teardown(void)
{
	tu_ctl_free(t);
}

static void ok(const char *line)
{
	int got = tu_run(t, line);

	ck_assert_msg(got == 0, "%s: exit %d: %s", line, got, t->err);
}

static void fails(int status, const char *line, const char *message)
{
	int got = tu_run(t, line);

	ck_assert_msg(got == status, "%s: exit %d, not %d", line, got, status);
	ck_assert_msg(strstr(t->err, message) != NULL, "%s: \"%s\" not in %s",
		      line, message, t->err);
}

static size_t count(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static size_t lines(const char *text)
{
	return count(text, "\n");
}

/* Where the engine says a client stands now. */
static struct greylist_result check_now(const char *client)
{
	struct store *state = state_open();
	struct greylist_result r =
	    check_at(state, client, "probe@example.org", "bob@example.com",
		     (uint64_t)time(NULL));

	store_close(&state);
	return r;
}

START_TEST(list_all)
{
	ok("greylist list");
	ck_assert_uint_eq(lines(t->out), 1 + 12);
	ck_assert_ptr_nonnull(strstr(t->out, "type "));
	ck_assert_ptr_nonnull(strstr(t->out, "alice@example.org"));
	ck_assert_ptr_null(strstr(t->out, "alice+tag"));
	ck_assert_ptr_nonnull(strstr(t->out, "2001:db8:1:2::/64"));
	ck_assert_ptr_nonnull(strstr(t->out, "<>"));
	ck_assert_ptr_nonnull(strstr(t->out, "...[hashed]"));
	ck_assert_uint_eq(count(t->out, "expired"), 1);
	ck_assert_uint_eq(count(t->out, "counting"), 1);
	/* Sorted by network, AWL entry first. */
	const char *awl = strstr(t->out, "awl      203.0.113.0/24");
	const char *triplet = strstr(t->out, "triplet  203.0.113.0/24");
	ck_assert_ptr_nonnull(awl);
	ck_assert_ptr_nonnull(triplet);
	ck_assert(awl < triplet);
}
END_TEST

START_TEST(list_filters)
{
	ok("greylist list --pending --json");
	ck_assert_uint_eq(count(t->out, "\"type\""), 3);
	ck_assert_uint_eq(count(t->out, "\"state\": \"pending\""), 3);
	ck_assert_ptr_nonnull(strstr(t->out, "\"sender_hashed\": true"));
	ck_assert_ptr_nonnull(strstr(t->out, "\"left\": "));
	ok("greylist list --passed");
	ck_assert_uint_eq(lines(t->out), 1 + 6);
	ok("greylist list --whitelisted");
	ck_assert_uint_eq(lines(t->out), 1 + 1);
	ck_assert_ptr_nonnull(strstr(t->out, "203.0.113.0/24"));
	ok("greylist list --sender *@EXAMPLE.info");
	ck_assert_uint_eq(lines(t->out), 1 + 5);
	ok("greylist list --recipient=postmaster@*");
	ck_assert_uint_eq(lines(t->out), 1 + 1);
	ok("greylist list --client 192.0.2.0/24");
	ck_assert_uint_eq(lines(t->out), 1 + 2);
	ok("greylist list --client 192.0.2.10"); /* inside a /24 entry */
	ck_assert_uint_eq(lines(t->out), 1 + 2);
	ok("greylist list --client 2001:db8::/32 --json");
	ck_assert_uint_eq(count(t->out, "\"type\""), 1);
	ck_assert_ptr_nonnull(strstr(t->out, "\"sender\": \"\""));
	/* A hashed sender: its kept bytes and a trailing '*' match. */
	ok("greylist list --sender llllllllll*");
	ck_assert_uint_eq(lines(t->out), 1 + 1);
	ok("greylist list --sender *@example.org --client 100.64.0.0/16");
	ck_assert_uint_eq(lines(t->out), 0);
	/* Matching the kept bytes says nothing about the rest. */
	ok("greylist list --sender l*l");
	ck_assert_uint_eq(lines(t->out), 0);
	ok("greylist list --client 10.0.0.0/8 --json");
	ck_assert_str_eq(t->out, "[]\n");
}
END_TEST

START_TEST(list_bad_input)
{
	fails(1, "greylist list --client 192.0.2.300", "--client");
	fails(1, "greylist list --client 192.0.2.0/33", "--client");
	fails(1, "greylist list --pending --passed", "only one of");
	fails(1, "greylist list --client", "needs a value");
	fails(1, "greylist list --nope", "unknown option --nope");
	fails(1, "greylist list extra", "unexpected argument");
	fails(1, "greylist stats comment=x", "unexpected \"comment=x\"");
	fails(1, "greylist", "usage:");
	fails(1, "greylist frob", "unknown command \"frob\"");
	fails(1, "greylist whitelist frob",
	      "unknown command \"whitelist frob\"");
}
END_TEST

START_TEST(show_found_and_absent)
{
	/* Another host of the network, the sender as the engine
	 * normalises it. */
	ok("greylist show 192.0.2.77 Alice+other@EXAMPLE.org bob@example.com");
	ck_assert_ptr_nonnull(
	    strstr(t->out, "client:              192.0.2.0/24\n"));
	ck_assert_ptr_nonnull(
	    strstr(t->out, "sender:              alice@example.org\n"));
	ck_assert_ptr_nonnull(strstr(t->out, "state:               pending\n"));
	ok("greylist show 198.51.100.1 carol@example.net dave@example.com "
	   "--json");
	ck_assert_ptr_nonnull(strstr(t->out, "\n  \"state\": \"passed\","));
	ck_assert_ptr_nonnull(strstr(t->out, "\n  \"left\": null,"));
	ck_assert(t->out[0] == '{');
	ok("greylist show 2001:db8:1:2::77 <> postmaster@example.com");
	fails(2, "greylist show 192.0.2.10 nobody@example.org bob@example.com",
	      "no greylist entry for client network 192.0.2.0/24");
	ck_assert_str_eq(t->out, "");
	fails(2, "greylist show 192.0.3.10 alice@example.org bob@example.com",
	      "no greylist entry");
	fails(1, "greylist show example.org alice@example.org bob@example.com",
	      "CLIENT \"example.org\" is not an IP address");
	fails(1, "greylist show 192.0.2.10 alice@example.org",
	      "usage: mailmapctl greylist show CLIENT SENDER RECIPIENT");
}
END_TEST

START_TEST(delete_triplet)
{
	ok("greylist delete 198.51.100.5 carol@example.net dave@example.com");
	ck_assert_str_eq(t->out, "deleted 1 greylist entry\n");
	fails(2,
	      "greylist show 198.51.100.5 carol@example.net dave@example.com",
	      "no greylist entry");
	fails(2,
	      "greylist delete 198.51.100.5 carol@example.net dave@example.com",
	      "no greylist entry");
	/* The network's AWL entry stays. */
	ok("greylist list --client 198.51.100.0/24");
	ck_assert_uint_eq(lines(t->out), 1 + 1);
	ck_assert_ptr_nonnull(strstr(t->out, "awl "));
	fails(1, "greylist delete 198.51.100.5", "usage:");
	fails(1, "greylist delete 1.2.3.4 a@b c@d --client 1.2.3.0/24",
	      "usage:");
	fails(1, "greylist delete --client nowhere", "--client \"nowhere\"");
}
END_TEST

START_TEST(delete_network)
{
	ok("greylist delete --client 192.0.2.0/24");
	ck_assert_str_eq(t->out, "deleted 2 greylist entries: 2 triplets, 0 "
				 "auto-whitelist entries\n");
	ok("greylist list --client 192.0.2.0/24");
	ck_assert_str_eq(t->out, "");
	fails(2, "greylist delete --client 192.0.2.0/24",
	      "no greylist entry for client network 192.0.2.0/24");
	ok("greylist delete --client 203.0.113.9");
	ck_assert_str_eq(t->out, "deleted 6 greylist entries: 5 triplets, 1 "
				 "auto-whitelist entry\n");
	ck_assert_int_eq(check_now("203.0.113.9").verdict, GREYLIST_DEFER);
	ok("greylist stats --json");
	/* 12 - 2 - 6, and the probe's new triplet */
	ck_assert_ptr_nonnull(strstr(t->out, "\"entries\": 5,"));
	ck_assert_ptr_nonnull(strstr(t->out, "\"auto_whitelisted\": 0,"));
}
END_TEST

START_TEST(whitelist_commands)
{
	ok("greylist whitelist list");
	ck_assert_str_eq(t->out, "");
	ok("greylist whitelist add 10.1.0.0/16 comment=\"lab network\"");
	ck_assert_str_eq(t->out,
			 "10.1.0.0/16 added to the greylisting whitelist\n");
	ok("greylist whitelist add 192.0.2.200");
	ok("greylist whitelist add 2001:DB8:5::/48");
	ok("greylist whitelist list");
	ck_assert_uint_eq(lines(t->out), 1 + 3);
	ck_assert_ptr_nonnull(strstr(t->out, "10.1.0.0/16 "));
	ck_assert_ptr_nonnull(strstr(t->out, "lab network"));
	ck_assert_ptr_nonnull(strstr(t->out, "192.0.2.200/32 "));
	ck_assert_ptr_nonnull(strstr(t->out, "2001:db8:5::/48 "));
	/* Sorted: IPv4 before IPv6, by address. */
	ck_assert(strstr(t->out, "10.1.0.0/16") <
		  strstr(t->out, "192.0.2.200/32"));
	ok("greylist whitelist list --json");
	ck_assert_ptr_nonnull(strstr(t->out, "\"comment\": \"lab network\""));
	fails(1, "greylist whitelist add 10.1.0.0/16",
	      "10.1.0.0/16 is already in the greylisting whitelist");
	fails(1, "greylist whitelist add 10.1.2.3/16",
	      "NET \"10.1.2.3/16\" has host bits set (the network is "
	      "10.1.0.0/16)");
	fails(1, "greylist whitelist add 10.1.0.0/", "NET \"10.1.0.0/\"");
	fails(1, "greylist whitelist add lab", "NET \"lab\"");
	fails(1, "greylist whitelist add 10.9.0.0/16 comment=\"a\tb\"",
	      "control characters");
	fails(2, "greylist whitelist del 10.9.0.0/16",
	      "10.9.0.0/16 is not in the greylisting whitelist");
	ok("greylist stats --json");
	ck_assert_ptr_nonnull(strstr(t->out, "\"manual_whitelist\": 3,"));
	ck_assert_ptr_nonnull(strstr(t->out, "\"entries\": 15,"));
	ok("greylist whitelist del 192.0.2.200/32");
	ok("greylist whitelist list --json");
	ck_assert_uint_eq(count(t->out, "\"network\""), 2);
}
END_TEST

START_TEST(whitelist_engine)
{
	struct greylist_result r;

	/* Not listed yet: a new triplet is deferred. */
	ck_assert_int_eq(check_now("10.1.200.7").verdict, GREYLIST_DEFER);
	ok("greylist whitelist add 10.1.0.0/16");
	ok("greylist whitelist add 192.0.2.200");
	ok("greylist whitelist add 2001:db8:1::/48");
	r = check_now("10.1.200.7"); /* wider than the /24 grouping */
	ck_assert_int_eq(r.verdict, GREYLIST_AWL_PASS);
	ck_assert_int_eq(r.reason, GREYLIST_WHITELISTED);
	ck_assert(!r.put_triplet && !r.put_awl);
	r = check_now("192.0.2.200"); /* narrower: one host */
	ck_assert_int_eq(r.reason, GREYLIST_WHITELISTED);
	ck_assert_int_eq(check_now("192.0.2.201").verdict, GREYLIST_DEFER);
	ck_assert_int_eq(check_now("::ffff:192.0.2.200").reason,
			 GREYLIST_WHITELISTED);
	ck_assert_int_eq(check_now("2001:db8:1:ff::1").reason,
			 GREYLIST_WHITELISTED);
	ck_assert_int_eq(check_now("2001:db8:2::1").verdict, GREYLIST_DEFER);
	ck_assert_int_eq(check_now("10.2.0.1").verdict, GREYLIST_DEFER);
	/* Removed: the engine greylists the network again. */
	ok("greylist whitelist del 10.1.0.0/16");
	ck_assert_int_eq(check_now("10.1.200.7").verdict, GREYLIST_DEFER);
	ok("greylist whitelist del 192.0.2.200");
	ok("greylist whitelist del 2001:db8:1::/48");
	ck_assert_int_eq(check_now("2001:db8:1:ff::1").verdict, GREYLIST_DEFER);
	ok("greylist stats --json");
	ck_assert_ptr_nonnull(strstr(t->out, "\"manual_whitelist\": 0,"));
}
END_TEST

START_TEST(stats_numbers)
{
	ok("greylist stats --json");
	ck_assert_str_eq(t->out, "{\n"
				 "  \"entries\": 12,\n"
				 "  \"triplets\": 9,\n"
				 "  \"passed\": 6,\n"
				 "  \"pending\": 3,\n"
				 "  \"awl_networks\": 2,\n"
				 "  \"auto_whitelisted\": 1,\n"
				 "  \"manual_whitelist\": 0,\n"
				 "  \"expired\": 1\n"
				 "}\n");
	t->ctl.json = true; /* the global --json */
	ok("greylist stats");
	ck_assert(t->out[0] == '{');
	t->ctl.json = false;
	ok("greylist stats");
	ck_assert_ptr_nonnull(strstr(t->out, "entries:             12\n"));
	ck_assert_ptr_nonnull(strstr(t->out, "expired:             1\n"));
	ok("help");
	ck_assert_ptr_nonnull(strstr(t->out, "greylist whitelist add NET"));
}
END_TEST

START_TEST(state_unavailable)
{
	char path[4096];
	FILE *f;

	/* A file where the state directory should be. */
	snprintf(path, sizeof(path), "%s/blocked", t->dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	free((char *)t->ctl.state_dir);
	t->ctl.state_dir = strdup(path);
	ck_assert_int_eq(tu_run(t, "greylist stats"), 75);
	ck_assert_int_eq(tu_run(t, "greylist whitelist add 10.0.0.0/8"), 75);
	/* Bad input is found before the store is opened. */
	ck_assert_int_eq(tu_run(t, "greylist whitelist add 10.0.0.1/8"), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("greylist_cmd");
	TCase *tc = tcase_create("greylist_cmd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, list_all);
	tcase_add_test(tc, list_filters);
	tcase_add_test(tc, list_bad_input);
	tcase_add_test(tc, show_found_and_absent);
	tcase_add_test(tc, delete_triplet);
	tcase_add_test(tc, delete_network);
	tcase_add_test(tc, whitelist_commands);
	tcase_add_test(tc, whitelist_engine);
	tcase_add_test(tc, stats_numbers);
	tcase_add_test(tc, state_unavailable);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
