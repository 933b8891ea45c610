/* policy/request: policy delegation framing, parsing, reply; see request.h. */
#include "request.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

struct policy_name {
	const char *name;
	size_t len;
};

/* clang-format off */
#define POLICY_NAME(s) {s, sizeof(s) - 1}
/* clang-format on */

/* Wire names, indexed by enum policy_attr. */
static const struct policy_name policy_names[POLICY_ATTR_COUNT] = {
    [POLICY_REQUEST] = POLICY_NAME("request"),
    [POLICY_PROTOCOL_STATE] = POLICY_NAME("protocol_state"),
    [POLICY_PROTOCOL_NAME] = POLICY_NAME("protocol_name"),
    [POLICY_CLIENT_ADDRESS] = POLICY_NAME("client_address"),
    [POLICY_CLIENT_NAME] = POLICY_NAME("client_name"),
    [POLICY_CLIENT_PORT] = POLICY_NAME("client_port"),
    [POLICY_REVERSE_CLIENT_NAME] = POLICY_NAME("reverse_client_name"),
    [POLICY_SERVER_ADDRESS] = POLICY_NAME("server_address"),
    [POLICY_SERVER_PORT] = POLICY_NAME("server_port"),
    [POLICY_HELO_NAME] = POLICY_NAME("helo_name"),
    [POLICY_SENDER] = POLICY_NAME("sender"),
    [POLICY_RECIPIENT] = POLICY_NAME("recipient"),
    [POLICY_RECIPIENT_COUNT] = POLICY_NAME("recipient_count"),
    [POLICY_QUEUE_ID] = POLICY_NAME("queue_id"),
    [POLICY_INSTANCE] = POLICY_NAME("instance"),
    [POLICY_SIZE] = POLICY_NAME("size"),
    [POLICY_ETRN_DOMAIN] = POLICY_NAME("etrn_domain"),
    [POLICY_STRESS] = POLICY_NAME("stress"),
    [POLICY_SASL_METHOD] = POLICY_NAME("sasl_method"),
    [POLICY_SASL_USERNAME] = POLICY_NAME("sasl_username"),
    [POLICY_SASL_SENDER] = POLICY_NAME("sasl_sender"),
    [POLICY_CCERT_SUBJECT] = POLICY_NAME("ccert_subject"),
    [POLICY_CCERT_ISSUER] = POLICY_NAME("ccert_issuer"),
    [POLICY_CCERT_FINGERPRINT] = POLICY_NAME("ccert_fingerprint"),
    [POLICY_CCERT_PUBKEY_FINGERPRINT] = POLICY_NAME("ccert_pubkey_fingerprint"),
    [POLICY_ENCRYPTION_PROTOCOL] = POLICY_NAME("encryption_protocol"),
    [POLICY_ENCRYPTION_CIPHER] = POLICY_NAME("encryption_cipher"),
    [POLICY_ENCRYPTION_KEYSIZE] = POLICY_NAME("encryption_keysize"),
    [POLICY_POLICY_CONTEXT] = POLICY_NAME("policy_context"),
    [POLICY_POLICY_TEST_TIME] = POLICY_NAME("policy_test_time"),
};

/* The same attributes in strcmp order of their names, for the binary
 * search in policy_attr_lookup(); the unit test checks the order. */
static const unsigned char policy_sorted[POLICY_ATTR_COUNT] = {
    POLICY_CCERT_FINGERPRINT,
    POLICY_CCERT_ISSUER,
    POLICY_CCERT_PUBKEY_FINGERPRINT,
    POLICY_CCERT_SUBJECT,
    POLICY_CLIENT_ADDRESS,
    POLICY_CLIENT_NAME,
    POLICY_CLIENT_PORT,
    POLICY_ENCRYPTION_CIPHER,
    POLICY_ENCRYPTION_KEYSIZE,
    POLICY_ENCRYPTION_PROTOCOL,
    POLICY_ETRN_DOMAIN,
    POLICY_HELO_NAME,
    POLICY_INSTANCE,
    POLICY_POLICY_CONTEXT,
    POLICY_POLICY_TEST_TIME,
    POLICY_PROTOCOL_NAME,
    POLICY_PROTOCOL_STATE,
    POLICY_QUEUE_ID,
    POLICY_RECIPIENT,
    POLICY_RECIPIENT_COUNT,
    POLICY_REQUEST,
    POLICY_REVERSE_CLIENT_NAME,
    POLICY_SASL_METHOD,
    POLICY_SASL_SENDER,
    POLICY_SASL_USERNAME,
    POLICY_SENDER,
    POLICY_SERVER_ADDRESS,
    POLICY_SERVER_PORT,
    POLICY_SIZE,
    POLICY_STRESS,
};

/* protocol_state words, indexed by enum policy_state. */
static const struct policy_name policy_states[POLICY_STATE_COUNT] = {
    [POLICY_STATE_UNKNOWN] = POLICY_NAME("UNKNOWN"),
    [POLICY_STATE_CONNECT] = POLICY_NAME("CONNECT"),
    [POLICY_STATE_EHLO] = POLICY_NAME("EHLO"),
    [POLICY_STATE_HELO] = POLICY_NAME("HELO"),
    [POLICY_STATE_MAIL] = POLICY_NAME("MAIL"),
    [POLICY_STATE_RCPT] = POLICY_NAME("RCPT"),
    [POLICY_STATE_DATA] = POLICY_NAME("DATA"),
    [POLICY_STATE_END_OF_MESSAGE] = POLICY_NAME("END-OF-MESSAGE"),
    [POLICY_STATE_VRFY] = POLICY_NAME("VRFY"),
    [POLICY_STATE_ETRN] = POLICY_NAME("ETRN"),
};

static const char policy_request_word[] = "smtpd_access_policy";

/* A line's length without its line end: one CR before the LF is dropped
 * (telnet testers send CR LF; Postfix never sends CR). */
static size_t policy_line_len(const char *line, size_t raw)
{
	return raw != 0 && line[raw - 1] == '\r' ? raw - 1 : raw;
}

/* The last, unterminated line (raw bytes so far): an error as soon as it
 * can no longer fit, or when the buffer holds max bytes without the end. */
static enum proto_frame policy_frame_partial(const char *line, size_t raw,
					     unsigned lines, bool at_max)
{
	/* A trailing CR may still be the CR of CR LF, so it is not counted;
	 * every other byte stays part of the line. */
	size_t least = policy_line_len(line, raw);

	if (least > POLICY_LINE_MAX)
		return PROTO_ERR_SIZE;
	if (least != 0 && lines >= POLICY_ATTRS_MAX)
		return PROTO_ERR_SIZE; /* cannot become the empty line */
	return at_max ? PROTO_ERR_SIZE : PROTO_NEED_MORE;
}

enum proto_frame policy_frame(const char *data, size_t len, size_t max,
			      struct proto_request *request)
{
	/* The closing LF must lie within the first max bytes. */
	size_t scan = len < max ? len : max, pos = 0;
	unsigned lines = 0;

	/* Each byte is looked at once for a NUL: over the whole request
	 * when it is complete, over what came so far otherwise. */
	while (pos < scan) {
		const char *nl = memchr(data + pos, '\n', scan - pos);
		size_t end = nl != NULL ? (size_t)(nl - data) : scan;

		if (nl == NULL)
			return memchr(data, '\0', scan) != NULL
				   ? PROTO_ERR_FORMAT
				   : policy_frame_partial(data + pos, end - pos,
							  lines, len >= max);
		size_t line = policy_line_len(data + pos, end - pos);
		if (line == 0) {
			if (memchr(data, '\0', end) != NULL)
				return PROTO_ERR_FORMAT;
			request->data = data;
			request->len = pos;
			request->used = end + 1;
			return PROTO_REQUEST;
		}
		if (line > POLICY_LINE_MAX || ++lines > POLICY_ATTRS_MAX)
			return PROTO_ERR_SIZE;
		pos = end + 1;
	}
	if (memchr(data, '\0', scan) != NULL)
		return PROTO_ERR_FORMAT;
	return len >= max ? PROTO_ERR_SIZE : PROTO_NEED_MORE;
}

/* strcmp order on (bytes, length) pairs: a prefix sorts first. */
static int policy_name_cmp(const char *name, size_t len,
			   const struct policy_name *known)
{
	size_t n = len < known->len ? len : known->len;
	int r = memcmp(name, known->name, n);

	if (r != 0)
		return r;
	return len < known->len ? -1 : len > known->len;
}

bool policy_attr_lookup(const char *name, size_t len, enum policy_attr *attr_r)
{
	size_t lo = 0, hi = POLICY_ATTR_COUNT;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		enum policy_attr attr = (enum policy_attr)policy_sorted[mid];
		int r = policy_name_cmp(name, len, &policy_names[attr]);

		if (r == 0) {
			*attr_r = attr;
			return true;
		}
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

const char *policy_attr_name(enum policy_attr attr)
{
	return (unsigned)attr < POLICY_ATTR_COUNT ? policy_names[attr].name
						  : "?";
}

const char *policy_state_name(enum policy_state state)
{
	return (unsigned)state < POLICY_STATE_COUNT ? policy_states[state].name
						    : "?";
}

/* policy_attr_lookup() for the lines of one request: Postfix sends the
 * attributes in enum policy_attr's order, so the one after the previous
 * line's (*next) is tried first, with one comparison. */
static bool policy_attr_next(const char *name, size_t len, unsigned *next,
			     enum policy_attr *attr_r)
{
	if (*next < POLICY_ATTR_COUNT &&
	    policy_name_cmp(name, len, &policy_names[*next]) == 0)
		*attr_r = (enum policy_attr) * next;
	else if (!policy_attr_lookup(name, len, attr_r))
		return false;
	*next = (unsigned)*attr_r + 1;
	return true;
}

/* One "name=value" line (line end already removed). */
static int policy_parse_line(const char *line, size_t len, unsigned *next,
			     struct policy_request *req, const char **error_r)
{
	const char *eq = memchr(line, '=', len);
	enum policy_attr attr;

	if (eq == NULL) {
		*error_r = "attribute line without '='";
		return -1;
	}
	if (eq == line) {
		*error_r = "attribute line with an empty name";
		return -1;
	}
	if (!policy_attr_next(line, (size_t)(eq - line), next, &attr)) {
		req->unknown++; /* Postfix adds attributes over time */
		return 0;
	}
	if (req->present[attr]) {
		req->duplicates++; /* Postfix never repeats one: keep the first
				    */
		return 0;
	}
	req->present[attr] = true;
	req->attrs[attr].data = eq + 1;
	req->attrs[attr].len = len - (size_t)(eq + 1 - line);
	return 0;
}

static bool policy_str_eq(struct policy_str s, const char *word, size_t len)
{
	return s.len == len && memcmp(s.data, word, len) == 0;
}

/* protocol_state, case-insensitively (Postfix sends upper case). */
static enum policy_state policy_state_of(struct policy_str s)
{
	for (unsigned i = POLICY_STATE_UNKNOWN + 1; i < POLICY_STATE_COUNT; i++)
		if (s.len == policy_states[i].len &&
		    strncasecmp(s.data, policy_states[i].name, s.len) == 0)
			return (enum policy_state)i;
	return POLICY_STATE_UNKNOWN;
}

/* The part after the last '@'; empty for the null sender or no '@'. */
static struct policy_str policy_domain_of(struct policy_str addr)
{
	for (size_t i = addr.len; i > 0; i--)
		if (addr.data[i - 1] == '@')
			return (struct policy_str){addr.data + i, addr.len - i};
	return (struct policy_str){addr.data + addr.len, 0};
}

/* A non-empty string of decimal digits that fits in 64 bits. */
static bool policy_u64_of(struct policy_str s, uint64_t *value_r)
{
	uint64_t value = 0;

	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned digit = (unsigned char)s.data[i] - (unsigned)'0';
		if (digit > 9 || value > (UINT64_MAX - digit) / 10)
			return false;
		value = value * 10 + digit;
	}
	*value_r = value;
	return true;
}

/* client_address as Postfix prints it (inet_ntop form, "unknown" when it
 * has none); v4-mapped IPv6 is folded to IPv4 like Postfix's smtpd does. */
static void policy_client_addr(struct policy_request *req)
{
	struct policy_str s = req->attrs[POLICY_CLIENT_ADDRESS];
	char text[INET6_ADDRSTRLEN];
	struct in6_addr a6;

	if (s.len >= sizeof(text))
		return;
	memcpy(text, s.data, s.len);
	text[s.len] = '\0';
	if (inet_pton(AF_INET, text, req->client_addr) == 1) {
		req->client_family = AF_INET;
	} else if (inet_pton(AF_INET6, text, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			req->client_family = AF_INET;
			memcpy(req->client_addr, a6.s6_addr + 12, 4);
		} else {
			req->client_family = AF_INET6;
			memcpy(req->client_addr, a6.s6_addr, 16);
		}
	}
}

static void policy_derive(struct policy_request *req)
{
	req->state = policy_state_of(req->attrs[POLICY_PROTOCOL_STATE]);
	req->sender_domain = policy_domain_of(req->attrs[POLICY_SENDER]);
	req->recipient_domain = policy_domain_of(req->attrs[POLICY_RECIPIENT]);
	req->size_valid = policy_u64_of(req->attrs[POLICY_SIZE], &req->size);
	req->recipient_count_valid = policy_u64_of(
	    req->attrs[POLICY_RECIPIENT_COUNT], &req->recipient_count);
	req->authenticated = req->attrs[POLICY_SASL_USERNAME].len != 0;
	policy_client_addr(req);
}

static void policy_request_init(struct policy_request *req)
{
	memset(req, 0, sizeof(*req));
	for (unsigned i = 0; i < POLICY_ATTR_COUNT; i++)
		req->attrs[i].data = "";
	req->sender_domain.data = "";
	req->recipient_domain.data = "";
}

int policy_parse(const char *data, size_t len, struct policy_request *req,
		 const char **error_r)
{
	size_t pos = 0;
	unsigned next = 0;

	policy_request_init(req);
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - data) : len;

		if (policy_parse_line(data + pos,
				      policy_line_len(data + pos, end - pos),
				      &next, req, error_r) < 0)
			return -1;
		pos = end + 1;
	}
	if (!req->present[POLICY_REQUEST]) {
		*error_r = "no request attribute: not a policy request";
		return -1;
	}
	if (!policy_str_eq(req->attrs[POLICY_REQUEST], policy_request_word,
			   sizeof(policy_request_word) - 1)) {
		*error_r = "request is not smtpd_access_policy";
		return -1;
	}
	policy_derive(req);
	return 0;
}

size_t policy_format_reply(char *out, size_t size, const char *action,
			   size_t action_len)
{
	if (action_len == 0 || memchr(action, '\n', action_len) != NULL ||
	    memchr(action, '\r', action_len) != NULL ||
	    memchr(action, '\0', action_len) != NULL)
		return 0;
	if (size < POLICY_REPLY_OVERHEAD ||
	    action_len > size - POLICY_REPLY_OVERHEAD)
		return 0;
	memcpy(out, "action=", 7);
	memcpy(out + 7, action, action_len);
	memcpy(out + 7 + action_len, "\n\n", 2);
	return action_len + POLICY_REPLY_OVERHEAD;
}
