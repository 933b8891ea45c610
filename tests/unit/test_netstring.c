/*
 * The netstring decoder fed whole, one byte at a time and in random
 * splits: every prefix of a valid stream must say NEED_MORE (never an
 * error), and the frames must come out the same whichever way it is fed.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netstring.h"
#include "testutil.h"

#define MAX 100000

struct frame_case {
	const char *wire;
	size_t wire_len;
	const char *payload;
	size_t payload_len;
};

#define W(s) s, sizeof(s) - 1

static const struct frame_case frames[] = {
    {W("0:,"), "", 0},
    {W("3:abc,"), "abc", 3},
    {W("004:OK x,"), "OK x", 4},
    {W("34:virtual-mailboxes user@example.com,"),
     "virtual-mailboxes user@example.com", 34},
    {W("5:a\0b,c,"), "a\0b,c", 5},
    {W("6:a:b,c:,"), "a:b,c:", 6},
};

/* Collects each frame's payload and a '|' (tu_feed's framing step). */
struct collected {
	char *out;
	size_t len, frames;
};

static size_t collect_frame(const char *buf, size_t have, void *context)
{
	struct collected *c = context;
	const char *payload;
	size_t plen, used;
	enum netstring_result r =
	    netstring_decode(buf, have, MAX, &payload, &plen, &used);

	if (r == NETSTRING_NEED_MORE)
		return 0;
	ck_assert_int_eq(r, NETSTRING_FRAME);
	memcpy(c->out + c->len, payload, plen);
	c->len += plen;
	c->out[c->len++] = '|';
	c->frames++;
	return used;
}

/* Feeds a stream in chunks of the given sizes, as a connection would,
 * and collects payloads. */
static size_t feed(const char *wire, size_t len, const size_t *chunks,
		   size_t nchunks, char *out, size_t *frames_r)
{
	struct collected c = {out, 0, 0};

	tu_feed(wire, len, chunks, nchunks, collect_frame, &c);
	*frames_r = c.frames;
	return c.len;
}

START_TEST(frames_whole_bytewise_random)
{
	char stream[2048], expect[2048], got[2048];
	size_t slen = 0, elen = 0, nframes;
	size_t one = 1;

	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		memcpy(stream + slen, frames[i].wire, frames[i].wire_len);
		slen += frames[i].wire_len;
		memcpy(expect + elen, frames[i].payload, frames[i].payload_len);
		elen += frames[i].payload_len;
		expect[elen++] = '|';
	}
	ck_assert_uint_eq(feed(stream, slen, NULL, 0, got, &nframes), elen);
	ck_assert_int_eq(memcmp(got, expect, elen), 0);
	ck_assert_uint_eq(nframes, 6);
	ck_assert_uint_eq(feed(stream, slen, &one, 1, got, &nframes), elen);
	ck_assert_int_eq(memcmp(got, expect, elen), 0);
	srandom(42);
	for (int round = 0; round < 500; round++) {
		size_t chunks[7];
		for (size_t c = 0; c < 7; c++)
			chunks[c] = 1 + (size_t)random() % 9;
		ck_assert_uint_eq(feed(stream, slen, chunks, 7, got, &nframes),
				  elen);
		ck_assert_int_eq(memcmp(got, expect, elen), 0);
	}
}
END_TEST

START_TEST(errors)
{
	static const struct {
		const char *wire;
		size_t len;
		enum netstring_result want;
	} cases[] = {
	    {W("x:abc,"), NETSTRING_ERR_FORMAT},
	    {W(":abc,"), NETSTRING_ERR_FORMAT},
	    {W("3 :abc,"), NETSTRING_ERR_FORMAT},
	    {W("-3:abc,"), NETSTRING_ERR_FORMAT},
	    {W("3:abcd"), NETSTRING_ERR_FORMAT}, /* missing comma */
	    {W("3:abc;"), NETSTRING_ERR_FORMAT},
	    {W("100001:"), NETSTRING_ERR_SIZE},
	    {W("100001"), NETSTRING_ERR_SIZE}, /* refused before the ':' */
	    {W("99999999999999999999999:"), NETSTRING_ERR_SIZE},
	    {W("000000000000000000003:abc,"),
	     NETSTRING_ERR_FORMAT}, /* > 20 digits */
	    {W("100000:"), NETSTRING_NEED_MORE},
	    {W("3:ab"), NETSTRING_NEED_MORE},
	    {W("3:abc"), NETSTRING_NEED_MORE},
	    {W("12"), NETSTRING_NEED_MORE},
	    {W(""), NETSTRING_NEED_MORE},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *payload;
		size_t plen, used;
		enum netstring_result r = netstring_decode(
		    cases[i].wire, cases[i].len, MAX, &payload, &plen, &used);
		ck_assert_msg(r == cases[i].want,
			      "case %zu (%s): got %d want %d", i, cases[i].wire,
			      r, cases[i].want);
	}
}
END_TEST

START_TEST(limit_is_inclusive)
{
	size_t len = MAX + 8;
	char *wire = malloc(len);
	const char *payload;
	size_t plen, used, n = (size_t)sprintf(wire, "%d:", MAX);

	memset(wire + n, 'k', MAX);
	wire[n + MAX] = ',';
	ck_assert_int_eq(
	    netstring_decode(wire, n + MAX + 1, MAX, &payload, &plen, &used),
	    NETSTRING_FRAME);
	ck_assert_uint_eq(plen, MAX);
	ck_assert_uint_eq(used, n + MAX + 1);
	free(wire);
}
END_TEST

START_TEST(encode_prefix)
{
	char prefix[NETSTRING_DIGITS_MAX + 2];

	ck_assert_uint_eq(netstring_prefix(prefix, 0), 2);
	ck_assert_str_eq(prefix, "0:");
	ck_assert_uint_eq(netstring_prefix(prefix, 100000), 7);
	ck_assert_str_eq(prefix, "100000:");
	ck_assert_uint_eq(netstring_frame_size(9), 12); /* "9:NOTFOUND ," */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("netstring");
	TCase *tc = tcase_create("netstring");

	tcase_add_test(tc, frames_whole_bytewise_random);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, limit_is_inclusive);
	tcase_add_test(tc, encode_prefix);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
