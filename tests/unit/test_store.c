/*
 * store: environments, schema version, write transactions (generation,
 * sticky error, abort, map growth, the writer lock), key limits, read
 * snapshots, and the DUPSORT refs table through refs.c. Every test runs on
 * a fresh temporary environment that it removes.
 */
#include <check.h>
#include <errno.h>
#include <lmdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "refs.h"
#include "store.h"
#include "testutil.h"

static char *tmp;  /* the test's directory */
static char *path; /* the environment inside it */

static void setup(void)
{
	tmp = tu_tmpdir();
	if (asprintf(&path, "%s/var/config", tmp) < 0)
		abort();
}

static void teardown(void)
{
	free(path);
	tu_rmtree(tmp);
}

static int open_store(const char *dir, bool create, uint64_t map_size,
		      unsigned lock_wait_ms, struct store **store_r,
		      const char **error_r)
{
	struct store_settings settings = {
	    .dir = dir,
	    .kind = STORE_ENV_CONFIG,
	    .map_size = map_size,
	    .create = create,
	    .lock_wait_ms = lock_wait_ms,
	};

	*error_r = NULL;
	return store_open(&settings, store_r, error_r);
}

static struct store *must_open(bool create)
{
	struct store *store = NULL;
	const char *error;
	int ret = open_store(path, create, 0, 0, &store, &error);

	ck_assert_msg(ret == STORE_OK, "store_open: %d %s", ret, error);
	ck_assert_ptr_nonnull(store);
	return store;
}

/* Write bodies */

struct kv {
	enum store_table table;
	const char *key;
	const char *value;
	unsigned flags;
	int body_ret; /* what the body returns */
	int put_ret;  /* what store_put returned */
	int calls;
};

static int body_put(struct store_txn *txn, void *context)
{
	struct kv *kv = context;

	kv->calls++;
	kv->put_ret = store_put(txn, kv->table, kv->key, strlen(kv->key),
				kv->value, strlen(kv->value), kv->flags);
	return kv->body_ret;
}

static int put(struct store *store, const char *key, const char *value)
{
	struct kv kv = {STORE_CUSTOMERS, key, value, 0, 0, 0, 0};
	const char *error = NULL;
	int ret = store_write(store, body_put, &kv, &error);

	ck_assert_msg(ret == STORE_OK, "put %s: %d %s", key, ret, error);
	ck_assert_int_eq(kv.put_ret, STORE_OK);
	return ret;
}

/* Reads one key in a fresh snapshot: a malloc'ed copy, or NULL. */
static char *get(struct store *store, enum store_table table, const char *key,
		 size_t *len_r)
{
	struct store_reader *reader;
	struct store_txn *txn;
	struct store_val val;
	const char *error;
	char *copy = NULL;

	ck_assert_int_eq(store_reader_new(store, &reader, &error), STORE_OK);
	ck_assert_int_eq(store_read_begin(reader, &txn, &error), STORE_OK);
	int ret = store_get(txn, table, key, strlen(key), &val);
	ck_assert(ret == STORE_OK || ret == STORE_NOTFOUND);
	if (ret == STORE_OK) {
		copy = malloc(val.len + 1);
		memcpy(copy, val.data, val.len);
		copy[val.len] = '\0';
		if (len_r != NULL)
			*len_r = val.len;
	}
	store_read_end(reader);
	store_reader_free(&reader);
	ck_assert_ptr_null(reader);
	return copy;
}

static uint64_t generation(struct store *store)
{
	struct store_reader *reader;
	struct store_txn *txn;
	const char *error;

	ck_assert_int_eq(store_reader_new(store, &reader, &error), STORE_OK);
	ck_assert_int_eq(store_read_begin(reader, &txn, &error), STORE_OK);
	uint64_t gen = store_generation(txn);
	store_read_end(reader);
	store_reader_free(&reader);
	return gen;
}

static void assert_contains(const char *haystack, const char *needle)
{
	ck_assert_msg(haystack != NULL && strstr(haystack, needle) != NULL,
		      "\"%s\" does not contain \"%s\"",
		      haystack != NULL ? haystack : "(null)", needle);
}

/* Opening */

START_TEST(create_then_reopen)
{
	struct store *store = must_open(true);
	size_t len = 0;

	ck_assert_str_eq(store_dir(store), path);
	ck_assert_uint_ge(store_max_key(store), 256);
	ck_assert_uint_eq(generation(store), 0);
	char *schema = get(store, STORE_META, STORE_META_SCHEMA, &len);
	ck_assert_ptr_nonnull(schema);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(memcmp(schema, "\x00\x00\x00\x01", 4), 0);
	free(schema);
	put(store, "acme", "v1");
	store_close(&store);
	ck_assert_ptr_null(store);
	store_close(&store); /* closing NULL is harmless */

	store = must_open(false);
	char *value = get(store, STORE_CUSTOMERS, "acme", NULL);
	ck_assert_str_eq(value, "v1");
	free(value);
	ck_assert_uint_eq(generation(store), 1);
	store_close(&store);

	/* create=true on an existing store keeps its data */
	store = must_open(true);
	value = get(store, STORE_CUSTOMERS, "acme", NULL);
	ck_assert_str_eq(value, "v1");
	free(value);
	store_close(&store);
}
END_TEST

START_TEST(missing_dir_is_refused)
{
	struct store *store = NULL;
	const char *error;
	char *missing;

	if (asprintf(&missing, "%s/does/not/exist", tmp) < 0)
		abort();
	int ret = open_store(missing, false, 0, 0, &store, &error);
	ck_assert_int_ne(ret, STORE_OK);
	ck_assert(ret < 0);
	ck_assert_ptr_null(store);
	assert_contains(error, "cannot open store");
	assert_contains(error, missing);
	assert_contains(error, strerror(ENOENT));
	free(missing);
}
END_TEST

START_TEST(empty_dir_is_not_a_store)
{
	struct store *store = NULL;
	const char *error;

	char *parent;
	if (asprintf(&parent, "%s/var", tmp) < 0)
		abort();
	ck_assert_int_eq(mkdir(parent, 0700), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(parent);
	int ret = open_store(path, false, 0, 0, &store, &error);
	ck_assert_int_eq(ret, STORE_PERMFAIL);
	ck_assert_ptr_null(store);
	assert_contains(error, "is not initialised (table meta missing)");
}
END_TEST

/* Writes meta/schema_version with raw LMDB: value[0..len), or deletes it
 * when value is NULL. */
static void raw_schema(const char *dir, const void *value, size_t len)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val key = {strlen("schema_version"), (void *)"schema_version"};
	MDB_val val = {len, (void *)value};

	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_set_maxdbs(env, 16), 0);
	ck_assert_int_eq(mdb_env_open(env, dir, 0, 0600), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	if (value != NULL)
		ck_assert_int_eq(mdb_put(txn, dbi, &key, &val, 0), 0);
	else
		ck_assert_int_eq(mdb_del(txn, dbi, &key, NULL), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

struct schema_case {
	const char *value;
	size_t len;
	const char *want; /* in the message; NULL: accepted */
};

static const struct schema_case schema_cases[] = {
    {"\x00\x00\x00\x02", 4, "schema version 2, newer than this mailmap (1)"},
    {"\xff\xff\xff\xff", 4,
     "schema version 4294967295, newer than this mailmap"},
    {"\x00\x00\x00\x00", 4, "schema version 0, older than this mailmap (1)"},
    {"\x00\x00\x01", 3, "older than this mailmap"},
    {"\x00\x00\x00\x00\x01", 5, "older than this mailmap"},
    {"\x00\x00\x00\x01", 4, NULL},
};

START_TEST(schema_version_checked)
{
	const struct schema_case *c = &schema_cases[_i];
	struct store *store = must_open(true);
	const char *error = NULL;

	store_close(&store);
	raw_schema(path, c->value, c->len);
	for (int create = 0; create < 2; create++) {
		int ret = open_store(path, create, 0, 0, &store, &error);
		if (c->want == NULL) {
			ck_assert_msg(ret == STORE_OK, "%s", error);
			store_close(&store);
			continue;
		}
		ck_assert_int_eq(ret, STORE_PERMFAIL);
		ck_assert_ptr_null(store);
		assert_contains(error, c->want);
		assert_contains(error, path);
	}
}
END_TEST

START_TEST(schema_version_missing)
{
	struct store *store = must_open(true);
	const char *error = NULL;

	store_close(&store);
	raw_schema(path, NULL, 0);
	ck_assert_int_eq(open_store(path, false, 0, 0, &store, &error),
			 STORE_PERMFAIL);
	assert_contains(error, "cannot read the schema version");
}
END_TEST

/* Transactions */

START_TEST(generation_counts_commits)
{
	struct store *store = must_open(true);
	const char *error = NULL;

	ck_assert_uint_eq(generation(store), 0);
	put(store, "a", "1");
	ck_assert_uint_eq(generation(store), 1);
	put(store, "b", "2");
	put(store, "a", "3");
	ck_assert_uint_eq(generation(store), 3);

	/* an aborted body: nothing written, no new generation */
	struct kv kv = {STORE_CUSTOMERS, "c", "4", 0, -1, 0, 0};
	ck_assert_int_eq(store_write(store, body_put, &kv, &error),
			 STORE_ABORTED);
	ck_assert_int_eq(kv.calls, 1);
	ck_assert_int_eq(kv.put_ret, STORE_OK);
	ck_assert_uint_eq(generation(store), 3);
	ck_assert_ptr_null(get(store, STORE_CUSTOMERS, "c", NULL));
	char *a = get(store, STORE_CUSTOMERS, "a", NULL);
	ck_assert_str_eq(a, "3");
	free(a);

	/* the state environment counts its own commits too */
	char *state_dir;
	if (asprintf(&state_dir, "%s/var/state", tmp) < 0)
		abort();
	struct store_settings settings = {.dir = state_dir,
					  .kind = STORE_ENV_STATE,
					  .create = true,
					  .nosync = true};
	struct store *state;
	ck_assert_int_eq(store_open(&settings, &state, &error), STORE_OK);
	free(state_dir);
	struct kv q = {STORE_QUOTA, "a@x.org", "1", 0, 0, 0, 0};
	ck_assert_int_eq(store_write(state, body_put, &q, &error), STORE_OK);
	ck_assert_uint_eq(generation(state), 1);
	store_close(&state);
	store_close(&store);
}
END_TEST

struct sticky {
	int fail_ret, put_ret, get_ret, del_ret, body_ret;
	bool failed;
	char error[256];
};

static int body_sticky(struct store_txn *txn, void *context)
{
	struct sticky *s = context;
	struct store_val val;

	ck_assert_int_eq(
	    store_put(txn, STORE_CUSTOMERS, "before", 6, "x", 1, 0), STORE_OK);
	ck_assert(!store_txn_failed(txn));
	store_txn_fail(txn, STORE_PERMFAIL, "rule says no");
	store_txn_fail(txn, STORE_TEMPFAIL, "a later failure is ignored");
	s->failed = store_txn_failed(txn);
	s->fail_ret = store_txn_result(txn);
	snprintf(s->error, sizeof(s->error), "%s", store_txn_error(txn));
	s->put_ret = store_put(txn, STORE_CUSTOMERS, "after", 5, "y", 1, 0);
	s->get_ret = store_get(txn, STORE_CUSTOMERS, "before", 6, &val);
	s->del_ret = store_del(txn, STORE_CUSTOMERS, "before", 6, NULL);
	return s->body_ret;
}

START_TEST(sticky_error)
{
	struct store *store = must_open(true);
	const char *error = NULL;

	for (int body_ret = 0; body_ret >= -1; body_ret--) {
		struct sticky s = {.body_ret = body_ret};
		int ret = store_write(store, body_sticky, &s, &error);
		ck_assert_int_eq(ret, STORE_PERMFAIL);
		ck_assert_str_eq(error, "rule says no");
		ck_assert(s.failed);
		ck_assert_int_eq(s.fail_ret, STORE_PERMFAIL);
		ck_assert_str_eq(s.error, "rule says no");
		ck_assert_int_eq(s.put_ret, STORE_PERMFAIL);
		ck_assert_int_eq(s.get_ret, STORE_PERMFAIL);
		ck_assert_int_eq(s.del_ret, STORE_PERMFAIL);
	}
	ck_assert_ptr_null(get(store, STORE_CUSTOMERS, "before", NULL));
	ck_assert_ptr_null(get(store, STORE_CUSTOMERS, "after", NULL));
	ck_assert_uint_eq(generation(store), 0);
	store_close(&store);
}
END_TEST

struct put_new {
	int first, second, third;
	bool failed;
};

static int body_put_new(struct store_txn *txn, void *context)
{
	struct put_new *p = context;

	p->first =
	    store_put(txn, STORE_SERVERS, "imap1", 5, "old", 3, STORE_PUT_NEW);
	p->second =
	    store_put(txn, STORE_SERVERS, "imap1", 5, "new", 3, STORE_PUT_NEW);
	p->failed = store_txn_failed(txn);
	p->third = store_put(txn, STORE_SERVERS, "imap2", 5, "two", 3, 0);
	return 0;
}

START_TEST(put_new_and_exists)
{
	struct store *store = must_open(true);
	const char *error = NULL;
	struct put_new p;

	ck_assert_int_eq(store_write(store, body_put_new, &p, &error),
			 STORE_OK);
	ck_assert_int_eq(p.first, STORE_OK);
	ck_assert_int_eq(p.second, STORE_EXISTS);
	ck_assert(!p.failed); /* not sticky */
	ck_assert_int_eq(p.third, STORE_OK);
	char *v = get(store, STORE_SERVERS, "imap1", NULL);
	ck_assert_str_eq(v, "old");
	free(v);
	v = get(store, STORE_SERVERS, "imap2", NULL);
	ck_assert_str_eq(v, "two");
	free(v);
	/* in a later transaction too */
	ck_assert_int_eq(store_write(store, body_put_new, &p, &error),
			 STORE_OK);
	ck_assert_int_eq(p.first, STORE_EXISTS);
	ck_assert_int_eq(p.second, STORE_EXISTS);
	ck_assert_int_eq(p.third, STORE_OK);
	ck_assert_uint_eq(generation(store), 2);
	store_close(&store);
}
END_TEST

struct keys {
	char *longest; /* store_max_key bytes */
	char *too_long;
	size_t max;
	int get_empty, get_long, get_max, del_empty, del_long, count_long;
	size_t count;
	int put_max, put_bad;
	bool failed_after_good;
	char error[256];
	bool empty_key; /* which bad key to put */
};

static int body_keys(struct store_txn *txn, void *context)
{
	struct keys *k = context;
	struct store_val val;

	k->get_empty = store_get(txn, STORE_ADDRESSES, "", 0, &val);
	k->get_long =
	    store_get(txn, STORE_ADDRESSES, k->too_long, k->max + 1, &val);
	k->get_max = store_get(txn, STORE_ADDRESSES, k->longest, k->max, &val);
	k->del_empty = store_del(txn, STORE_ADDRESSES, "", 0, NULL);
	k->del_long =
	    store_del(txn, STORE_ADDRESSES, k->too_long, k->max + 1, NULL);
	k->count = 99;
	k->count_long = store_count_dups(txn, STORE_REFS, k->too_long,
					 k->max + 1, &k->count);
	k->put_max =
	    store_put(txn, STORE_ADDRESSES, k->longest, k->max, "v", 1, 0);
	k->failed_after_good = store_txn_failed(txn);
	if (k->empty_key)
		k->put_bad = store_put(txn, STORE_ADDRESSES, "", 0, "v", 1, 0);
	else
		k->put_bad = store_put(txn, STORE_ADDRESSES, k->too_long,
				       k->max + 1, "v", 1, 0);
	snprintf(k->error, sizeof(k->error), "%s", store_txn_error(txn));
	return 0;
}

START_TEST(empty_and_long_keys)
{
	struct store *store = must_open(true);
	const char *error = NULL;

	for (int empty = 0; empty < 2; empty++) {
		struct keys k = {.max = store_max_key(store),
				 .empty_key = empty != 0};
		k.longest = malloc(k.max + 1);
		k.too_long = malloc(k.max + 2);
		memset(k.longest, 'l', k.max);
		k.longest[k.max] = '\0';
		memset(k.too_long, 't', k.max + 1);
		k.too_long[k.max + 1] = '\0';

		ck_assert_int_eq(store_write(store, body_keys, &k, &error),
				 STORE_PERMFAIL);
		ck_assert_str_eq(error, "key is empty or too long");
		ck_assert_int_eq(k.get_empty, STORE_NOTFOUND);
		ck_assert_int_eq(k.get_long, STORE_NOTFOUND);
		ck_assert_int_eq(k.get_max, STORE_NOTFOUND);
		ck_assert_int_eq(k.del_empty, STORE_NOTFOUND);
		ck_assert_int_eq(k.del_long, STORE_NOTFOUND);
		ck_assert_int_eq(k.count_long, STORE_OK);
		ck_assert_uint_eq(k.count, 0);
		ck_assert_int_eq(k.put_max, STORE_OK);
		ck_assert(!k.failed_after_good);
		ck_assert_int_eq(k.put_bad, STORE_PERMFAIL);
		ck_assert_str_eq(k.error, "key is empty or too long");
		/* the whole transaction went, the good put too */
		ck_assert_ptr_null(
		    get(store, STORE_ADDRESSES, k.longest, NULL));
		free(k.longest);
		free(k.too_long);
	}
	ck_assert_uint_eq(generation(store), 0);
	store_close(&store);
}
END_TEST

/* Readers */

START_TEST(reader_keeps_its_snapshot)
{
	struct store *store = must_open(true);
	struct store_reader *reader, *late;
	struct store_txn *txn, *late_txn;
	struct store_val val;
	const char *error;

	put(store, "k", "old");
	ck_assert_int_eq(store_reader_new(store, &reader, &error), STORE_OK);
	ck_assert_int_eq(store_read_begin(reader, &txn, &error), STORE_OK);
	ck_assert_int_eq(store_get(txn, STORE_CUSTOMERS, "k", 1, &val),
			 STORE_OK);
	ck_assert_uint_eq(val.len, 3);
	ck_assert_int_eq(memcmp(val.data, "old", 3), 0);
	ck_assert_uint_eq(store_generation(txn), 1);

	put(store, "k", "new");
	put(store, "fresh", "f");

	/* the open snapshot still sees the old state */
	ck_assert_int_eq(store_get(txn, STORE_CUSTOMERS, "k", 1, &val),
			 STORE_OK);
	ck_assert_uint_eq(val.len, 3);
	ck_assert_int_eq(memcmp(val.data, "old", 3), 0);
	ck_assert_int_eq(store_get(txn, STORE_CUSTOMERS, "fresh", 5, &val),
			 STORE_NOTFOUND);
	ck_assert_uint_eq(store_generation(txn), 1);

	/* a reader started now sees the commit */
	ck_assert_int_eq(store_reader_new(store, &late, &error), STORE_OK);
	ck_assert_int_eq(store_read_begin(late, &late_txn, &error), STORE_OK);
	ck_assert_int_eq(store_get(late_txn, STORE_CUSTOMERS, "k", 1, &val),
			 STORE_OK);
	ck_assert_int_eq(memcmp(val.data, "new", 3), 0);
	ck_assert_uint_eq(store_generation(late_txn), 3);
	store_read_end(late);
	store_reader_free(&late);

	/* writes through a read transaction are refused, and the refusal
	 * does not outlive the snapshot */
	ck_assert_int_eq(store_put(txn, STORE_CUSTOMERS, "x", 1, "y", 1, 0),
			 STORE_PERMFAIL);
	ck_assert(store_txn_failed(txn));
	ck_assert_str_eq(store_txn_error(txn), "write in a read transaction");

	/* reset, renew: the same reader now sees the new value */
	store_read_end(reader);
	store_read_end(reader); /* twice is harmless */
	ck_assert_int_eq(store_read_begin(reader, &txn, &error), STORE_OK);
	ck_assert(!store_txn_failed(txn));
	ck_assert_int_eq(store_get(txn, STORE_CUSTOMERS, "k", 1, &val),
			 STORE_OK);
	ck_assert_uint_eq(val.len, 3);
	ck_assert_int_eq(memcmp(val.data, "new", 3), 0);
	ck_assert_int_eq(store_get(txn, STORE_CUSTOMERS, "fresh", 5, &val),
			 STORE_OK);
	ck_assert_uint_eq(store_generation(txn), 3);
	store_reader_free(&reader); /* ends the active read itself */
	ck_assert_ptr_null(reader);
	store_close(&store);
}
END_TEST

START_TEST(read_only_store_refuses_writes)
{
	struct store *store = must_open(true);
	struct store_settings settings = {
	    .dir = path, .kind = STORE_ENV_CONFIG, .read_only = true};
	struct store *ro;
	const char *error = NULL;

	put(store, "k", "v");
	store_close(&store);
	ck_assert_int_eq(store_open(&settings, &ro, &error), STORE_OK);
	struct kv kv = {STORE_CUSTOMERS, "k", "w", 0, 0, 0, 0};
	ck_assert_int_eq(store_write(ro, body_put, &kv, &error),
			 STORE_PERMFAIL);
	assert_contains(error, "is open read-only");
	ck_assert_int_eq(kv.calls, 0);
	char *v = get(ro, STORE_CUSTOMERS, "k", NULL);
	ck_assert_str_eq(v, "v");
	free(v);
	store_close(&ro);
}
END_TEST

/* Map growth: ~20 MB in one transaction on a 1 MiB map. */

#define BIG_VALUE (64 * 1024)
#define BIG_COUNT 320 /* 20 MiB */

struct big {
	unsigned char *value;
	int calls;
};

static int body_big(struct store_txn *txn, void *context)
{
	struct big *big = context;
	char key[16];

	big->calls++;
	for (int i = 0; i < BIG_COUNT; i++) {
		int n = snprintf(key, sizeof(key), "big%04d", i);
		big->value[0] = (unsigned char)i;
		if (store_put(txn, STORE_CUSTOMERS, key, (size_t)n, big->value,
			      BIG_VALUE, 0) != STORE_OK)
			return -1;
	}
	return 0;
}

START_TEST(map_grows_and_body_reruns)
{
	struct store *store = NULL;
	const char *error = NULL;
	struct big big = {malloc(BIG_VALUE), 0};

	for (size_t i = 0; i < BIG_VALUE; i++)
		big.value[i] = (unsigned char)(i * 31);
	ck_assert_int_eq(open_store(path, true, 1u << 20, 0, &store, &error),
			 STORE_OK);
	ck_assert_int_eq(store_write(store, body_big, &big, &error), STORE_OK);
	ck_assert_int_gt(big.calls, 1); /* it did grow */
	ck_assert_int_le(big.calls, 12);
	ck_assert_uint_eq(generation(store), 1);
	for (int i = 0; i < BIG_COUNT; i += 53) {
		char key[16];
		size_t len = 0;
		snprintf(key, sizeof(key), "big%04d", i);
		unsigned char *v =
		    (unsigned char *)get(store, STORE_CUSTOMERS, key, &len);
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(len, BIG_VALUE);
		ck_assert_uint_eq(v[0], (unsigned char)i);
		ck_assert_int_eq(memcmp(v + 1, big.value + 1, BIG_VALUE - 1),
				 0);
		free(v);
	}
	store_close(&store);
	/* reopening with the small size adopts the grown map */
	ck_assert_int_eq(open_store(path, false, 1u << 20, 0, &store, &error),
			 STORE_OK);
	size_t len = 0;
	char *v = get(store, STORE_CUSTOMERS, "big0319", &len);
	ck_assert_uint_eq(len, BIG_VALUE);
	free(v);
	put(store, "small", "s");
	ck_assert_uint_eq(generation(store), 2);
	store_close(&store);
	free(big.value);
}
END_TEST

/* refs over the DUPSORT table */

struct seen {
	char items[16][80];
	int count;
	int stop_at; /* return 7 at this call, -1 never */
};

static int collect(void *context, enum ref_kind kind, const char *from,
		   size_t len)
{
	struct seen *s = context;

	ck_assert_int_lt(s->count, 16);
	snprintf(s->items[s->count], sizeof(s->items[0]), "%c:%.*s", kind,
		 (int)len, from);
	return s->count++ == s->stop_at ? 7 : 0;
}

static int body_refs_add(struct store_txn *txn, void *context)
{
	(void)context;
	int ret = 0;

	ret |= refs_add(txn, REF_OFFER, "acme/basic", REF_MAILBOX, "c@x.org");
	ret |= refs_add(txn, REF_OFFER, "acme/basic", REF_MAILBOX, "a@x.org");
	ret |= refs_add(txn, REF_OFFER, "acme/basic", REF_MAILBOX, "b@x.org");
	ret |= refs_add(txn, REF_OFFER, "acme/basic", REF_MAILBOX, "a@x.org");
	ret |= refs_add(txn, REF_OFFER, "acme/basic", REF_DOMAIN, "x.org");
	/* names that share a prefix with acme/basic */
	ret |= refs_add(txn, REF_OFFER, "acme/basic2", REF_MAILBOX, "z@x.org");
	ret |= refs_add(txn, REF_OFFER, "acme/basi", REF_MAILBOX, "y@x.org");
	ret |= refs_add(txn, REF_DOMAIN, "acme/basic", REF_MAILBOX, "w@x.org");
	return ret == 0 ? 0 : -1;
}

struct refs_check {
	size_t mailboxes, domains, aliases, missing;
	struct seen any, mailbox_only, stopped;
	int each_any, each_mailbox, each_stopped;
	int iter_rows;
	size_t raw_count;
};

static int body_refs_read(struct store_txn *txn, void *context)
{
	struct refs_check *r = context;
	struct store_iter iter;
	struct store_val k, v;
	int ret;

	ck_assert_int_eq(refs_count(txn, REF_OFFER, "acme/basic", REF_MAILBOX,
				    &r->mailboxes),
			 STORE_OK);
	ck_assert_int_eq(
	    refs_count(txn, REF_OFFER, "acme/basic", REF_DOMAIN, &r->domains),
	    STORE_OK);
	ck_assert_int_eq(
	    refs_count(txn, REF_OFFER, "acme/basic", REF_ALIAS, &r->aliases),
	    STORE_OK);
	ck_assert_int_eq(
	    refs_count(txn, REF_OFFER, "nobody/none", REF_MAILBOX, &r->missing),
	    STORE_OK);
	r->any.stop_at = r->mailbox_only.stop_at = -1;
	r->stopped.stop_at = 1;
	r->each_any =
	    refs_each(txn, REF_OFFER, "acme/basic", REF_ANY, collect, &r->any);
	r->each_mailbox = refs_each(txn, REF_OFFER, "acme/basic", REF_MAILBOX,
				    collect, &r->mailbox_only);
	r->each_stopped = refs_each(txn, REF_OFFER, "acme/basic", REF_ANY,
				    collect, &r->stopped);
	/* the raw iterator over every offer reference */
	ck_assert_int_eq(store_iter_open(txn, STORE_REFS, "O", 1, &iter),
			 STORE_OK);
	while ((ret = store_iter_next(&iter, &k, &v)) == 1) {
		ck_assert_uint_ge(k.len, 1);
		ck_assert_int_eq(((const char *)k.data)[0], 'O');
		r->iter_rows++;
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(store_iter_next(&iter, &k, &v), 0);
	store_iter_close(&iter);
	store_iter_close(&iter); /* twice is harmless */
	ck_assert_int_eq(store_count_dups(txn, STORE_REFS, "Oacme/basic\0M", 13,
					  &r->raw_count),
			 STORE_OK);
	return 0;
}

static int body_refs_del(struct store_txn *txn, void *context)
{
	(void)context;
	ck_assert_int_eq(
	    refs_del(txn, REF_OFFER, "acme/basic", REF_MAILBOX, "b@x.org"),
	    STORE_OK);
	/* a missing one is not an error, nor is a missing key */
	ck_assert_int_eq(
	    refs_del(txn, REF_OFFER, "acme/basic", REF_MAILBOX, "b@x.org"),
	    STORE_OK);
	ck_assert_int_eq(
	    refs_del(txn, REF_OFFER, "no/such", REF_MAILBOX, "b@x.org"),
	    STORE_OK);
	ck_assert(!store_txn_failed(txn));
	return 0;
}

START_TEST(refs_dupsort)
{
	struct store *store = must_open(true);
	const char *error = NULL;
	struct refs_check r = {0};
	static const char *const any[] = {"D:x.org", "M:a@x.org", "M:b@x.org",
					  "M:c@x.org"};

	ck_assert_int_eq(store_write(store, body_refs_add, NULL, &error),
			 STORE_OK);
	ck_assert_int_eq(store_write(store, body_refs_read, &r, &error),
			 STORE_OK);
	ck_assert_uint_eq(r.mailboxes, 3); /* a@x.org once */
	ck_assert_uint_eq(r.raw_count, 3);
	ck_assert_uint_eq(r.domains, 1);
	ck_assert_uint_eq(r.aliases, 0);
	ck_assert_uint_eq(r.missing, 0);
	ck_assert_int_eq(r.each_any, STORE_OK);
	ck_assert_int_eq(r.any.count, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_str_eq(r.any.items[i], any[i]);
	ck_assert_int_eq(r.each_mailbox, STORE_OK);
	ck_assert_int_eq(r.mailbox_only.count, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_str_eq(r.mailbox_only.items[i], any[i + 1]);
	ck_assert_int_eq(r.each_stopped, 7);
	ck_assert_int_eq(r.stopped.count, 2);
	ck_assert_int_eq(r.iter_rows, 6); /* 4 + basic2 + basi */

	ck_assert_int_eq(store_write(store, body_refs_del, NULL, &error),
			 STORE_OK);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(store_write(store, body_refs_read, &r, &error),
			 STORE_OK);
	ck_assert_uint_eq(r.mailboxes, 2);
	ck_assert_int_eq(r.mailbox_only.count, 2);
	ck_assert_str_eq(r.mailbox_only.items[0], "M:a@x.org");
	ck_assert_str_eq(r.mailbox_only.items[1], "M:c@x.org");
	ck_assert_int_eq(r.iter_rows, 5);
	store_close(&store);
}
END_TEST

START_TEST(refs_kind_names)
{
	static const struct {
		enum ref_kind kind;
		const char *one, *many;
	} cases[] = {
	    {REF_CUSTOMER, "customer", "customers"},
	    {REF_OFFER, "offer", "offers"},
	    {REF_DOMAIN, "domain", "domains"},
	    {REF_ALIAS_DOMAIN, "alias domain", "alias domains"},
	    {REF_MAILBOX, "mailbox", "mailboxes"},
	    {REF_EXTRA, "extra address", "extra addresses"},
	    {REF_ALIAS, "alias", "aliases"},
	    {REF_SERVER, "server", "servers"},
	    {REF_RECIPIENT, "target", "targets"},
	    {REF_ANY, "object", "object"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_str_eq(refs_kind_name(cases[i].kind, 1),
				 cases[i].one);
		ck_assert_str_eq(refs_kind_name(cases[i].kind, 0),
				 cases[i].many);
		ck_assert_str_eq(refs_kind_name(cases[i].kind, 2),
				 cases[i].many);
	}
}
END_TEST

/* The writer lock, held by another process. */

struct hold {
	int fd;
};

static int body_hold(struct store_txn *txn, void *context)
{
	struct hold *h = context;

	if (write(h->fd, "L", 1) != 1)
		return -1;
	sleep(2);
	return store_put(txn, STORE_CUSTOMERS, "child", 5, "c", 1, 0) ==
		       STORE_OK
		   ? 0
		   : -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(writer_lock_times_out)
{
	struct store *store = must_open(true);
	const char *error = NULL;
	int fds[2];
	char byte;
	int status;

	store_close(&store);
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct hold h = {fds[1]};
		struct store *child;
		close(fds[0]);
		if (open_store(path, false, 0, 0, &child, &error) != STORE_OK)
			_exit(2);
		int ret = store_write(child, body_hold, &h, &error);
		store_close(&child);
		_exit(ret == STORE_OK ? 0 : 3);
	}
	close(fds[1]);
	struct pollfd pfd = {fds[0], POLLIN, 0};
	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
	ck_assert_int_eq(read(fds[0], &byte, 1), 1);
	close(fds[0]);

	ck_assert_int_eq(open_store(path, false, 0, 200, &store, &error),
			 STORE_OK);
	struct kv kv = {STORE_CUSTOMERS, "parent", "p", 0, 0, 0, 0};
	double start = now();
	int ret = store_write(store, body_put, &kv, &error);
	double waited = now() - start;
	ck_assert_int_eq(ret, STORE_TEMPFAIL);
	assert_contains(error, "locked by another writer");
	assert_contains(error, path);
	ck_assert_int_eq(kv.calls, 0);
	ck_assert_msg(waited >= 0.15 && waited < 1.5, "waited %.3f s", waited);

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* the lock is free again */
	ck_assert_int_eq(store_write(store, body_put, &kv, &error), STORE_OK);
	char *v = get(store, STORE_CUSTOMERS, "child", NULL);
	ck_assert_str_eq(v, "c");
	free(v);
	ck_assert_uint_eq(generation(store), 2);
	store_close(&store);
}
END_TEST

/* Iterators that resume after a key */

/* The longest key LMDB takes here (511 bytes), a "b" and 'z's: sorts
 * between "bb" and "c"; shown as "K" in the expectations. */
static char long_key[512];

static int body_iter_keys(struct store_txn *txn, void *context)
{
	static const char *const keys[] = {"a", "ab", "b", "ba", "bb", "c"};
	static const char *const dups[][2] = {
	    {"k1", "v1"}, {"k1", "v2"}, {"k2", "v1"}};

	(void)context;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		store_put(txn, STORE_CUSTOMERS, keys[i], strlen(keys[i]), "x",
			  1, 0);
	store_put(txn, STORE_CUSTOMERS, long_key, strlen(long_key), "x", 1, 0);
	for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++)
		store_put(txn, STORE_REFS, dups[i][0], 2, dups[i][1], 2, 0);
	return 0;
}

struct iter_case {
	enum store_table table;
	const char *prefix;
	const char *after; /* "K": long_key; "K+": long_key and a 'z' */
	const char *want;  /* keys joined with ',' (long_key as "K") */
};

static const struct iter_case iter_cases[] = {
    {STORE_CUSTOMERS, "", "", "a,ab,b,ba,bb,K,c"},
    {STORE_CUSTOMERS, "", "ab", "b,ba,bb,K,c"},
    {STORE_CUSTOMERS, "", "aa", "ab,b,ba,bb,K,c"},
    {STORE_CUSTOMERS, "", "c", ""},
    {STORE_CUSTOMERS, "", "zzz", ""},
    {STORE_CUSTOMERS, "b", "", "b,ba,bb,K"},
    {STORE_CUSTOMERS, "b", "a", "b,ba,bb,K"},
    {STORE_CUSTOMERS, "b", "b", "ba,bb,K"},
    {STORE_CUSTOMERS, "b", "ba", "bb,K"},
    {STORE_CUSTOMERS, "b", "bb", "K"},
    {STORE_CUSTOMERS, "b", "bz", "K"},
    {STORE_CUSTOMERS, "b", "K", ""},
    {STORE_CUSTOMERS, "b", "c", ""},
    {STORE_CUSTOMERS, "", "K", "c"},
    {STORE_CUSTOMERS, "", "K+", "c"},
    {STORE_REFS, "", "", "k1,k1,k2"},
    {STORE_REFS, "", "k1", "k2"},
    {STORE_REFS, "k", "k0", "k1,k1,k2"},
};

/* The keys an iterator gives, joined like iter_case.want. */
static void iter_collect(struct store_txn *txn, const struct iter_case *c,
			 const char *after, char *out, size_t size)
{
	struct store_iter iter;
	struct store_val key, value;
	size_t used = 0;
	int ret;

	out[0] = '\0';
	ck_assert_int_eq(store_iter_open_after(txn, c->table, c->prefix,
					       strlen(c->prefix), after,
					       strlen(after), &iter),
			 STORE_OK);
	while ((ret = store_iter_next(&iter, &key, &value)) == 1) {
		bool is_long = key.len == strlen(long_key);
		used += (size_t)snprintf(
		    out + used, size - used, "%s%.*s", used != 0 ? "," : "",
		    is_long ? 1 : (int)key.len,
		    is_long ? "K" : (const char *)key.data);
	}
	ck_assert_int_eq(ret, 0);
	store_iter_close(&iter);
}

/* store_copy, then store_swap_in: a handle opened before the swap still
 * reads the old data, but may not write (its writes would go where
 * nobody reads); a handle opened after sees the copy. */
START_TEST(copy_swap_and_stale_writer)
{
	struct store *old = must_open(true), *fresh;
	char *copy_dir, *stale;
	const char *error = NULL;
	struct kv kv = {STORE_CUSTOMERS, "late", "l", 0, 0, 0, 0};

	put(old, "kept", "k");
	ck_assert_int_ge(asprintf(&copy_dir, "%s/var/config.copy", tmp), 0);
	ck_assert_int_eq(mkdir(copy_dir, 0700), 0);
	ck_assert_int_eq(store_copy(old, copy_dir, &error), STORE_OK);
	put(old, "after", "a"); /* not in the copy */
	ck_assert_int_eq(store_still_current(old, &error), STORE_OK);
	ck_assert_int_eq(store_swap_in(path, copy_dir, 1000, &error), STORE_OK);
	/* copy_dir now names the old environment. */
	ck_assert_int_eq(store_still_current(old, &error), STORE_TEMPFAIL);
	ck_assert_int_eq(store_write(old, body_put, &kv, &error),
			 STORE_TEMPFAIL);
	assert_contains(error, "replaced");
	ck_assert_int_eq(kv.calls, 0);
	char *v = get(old, STORE_CUSTOMERS, "after", NULL);
	ck_assert_str_eq(v, "a"); /* the old handle reads on */
	free(v);
	fresh = must_open(false);
	v = get(fresh, STORE_CUSTOMERS, "kept", NULL);
	ck_assert_str_eq(v, "k");
	free(v);
	ck_assert_ptr_null(get(fresh, STORE_CUSTOMERS, "after", NULL));
	put(fresh, "late", "l"); /* the swapped-in one takes writes */
	ck_assert_int_ge(asprintf(&stale, "%s/data.mdb", copy_dir), 0);
	ck_assert_int_eq(access(stale, F_OK), 0);
	store_close(&fresh);
	store_close(&old);
	free(stale);
	free(copy_dir);
}
END_TEST

START_TEST(iterator_resumes_after_a_key)
{
	const struct iter_case *c = &iter_cases[_i];
	struct store *store = must_open(true);
	struct store_reader *reader;
	struct store_txn *txn;
	const char *error;
	char after[600], got[1024];

	memset(long_key, 'z', sizeof(long_key) - 1);
	long_key[0] = 'b';
	long_key[sizeof(long_key) - 1] = '\0';
	ck_assert_uint_eq(store_max_key(store), strlen(long_key));
	ck_assert_int_eq(store_write(store, body_iter_keys, NULL, &error),
			 STORE_OK);
	snprintf(after, sizeof(after), "%s",
		 strcmp(c->after, "K") == 0 ? long_key : c->after);
	if (strcmp(c->after, "K+") == 0)
		snprintf(after, sizeof(after), "%sz", long_key);
	ck_assert_int_eq(store_reader_new(store, &reader, &error), STORE_OK);
	ck_assert_int_eq(store_read_begin(reader, &txn, &error), STORE_OK);
	iter_collect(txn, c, after, got, sizeof(got));
	ck_assert_msg(strcmp(got, c->want) == 0,
		      "prefix \"%s\" after \"%s\": got \"%s\", want \"%s\"",
		      c->prefix, c->after, got, c->want);
	store_reader_free(&reader);
	store_close(&store);
}
END_TEST

#define N(array) ((int)(sizeof(array) / sizeof((array)[0])))

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, create_then_reopen);
	tcase_add_test(tc, missing_dir_is_refused);
	tcase_add_test(tc, empty_dir_is_not_a_store);
	tcase_add_loop_test(tc, schema_version_checked, 0, N(schema_cases));
	tcase_add_test(tc, schema_version_missing);
	tcase_add_test(tc, generation_counts_commits);
	tcase_add_test(tc, sticky_error);
	tcase_add_test(tc, put_new_and_exists);
	tcase_add_test(tc, empty_and_long_keys);
	tcase_add_test(tc, reader_keeps_its_snapshot);
	tcase_add_test(tc, read_only_store_refuses_writes);
	tcase_add_test(tc, map_grows_and_body_reruns);
	tcase_add_test(tc, refs_dupsort);
	tcase_add_test(tc, refs_kind_names);
	tcase_add_test(tc, writer_lock_times_out);
	tcase_add_test(tc, copy_swap_and_stale_writer);
	tcase_add_loop_test(tc, iterator_resumes_after_a_key, 0, N(iter_cases));
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
