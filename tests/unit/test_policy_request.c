/*
 * The policy delegation codec: a real Postfix 3.7.11 request (protocols.md
 * 2.2) and variants fed whole, one byte at a time and in random splits
 * through policy_frame() as the connection layer feeds it, then parsed;
 * tables for every limit, the line-end rules, parse errors, the derived
 * fields and the reply formatter.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "request.h"
#include "testutil.h"

#define MAX  65536 /* daemon.max_request's default, 64k */
#define W(s) s, sizeof(s) - 1
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Captured at RCPT with STARTTLS and a client certificate (2.2). */
#define CAPTURE_ATTRS                                                          \
	"request=smtpd_access_policy\n"                                        \
	"protocol_state=RCPT\n"                                                \
	"protocol_name=ESMTP\n"                                                \
	"client_address=127.0.0.1\n"                                           \
	"client_name=localhost\n"                                              \
	"client_port=60362\n"                                                  \
	"reverse_client_name=localhost\n"                                      \
	"server_address=127.0.0.1\n"                                           \
	"server_port=10025\n"                                                  \
	"helo_name=client.example.org\n"                                       \
	"sender=sender@example.org\n"                                          \
	"recipient=user@example.com\n"                                         \
	"recipient_count=0\n"                                                  \
	"queue_id=\n"                                                          \
	"instance=6c4c.6b027b9a.bc92e.0\n"                                     \
	"size=0\n"                                                             \
	"etrn_domain=\n"                                                       \
	"stress=\n"                                                            \
	"sasl_method=\n"                                                       \
	"sasl_username=\n"                                                     \
	"sasl_sender=\n"                                                       \
	"ccert_subject=client.example.org\n"                                   \
	"ccert_issuer=Proto+20A+20Test+20CA\n"                                 \
	"ccert_fingerprint=28:AB:B3:91:AC:F3:19:9A:79:C4:C7:95:FD:CC:EE:5B:"   \
	"D4:99:17:9F:60:7E:15:95:C6:6B:7B:86:08:17:8B:58\n"                    \
	"ccert_pubkey_fingerprint=4E:3F:65:C3:87:6E:7F:1A:26:9E:19:BA:DD:1C:"  \
	"C2:D3:5A:CE:9B:AD:8B:BC:47:56:2E:21:64:B9:2B:C1:62:86\n"              \
	"encryption_protocol=TLSv1.3\n"                                        \
	"encryption_cipher=TLS_AES_256_GCM_SHA384\n"                           \
	"encryption_keysize=256\n"                                             \
	"policy_context=\n"
#define CAPTURE CAPTURE_ATTRS "\n"

static const struct {
	enum policy_attr attr;
	const char *value;
} capture_values[] = {
    {POLICY_REQUEST, "smtpd_access_policy"},
    {POLICY_PROTOCOL_STATE, "RCPT"},
    {POLICY_PROTOCOL_NAME, "ESMTP"},
    {POLICY_CLIENT_ADDRESS, "127.0.0.1"},
    {POLICY_CLIENT_NAME, "localhost"},
    {POLICY_CLIENT_PORT, "60362"},
    {POLICY_REVERSE_CLIENT_NAME, "localhost"},
    {POLICY_SERVER_ADDRESS, "127.0.0.1"},
    {POLICY_SERVER_PORT, "10025"},
    {POLICY_HELO_NAME, "client.example.org"},
    {POLICY_SENDER, "sender@example.org"},
    {POLICY_RECIPIENT, "user@example.com"},
    {POLICY_RECIPIENT_COUNT, "0"},
    {POLICY_QUEUE_ID, ""},
    {POLICY_INSTANCE, "6c4c.6b027b9a.bc92e.0"},
    {POLICY_SIZE, "0"},
    {POLICY_ETRN_DOMAIN, ""},
    {POLICY_STRESS, ""},
    {POLICY_SASL_METHOD, ""},
    {POLICY_SASL_USERNAME, ""},
    {POLICY_SASL_SENDER, ""},
    {POLICY_CCERT_SUBJECT, "client.example.org"},
    {POLICY_CCERT_ISSUER, "Proto+20A+20Test+20CA"},
    {POLICY_CCERT_FINGERPRINT,
     "28:AB:B3:91:AC:F3:19:9A:79:C4:C7:95:FD:CC:EE:5B:"
     "D4:99:17:9F:60:7E:15:95:C6:6B:7B:86:08:17:8B:58"},
    {POLICY_CCERT_PUBKEY_FINGERPRINT,
     "4E:3F:65:C3:87:6E:7F:1A:26:9E:19:BA:DD:1C:"
     "C2:D3:5A:CE:9B:AD:8B:BC:47:56:2E:21:64:B9:2B:C1:62:86"},
    {POLICY_ENCRYPTION_PROTOCOL, "TLSv1.3"},
    {POLICY_ENCRYPTION_CIPHER, "TLS_AES_256_GCM_SHA384"},
    {POLICY_ENCRYPTION_KEYSIZE, "256"},
    {POLICY_POLICY_CONTEXT, ""},
};

/* Later in a session: MAIL from the null sender over IPv6 after AUTH,
 * with two attributes newer Postfix versions send. */
#define MAIL_REQUEST                                                           \
	"request=smtpd_access_policy\nprotocol_state=MAIL\n"                   \
	"protocol_name=ESMTP\nclient_address=2001:db8::25\n"                   \
	"sender=\nrecipient=\nsize=12345\nsasl_method=PLAIN\n"                 \
	"sasl_username=user@example.com\ncompatibility_level=3.6\n"            \
	"mail_version=3.8.0\n\n"
/* END-OF-MESSAGE for two recipients from a client without an address. */
#define EOM_REQUEST                                                            \
	"request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\n"         \
	"client_address=unknown\nsender=a@b@c.example\nrecipient=\n"           \
	"recipient_count=2\nsize=233\n\n"
/* A repeated name: the first value counts. */
#define DUP_REQUEST                                                            \
	"request=smtpd_access_policy\nsender=first@a.example\n"                \
	"sender=second@b.example\nrequest=other\n\n"

static void assert_str(struct policy_str got, const char *want,
		       const char *what)
{
	ck_assert_msg(got.data != NULL, "%s: NULL data", what);
	ck_assert_msg(
	    got.len == strlen(want) && memcmp(got.data, want, got.len) == 0,
	    "%s: got \"%.*s\" want \"%s\"", what, (int)got.len, got.data, want);
}

static void parse_ok(const char *text, size_t len, struct policy_request *req)
{
	const char *error = NULL;
	int ret = policy_parse(text, len, req, &error);

	ck_assert_msg(ret == 0, "parse failed: %s", error);
}

static void assert_capture(const struct policy_request *req, const char *data,
			   size_t len)
{
	for (size_t i = 0; i < N(capture_values); i++) {
		enum policy_attr attr = capture_values[i].attr;
		struct policy_str v = req->attrs[attr];
		ck_assert(req->present[attr]);
		assert_str(v, capture_values[i].value, policy_attr_name(attr));
		ck_assert(v.data >= data && v.data + v.len <= data + len);
	}
	ck_assert(!req->present[POLICY_POLICY_TEST_TIME]);
	assert_str(req->attrs[POLICY_POLICY_TEST_TIME], "", "absent");
	ck_assert_uint_eq(req->unknown, 0);
	ck_assert_uint_eq(req->duplicates, 0);
	ck_assert_int_eq(req->state, POLICY_STATE_RCPT);
	assert_str(req->sender_domain, "example.org", "sender_domain");
	assert_str(req->recipient_domain, "example.com", "recipient_domain");
	ck_assert(req->size_valid);
	ck_assert_uint_eq(req->size, 0);
	ck_assert(req->recipient_count_valid);
	ck_assert_uint_eq(req->recipient_count, 0);
	ck_assert(!req->authenticated);
	ck_assert_int_eq(req->client_family, AF_INET);
	ck_assert_int_eq(memcmp(req->client_addr, "\x7f\0\0\x01", 4), 0);
}

START_TEST(capture_whole)
{
	static const char wire[] = CAPTURE "leftover";
	struct proto_request r;
	struct policy_request req;

	ck_assert_uint_eq(N(capture_values), 29);
	ck_assert_int_eq(policy_frame(W(wire), MAX, &r), PROTO_REQUEST);
	ck_assert_ptr_eq(r.data, wire);
	ck_assert_uint_eq(r.len, sizeof(CAPTURE_ATTRS) - 1);
	ck_assert_uint_eq(r.used, sizeof(CAPTURE) - 1);
	parse_ok(r.data, r.len, &req);
	assert_capture(&req, r.data, r.len);
}
END_TEST

/* The parser tries Postfix's order first; any other order (here the
 * lines reversed, with unknown names that share a prefix with the next
 * expected one) parses to the same values. */
START_TEST(capture_any_order)
{
	static const char lines[] = CAPTURE_ATTRS;
	static const char unknown[] = "sizes=1\npolicy=\n";
	char reversed[sizeof(lines) + sizeof(unknown)];
	size_t end = sizeof(lines) - 1, len = 0;
	struct policy_request req;

	while (end > 0) {
		size_t start = end - 1;
		while (start > 0 && lines[start - 1] != '\n')
			start--;
		memcpy(reversed + len, lines + start, end - start);
		len += end - start;
		if (end == sizeof(lines) - 1) { /* after the last line */
			memcpy(reversed + len, unknown, sizeof(unknown) - 1);
			len += sizeof(unknown) - 1;
		}
		end = start;
	}
	parse_ok(reversed, len, &req);
	ck_assert_uint_eq(req.unknown, 2);
	req.unknown = 0;
	assert_capture(&req, reversed, len);
}
END_TEST

/* The same request with CR LF line ends parses to the same values. */
START_TEST(capture_crlf)
{
	static const char lf[] = CAPTURE;
	char crlf[2 * sizeof(lf)];
	size_t n = 0;
	struct proto_request r;
	struct policy_request req;

	for (size_t i = 0; i < sizeof(lf) - 1; i++) {
		if (lf[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = lf[i];
	}
	for (size_t k = 0; k < n; k++)
		ck_assert_int_eq(policy_frame(crlf, k, MAX, &r),
				 PROTO_NEED_MORE);
	ck_assert_int_eq(policy_frame(crlf, n, MAX, &r), PROTO_REQUEST);
	ck_assert_uint_eq(r.used, n);
	ck_assert_uint_eq(r.len, n - 2);
	parse_ok(r.data, r.len, &req);
	assert_capture(&req, r.data, r.len);
}
END_TEST

/* One line per parsed request: every slot and derived field, so two
 * parses of the same bytes compare as strings. */
static size_t summarize(const struct policy_request *req, char *out,
			size_t size)
{
	size_t n = (size_t)snprintf(
	    out, size, "%s|%.*s|%.*s|%llu%s|%llu%s|%d|%d|%u|%u|",
	    policy_state_name(req->state), (int)req->sender_domain.len,
	    req->sender_domain.data, (int)req->recipient_domain.len,
	    req->recipient_domain.data, (unsigned long long)req->size,
	    req->size_valid ? "" : "!",
	    (unsigned long long)req->recipient_count,
	    req->recipient_count_valid ? "" : "!", req->client_family,
	    req->authenticated, req->unknown, req->duplicates);

	for (unsigned a = 0; a < POLICY_ATTR_COUNT; a++)
		if (req->present[a])
			n += (size_t)snprintf(
			    out + n, size - n, "%s=%.*s,", policy_attr_name(a),
			    (int)req->attrs[a].len, req->attrs[a].data);
	ck_assert_uint_lt(n + 1, size);
	out[n++] = '\n';
	out[n] = '\0';
	return n;
}

/* Frames and parses one request, appending its summary (tu_feed's
 * framing step). */
struct summaries {
	char *out;
	size_t len, size;
};

static size_t summarize_frame(const char *buf, size_t have, void *context)
{
	struct summaries *s = context;
	struct proto_request r;
	struct policy_request req;
	enum proto_frame f = policy_frame(buf, have, MAX, &r);

	if (f == PROTO_NEED_MORE)
		return 0;
	ck_assert_int_eq(f, PROTO_REQUEST);
	ck_assert_ptr_eq(r.data, buf);
	ck_assert(r.len < r.used && r.used <= have);
	parse_ok(r.data, r.len, &req);
	s->len += summarize(&req, s->out + s->len, s->size - s->len);
	return r.used;
}

/* Feeds a stream in chunks of the given sizes as a connection does
 * (append to a buffer, frame and consume requests), parsing each. */
static void feed(const char *wire, size_t len, const size_t *chunks,
		 size_t nchunks, char *out, size_t out_size)
{
	struct summaries s = {out, 0, out_size};

	tu_feed(wire, len, chunks, nchunks, summarize_frame, &s);
}

START_TEST(stream_whole_bytewise_random)
{
	static const char stream[] =
	    CAPTURE MAIL_REQUEST EOM_REQUEST DUP_REQUEST CAPTURE;
	static char expect[16384], got[16384];
	size_t one = 1, elen = 0;
	const char *p = stream;
	struct policy_request req;
	struct proto_request r;

	/* The expectation: each request framed and parsed on its own. */
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(policy_frame(p, strlen(p), MAX, &r),
				 PROTO_REQUEST);
		parse_ok(r.data, r.len, &req);
		elen += summarize(&req, expect + elen, sizeof(expect) - elen);
		p += r.used;
	}
	ck_assert_uint_eq(*p, '\0');
	feed(stream, sizeof(stream) - 1, NULL, 0, got, sizeof(got));
	ck_assert_str_eq(got, expect);
	feed(stream, sizeof(stream) - 1, &one, 1, got, sizeof(got));
	ck_assert_str_eq(got, expect);
	srandom(42);
	for (int round = 0; round < 500; round++) {
		size_t chunks[7];
		for (size_t c = 0; c < N(chunks); c++)
			chunks[c] = 1 + (size_t)random() % 64;
		feed(stream, sizeof(stream) - 1, chunks, N(chunks), got,
		     sizeof(got));
		ck_assert_str_eq(got, expect);
	}
}
END_TEST

START_TEST(variants_parsed)
{
	struct proto_request r;
	struct policy_request req;
	static const unsigned char v6[16] = {0x20, 0x01, 0x0d,
					     0xb8, [15] = 0x25};

	ck_assert_int_eq(policy_frame(W(MAIL_REQUEST), MAX, &r), PROTO_REQUEST);
	parse_ok(r.data, r.len, &req);
	ck_assert_int_eq(req.state, POLICY_STATE_MAIL);
	ck_assert(req.present[POLICY_SENDER]);
	assert_str(req.attrs[POLICY_SENDER], "", "null sender");
	assert_str(req.sender_domain, "", "null sender domain");
	assert_str(req.recipient_domain, "", "no recipient");
	ck_assert(req.size_valid);
	ck_assert_uint_eq(req.size, 12345);
	ck_assert(!req.recipient_count_valid); /* absent */
	ck_assert(req.authenticated);
	ck_assert_uint_eq(req.unknown, 2);
	ck_assert_int_eq(req.client_family, AF_INET6);
	ck_assert_int_eq(memcmp(req.client_addr, v6, 16), 0);

	ck_assert_int_eq(policy_frame(W(EOM_REQUEST), MAX, &r), PROTO_REQUEST);
	parse_ok(r.data, r.len, &req);
	ck_assert_int_eq(req.state, POLICY_STATE_END_OF_MESSAGE);
	ck_assert_uint_eq(req.recipient_count, 2);
	ck_assert_uint_eq(req.size, 233);
	ck_assert_int_eq(req.client_family, 0);
	assert_str(req.sender_domain, "c.example", "last @");
	ck_assert(!req.authenticated);

	ck_assert_int_eq(policy_frame(W(DUP_REQUEST), MAX, &r), PROTO_REQUEST);
	parse_ok(r.data, r.len, &req);
	ck_assert_uint_eq(req.duplicates, 2);
	assert_str(req.attrs[POLICY_SENDER], "first@a.example", "first wins");
	assert_str(req.sender_domain, "a.example", "first domain");
	ck_assert_int_eq(req.state, POLICY_STATE_UNKNOWN);
}
END_TEST

struct frame_case {
	const char *wire;
	size_t len;
	enum proto_frame want;
	size_t data_len, used; /* for PROTO_REQUEST */
};

/* Checks one input and all of its prefixes: before the frame completes,
 * a prefix needs more or already shows the same error. */
static void check_frame(const struct frame_case *c, size_t max, size_t i)
{
	struct proto_request r;
	size_t end = c->want == PROTO_REQUEST ? c->used : c->len;

	for (size_t k = 0; k < end; k++) {
		enum proto_frame f = policy_frame(c->wire, k, max, &r);
		ck_assert_msg(f == PROTO_NEED_MORE ||
				  (c->want != PROTO_REQUEST && f == c->want),
			      "case %zu prefix %zu: got %d", i, k, f);
	}
	for (size_t k = end; k <= c->len; k++) {
		enum proto_frame f = policy_frame(c->wire, k, max, &r);
		ck_assert_msg(f == c->want, "case %zu len %zu: got %d want %d",
			      i, k, f, c->want);
		if (f != PROTO_REQUEST)
			continue;
		ck_assert_ptr_eq(r.data, c->wire);
		ck_assert_msg(r.len == c->data_len && r.used == c->used,
			      "case %zu: len %zu used %zu", i, r.len, r.used);
	}
}

START_TEST(framing_table)
{
	static const struct frame_case cases[] = {
	    {W(""), PROTO_NEED_MORE, 0, 0},
	    {W("\n"), PROTO_REQUEST, 0, 1}, /* zero attributes */
	    {W("\r\n"), PROTO_REQUEST, 0, 2},
	    {W("\r"), PROTO_NEED_MORE, 0, 0},
	    {W("a=b\n"), PROTO_NEED_MORE, 0, 0},
	    {W("a=b\n\n"), PROTO_REQUEST, 4, 5},
	    {W("a=b\r\n\r\n"), PROTO_REQUEST, 5, 7},
	    {W("a=b\n\r\n"), PROTO_REQUEST, 4, 6},
	    {W("a=b\r\n\n"), PROTO_REQUEST, 5, 6},
	    {W("a=b\r\r\n\n"), PROTO_REQUEST, 6, 7},   /* one CR dropped */
	    {W("a\rb=c\n\n"), PROTO_REQUEST, 6, 7},    /* CR inside kept */
	    {W("a=b\n\r\r\n"), PROTO_NEED_MORE, 0, 0}, /* "\r" is a line */
	    {W("a=b\n\nnext=1\n\n"), PROTO_REQUEST, 4, 5},
	    {W("a=b\n\n\0"), PROTO_REQUEST, 4, 5},	 /* not this frame's */
	    {W("no equals\n\n"), PROTO_REQUEST, 10, 11}, /* parse refuses */
	    {W("a=\0b\n\n"), PROTO_ERR_FORMAT, 0, 0},
	    {W("a=b\0"), PROTO_ERR_FORMAT, 0, 0},
	    {W("\0"), PROTO_ERR_FORMAT, 0, 0},
	    {W("a=b\n\0\n"), PROTO_ERR_FORMAT, 0, 0},
	};

	for (size_t i = 0; i < N(cases); i++)
		check_frame(&cases[i], MAX, i);
}
END_TEST

/* n attribute lines "a=b" and whatever tail; returns a malloc'ed buffer. */
static char *make_attrs(size_t n, const char *tail, size_t *len_r)
{
	size_t tlen = strlen(tail);
	char *buf = malloc(4 * n + tlen + 1);

	for (size_t i = 0; i < n; i++)
		memcpy(buf + 4 * i, "a=b\n", 4);
	memcpy(buf + 4 * n, tail, tlen + 1);
	*len_r = 4 * n + tlen;
	return buf;
}

START_TEST(limit_attribute_count)
{
	static const struct {
		size_t lines;
		const char *tail;
		enum proto_frame want;
	} cases[] = {
	    {POLICY_ATTRS_MAX, "\n", PROTO_REQUEST},
	    {POLICY_ATTRS_MAX, "\r\n", PROTO_REQUEST},
	    {POLICY_ATTRS_MAX, "", PROTO_NEED_MORE},
	    {POLICY_ATTRS_MAX, "\r", PROTO_NEED_MORE},
	    {POLICY_ATTRS_MAX + 1, "\n", PROTO_ERR_SIZE},
	    {POLICY_ATTRS_MAX + 1, "", PROTO_ERR_SIZE},
	    /* refused as soon as the next line cannot be the end */
	    {POLICY_ATTRS_MAX, "x", PROTO_ERR_SIZE},
	    {POLICY_ATTRS_MAX, "\rx", PROTO_ERR_SIZE},
	};

	for (size_t i = 0; i < N(cases); i++) {
		size_t len;
		char *wire = make_attrs(cases[i].lines, cases[i].tail, &len);
		struct frame_case c = {wire, len, cases[i].want,
				       4 * cases[i].lines, len};
		check_frame(&c, MAX, i);
		free(wire);
	}
}
END_TEST

/* One line of content bytes ("a=xxx..."), then tail. */
static char *make_line(size_t content, const char *tail, size_t *len_r)
{
	size_t tlen = strlen(tail);
	char *buf = malloc(content + tlen + 1);

	memset(buf, 'x', content);
	buf[0] = 'a';
	buf[1] = '=';
	memcpy(buf + content, tail, tlen + 1);
	*len_r = content + tlen;
	return buf;
}

START_TEST(limit_line_length)
{
	static const struct {
		size_t content;
		const char *tail;
		enum proto_frame want;
		size_t data_extra; /* line end bytes inside data */
	} cases[] = {
	    {POLICY_LINE_MAX, "\n\n", PROTO_REQUEST, 1},
	    {POLICY_LINE_MAX, "\r\n\n", PROTO_REQUEST, 2},
	    {POLICY_LINE_MAX, "", PROTO_NEED_MORE, 0},
	    {POLICY_LINE_MAX, "\r", PROTO_NEED_MORE, 0}, /* maybe CR LF */
	    {POLICY_LINE_MAX + 1, "\n\n", PROTO_ERR_SIZE, 0},
	    {POLICY_LINE_MAX + 1, "\r\n\n", PROTO_ERR_SIZE, 0},
	    {POLICY_LINE_MAX + 1, "", PROTO_ERR_SIZE, 0}, /* no waiting */
	    {POLICY_LINE_MAX, "\rx", PROTO_ERR_SIZE, 0},
	};

	for (size_t i = 0; i < N(cases); i++) {
		size_t len;
		char *wire = make_line(cases[i].content, cases[i].tail, &len);
		struct frame_case c = {wire, len, cases[i].want,
				       cases[i].content + cases[i].data_extra,
				       len};
		check_frame(&c, MAX, i);
		free(wire);
	}
}
END_TEST

START_TEST(limit_total_size)
{
	static const char wire[] = CAPTURE "request=smtpd_access_policy\n";
	size_t used = sizeof(CAPTURE) - 1, data_len = used - 1;
	struct proto_request r;

	/* At the limit the request is framed, one byte under it is refused
	 * as soon as max bytes are buffered without the closing line. */
	struct frame_case at = {wire, used, PROTO_REQUEST, data_len, used};
	check_frame(&at, used, 0);
	struct frame_case over = {wire, used, PROTO_ERR_SIZE, 0, 0};
	check_frame(&over, used - 1, 1);
	/* Whatever the limit and wherever it cuts (inside a line or after
	 * one): max bytes buffered without the end is refused at once, one
	 * byte fewer still waits. */
	for (size_t max = 1; max < used; max++) {
		ck_assert_int_eq(policy_frame(wire, max - 1, max, &r),
				 PROTO_NEED_MORE);
		ck_assert_int_eq(policy_frame(wire, max, max, &r),
				 PROTO_ERR_SIZE);
		ck_assert_int_eq(policy_frame(W(wire), max, &r),
				 PROTO_ERR_SIZE);
	}
	/* Pipelined bytes after a request do not count against it. */
	ck_assert_int_eq(policy_frame(W(wire), used, &r), PROTO_REQUEST);
	ck_assert_uint_eq(r.used, used);
	/* The empty request and max 0. */
	ck_assert_int_eq(policy_frame(W("\n"), 1, &r), PROTO_REQUEST);
	ck_assert_int_eq(policy_frame(W("\n"), 0, &r), PROTO_ERR_SIZE);
}
END_TEST

START_TEST(parse_table)
{
	static const struct {
		const char *text;
		int ret;
		const char *error; /* substring */
		unsigned unknown, duplicates;
	} cases[] = {
	    {"request=smtpd_access_policy\n", 0, NULL, 0, 0},
	    {"request=smtpd_access_policy", 0, NULL, 0, 0}, /* no LF */
	    {"request=smtpd_access_policy\r\n", 0, NULL, 0, 0},
	    {"", -1, "no request attribute", 0, 0},
	    {"protocol_state=RCPT\n", -1, "no request attribute", 0, 0},
	    {"Request=smtpd_access_policy\n", -1, "no request", 0, 0},
	    {"request=smtpd_access_policyx\n", -1, "not smtpd_access", 0, 0},
	    {"request=\n", -1, "not smtpd_access_policy", 0, 0},
	    {"request=smtpd_access_policy\nfoo\n", -1, "without '='", 0, 0},
	    {"request=smtpd_access_policy\n\n", -1, "without '='", 0, 0},
	    {"request=smtpd_access_policy\n=value\n", -1, "empty name", 0, 0},
	    {"=\n", -1, "empty name", 0, 0},
	    {"request=smtpd_access_policy\nfoo=bar\nbaz=\nsizes=1\n", 0, NULL,
	     3, 0},
	    {"request=smtpd_access_policy\nsize=1\nsize=2\nrequest=x\n", 0,
	     NULL, 0, 2},
	    {"request=smtpd_access_policy\nrequest=smtpd_access_policy\n", 0,
	     NULL, 0, 1},
	    {"request=other\nrequest=smtpd_access_policy\n", -1,
	     "not smtpd_access_policy", 0, 1},
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct policy_request req;
		const char *error = NULL;
		int ret = policy_parse(cases[i].text, strlen(cases[i].text),
				       &req, &error);
		ck_assert_msg(ret == cases[i].ret, "case %zu: ret %d (%s)", i,
			      ret, error);
		if (ret < 0) {
			ck_assert_msg(error != NULL &&
					  strstr(error, cases[i].error),
				      "case %zu: error %s", i, error);
			continue;
		}
		ck_assert_uint_eq(req.unknown, cases[i].unknown);
		ck_assert_uint_eq(req.duplicates, cases[i].duplicates);
		assert_str(req.attrs[POLICY_REQUEST], "smtpd_access_policy",
			   "request");
	}
}
END_TEST

START_TEST(parse_values_in_place)
{
	static const char text[] = "request=smtpd_access_policy\r\n"
				   "ccert_subject=a=b\r\n"
				   "helo_name=\rx\r\r\n"
				   "sender=a@b.example\r\n";
	struct policy_request req;

	parse_ok(W(text), &req);
	assert_str(req.attrs[POLICY_CCERT_SUBJECT], "a=b", "second '='");
	assert_str(req.attrs[POLICY_HELO_NAME], "\rx\r", "one CR dropped");
	assert_str(req.attrs[POLICY_SENDER], "a@b.example", "CR LF");
	ck_assert_ptr_eq(req.attrs[POLICY_SENDER].data, strstr(text, "a@b"));
	assert_str(req.sender_domain, "b.example", "domain");
	ck_assert_ptr_eq(req.sender_domain.data, strstr(text, "b.example"));
	for (unsigned a = 0; a < POLICY_ATTR_COUNT; a++)
		ck_assert_ptr_nonnull(req.attrs[a].data);
}
END_TEST

/* Parses "request=smtpd_access_policy\n<name>=<value>\n". */
static void parse_one(const char *name, const char *value,
		      struct policy_request *req)
{
	static char text[256];
	int n = snprintf(text, sizeof(text),
			 "request=smtpd_access_policy\n%s=%s\n", name, value);

	parse_ok(text, (size_t)n, req);
}

START_TEST(states)
{
	static const struct {
		const char *value;
		enum policy_state want;
	} cases[] = {
	    {"CONNECT", POLICY_STATE_CONNECT},
	    {"EHLO", POLICY_STATE_EHLO},
	    {"HELO", POLICY_STATE_HELO},
	    {"MAIL", POLICY_STATE_MAIL},
	    {"RCPT", POLICY_STATE_RCPT},
	    {"DATA", POLICY_STATE_DATA},
	    {"END-OF-MESSAGE", POLICY_STATE_END_OF_MESSAGE},
	    {"VRFY", POLICY_STATE_VRFY},
	    {"ETRN", POLICY_STATE_ETRN},
	    {"rcpt", POLICY_STATE_RCPT},
	    {"End-Of-Message", POLICY_STATE_END_OF_MESSAGE},
	    {"", POLICY_STATE_UNKNOWN},
	    {"RCPTX", POLICY_STATE_UNKNOWN},
	    {"RCP", POLICY_STATE_UNKNOWN},
	    {"BDAT", POLICY_STATE_UNKNOWN}, /* Postfix reports DATA */
	    {"UNKNOWN", POLICY_STATE_UNKNOWN},
	};
	struct policy_request req;

	for (size_t i = 0; i < N(cases); i++) {
		parse_one("protocol_state", cases[i].value, &req);
		ck_assert_msg(req.state == cases[i].want, "case %zu: %s -> %s",
			      i, cases[i].value, policy_state_name(req.state));
	}
	parse_one("x", "y", &req);
	ck_assert_int_eq(req.state, POLICY_STATE_UNKNOWN);
	ck_assert_str_eq(policy_state_name(POLICY_STATE_END_OF_MESSAGE),
			 "END-OF-MESSAGE");
	ck_assert_str_eq(policy_state_name(POLICY_STATE_COUNT), "?");
}
END_TEST

START_TEST(domains)
{
	static const struct {
		const char *address, *domain;
	} cases[] = {
	    {"", ""}, /* the null sender */
	    {"user@example.org", "example.org"},
	    {"User@Example.ORG", "Example.ORG"}, /* the client's case */
	    {"a@b@c.example", "c.example"},
	    {"\"a@b\"@c.example", "c.example"},
	    {"postmaster", ""},
	    {"user@", ""},
	    {"@example.org", "example.org"},
	};
	struct policy_request req;

	for (size_t i = 0; i < N(cases); i++) {
		parse_one("sender", cases[i].address, &req);
		assert_str(req.sender_domain, cases[i].domain,
			   cases[i].address);
		parse_one("recipient", cases[i].address, &req);
		assert_str(req.recipient_domain, cases[i].domain,
			   cases[i].address);
		assert_str(req.sender_domain, "", "absent sender");
	}
}
END_TEST

START_TEST(numbers)
{
	static const struct {
		const char *value;
		bool valid;
		uint64_t want;
	} cases[] = {
	    {"0", true, 0},
	    {"12345", true, 12345},
	    {"000233", true, 233},
	    {"18446744073709551615", true, UINT64_MAX},
	    {"18446744073709551616", false, 0},
	    {"99999999999999999999", false, 0},
	    {"", false, 0},
	    {"12a", false, 0},
	    {"a12", false, 0},
	    {"-1", false, 0},
	    {"+1", false, 0},
	    {" 1", false, 0},
	    {"1 ", false, 0},
	    {"1.5", false, 0},
	};
	struct policy_request req;

	for (size_t i = 0; i < N(cases); i++) {
		parse_one("size", cases[i].value, &req);
		ck_assert_msg(req.size_valid == cases[i].valid &&
				  req.size == cases[i].want,
			      "size case %zu (%s)", i, cases[i].value);
		ck_assert(!req.recipient_count_valid);
		parse_one("recipient_count", cases[i].value, &req);
		ck_assert_msg(req.recipient_count_valid == cases[i].valid &&
				  req.recipient_count == cases[i].want,
			      "recipient_count case %zu", i);
		ck_assert(!req.size_valid);
	}
}
END_TEST

START_TEST(client_addresses)
{
	static const struct {
		const char *value;
		int family;
		const char *bytes;
	} cases[] = {
	    {"127.0.0.1", AF_INET, "\x7f\0\0\x01"},
	    {"192.0.2.250", AF_INET, "\xc0\0\x02\xfa"},
	    {"2001:db8::25", AF_INET6,
	     "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x25"},
	    {"::1", AF_INET6, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"},
	    {"::ffff:192.0.2.1", AF_INET, "\xc0\0\x02\x01"},
	    {"unknown", 0, NULL},
	    {"", 0, NULL},
	    {"1.2.3", 0, NULL},
	    {"1.2.3.4 ", 0, NULL},
	    {"256.1.1.1", 0, NULL},
	    {"[2001:db8::1]", 0, NULL},
	    {"fe80::1%eth0", 0, NULL},
	    {"0000:0000:0000:0000:0000:ffff:192.168.100.228x", 0, NULL},
	    {"2001:0db8:0000:0000:0000:0000:0000:0000:0001", 0, NULL},
	};
	struct policy_request req;

	for (size_t i = 0; i < N(cases); i++) {
		parse_one("client_address", cases[i].value, &req);
		ck_assert_msg(req.client_family == cases[i].family,
			      "case %zu (%s): family %d", i, cases[i].value,
			      req.client_family);
		if (cases[i].family != 0)
			ck_assert_int_eq(
			    memcmp(req.client_addr, cases[i].bytes,
				   cases[i].family == AF_INET ? 4 : 16),
			    0);
	}
	parse_one("x", "y", &req);
	ck_assert_int_eq(req.client_family, 0);
}
END_TEST

START_TEST(authenticated)
{
	struct policy_request req;

	parse_one("sasl_username", "", &req);
	ck_assert(!req.authenticated);
	parse_one("sasl_username", "user@example.com", &req);
	ck_assert(req.authenticated);
	parse_one("sasl_method", "PLAIN", &req);
	ck_assert(!req.authenticated);
}
END_TEST

START_TEST(attribute_names)
{
	static const char *const misses[] = {
	    "",
	    "a",
	    "zzz",
	    "request_",
	    "requesT",
	    "recipien",
	    "size_",
	    "ccert",
	    "client_address ",
	    "mail_version",
	    "compatibility_level",
	    "policy_context\r",
	};
	enum policy_attr attr;

	for (unsigned a = 0; a < POLICY_ATTR_COUNT; a++) {
		const char *name = policy_attr_name(a);
		ck_assert_msg(policy_attr_lookup(name, strlen(name), &attr) &&
				  attr == a,
			      "%s not found", name);
	}
	for (size_t i = 0; i < N(misses); i++)
		ck_assert_msg(
		    !policy_attr_lookup(misses[i], strlen(misses[i]), &attr),
		    "%s found", misses[i]);
	ck_assert_str_eq(policy_attr_name(POLICY_CCERT_PUBKEY_FINGERPRINT),
			 "ccert_pubkey_fingerprint");
	ck_assert_str_eq(policy_attr_name(POLICY_ATTR_COUNT), "?");
	ck_assert(policy_attr_lookup(W("policy_test_time"), &attr));
	ck_assert_int_eq(attr, POLICY_POLICY_TEST_TIME);
}
END_TEST

START_TEST(replies)
{
	static const struct {
		const char *action;
		size_t len;
		size_t size;	  /* output buffer; 0 = large */
		const char *want; /* NULL = refused */
	} cases[] = {
	    {W("DUNNO"), 0, "action=DUNNO\n\n"},
	    {W("REJECT policy says no"), 0, "action=REJECT policy says no\n\n"},
	    {W("554 5.7.9 custom code"), 0, "action=554 5.7.9 custom code\n\n"},
	    {W("OK"), 11, "action=OK\n\n"}, /* exactly enough */
	    {W("OK"), 10, NULL},	    /* one byte short */
	    {W("OK"), 8, NULL},
	    {W("OK"), 1, NULL},
	    {W(""), 0, NULL}, /* empty = permit to Postfix */
	    {W("OK\nX"), 0, NULL},
	    {W("OK\n"), 0, NULL},
	    {W("\nOK"), 0, NULL},
	    {W("OK\r"), 0, NULL},
	    {W("OK\0X"), 0, NULL},
	};

	for (size_t i = 0; i < N(cases); i++) {
		char out[128];
		size_t size = cases[i].size != 0 ? cases[i].size : sizeof(out);
		size_t n;

		memset(out, '#', sizeof(out));
		n = policy_format_reply(out, size, cases[i].action,
					cases[i].len);
		if (cases[i].want == NULL) {
			ck_assert_msg(n == 0, "case %zu: not refused", i);
			ck_assert_msg(out[0] == '#', "case %zu: wrote", i);
			continue;
		}
		ck_assert_uint_eq(n, strlen(cases[i].want));
		ck_assert_uint_eq(n, cases[i].len + POLICY_REPLY_OVERHEAD);
		ck_assert_int_eq(memcmp(out, cases[i].want, n), 0);
		ck_assert_msg(n == size || out[n] == '#', "case %zu: past", i);
	}
	ck_assert_uint_eq(policy_format_reply(NULL, 0, W("OK")), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy_request");
	TCase *tc = tcase_create("policy_request");

	tcase_add_test(tc, capture_whole);
	tcase_add_test(tc, capture_any_order);
	tcase_add_test(tc, capture_crlf);
	tcase_add_test(tc, stream_whole_bytewise_random);
	tcase_add_test(tc, variants_parsed);
	tcase_add_test(tc, framing_table);
	tcase_add_test(tc, limit_attribute_count);
	tcase_add_test(tc, limit_line_length);
	tcase_add_test(tc, limit_total_size);
	tcase_add_test(tc, parse_table);
	tcase_add_test(tc, parse_values_in_place);
	tcase_add_test(tc, states);
	tcase_add_test(tc, domains);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, client_addresses);
	tcase_add_test(tc, authenticated);
	tcase_add_test(tc, attribute_names);
	tcase_add_test(tc, replies);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
