/*
 * The passdb and userdb answers of the dict service (auth/dict_auth.c,
 * dict_userdb.c) on a store built by the real mailmapctl (dictutil.c's
 * fixture): every refusal rule per service and %{secured}, what is
 * NOTFOUND and what FAILED (the listing's failures too), and the exact
 * JSON objects (escaping, %-variables, uid/gid, quota rules, hosts). The
 * rest of the listing is in test_dict_iterate.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict_data.h"
#include "dictutil.h"
#include "testutil.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

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

/* ---- passdb ------------------------------------------------------ */

struct passdb_case {
	enum dict_name dict;
	const char *service;
	const char *secured;
	const char *user;
	enum dict_status status;
	const char *reason; /* FOUND: NULL = let in, else the refusal */
};

#define OK_	   DICT_FOUND, NULL
#define NF	   DICT_NOTFOUND, NULL
#define NO(reason) DICT_FOUND, reason
#define AUTH	   DICT_NAME_AUTH

static const char R_DISABLED[] = "Your account is disabled";
static const char R_LOGIN[] = "Logins are disabled for your account";
static const char R_DOMAIN[] = "Your mail domain is disabled";
static const char R_IMAP[] = "IMAP is not included in your plan";
static const char R_POP3[] = "POP3 is not included in your plan";
static const char R_PLAIN[] =
    "Your plan requires an encrypted connection (TLS)";
static const char R_TLS[] =
    "Your plan does not allow encrypted connections (TLS)";

static const struct passdb_case passdb_cases[] = {
    {AUTH, "imap", "", "user@example.com", OK_},
    {AUTH, "pop3", "TLS", "user@example.com", OK_},
    {AUTH, "doveadm", "", "user@example.com", OK_},
    {AUTH, "smtp", "", "user@example.com", OK_},
    {AUTH, "imap", "", "USER@Example.COM", OK_},
    /* hashes leave only through "auth" */
    {DICT_NAME_USERDB, "imap", "", "user@example.com", NF},
    {DICT_NAME_QUOTA, "imap", "", "user@example.com", NF},
    /* unknown, not a mailbox, no password, no user */
    {AUTH, "imap", "", "nobody@example.com", NF},
    {AUTH, "imap", "", "user@nowhere.example", NF},
    {AUTH, "imap", "", "extra@example.com", NF},
    {AUTH, "imap", "", "staff@example.com", NF},
    {AUTH, "imap", "", "user@alias.org", NF},
    {AUTH, "imap", "", "nopass@example.com", NF},
    {AUTH, "imap", "", "", NF},
    {AUTH, "imap", "", "root", NF},
    /* refusals every service knows; the first rule wins */
    {AUTH, "imap", "", "off@example.com", NO(R_DISABLED)},
    {AUTH, "pop3", "", "off@example.com", NO(R_DISABLED)},
    {AUTH, "submission", "", "off@example.com", NO(R_DISABLED)},
    {AUTH, "sieve", "", "off@example.com", NO(R_DISABLED)},
    {AUTH, "imap", "", "nologin@example.com", NO(R_LOGIN)},
    {AUTH, "pop3", "secured", "nologin@example.com", NO(R_LOGIN)},
    {AUTH, "imap", "TLS", "in@off.org", NO(R_DOMAIN)},
    /* services that ignore nologin: a refusal is NOTFOUND */
    {AUTH, "smtp", "", "off@example.com", NF},
    {AUTH, "doveadm", "", "off@example.com", NF},
    {AUTH, "smtp", "TLS", "nologin@example.com", NF},
    {AUTH, "lmtp", "", "in@off.org", NF},
    {AUTH, "", "", "off@example.com", NF},
    /* IMAP and POP3 of the offer, for those services only */
    {AUTH, "imap", "", "popper@example.com", NO(R_IMAP)},
    {AUTH, "pop3", "", "popper@example.com", OK_},
    {AUTH, "smtp", "", "popper@example.com", OK_},
    {AUTH, "pop3", "", "imapper@example.com", NO(R_POP3)},
    {AUTH, "imap", "", "imapper@example.com", OK_},
    /* ssl=force: imap and pop3 need a non-empty %{secured} */
    {AUTH, "imap", "", "tls@example.com", NO(R_PLAIN)},
    {AUTH, "pop3", "", "tls@example.com", NO(R_PLAIN)},
    {AUTH, "imap", "secured", "tls@example.com", OK_},
    {AUTH, "imap", "TLS", "tls@example.com", OK_},
    {AUTH, "pop3", "TLS", "tls@example.com", OK_},
    {AUTH, "smtp", "", "tls@example.com", OK_},
    {AUTH, "submission", "", "tls@example.com", OK_},
    /* ssl=forbid: imap and pop3 refuse TLS, not trusted plaintext */
    {AUTH, "imap", "TLS", "plain@example.com", NO(R_TLS)},
    {AUTH, "pop3", "TLS", "plain@example.com", NO(R_TLS)},
    {AUTH, "imap", "", "plain@example.com", OK_},
    {AUTH, "imap", "secured", "plain@example.com", OK_},
    {AUTH, "smtp", "TLS", "plain@example.com", OK_},
};

/* The exact passdb object: password, user, refusal, host. */
static char *passdb_json(const char *address, const char *reason,
			 const char *host)
{
	char *json;

	if (asprintf(
		&json, "{\"password\": \"%s\", \"user\": \"%s\"%s%s%s%s%s%s}",
		tu_dict_hash(d, address), address,
		reason != NULL ? ", \"nologin\": \"y\", \"reason\": \"" : "",
		reason != NULL ? reason : "", reason != NULL ? "\"" : "",
		host != NULL ? ", \"host\": \"" : "", host != NULL ? host : "",
		host != NULL ? "\"" : "") < 0)
		abort();
	return json;
}

START_TEST(passdb_rules)
{
	const struct passdb_case *c = &passdb_cases[_i];
	char key[256], address[256];
	enum dict_status got;

	snprintf(key, sizeof(key), "shared/passdb/%s/%s/%s", c->service,
		 c->secured, c->user);
	got = tu_dict_lookup(d, c->dict, key, c->user);
	ck_assert_msg(got == c->status, "%s: status %d, want %d (%s)", key, got,
		      c->status, d->value);
	if (got != DICT_FOUND)
		return;
	snprintf(address, sizeof(address), "%s", c->user);
	for (char *p = address; *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	/* host only with no refusal: nologin + host is a referral. */
	char *want = passdb_json(address, c->reason,
				 c->reason == NULL &&
					 strstr(address, "@example.com") != NULL
				     ? "192.0.2.10"
				     : NULL);
	ck_assert_str_eq(d->value, want);
	free(want);
}
END_TEST

/* The user comes from the command, never from the key's tail. */
START_TEST(passdb_user_from_the_command)
{
	ck_assert_int_eq(tu_dict_lookup(d, AUTH,
					"shared/passdb/imap//off@example.com",
					"user@example.com"),
			 DICT_FOUND);
	ck_assert_ptr_null(strstr(d->value, "nologin"));
	ck_assert_int_eq(tu_dict_lookup(d, AUTH,
					"shared/passdb/imap//user@example.com",
					"off@example.com"),
			 DICT_FOUND);
	ck_assert_ptr_nonnull(strstr(d->value, R_DISABLED));
	/* anything after <secured>/, slashes included */
	ck_assert_int_eq(tu_dict_lookup(d, AUTH, "shared/passdb/imap/TLS/x/y/z",
					"tls@example.com"),
			 DICT_FOUND);
	ck_assert_int_eq(
	    tu_dict_lookup(d, AUTH, "shared/passdb/imap//", "tls@example.com"),
	    DICT_FOUND);
	ck_assert_ptr_nonnull(strstr(d->value, R_PLAIN));
}
END_TEST

START_TEST(passdb_hosts)
{
	ck_assert_int_eq(tu_dict_lookup(d, AUTH, "shared/passdb/imap//m",
					"moved@example.net"),
			 DICT_FOUND);
	ck_assert_ptr_nonnull(
	    strstr(d->value, ", \"host\": \"mail2.example.net\"}"));
	ck_assert_int_eq(tu_dict_lookup(d, AUTH, "shared/passdb/imap//f",
					"free@example.net"),
			 DICT_FOUND);
	ck_assert_ptr_null(strstr(d->value, "host"));
}
END_TEST

/* Domains, offers and servers come from the worker's record cache
 * (dictutil attaches one as mailmapd does): every commit of mailmapctl
 * shows in the next answer, with no reload. */
START_TEST(passdb_follows_each_commit)
{
	const char *key = "shared/passdb/imap//user@example.com";

	ck_assert_int_eq(tu_dict_lookup(d, AUTH, key, "user@example.com"),
			 DICT_FOUND);
	ck_assert_ptr_null(strstr(d->value, "nologin"));
	ck_assert_ptr_nonnull(strstr(d->value, "\"host\": \"192.0.2.10\""));
	tu_dict_ok(d, "offer set acme/basic imap=no", NULL);
	tu_dict_lookup(d, AUTH, key, "user@example.com");
	ck_assert_ptr_nonnull(strstr(d->value, R_IMAP));
	tu_dict_ok(d, "offer set acme/basic imap=yes", NULL);
	tu_dict_ok(d, "server set imap1 host=192.0.2.99", NULL);
	tu_dict_lookup(d, AUTH, key, "user@example.com");
	ck_assert_ptr_null(strstr(d->value, "nologin"));
	ck_assert_ptr_nonnull(strstr(d->value, "\"host\": \"192.0.2.99\""));
	tu_dict_ok(d, "domain set example.com active=no", NULL);
	tu_dict_lookup(d, AUTH, key, "user@example.com");
	ck_assert_ptr_nonnull(strstr(d->value, R_DOMAIN));
}
END_TEST

/* Keys that are not passdb/%{service}/%{secured}/%u: a configuration
 * error Dovecot logs (F), or not ours (N). */
START_TEST(passdb_bad_keys)
{
	ck_assert_int_eq(tu_dict_lookup(d, AUTH,
					"shared/passdb/user@example.com",
					"user@example.com"),
			 DICT_FAILED);
	ck_assert_str_eq(d->value,
			 "passdb key must be passdb/%{service}/%{secured}/%u");
	ck_assert_int_eq(tu_dict_lookup(d, AUTH,
					"shared/passdb/imap/user@example.com",
					"user@example.com"),
			 DICT_FAILED);
	ck_assert_int_eq(
	    tu_dict_lookup(d, AUTH, "shared/passdb/", "user@example.com"),
	    DICT_FAILED);
	ck_assert_int_eq(
	    tu_dict_lookup(d, AUTH,
			   "shared/ctx/doveadm////PLAIN/user/example.com",
			   "user@example.com"),
	    DICT_NOTFOUND);
	ck_assert_int_eq(
	    tu_dict_lookup(d, AUTH, "shared/passdb", "user@example.com"),
	    DICT_NOTFOUND);
	ck_assert_int_eq(
	    tu_dict_lookup(d, AUTH, "priv/quota/storage", "user@example.com"),
	    DICT_NOTFOUND);
	ck_assert_int_eq(tu_dict_lookup(d, DICT_NAME_LASTLOGIN,
					"shared/passdb/imap//x",
					"user@example.com"),
			 DICT_NOTFOUND);
}
END_TEST

/* A store that cannot answer is FAILED, never NOTFOUND; so is a mailbox
 * whose server record is gone. */
static int drop_server(struct store_txn *txn, void *context)
{
	(void)context;
	return store_del(txn, STORE_SERVERS, "imap1", 5, NULL) == STORE_OK ? 0
									   : -1;
}

START_TEST(store_failures)
{
	const char *error;

	d->fail_config = true;
	ck_assert_int_eq(tu_dict_lookup(d, AUTH, "shared/passdb/imap//x",
					"user@example.com"),
			 DICT_FAILED);
	ck_assert_str_eq(d->value, "store read failed");
	ck_assert_int_eq(
	    tu_dict_lookup(d, AUTH, "shared/userdb/x", "nobody@example.com"),
	    DICT_FAILED);
	ck_assert_int_eq(tu_dict_iterate(d, AUTH, "shared/userdb/", 0, "", 10),
			 -1);
	ck_assert_str_eq(d->error, "store read failed");
	d->fail_config = false;
	ck_assert_int_eq(
	    store_write(d->t->ctl.store, drop_server, NULL, &error), STORE_OK);
	ck_assert_int_eq(tu_dict_lookup(d, AUTH, "shared/passdb/imap//x",
					"user@example.com"),
			 DICT_FAILED);
	ck_assert_str_eq(d->value, "unknown mail server");
	ck_assert_int_eq(tu_dict_lookup(d, DICT_NAME_USERDB, "shared/userdb/x",
					"user@example.com"),
			 DICT_FAILED);
	ck_assert_int_eq(tu_dict_iterate(d, AUTH, "shared/userdb/", 0, "", 10),
			 -1);
	ck_assert_str_eq(d->error, "unknown mail server");
	ck_assert_int_eq(tu_dict_lookup(d, AUTH, "shared/passdb/imap//x",
					"free@example.net"),
			 DICT_FOUND);
}
END_TEST

/* ---- userdb -------------------------------------------------------- */

struct userdb_case {
	const char *user;
	const char *json;
};

#define IDS  "\"uid\": 5000, \"gid\": \"vmail\""
#define MAIL "\"mail\": \"maildir:~/Maildir\""

static const struct userdb_case userdb_cases[] = {
    {"user@example.com",
     "{\"home\": \"/srv/mail/example.com/user\", " MAIL ", " IDS
     ", \"quota_rule\": \"*:storage=5000B\", \"host\": \"192.0.2.10\"}"},
    {"User@EXAMPLE.com",
     "{\"home\": \"/srv/mail/example.com/user\", " MAIL ", " IDS
     ", \"quota_rule\": \"*:storage=5000B\", \"host\": \"192.0.2.10\"}"},
    {"big@example.com",
     "{\"home\": \"/srv/mail/example.com/big\", " MAIL ", " IDS
     ", \"quota_rule\": \"*:storage=20480B\", \"host\": \"192.0.2.10\"}"},
    {"free@example.net", "{\"home\": \"/var/vmail/example.net/free\", " MAIL
			 ", " IDS ", \"quota_rule\": \"*:storage=0\"}"},
    {"moved@example.net",
     "{\"home\": \"/var/vmail/example.net/moved\", " MAIL ", " IDS
     ", \"quota_rule\": \"*:storage=5000B\", \"host\": "
     "\"mail2.example.net\"}"},
    {"custom@example.com",
     "{\"home\": \"/srv/mail/custom/path\", " MAIL ", " IDS
     ", \"quota_rule\": \"*:storage=5000B\", \"host\": \"192.0.2.10\"}"},
    {"a%d@example.com",
     "{\"home\": \"/srv/mail/example.com/a%%d\", " MAIL ", " IDS
     ", \"quota_rule\": \"*:storage=5000B\", \"host\": \"192.0.2.10\"}"},
    /* refusals are the passdb's: these still have a userdb entry */
    {"off@example.com",
     "{\"home\": \"/srv/mail/example.com/off\", " MAIL ", " IDS
     ", \"quota_rule\": \"*:storage=0\", \"host\": \"192.0.2.10\"}"},
    {"nopass@example.com",
     "{\"home\": \"/srv/mail/example.com/nopass\", " MAIL ", " IDS
     ", \"quota_rule\": \"*:storage=5000B\", \"host\": \"192.0.2.10\"}"},
    {"in@off.org", "{\"home\": \"/var/vmail/off.org/in\", " MAIL ", " IDS
		   ", \"quota_rule\": \"*:storage=5000B\"}"},
    {"nobody@example.com", NULL},
    {"extra@example.com", NULL},
    {"staff@example.com", NULL},
    {"", NULL},
};

START_TEST(userdb_answers)
{
	const struct userdb_case *c = &userdb_cases[_i];
	static const enum dict_name dicts[] = {DICT_NAME_AUTH,
					       DICT_NAME_USERDB};

	for (int i = 0; i < N(dicts); i++) {
		enum dict_status got =
		    tu_dict_lookup(d, dicts[i], "shared/userdb/x", c->user);
		if (c->json == NULL) {
			ck_assert_int_eq(got, DICT_NOTFOUND);
			continue;
		}
		ck_assert_msg(got == DICT_FOUND, "%s: %d", c->user, got);
		ck_assert_str_eq(d->value, c->json);
	}
	ck_assert_int_eq(
	    tu_dict_lookup(d, DICT_NAME_QUOTA, "shared/userdb/x", c->user),
	    DICT_NOTFOUND);
}
END_TEST

/* The configuration's uid, gid and mail template. */
START_TEST(userdb_settings)
{
	tu_dict_set(d, "uid", "");
	tu_dict_set(d, "gid", "");
	tu_dict_set(d, "mail", "");
	ck_assert_int_eq(tu_dict_lookup(d, AUTH,
					"shared/userdb/user@example.com",
					"free@example.net"),
			 DICT_FOUND);
	ck_assert_str_eq(d->value,
			 "{\"home\": \"/var/vmail/example.net/free\", "
			 "\"quota_rule\": \"*:storage=0\"}");
	tu_dict_set(d, "uid", "vmail");
	tu_dict_set(d, "gid", "5000");
	tu_dict_set(
	    d, "mail",
	    "maildir:/m/%d/%n/%{user}/%h/%{home}/%%/%Lu/%{uid}/%{domain}/"
	    "%{username}/\"q\\");
	ck_assert_int_eq(
	    tu_dict_lookup(d, AUTH, "shared/userdb/a%d", "a%d@example.com"),
	    DICT_FOUND);
	ck_assert_str_eq(
	    d->value,
	    "{\"home\": \"/srv/mail/example.com/a%%d\", \"mail\": "
	    "\"maildir:/m/example.com/a%%d/a%%d@example.com/"
	    "/srv/mail/example.com/a%%d//srv/mail/example.com/a%%d/%%/%Lu/"
	    "%{uid}/example.com/a%%d/\\\"q\\\\\", \"uid\": \"vmail\", \"gid\": "
	    "5000, \"quota_rule\": \"*:storage=5000B\", \"host\": "
	    "\"192.0.2.10\"}");
}
END_TEST

/* Fills the worker's record cache with n views of the current snapshot,
 * as unknown domains that socketmap or policy lookups asked for do. */
static void fill_record_cache(int n)
{
	struct store_reader *reader;
	struct store_txn *txn;
	const char *error;
	uint64_t snapshot;
	char key[32];

	record_cache_free(&d->records);
	d->records = record_cache_new();
	ck_assert_int_eq(store_reader_new(d->t->ctl.store, &reader, &error),
			 STORE_OK);
	ck_assert_int_eq(store_read_begin(reader, &txn, &error), STORE_OK);
	snapshot = store_txn_snapshot(txn);
	for (int i = 0; i < n; i++) {
		int len = snprintf(key, sizeof(key), "absent%d.example", i);
		ck_assert_ptr_nonnull(
		    record_cache_add_view(d->records, snapshot, STORE_DOMAINS,
					  key, (size_t)len, "", 1));
	}
	store_reader_free(&reader);
}

/* The cache fills up in the middle of a userdb lookup (the mailbox's
 * domain, offer and server are three new records): the answer is the
 * same as with room, and under ASan no record the lookup holds was
 * freed by it. */
START_TEST(userdb_with_a_filling_cache)
{
	char want[sizeof(d->value)];

	ck_assert_int_eq(tu_dict_lookup(d, DICT_NAME_USERDB, "shared/userdb/x",
					"user@example.com"),
			 DICT_FOUND);
	strcpy(want, d->value);
	for (int left = 0; left <= 3; left++) {
		fill_record_cache(RECORD_CACHE_MAX - left);
		ck_assert_int_eq(tu_dict_lookup(d, DICT_NAME_USERDB,
						"shared/userdb/x",
						"user@example.com"),
				 DICT_FOUND);
		ck_assert_str_eq(d->value, want);
	}
}
END_TEST

/* Paths with JSON specials and UTF-8 come out escaped / as they are. */
START_TEST(userdb_escaping)
{
	tu_dict_ok(d,
		   "domain add esc.org customer=acme "
		   "'storage=/srv/q\"uote\\back/'",
		   NULL);
	tu_dict_ok(d, "mailbox add jörg@esc.org offer=acme/unlimited", NULL);
	ck_assert_int_eq(
	    tu_dict_lookup(d, AUTH, "shared/userdb/x", "jörg@esc.org"),
	    DICT_FOUND);
	ck_assert_str_eq(
	    d->value,
	    "{\"home\": \"/srv/q\\\"uote\\\\back/esc.org/jörg\", " MAIL ", " IDS
	    ", \"quota_rule\": \"*:storage=0\"}");
}
END_TEST

/* ---- JSON strings ------------------------------------------------- */

/* The JSON form of one byte inside a string (RFC 8259 7). */
static void json_form(unsigned char c, char *out)
{
	const char *forms[256] = {
	    ['"'] = "\\\"", ['\\'] = "\\\\", ['\b'] = "\\b", ['\f'] = "\\f",
	    ['\n'] = "\\n", ['\r'] = "\\r",  ['\t'] = "\\t"};

	if (forms[c] != NULL)
		strcpy(out, forms[c]);
	else if (c < 0x20)
		sprintf(out, "\\u%04x", c);
	else
		sprintf(out, "%c", c);
}

/* Each special byte, and bytes next to them, at every position of a long
 * value: escaped exactly where it is (the word-at-a-time scan must see
 * every one of them). */
START_TEST(json_escapes_every_position)
{
	static const unsigned char probes[] = {0x01, 0x08, 0x09, 0x0a, 0x1f,
					       0x20, '"',  '!',	 '#',  '\\',
					       '[',  ']',  0x7f, 0xc3};
	struct arena arena;

	arena_init(&arena, 0);
	for (size_t p = 0; p < sizeof(probes); p++) {
		for (size_t pos = 0; pos < 24; pos++) {
			char value[25], want[64], form[8];
			struct dict_json json;
			struct dict_reply reply;
			memset(value, 'a', 24);
			value[24] = '\0';
			value[pos] = (char)probes[p];
			json_form(probes[p], form);
			snprintf(want, sizeof(want), "{\"k\": \"%.*s%s%s\"}",
				 (int)pos, value, form, value + pos + 1);
			arena_reset(&arena);
			dict_json_begin(&json, &arena);
			dict_json_string(&json, "k", value);
			dict_json_end(&json, &reply);
			ck_assert_str_eq(reply.value, want);
		}
	}
	arena_deinit(&arena);
}
END_TEST

/* Every byte but NUL in two members: the object is what RFC 8259 asks
 * for, and it holds none of the bytes the dict protocol escapes, so the
 * reply says it may go out as it is. */
START_TEST(json_needs_no_tab_escaping)
{
	char value[256], want[2048], form[8];
	size_t len = 0;
	struct dict_json json;
	struct dict_reply reply;
	struct arena arena;

	for (int c = 1; c < 256; c++)
		value[c - 1] = (char)c;
	value[255] = '\0';
	len = (size_t)snprintf(want, sizeof(want), "{\"a\": \"");
	for (int c = 1; c < 256; c++) {
		json_form((unsigned char)c, form);
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s",
					form);
	}
	snprintf(want + len, sizeof(want) - len, "\", \"b\": \"x\"}");
	arena_init(&arena, 0);
	dict_json_begin(&json, &arena);
	dict_json_string(&json, "a", value);
	dict_json_string(&json, "b", "x");
	dict_json_end(&json, &reply);
	ck_assert_str_eq(reply.value, want);
	ck_assert_uint_eq(reply.len, strlen(want));
	ck_assert(reply.escape_free);
	ck_assert_ptr_null(memchr(reply.value, 0x01, reply.len));
	ck_assert_ptr_null(memchr(reply.value, '\t', reply.len));
	ck_assert_ptr_null(memchr(reply.value, '\n', reply.len));
	ck_assert_ptr_null(memchr(reply.value, '\r', reply.len));
	arena_deinit(&arena);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dict_data");
	TCase *tc = tcase_create("dict_data");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, passdb_rules, 0, N(passdb_cases));
	tcase_add_test(tc, passdb_user_from_the_command);
	tcase_add_test(tc, passdb_hosts);
	tcase_add_test(tc, passdb_follows_each_commit);
	tcase_add_test(tc, passdb_bad_keys);
	tcase_add_test(tc, store_failures);
	tcase_add_loop_test(tc, userdb_answers, 0, N(userdb_cases));
	tcase_add_test(tc, userdb_settings);
	tcase_add_test(tc, userdb_escaping);
	tcase_add_test(tc, userdb_with_a_filling_cache);
	suite_add_tcase(s, tc);
	tc = tcase_create("json");
	tcase_add_test(tc, json_escapes_every_position);
	tcase_add_test(tc, json_needs_no_tab_escaping);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
