/* libFuzzer target: policy delegation framing and parsing on arbitrary
 * input, consuming requests as the connection layer does. Invariants: a
 * frame lies inside the input and within the limits, and every parsed
 * value points inside its frame. The reply formatter is fed the same
 * bytes as an action. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "request.h"

#define FUZZ_MAX 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_inside(struct policy_str s, const char *start, size_t len)
{
	return s.data >= start && s.len <= len && s.data + s.len <= start + len;
}

static void fuzz_parsed(const struct policy_request *req, const char *start,
			size_t len)
{
	/* Present values and their domains point into the frame; absent
	 * ones are empty. */
	for (unsigned a = 0; a < POLICY_ATTR_COUNT; a++)
		if (req->present[a] ? !fuzz_inside(req->attrs[a], start, len)
				    : req->attrs[a].len != 0)
			abort();
	if (req->present[POLICY_SENDER]
		? !fuzz_inside(req->sender_domain, start, len)
		: req->sender_domain.len != 0)
		abort();
	if (req->present[POLICY_RECIPIENT]
		? !fuzz_inside(req->recipient_domain, start, len)
		: req->recipient_domain.len != 0)
		abort();
	if (req->client_family != 0 && req->client_family != AF_INET &&
	    req->client_family != AF_INET6)
		abort();
}

static void fuzz_reply(const char *p, size_t size)
{
	char out[FUZZ_MAX + POLICY_REPLY_OVERHEAD];
	size_t n;

	if (size > FUZZ_MAX)
		size = FUZZ_MAX;
	n = policy_format_reply(out, sizeof(out), p, size);
	if (n != 0 && (n != size + POLICY_REPLY_OVERHEAD ||
		       memchr(out + 7, '\n', size) != NULL ||
		       memcmp(out + n - 2, "\n\n", 2) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;

	fuzz_reply(p, size);
	while (size != 0) {
		struct proto_request r;
		struct policy_request req;
		const char *error;

		if (policy_frame(p, size, FUZZ_MAX, &r) != PROTO_REQUEST)
			break;
		if (r.data != p || r.used > size || r.used > FUZZ_MAX ||
		    r.len >= r.used || memchr(r.data, '\0', r.used) != NULL)
			abort();
		if (policy_parse(r.data, r.len, &req, &error) == 0)
			fuzz_parsed(&req, r.data, r.len);
		else if (error == NULL)
			abort();
		p += r.used;
		size -= r.used;
	}
	return 0;
}
