/*
 * test_bench_proto: the benchmark tools' socketmap, policy and dict codecs.
 * Replies are fed whole and as every shorter prefix (how they arrive split
 * over reads); classification follows Postfix (protocols.md 1.3, 2.3) and
 * Dovecot's dict client (3.4). A policy request has Postfix 3.7's 29
 * attributes in its order (2.2). Dict streams (replies in both of
 * Dovecot's styles, requests after a handshake) are also fed byte by byte
 * and in random splits, decoded as they would be on a connection.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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
	const struct bench_proto *proto;
	const char *bytes;
	enum bench_frame frame;
	enum bench_answer answer;
};

#define SM &bench_proto_socketmap
#define PO &bench_proto_policy
#define DI &bench_proto_dict

static const struct reply_case reply_cases[] = {
    {SM, "4:OK x,", BENCH_FRAME, BENCH_FOUND},
    {SM, "004:OK x,", BENCH_FRAME, BENCH_FOUND},
    {SM, "2:OK,", BENCH_FRAME, BENCH_NOTFOUND},
    {SM, "9:NOTFOUND ,", BENCH_FRAME, BENCH_NOTFOUND},
    {SM, "8:NOTFOUND,", BENCH_FRAME, BENCH_NOTFOUND},
    {SM, "10:TEMP store,", BENCH_FRAME, BENCH_FAILED},
    {SM, "8:PERM why,", BENCH_FRAME, BENCH_FAILED},
    {SM, "5:OKAY!,", BENCH_FRAME, BENCH_FAILED},
    {SM, "5:BOGUS,", BENCH_FRAME, BENCH_FAILED},
    {SM, "4:OK x;", BENCH_ERR_FORMAT, BENCH_FAILED},
    {SM, "x:OK,", BENCH_ERR_FORMAT, BENCH_FAILED},
    {SM, "100001:", BENCH_ERR_SIZE, BENCH_FAILED},
    {PO, "action=DUNNO\n\n", BENCH_FRAME, BENCH_DUNNO},
    {PO, "action=dunno\n\n", BENCH_FRAME, BENCH_DUNNO},
    {PO, "action=DUNNO\r\n\r\n", BENCH_FRAME, BENCH_DUNNO},
    {PO, "action=DEFER_IF_PERMIT 4.7.1 Greylisted\n\n", BENCH_FRAME,
     BENCH_DEFER},
    {PO, "action=defer later\n\n", BENCH_FRAME, BENCH_DEFER},
    {PO, "action=450 4.7.1 later\n\n", BENCH_FRAME, BENCH_DEFER},
    {PO, "action=PREPEND X-Greylist: delayed\n\n", BENCH_FRAME, BENCH_OTHER},
    {PO, "action=REJECT 5.7.1 no\n\n", BENCH_FRAME, BENCH_OTHER},
    {PO, "action=\n\n", BENCH_FRAME, BENCH_OTHER},
    {PO, "action=DUNNOX\n\n", BENCH_FRAME, BENCH_OTHER},
    {PO, "x=1\naction=DUNNO\naction=REJECT\n\n", BENCH_FRAME, BENCH_DUNNO},
    {PO, "x=1\n\n", BENCH_FRAME, BENCH_FAILED},
    {PO, "actionDUNNO\n\n", BENCH_ERR_FORMAT, BENCH_FAILED},
    {PO, "=DUNNO\n\n", BENCH_ERR_FORMAT, BENCH_FAILED},
    /* dict, plain in-order replies (protocols.md 3.4) */
    {DI, "O{\"password\": \"{PLAIN}secret\"}\n", BENCH_FRAME, BENCH_FOUND},
    {DI, "O\n", BENCH_FRAME, BENCH_FOUND},
    {DI, "Mv1\001tv2\n", BENCH_FRAME, BENCH_FOUND},
    {DI, "N\n", BENCH_FRAME, BENCH_NOTFOUND},
    {DI, "Fdict-server failure\n", BENCH_FRAME, BENCH_FAILED},
    {DI, "\n", BENCH_FRAME, BENCH_FAILED},
    {DI, "X123\n", BENCH_FRAME, BENCH_FAILED},
    /* dict, Dovecot's own server: async ids and timings */
    {DI,
     "*1\n+1\tO{\"password\": \"{PLAIN}secret\"}\t1795324991\t717950"
     "\t1795324991\t718171\n",
     BENCH_FRAME, BENCH_FOUND},
    {DI, "*2\n+2\tN\t1795324991\t718171\t1795324991\t718179\n", BENCH_FRAME,
     BENCH_NOTFOUND},
    {DI, "+3\tFtimeout\n", BENCH_FRAME, BENCH_FAILED},
    {DI, "*4\n*5\n+4\tN\n", BENCH_FRAME, BENCH_NOTFOUND},
    {DI, "+4294967295\tO1\n", BENCH_FRAME, BENCH_FOUND},
    {DI, "*x\n", BENCH_ERR_FORMAT, BENCH_FAILED},
    {DI, "*\n", BENCH_ERR_FORMAT, BENCH_FAILED},
    {DI, "*12345678901\n", BENCH_ERR_FORMAT, BENCH_FAILED},
    {DI, "+1O\n", BENCH_ERR_FORMAT, BENCH_FAILED},
    {DI, "+\tO\n", BENCH_ERR_FORMAT, BENCH_FAILED},
    {DI, "+1\n", BENCH_ERR_FORMAT, BENCH_FAILED},
};

static void test_reply_case(const struct reply_case *c)
{
	const struct bench_proto *p = c->proto;
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

/* The attribute names of protocols.md 2.2, in Postfix 3.7's order. */
static const char *const postfix_attrs[] = {
    "request",
    "protocol_state",
    "protocol_name",
    "client_address",
    "client_name",
    "client_port",
    "reverse_client_name",
    "server_address",
    "server_port",
    "helo_name",
    "sender",
    "recipient",
    "recipient_count",
    "queue_id",
    "instance",
    "size",
    "etrn_domain",
    "stress",
    "sasl_method",
    "sasl_username",
    "sasl_sender",
    "ccert_subject",
    "ccert_issuer",
    "ccert_fingerprint",
    "ccert_pubkey_fingerprint",
    "encryption_protocol",
    "encryption_cipher",
    "encryption_keysize",
    "policy_context",
};

/* The value of attribute name in a framed request, or NULL. */
static const char *policy_value(const char *req, const char *name, char *buf,
				size_t cap)
{
	size_t name_len = strlen(name);

	for (const char *line = req; *line != '\n';
	     line = strchr(line, '\n') + 1) {
		size_t len = (size_t)(strchr(line, '\n') - line);

		if (len > name_len && memcmp(line, name, name_len) == 0 &&
		    line[name_len] == '=') {
			snprintf(buf, cap, "%.*s", (int)(len - name_len - 1),
				 line + name_len + 1);
			return buf;
		}
	}
	return NULL;
}

static void test_policy_request(void)
{
	const struct bench_proto *p = bench_proto_find("policy");
	const char *payload =
	    "192.0.2.10 news@remote.example user@d0.example.com";
	char out[2048], v[256];
	size_t len, used = 0, lines = 0;
	const char *line = out;

	EXPECT(p == &bench_proto_policy, "find policy");
	len = p->encode_request(out, sizeof(out) - 1, payload, strlen(payload));
	EXPECT(len > 0 && len < sizeof(out), "policy request framed");
	out[len] = '\0';
	EXPECT(len > 2 && out[len - 1] == '\n' && out[len - 2] == '\n' &&
		   strstr(out, "\n\n") == out + len - 2,
	       "one empty line, at the end");
	for (; lines < 40 && *line != '\n'; lines++) {
		const char *name = postfix_attrs[lines < 29 ? lines : 0];

		EXPECT(lines < 29 && strncmp(line, name, strlen(name)) == 0 &&
			   line[strlen(name)] == '=',
		       "attribute %zu: %.20s", lines, line);
		line = strchr(line, '\n') + 1;
	}
	EXPECT(lines == 29, "29 attributes: %zu", lines);
	EXPECT(strcmp(policy_value(out, "client_address", v, sizeof(v)),
		      "192.0.2.10") == 0,
	       "client_address");
	EXPECT(strcmp(policy_value(out, "sender", v, sizeof(v)),
		      "news@remote.example") == 0,
	       "sender");
	EXPECT(strcmp(policy_value(out, "recipient", v, sizeof(v)),
		      "user@d0.example.com") == 0,
	       "recipient");
	EXPECT(strcmp(policy_value(out, "client_name", v, sizeof(v)),
		      "mail.remote.example") == 0,
	       "client_name");
	EXPECT(strcmp(policy_value(out, "sasl_username", v, sizeof(v)), "") ==
		   0,
	       "unauthenticated");
	EXPECT(p->decode_request(out, len, &used) == BENCH_FRAME && used == len,
	       "request decodes");
	for (size_t i = 0; i < len; i++)
		EXPECT(p->decode_request(out, i, &used) == BENCH_NEED_MORE,
		       "request prefix %zu", i);
	/* Null sender, an override and an added attribute. */
	payload = "2001:db8::1 <> a@b.c size=42 policy_test_time=1700000000";
	len = p->encode_request(out, sizeof(out) - 1, payload, strlen(payload));
	out[len] = '\0';
	EXPECT(len > 0 &&
		   strcmp(policy_value(out, "sender", v, sizeof(v)), "") == 0,
	       "null sender");
	EXPECT(strcmp(policy_value(out, "size", v, sizeof(v)), "42") == 0,
	       "override in place");
	EXPECT(
	    strstr(out, "policy_context=\npolicy_test_time=1700000000\n\n") !=
		NULL,
	    "added after the 29: %s", out);
	EXPECT(strcmp(policy_value(out, "helo_name", v, sizeof(v)),
		      "mail.remote.test") == 0,
	       "helo without a sender domain");
	EXPECT(p->encode_request(out, 100, "1.2.3.4 a@b.c d@e.f", 19) == 0,
	       "request too large for the buffer");
	EXPECT(p->encode_request(out, sizeof(out), "1.2.3.4 a@b.c", 13) == 0,
	       "recipient missing");
	EXPECT(p->encode_request(out, sizeof(out), "1.2.3.4 a@b.c d@e.f =x",
				 22) == 0,
	       "extra field without a name");
	len = p->encode_found(out, sizeof(out), p->found_value,
			      strlen(p->found_value));
	EXPECT(len == 14 && memcmp(out, "action=DUNNO\n\n", 14) == 0,
	       "found %.*s", (int)len, out);
	EXPECT(p->decode_request("a=1\nb\n\n", 8, &used) == BENCH_ERR_FORMAT,
	       "line without =");
	memset(out, 'a', sizeof(out));
	out[0] = 'x', out[1] = '=';
	EXPECT(p->decode_request(out, sizeof(out), &used) == BENCH_NEED_MORE,
	       "a long line needs more");
}

static void test_dict_encode(void)
{
	const struct bench_proto *p = bench_proto_find("dict");
	char out[512];
	size_t len, used = 0;
	enum bench_answer answer = BENCH_FAILED;

	EXPECT(p == &bench_proto_dict, "find dict");
	len = p->encode_request(out, sizeof(out), "user@example.com", 16);
	EXPECT(len == 62 &&
		   memcmp(out,
			  "Lshared/passdb/imap/secured/user@example.com\t"
			  "user@example.com\n",
			  len) == 0,
	       "passdb request %.*s", (int)len, out);
	len =
	    p->encode_request(out, sizeof(out), " shared/userdb/u@d\tu@d ", 23);
	EXPECT(len == 23 && memcmp(out, "Lshared/userdb/u@d\tu@d\n", len) == 0,
	       "key and user %.*s", (int)len, out);
	len = p->encode_request(out, sizeof(out), "priv/quota/storage u@d", 22);
	EXPECT(len == 24 && memcmp(out, "Lpriv/quota/storage\tu@d\n", len) == 0,
	       "priv key %.*s", (int)len, out);
	EXPECT(p->encode_request(out, sizeof(out), "passdb/u@d u@d", 14) == 0,
	       "key outside shared/ and priv/");
	EXPECT(p->encode_request(out, sizeof(out), "shared/a u v", 12) == 0,
	       "three fields");
	EXPECT(p->encode_request(out, sizeof(out), " \t", 2) == 0, "no field");
	EXPECT(p->encode_request(out, 40, "user@example.com", 16) == 0,
	       "request too large for the buffer");
	/* Tab escaping (protocols.md 3.1): 0x01, CR; TAB splits fields. */
	len = p->encode_request(out, sizeof(out), "a\001b\rc", 5);
	EXPECT(len == 44 && memcmp(out,
				   "Lshared/passdb/imap/secured/a\0011b\001rc\t"
				   "a\0011b\001rc\n",
				   len) == 0,
	       "escaped %.*s", (int)len, out);
	EXPECT(p->decode_request(out, len, &used) == BENCH_FRAME && used == len,
	       "request decodes");
	len = p->encode_preamble(out, sizeof(out), NULL);
	EXPECT(len == 13 && memcmp(out, "H3\t2\t0\t\tauth\n", len) == 0,
	       "handshake %.*s", (int)len, out);
	len = p->encode_preamble(out, sizeof(out), "quota");
	EXPECT(len == 14 && memcmp(out, "H3\t2\t0\t\tquota\n", len) == 0,
	       "handshake quota %.*s", (int)len, out);
	len = p->encode_preamble(out, sizeof(out), "4:auth");
	EXPECT(len == 13 && memcmp(out, "H4\t0\t0\t\tauth\n", len) == 0,
	       "handshake of Dovecot 2.4 %.*s", (int)len, out);
	EXPECT(p->encode_preamble(out, sizeof(out), "") == 0, "no dict name");
	EXPECT(p->encode_preamble(out, sizeof(out), "4:") == 0,
	       "v4, no dict name");
	EXPECT(p->encode_preamble(out, 12, "auth") == 0,
	       "handshake too large for the buffer");
	EXPECT(bench_proto_socketmap.encode_preamble == NULL &&
		   bench_proto_policy.encode_preamble == NULL,
	       "no preamble for socketmap and policy");
	len = p->encode_found(out, sizeof(out), "a\tb\nc", 5);
	EXPECT(len == 9 && memcmp(out, "Oa\001tb\001nc\n", len) == 0,
	       "found %.*s", (int)len, out);
	len = p->encode_found(out, sizeof(out), p->found_value,
			      strlen(p->found_value));
	EXPECT(len > 100 &&
		   p->decode_reply(out, len, &used, &answer) == BENCH_FRAME &&
		   used == len && answer == BENCH_FOUND,
	       "default value %.*s", (int)len, out);
	EXPECT(p->encode_found(out, 10, p->found_value,
			       strlen(p->found_value)) == 0,
	       "found too large for the buffer");
}

/* Requests as the reference server sees them. */
static void test_dict_request(void)
{
	static const struct {
		const char *bytes;
		enum bench_frame frame;
		size_t used;
	} cases[] = {
	    {"Lk\tu\n", BENCH_FRAME, 5},
	    {"H3\t2\t0\t\tauth\nLk\tu\n", BENCH_FRAME, 18},
	    {"H3\t2\t0\t\tauth\nLk\tu\nLk2\tu\n", BENCH_FRAME, 18},
	    {"H3\t2\t0\t\tauth\n", BENCH_NEED_MORE, 0},
	    {"H3\t2\t0\t\tauth\nLk\tu", BENCH_NEED_MORE, 0},
	    {"Lk\n", BENCH_ERR_FORMAT, 0},
	    {"B1\tu\n", BENCH_ERR_FORMAT, 0},
	    {"H3\t2\t0\t\tauth\n\n", BENCH_ERR_FORMAT, 0},
	};
	static char big[65600];
	const struct bench_proto *p = &bench_proto_dict;
	enum bench_answer answer;
	size_t used = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].bytes);
		enum bench_frame frame =
		    p->decode_request(cases[i].bytes, len, &used);

		EXPECT(frame == cases[i].frame &&
			   (frame != BENCH_FRAME || used == cases[i].used),
		       "request %zu: frame %d used %zu", i, frame, used);
	}
	/* 64 KiB without a line end: over the limit on both sides. */
	memset(big, 'L', sizeof(big));
	EXPECT(p->decode_request(big, 65536, &used) == BENCH_NEED_MORE,
	       "request at the limit needs more");
	EXPECT(p->decode_request(big, 65537, &used) == BENCH_ERR_SIZE,
	       "request over the limit");
	big[0] = 'O';
	EXPECT(p->decode_reply(big, 65537, &used, &answer) == BENCH_ERR_SIZE,
	       "reply over the limit");
	big[65536] = '\n';
	EXPECT(p->decode_reply(big, 65537, &used, &answer) == BENCH_ERR_SIZE,
	       "reply line over the limit");
}

/* Feeds stream[0..len) to decode in pieces (chunk 0: random sizes, else
 * that size), decoding every complete frame as it arrives, as loadgen and
 * refserver do; answers_r gets the answers (replies) or frame lengths
 * (requests). Returns the number of frames, -1 on a decoding error. */
static int dict_feed(const char *stream, size_t len, size_t chunk, bool replies,
		     size_t *answers_r, size_t max)
{
	static char buf[4096];
	size_t have = 0, fed = 0, n = 0, used = 0;

	while (fed < len) {
		size_t piece = chunk ? chunk : 1 + (size_t)rand() % 40;
		enum bench_frame frame;
		enum bench_answer answer = BENCH_FAILED;

		piece = piece < len - fed ? piece : len - fed;
		memcpy(buf + have, stream + fed, piece);
		have += piece, fed += piece;
		while ((frame = replies
				    ? bench_proto_dict.decode_reply(
					  buf, have, &used, &answer)
				    : bench_proto_dict.decode_request(
					  buf, have, &used)) == BENCH_FRAME) {
			if (n == max)
				return -1;
			answers_r[n++] = replies ? (size_t)answer : used;
			memmove(buf, buf + used, have - used);
			have -= used;
		}
		if (frame != BENCH_NEED_MORE)
			return -1;
	}
	return have == 0 ? (int)n : -1;
}

static void test_dict_streams(void)
{
	static const char replies[] =
	    "*1\n+1\tO{\"password\":\"{SHA512-CRYPT}$6$x$y\"}\t1795324991"
	    "\t717950\t1795324991\t718171\n"
	    "*2\n+2\tN\t1795324991\t718171\t1795324991\t718179\n"
	    "O{\"password\":\"{SHA512-CRYPT}$6$x$y\"}\n"
	    "N\n"
	    "Fstore unavailable\n"
	    "*3\n+3\tFtimeout\t1\t2\t3\t4\n"
	    "+4\tMa\001tb\n";
	static const size_t want_answers[] = {
	    BENCH_FOUND,  BENCH_NOTFOUND, BENCH_FOUND, BENCH_NOTFOUND,
	    BENCH_FAILED, BENCH_FAILED,	  BENCH_FOUND,
	};
	static const char requests[] = "H3\t2\t0\t\tauth\nLshared/passdb/a\ta\n"
				       "Lshared/passdb/b\tb\nLk\tu\n";
	static const size_t want_used[] = {32, 19, 5};
	size_t got[16];

	/* Random pieces (200 times), byte by byte, 7 at a time, whole. */
	static const size_t chunks[] = {0, 1, 7, sizeof(replies)};
	int before = failures;

	srand(20240501);
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		for (int round = 0;
		     round < (chunks[c] == 0 ? 200 : 1) && failures == before;
		     round++) {
			int n = dict_feed(replies, sizeof(replies) - 1,
					  chunks[c], true, got, 16);

			EXPECT(n == 7 && memcmp(got, want_answers,
						sizeof(want_answers)) == 0,
			       "replies, chunk %zu round %d: %d", chunks[c],
			       round, n);
			n = dict_feed(requests, sizeof(requests) - 1, chunks[c],
				      false, got, 16);
			EXPECT(n == 3 && memcmp(got, want_used,
						sizeof(want_used)) == 0,
			       "requests, chunk %zu round %d: %d", chunks[c],
			       round, n);
		}
	}
}

int main(void)
{
	for (size_t i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]);
	     i++)
		test_reply_case(&reply_cases[i]);
	test_reply_followed();
	test_encode();
	test_policy_request();
	test_dict_encode();
	test_dict_request();
	test_dict_streams();
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
