/*
 * bench_proto_policy: the Postfix SMTPD policy protocol for the benchmark
 * tools (protocols.md 2): a request is "name=value\n" lines ending in an
 * empty line, a reply is "action=...\n" (other attributes allowed) ending
 * in an empty line. LF only on the wire we send; a CR before a LF is
 * tolerated when reading.
 *
 * Requests. A loadgen --keys line is
 *     CLIENT_ADDRESS SENDER RECIPIENT [name=value ...]
 * (fields separated by spaces or tabs; "<>" is the null sender) and is
 * framed as the 29 attributes Postfix 3.7 sends at RCPT, in its order
 * (protocols.md 2.2), for an unauthenticated client that used STARTTLS
 * without a client certificate, as a remote MX does:
 *     request=smtpd_access_policy, protocol_state=RCPT,
 *     protocol_name=ESMTP, client_address=CLIENT_ADDRESS,
 *     client_name = reverse_client_name = helo_name = "mail." + the
 *     sender's domain ("mail.remote.test" for a sender without one),
 *     client_port (1024..65023) and instance ("%x.%x.%x.0") derived from
 *     a hash of the line, so they vary like Postfix's,
 *     server_address=192.0.2.25, server_port=25, sender, recipient,
 *     recipient_count=0, queue_id= (empty at the first RCPT), size=0,
 *     the SASL and ccert_* attributes and etrn_domain, stress and
 *     policy_context empty, encryption_protocol=TLSv1.3,
 *     encryption_cipher=TLS_AES_256_GCM_SHA384, encryption_keysize=256.
 * Each optional name=value replaces the value of that attribute in place,
 * or, for a name Postfix does not send (postgrey's policy_test_time),
 * is added after the 29, before the empty line.
 *
 * Replies are classified by the first word of the first action attribute,
 * case-insensitively as Postfix does: DUNNO; DEFER, DEFER_IF_PERMIT,
 * DEFER_IF_REJECT or a 4xx code is a deferral; any other action (OK,
 * REJECT, PREPEND, an empty value ...) is "other"; a reply without an
 * action is failed (Postfix: "missing attribute action").
 *
 * Limits: requests up to 64 kB (mailmapd's default daemon.max_request),
 * replies up to 64 kB; at most POLICY_MAX_EXTRA name=value fields.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bench_proto.h"

#define POLICY_MAX_REQUEST 65536
#define POLICY_MAX_REPLY   65536
#define POLICY_MAX_EXTRA   8

/* The attributes of protocols.md 2.2, in Postfix's order. */
enum policy_attr {
	PA_REQUEST,
	PA_PROTOCOL_STATE,
	PA_PROTOCOL_NAME,
	PA_CLIENT_ADDRESS,
	PA_CLIENT_NAME,
	PA_CLIENT_PORT,
	PA_REVERSE_CLIENT_NAME,
	PA_SERVER_ADDRESS,
	PA_SERVER_PORT,
	PA_HELO_NAME,
	PA_SENDER,
	PA_RECIPIENT,
	PA_RECIPIENT_COUNT,
	PA_QUEUE_ID,
	PA_INSTANCE,
	PA_SIZE,
	PA_ETRN_DOMAIN,
	PA_STRESS,
	PA_SASL_METHOD,
	PA_SASL_USERNAME,
	PA_SASL_SENDER,
	PA_CCERT_SUBJECT,
	PA_CCERT_ISSUER,
	PA_CCERT_FINGERPRINT,
	PA_CCERT_PUBKEY_FINGERPRINT,
	PA_ENCRYPTION_PROTOCOL,
	PA_ENCRYPTION_CIPHER,
	PA_ENCRYPTION_KEYSIZE,
	PA_POLICY_CONTEXT,
	PA_COUNT /* 29 */
};

static const struct {
	const char *name, *value; /* value NULL: set per request */
} policy_attrs[PA_COUNT] = {
    [PA_REQUEST] = {"request", "smtpd_access_policy"},
    [PA_PROTOCOL_STATE] = {"protocol_state", "RCPT"},
    [PA_PROTOCOL_NAME] = {"protocol_name", "ESMTP"},
    [PA_CLIENT_ADDRESS] = {"client_address", NULL},
    [PA_CLIENT_NAME] = {"client_name", NULL},
    [PA_CLIENT_PORT] = {"client_port", NULL},
    [PA_REVERSE_CLIENT_NAME] = {"reverse_client_name", NULL},
    [PA_SERVER_ADDRESS] = {"server_address", "192.0.2.25"},
    [PA_SERVER_PORT] = {"server_port", "25"},
    [PA_HELO_NAME] = {"helo_name", NULL},
    [PA_SENDER] = {"sender", NULL},
    [PA_RECIPIENT] = {"recipient", NULL},
    [PA_RECIPIENT_COUNT] = {"recipient_count", "0"},
    [PA_QUEUE_ID] = {"queue_id", ""},
    [PA_INSTANCE] = {"instance", NULL},
    [PA_SIZE] = {"size", "0"},
    [PA_ETRN_DOMAIN] = {"etrn_domain", ""},
    [PA_STRESS] = {"stress", ""},
    [PA_SASL_METHOD] = {"sasl_method", ""},
    [PA_SASL_USERNAME] = {"sasl_username", ""},
    [PA_SASL_SENDER] = {"sasl_sender", ""},
    [PA_CCERT_SUBJECT] = {"ccert_subject", ""},
    [PA_CCERT_ISSUER] = {"ccert_issuer", ""},
    [PA_CCERT_FINGERPRINT] = {"ccert_fingerprint", ""},
    [PA_CCERT_PUBKEY_FINGERPRINT] = {"ccert_pubkey_fingerprint", ""},
    [PA_ENCRYPTION_PROTOCOL] = {"encryption_protocol", "TLSv1.3"},
    [PA_ENCRYPTION_CIPHER] = {"encryption_cipher", "TLS_AES_256_GCM_SHA384"},
    [PA_ENCRYPTION_KEYSIZE] = {"encryption_keysize", "256"},
    [PA_POLICY_CONTEXT] = {"policy_context", ""},
};

/* A piece of the payload, or of a constant. */
struct policy_text {
	const char *s;
	size_t len;
};

/* An output buffer that remembers running out of room. */
struct policy_out {
	char *p;
	size_t len, cap;
	bool full;
};

static void policy_put(struct policy_out *out, const char *s, size_t len)
{
	if (out->full || len > out->cap - out->len) {
		out->full = true;
		return;
	}
	memcpy(out->p + out->len, s, len);
	out->len += len;
}

static void policy_put_attr(struct policy_out *out, const char *name,
			    size_t name_len, const char *prefix,
			    struct policy_text value)
{
	policy_put(out, name, name_len);
	policy_put(out, "=", 1);
	policy_put(out, prefix, strlen(prefix));
	policy_put(out, value.s, value.len);
	policy_put(out, "\n", 1);
}

static uint64_t policy_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* Splits the payload into at most max fields at spaces and tabs; returns
 * how many, or max + 1 when there are more. */
static size_t policy_fields(const char *s, size_t len, struct policy_text *f,
			    size_t max)
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t start;

		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (n == max)
			return max + 1;
		start = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		f[n++] = (struct policy_text){s + start, i - start};
	}
	return n;
}

static size_t policy_encode_request(char *out_buf, size_t cap,
				    const char *payload, size_t len)
{
	struct policy_text field[3 + POLICY_MAX_EXTRA + 1];
	struct policy_text value[PA_COUNT];
	bool given[PA_COUNT] = {false};
	struct policy_text extra[POLICY_MAX_EXTRA],
	    domain = {"remote.test", 11};
	size_t fields =
	    policy_fields(payload, len, field, 3 + POLICY_MAX_EXTRA);
	size_t extras = 0;
	struct policy_out out = {out_buf, 0, cap, false};
	uint64_t h = policy_hash(payload, len);
	char port[16], instance[48];
	const char *at;

	if (fields < 3 || fields > 3 + POLICY_MAX_EXTRA ||
	    memchr(payload, '\n', len) != NULL ||
	    memchr(payload, '\0', len) != NULL)
		return 0;
	for (int i = 0; i < PA_COUNT; i++)
		value[i] =
		    policy_attrs[i].value == NULL
			? (struct policy_text){"", 0}
			: (struct policy_text){policy_attrs[i].value,
					       strlen(policy_attrs[i].value)};
	value[PA_CLIENT_ADDRESS] = field[0];
	value[PA_SENDER] = field[1];
	if (field[1].len == 2 && memcmp(field[1].s, "<>", 2) == 0)
		value[PA_SENDER].len = 0;
	value[PA_RECIPIENT] = field[2];
	at = memchr(value[PA_SENDER].s, '@', value[PA_SENDER].len);
	if (at != NULL && at + 1 < value[PA_SENDER].s + value[PA_SENDER].len)
		domain = (struct policy_text){
		    at + 1, (size_t)(value[PA_SENDER].s + value[PA_SENDER].len -
				     at - 1)};
	snprintf(port, sizeof(port), "%u", 1024u + (unsigned)(h % 64000u));
	snprintf(instance, sizeof(instance), "%x.%x.%x.0", (unsigned)(h >> 48),
		 (unsigned)(h >> 16) & 0xffffffffu, (unsigned)h & 0xfffffu);
	value[PA_CLIENT_PORT] = (struct policy_text){port, strlen(port)};
	value[PA_INSTANCE] = (struct policy_text){instance, strlen(instance)};
	/* name=value fields: replace an attribute, or add one. */
	for (size_t i = 3; i < fields; i++) {
		const char *eq = memchr(field[i].s, '=', field[i].len);
		size_t name_len = eq ? (size_t)(eq - field[i].s) : 0;
		int attr = PA_COUNT;

		if (name_len == 0)
			return 0;
		for (int a = 0; a < PA_COUNT && attr == PA_COUNT; a++)
			if (strlen(policy_attrs[a].name) == name_len &&
			    memcmp(policy_attrs[a].name, field[i].s,
				   name_len) == 0)
				attr = a;
		if (attr == PA_COUNT) {
			extra[extras++] = field[i];
		} else {
			value[attr] = (struct policy_text){
			    eq + 1, field[i].len - name_len - 1};
			given[attr] = true;
		}
	}
	for (int i = 0; i < PA_COUNT; i++) {
		const char *name = policy_attrs[i].name;
		bool derived = i == PA_CLIENT_NAME ||
			       i == PA_REVERSE_CLIENT_NAME || i == PA_HELO_NAME;

		if (derived && !given[i])
			policy_put_attr(&out, name, strlen(name), "mail.",
					domain);
		else
			policy_put_attr(&out, name, strlen(name), "", value[i]);
	}
	for (size_t i = 0; i < extras; i++) {
		policy_put(&out, extra[i].s, extra[i].len);
		policy_put(&out, "\n", 1);
	}
	policy_put(&out, "\n", 1);
	return out.full ? 0 : out.len;
}

static size_t policy_encode_found(char *out_buf, size_t cap, const char *value,
				  size_t len)
{
	struct policy_out out = {out_buf, 0, cap, false};

	policy_put_attr(&out, "action", 6, "",
			(struct policy_text){value, len});
	policy_put(&out, "\n", 1);
	return out.full ? 0 : out.len;
}

/* Finds one attribute list ending in an empty line at the start of data;
 * sets *action_r to the value of its first "action" attribute (s NULL:
 * none). Every other line must be name=value without NUL bytes. */
static enum bench_frame policy_scan(const char *data, size_t len, size_t max,
				    size_t *used_r,
				    struct policy_text *action_r)
{
	size_t pos = 0;

	action_r->s = NULL;
	action_r->len = 0;
	while (pos < len) {
		const char *line = data + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t line_len;
		const char *eq;

		if (nl == NULL)
			break;
		line_len = (size_t)(nl - line);
		pos += line_len + 1;
		if (pos > max)
			return BENCH_ERR_SIZE;
		if (line_len > 0 && line[line_len - 1] == '\r')
			line_len--;
		if (line_len == 0) {
			*used_r = pos;
			return BENCH_FRAME;
		}
		eq = memchr(line, '=', line_len);
		if (eq == NULL || eq == line ||
		    memchr(line, '\0', line_len) != NULL)
			return BENCH_ERR_FORMAT;
		if (action_r->s == NULL && eq - line == 6 &&
		    memcmp(line, "action", 6) == 0) {
			action_r->s = eq + 1;
			action_r->len = line_len - 7;
		}
	}
	return len > max ? BENCH_ERR_SIZE : BENCH_NEED_MORE;
}

static bool policy_word_is(struct policy_text word, const char *what)
{
	return word.len == strlen(what) &&
	       strncasecmp(word.s, what, word.len) == 0;
}

static enum bench_answer policy_classify(struct policy_text action)
{
	struct policy_text word = action;

	if (action.s == NULL)
		return BENCH_FAILED;
	for (word.len = 0; word.len < action.len && action.s[word.len] != ' ' &&
			   action.s[word.len] != '\t';
	     word.len++)
		;
	if (policy_word_is(word, "DUNNO"))
		return BENCH_DUNNO;
	if (policy_word_is(word, "DEFER") ||
	    policy_word_is(word, "DEFER_IF_PERMIT") ||
	    policy_word_is(word, "DEFER_IF_REJECT") ||
	    (word.len == 3 && word.s[0] == '4' && word.s[1] >= '0' &&
	     word.s[1] <= '9' && word.s[2] >= '0' && word.s[2] <= '9'))
		return BENCH_DEFER;
	return BENCH_OTHER;
}

static enum bench_frame policy_decode_reply(const char *data, size_t len,
					    size_t *used_r,
					    enum bench_answer *answer_r)
{
	struct policy_text action;
	enum bench_frame frame =
	    policy_scan(data, len, POLICY_MAX_REPLY, used_r, &action);

	if (frame == BENCH_FRAME)
		*answer_r = policy_classify(action);
	return frame;
}

static enum bench_frame policy_decode_request(const char *data, size_t len,
					      size_t *used_r)
{
	struct policy_text action;

	return policy_scan(data, len, POLICY_MAX_REQUEST, used_r, &action);
}

const struct bench_proto bench_proto_policy = {
    .name = "policy",
    .max_request = POLICY_MAX_REQUEST,
    .max_reply = POLICY_MAX_REPLY,
    .answers = BENCH_ANSWER_BIT(BENCH_DUNNO) | BENCH_ANSWER_BIT(BENCH_DEFER) |
	       BENCH_ANSWER_BIT(BENCH_OTHER) | BENCH_ANSWER_BIT(BENCH_FAILED),
    .found_value = "DUNNO",
    .encode_request = policy_encode_request,
    .decode_reply = policy_decode_reply,
    .decode_request = policy_decode_request,
    .encode_found = policy_encode_found,
};
