/*
 * Unit tests of auth/dict_codec.c, Dovecot 2.3's dict framing and tab
 * escaping (protocols.md 3.1): escaping both ways from a table; command
 * lines fed whole, one byte at a time and in random splits, as a
 * connection buffers them (every prefix of a valid stream says NEED_MORE,
 * and the fields come out the same whichever way it is fed); splitting
 * into fields; the line limit, enforced before the LF arrives.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict_codec.h"
#include "testutil.h"

#define S(s) s, sizeof(s) - 1

/* ---- escaping ---------------------------------------------------------- */

struct escape_case {
	const char *raw;
	size_t raw_len;
	const char *escaped;
	size_t escaped_len;
};

static const struct escape_case escapes[] = {
    {S(""), S("")},
    {S("user@example.com"), S("user@example.com")},
    {S("\t"), S("\001t")},
    {S("\001"), S("\0011")},
    {S("\r"), S("\001r")},
    {S("\n"), S("\001n")},
    {S("\0"), S("\0010")},
    {S("va\tlue\r\n"), S("va\001tlue\001r\001n")},
    {S("{\"password\": \"{PLAIN}a\\tb\"}"),
     S("{\"password\": \"{PLAIN}a\\tb\"}")},
    {S("\001\001t"), S("\0011\0011t")},
    {S("\xc3\xbcser"), S("\xc3\xbcser")},
};

#define N_ESCAPES (sizeof(escapes) / sizeof(escapes[0]))

START_TEST(escape_table)
{
	const struct escape_case *c = &escapes[_i];
	char out[128];

	ck_assert_uint_eq(dict_escaped_len(c->raw, c->raw_len), c->escaped_len);
	dict_escape(out, c->raw, c->raw_len);
	ck_assert(memcmp(out, c->escaped, c->escaped_len) == 0);
}
END_TEST

START_TEST(unescape_table)
{
	const struct escape_case *c = &escapes[_i];
	char line[128], *f[DICT_FIELDS_MAX];
	size_t l[DICT_FIELDS_MAX];

	memcpy(line, c->escaped, c->escaped_len);
	ck_assert_int_eq(dict_split(line, c->escaped_len, f, l, 1), 1);
	ck_assert_uint_eq(l[0], c->raw_len);
	ck_assert(memcmp(f[0], c->raw, c->raw_len) == 0);
	ck_assert_int_eq(f[0][l[0]], '\0'); /* NUL-terminated in place */
}
END_TEST

/* What only the decoder reads: \1 X is X for any other X. */
START_TEST(unescape_lenient)
{
	static const struct escape_case cases[] = {
	    {S("a"), S("\001a")},
	    {S("\001"), S("\001\001")},
	    {S("/x"), S("\001/x")},
	    {S("\t"), S("\001\t")}, /* a raw TAB in the last field */
	};
	char line[32], *f[1];
	size_t l[1];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(line, cases[i].escaped, cases[i].escaped_len);
		ck_assert_int_eq(
		    dict_split(line, cases[i].escaped_len, f, l, 1), 1);
		ck_assert_uint_eq(l[0], cases[i].raw_len);
		ck_assert(memcmp(f[0], cases[i].raw, l[0]) == 0);
	}
	/* An escape cut at the end of a field, last or not. */
	char cut[] = "a\001", cut2[] = "a\001\tb";
	char *g[2];
	size_t m[2];
	ck_assert_int_eq(dict_split(cut, 2, g, m, 2), -1);
	ck_assert_int_eq(dict_split(cut2, 4, g, m, 2), -1);
}
END_TEST

/* ---- splitting ---------------------------------------------------------- */

struct split_case {
	const char *line;
	size_t max_fields;
	int count;
	const char *fields[DICT_FIELDS_MAX];
};

static const struct split_case splits[] = {
    {"", 2, 1, {""}},
    {"\t", 2, 2, {"", ""}},
    {"3\t2\t0\t\tauth", 5, 5, {"3", "2", "0", "", "auth"}},
    {"a\tb\tc", 5, 3, {"a", "b", "c"}},
    /* The last field keeps further TABs when max_fields is reached. */
    {"a\tb\tc", 2, 2, {"a", "b\tc"}},
    {"1", 1, 1, {"1"}},
    /* An escaped TAB never splits. */
    {"k\001t1\tv", 2, 2, {"k\t1", "v"}},
    {"priv/quota/storage\t", 2, 2, {"priv/quota/storage", ""}},
};

START_TEST(split_table)
{
	const struct split_case *c = &splits[_i];
	char line[64], *f[DICT_FIELDS_MAX];
	size_t l[DICT_FIELDS_MAX], len = strlen(c->line);

	memcpy(line, c->line, len + 1);
	ck_assert_int_eq(dict_split(line, len, f, l, c->max_fields), c->count);
	for (int i = 0; i < c->count; i++) {
		ck_assert_uint_eq(l[i], strlen(c->fields[i]));
		ck_assert_str_eq(f[i], c->fields[i]);
	}
}
END_TEST

/* ---- framing ------------------------------------------------------------ */

START_TEST(frame_basics)
{
	struct proto_request r;

	ck_assert_int_eq(dict_frame("", 0, 64, &r), PROTO_NEED_MORE);
	ck_assert_int_eq(dict_frame("Lab", 3, 64, &r), PROTO_NEED_MORE);
	ck_assert_int_eq(dict_frame("\n", 1, 64, &r), PROTO_REQUEST);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_uint_eq(r.used, 1);
	/* Two pipelined lines: only the first. */
	ck_assert_int_eq(dict_frame("La\tu\nLb\tu\n", 10, 64, &r),
			 PROTO_REQUEST);
	ck_assert_uint_eq(r.len, 4);
	ck_assert_uint_eq(r.used, 5);
	/* CR is not a line end (Dovecot sends LF only; CR is escaped). */
	ck_assert_int_eq(dict_frame("La\r\n", 4, 64, &r), PROTO_REQUEST);
	ck_assert_uint_eq(r.len, 3);
	/* A raw NUL is not the protocol. */
	ck_assert_int_eq(dict_frame("L\0b\n", 4, 64, &r), PROTO_ERR_FORMAT);
}
END_TEST

START_TEST(frame_limit)
{
	struct proto_request r;
	char big[100];

	memset(big, 'x', sizeof(big));
	/* A line of exactly max bytes is fine. */
	big[64] = '\n';
	ck_assert_int_eq(dict_frame(big, 65, 64, &r), PROTO_REQUEST);
	ck_assert_uint_eq(r.len, 64);
	/* max + 1 bytes without a LF: refused before more is buffered. */
	big[64] = 'x';
	ck_assert_int_eq(dict_frame(big, 64, 64, &r), PROTO_NEED_MORE);
	ck_assert_int_eq(dict_frame(big, 65, 64, &r), PROTO_ERR_SIZE);
	/* A LF beyond the limit does not make it a line. */
	big[80] = '\n';
	ck_assert_int_eq(dict_frame(big, 81, 64, &r), PROTO_ERR_SIZE);
	/* A short line followed by an over-long one: first the line. */
	big[3] = '\n';
	ck_assert_int_eq(dict_frame(big, sizeof(big), 64, &r), PROTO_REQUEST);
	ck_assert_uint_eq(r.used, 4);
}
END_TEST

/* A stream of command lines, each field tab-escaped, and what they hold:
 * fields joined with '|', lines ended with ';'. */
static void build_stream(char *wire, size_t *wire_len, char *expect,
			 size_t *expect_len)
{
	static const char *const fields[][5] = {
	    {"H3", "2", "0", "", "auth"},
	    {"Lshared/passdb/imap//u@example.com", "u@example.com"},
	    {"S1", "priv/quota/storage", "va\tl\nu\re\001"},
	    {"I0", "0", "shared/userdb/", "*"},
	    {"Lk\0ey", "\001"},
	};
	static const size_t counts[] = {5, 2, 3, 4, 2};
	static const size_t lens[][5] = {
	    {2, 1, 1, 0, 4}, {34, 13}, {2, 18, 9}, {2, 1, 14, 1}, {5, 1}};
	size_t w = 0, e = 0;

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		for (size_t f = 0; f < counts[i]; f++) {
			const char *raw = fields[i][f];
			size_t n = lens[i][f];
			if (f != 0)
				wire[w++] = '\t';
			if (f == 0) { /* the command char is not escaped */
				wire[w++] = raw[0];
				raw++;
				n--;
			}
			dict_escape(wire + w, raw, n);
			w += dict_escaped_len(raw, n);
			if (f != 0)
				expect[e++] = '|';
			memcpy(expect + e, fields[i][f], lens[i][f]);
			e += lens[i][f];
		}
		wire[w++] = '\n';
		expect[e++] = ';';
	}
	*wire_len = w;
	*expect_len = e;
}

/* Frames and splits one line into "C<f1>|<f2>...;" (tu_feed's framing
 * step). */
struct split_lines {
	char *out;
	size_t len;
};

static size_t split_frame(const char *buf, size_t have, void *context)
{
	struct split_lines *s = context;
	struct proto_request r;
	enum proto_frame fr = dict_frame(buf, have, 256, &r);
	char line[256], *f[DICT_FIELDS_MAX];
	size_t l[DICT_FIELDS_MAX];
	int count;

	if (fr == PROTO_NEED_MORE)
		return 0;
	ck_assert_int_eq(fr, PROTO_REQUEST);
	memcpy(line, r.data + 1, r.len - 1);
	count = dict_split(line, r.len - 1, f, l, DICT_FIELDS_MAX);
	ck_assert_int_gt(count, 0);
	for (int i = 0; i < count; i++) {
		s->out[s->len++] = i == 0 ? r.data[0] : '|';
		memcpy(s->out + s->len, f[i], l[i]);
		s->len += l[i];
	}
	s->out[s->len++] = ';';
	return r.used;
}

/* Feeds wire in chunks of the given sizes (nchunks 0: whole) as a
 * connection buffers it, framing and splitting every complete line. */
static size_t feed(const char *wire, size_t len, const size_t *chunks,
		   size_t nchunks, char *out)
{
	struct split_lines s = {out, 0};

	tu_feed(wire, len, chunks, nchunks, split_frame, &s);
	return s.len;
}

START_TEST(stream_whole_bytewise_random)
{
	char wire[1024], expect[1024], got[1024];
	size_t wire_len, expect_len, one = 1, sizes[64];

	build_stream(wire, &wire_len, expect, &expect_len);
	ck_assert_uint_eq(feed(wire, wire_len, NULL, 0, got), expect_len);
	ck_assert(memcmp(got, expect, expect_len) == 0);
	ck_assert_uint_eq(feed(wire, wire_len, &one, 1, got), expect_len);
	ck_assert(memcmp(got, expect, expect_len) == 0);
	srand(7);
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < 64; i++)
			sizes[i] = 1 + (size_t)(rand() % 17);
		ck_assert_uint_eq(feed(wire, wire_len, sizes, 64, got),
				  expect_len);
		ck_assert(memcmp(got, expect, expect_len) == 0);
	}
}
END_TEST

/* Random bytes escaped into "L<esc>\t<esc>\n" come back intact, and the
 * escaped form never holds a TAB, LF or NUL. */
START_TEST(escape_roundtrip_random)
{
	static const char pool[] = "ab\t\r\n\001\0x/";

	srand(42);
	for (int round = 0; round < 500; round++) {
		char raw[64], line[300], *f[2];
		size_t n = (size_t)(rand() % 60), l[2], len = 0;
		for (size_t i = 0; i < n; i++)
			raw[i] = pool[rand() % (sizeof(pool) - 1)];
		size_t elen = dict_escaped_len(raw, n);
		for (int k = 0; k < 2; k++) {
			if (k != 0)
				line[len++] = '\t';
			dict_escape(line + len, raw, n);
			ck_assert(memchr(line + len, '\t', elen) == NULL);
			ck_assert(memchr(line + len, '\n', elen) == NULL);
			ck_assert(memchr(line + len, '\0', elen) == NULL);
			len += elen;
		}
		ck_assert_int_eq(dict_split(line, len, f, l, 2), 2);
		for (int k = 0; k < 2; k++) {
			ck_assert_uint_eq(l[k], n);
			ck_assert(memcmp(f[k], raw, n) == 0);
		}
	}
}
END_TEST

/* One byte of each kind at every position of a long plain value: the
 * length counts it exactly when it is special (the word-at-a-time scan
 * must not miss one, nor count a byte just above or below the specials). */
START_TEST(escaped_len_every_position)
{
	static const unsigned char probes[] = {0,  1,  2,  8,	 9,    10,
					       11, 13, 14, 0x7f, 0x80, 0xff};

	for (size_t p = 0; p < sizeof(probes); p++) {
		unsigned char c = probes[p];
		bool special = c == 0 || c == 1 || c == 9 || c == 10 || c == 13;
		for (size_t pos = 0; pos < 40; pos++) {
			char raw[40], out[80];
			memset(raw, 'a', sizeof(raw));
			raw[pos] = (char)c;
			size_t elen = dict_escaped_len(raw, sizeof(raw));
			ck_assert_uint_eq(elen,
					  sizeof(raw) + (special ? 1 : 0));
			dict_escape(out, raw, sizeof(raw));
			ck_assert_int_eq(out[pos] == '\001', special || c == 1);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dict_codec");
	TCase *tc = tcase_create("dict_codec");

	tcase_add_loop_test(tc, escape_table, 0, N_ESCAPES);
	tcase_add_loop_test(tc, unescape_table, 0, N_ESCAPES);
	tcase_add_test(tc, escaped_len_every_position);
	tcase_add_test(tc, unescape_lenient);
	tcase_add_loop_test(tc, split_table, 0,
			    sizeof(splits) / sizeof(splits[0]));
	tcase_add_test(tc, frame_basics);
	tcase_add_test(tc, frame_limit);
	tcase_add_test(tc, stream_whole_bytewise_random);
	tcase_add_test(tc, escape_roundtrip_random);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
