/*
 * Unit tests for maps/lookup: every socketmap map and every row of the
 * resolution order (design.md "Lookups (socketmap)"), against a store built
 * in a fresh mkdtemp() directory for each test. Table-driven: a case is a
 * map, a key (NUL bytes allowed), the recipient delimiters and the exact
 * answer. Answers are checked after the read snapshot has ended, so a value
 * still pointing into LMDB would not count as copied. Every case runs twice:
 * as above, and as mailmapd reads (a record cache on the reader, snapshots
 * kept while no commit comes, each case asked twice so the second answer
 * comes from the cache).
 */
#include "lookup.h"
#include "record_cache.h"
#include "records.h"
#include "store.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A string literal and its length, NUL bytes included. */
#define K(x) x, sizeof(x) - 1
#define LIST(...)                                                              \
	((struct strlist){sizeof((const char *[]){__VA_ARGS__}) /              \
			      sizeof(const char *),                            \
			  (const char *[]){__VA_ARGS__}})

/* clang-format off */
#define L10 "abcdefghij"
#define L60 L10 L10 L10 L10 L10 L10
#define L63 L60 "abc"
#define L64 L60 "abcd"
#define L65 L60 "abcde"
#define D253 L63 "." L63 "." L63 "." L60 "a"   /* 253 bytes */
/* clang-format on */

static char test_dir[64];
static struct store *test_store;
static struct store_reader *test_reader;
static struct arena test_arena;
static struct record_cache *test_cache; /* the daemon's way, when set */

/* ---- Fixture: a store written like mailmapctl would ------------------ */

static enum store_table table_of(enum record_type type)
{
	switch (type) {
	case REC_DOMAIN:
	case REC_DOMAIN_ALIAS:
		return STORE_DOMAINS;
	case REC_SERVER:
		return STORE_SERVERS;
	default:
		return STORE_ADDRESSES;
	}
}

/* Encodes rec of type; its key is its first member (every rec_ struct). */
static void put(struct store_txn *txn, enum record_type type, const void *rec)
{
	const char *key = *(const char *const *)rec;
	struct codec_buf buf;

	codec_buf_init(&buf);
	record_encode(record_desc_get(type), rec, &buf);
	store_put(txn, table_of(type), key, strlen(key), buf.data, buf.len, 0);
	codec_buf_deinit(&buf);
}

static void put_raw(struct store_txn *txn, enum store_table table,
		    const char *key, const void *value, size_t len)
{
	store_put(txn, table, key, strlen(key), value, len, 0);
}

/* clang-format off */
static void put_domains(struct store_txn *txn)
{
	put(txn, REC_DOMAIN, &(struct rec_domain){
		.name = "example.com", .customer = "acme", .active = true,
		.catchall = "catch@example.com", .catchall_enabled = true,
		.server = "mx1"});
	put(txn, REC_DOMAIN, &(struct rec_domain){
		.name = "nocatch.org", .customer = "acme", .active = true});
	/* catch-alls to an address of ours that is gone, and elsewhere */
	put(txn, REC_DOMAIN, &(struct rec_domain){
		.name = "deadcatch.org", .customer = "acme", .active = true,
		.catchall = "gone@example.com", .catchall_enabled = true});
	put(txn, REC_DOMAIN, &(struct rec_domain){
		.name = "extcatch.org", .customer = "acme", .active = true,
		.catchall = "all@remote.test", .catchall_enabled = true});
	put(txn, REC_DOMAIN, &(struct rec_domain){
		.name = "offcatch.org", .customer = "acme", .active = true,
		.catchall = "off@example.com", .catchall_enabled = true});
	put(txn, REC_DOMAIN, &(struct rec_domain){
		.name = "offlistcatch.org", .customer = "acme", .active = true,
		.catchall = "offlist@example.com", .catchall_enabled = true});
	put(txn, REC_DOMAIN, &(struct rec_domain){
		.name = "sleepcatch.org", .customer = "acme", .active = true,
		.catchall = "user@inactive.com", .catchall_enabled = true});
	put(txn, REC_DOMAIN, &(struct rec_domain){
		.name = "listcatch.org", .customer = "acme", .active = true,
		.catchall = "list@example.com", .catchall_enabled = true});
	put(txn, REC_DOMAIN, &(struct rec_domain){
		.name = "offcatch.net", .customer = "acme", .active = true,
		.catchall = "catch@offcatch.net", .server = "mx1"});
	put(txn, REC_DOMAIN, &(struct rec_domain){
		.name = "inactive.com", .customer = "acme", .active = false,
		.catchall = "catch@inactive.com", .catchall_enabled = true,
		.server = "mx1"});
	put(txn, REC_DOMAIN, &(struct rec_domain){
		.name = "v6.net", .customer = "acme", .active = true,
		.server = "mx6"});
	put(txn, REC_DOMAIN, &(struct rec_domain){
		.name = "xn--bcher-kva.example", .customer = "acme",
		.active = true, .server = "mx2"});
	put(txn, REC_DOMAIN_ALIAS, &(struct rec_domain_alias){
		.name = "alias.org", .target = "example.com", .active = true});
	put(txn, REC_DOMAIN_ALIAS, &(struct rec_domain_alias){
		.name = "alias-off.org", .target = "example.com"});
	put(txn, REC_DOMAIN_ALIAS, &(struct rec_domain_alias){
		.name = "alias-dead.org", .target = "inactive.com",
		.active = true});
	put(txn, REC_DOMAIN_ALIAS, &(struct rec_domain_alias){
		.name = "alias-gone.org", .target = "gone.test", .active = true});
	/* format version 7: unknown to this binary */
	put_raw(txn, STORE_DOMAINS, "corrupt.test", "\x07\x03", 2);
}

static void put_servers(struct store_txn *txn)
{
	put(txn, REC_SERVER, &(struct rec_server){
		.name = "mx1", .host = "mx1.example.net", .roles = ROLE_IMAP,
		.lmtp_port = 24});
	put(txn, REC_SERVER, &(struct rec_server){
		.name = "mx2", .host = "10.0.0.2", .roles = ROLE_IMAP,
		.lmtp_port = 2424});
	put(txn, REC_SERVER, &(struct rec_server){
		.name = "mx6", .host = "2001:db8::1", .roles = ROLE_IMAP,
		.lmtp_port = 24});
	/* no port stored: the default LMTP port */
	put(txn, REC_SERVER, &(struct rec_server){
		.name = "mx0", .host = "mx0.example.net", .roles = ROLE_IMAP});
}

static void put_mailbox(struct store_txn *txn, const char *address,
			bool enabled)
{
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = address, .offer = "acme/basic", .enabled = enabled,
		.login = true, .forward_keep_copy = true});
}

/* A mailbox forwarding to ext@remote.test without a copy, with an
 * auto-reply on or off and its window. */
static void put_vacation(struct store_txn *txn, const char *address, bool on,
			 uint64_t start, uint64_t end)
{
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = address, .offer = "acme/basic", .enabled = true,
		.forward = LIST("ext@remote.test"), .autoreply = on,
		.autoreply_body = "Away.", .autoreply_start = start,
		.autoreply_end = end, .autoreply_interval = 86400});
}

static void put_mailboxes(struct store_txn *txn)
{
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "user@example.com", .offer = "acme/basic",
		.enabled = true, .login = true, .forward_keep_copy = true,
		.extra = LIST("extra@example.com", "elsewhere@nocatch.org")});
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "fwd@example.com", .offer = "acme/basic",
		.enabled = true, .server = "mx2",
		.forward = LIST("ext@remote.test")});
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "fwdcopy@example.com", .offer = "acme/basic",
		.enabled = true, .forward_keep_copy = true,
		.forward = LIST("a@remote.test", "b@remote.test")});
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "custom@example.com", .offer = "acme/basic",
		.enabled = true, .maildir = "custom/dir/"});
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "auto@example.com", .offer = "acme/basic",
		.enabled = true, .forward_keep_copy = true, .autoreply = true,
		.autoreply_subject = "Away", .autoreply_body = "Back soon."});
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "zero@nocatch.org", .offer = "acme/basic",
		.enabled = true, .server = "mx0"});
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "dangling@example.com", .offer = "acme/basic",
		.enabled = true, .server = "gone"});
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "fwdoff@example.com", .offer = "acme/basic",
		.enabled = true, .forward = LIST("off@example.com")});
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "fwdoffcopy@example.com", .offer = "acme/basic",
		.enabled = true, .forward_keep_copy = true,
		.forward = LIST("off@example.com", "ext@remote.test")});
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "ma@example.com", .offer = "acme/basic",
		.enabled = true, .forward = LIST("mb@example.com")});
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "mb@example.com", .offer = "acme/basic",
		.enabled = true, .forward = LIST("ma@example.com")});
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "mc@example.com", .offer = "acme/basic",
		.enabled = true, .forward_keep_copy = true,
		.forward = LIST("lc@example.com")});
	/* a mailbox keeping a copy, met again in an alias-domain spelling:
	 * cleanup does not stop there (its answer does not hold it) */
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "ka@example.com", .offer = "acme/basic",
		.enabled = true, .forward_keep_copy = true,
		.forward = LIST("teamk@example.com")});
	put(txn, REC_MAILBOX, &(struct rec_mailbox){
		.address = "kb@example.com", .offer = "acme/basic",
		.enabled = true, .forward_keep_copy = true,
		.forward = LIST("kb+a@alias.org")});
	/* forwarding without a copy, with an auto-reply: Dovecot gets the
	 * message while the window is open (its script replies, then
	 * discards it), not before or after */
	put_vacation(txn, "vacopen@example.com", true, 0, 0);
	put_vacation(txn, "vacnow@example.com", true, 1000000000, 4102444799);
	put_vacation(txn, "vacpast@example.com", true, 0, 1000000000);
	put_vacation(txn, "vaclater@example.com", true, 4102444800, 0);
	put_vacation(txn, "vacoff@example.com", false, 0, 0);
	put_mailbox(txn, "off@example.com", false);
	put_mailbox(txn, "catch@example.com", true);
	put_mailbox(txn, "first-last@example.com", true);
	put_mailbox(txn, "owner@example.com", true);
	put_mailbox(txn, "j\xc3\xb6rg@example.com", true);
	put_mailbox(txn, "box@nocatch.org", true);
	put_mailbox(txn, "six@v6.net", true);
	put_mailbox(txn, "user@inactive.com", true);
	put_mailbox(txn, "user@xn--bcher-kva.example", true);
}

static void put_extra(struct store_txn *txn, const char *address,
		      const char *mailbox)
{
	put(txn, REC_EXTRA,
	    &(struct rec_extra){.address = address, .mailbox = mailbox});
}

static void put_alias(struct store_txn *txn, const char *address,
		      bool enabled, struct strlist targets)
{
	put(txn, REC_ALIAS, &(struct rec_alias){
		.address = address, .enabled = enabled, .targets = targets});
}

static void put_addresses(struct store_txn *txn)
{
	struct codec_buf buf;

	put_extra(txn, "extra@example.com", "user@example.com");
	put_extra(txn, "elsewhere@nocatch.org", "user@example.com");
	put_extra(txn, "offextra@example.com", "off@example.com");
	put_extra(txn, "orphan@example.com", "gone@example.com");
	put_alias(txn, "list@example.com", true,
		  LIST("user@example.com", "fwd@example.com", "ext@remote.test",
		       "extra@example.com", "nested@example.com"));
	put_alias(txn, "team@example.com", true,
		  LIST("extra@example.com", "user@example.com",
		       "elsewhere@nocatch.org", "x@remote.test",
		       "fwd@example.com"));
	put_alias(txn, "nested@example.com", true, LIST("custom@example.com"));
	put_alias(txn, "offlist@example.com", false, LIST("user@example.com"));
	put_alias(txn, "ext-only@example.com", true,
		  LIST("x@remote.test", "y@remote.test"));
	/* issue 21: targets that take no mail are left out of answers */
	put_alias(txn, "mixed@example.com", true,
		  LIST("user@example.com", "off@example.com", "ext@remote.test",
		       "user@inactive.com", "ghost@nocatch.org",
		       "offlist@example.com", "offextra@example.com",
		       "x@alias-off.org", "user+tag@example.com",
		       "user@alias.org", "orphan@example.com"));
	put_alias(txn, "onlyoff@example.com", true, LIST("off@example.com"));
	put_alias(txn, "outer@example.com", true,
		  LIST("onlyoff@example.com", "offlist@example.com"));
	/* loops (mailmapctl refuses them; older stores may hold some) */
	put_alias(txn, "loopa@example.com", true,
		  LIST("loopb@example.com", "user@example.com"));
	put_alias(txn, "loopb@example.com", true,
		  LIST("loopa@example.com", "custom@example.com"));
	put_alias(txn, "lc@example.com", true, LIST("mc@example.com"));
	put_alias(txn, "teamk@example.com", true, LIST("ka@alias.org"));
	/* field 7 (enabled) with a truncated length */
	put_raw(txn, STORE_ADDRESSES, "broken@example.com", "\x01\x05\x07\x85",
		4);
	/* an integer of 9 bytes: record_decode refuses it */
	put_raw(txn, STORE_ADDRESSES, "badint@example.com",
		"\x01\x05\x07\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09", 13);
	/* a well-formed record of a type that has no place in the table */
	codec_buf_init(&buf);
	record_encode(record_desc_get(REC_SERVER),
		      &(struct rec_server){.name = "x", .host = "h"}, &buf);
	put_raw(txn, STORE_ADDRESSES, "wrongtype@example.com", buf.data,
		buf.len);
	codec_buf_deinit(&buf);
}

/* clang-format on */

static int fixture_body(struct store_txn *txn, void *context)
{
	(void)context;
	put_domains(txn);
	put_servers(txn);
	put_mailboxes(txn);
	put_addresses(txn);
	return 0;
}

static void remove_dir(const char *dir)
{
	char path[512];
	struct dirent *entry;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((entry = readdir(d)) != NULL) {
		if (strcmp(entry->d_name, ".") == 0 ||
		    strcmp(entry->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void write_store(store_write_fn *body)
{
	const char *error = NULL;
	int ret = store_write(test_store, body, NULL, &error);

	ck_assert_msg(ret == STORE_OK, "store_write: %d %s", ret,
		      error != NULL ? error : "");
}

/* An empty store; each test adds what it needs. */
static void setup(void)
{
	struct store_settings settings = {
	    .kind = STORE_ENV_CONFIG,
	    .create = true,
	    .map_size = 1u << 24,
	};
	const char *error = NULL;

	snprintf(test_dir, sizeof(test_dir), "/tmp/mailmap-lookup-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	settings.dir = test_dir;
	ck_assert_int_eq(store_open(&settings, &test_store, &error), STORE_OK);
	ck_assert_int_eq(store_reader_new(test_store, &test_reader, &error),
			 STORE_OK);
	arena_init(&test_arena, 0);
}

static void setup_fixture(void)
{
	setup();
	write_store(fixture_body);
}

/* The fixture read as mailmapd reads it (lookup()). */
static void setup_cached(void)
{
	setup_fixture();
	test_cache = record_cache_new();
	store_reader_set_user(test_reader, test_cache);
}

static void teardown(void)
{
	record_cache_free(&test_cache);
	store_reader_free(&test_reader);
	store_close(&test_store);
	arena_deinit(&test_arena);
	remove_dir(test_dir);
}

/* One lookup in its own snapshot, ended before the answer is checked.
 * With test_cache, the snapshot is the latest one kept (store_read_latest)
 * and the reader's cache serves the shared records. */
static void lookup(const char *map, const char *key, size_t key_len,
		   const char *delimiters, struct lookup_answer *answer)
{
	struct lookup_ctx ctx = {.arena = &test_arena,
				 .delimiters = delimiters};
	const char *error = NULL;

	ck_assert_int_eq(test_cache != NULL
			     ? store_read_latest(test_reader, &ctx.txn, &error)
			     : store_read_begin(test_reader, &ctx.txn, &error),
			 STORE_OK);
	lookup_socketmap(&ctx, map, strlen(map), key, key_len, answer);
	store_read_end(test_reader);
}

static const char *status_name(enum lookup_status status)
{
	static const char *const names[] = {"FOUND", "NOTFOUND", "TEMPFAIL",
					    "PERMFAIL"};
	return names[status];
}

/* Asserts an exact answer: status, value (NULL for NOTFOUND) and len. */
static void check_answer(const char *what, const struct lookup_answer *got,
			 enum lookup_status status, const char *value)
{
	ck_assert_msg(got->status == status, "%s: got %s (%s), want %s", what,
		      status_name(got->status),
		      got->value != NULL ? got->value : "-",
		      status_name(status));
	if (value == NULL) {
		ck_assert_msg(got->value == NULL && got->len == 0,
			      "%s: unexpected value", what);
		return;
	}
	ck_assert_msg(got->value != NULL && strcmp(got->value, value) == 0,
		      "%s: got \"%s\", want \"%s\"", what,
		      got->value != NULL ? got->value : "(null)", value);
	ck_assert_uint_eq(got->len, strlen(value));
	ck_assert_uint_gt(got->len, 0);
	ck_assert_uint_le(got->len, LOOKUP_DATA_MAX);
}

/* ---- The table ----------------------------------------------------- */

struct lookup_case {
	const char *map;
	const char *key;
	size_t key_len;
	const char *delimiters; /* NULL = "+" */
	enum lookup_status status;
	const char *value; /* value or reason; NULL for NOTFOUND */
};

#define FOUND	 LOOKUP_FOUND
#define NOTFOUND LOOKUP_NOTFOUND
#define TEMPFAIL LOOKUP_TEMPFAIL
#define PERMFAIL LOOKUP_PERMFAIL

#define LMTP1 "lmtp:inet:mx1.example.net:24"
#define LIST_TARGETS                                                           \
	"user@example.com,fwd@example.com,ext@remote.test,"                    \
	"extra@example.com,nested@example.com"

/* clang-format off */
static const struct lookup_case cases[] = {
	/* domains: active primary domains, by their normalised name */
	{ "domains", K("example.com"), NULL, FOUND, "example.com" },
	{ "domains", K("EXAMPLE.Com"), NULL, FOUND, "example.com" },
	{ "domains", K("example.com."), NULL, FOUND, "example.com" },
	{ "domains", K("B\xc3\xbc" "cher.example"), NULL, FOUND,
	  "xn--bcher-kva.example" },
	{ "domains", K("alias.org"), NULL, NOTFOUND, NULL },
	{ "domains", K("inactive.com"), NULL, NOTFOUND, NULL },
	{ "domains", K("unknown.test"), NULL, NOTFOUND, NULL },
	{ "domains", K("user@example.com"), NULL, NOTFOUND, NULL },
	{ "domains", K(""), NULL, NOTFOUND, NULL },
	{ "domains", K("corrupt.test"), NULL, TEMPFAIL, "corrupt record" },

	/* alias_domains: active alias domain with an active target */
	{ "alias_domains", K("alias.org"), NULL, FOUND, "example.com" },
	{ "alias_domains", K("ALIAS.Org"), NULL, FOUND, "example.com" },
	{ "alias_domains", K("alias-off.org"), NULL, NOTFOUND, NULL },
	{ "alias_domains", K("alias-dead.org"), NULL, NOTFOUND, NULL },
	{ "alias_domains", K("alias-gone.org"), NULL, NOTFOUND, NULL },
	{ "alias_domains", K("example.com"), NULL, NOTFOUND, NULL },
	{ "alias_domains", K("unknown.test"), NULL, NOTFOUND, NULL },

	/* mailboxes: enabled mailboxes, steps 1-2 */
	{ "mailboxes", K("user@example.com"), NULL, FOUND, "example.com/user/" },
	{ "mailboxes", K("User@EXAMPLE.com"), NULL, FOUND, "example.com/user/" },
	{ "mailboxes", K("user+tag@example.com"), NULL, FOUND,
	  "example.com/user/" },
	{ "mailboxes", K("user+a+b@example.com"), NULL, FOUND,
	  "example.com/user/" },
	{ "mailboxes", K("user+tag@example.com"), "", NOTFOUND, NULL },
	{ "mailboxes", K("user-tag@example.com"), NULL, NOTFOUND, NULL },
	{ "mailboxes", K("user-tag@example.com"), "+-", FOUND,
	  "example.com/user/" },
	{ "mailboxes", K("user+tag@example.com"), "+-", FOUND,
	  "example.com/user/" },
	{ "mailboxes", K("first-last@example.com"), "+-", FOUND,
	  "example.com/first-last/" },
	{ "mailboxes", K("owner-x@example.com"), "+-", NOTFOUND, NULL },
	{ "mailboxes", K("custom@example.com"), NULL, FOUND, "custom/dir/" },
	{ "mailboxes", K("j\xc3\xb6rg@example.com"), NULL, FOUND,
	  "example.com/j\xc3\xb6rg/" },
	{ "mailboxes", K("J\xc3\x96RG@example.com"), NULL, NOTFOUND, NULL },
	{ "mailboxes", K("USER@B\xc3\x9c" "CHER.example"), NULL, FOUND,
	  "xn--bcher-kva.example/user/" },
	{ "mailboxes", K("off@example.com"), NULL, NOTFOUND, NULL },
	{ "mailboxes", K("extra@example.com"), NULL, NOTFOUND, NULL },
	{ "mailboxes", K("list@example.com"), NULL, NOTFOUND, NULL },
	{ "mailboxes", K("user@alias.org"), NULL, NOTFOUND, NULL },
	{ "mailboxes", K("user@inactive.com"), NULL, NOTFOUND, NULL },
	{ "mailboxes", K("nobody@example.com"), NULL, NOTFOUND, NULL },
	{ "mailboxes", K("example.com"), NULL, NOTFOUND, NULL },

	/* aliases: mailboxes map to themselves */
	{ "aliases", K("user@example.com"), NULL, FOUND, "user@example.com" },
	{ "aliases", K("USER@Example.COM"), NULL, FOUND, "user@example.com" },
	/* the extension comes back on the mailbox (Sieve sees the tag) */
	{ "aliases", K("user+tag@example.com"), NULL, FOUND,
	  "user+tag@example.com" },
	{ "aliases", K("user-tag@example.com"), "+-", FOUND,
	  "user-tag@example.com" },
	{ "aliases", K("user+a+b@example.com"), NULL, FOUND,
	  "user+a+b@example.com" },
	{ "aliases", K("first-last@example.com"), "+-", FOUND,
	  "first-last@example.com" },
	{ "aliases", K("auto@example.com"), NULL, FOUND, "auto@example.com" },
	/* forwarding without and with a local copy */
	{ "aliases", K("fwd@example.com"), NULL, FOUND, "ext@remote.test" },
	{ "aliases", K("fwd+x@example.com"), NULL, FOUND, "ext@remote.test" },
	{ "aliases", K("vacopen@example.com"), NULL, FOUND,
	  "vacopen@example.com,ext@remote.test" },
	{ "aliases", K("vacnow+x@example.com"), NULL, FOUND,
	  "vacnow+x@example.com,ext@remote.test" },
	{ "aliases", K("vacpast@example.com"), NULL, FOUND, "ext@remote.test" },
	{ "aliases", K("vaclater@example.com"), NULL, FOUND, "ext@remote.test" },
	{ "aliases", K("vacoff@example.com"), NULL, FOUND, "ext@remote.test" },
	{ "mailboxes", K("vacopen@example.com"), NULL, FOUND,
	  "example.com/vacopen/" },
	{ "aliases", K("fwdcopy@example.com"), NULL, FOUND,
	  "fwdcopy@example.com,a@remote.test,b@remote.test" },
	/* extra addresses: their mailbox, if it receives mail */
	{ "aliases", K("extra@example.com"), NULL, FOUND, "user@example.com" },
	{ "aliases", K("Extra+x@example.com"), NULL, FOUND,
	  "user+x@example.com" },
	{ "aliases", K("elsewhere@nocatch.org"), NULL, FOUND,
	  "user@example.com" },
	{ "aliases", K("offextra@example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("orphan@example.com"), NULL, NOTFOUND, NULL },
	/* lists: targets, nested lists left to cleanup */
	{ "aliases", K("list@example.com"), NULL, FOUND, LIST_TARGETS },
	{ "aliases", K("List+Tag@Alias.ORG"), NULL, FOUND, LIST_TARGETS },
	{ "aliases", K("nested@example.com"), NULL, FOUND,
	  "custom@example.com" },
	{ "aliases", K("offlist@example.com"), NULL, NOTFOUND, NULL },
	/* targets that take no mail are left out; none left: NOTFOUND */
	{ "aliases", K("mixed@example.com"), NULL, FOUND,
	  "user@example.com,ext@remote.test,user+tag@example.com,"
	  "user@alias.org" },
	{ "aliases", K("onlyoff@example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("outer@example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("fwdoff@example.com"), NULL, FOUND,
	  "fwdoff@example.com" },
	{ "aliases", K("fwdoff+x@example.com"), NULL, FOUND,
	  "fwdoff+x@example.com" },
	{ "aliases", K("fwdoffcopy@example.com"), NULL, FOUND,
	  "fwdoffcopy@example.com,ext@remote.test" },
	/* a target that leads back is left out; a mailbox keeping its
	 * mail ends a loop (cleanup's been_here) */
	{ "aliases", K("loopa@example.com"), NULL, FOUND, "user@example.com" },
	{ "aliases", K("loopb@example.com"), NULL, FOUND,
	  "custom@example.com" },
	{ "aliases", K("ma@example.com"), NULL, FOUND, "ma@example.com" },
	{ "aliases", K("mb@example.com"), NULL, FOUND, "mb@example.com" },
	{ "aliases", K("mc@example.com"), NULL, FOUND,
	  "mc@example.com,lc@example.com" },
	{ "aliases", K("lc@example.com"), NULL, FOUND, "mc@example.com" },
	{ "aliases", K("ka@example.com"), NULL, FOUND, "ka@example.com" },
	{ "aliases", K("teamk@example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("kb@example.com"), NULL, FOUND, "kb@example.com" },
	{ "aliases", K("kb+a@alias.org"), NULL, FOUND, "kb+a@example.com" },
	/* alias domains rewrite only to existing addresses */
	{ "aliases", K("user@alias.org"), NULL, FOUND, "user@example.com" },
	{ "aliases", K("User+Tag@ALIAS.org"), NULL, FOUND,
	  "user+tag@example.com" },
	{ "aliases", K("extra@alias.org"), NULL, FOUND, "user@example.com" },
	{ "aliases", K("user@alias-off.org"), NULL, NOTFOUND, NULL },
	{ "aliases", K("user@alias-dead.org"), NULL, NOTFOUND, NULL },
	{ "aliases", K("user@alias-gone.org"), NULL, NOTFOUND, NULL },
	/* catch-all: only when nothing exists */
	{ "aliases", K("nobody@example.com"), NULL, FOUND, "catch@example.com" },
	{ "aliases", K("Nobody+x@EXAMPLE.com"), NULL, FOUND,
	  "catch@example.com" },
	{ "aliases", K("owner-x@example.com"), "+-", FOUND,
	  "catch@example.com" },
	{ "aliases", K("nobody@alias.org"), NULL, FOUND, "catch@example.com" },
	{ "aliases", K("off@example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("nobody@offcatch.net"), NULL, NOTFOUND, NULL },
	{ "aliases", K("nobody@nocatch.org"), NULL, NOTFOUND, NULL },
	{ "aliases", K("nobody@deadcatch.org"), NULL, NOTFOUND, NULL },
	{ "aliases", K("nobody@extcatch.org"), NULL, FOUND, "all@remote.test" },
	{ "aliases", K("nobody@offcatch.org"), NULL, NOTFOUND, NULL },
	{ "aliases", K("nobody@offlistcatch.org"), NULL, NOTFOUND, NULL },
	{ "aliases", K("nobody@sleepcatch.org"), NULL, NOTFOUND, NULL },
	{ "aliases", K("nobody@listcatch.org"), NULL, FOUND, "list@example.com" },
	{ "aliases", K("user@inactive.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("nobody@inactive.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("nobody@unknown.test"), NULL, NOTFOUND, NULL },
	/* keys that are not addresses */
	{ "aliases", K("example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("@example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("user@"), NULL, NOTFOUND, NULL },
	{ "aliases", K(""), NULL, NOTFOUND, NULL },
	{ "aliases", K("user\0@example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("user@example.com\0"), NULL, NOTFOUND, NULL },
	{ "aliases", K("\xff\xfe@example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("us\xc3(r@example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("user@ex\xff" "ample.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K(L65 "@example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("nobody+" L60 "@example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K("user+" L60 "@example.com"), NULL, NOTFOUND, NULL },
	{ "mailboxes", K("user+" L60 "@example.com"), NULL, NOTFOUND, NULL },
	{ "aliases", K(L64 "@" D253), NULL, NOTFOUND, NULL },      /* 318 */
	{ "aliases", K(L64 "@" D253 "a"), NULL, NOTFOUND, NULL },  /* 319 */
	/* store trouble is never NOTFOUND */
	{ "aliases", K("broken@example.com"), NULL, TEMPFAIL, "corrupt record" },
	{ "aliases", K("badint@example.com"), NULL, TEMPFAIL, "corrupt record" },
	{ "aliases", K("wrongtype@example.com"), NULL, TEMPFAIL,
	  "corrupt record" },
	{ "aliases", K("x@corrupt.test"), NULL, TEMPFAIL, "corrupt record" },

	/* senders: who may use an address */
	{ "senders", K("user@example.com"), NULL, FOUND, "user@example.com" },
	{ "senders", K("USER+tag@example.com"), NULL, FOUND,
	  "user@example.com" },
	{ "senders", K("user@alias.org"), NULL, FOUND, "user@example.com" },
	{ "senders", K("extra@example.com"), NULL, FOUND, "user@example.com" },
	{ "senders", K("elsewhere@nocatch.org"), NULL, FOUND,
	  "user@example.com" },
	{ "senders", K("off@example.com"), NULL, FOUND, "off@example.com" },
	{ "senders", K("list@example.com"), NULL, FOUND,
	  "user@example.com,fwd@example.com" },
	{ "senders", K("team@example.com"), NULL, FOUND,
	  "user@example.com,fwd@example.com" },
	{ "senders", K("offlist@example.com"), NULL, FOUND,
	  "user@example.com" },
	{ "senders", K("ext-only@example.com"), NULL, NOTFOUND, NULL },
	{ "senders", K("nobody@example.com"), NULL, NOTFOUND, NULL },
	{ "senders", K("ext@remote.test"), NULL, NOTFOUND, NULL },
	/* ownership whatever the domain's state (a suspended customer's
	 * addresses are not free for unauthenticated senders) */
	{ "senders", K("user@inactive.com"), NULL, FOUND, "user@inactive.com" },
	{ "senders", K("user@alias-off.org"), NULL, FOUND, "user@example.com" },
	{ "senders", K("user@alias-dead.org"), NULL, FOUND,
	  "user@inactive.com" },
	{ "senders", K("nobody@inactive.com"), NULL, NOTFOUND, NULL },
	{ "senders", K("example.com"), NULL, NOTFOUND, NULL },
	{ "senders", K("broken@example.com"), NULL, TEMPFAIL, "corrupt record" },

	/* transport: mailbox server, else the domain's default server */
	{ "transport", K("user@example.com"), NULL, FOUND, LMTP1 },
	{ "transport", K("User+x@Example.COM"), NULL, FOUND, LMTP1 },
	{ "transport", K("user@alias.org"), NULL, FOUND, LMTP1 },
	{ "transport", K("fwd@example.com"), NULL, FOUND,
	  "lmtp:inet:10.0.0.2:2424" },
	{ "transport", K("six@v6.net"), NULL, FOUND,
	  "lmtp:inet:[2001:db8::1]:24" },
	{ "transport", K("user@B\xc3\xbc" "cher.example"), NULL, FOUND,
	  "lmtp:inet:10.0.0.2:2424" },
	{ "transport", K("extra@example.com"), NULL, FOUND, LMTP1 },
	{ "transport", K("elsewhere@nocatch.org"), NULL, FOUND, LMTP1 },
	{ "transport", K("zero@nocatch.org"), NULL, FOUND,
	  "lmtp:inet:mx0.example.net:24" },
	{ "transport", K("box@nocatch.org"), NULL, NOTFOUND, NULL },
	{ "transport", K("list@example.com"), NULL, NOTFOUND, NULL },
	{ "transport", K("off@example.com"), NULL, NOTFOUND, NULL },
	{ "transport", K("offextra@example.com"), NULL, NOTFOUND, NULL },
	{ "transport", K("nobody@example.com"), NULL, NOTFOUND, NULL },
	{ "transport", K("user@inactive.com"), NULL, NOTFOUND, NULL },
	{ "transport", K("sender@remote.test"), NULL, NOTFOUND, NULL },
	{ "transport", K("*"), NULL, NOTFOUND, NULL },
	{ "transport", K("example.com"), NULL, NOTFOUND, NULL },
	{ "transport", K("dangling@example.com"), NULL, TEMPFAIL,
	  "unknown mail server" },

	/* map names are exact */
	{ "virtual", K("user@example.com"), NULL, PERMFAIL,
	  "unknown map virtual" },
	{ "Aliases", K("user@example.com"), NULL, PERMFAIL,
	  "unknown map Aliases" },
	{ "alias", K("user@example.com"), NULL, PERMFAIL, "unknown map alias" },
	{ "aliasesx", K("user@example.com"), NULL, PERMFAIL,
	  "unknown map aliasesx" },
	{ "", K("user@example.com"), NULL, PERMFAIL, "unknown map " },
	{ "a\tb\xc3\xa9", K("x"), NULL, PERMFAIL, "unknown map a?b??" },
	{ L65, K("x"), NULL, PERMFAIL, "unknown map " L64 "..." },
};
/* clang-format on */

START_TEST(test_case)
{
	const struct lookup_case *c = &cases[_i];
	struct lookup_answer answer;
	char what[512];

	snprintf(what, sizeof(what), "case %d: %s \"%.*s\"", _i, c->map,
		 (int)c->key_len, c->key);
	for (int round = 0; round < (test_cache != NULL ? 2 : 1); round++) {
		lookup(c->map, c->key, c->key_len,
		       c->delimiters != NULL ? c->delimiters : "+", &answer);
		check_answer(what, &answer, c->status, c->value);
	}
}
END_TEST

static int deactivate_example_com(struct store_txn *txn, void *context)
{
	(void)context;
	put(txn, REC_DOMAIN,
	    &(struct rec_domain){
		.name = "example.com", .customer = "acme", .active = false});
	put(txn, REC_DOMAIN,
	    &(struct rec_domain){
		.name = "new.org", .customer = "acme", .active = true});
	return 0;
}

/* A domain cached while a snapshot is kept open, and a domain cached as
 * absent: a commit in between is seen by the next lookup, on the domains
 * and on an address under one. */
START_TEST(test_cache_follows_commits)
{
	struct lookup_ctx ctx = {.arena = &test_arena, .delimiters = "+"};
	struct lookup_answer answer;
	const char *error = NULL;
	uint64_t first;

	ck_assert_int_eq(store_read_latest(test_reader, &ctx.txn, &error),
			 STORE_OK);
	first = store_txn_snapshot(ctx.txn);
	lookup_socketmap(&ctx, K("domains"), K("example.com"), &answer);
	check_answer("before", &answer, LOOKUP_FOUND, "example.com");
	lookup_socketmap(&ctx, K("domains"), K("new.org"), &answer);
	check_answer("absent before", &answer, LOOKUP_NOTFOUND, NULL);
	/* No commit: the same transaction, and the cached domain. */
	ck_assert_int_eq(store_read_latest(test_reader, &ctx.txn, &error),
			 STORE_OK);
	ck_assert_uint_eq(store_txn_snapshot(ctx.txn), first);
	lookup_socketmap(&ctx, K("domains"), K("example.com"), &answer);
	check_answer("again", &answer, LOOKUP_FOUND, "example.com");
	lookup_socketmap(&ctx, K("domains"), K("new.org"), &answer);
	check_answer("absent again", &answer, LOOKUP_NOTFOUND, NULL);
	write_store(deactivate_example_com);
	ck_assert_int_eq(store_read_latest(test_reader, &ctx.txn, &error),
			 STORE_OK);
	ck_assert_uint_ne(store_txn_snapshot(ctx.txn), first);
	lookup_socketmap(&ctx, K("domains"), K("example.com"), &answer);
	check_answer("after", &answer, LOOKUP_NOTFOUND, NULL);
	lookup_socketmap(&ctx, K("domains"), K("new.org"), &answer);
	check_answer("added after", &answer, LOOKUP_FOUND, "new.org");
	lookup_socketmap(&ctx, K("mailboxes"), K("user@example.com"), &answer);
	check_answer("mailbox after", &answer, LOOKUP_NOTFOUND, NULL);
	store_read_end(test_reader);
}
END_TEST

/* ---- Other tests ----------------------------------------------------- */

START_TEST(test_map_names)
{
	static const char *const want[] = {"domains",	"alias_domains",
					   "mailboxes", "aliases",
					   "senders",	"transport"};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_str_eq(lookup_map_names[i], want[i]);
	ck_assert_ptr_null(lookup_map_names[i]);
}
END_TEST

/* A failed read (sticky error on the snapshot) is TEMPFAIL in every map,
 * whatever the store would have answered. */
START_TEST(test_read_failure)
{
	static const int failures[] = {STORE_TEMPFAIL, STORE_PERMFAIL};
	struct lookup_ctx ctx = {.arena = &test_arena, .delimiters = "+"};
	struct lookup_answer answer;
	const char *error = NULL;

	for (size_t f = 0; f < 2; f++) {
		for (size_t m = 0; lookup_map_names[m] != NULL; m++) {
			const char *map = lookup_map_names[m];
			const char *key =
			    m < 2 ? "example.com" : "user@example.com";
			ck_assert_int_eq(
			    store_read_begin(test_reader, &ctx.txn, &error),
			    STORE_OK);
			store_txn_fail(ctx.txn, failures[f], "simulated");
			lookup_socketmap(&ctx, map, strlen(map), key,
					 strlen(key), &answer);
			store_read_end(test_reader);
			check_answer(map, &answer, LOOKUP_TEMPFAIL,
				     "store read failed");
		}
	}
}
END_TEST

/* An empty store answers NOTFOUND everywhere. */
START_TEST(test_empty_store)
{
	struct lookup_answer answer;

	for (size_t m = 0; lookup_map_names[m] != NULL; m++) {
		lookup(lookup_map_names[m], K("example.com"), "+", &answer);
		check_answer(lookup_map_names[m], &answer, LOOKUP_NOTFOUND,
			     NULL);
		lookup(lookup_map_names[m], K("user@example.com"), "+",
		       &answer);
		check_answer(lookup_map_names[m], &answer, LOOKUP_NOTFOUND,
			     NULL);
	}
}
END_TEST

/* The domain of a target: a's with a dot every 50 (labels stay under
 * 64 bytes), then ".test"; len bytes from at. */
static void fill_domain(char *at, size_t len)
{
	size_t labels = len - 5;

	for (size_t p = 0; p < labels; p++)
		at[p] = p % 50 == 49 && p + 1 != labels ? '.' : 'a';
	memcpy(at + labels, ".test", 6);
}

/* A list of valid addresses elsewhere whose targets join into exactly
 * total bytes: items of 100 bytes ("t00000@aa..."), then one of 8 to 108
 * ("z@aa...test"). Free it with free_targets(). */
static void make_targets(size_t total, struct strlist *list)
{
	size_t n = (total - 8) / 101, rest = total - n * 101;
	const char **items = calloc(n + 1, sizeof(*items));

	ck_assert_uint_ge(rest, 8);
	for (size_t i = 0; i <= n; i++) {
		size_t len = i < n ? 100 : rest;
		char *item = malloc(len + 1);
		int head = i < n ? snprintf(item, len + 1, "t%05zu@", i)
				 : snprintf(item, len + 1, "z@");
		fill_domain(item + head, len - (size_t)head);
		items[i] = item;
	}
	list->count = n + 1;
	list->items = items;
}

static void free_targets(struct strlist *list)
{
	for (size_t i = 0; i < list->count; i++)
		free((char *)list->items[i]);
	free(list->items);
}

static int big_lists_body(struct store_txn *txn, void *context)
{
	struct strlist fits, too_long;

	(void)context;
	put_domains(txn);
	make_targets(LOOKUP_DATA_MAX, &fits);
	make_targets(LOOKUP_DATA_MAX + 1, &too_long);
	put_alias(txn, "big@example.com", true, fits);
	put_alias(txn, "bigger@example.com", true, too_long);
	free_targets(&fits);
	free_targets(&too_long);
	return 0;
}

START_TEST(test_answer_limit)
{
	struct lookup_answer answer;

	write_store(big_lists_body);
	lookup("aliases", K("big@example.com"), "+", &answer);
	ck_assert_int_eq(answer.status, LOOKUP_FOUND);
	ck_assert_uint_eq(answer.len, LOOKUP_DATA_MAX);
	ck_assert_uint_eq(strlen(answer.value), LOOKUP_DATA_MAX);
	ck_assert(strncmp(answer.value, "t00000@aaa", 10) == 0);
	ck_assert(strncmp(strrchr(answer.value, ',') + 1, "z@a", 3) == 0);
	arena_reset(&test_arena);
	lookup("aliases", K("bigger@example.com"), "+", &answer);
	check_answer("bigger", &answer, LOOKUP_TEMPFAIL, "answer too long");
	/* none of the targets is ours: senders reads them all, finds none */
	lookup("senders", K("big@example.com"), "+", &answer);
	check_answer("senders big", &answer, LOOKUP_NOTFOUND, NULL);
}
END_TEST

static Suite *lookup_suite(void)
{
	Suite *s = suite_create("lookup");
	TCase *tc = tcase_create("maps");
	TCase *other = tcase_create("other");
	TCase *cached = tcase_create("cached");

	tcase_add_checked_fixture(tc, setup_fixture, teardown);
	tcase_add_loop_test(tc, test_case, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_map_names);
	tcase_add_test(tc, test_read_failure);
	tcase_add_checked_fixture(cached, setup_cached, teardown);
	tcase_add_loop_test(cached, test_case, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(cached, test_cache_follows_commits);
	tcase_add_checked_fixture(other, setup, teardown);
	tcase_add_test(other, test_empty_store);
	tcase_add_test(other, test_answer_limit);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, other);
	suite_add_tcase(s, cached);
	return s;
}

int main(void)
{
	return tu_run_suite(lookup_suite());
}
