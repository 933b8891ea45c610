/*
 * maps/record_cache.c: decoded records kept for one snapshot. A hit
 * returns the record decoded at the first add; another snapshot empties
 * the cache; the same key in another table is another record; a corrupt
 * value is refused; the cache never holds more than RECORD_CACHE_MAX
 * records, takes no more when full and keeps what it handed out until
 * record_cache_trim() empties it. Views (a caller's bytes)
 * are copied, found by key bytes, and kept apart from decoded records.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "record_cache.h"
#include "testutil.h"

static struct record_cache *cache;
static struct codec_buf buf;

static void setup(void)
{
	cache = record_cache_new();
	codec_buf_init(&buf);
}

static void teardown(void)
{
	record_cache_free(&cache);
	ck_assert_ptr_null(cache);
	codec_buf_deinit(&buf);
}

/* The stored form of a domain with this storage path. */
static struct store_val domain_value(const char *storage)
{
	struct rec_domain domain = {.name = "example.com",
				    .customer = "acme",
				    .active = true,
				    .catchall = "",
				    .storage = storage,
				    .server = ""};

	record_encode(record_desc_get(REC_DOMAIN), &domain, &buf);
	return (struct store_val){buf.data, buf.len};
}

static const struct rec_domain *add_domain(uint64_t snapshot, const char *key,
					   const char *storage)
{
	const char *error = NULL;
	const struct rec_domain *rec = record_cache_add(
	    cache, snapshot, STORE_DOMAINS, key, record_desc_get(REC_DOMAIN),
	    domain_value(storage), &error);

	ck_assert_msg(rec != NULL, "add %s: %s", key, error);
	return rec;
}

START_TEST(hit_until_the_snapshot_changes)
{
	const struct rec_domain *rec = add_domain(7, "example.com", "/srv/a");

	ck_assert_str_eq(rec->name, "example.com");
	ck_assert_str_eq(rec->storage, "/srv/a");
	ck_assert(rec->active);
	ck_assert_ptr_eq(
	    record_cache_get(cache, 7, STORE_DOMAINS, "example.com"), rec);
	ck_assert_ptr_null(
	    record_cache_get(cache, 7, STORE_DOMAINS, "other.org"));
	/* the same key in another table is not this record */
	ck_assert_ptr_null(
	    record_cache_get(cache, 7, STORE_OFFERS, "example.com"));
	/* a commit: nothing of snapshot 7 survives */
	ck_assert_ptr_null(
	    record_cache_get(cache, 8, STORE_DOMAINS, "example.com"));
	rec = add_domain(8, "example.com", "/srv/b");
	ck_assert_str_eq(rec->storage, "/srv/b");
	ck_assert_ptr_eq(
	    record_cache_get(cache, 8, STORE_DOMAINS, "example.com"), rec);
}
END_TEST

START_TEST(corrupt_value_refused)
{
	static const unsigned char junk[] = {0xff, 0x01, 0x02};
	const char *error = NULL;

	ck_assert_ptr_null(record_cache_add(
	    cache, 1, STORE_DOMAINS, "bad.org", record_desc_get(REC_DOMAIN),
	    (struct store_val){junk, sizeof(junk)}, &error));
	ck_assert_ptr_nonnull(error);
	ck_assert_ptr_null(
	    record_cache_get(cache, 1, STORE_DOMAINS, "bad.org"));
}
END_TEST

/* Full: no more records, and every record handed out stays as it was
 * (the request holding them may still read them: ASan would see a freed
 * one) until record_cache_trim() empties the cache between requests. */
START_TEST(bounded)
{
	const struct rec_domain *first = add_domain(3, "d0.example", "/srv/0");
	const char *error = NULL;
	char key[64];

	for (int i = 1; i < RECORD_CACHE_MAX; i++) {
		snprintf(key, sizeof(key), "d%d.example", i);
		add_domain(3, key, "/srv");
	}
	ck_assert(!record_cache_has_room(cache, 3));
	ck_assert_ptr_null(record_cache_add(
	    cache, 3, STORE_DOMAINS, "last.example",
	    record_desc_get(REC_DOMAIN), domain_value("/srv/last"), &error));
	ck_assert_str_eq(error, "record cache is full");
	ck_assert_ptr_null(record_cache_add_view(cache, 3, STORE_DOMAINS,
						 "view.example", 12, "v", 2));
	ck_assert_ptr_null(
	    record_cache_get(cache, 3, STORE_DOMAINS, "last.example"));
	for (int i = 0; i < RECORD_CACHE_MAX; i++) {
		snprintf(key, sizeof(key), "d%d.example", i);
		ck_assert_ptr_nonnull(
		    record_cache_get(cache, 3, STORE_DOMAINS, key));
	}
	ck_assert_ptr_eq(
	    record_cache_get(cache, 3, STORE_DOMAINS, "d0.example"), first);
	ck_assert_str_eq(first->storage, "/srv/0");
	/* the next request begins: the cache starts again */
	record_cache_trim(cache);
	ck_assert(record_cache_has_room(cache, 3));
	ck_assert_ptr_null(
	    record_cache_get(cache, 3, STORE_DOMAINS, "d0.example"));
	add_domain(3, "last.example", "/srv/last");
	ck_assert_ptr_nonnull(
	    record_cache_get(cache, 3, STORE_DOMAINS, "last.example"));
}
END_TEST

/* Trimming a cache with room keeps what it holds. */
START_TEST(trim_keeps_a_cache_with_room)
{
	const struct rec_domain *rec = add_domain(4, "example.com", "/srv/a");

	record_cache_trim(cache);
	ck_assert_ptr_eq(
	    record_cache_get(cache, 4, STORE_DOMAINS, "example.com"), rec);
	ck_assert_str_eq(rec->storage, "/srv/a");
}
END_TEST

START_TEST(views_apart_from_records)
{
	const struct rec_domain *rec = add_domain(5, "example.com", "/srv/a");
	const char view[] = "parsed view";
	const char *got;

	/* a key given by its bytes, not NUL-terminated */
	got = record_cache_add_view(cache, 5, STORE_DOMAINS, "example.comXYZ",
				    11, view, sizeof(view));
	ck_assert_ptr_ne(got, view);
	ck_assert_mem_eq(got, view, sizeof(view));
	ck_assert_ptr_eq(
	    record_cache_get_view(cache, 5, STORE_DOMAINS, "example.com", 11),
	    got);
	ck_assert_ptr_null(
	    record_cache_get_view(cache, 5, STORE_DOMAINS, "example.co", 10));
	ck_assert_ptr_null(
	    record_cache_get_view(cache, 5, STORE_SERVERS, "example.com", 11));
	/* the decoded record of the same key is still itself */
	ck_assert_ptr_eq(
	    record_cache_get(cache, 5, STORE_DOMAINS, "example.com"), rec);
	/* another snapshot: the view is gone too */
	ck_assert_ptr_null(
	    record_cache_get_view(cache, 6, STORE_DOMAINS, "example.com", 11));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("record_cache");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, hit_until_the_snapshot_changes);
	tcase_add_test(tc, corrupt_value_refused);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, trim_keeps_a_cache_with_room);
	tcase_add_test(tc, views_apart_from_records);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
