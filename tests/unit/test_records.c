/*
 * records: every record type filled through its descriptor table, encoded,
 * decoded and compared field by field; type checks, absent fields, fields
 * from a newer writer, and damaged values (cut at every length, corrupted).
 */
#include <check.h>

#include "testutil.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"

#define KEY "key-of-the-record"

static uint64_t get_uint(const struct field_desc *field, const void *rec)
{
	switch (field->type) {
	case FT_BOOL:
		return *RECORD_FIELD(rec, field, const bool);
	case FT_ENUM:
	case FT_SET:
		return *RECORD_FIELD(rec, field, const unsigned);
	default:
		return *RECORD_FIELD(rec, field, const uint64_t);
	}
}

static void set_uint(const struct field_desc *field, void *rec, uint64_t v)
{
	switch (field->type) {
	case FT_BOOL:
		*RECORD_FIELD(rec, field, bool) = v != 0;
		break;
	case FT_ENUM:
	case FT_SET:
		*RECORD_FIELD(rec, field, unsigned) = (unsigned)v;
		break;
	default:
		*RECORD_FIELD(rec, field, uint64_t) = v;
		break;
	}
}

static size_t enum_count(const struct field_desc *field)
{
	size_t n = 0;

	while (field->enum_names[n] != NULL)
		n++;
	return n;
}

/* A value unlike the default (and unlike zero) for an integer field. */
static uint64_t sample_uint(const struct field_desc *field, int variant)
{
	bool on_by_default = field->default_text != NULL &&
			     strcmp(field->default_text, "yes") == 0;

	switch (field->type) {
	case FT_BOOL:
		return variant == 0 ? !on_by_default : 1;
	case FT_ENUM:
		return enum_count(field) - 1;
	case FT_SET:
		return variant == 0 ? (1u << enum_count(field)) - 1 : 2;
	case FT_COUNT:
		return variant == 0 ? 12345 : RECORD_UNLIMITED;
	case FT_SIZE:
		return variant == 0 ? UINT64_C(3) << 30 : RECORD_UNLIMITED;
	case FT_PORT:
		return variant == 0 ? 2525 : 65535;
	case FT_TIME:
		return variant == 0 ? 1798070400 : UINT64_C(253402300799);
	case FT_DURATION:
		return variant == 0 ? 5 * 3600 : 1;
	default:
		ck_abort_msg("%s is not an integer field", field->name);
		return 0;
	}
}

/* Fills every non-key field of rec with a value unlike its default. */
static void fill(const struct record_desc *desc, void *rec, int variant,
		 struct arena *arena)
{
	memset(rec, 0, desc->size);
	*RECORD_FIELD(rec, &desc->fields[0], const char *) = KEY;
	for (size_t i = 1; i < desc->field_count; i++) {
		const struct field_desc *field = &desc->fields[i];

		if (field_type_is_uint(field->type)) {
			set_uint(field, rec, sample_uint(field, variant));
		} else if (field_type_is_list(field->type)) {
			struct strlist *list =
			    RECORD_FIELD(rec, field, struct strlist);
			size_t n = variant == 0 ? 3 : 1;
			const char **items =
			    arena_alloc(arena, n * sizeof(*items));
			for (size_t j = 0; j < n; j++)
				items[j] =
				    arena_printf(arena, "%s-%zu@%d.org",
						 field->name, j, variant);
			list->count = n;
			list->items = items;
		} else {
			*RECORD_FIELD(rec, field, const char *) =
			    arena_printf(arena, "%s value %d \xc3\xa9",
					 field->name, variant);
		}
	}
}

/* Field by field, through the descriptor table. */
static void assert_same(const struct record_desc *desc, const void *want,
			const void *got)
{
	for (size_t i = 0; i < desc->field_count; i++) {
		const struct field_desc *field = &desc->fields[i];

		if (field_type_is_uint(field->type)) {
			ck_assert_msg(
			    get_uint(field, want) == get_uint(field, got),
			    "%s.%s: %llu, want %llu", desc->name, field->name,
			    (unsigned long long)get_uint(field, got),
			    (unsigned long long)get_uint(field, want));
		} else if (field_type_is_list(field->type)) {
			const struct strlist *a =
			    RECORD_FIELD(want, field, const struct strlist);
			const struct strlist *b =
			    RECORD_FIELD(got, field, const struct strlist);
			ck_assert_msg(a->count == b->count,
				      "%s.%s: %zu items, want %zu", desc->name,
				      field->name, b->count, a->count);
			for (size_t j = 0; j < a->count; j++)
				ck_assert_str_eq(a->items[j], b->items[j]);
		} else {
			const char *a =
			    *RECORD_FIELD(want, field, const char *const);
			const char *b =
			    *RECORD_FIELD(got, field, const char *const);
			ck_assert_msg(b != NULL, "%s.%s is NULL", desc->name,
				      field->name);
			ck_assert_msg(strcmp(a, b) == 0,
				      "%s.%s: \"%s\", want \"%s\"", desc->name,
				      field->name, b, a);
		}
	}
}

/* Every string set, every list empty-or-filled: what readers rely on. */
static void assert_usable(const struct record_desc *desc, const void *rec)
{
	for (size_t i = 0; i < desc->field_count; i++) {
		const struct field_desc *field = &desc->fields[i];

		if (field_type_is_uint(field->type))
			continue;
		if (field_type_is_list(field->type)) {
			const struct strlist *l =
			    RECORD_FIELD(rec, field, const struct strlist);
			for (size_t j = 0; j < l->count; j++)
				ck_assert_ptr_nonnull(l->items[j]);
		} else {
			ck_assert_ptr_nonnull(
			    *RECORD_FIELD(rec, field, const char *const));
		}
	}
}

/* Decodes from an exact-size heap copy so ASan sees any over-read. */
static int decode_copy(const struct record_desc *desc, const void *value,
		       size_t len, struct arena *arena, void *rec,
		       const char **error_r)
{
	void *copy = malloc(len != 0 ? len : 1);
	int ret;

	if (len != 0)
		memcpy(copy, value, len);
	ret = record_decode(desc, KEY, strlen(KEY), copy, len, arena, rec,
			    error_r);
	free(copy);
	return ret;
}

/* A record struct with room for any type, filled with garbage. */
static void *garbage_rec(const struct record_desc *desc, struct arena *arena)
{
	void *rec = arena_alloc(arena, desc->size);

	memset(rec, 0xa5, desc->size);
	return rec;
}

static enum record_type type_of(int i)
{
	return (enum record_type)(REC_CUSTOMER + i);
}

#define TYPE_COUNT (REC_TYPE_COUNT - REC_CUSTOMER)

START_TEST(schema_tables_are_sane)
{
	ck_assert_ptr_null(record_desc_get((enum record_type)0));
	ck_assert_ptr_null(record_desc_get(REC_TYPE_COUNT));
	for (int t = 0; t < TYPE_COUNT; t++) {
		const struct record_desc *desc = record_desc_get(type_of(t));
		ck_assert_ptr_nonnull(desc);
		ck_assert_int_eq(desc->type, type_of(t));
		ck_assert_uint_le(desc->field_count, 32);
		ck_assert(desc->fields[0].flags & FF_KEY);
		ck_assert_uint_eq(desc->fields[0].offset, 0);
		for (size_t i = 0; i < desc->field_count; i++) {
			const struct field_desc *f = &desc->fields[i];
			ck_assert_ptr_eq(record_field(desc, f->name), f);
			if (i != 0) {
				ck_assert_uint_ne(f->id, 0);
				ck_assert(!(f->flags & FF_KEY));
			}
			for (size_t j = 0; j < i; j++)
				ck_assert_msg(desc->fields[j].id != f->id,
					      "%s: id %u twice", desc->name,
					      f->id);
			if (f->type == FT_ENUM || f->type == FT_SET)
				ck_assert_ptr_nonnull(f->enum_names);
		}
		ck_assert_ptr_null(record_field(desc, "no_such_field"));
		ck_assert_ptr_null(record_field(desc, ""));
	}
}
END_TEST

START_TEST(round_trip_every_type)
{
	const struct record_desc *desc = record_desc_get(type_of(_i));
	struct arena arena;
	struct codec_buf buf, again;
	const char *error = NULL;

	arena_init(&arena, 0);
	codec_buf_init(&buf);
	codec_buf_init(&again);
	for (int variant = 0; variant < 2; variant++) {
		void *rec = arena_zalloc(&arena, desc->size);
		void *out = garbage_rec(desc, &arena);

		fill(desc, rec, variant, &arena);
		record_encode(desc, rec, &buf);
		ck_assert_uint_eq(buf.data[0], CODEC_FORMAT_VERSION);
		ck_assert_uint_eq(buf.data[1], desc->type);
		/* the key is not part of the value */
		ck_assert_ptr_null(memmem(buf.data, buf.len, KEY, strlen(KEY)));
		ck_assert_msg(decode_copy(desc, buf.data, buf.len, &arena, out,
					  &error) == 0,
			      "%s: %s", desc->name, error);
		assert_same(desc, rec, out);
		/* decoding loses nothing: the same bytes come out again */
		record_encode(desc, out, &again);
		ck_assert_uint_eq(again.len, buf.len);
		ck_assert_int_eq(memcmp(again.data, buf.data, buf.len), 0);
	}
	codec_buf_deinit(&buf);
	codec_buf_deinit(&again);
	arena_deinit(&arena);
}
END_TEST

START_TEST(other_type_is_refused)
{
	const struct record_desc *desc = record_desc_get(type_of(_i));
	struct arena arena;
	struct codec_buf buf;

	arena_init(&arena, 0);
	codec_buf_init(&buf);
	void *rec = arena_zalloc(&arena, desc->size);
	fill(desc, rec, 0, &arena);
	record_encode(desc, rec, &buf);
	for (int t = 0; t < TYPE_COUNT; t++) {
		const struct record_desc *other = record_desc_get(type_of(t));
		void *out = garbage_rec(other, &arena);
		const char *error = NULL;
		int ret =
		    decode_copy(other, buf.data, buf.len, &arena, out, &error);

		if (other == desc) {
			ck_assert_int_eq(ret, 0);
			continue;
		}
		ck_assert_msg(ret == -1, "%s decoded as %s", desc->name,
			      other->name);
		ck_assert_str_eq(error, "record has an unexpected type");
	}
	codec_buf_deinit(&buf);
	arena_deinit(&arena);
}
END_TEST

START_TEST(peek_type)
{
	static const struct {
		const char *bytes;
		size_t len;
		int ret;
		enum record_type type;
	} cases[] = {
	    {"", 0, -1, 0},
	    {"\x01", 1, -1, 0},
	    {"\x01\x00", 2, -1, 0},
	    {"\x01\x01", 2, 0, REC_CUSTOMER},
	    {"\x01\x05\x03\x00", 4, 0, REC_MAILBOX},
	    {"\x01\x08", 2, 0, REC_SERVER},
	    {"\x01\x09", 2, -1, 0},
	    {"\x01\xff", 2, -1, 0},
	    {"\x02\x05", 2, -1, 0}, /* newer format */
	    {"\x00\x05", 2, -1, 0},
	};
	struct codec_buf buf;
	struct arena arena;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum record_type type = (enum record_type)99;
		int ret = record_peek_type(cases[i].bytes, cases[i].len, &type);
		ck_assert_msg(ret == cases[i].ret, "case %zu: %d", i, ret);
		if (ret == 0)
			ck_assert_int_eq(type, cases[i].type);
		else
			ck_assert_int_eq(type, 99); /* untouched */
	}
	arena_init(&arena, 0);
	codec_buf_init(&buf);
	for (int t = 0; t < TYPE_COUNT; t++) {
		const struct record_desc *desc = record_desc_get(type_of(t));
		void *rec = arena_zalloc(&arena, desc->size);
		enum record_type type;

		fill(desc, rec, 1, &arena);
		record_encode(desc, rec, &buf);
		ck_assert_int_eq(record_peek_type(buf.data, buf.len, &type), 0);
		ck_assert_int_eq(type, desc->type);
	}
	codec_buf_deinit(&buf);
	arena_deinit(&arena);
}
END_TEST

/* A value with no fields: strings "", lists empty, integers 0. */
START_TEST(absent_fields_decode_empty)
{
	const struct record_desc *desc = record_desc_get(type_of(_i));
	unsigned char value[2] = {CODEC_FORMAT_VERSION,
				  (unsigned char)desc->type};
	struct arena arena;
	const char *error = NULL;

	arena_init(&arena, 0);
	void *out = garbage_rec(desc, &arena);
	ck_assert_int_eq(decode_copy(desc, value, 2, &arena, out, &error), 0);
	ck_assert_str_eq(*RECORD_FIELD(out, &desc->fields[0], const char *),
			 KEY);
	for (size_t i = 1; i < desc->field_count; i++) {
		const struct field_desc *field = &desc->fields[i];
		if (field_type_is_uint(field->type)) {
			ck_assert_uint_eq(get_uint(field, out), 0);
		} else if (field_type_is_list(field->type)) {
			ck_assert_uint_eq(
			    RECORD_FIELD(out, field, struct strlist)->count, 0);
		} else {
			const char *s = *RECORD_FIELD(out, field, const char *);
			ck_assert_msg(s != NULL, "%s.%s is NULL", desc->name,
				      field->name);
			ck_assert_str_eq(s, "");
		}
	}
	/* and an empty key */
	out = garbage_rec(desc, &arena);
	ck_assert_int_eq(
	    record_decode(desc, "", 0, value, 2, &arena, out, &error), 0);
	ck_assert_str_eq(*RECORD_FIELD(out, &desc->fields[0], const char *),
			 "");
	arena_deinit(&arena);
}
END_TEST

/* A newer writer added fields 200 (bytes) and 201 (uint, list-like
 * repeated): this reader keeps everything it knows. */
START_TEST(newer_writer_extra_fields)
{
	const struct record_desc *desc = record_desc_get(type_of(_i));
	struct arena arena;
	struct codec_buf buf;
	const char *error = NULL;

	arena_init(&arena, 0);
	codec_buf_init(&buf);
	void *rec = arena_zalloc(&arena, desc->size);
	void *out = garbage_rec(desc, &arena);
	fill(desc, rec, 0, &arena);
	record_encode(desc, rec, &buf);
	codec_put_bytes(&buf, 200, "a field from the future", 23);
	codec_put_uint(&buf, 201, UINT64_MAX);
	codec_put_uint(&buf, 201, 1);
	codec_put_bytes(&buf, 255, "", 0);
	ck_assert_msg(
	    decode_copy(desc, buf.data, buf.len, &arena, out, &error) == 0,
	    "%s: %s", desc->name, error);
	assert_same(desc, rec, out);
	codec_buf_deinit(&buf);
	arena_deinit(&arena);
}
END_TEST

/* An integer payload longer than 8 bytes is corrupt. */
START_TEST(oversized_uint_is_corrupt)
{
	const struct record_desc *desc = record_desc_get(REC_SERVER);
	const struct field_desc *port = record_field(desc, "lmtp_port");
	struct arena arena;
	struct codec_buf buf;
	const char *error = NULL;

	arena_init(&arena, 0);
	codec_buf_init(&buf);
	codec_begin(&buf, REC_SERVER);
	codec_put_bytes(&buf, port->id, "\x00\x00\x00\x00\x00\x00\x00\x00\x19",
			9);
	void *out = garbage_rec(desc, &arena);
	ck_assert_int_eq(
	    decode_copy(desc, buf.data, buf.len, &arena, out, &error), -1);
	ck_assert_str_eq(error, "record is corrupt");
	/* 8 bytes with leading zeros are fine */
	codec_begin(&buf, REC_SERVER);
	codec_put_bytes(&buf, port->id, "\x00\x00\x00\x00\x00\x00\x00\x19", 8);
	ck_assert_int_eq(
	    decode_copy(desc, buf.data, buf.len, &arena, out, &error), 0);
	ck_assert_uint_eq(((struct rec_server *)out)->lmtp_port, 25);
	codec_buf_deinit(&buf);
	arena_deinit(&arena);
}
END_TEST

/* Cut at every length: the header errors, a clean decode exactly at field
 * boundaries (fewer fields), "record is corrupt" anywhere else. */
START_TEST(truncated_at_every_length)
{
	const struct record_desc *desc = record_desc_get(type_of(_i));
	struct arena arena;
	struct codec_buf buf;
	struct codec_reader reader;
	size_t bounds[256], nbounds = 0;
	uint8_t type, id;
	const unsigned char *payload;
	size_t plen;

	arena_init(&arena, 0);
	codec_buf_init(&buf);
	void *rec = arena_zalloc(&arena, desc->size);
	fill(desc, rec, 0, &arena);
	record_encode(desc, rec, &buf);
	/* the field boundaries, found by the codec */
	const char *error;
	ck_assert_int_eq(
	    codec_read_begin(&reader, buf.data, buf.len, &type, &error), 0);
	bounds[nbounds++] = 2;
	while (codec_read_next(&reader, &id, &payload, &plen) == 1)
		bounds[nbounds++] = (size_t)(reader.pos - buf.data);
	ck_assert_uint_eq(bounds[nbounds - 1], buf.len);

	for (size_t len = 0; len <= buf.len; len++) {
		bool boundary = false;
		for (size_t b = 0; b < nbounds; b++)
			boundary |= bounds[b] == len;
		void *out = garbage_rec(desc, &arena);
		error = NULL;
		int ret = decode_copy(desc, buf.data, len, &arena, out, &error);
		if (len < 2) {
			ck_assert_int_eq(ret, -1);
			ck_assert_str_eq(error, "record is truncated");
		} else if (boundary) {
			ck_assert_msg(ret == 0, "%s cut at %zu: %s", desc->name,
				      len, error);
			assert_usable(desc, out);
		} else {
			ck_assert_msg(ret == -1, "%s cut at %zu accepted",
				      desc->name, len);
			ck_assert_str_eq(error, "record is corrupt");
		}
		arena_reset(&arena);
	}
	codec_buf_deinit(&buf);
	arena_deinit(&arena);
}
END_TEST

START_TEST(random_corruption_never_crashes)
{
	const struct record_desc *desc = record_desc_get(type_of(_i));
	struct arena arena, scratch;
	struct codec_buf buf;
	unsigned seed = 777u + (unsigned)_i;
	size_t ok = 0;

	arena_init(&arena, 0);
	arena_init(&scratch, 0);
	codec_buf_init(&buf);
	void *rec = arena_zalloc(&arena, desc->size);
	fill(desc, rec, 0, &arena);
	record_encode(desc, rec, &buf);
	unsigned char *copy = malloc(buf.len);
	for (int round = 0; round < 3000; round++) {
		const char *error = NULL;
		memcpy(copy, buf.data, buf.len);
		int flips = 1 + rand_r(&seed) % 4;
		for (int f = 0; f < flips; f++)
			copy[2 + (size_t)rand_r(&seed) % (buf.len - 2)] =
			    (unsigned char)rand_r(&seed);
		size_t len = buf.len - (size_t)rand_r(&seed) % 3;
		void *out = garbage_rec(desc, &scratch);
		int ret = decode_copy(desc, copy, len, &scratch, out, &error);
		ck_assert(ret == 0 || ret == -1);
		if (ret == 0) {
			assert_usable(desc, out);
			ok++;
		} else {
			ck_assert_ptr_nonnull(error);
		}
		arena_reset(&scratch);
	}
	(void)ok;
	free(copy);
	codec_buf_deinit(&buf);
	arena_deinit(&scratch);
	arena_deinit(&arena);
}
END_TEST

/* A list given as repeated fields keeps its order and its duplicates. */
START_TEST(list_order_and_empty_items)
{
	const struct record_desc *desc = record_desc_get(REC_ALIAS);
	const struct field_desc *targets = record_field(desc, "targets");
	const struct field_desc *rules = record_field(desc, "send_rules");
	struct arena arena;
	struct codec_buf buf;
	const char *error = NULL;
	struct rec_alias out;

	arena_init(&arena, 0);
	codec_buf_init(&buf);
	codec_begin(&buf, REC_ALIAS);
	codec_put_bytes(&buf, targets->id, "c@x.org", 7);
	codec_put_bytes(&buf, rules->id, "deny:members", 12);
	codec_put_bytes(&buf, targets->id, "a@x.org", 7);
	codec_put_bytes(&buf, targets->id, "", 0);
	codec_put_bytes(&buf, targets->id, "c@x.org", 7);
	ck_assert_int_eq(
	    decode_copy(desc, buf.data, buf.len, &arena, &out, &error), 0);
	ck_assert_str_eq(out.address, KEY);
	ck_assert_uint_eq(out.targets.count, 4);
	ck_assert_str_eq(out.targets.items[0], "c@x.org");
	ck_assert_str_eq(out.targets.items[1], "a@x.org");
	ck_assert_str_eq(out.targets.items[2], "");
	ck_assert_str_eq(out.targets.items[3], "c@x.org");
	ck_assert_uint_eq(out.send_rules.count, 1);
	ck_assert_str_eq(out.send_rules.items[0], "deny:members");
	ck_assert(!out.enabled);
	ck_assert_uint_eq(out.send_check, 0);
	codec_buf_deinit(&buf);
	arena_deinit(&arena);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("records");
	TCase *tc = tcase_create("records");

	tcase_add_test(tc, schema_tables_are_sane);
	tcase_add_loop_test(tc, round_trip_every_type, 0, TYPE_COUNT);
	tcase_add_loop_test(tc, other_type_is_refused, 0, TYPE_COUNT);
	tcase_add_test(tc, peek_type);
	tcase_add_loop_test(tc, absent_fields_decode_empty, 0, TYPE_COUNT);
	tcase_add_loop_test(tc, newer_writer_extra_fields, 0, TYPE_COUNT);
	tcase_add_test(tc, oversized_uint_is_corrupt);
	tcase_add_loop_test(tc, truncated_at_every_length, 0, TYPE_COUNT);
	tcase_add_loop_test(tc, random_corruption_never_crashes, 0, TYPE_COUNT);
	tcase_add_test(tc, list_order_and_empty_items);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
