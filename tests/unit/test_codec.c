/*
 * codec: exact bytes of every field shape the writer makes, round trips,
 * and the reader on a table of records fed whole, one byte short, cut at
 * every length and randomly corrupted; then plain random bytes. The reader
 * gets an exact-size heap copy each time, so ASan sees any over-read.
 */
#include <check.h>

#include "testutil.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

#define MAX_FIELDS 64

struct field {
	uint8_t id;
	size_t len;
	size_t offset; /* of the payload in the record */
};

struct decoded {
	int begin;	   /* codec_read_begin's result */
	const char *error; /* its message when it failed */
	uint8_t type;
	int end;      /* 0 clean end, -1 corrupt */
	size_t count; /* fields read before the end */
	struct field fields[MAX_FIELDS];
};

/* Decodes data[0..len) from an exact-size copy; checks that every payload
 * lies inside the record. */
static void decode(const void *data, size_t len, struct decoded *out)
{
	unsigned char *copy = malloc(len != 0 ? len : 1);
	struct codec_reader reader;
	const unsigned char *payload;
	uint8_t id;
	size_t plen;
	int ret;

	ck_assert_ptr_nonnull(copy);
	if (len != 0)
		memcpy(copy, data, len);
	memset(out, 0, sizeof(*out));
	out->begin =
	    codec_read_begin(&reader, copy, len, &out->type, &out->error);
	if (out->begin < 0) {
		ck_assert_ptr_nonnull(out->error);
		free(copy);
		return;
	}
	while ((ret = codec_read_next(&reader, &id, &payload, &plen)) == 1) {
		ck_assert_uint_ne(id, 0);
		ck_assert(payload >= copy + 2);
		ck_assert(plen <= CODEC_FIELD_MAX);
		ck_assert(plen <= (size_t)(copy + len - payload));
		if (out->count < MAX_FIELDS) {
			out->fields[out->count].id = id;
			out->fields[out->count].len = plen;
			out->fields[out->count].offset =
			    (size_t)(payload - copy);
		}
		out->count++;
	}
	ck_assert_msg(ret == 0 || ret == -1, "codec_read_next returned %d",
		      ret);
	out->end = ret;
	free(copy);
}

/* Writer: exact bytes */

struct uint_case {
	uint64_t value;
	size_t len; /* payload bytes */
	const char *payload;
};

static const struct uint_case uint_cases[] = {
    {0, 0, ""},
    {1, 1, "\x01"},
    {127, 1, "\x7f"},
    {255, 1, "\xff"},
    {256, 2, "\x01\x00"},
    {65535, 2, "\xff\xff"},
    {65536, 3, "\x01\x00\x00"},
    {UINT64_C(1) << 32, 5, "\x01\x00\x00\x00\x00"},
    {UINT64_MAX, 8, "\xff\xff\xff\xff\xff\xff\xff\xff"},
};

START_TEST(uint_exact_bytes_and_round_trip)
{
	const struct uint_case *c = &uint_cases[_i];
	struct codec_buf buf;
	struct decoded d;
	uint64_t value = 12345;

	codec_buf_init(&buf);
	codec_begin(&buf, 7);
	codec_put_uint(&buf, 42, c->value);
	ck_assert_uint_eq(buf.len, 2 + 1 + 1 + c->len);
	ck_assert_uint_eq(buf.data[0], CODEC_FORMAT_VERSION);
	ck_assert_uint_eq(buf.data[1], 7);
	ck_assert_uint_eq(buf.data[2], 42);
	ck_assert_uint_eq(buf.data[3], c->len);
	ck_assert_int_eq(memcmp(buf.data + 4, c->payload, c->len), 0);

	decode(buf.data, buf.len, &d);
	ck_assert_int_eq(d.begin, 0);
	ck_assert_uint_eq(d.type, 7);
	ck_assert_int_eq(d.end, 0);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_uint_eq(d.fields[0].id, 42);
	ck_assert_uint_eq(d.fields[0].len, c->len);
	ck_assert_int_eq(codec_payload_uint(buf.data + d.fields[0].offset,
					    d.fields[0].len, &value),
			 0);
	ck_assert_uint_eq(value, c->value);
	codec_buf_deinit(&buf);
	ck_assert_ptr_null(buf.data);
	ck_assert_uint_eq(buf.len, 0);
}
END_TEST

struct bytes_case {
	size_t len;
	size_t varint_len;
	const char *varint;
};

static const struct bytes_case bytes_cases[] = {
    {0, 1, "\x00"},
    {1, 1, "\x01"},
    {127, 1, "\x7f"},
    {128, 2, "\x80\x01"},
    {255, 2, "\xff\x01"},
    {256, 2, "\x80\x02"},
    {16383, 2, "\xff\x7f"},
    {16384, 3, "\x80\x80\x01"},
    {102400, 3, "\x80\xa0\x06"}, /* 100 KB */
    {CODEC_FIELD_MAX, 3, "\x80\x80\x40"},
};

START_TEST(bytes_exact_bytes_and_round_trip)
{
	const struct bytes_case *c = &bytes_cases[_i];
	unsigned char *text = malloc(c->len + 1);
	struct codec_buf buf;
	struct decoded d;

	for (size_t i = 0; i < c->len; i++)
		text[i] = (unsigned char)(i * 7 + 3);
	codec_buf_init(&buf);
	codec_begin(&buf, 1);
	codec_put_bytes(&buf, 255, text, c->len);
	codec_put_uint(&buf, 1, 9); /* a field after it is still found */
	ck_assert_uint_eq(buf.len, 2 + 1 + c->varint_len + c->len + 3);
	ck_assert_uint_eq(buf.data[2], 255);
	ck_assert_int_eq(memcmp(buf.data + 3, c->varint, c->varint_len), 0);
	ck_assert_int_eq(memcmp(buf.data + 3 + c->varint_len, text, c->len), 0);

	decode(buf.data, buf.len, &d);
	ck_assert_int_eq(d.begin, 0);
	ck_assert_int_eq(d.end, 0);
	ck_assert_uint_eq(d.count, 2);
	ck_assert_uint_eq(d.fields[0].id, 255);
	ck_assert_uint_eq(d.fields[0].len, c->len);
	ck_assert_int_eq(memcmp(buf.data + d.fields[0].offset, text, c->len),
			 0);
	ck_assert_uint_eq(d.fields[1].id, 1);
	ck_assert_uint_eq(d.fields[1].len, 1);
	codec_buf_deinit(&buf);
	free(text);
}
END_TEST

START_TEST(begin_discards_previous_content)
{
	struct codec_buf buf;

	codec_buf_init(&buf);
	codec_begin(&buf, 3);
	for (int i = 1; i < 100; i++)
		codec_put_bytes(&buf, (uint8_t)i, "0123456789", 10);
	ck_assert_uint_eq(buf.len, 2 + 99 * 12);
	codec_begin(&buf, 4);
	ck_assert_uint_eq(buf.len, 2);
	ck_assert_uint_eq(buf.data[0], CODEC_FORMAT_VERSION);
	ck_assert_uint_eq(buf.data[1], 4);
	codec_put_bytes(&buf, 5, NULL, 0); /* empty payload, no data */
	ck_assert_uint_eq(buf.len, 4);
	ck_assert_uint_eq(buf.data[2], 5);
	ck_assert_uint_eq(buf.data[3], 0);
	codec_buf_deinit(&buf);
}
END_TEST

/* Reader: unknown ids are returned in order, so a caller can skip them. */
START_TEST(unknown_ids_are_passed_over)
{
	struct codec_buf buf;
	struct decoded d;

	codec_buf_init(&buf);
	codec_begin(&buf, 2);
	codec_put_uint(&buf, 1, 5);
	codec_put_bytes(&buf, 250, "from a newer writer", 19);
	codec_put_uint(&buf, 251, UINT64_MAX);
	codec_put_bytes(&buf, 2, "kept", 4);
	decode(buf.data, buf.len, &d);
	ck_assert_int_eq(d.end, 0);
	ck_assert_uint_eq(d.count, 4);
	ck_assert_uint_eq(d.fields[0].id, 1);
	ck_assert_uint_eq(d.fields[1].id, 250);
	ck_assert_uint_eq(d.fields[1].len, 19);
	ck_assert_uint_eq(d.fields[2].id, 251);
	ck_assert_uint_eq(d.fields[3].id, 2);
	ck_assert_int_eq(memcmp(buf.data + d.fields[3].offset, "kept", 4), 0);
	codec_buf_deinit(&buf);
}
END_TEST

/* Every prefix of a written record is either a clean end exactly at a field
 * boundary or a corrupt record; never more fields than were written. */
START_TEST(truncated_at_every_length)
{
	struct codec_buf buf;
	size_t bounds[16], nbounds = 0;
	char long_text[300];
	struct decoded d;

	memset(long_text, 'x', sizeof(long_text));
	codec_buf_init(&buf);
	codec_begin(&buf, 5);
	bounds[nbounds++] = buf.len;
	codec_put_uint(&buf, 1, 0);
	bounds[nbounds++] = buf.len;
	codec_put_uint(&buf, 2, 256);
	bounds[nbounds++] = buf.len;
	codec_put_bytes(&buf, 3, "", 0);
	bounds[nbounds++] = buf.len;
	codec_put_bytes(&buf, 4, long_text, sizeof(long_text));
	bounds[nbounds++] = buf.len;
	codec_put_uint(&buf, 200, UINT64_MAX);
	bounds[nbounds++] = buf.len;

	for (size_t len = 0; len <= buf.len; len++) {
		size_t fields = 0;
		bool boundary = false;

		for (size_t b = 0; b < nbounds; b++) {
			if (bounds[b] <= len)
				fields = b;
			if (bounds[b] == len)
				boundary = true;
		}
		decode(buf.data, len, &d);
		if (len < 2) {
			ck_assert_int_eq(d.begin, -1);
			ck_assert_str_eq(d.error, "record is truncated");
			continue;
		}
		ck_assert_int_eq(d.begin, 0);
		ck_assert_msg(d.end == (boundary ? 0 : -1),
			      "len %zu: end %d, want %d", len, d.end,
			      boundary ? 0 : -1);
		ck_assert_msg(d.count == fields,
			      "len %zu: %zu fields, want %zu", len, d.count,
			      fields);
	}
	codec_buf_deinit(&buf);
}
END_TEST

/* Hand-made records: whole, one byte short, every byte corrupted. */

struct reader_case {
	const char *name;
	const char *bytes;
	size_t len;
	const char *begin_error; /* NULL: the header is accepted */
	int end;		 /* 0 clean, -1 corrupt */
	size_t fields;		 /* read before the end */
};

#define R(name, lit, err, end, fields)                                         \
	{                                                                      \
		(name), (lit), sizeof(lit) - 1, (err), (end), (fields)         \
	}

static const struct reader_case reader_cases[] = {
    R("no bytes", "", "record is truncated", 0, 0),
    R("version only", "\x01", "record is truncated", 0, 0),
    R("empty record", "\x01\x05", NULL, 0, 0),
    R("newer format", "\x02\x05\x01\x01\x01",
      "record format is newer than this binary", 0, 0),
    R("much newer format", "\xff\x05",
      "record format is newer than this binary", 0, 0),
    R("format 0", "\x00\x05", "record format version is unknown", 0, 0),
    R("one uint", "\x01\x05\x03\x01\x07", NULL, 0, 1),
    R("empty payload", "\x01\x05\x03\x00", NULL, 0, 1),
    R("two fields", "\x01\x05\x03\x01\x07\x04\x02hi", NULL, 0, 2),
    R("unknown id kept going",
      "\x01\x05\xfe\x03"
      "abc\x01\x00",
      NULL, 0, 2),
    R("non-minimal varint", "\x01\x05\x03\x82\x00hi", NULL, 0, 1),
    R("field id 0", "\x01\x05\x00\x00", NULL, -1, 0),
    R("field id 0 after a field", "\x01\x05\x03\x00\x00\x01x", NULL, -1, 1),
    R("id without length", "\x01\x05\x03", NULL, -1, 0),
    R("varint without its end", "\x01\x05\x03\x80", NULL, -1, 0),
    R("length past the end",
      "\x01\x05\x03\x05"
      "ab",
      NULL, -1, 0),
    R("length one past the end",
      "\x01\x05\x03\x03"
      "ab",
      NULL, -1, 0),
    R("second length past the end",
      "\x01\x05\x03\x01x\x04\x7f"
      "abc",
      NULL, -1, 1),
    R("varint of five bytes", "\x01\x05\x03\x80\x80\x80\x80\x00", NULL, -1, 0),
    R("varint of five bytes, all set", "\x01\x05\x03\xff\xff\xff\xff\x0f", NULL,
      -1, 0),
    R("length above CODEC_FIELD_MAX", "\x01\x05\x03\x81\x80\x40", NULL, -1, 0),
    R("huge 4-byte length", "\x01\x05\x03\xff\xff\xff\x7f", NULL, -1, 0),
};

START_TEST(reader_case_whole)
{
	const struct reader_case *c = &reader_cases[_i];
	struct decoded d;

	decode(c->bytes, c->len, &d);
	if (c->begin_error != NULL) {
		ck_assert_msg(d.begin == -1, "%s: header accepted", c->name);
		ck_assert_str_eq(d.error, c->begin_error);
		return;
	}
	ck_assert_msg(d.begin == 0, "%s: %s", c->name, d.error);
	ck_assert_uint_eq(d.type, 5);
	ck_assert_msg(d.end == c->end, "%s: end %d, want %d", c->name, d.end,
		      c->end);
	ck_assert_msg(d.count == c->fields, "%s: %zu fields, want %zu", c->name,
		      d.count, c->fields);
}
END_TEST

START_TEST(reader_case_one_byte_short)
{
	const struct reader_case *c = &reader_cases[_i];
	struct decoded d;

	if (c->len == 0)
		return;
	decode(c->bytes, c->len - 1, &d);
	if (c->begin_error != NULL || c->len - 1 < 2) {
		ck_assert_int_eq(d.begin, -1);
		return;
	}
	ck_assert_int_eq(d.begin, 0);
	/* a well-formed record with fields loses its last one: corrupt */
	if (c->end == 0 && c->fields != 0)
		ck_assert_msg(d.end == -1, "%s: short record accepted",
			      c->name);
	ck_assert(d.count <= c->fields);
}
END_TEST

START_TEST(reader_case_random_corruption)
{
	const struct reader_case *c = &reader_cases[_i];
	unsigned seed = 1234u + (unsigned)_i;
	unsigned char copy[64];
	struct decoded d;

	ck_assert_uint_le(c->len, sizeof(copy));
	for (int round = 0; round < 2000; round++) {
		memcpy(copy, c->bytes, c->len);
		if (c->len != 0) {
			int flips = 1 + rand_r(&seed) % 3;
			for (int f = 0; f < flips; f++)
				copy[(size_t)rand_r(&seed) % c->len] =
				    (unsigned char)rand_r(&seed);
		}
		size_t len = c->len - (c->len != 0 ? (size_t)rand_r(&seed) %
							 (c->len + 1) / 4
						   : 0);
		decode(copy, len, &d); /* asserts the bounds itself */
		if (d.begin == 0)
			ck_assert(d.end == 0 || d.end == -1);
	}
}
END_TEST

START_TEST(random_bytes_never_crash)
{
	unsigned seed = 20240601u;
	unsigned char bytes[128];
	struct decoded d;
	size_t accepted = 0, corrupt = 0;

	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)rand_r(&seed) % sizeof(bytes);
		for (size_t j = 0; j < len; j++)
			bytes[j] = (unsigned char)rand_r(&seed);
		if (len != 0 && rand_r(&seed) % 2 == 0)
			bytes[0] = CODEC_FORMAT_VERSION;
		decode(bytes, len, &d);
		if (d.begin == 0 && d.end == 0)
			accepted++;
		else if (d.begin == 0)
			corrupt++;
	}
	/* the loop did reach the field reader, both ways */
	ck_assert_uint_gt(accepted, 0);
	ck_assert_uint_gt(corrupt, 0);
}
END_TEST

START_TEST(payload_uint_bounds)
{
	static const struct {
		const char *bytes;
		size_t len;
		int ret;
		uint64_t value;
	} cases[] = {
	    {"", 0, 0, 0},
	    {"\x00", 1, 0, 0},
	    {"\x00\x00\x01", 3, 0, 1},
	    {"\x12\x34", 2, 0, 0x1234},
	    {"\xff\xff\xff\xff\xff\xff\xff\xff", 8, 0, UINT64_MAX},
	    {"\x01\x00\x00\x00\x00\x00\x00\x00\x00", 9, -1, 0},
	    {"\x00\x00\x00\x00\x00\x00\x00\x00\x00", 9, -1, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t value = 777;
		int ret =
		    codec_payload_uint((const unsigned char *)cases[i].bytes,
				       cases[i].len, &value);
		ck_assert_msg(ret == cases[i].ret, "case %zu: %d", i, ret);
		if (ret == 0)
			ck_assert_uint_eq(value, cases[i].value);
	}
}
END_TEST

#define N(array) ((int)(sizeof(array) / sizeof((array)[0])))

int main(void)
{
	Suite *s = suite_create("codec");
	TCase *tc = tcase_create("codec");

	tcase_add_loop_test(tc, uint_exact_bytes_and_round_trip, 0,
			    N(uint_cases));
	tcase_add_loop_test(tc, bytes_exact_bytes_and_round_trip, 0,
			    N(bytes_cases));
	tcase_add_test(tc, begin_discards_previous_content);
	tcase_add_test(tc, unknown_ids_are_passed_over);
	tcase_add_test(tc, truncated_at_every_length);
	tcase_add_loop_test(tc, reader_case_whole, 0, N(reader_cases));
	tcase_add_loop_test(tc, reader_case_one_byte_short, 0, N(reader_cases));
	tcase_add_loop_test(tc, reader_case_random_corruption, 0,
			    N(reader_cases));
	tcase_add_test(tc, random_bytes_never_crash);
	tcase_add_test(tc, payload_uint_bounds);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
