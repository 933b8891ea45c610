/*
 * test_bench_proto: the benchmark tools' socketmap codec. Replies are fed
 * whole and as every shorter prefix (how they arrive split over reads);
 * classification follows Postfix (protocols.md 1.3).
 */
#include <stdio.h>
#include <string.h>

#include "bench_proto.h"

static int failures;

#define EXPECT(cond, ...)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			failures++;                                            \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);   \
			fprintf(stderr, __VA_ARGS__);                          \
			fprintf(stderr, "\n");                                 \
		}                                                              \
	} while (0)

struct reply_case {
	const char *bytes;
	enum bench_frame frame;
	enum bench_answer answer;
};

static const struct reply_case reply_cases[] = {
    {"4:OK x,", BENCH_FRAME, BENCH_FOUND},
    {"004:OK x,", BENCH_FRAME, BENCH_FOUND},
    {"2:OK,", BENCH_FRAME, BENCH_NOTFOUND},
    {"9:NOTFOUND ,", BENCH_FRAME, BENCH_NOTFOUND},
    {"8:NOTFOUND,", BENCH_FRAME, BENCH_NOTFOUND},
    {"10:TEMP store,", BENCH_FRAME, BENCH_FAILED},
    {"8:PERM why,", BENCH_FRAME, BENCH_FAILED},
    {"5:OKAY!,", BENCH_FRAME, BENCH_FAILED},
    {"5:BOGUS,", BENCH_FRAME, BENCH_FAILED},
    {"4:OK x;", BENCH_ERR_FORMAT, BENCH_FAILED},
    {"x:OK,", BENCH_ERR_FORMAT, BENCH_FAILED},
    {"100001:", BENCH_ERR_SIZE, BENCH_FAILED},
};

static void test_reply_case(const struct reply_case *c)
{
	const struct bench_proto *p = &bench_proto_socketmap;
	size_t len = strlen(c->bytes), used = 0;
	enum bench_answer answer = BENCH_FAILED;
	enum bench_frame frame;

	/* Every prefix of a good frame needs more. */
	for (size_t i = 0; c->frame == BENCH_FRAME && i < len; i++)
		EXPECT(p->decode_reply(c->bytes, i, &used, &answer) ==
			   BENCH_NEED_MORE,
		       "%s: prefix %zu", c->bytes, i);
	frame = p->decode_reply(c->bytes, len, &used, &answer);
	EXPECT(frame == c->frame, "%s: frame %d", c->bytes, frame);
	if (frame == BENCH_FRAME) {
		EXPECT(used == len, "%s: used %zu", c->bytes, used);
		EXPECT(answer == c->answer, "%s: answer %d", c->bytes, answer);
	}
}

/* A frame followed by the start of the next: only the first is used. */
static void test_reply_followed(void)
{
	const char bytes[] = "4:OK x,9:NOTF";
	enum bench_answer answer;
	size_t used = 0;

	EXPECT(bench_proto_socketmap.decode_reply(
		   bytes, sizeof(bytes) - 1, &used, &answer) == BENCH_FRAME &&
		   used == 7,
	       "two frames: used %zu", used);
}

static void test_encode(void)
{
	const struct bench_proto *p = bench_proto_find("socketmap");
	char out[64];
	size_t len, used = 0;

	EXPECT(p == &bench_proto_socketmap, "find socketmap");
	EXPECT(bench_proto_find("nope") == NULL, "find unknown");
	len = p->encode_request(out, sizeof(out), "mailboxes a@b.c", 15);
	EXPECT(len == 19 && memcmp(out, "15:mailboxes a@b.c,", 19) == 0,
	       "request %.*s", (int)len, out);
	EXPECT(p->decode_request(out, len, &used) == BENCH_FRAME && used == len,
	       "request decodes");
	EXPECT(p->decode_request(out, len - 1, &used) == BENCH_NEED_MORE,
	       "request prefix");
	len = p->encode_found(out, sizeof(out), "x", 1);
	EXPECT(len == 7 && memcmp(out, "4:OK x,", 7) == 0, "found %.*s",
	       (int)len, out);
	EXPECT(p->encode_request(out, 5, "mailboxes a@b.c", 15) == 0,
	       "request too large for the buffer");
}

int main(void)
{
	for (size_t i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]);
	     i++)
		test_reply_case(&reply_cases[i]);
	test_reply_followed();
	test_encode();
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
