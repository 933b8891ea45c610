/*
 * Unit tests for policy/greylist (pure decision, keys, values) and
 * policy/greylist_store (queue, flush, request path, sweep, stats).
 * Timelines run on an injected clock; sender cases are postgrey 1.37's
 * do_sender_substitutions() outputs (checked by running it); store tests
 * use a fresh nosync state environment per test.
 */
#include "greylist.h"
#include "greylist_store.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define S(x) x, sizeof(x) - 1
#define T0   1700000000ull
#define HOUR 3600ull
#define DAY  (24 * HOUR)

static struct greylist_settings defaults(void)
{
	struct greylist_settings s;

	greylist_settings_default(&s);
	s.enabled = true; /* off by default */
	return s;
}

static struct greylist_net net_of(const struct greylist_settings *s,
				  const char *text)
{
	struct greylist_net net;

	ck_assert_msg(greylist_net_parse(s, text, strlen(text), &net) == 0,
		      "parse %s", text);
	return net;
}

/* Settings */

START_TEST(test_settings)
{
	struct greylist_settings s;
	const char *error = NULL;

	greylist_settings_default(&s);
	ck_assert(!s.enabled);
	ck_assert_uint_eq(s.delay, 300);
	ck_assert_uint_eq(s.retry_window, 2 * DAY);
	ck_assert_uint_eq(s.max_age, 35 * DAY);
	ck_assert_uint_eq(s.ipv4_prefix, 24);
	ck_assert_uint_eq(s.ipv6_prefix, 64);
	ck_assert_uint_eq(s.awl_clients, 5);
	ck_assert_int_eq(greylist_settings_check(&s, &error), 0);
	s.ipv4_prefix = 33;
	ck_assert_int_eq(greylist_settings_check(&s, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "IPv4"));
	s = defaults();
	s.ipv6_prefix = 129;
	ck_assert_int_eq(greylist_settings_check(&s, &error), -1);
	s = defaults();
	s.delay = s.retry_window + 1;
	ck_assert_int_eq(greylist_settings_check(&s, &error), -1);
	s = defaults();
	s.max_age = 0;
	ck_assert_int_eq(greylist_settings_check(&s, &error), -1);
}
END_TEST

/* The pure timeline: a caller that keeps one triplet and one AWL entry
 * and applies every write-back, like the store does. */
struct world {
	struct greylist_settings s;
	struct greylist_entry triplet;
	bool have_triplet;
	struct greylist_awl awl;
	bool have_awl;
};

static struct greylist_result step(struct world *w, uint64_t now)
{
	struct greylist_result r;

	greylist_check(&w->s, w->have_triplet ? &w->triplet : NULL,
		       w->have_awl ? &w->awl : NULL, now, &r);
	if (r.put_triplet) {
		w->triplet = r.triplet;
		w->have_triplet = true;
	}
	if (r.put_awl) {
		w->awl = r.awl;
		w->have_awl = true;
	}
	return r;
}

static void want(struct greylist_result r, enum greylist_verdict verdict,
		 enum greylist_reason reason, uint64_t remaining)
{
	ck_assert_int_eq(r.verdict, verdict);
	ck_assert_int_eq(r.reason, reason);
	if (verdict == GREYLIST_DEFER)
		ck_assert_uint_eq(r.remaining, remaining);
}

START_TEST(test_timeline)
{
	struct world w = {.s = defaults()};
	struct greylist_result r;

	r = step(&w, T0);
	want(r, GREYLIST_DEFER, GREYLIST_NEW, 300);
	ck_assert(r.put_triplet && !r.put_awl);
	ck_assert_uint_eq(w.triplet.first, T0);
	ck_assert_uint_eq(w.triplet.last, T0);
	ck_assert(!w.triplet.passed);

	r = step(&w, T0 + 100);
	want(r, GREYLIST_DEFER, GREYLIST_EARLY_RETRY, 200);
	ck_assert_uint_eq(w.triplet.first, T0);
	ck_assert_uint_eq(w.triplet.last, T0 + 100);
	want(step(&w, T0 + 299), GREYLIST_DEFER, GREYLIST_EARLY_RETRY, 1);

	r = step(&w, T0 + 300);
	want(r, GREYLIST_PASS, GREYLIST_PASSED, 0);
	ck_assert_uint_eq(r.delayed, 300);
	ck_assert(w.triplet.passed);
	ck_assert_uint_eq(w.triplet.first, T0);
	ck_assert_uint_eq(w.triplet.last, T0 + 300);
	ck_assert(r.put_awl);
	ck_assert_uint_eq(w.awl.count, 1);

	/* Known: no rewrite within the touch interval. */
	r = step(&w, T0 + 400);
	want(r, GREYLIST_PASS, GREYLIST_KNOWN, 0);
	ck_assert(!r.put_triplet && !r.put_awl);
	r = step(&w, T0 + 300 + HOUR);
	want(r, GREYLIST_PASS, GREYLIST_KNOWN, 0);
	ck_assert(r.put_triplet);
	ck_assert_uint_eq(w.triplet.last, T0 + 300 + HOUR);
	ck_assert(!r.put_awl); /* only first passes count */

	/* Unused for exactly max age: still passes; one second more: new. */
	uint64_t last = w.triplet.last;
	want(step(&w, last + w.s.max_age), GREYLIST_PASS, GREYLIST_KNOWN, 0);
	last = w.triplet.last;
	r = step(&w, last + w.s.max_age + 1);
	want(r, GREYLIST_DEFER, GREYLIST_EXPIRED, 300);
	ck_assert(!w.triplet.passed);
	ck_assert_uint_eq(w.triplet.first, last + w.s.max_age + 1);
}
END_TEST

START_TEST(test_retry_window)
{
	struct world w = {.s = defaults()};

	/* The last second of the window (postgrey: now - first > window
	 * restarts) still passes. */
	want(step(&w, T0), GREYLIST_DEFER, GREYLIST_NEW, 300);
	want(step(&w, T0 + 2 * DAY), GREYLIST_PASS, GREYLIST_PASSED, 0);

	/* One second later, without a pass in between: start again. */
	w = (struct world){.s = defaults()};
	want(step(&w, T0), GREYLIST_DEFER, GREYLIST_NEW, 300);
	want(step(&w, T0 + 60), GREYLIST_DEFER, GREYLIST_EARLY_RETRY, 240);
	want(step(&w, T0 + 2 * DAY + 1), GREYLIST_DEFER, GREYLIST_RESTARTED,
	     300);
	ck_assert_uint_eq(w.triplet.first, T0 + 2 * DAY + 1);
	want(step(&w, T0 + 2 * DAY + 200), GREYLIST_DEFER, GREYLIST_EARLY_RETRY,
	     101);
	want(step(&w, T0 + 2 * DAY + 301), GREYLIST_PASS, GREYLIST_PASSED, 0);
}
END_TEST

START_TEST(test_clock_and_settings)
{
	struct world w = {.s = defaults()};
	struct greylist_result r;

	/* First sighting in the future (clock moved back): start now. */
	w.triplet = (struct greylist_entry){T0 + 1000, T0 + 1000, false};
	w.have_triplet = true;
	want(step(&w, T0), GREYLIST_DEFER, GREYLIST_RESTARTED, 300);
	ck_assert_uint_eq(w.triplet.first, T0);
	/* A passed triplet last seen in the future still passes. */
	w.triplet = (struct greylist_entry){T0, T0 + 1000, true};
	want(step(&w, T0 + 10), GREYLIST_PASS, GREYLIST_KNOWN, 0);

	/* Disabled: pass, write nothing. */
	w = (struct world){.s = defaults()};
	w.s.enabled = false;
	r = step(&w, T0);
	want(r, GREYLIST_PASS, GREYLIST_DISABLED, 0);
	ck_assert(!r.put_triplet && !r.put_awl);

	/* No delay: the first sighting passes. */
	w = (struct world){.s = defaults()};
	w.s.delay = 0;
	r = step(&w, T0);
	want(r, GREYLIST_PASS, GREYLIST_PASSED, 0);
	ck_assert_uint_eq(r.delayed, 0);
	ck_assert(w.triplet.passed);

	/* Another delay. */
	w = (struct world){.s = defaults()};
	w.s.delay = 60;
	want(step(&w, T0), GREYLIST_DEFER, GREYLIST_NEW, 60);
	want(step(&w, T0 + 59), GREYLIST_DEFER, GREYLIST_EARLY_RETRY, 1);
	want(step(&w, T0 + 60), GREYLIST_PASS, GREYLIST_PASSED, 0);
}
END_TEST

/* Passes a fresh triplet (new sender each time) at t, t + 300. */
static void pass_one(struct world *w, uint64_t t)
{
	w->have_triplet = false;
	want(step(w, t), GREYLIST_DEFER, GREYLIST_NEW, 300);
	want(step(w, t + 300), GREYLIST_PASS, GREYLIST_PASSED, 0);
}

START_TEST(test_awl)
{
	struct world w = {.s = defaults()};
	struct greylist_result r;

	/* Five passes an hour apart whitelist the network. */
	for (unsigned i = 0; i < 5; i++) {
		ck_assert(!greylist_awl_listed(&w.s, w.have_awl ? &w.awl : NULL,
					       T0 + i * HOUR));
		pass_one(&w, T0 + i * HOUR);
		ck_assert_uint_eq(w.awl.count, i + 1);
	}
	uint64_t t = T0 + 4 * HOUR + 300;
	ck_assert_uint_eq(w.awl.last, t);
	/* A new triplet from it now passes at once. */
	w.have_triplet = false;
	r = step(&w, t + 10);
	want(r, GREYLIST_AWL_PASS, GREYLIST_AWL, 0);
	ck_assert(!r.put_triplet);
	ck_assert(!r.put_awl); /* used within the hour: no rewrite */
	r = step(&w, t + HOUR);
	want(r, GREYLIST_AWL_PASS, GREYLIST_AWL, 0);
	ck_assert(r.put_awl);
	ck_assert_uint_eq(w.awl.count, 6);
	ck_assert_uint_eq(w.awl.last, t + HOUR);

	/* Unused for max age: expired; the next pass counts from 1. */
	t = w.awl.last + w.s.max_age;
	want(step(&w, t), GREYLIST_AWL_PASS, GREYLIST_AWL, 0);
	t = w.awl.last + w.s.max_age + 1;
	ck_assert(greylist_awl_expired(&w.awl, t, &w.s));
	w.have_triplet = false;
	want(step(&w, t), GREYLIST_DEFER, GREYLIST_NEW, 300);
	want(step(&w, t + 300), GREYLIST_PASS, GREYLIST_PASSED, 0);
	ck_assert_uint_eq(w.awl.count, 1);
}
END_TEST

START_TEST(test_awl_hourly_and_off)
{
	struct world w = {.s = defaults()};

	/* Ten passes within the hour count once. */
	for (unsigned i = 0; i < 10; i++)
		pass_one(&w, T0 + i * 301);
	ck_assert_uint_eq(w.awl.count, 1);
	pass_one(&w, T0 + 300 + HOUR);
	ck_assert_uint_eq(w.awl.count, 2);

	/* awl_clients = 0: never whitelisted, nothing counted. */
	w = (struct world){.s = defaults()};
	w.s.awl_clients = 0;
	w.awl = (struct greylist_awl){100, T0};
	w.have_awl = true;
	w.have_triplet = false;
	struct greylist_result r = step(&w, T0 + 1);
	want(r, GREYLIST_DEFER, GREYLIST_NEW, 300);
	r = step(&w, T0 + 301);
	want(r, GREYLIST_PASS, GREYLIST_PASSED, 0);
	ck_assert(!r.put_awl);

	/* awl_clients = 1: whitelisted after one pass. */
	w = (struct world){.s = defaults()};
	w.s.awl_clients = 1;
	pass_one(&w, T0);
	w.have_triplet = false;
	want(step(&w, T0 + 400), GREYLIST_AWL_PASS, GREYLIST_AWL, 0);
}
END_TEST

struct expiry_case {
	struct greylist_entry entry;
	uint64_t now;
	bool expired;
};

/* clang-format off */
static const struct expiry_case expiry_cases[] = {
	/* never passed: retry window from the first sighting */
	{ {T0, T0, false}, T0 + 2 * DAY, false },
	{ {T0, T0, false}, T0 + 2 * DAY + 1, true },
	{ {T0, T0 + 2 * DAY, false}, T0 + 2 * DAY + 1, true },
	{ {T0 + 10, T0 + 10, false}, T0, false },
	/* passed: max age from the last use */
	{ {T0, T0, true}, T0 + 35 * DAY, false },
	{ {T0, T0, true}, T0 + 35 * DAY + 1, true },
	{ {T0, T0 + 30 * DAY, true}, T0 + 40 * DAY, false },
	{ {T0, T0 + 100, true}, T0, false },
};
/* clang-format on */

START_TEST(test_expired)
{
	const struct expiry_case *c = &expiry_cases[_i];
	struct greylist_settings s = defaults();

	ck_assert_msg(greylist_expired(&c->entry, c->now, &s) == c->expired,
		      "case %d", _i);
}
END_TEST

START_TEST(test_awl_expired)
{
	struct greylist_settings s = defaults();
	struct greylist_awl awl = {3, T0};

	ck_assert(!greylist_awl_expired(&awl, T0 + 35 * DAY, &s));
	ck_assert(greylist_awl_expired(&awl, T0 + 35 * DAY + 1, &s));
	ck_assert(!greylist_awl_expired(&awl, T0 - 5, &s));
}
END_TEST

/* Sender normalisation: postgrey's outputs (lower-cased as its key is). */
struct sender_case {
	const char *in;
	const char *want;
};

/* clang-format off */
static const struct sender_case sender_cases[] = {
	{ "user+ext@d", "user@d" },
	{ "User+Ext@Example.COM", "user@example.com" },
	{ "a+b+c@d", "a@d" },
	{ "+x@d", "@d" },
	{ "u+1@d", "u@d" },
	{ "prvs=1234abcdef=user@d", "user@d" },
	{ "prvs=user=1234abcdef@d", "user@d" },
	{ "prvs=0123456789=verylongusername@d", "verylongusername@d" },
	{ "prvs=abcdefghij=klmnopqrst@d", "klmnopqrst@d" },
	{ "prvs=123456789=user@d", "user@d" },
	{ "prvs=1234ABCDEF=user@d", "user@d" },
	{ "prvs==x@d", "x@d" },
	{ "prvs=a=b=c@d", "prvs=a=b=c@d" },
	{ "prvs=1234abcdef=user=@d", "user@d" },
	{ "prvs=1234abcdef=user==@d", "user@d" },
	{ "prvs=1234abcdef=@d", "prvs=1234abcdef=@d" },
	{ "prvs=1234abcdef=us+er-42@d", "us@d" },
	{ "prvs=1234abcdef=foo@bar@d", "foo@bar@d" },
	{ "msprvs1=1234abcdef=user@d", "msprvs1=1234abcdef=user@d" },
	{ "btv1==0123456789==user@d", "btv1==#==user@d" },
	/* deliberate difference: postgrey checks "prvs=" before lc */
	{ "PRVS=1234abcdef=user@d", "user@d" },
	{ "bounce-12345-user=d@lists", "bounce-#-user=d@lists" },
	{ "x-1-2-3@d", "x-#-#-#@d" },
	{ "a.2024.b@d", "a.#.b@d" },
	{ "list-42+x-7@d", "list-#@d" },
	{ "123@456.com", "#@456.com" },
	{ "user123@d", "user123@d" },
	{ "123_abc@d", "123_abc@d" },
	{ "12a34@d", "12a34@d" },
	{ "u\xc3\xbc" "123@d", "u\xc3\xbc#@d" },
	{ "\xc3\xbc" "123-4@d", "\xc3\xbc#-#@d" },
	{ "a@b@c", "a@b@c" },
	{ "user@", "user@" },
	{ "MAILER-DAEMON", "mailer-daemon" },
	{ "", "" },
	{ "SRS0=HHH=TT=domain=local@srs", "srs0=hhh=tt=domain=local@srs" },
};
/* clang-format on */

START_TEST(test_sender_cases)
{
	const struct sender_case *c = &sender_cases[_i];
	size_t len = strlen(c->in);
	char *in = malloc(len + 1), *out = malloc(len + 1);

	memcpy(in, c->in, len); /* exactly len bytes for ASan */
	size_t out_len = greylist_sender_normalize(in, len, out);
	ck_assert_uint_le(out_len, len);
	ck_assert_msg(out_len == strlen(c->want) &&
			  memcmp(out, c->want, out_len) == 0,
		      "%s -> %.*s, want %s", c->in, (int)out_len, out, c->want);
	free(in);
	free(out);
}
END_TEST

/* Triplet and AWL keys */

static struct greylist_key triplet_key(const struct greylist_settings *s,
				       const char *client, const char *sender,
				       const char *recipient)
{
	struct greylist_net net = net_of(s, client);
	struct greylist_key key;

	greylist_triplet_key(&net, sender, strlen(sender), recipient,
			     strlen(recipient), &key);
	ck_assert_uint_le(key.len, GREYLIST_KEY_MAX);
	return key;
}

static bool key_eq(const struct greylist_key *a, const struct greylist_key *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

struct key_case {
	const char *client_a, *sender_a, *rcpt_a;
	const char *client_b, *sender_b, *rcpt_b;
	unsigned v4, v6; /* prefix lengths */
	bool same;
};

/* clang-format off */
static const struct key_case key_cases[] = {
	{ "192.0.2.1", "a@x", "r@y", "192.0.2.254", "a@x", "r@y", 24, 64, true },
	{ "192.0.2.1", "a@x", "r@y", "192.0.3.1", "a@x", "r@y", 24, 64, false },
	{ "192.0.2.1", "a@x", "r@y", "192.0.2.2", "a@x", "r@y", 32, 64, false },
	{ "192.0.2.1", "a@x", "r@y", "192.0.2.1", "a@x", "r@y", 32, 64, true },
	{ "192.0.18.5", "a@x", "r@y", "192.0.31.200", "a@x", "r@y", 20, 64, true },
	{ "192.0.18.5", "a@x", "r@y", "192.0.32.1", "a@x", "r@y", 20, 64, false },
	{ "2001:db8:1:2::1", "a@x", "r@y", "2001:db8:1:2:ffff::9", "a@x", "r@y", 24, 64, true },
	{ "2001:db8:1:2::1", "a@x", "r@y", "2001:db8:1:3::1", "a@x", "r@y", 24, 64, false },
	{ "2001:db8:1:2::1", "a@x", "r@y", "2001:db8:1:2::2", "a@x", "r@y", 24, 128, false },
	{ "2001:db8:1:2::1", "a@x", "r@y", "2001:db8:1:ff::1", "a@x", "r@y", 24, 48, true },
	{ "fe80::1%eth0", "a@x", "r@y", "fe80::2", "a@x", "r@y", 24, 64, true },
	/* v4-mapped IPv6 is the IPv4 client */
	{ "::ffff:192.0.2.7", "a@x", "r@y", "192.0.2.9", "a@x", "r@y", 24, 64, true },
	{ "::ffff:192.0.2.7", "a@x", "r@y", "::ffff:192.0.3.7", "a@x", "r@y", 24, 64, false },
	/* an IPv6 network is never an IPv4 one */
	{ "::c000:201", "a@x", "r@y", "192.0.2.1", "a@x", "r@y", 0, 0, false },
	/* sender normalisation and case */
	{ "192.0.2.1", "User+a@X", "r@y", "192.0.2.1", "user+b@x", "r@y", 24, 64, true },
	{ "192.0.2.1", "prvs=1234abcdef=a@x", "r@y", "192.0.2.1", "a@x", "r@y", 24, 64, true },
	{ "192.0.2.1", "b-1@x", "r@y", "192.0.2.1", "b-2@x", "r@y", 24, 64, true },
	{ "192.0.2.1", "a@x", "r@y", "192.0.2.1", "b@x", "r@y", 24, 64, false },
	{ "192.0.2.1", "", "r@y", "192.0.2.1", "", "r@y", 24, 64, true },
	{ "192.0.2.1", "", "r@y", "192.0.2.1", "a@x", "r@y", 24, 64, false },
	/* recipient: case only, the extension counts */
	{ "192.0.2.1", "a@x", "R@Y", "192.0.2.1", "a@x", "r@y", 24, 64, true },
	{ "192.0.2.1", "a@x", "r+t@y", "192.0.2.1", "a@x", "r@y", 24, 64, false },
	/* no ambiguity between the parts */
	{ "192.0.2.1", "ab", "c", "192.0.2.1", "a", "bc", 24, 64, false },
};
/* clang-format on */

START_TEST(test_key_cases)
{
	const struct key_case *c = &key_cases[_i];
	struct greylist_settings s = defaults();

	s.ipv4_prefix = c->v4;
	s.ipv6_prefix = c->v6;
	struct greylist_key a =
	    triplet_key(&s, c->client_a, c->sender_a, c->rcpt_a);
	struct greylist_key b =
	    triplet_key(&s, c->client_b, c->sender_b, c->rcpt_b);
	ck_assert_msg(key_eq(&a, &b) == c->same, "case %d", _i);
	ck_assert_int_eq(a.data[0], GREYLIST_TAG_TRIPLET);
}
END_TEST

/* The bucket depends on the client network only: the triplets of one
 * network, and its AWL entry, share it (and so stay together in the
 * table); another network's keys may not. */
START_TEST(test_key_bucket_is_the_networks)
{
	struct greylist_settings s = defaults();
	struct greylist_key t1 = triplet_key(&s, "192.0.2.1", "a@x", "r@y");
	struct greylist_key t2 =
	    triplet_key(&s, "192.0.2.77", "other@sender.test", "z@w");
	struct greylist_net net = net_of(&s, "192.0.2.5");
	struct greylist_key awl;
	unsigned differ = 0;

	greylist_awl_key(&net, &awl);
	ck_assert_uint_eq(t1.data[1], t2.data[1]);
	ck_assert_uint_eq(t1.data[1], awl.data[1]);
	for (unsigned i = 0; i < 64; i++) {
		char client[32];
		snprintf(client, sizeof(client), "10.%u.0.1", i);
		struct greylist_key k = triplet_key(&s, client, "a@x", "r@y");
		differ += k.data[1] != t1.data[1];
	}
	ck_assert_uint_gt(differ, 48); /* spread over the buckets */
}
END_TEST

START_TEST(test_net)
{
	struct greylist_settings s = defaults();
	struct greylist_net net;
	static const char *bad[] = {"unknown",	       "",
				    "1.2.3",	       "192.0.2.1 ",
				    "192.0.2.256",     "2001:db8::g",
				    "%eth0",	       "[192.0.2.1]",
				    "ipv6:2001:db8::1"};
	unsigned char addr[16] = {0};

	for (size_t i = 0; i < N(bad); i++)
		ck_assert_msg(
		    greylist_net_parse(&s, bad[i], strlen(bad[i]), &net) == -1,
		    "%s", bad[i]);
	ck_assert_int_eq(greylist_net_make(&s, AF_UNIX, addr, &net), -1);

	net = net_of(&s, "198.51.100.77");
	ck_assert_uint_eq(net.family, 4);
	ck_assert_uint_eq(net.prefix, 24);
	ck_assert_mem_eq(net.addr, "\xc6\x33\x64\x00", 4);
	net = net_of(&s, "2001:db8:aa:bb:cc:dd:ee:ff");
	ck_assert_uint_eq(net.family, 6);
	ck_assert_uint_eq(net.prefix, 64);
	ck_assert_mem_eq(
	    net.addr, "\x20\x01\x0d\xb8\x00\xaa\x00\xbb\0\0\0\0\0\0\0\0", 16);
	s.ipv6_prefix = 60;
	net = net_of(&s, "2001:db8:aa:bb:cc:dd:ee:ff");
	ck_assert_uint_eq(net.addr[7], 0xb0);
	/* From the parsed request's bytes, IPv4-mapped included. */
	memcpy(addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\x00\x02\x81", 16);
	ck_assert_int_eq(greylist_net_make(&s, AF_INET6, addr, &net), 0);
	ck_assert_uint_eq(net.family, 4);
	ck_assert_mem_eq(net.addr, "\xc0\x00\x02\x00", 4);

	/* AWL keys: per network, apart from triplets. */
	struct greylist_key a, b;
	s = defaults();
	net = net_of(&s, "192.0.2.1");
	greylist_awl_key(&net, &a);
	ck_assert_int_eq(a.data[0], GREYLIST_TAG_AWL);
	ck_assert_uint_eq(a.len, 2 + 2 + 4);
	net = net_of(&s, "192.0.2.200");
	greylist_awl_key(&net, &b);
	ck_assert(key_eq(&a, &b));
	net = net_of(&s, "192.0.3.1");
	greylist_awl_key(&net, &b);
	ck_assert(!key_eq(&a, &b));
}
END_TEST

/* Long parts: raw up to GREYLIST_PART_MAX, then a prefix and a hash. */
START_TEST(test_key_sizes)
{
	struct greylist_settings s = defaults();
	struct greylist_net net;
	struct greylist_key a, b;
	char *long1 = malloc(4000), *long2 = malloc(4000);

	ck_assert(long1 != NULL && long2 != NULL);
	s.ipv6_prefix = 128;
	net = net_of(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	memset(long1, 'a', 4000);
	memcpy(long1 + 3990, "@b.example", 10);
	memcpy(long2, long1, 4000);
	long2[3000] = 'c';

	greylist_triplet_key(&net, long1, 4000, long1, 4000, &a);
	ck_assert_uint_eq(a.len, GREYLIST_KEY_MAX);
	ck_assert_uint_le(a.len, 511);
	greylist_triplet_key(&net, long2, 4000, long1, 4000, &b);
	ck_assert_uint_eq(b.len, a.len);
	ck_assert(!key_eq(&a, &b)); /* differs after the kept prefix */
	greylist_triplet_key(&net, long1, 4000, long2, 4000, &b);
	ck_assert(!key_eq(&a, &b));
	greylist_triplet_key(&net, long1, 4000, long1, 4000, &b);
	ck_assert(key_eq(&a, &b));

	/* 240 bytes stay raw, 241 take the long form. */
	greylist_triplet_key(&net, long1, 240, "r", 1, &a);
	ck_assert_uint_eq(a.data[20], 240);
	ck_assert_uint_eq(a.len, 20 + 1 + 240 + 1 + 1);
	ck_assert_mem_eq(a.data + 21, long1, 240);
	greylist_triplet_key(&net, long1, 241, "r", 1, &b);
	ck_assert_uint_eq(b.data[20], GREYLIST_PART_LONG);
	ck_assert_uint_eq(b.len, a.len);
	ck_assert_mem_eq(b.data + 21, long1, GREYLIST_PART_MAX - 8);
	ck_assert(!key_eq(&a, &b));
	/* The long form applies to the normalised sender. */
	memcpy(long2, long1, 4000);
	long2[100] = '+';
	greylist_triplet_key(&net, long2, 4000, "r", 1, &a);
	ck_assert_uint_eq(a.data[20], 100 + 10);
	free(long1);
	free(long2);
}
END_TEST

START_TEST(test_values)
{
	struct greylist_entry e = {T0, T0 + 5, true}, e2;
	struct greylist_awl w = {7, T0 + 9}, w2;
	unsigned char buf[GREYLIST_VALUE_MAX];

	size_t len = greylist_entry_encode(&e, buf);
	ck_assert_uint_eq(len, GREYLIST_TRIPLET_LEN);
	ck_assert_uint_eq(buf[0], GREYLIST_VALUE_VERSION);
	ck_assert(greylist_entry_decode(buf, len, &e2));
	ck_assert(e2.passed && e2.first == T0 && e2.last == T0 + 5);
	ck_assert(!greylist_entry_decode(buf, len - 1, &e2));
	buf[0] = 2;
	ck_assert(!greylist_entry_decode(buf, len, &e2));
	buf[0] = GREYLIST_VALUE_VERSION;
	buf[1] = 2;
	ck_assert(!greylist_entry_decode(buf, len, &e2));

	len = greylist_awl_encode(&w, buf);
	ck_assert_uint_eq(len, GREYLIST_AWL_LEN);
	ck_assert(greylist_awl_decode(buf, len, &w2));
	ck_assert(w2.count == 7 && w2.last == T0 + 9);
	ck_assert(!greylist_awl_decode(buf, len + 1, &w2));
	ck_assert(!greylist_entry_decode(buf, len, &e2));
}
END_TEST

/* The store adapter, on a fresh nosync state environment. */

static char *tmp;
static struct store *state;
static struct store_reader *reader;

static void store_setup(void)
{
	struct store_settings settings = {
	    .kind = STORE_ENV_STATE,
	    .create = true,
	    .nosync = true,
	};
	char *dir;
	const char *error = NULL;

	tmp = tu_tmpdir();
	if (asprintf(&dir, "%s/state", tmp) < 0)
		abort();
	settings.dir = dir;
	ck_assert_msg(store_open(&settings, &state, &error) == STORE_OK, "%s",
		      error);
	free(dir);
	ck_assert_int_eq(store_reader_new(state, &reader, &error), STORE_OK);
}

static void store_teardown(void)
{
	store_reader_free(&reader);
	store_close(&state);
	tu_rmtree(tmp);
}

static struct store_txn *read_begin(void)
{
	struct store_txn *txn;
	const char *error;

	ck_assert_int_eq(store_read_begin(reader, &txn, &error), STORE_OK);
	return txn;
}

static void flush(struct greylist_queue *q)
{
	const char *error = NULL;

	ck_assert_msg(greylist_queue_flush(state, q, &error) == STORE_OK, "%s",
		      error);
	ck_assert_uint_eq(greylist_queue_count(q), 0);
}

START_TEST(test_queue)
{
	struct greylist_settings s = defaults();
	struct greylist_queue *q = greylist_queue_new(4);
	struct greylist_key k[5];
	struct greylist_entry e;
	struct greylist_awl w;
	char sender[16];

	for (int i = 0; i < 5; i++) {
		snprintf(sender, sizeof(sender), "s%d@x", i);
		struct greylist_net net = net_of(&s, "192.0.2.1");
		greylist_triplet_key(&net, sender, strlen(sender), S("r@y"),
				     &k[i]);
	}
	ck_assert(!greylist_queue_find(q, &k[0], &e));
	ck_assert_int_eq(greylist_queue_put(
			     q, &k[0], &(struct greylist_entry){T0, T0, false}),
			 0);
	ck_assert(greylist_queue_find(q, &k[0], &e));
	ck_assert(e.first == T0 && !e.passed);
	/* Same key: replaced, not added. */
	ck_assert_int_eq(
	    greylist_queue_put(q, &k[0],
			       &(struct greylist_entry){T0, T0 + 300, true}),
	    0);
	ck_assert_uint_eq(greylist_queue_count(q), 1);
	ck_assert(greylist_queue_find(q, &k[0], &e));
	ck_assert(e.last == T0 + 300 && e.passed);
	ck_assert(!greylist_queue_full(q));
	ck_assert_int_eq(greylist_queue_put(q, &k[1], &e), 0);
	ck_assert_int_eq(greylist_queue_put(q, &k[2], &e), 0);
	ck_assert(greylist_queue_full(q)); /* one slot left < reserve 2 */
	ck_assert_int_eq(greylist_queue_put(q, &k[3], &e), 0);
	ck_assert_int_eq(greylist_queue_put(q, &k[4], &e), -1);
	ck_assert_int_eq(greylist_queue_put(q, &k[3], &e), 0); /* replace */
	ck_assert(!greylist_queue_find(q, &k[4], &e));
	/* A triplet key does not read as an AWL entry. */
	ck_assert(!greylist_queue_find_awl(q, &k[0], &w));
	greylist_queue_clear(q);
	ck_assert_uint_eq(greylist_queue_count(q), 0);
	ck_assert(!greylist_queue_find(q, &k[0], &e));
	greylist_queue_free(&q);
	ck_assert_ptr_null(q);
}
END_TEST

/* A full default queue: every key found through the hash index, each
 * with its own value, before and after the flush sorts the queue; after
 * it, every entry reads back from the store. */
START_TEST(test_queue_many)
{
	struct greylist_settings s = defaults();
	struct greylist_queue *q = greylist_queue_new(0);
	struct greylist_net net = net_of(&s, "192.0.2.1");
	enum { N = GREYLIST_QUEUE_DEFAULT - GREYLIST_QUEUE_RESERVE };
	static struct greylist_key k[N];
	struct greylist_entry e;
	struct store_txn *txn;
	char sender[32];

	for (int i = 0; i < N; i++) {
		snprintf(sender, sizeof(sender), "sender%d@x", (i * 7919) % N);
		greylist_triplet_key(&net, sender, strlen(sender), S("r@y"),
				     &k[i]);
		ck_assert_int_eq(
		    greylist_queue_put(
			q, &k[i],
			&(struct greylist_entry){T0, T0 + (uint64_t)i, false}),
		    0);
	}
	ck_assert_uint_eq(greylist_queue_count(q), N);
	for (int i = 0; i < N; i++) {
		ck_assert(greylist_queue_find(q, &k[i], &e));
		ck_assert_uint_eq(e.last, T0 + (uint64_t)i);
	}
	flush(q);
	txn = read_begin();
	for (int i = 0; i < N; i++) {
		ck_assert(!greylist_queue_find(q, &k[i], &e));
		ck_assert_int_eq(greylist_store_get(txn, &k[i], &e), STORE_OK);
		ck_assert_uint_eq(e.last, T0 + (uint64_t)i);
	}
	store_read_end(reader);
	greylist_queue_free(&q);
}
END_TEST

START_TEST(test_flush_and_read)
{
	struct greylist_settings s = defaults();
	struct greylist_queue *q = greylist_queue_new(0);
	struct greylist_net net = net_of(&s, "192.0.2.1");
	struct greylist_key tk, ak;
	struct greylist_entry e;
	struct greylist_awl w;
	struct store_txn *txn;

	greylist_triplet_key(&net, S("a@x"), S("r@y"), &tk);
	greylist_awl_key(&net, &ak);
	ck_assert_uint_le(tk.len, store_max_key(state));
	ck_assert_int_eq(
	    greylist_queue_put(q, &tk, &(struct greylist_entry){T0, T0, false}),
	    0);
	ck_assert_int_eq(
	    greylist_queue_put_awl(q, &ak, &(struct greylist_awl){2, T0}), 0);

	/* Queued only: invisible to a reader of the store. */
	txn = read_begin();
	ck_assert_int_eq(greylist_store_get(txn, &tk, &e), STORE_NOTFOUND);
	store_read_end(reader);

	flush(q);
	flush(q); /* empty: no transaction, still fine */
	txn = read_begin();
	ck_assert_int_eq(greylist_store_get(txn, &tk, &e), STORE_OK);
	ck_assert(e.first == T0 && e.last == T0 && !e.passed);
	ck_assert_int_eq(greylist_store_get_awl(txn, &ak, &w), STORE_OK);
	ck_assert(w.count == 2 && w.last == T0);
	/* Kinds do not mix. */
	ck_assert_int_eq(greylist_store_get_awl(txn, &tk, &w), STORE_NOTFOUND);
	ck_assert_int_eq(greylist_store_get(txn, &ak, &e), STORE_NOTFOUND);
	store_read_end(reader);

	/* A stale queued triplet does not roll back a newer stored one; an
	 * AWL entry merges. */
	ck_assert_int_eq(
	    greylist_queue_put(q, &tk,
			       &(struct greylist_entry){T0, T0 + 400, true}),
	    0);
	flush(q);
	ck_assert_int_eq(
	    greylist_queue_put(q, &tk,
			       &(struct greylist_entry){T0, T0 + 100, false}),
	    0);
	ck_assert_int_eq(
	    greylist_queue_put_awl(q, &ak, &(struct greylist_awl){1, T0 + 50}),
	    0);
	flush(q);
	txn = read_begin();
	ck_assert_int_eq(greylist_store_get(txn, &tk, &e), STORE_OK);
	ck_assert(e.passed && e.last == T0 + 400);
	ck_assert_int_eq(greylist_store_get_awl(txn, &ak, &w), STORE_OK);
	ck_assert(w.count == 2 && w.last == T0 + 50);
	store_read_end(reader);
	greylist_queue_free(&q);
}
END_TEST

/* One request through the store path; flushes when asked to. */
static struct greylist_result request(const struct greylist_settings *s,
				      struct greylist_queue *q,
				      const char *client, const char *sender,
				      const char *rcpt, uint64_t now)
{
	struct greylist_net net = net_of(s, client);
	struct greylist_result r;
	const char *error = NULL;
	struct store_txn *txn = read_begin();
	int ret = greylist_store_check(txn, q, s, &net, sender, strlen(sender),
				       rcpt, strlen(rcpt), now, &r, &error);

	store_read_end(reader);
	ck_assert_msg(ret == STORE_OK, "%s", error);
	if (greylist_queue_full(q))
		flush(q);
	return r;
}

START_TEST(test_store_timeline)
{
	struct greylist_settings s = defaults();
	struct greylist_queue *q = greylist_queue_new(0);

	/* Unflushed entries are seen by the same worker. */
	want(request(&s, q, "192.0.2.1", "a@x", "r@y", T0), GREYLIST_DEFER,
	     GREYLIST_NEW, 300);
	ck_assert_uint_eq(greylist_queue_count(q), 1);
	want(request(&s, q, "192.0.2.9", "A+tag@X", "R@y", T0 + 100),
	     GREYLIST_DEFER, GREYLIST_EARLY_RETRY, 200);
	flush(q);
	want(request(&s, q, "192.0.2.1", "a@x", "r@y", T0 + 300), GREYLIST_PASS,
	     GREYLIST_PASSED, 0);
	flush(q);
	want(request(&s, q, "192.0.2.1", "a@x", "r@y", T0 + 301), GREYLIST_PASS,
	     GREYLIST_KNOWN, 0);
	/* Another recipient is another triplet. */
	want(request(&s, q, "192.0.2.1", "a@x", "r2@y", T0 + 302),
	     GREYLIST_DEFER, GREYLIST_NEW, 300);

	/* Auto-whitelist: 5 passes an hour apart from the /24, each with
	 * its own sender (the first one above counted already). */
	char sender[32];
	for (unsigned i = 1; i < 5; i++) {
		uint64_t t = T0 + i * HOUR;
		snprintf(sender, sizeof(sender), "s%u@x", i);
		want(request(&s, q, "192.0.2.50", sender, "r@y", t),
		     GREYLIST_DEFER, GREYLIST_NEW, 300);
		want(request(&s, q, "192.0.2.51", sender, "r@y", t + 300),
		     GREYLIST_PASS, GREYLIST_PASSED, 0);
	}
	flush(q);
	want(request(&s, q, "192.0.2.200", "new@z", "other@y", T0 + 5 * HOUR),
	     GREYLIST_AWL_PASS, GREYLIST_AWL, 0);
	/* Not the neighbouring /24. */
	want(request(&s, q, "192.0.3.200", "new@z", "other@y", T0 + 5 * HOUR),
	     GREYLIST_DEFER, GREYLIST_NEW, 300);
	flush(q);
	/* AWL expiry: unused for max age. */
	want(request(&s, q, "192.0.2.200", "new@z", "other@y",
		     T0 + 5 * HOUR + s.max_age + 1),
	     GREYLIST_DEFER, GREYLIST_NEW, 300);
	greylist_queue_free(&q);
}
END_TEST

static int whitelist_body(struct store_txn *txn, void *context)
{
	const struct greylist_net *net = context;
	struct greylist_whitelist entry = {T0, "test", 4};

	return greylist_whitelist_add(txn, net, &entry) == STORE_OK ? 0 : -1;
}

static int unwhitelist_body(struct store_txn *txn, void *context)
{
	return greylist_whitelist_del(txn, context) == STORE_OK ? 0 : -1;
}

/* The request path reads the whitelist summary once per snapshot of the
 * state (kept in the queue): an entry added or deleted in between is seen
 * by the next request. */
START_TEST(test_store_whitelist_follows_commits)
{
	struct greylist_settings s = defaults();
	struct greylist_queue *q = greylist_queue_new(0);
	struct greylist_net net;
	const char *error = NULL;

	ck_assert_int_eq(greylist_net_parse_cidr(S("198.51.100.0/24"), &net),
			 0);
	ck_assert_int_eq(
	    request(&s, q, "198.51.100.7", "a@x", "r@y", T0).verdict,
	    GREYLIST_DEFER);
	ck_assert_int_eq(store_write(state, whitelist_body, &net, &error),
			 STORE_OK);
	struct greylist_result r =
	    request(&s, q, "198.51.100.7", "b@x", "r@y", T0);
	ck_assert_int_eq(r.reason, GREYLIST_WHITELISTED);
	ck_assert_int_eq(
	    request(&s, q, "198.51.100.8", "c@x", "r@y", T0).reason,
	    GREYLIST_WHITELISTED);
	ck_assert_int_eq(store_write(state, unwhitelist_body, &net, &error),
			 STORE_OK);
	ck_assert_int_eq(
	    request(&s, q, "198.51.100.7", "d@x", "r@y", T0).verdict,
	    GREYLIST_DEFER);
	greylist_queue_free(&q);
}
END_TEST

START_TEST(test_store_check_errors)
{
	struct greylist_settings s = defaults();
	struct greylist_queue *q = greylist_queue_new(2);
	struct greylist_net net = net_of(&s, "192.0.2.1");
	struct greylist_result r;
	const char *error = NULL;
	struct store_txn *txn = read_begin();

	ck_assert_int_eq(greylist_store_check(txn, q, &s, &net, S("a@x"),
					      S("r@y"), T0, &r, &error),
			 STORE_OK);
	ck_assert(greylist_queue_full(q));
	ck_assert_int_eq(greylist_store_check(txn, q, &s, &net, S("b@x"),
					      S("r@y"), T0, &r, &error),
			 STORE_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(error, "full"));
	/* Disabled: no lookups, no writes. */
	s.enabled = false;
	ck_assert_int_eq(greylist_store_check(txn, q, &s, &net, S("b@x"),
					      S("r@y"), T0, &r, &error),
			 STORE_OK);
	want(r, GREYLIST_PASS, GREYLIST_DISABLED, 0);
	store_read_end(reader);
	ck_assert_uint_eq(greylist_queue_count(q), 1);
	greylist_queue_free(&q);
}
END_TEST

/* Writes a raw value under a key (for undecodable entries). */
struct raw_put {
	struct greylist_key key;
	const char *value;
};

static int raw_put_body(struct store_txn *txn, void *context)
{
	struct raw_put *p = context;

	store_put(txn, STORE_GREYLIST, p->key.data, p->key.len, p->value,
		  strlen(p->value), 0);
	return 0;
}

/* Fills the table: per i, a triplet that is alive or dead, and every
 * fifth i an AWL entry, alive or dead. Returns the dead count. */
static size_t fill(const struct greylist_settings *s, uint64_t now,
		   unsigned count, size_t *alive_r)
{
	struct greylist_queue *q = greylist_queue_new(2 * count + 2);
	size_t dead = 0, alive = 0;
	char client[64], sender[32];

	for (unsigned i = 0; i < count; i++) {
		struct greylist_key key;
		struct greylist_entry e;
		snprintf(client, sizeof(client), "10.%u.%u.1", i / 256,
			 i % 256);
		snprintf(sender, sizeof(sender), "s%u@x", i);
		struct greylist_net net = net_of(s, client);
		greylist_triplet_key(&net, sender, strlen(sender), S("r@y"),
				     &key);
		switch (i % 4) {
		case 0: /* passed, unused beyond max age */
			e = (struct greylist_entry){1000, now - s->max_age - 1,
						    true};
			break;
		case 1: /* never passed, beyond the retry window */
			e = (struct greylist_entry){now - s->retry_window - 1,
						    now - 10, false};
			break;
		case 2: /* passed, alive */
			e = (struct greylist_entry){1000, now - 3 * DAY, true};
			break;
		default: /* pending, alive */
			e = (struct greylist_entry){now - 100, now - 100,
						    false};
		}
		bool is_dead = greylist_expired(&e, now, s);
		dead += is_dead;
		alive += !is_dead;
		ck_assert_int_eq(greylist_queue_put(q, &key, &e), 0);
		if (i % 5 != 0)
			continue;
		greylist_awl_key(&net, &key);
		struct greylist_awl w = {5, i % 10 == 0 ? now - s->max_age - 1
							: now - DAY};
		dead += i % 10 == 0;
		alive += i % 10 != 0;
		ck_assert_int_eq(greylist_queue_put_awl(q, &key, &w), 0);
	}
	flush(q);
	greylist_queue_free(&q);
	*alive_r = alive;
	return dead;
}

START_TEST(test_sweep)
{
	struct greylist_settings s = defaults();
	uint64_t now = T0 + 100 * DAY;
	struct greylist_sweep cursor = {0};
	struct greylist_stats st;
	size_t alive, removed, total = 0, calls = 0;
	const char *error = NULL;
	int ret;

	size_t dead = fill(&s, now, 1200, &alive);
	/* An undecodable value is swept too. */
	struct raw_put raw = {.value = "garbage"};
	struct greylist_net net = net_of(&s, "203.0.113.1");
	greylist_triplet_key(&net, S("g@x"), S("r@y"), &raw.key);
	ck_assert_int_eq(store_write(state, raw_put_body, &raw, &error),
			 STORE_OK);
	dead++;

	struct store_txn *txn = read_begin();
	ck_assert_int_eq(greylist_store_stats(txn, &s, now, &st), STORE_OK);
	store_read_end(reader);
	ck_assert_uint_eq(st.entries, dead + alive);
	ck_assert_uint_eq(st.expired, dead);
	ck_assert_uint_eq(st.passed, 300);
	ck_assert_uint_eq(st.pending, 300);
	ck_assert_uint_eq(st.triplets, 600);
	ck_assert_uint_eq(st.networks, 120);
	ck_assert_uint_eq(st.whitelisted, 120);

	do {
		ret = greylist_sweep(state, &s, now, 7, &cursor, &removed,
				     &error);
		ck_assert_msg(ret >= 0, "%s", error);
		ck_assert_uint_le(removed, 7);
		total += removed;
		calls++;
		ck_assert_uint_lt(calls, 10000);
	} while (ret == 0);
	ck_assert_uint_eq(total, dead);
	ck_assert_uint_ge(calls, dead / 7);
	ck_assert_uint_eq(cursor.next, 0);

	txn = read_begin();
	ck_assert_int_eq(greylist_store_stats(txn, &s, now, &st), STORE_OK);
	store_read_end(reader);
	ck_assert_uint_eq(st.entries, alive);
	ck_assert_uint_eq(st.expired, 0);
	ck_assert_uint_eq(st.triplets, 600);
	ck_assert_uint_eq(st.networks, 120);

	/* A second sweep finds nothing, in a few larger transactions. */
	total = 0;
	calls = 0;
	do {
		ret = greylist_sweep(state, &s, now, 0, &cursor, &removed,
				     &error);
		ck_assert_int_ge(ret, 0);
		total += removed;
		calls++;
	} while (ret == 0);
	ck_assert_uint_eq(total, 0);
	ck_assert_uint_le(calls, 3);
}
END_TEST

/* One client network's triplets share one key range: a sweep transaction
 * reads at most GREYLIST_SWEEP_SCAN keys per key it may delete even
 * inside that range (the writer lock it holds stalls every flush), and
 * the next one goes on where it stopped, so all the dead go and only
 * they. */
START_TEST(test_sweep_one_big_range)
{
	struct greylist_settings s = defaults();
	uint64_t now = T0 + 100 * DAY;
	struct greylist_queue *q = greylist_queue_new(3000);
	struct greylist_net net = net_of(&s, "198.51.100.7");
	struct greylist_sweep cursor = {0};
	struct greylist_stats st;
	size_t dead = 0, removed, total = 0, calls = 0, most = 0;
	const char *error = NULL;
	char sender[32];
	int ret;

	for (unsigned i = 0; i < 3000; i++) {
		struct greylist_key key;
		bool is_dead = i % 100 == 42;
		struct greylist_entry e = {
		    1000, is_dead ? now - s.max_age - 1 : now - DAY, true};
		snprintf(sender, sizeof(sender), "s%u@x", i);
		greylist_triplet_key(&net, sender, strlen(sender), S("r@y"),
				     &key);
		ck_assert_int_eq(greylist_queue_put(q, &key, &e), 0);
		dead += is_dead;
	}
	flush(q);
	greylist_queue_free(&q);
	do {
		ret = greylist_sweep(state, &s, now, 4, &cursor, &removed,
				     &error);
		ck_assert_msg(ret >= 0, "%s", error);
		ck_assert_uint_le(removed, 4);
		ck_assert_uint_le(cursor.scanned, GREYLIST_SWEEP_SCAN * 4);
		most = cursor.scanned > most ? cursor.scanned : most;
		total += removed;
		ck_assert_uint_lt(++calls, 10000);
	} while (ret == 0);
	ck_assert_uint_eq(total, dead);
	ck_assert_uint_eq(most, GREYLIST_SWEEP_SCAN * 4);
	ck_assert_uint_ge(calls, 3000 / (GREYLIST_SWEEP_SCAN * 4));
	struct store_txn *txn = read_begin();
	ck_assert_int_eq(greylist_store_stats(txn, &s, now, &st), STORE_OK);
	store_read_end(reader);
	ck_assert_uint_eq(st.triplets, 3000 - dead);
	ck_assert_uint_eq(st.expired, 0);
}
END_TEST

START_TEST(test_sweep_empty_and_stats)
{
	struct greylist_settings s = defaults();
	struct greylist_sweep cursor = {0};
	struct greylist_stats st;
	size_t removed = 99;
	const char *error = NULL;

	ck_assert_int_eq(
	    greylist_sweep(state, &s, T0, 10, &cursor, &removed, &error), 1);
	ck_assert_uint_eq(removed, 0);
	struct store_txn *txn = read_begin();
	ck_assert_int_eq(greylist_store_stats(txn, &s, T0, &st), STORE_OK);
	store_read_end(reader);
	ck_assert_uint_eq(st.entries, 0);

	/* Whitelisted vs still counting. */
	struct greylist_queue *q = greylist_queue_new(0);
	struct greylist_key key;
	struct greylist_net net = net_of(&s, "192.0.2.1");
	greylist_awl_key(&net, &key);
	greylist_queue_put_awl(q, &key, &(struct greylist_awl){5, T0});
	net = net_of(&s, "192.0.3.1");
	greylist_awl_key(&net, &key);
	greylist_queue_put_awl(q, &key, &(struct greylist_awl){4, T0});
	flush(q);
	greylist_queue_free(&q);
	txn = read_begin();
	ck_assert_int_eq(greylist_store_stats(txn, &s, T0, &st), STORE_OK);
	store_read_end(reader);
	ck_assert_uint_eq(st.networks, 2);
	ck_assert_uint_eq(st.whitelisted, 1);
}
END_TEST

static Suite *greylist_suite(void)
{
	Suite *s = suite_create("greylist");
	TCase *tc = tcase_create("decision");

	tcase_add_test(tc, test_settings);
	tcase_add_test(tc, test_timeline);
	tcase_add_test(tc, test_retry_window);
	tcase_add_test(tc, test_clock_and_settings);
	tcase_add_test(tc, test_awl);
	tcase_add_test(tc, test_awl_hourly_and_off);
	tcase_add_loop_test(tc, test_expired, 0, N(expiry_cases));
	tcase_add_test(tc, test_awl_expired);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_loop_test(tc, test_sender_cases, 0, N(sender_cases));
	tcase_add_test(tc, test_key_bucket_is_the_networks);
	tcase_add_loop_test(tc, test_key_cases, 0, N(key_cases));
	tcase_add_test(tc, test_net);
	tcase_add_test(tc, test_key_sizes);
	tcase_add_test(tc, test_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, store_setup, store_teardown);
	tcase_add_test(tc, test_queue);
	tcase_add_test(tc, test_queue_many);
	tcase_add_test(tc, test_flush_and_read);
	tcase_add_test(tc, test_store_timeline);
	tcase_add_test(tc, test_store_whitelist_follows_commits);
	tcase_add_test(tc, test_store_check_errors);
	tcase_add_test(tc, test_sweep);
	tcase_add_test(tc, test_sweep_one_big_range);
	tcase_add_test(tc, test_sweep_empty_and_stats);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(greylist_suite());
}
