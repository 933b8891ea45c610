/* Unit tests of replica/: the capture of a write (maps/store_capture.c),
 * the layout of rows in etcd, the apply of revisions and bootstraps to a
 * replica, the JSON helpers. The etcd side is tested against a real
 * cluster (tests/integration/replica_cluster.sh). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "etcd.h"
#include "layout.h"
#include "store.h"
#include "testutil.h"

#define PREFIX "/mm/"

static char *dir;
static struct store *store;

static void setup(void)
{
	struct store_settings s = {.kind = STORE_ENV_CONFIG, .create = true};
	const char *error;

	dir = tu_tmpdir();
	s.dir = dir;
	ck_assert_int_eq(store_open(&s, &store, &error), STORE_OK);
}

static void teardown(void)
{
	store_close(&store);
	tu_rmtree(dir);
}

struct row {
	enum store_table table;
	const char *key, *value; /* value: the duplicate for refs */
	bool del;
};

static int put_rows_body(struct store_txn *txn, void *context)
{
	for (const struct row *r = context; r->key != NULL; r++) {
		struct store_val dup = {r->value, strlen(r->value)};
		if (r->del)
			store_del(txn, r->table, r->key, strlen(r->key),
				  r->table == STORE_REFS ? &dup : NULL);
		else
			store_put(txn, r->table, r->key, strlen(r->key),
				  r->value, strlen(r->value), 0);
	}
	return 0;
}

static void put_rows(const struct row *rows)
{
	const char *error;

	ck_assert_int_eq(
	    store_write(store, put_rows_body, (void *)rows, &error), STORE_OK);
}

/* The value of a plain row, or NULL; copied into a static buffer. */
static const char *get_row(enum store_table table, const char *key)
{
	static char buf[256];
	struct store_reader *reader;
	struct store_txn *txn;
	struct store_val v;
	const char *error, *out = NULL;

	ck_assert_int_eq(store_reader_new(store, &reader, &error), STORE_OK);
	ck_assert_int_eq(store_read_begin(reader, &txn, &error), STORE_OK);
	if (store_get(txn, table, key, strlen(key), &v) == STORE_OK) {
		snprintf(buf, sizeof(buf), "%.*s", (int)v.len,
			 (const char *)v.data);
		out = buf;
	}
	store_reader_free(&reader);
	return out;
}

static bool has_ref(const char *key, const char *dup)
{
	struct store_reader *reader;
	struct store_txn *txn;
	const char *error;
	int ret;

	ck_assert_int_eq(store_reader_new(store, &reader, &error), STORE_OK);
	ck_assert_int_eq(store_read_begin(reader, &txn, &error), STORE_OK);
	ret =
	    store_has_dup(txn, STORE_REFS, key, strlen(key), dup, strlen(dup));
	store_reader_free(&reader);
	return ret == 1;
}

static const struct store_change *find_change(const struct store_changes *c,
					      enum store_table table,
					      const char *key, const char *dup)
{
	for (size_t i = 0; i < c->count; i++) {
		const struct store_change *x = &c->items[i];
		if (x->table == table && x->key_len == strlen(key) &&
		    memcmp(x->key, key, x->key_len) == 0 &&
		    (dup == NULL || (x->value_len == strlen(dup) &&
				     memcmp(x->value, dup, x->value_len) == 0)))
			return x;
	}
	return NULL;
}

START_TEST(capture_nets_the_changes_and_writes_nothing)
{
	static const struct row before[] = {
	    {STORE_DOMAINS, "b.example", "old", false},
	    {STORE_DOMAINS, "c.example", "gone", false},
	    {STORE_REFS, "Db.example", "x@b.example", false},
	    {0, NULL, NULL, false}};
	static const struct row body[] = {
	    {STORE_DOMAINS, "a.example", "new", false},
	    {STORE_DOMAINS, "b.example", "first", false},
	    {STORE_DOMAINS, "b.example", "second", false},
	    {STORE_DOMAINS, "c.example", "", true},
	    {STORE_DOMAINS, "d.example", "brief", false},
	    {STORE_DOMAINS, "d.example", "", true},
	    {STORE_REFS, "Db.example", "x@b.example", true},
	    {STORE_REFS, "Db.example", "y@b.example", false},
	    {0, NULL, NULL, false}};
	struct store_changes changes;
	const struct store_change *c;
	const char *error;

	put_rows(before);
	ck_assert_int_eq(store_write_capture(store, put_rows_body, (void *)body,
					     &changes, &error),
			 STORE_OK);
	ck_assert_uint_eq(changes.count, 6);
	c = find_change(&changes, STORE_DOMAINS, "a.example", NULL);
	ck_assert(c != NULL && !c->deleted && c->value_len == 3);
	c = find_change(&changes, STORE_DOMAINS, "b.example", NULL);
	ck_assert(c != NULL && !c->deleted &&
		  memcmp(c->value, "second", 6) == 0);
	c = find_change(&changes, STORE_DOMAINS, "c.example", NULL);
	ck_assert(c != NULL && c->deleted);
	c = find_change(&changes, STORE_DOMAINS, "d.example", NULL);
	ck_assert(c != NULL && c->deleted);
	c = find_change(&changes, STORE_REFS, "Db.example", "x@b.example");
	ck_assert(c != NULL && c->deleted);
	c = find_change(&changes, STORE_REFS, "Db.example", "y@b.example");
	ck_assert(c != NULL && !c->deleted);
	store_changes_free(&changes);
	/* aborted: the store is as before */
	ck_assert_str_eq(get_row(STORE_DOMAINS, "b.example"), "old");
	ck_assert_ptr_null(get_row(STORE_DOMAINS, "a.example"));
	ck_assert_str_eq(get_row(STORE_DOMAINS, "c.example"), "gone");
	ck_assert(has_ref("Db.example", "x@b.example"));
	ck_assert(!has_ref("Db.example", "y@b.example"));
}
END_TEST

START_TEST(layout_keys_round_trip)
{
	struct replica_row row;
	size_t len;
	char *key = replica_row_key(PREFIX, 7, STORE_ADDRESSES, "a@b.example",
				    11, NULL, 0, &len);

	ck_assert_str_eq(key, "/mm/d/7/addresses/a@b.example");
	ck_assert_int_eq(replica_key_parse(PREFIX, 7, key, len, &row),
			 REPLICA_KEY_ROW);
	/* a replica of another generation does not take it */
	ck_assert_int_eq(replica_key_parse(PREFIX, 0, key, len, &row),
			 REPLICA_KEY_STAGED);
	ck_assert_int_eq(row.table, STORE_ADDRESSES);
	ck_assert_uint_eq(row.key_len, 11);
	ck_assert_ptr_null(row.dup);
	free(key);
	/* a DUPSORT row: the key's length, the key (NUL inside), the dup */
	key =
	    replica_row_key(PREFIX, 0, STORE_REFS, "Dx\0M", 4, "m@x", 3, &len);
	ck_assert_uint_eq(len, strlen("/mm/d/0/refs/") + 2 + 4 + 3);
	ck_assert_int_eq(replica_key_parse(PREFIX, 0, key, len, &row),
			 REPLICA_KEY_ROW);
	ck_assert_int_eq(row.table, STORE_REFS);
	ck_assert_uint_eq(row.key_len, 4);
	ck_assert(memcmp(row.key, "Dx\0M", 4) == 0);
	ck_assert_uint_eq(row.dup_len, 3);
	ck_assert(memcmp(row.dup, "m@x", 3) == 0);
	free(key);
	key = replica_seq_key(PREFIX);
	ck_assert_int_eq(replica_key_parse(PREFIX, 0, key, strlen(key), &row),
			 REPLICA_KEY_SEQ);
	free(key);
	key = replica_gen_key(PREFIX);
	ck_assert_int_eq(replica_key_parse(PREFIX, 0, key, strlen(key), &row),
			 REPLICA_KEY_GEN);
	free(key);
}
END_TEST

START_TEST(layout_refuses_what_is_not_a_row)
{
	static const struct {
		const char *key;
		size_t len;
	} bad[] = {
	    {"/other/t/domains/x", 18},	   /* another prefix */
	    {"/mm/t/meta/generation", 21}, /* meta is each replica's own */
	    {"/mm/t/quota/x", 13},	   /* a state table */
	    {"/mm/d/0/nosuch/x", 16},
	    {"/mm/t/domains/", 14},  /* empty key */
	    {"/mm/t/refs/\x00", 12}, /* short length */
	    {"/mm/t/refs/\x00\x09"
	     "abc",
	     16}, /* length past the end */
	    {"/mm/seqx", 8},
	};
	struct replica_row row;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(replica_key_parse(PREFIX, 0, bad[i].key,
						bad[i].len,
						&row) == REPLICA_KEY_OTHER,
			      "%s", bad[i].key);
}
END_TEST

static struct replica_kv kv(const char *key, size_t key_len, const char *value,
			    bool deleted)
{
	struct replica_kv out = {.deleted = deleted,
				 .key = (char *)key,
				 .key_len = key_len,
				 .value = (char *)value,
				 .value_len =
				     value != NULL ? strlen(value) : 0};
	return out;
}

static struct replica_mark mark_now(void)
{
	struct replica_mark mark;
	const char *error;

	ck_assert_int_eq(replica_mark_get(store, &mark, &error), STORE_OK);
	return mark;
}

START_TEST(apply_is_one_revision_once)
{
	char refkey[64];
	size_t refkey_len;
	char *k = replica_row_key(PREFIX, 0, STORE_REFS, "Da.example", 10,
				  "m@a.example", 11, &refkey_len);
	struct replica_kv kvs[3];
	size_t skipped;
	const char *error;

	memcpy(refkey, k, refkey_len);
	free(k);
	kvs[0] = kv("/mm/d/0/domains/a.example", 25, "rec", false);
	kvs[1] = kv(refkey, refkey_len, "", false);
	kvs[2] = kv("/mm/seq", 7, "1 h:1:0", false);
	ck_assert_int_eq(
	    replica_apply(store, PREFIX, kvs, 3, 5, &skipped, &error),
	    STORE_OK);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_str_eq(get_row(STORE_DOMAINS, "a.example"), "rec");
	ck_assert(has_ref("Da.example", "m@a.example"));
	ck_assert_uint_eq(mark_now().revision, 5);
	ck_assert_str_eq(mark_now().seq, "1 h:1:0");
	/* a replay of 5, or an older revision: nothing changes */
	kvs[0] = kv("/mm/d/0/domains/a.example", 25, "changed", false);
	ck_assert_int_eq(
	    replica_apply(store, PREFIX, kvs, 1, 5, &skipped, &error),
	    STORE_OK);
	ck_assert_int_eq(
	    replica_apply(store, PREFIX, kvs, 1, 4, &skipped, &error),
	    STORE_OK);
	ck_assert_str_eq(get_row(STORE_DOMAINS, "a.example"), "rec");
	/* deletes, and a key that is not a row is skipped */
	kvs[0] = kv("/mm/d/0/domains/a.example", 25, NULL, true);
	kvs[1] = kv(refkey, refkey_len, NULL, true);
	kvs[2] = kv("/mm/d/0/nosuch/x", 16, "v", false);
	ck_assert_int_eq(
	    replica_apply(store, PREFIX, kvs, 3, 6, &skipped, &error),
	    STORE_OK);
	ck_assert_uint_eq(skipped, 1);
	ck_assert_ptr_null(get_row(STORE_DOMAINS, "a.example"));
	ck_assert(!has_ref("Da.example", "m@a.example"));
	ck_assert_uint_eq(mark_now().revision, 6);
}
END_TEST

START_TEST(apply_skips_a_row_lmdb_cannot_hold)
{
	char key[700];
	struct replica_kv kvs[2];
	size_t skipped;
	const char *error;

	memset(key, 'x', sizeof(key));
	memcpy(key, "/mm/d/0/domains/", 16);
	kvs[0] = kv(key, sizeof(key), "v", false);
	kvs[1] = kv("/mm/d/0/domains/ok.example", 26, "v", false);
	ck_assert_int_eq(
	    replica_apply(store, PREFIX, kvs, 2, 3, &skipped, &error),
	    STORE_OK);
	ck_assert_uint_eq(skipped, 1);
	ck_assert_str_eq(get_row(STORE_DOMAINS, "ok.example"), "v");
}
END_TEST

START_TEST(bootstrap_replaces_every_row)
{
	static const struct row before[] = {
	    {STORE_DOMAINS, "stale.example", "old", false},
	    {STORE_REFS, "Dstale.example", "m@stale.example", false},
	    {0, NULL, NULL, false}};
	struct replica_kv items[2];
	struct replica_kvs kvs = {items, 2, 2};
	struct replica_mark mark = {.revision = 42, .generation = 5};
	size_t skipped;
	const char *error;

	put_rows(before);
	snprintf(mark.source, sizeof(mark.source), "123 " PREFIX);
	snprintf(mark.seq, sizeof(mark.seq), "9 h:2:0");
	items[0] = kv("/mm/d/5/domains/new.example", 27, "rec", false);
	items[1] = kv("/mm/d/4/domains/old.example", 27, "rec", false);
	ck_assert_int_eq(
	    replica_bootstrap(store, PREFIX, &kvs, &mark, &skipped, &error),
	    STORE_OK);
	ck_assert_ptr_null(get_row(STORE_DOMAINS, "stale.example"));
	ck_assert(!has_ref("Dstale.example", "m@stale.example"));
	ck_assert_str_eq(get_row(STORE_DOMAINS, "new.example"), "rec");
	ck_assert_uint_eq(mark_now().revision, 42);
	ck_assert_str_eq(mark_now().seq, "9 h:2:0");
	ck_assert_str_eq(mark_now().source, "123 /mm/");
	ck_assert_uint_eq(mark_now().generation, 5);
	ck_assert_ptr_null(get_row(STORE_DOMAINS, "old.example"));
}
END_TEST

START_TEST(apply_leaves_a_switch_to_a_bootstrap)
{
	struct replica_kv kvs[2];
	size_t skipped;
	const char *error;

	kvs[0] = kv("/mm/d/0/domains/a.example", 25, "rec", false);
	ck_assert_int_eq(
	    replica_apply(store, PREFIX, kvs, 1, 5, &skipped, &error),
	    STORE_OK);
	/* a staged generation's rows are not applied, nor counted bad */
	kvs[0] = kv("/mm/d/9/domains/b.example", 25, "rec", false);
	ck_assert_int_eq(
	    replica_apply(store, PREFIX, kvs, 1, 6, &skipped, &error),
	    STORE_OK);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_ptr_null(get_row(STORE_DOMAINS, "b.example"));
	/* the switch: nothing written, the caller bootstraps */
	kvs[0] = kv("/mm/gen", 7, "9", false);
	kvs[1] = kv("/mm/seq", 7, "2 h:1:0", false);
	ck_assert_int_eq(
	    replica_apply(store, PREFIX, kvs, 2, 7, &skipped, &error),
	    REPLICA_SWITCHED);
	ck_assert_uint_eq(mark_now().revision, 6);
	ck_assert_uint_eq(mark_now().generation, 0);
}
END_TEST

START_TEST(json_bytes_round_trip)
{
	static const char bytes[] = "a\0b\xff";
	struct json_object *obj = json_object_new_object();
	char *out;
	size_t len;

	json_object_object_add(obj, "key", etcd_json_bytes(bytes, 4));
	ck_assert_str_eq(etcd_json_get_string(obj, "key"), "YQBi/w==");
	ck_assert_int_eq(etcd_json_get_bytes(obj, "key", &out, &len), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert(memcmp(out, bytes, 4) == 0);
	free(out);
	ck_assert_int_eq(etcd_json_get_bytes(obj, "absent", &out, &len), 0);
	ck_assert_uint_eq(len, 0);
	free(out);
	json_object_object_add(obj, "bad", json_object_new_string("%%%"));
	ck_assert_int_eq(etcd_json_get_bytes(obj, "bad", &out, &len), -1);
	json_object_object_add(obj, "rev", json_object_new_string("123"));
	ck_assert_uint_eq(etcd_json_get_u64(obj, "rev"), 123);
	json_object_put(obj);
}
END_TEST

static Suite *replica_suite(void)
{
	Suite *s = suite_create("replica");
	TCase *tc = tcase_create("replica");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, capture_nets_the_changes_and_writes_nothing);
	tcase_add_test(tc, layout_keys_round_trip);
	tcase_add_test(tc, layout_refuses_what_is_not_a_row);
	tcase_add_test(tc, apply_is_one_revision_once);
	tcase_add_test(tc, apply_skips_a_row_lmdb_cannot_hold);
	tcase_add_test(tc, bootstrap_replaces_every_row);
	tcase_add_test(tc, apply_leaves_a_switch_to_a_bootstrap);
	tcase_add_test(tc, json_bytes_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(replica_suite());
}
