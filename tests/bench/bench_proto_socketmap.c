/*
 * bench_proto_socketmap: Postfix socketmap framing for the benchmark tools
 * (protocols.md 1): every request and reply is one netstring, decoded by
 * the daemon's own codec (daemon/netstring.c). A reply's status word is
 * classified as Postfix does: "OK <value>" is found, "OK" without a space
 * is silently not found, "NOTFOUND" is not found, anything else an error.
 *
 * Limits: replies up to Postfix's 100000 bytes (protocols.md 1.1); requests
 * up to 64 kB, mailmapd's default daemon.max_request.
 */
#include <string.h>

#include "bench_proto.h"
#include "netstring.h"

/* Postfix's compile-time reply limit (dict_sockmap.c, protocols.md 1.1). */
#define SOCKETMAP_MAX_REPLY 100000
/* mailmapd's default daemon.max_request (conf/config.h). */
#define SOCKETMAP_MAX_REQUEST 65536

static size_t socketmap_encode(char *out, size_t cap, const char *head,
			       size_t head_len, const char *body,
			       size_t body_len)
{
	size_t len = head_len + body_len;
	size_t prefix_len;

	if (netstring_frame_size(len) > cap)
		return 0;
	prefix_len = netstring_prefix(out, len);
	memcpy(out + prefix_len, head, head_len);
	memcpy(out + prefix_len + head_len, body, body_len);
	out[prefix_len + len] = ',';
	return prefix_len + len + 1;
}

static size_t socketmap_encode_request(char *out, size_t cap,
				       const char *payload, size_t len)
{
	return socketmap_encode(out, cap, "", 0, payload, len);
}

static size_t socketmap_encode_found(char *out, size_t cap, const char *value,
				     size_t len)
{
	return socketmap_encode(out, cap, "OK ", 3, value, len);
}

static enum bench_frame socketmap_frame(const char *data, size_t len,
					size_t max, const char **payload_r,
					size_t *payload_len_r, size_t *used_r)
{
	switch (netstring_decode(data, len, max, payload_r, payload_len_r,
				 used_r)) {
	case NETSTRING_FRAME:
		return BENCH_FRAME;
	case NETSTRING_NEED_MORE:
		return BENCH_NEED_MORE;
	case NETSTRING_ERR_SIZE:
		return BENCH_ERR_SIZE;
	default:
		return BENCH_ERR_FORMAT;
	}
}

/* True when payload is word alone or word followed by a space. */
static int socketmap_is_word(const char *payload, size_t len, const char *word)
{
	size_t word_len = strlen(word);

	return len >= word_len && memcmp(payload, word, word_len) == 0 &&
	       (len == word_len || payload[word_len] == ' ');
}

static enum bench_answer socketmap_classify(const char *payload, size_t len)
{
	if (socketmap_is_word(payload, len, "OK"))
		return len > 2 ? BENCH_FOUND : BENCH_NOTFOUND;
	if (socketmap_is_word(payload, len, "NOTFOUND"))
		return BENCH_NOTFOUND;
	return BENCH_FAILED;
}

static enum bench_frame socketmap_decode_reply(const char *data, size_t len,
					       size_t *used_r,
					       enum bench_answer *answer_r)
{
	const char *payload;
	size_t payload_len;
	enum bench_frame frame = socketmap_frame(
	    data, len, SOCKETMAP_MAX_REPLY, &payload, &payload_len, used_r);

	if (frame == BENCH_FRAME)
		*answer_r = socketmap_classify(payload, payload_len);
	return frame;
}

static enum bench_frame socketmap_decode_request(const char *data, size_t len,
						 size_t *used_r)
{
	const char *payload;
	size_t payload_len;

	return socketmap_frame(data, len, SOCKETMAP_MAX_REQUEST, &payload,
			       &payload_len, used_r);
}

const struct bench_proto bench_proto_socketmap = {
    .name = "socketmap",
    .max_request = SOCKETMAP_MAX_REQUEST,
    .max_reply = SOCKETMAP_MAX_REPLY,
    .answers = BENCH_ANSWER_BIT(BENCH_FOUND) |
	       BENCH_ANSWER_BIT(BENCH_NOTFOUND) |
	       BENCH_ANSWER_BIT(BENCH_FAILED),
    .found_value = "x",
    .encode_request = socketmap_encode_request,
    .decode_reply = socketmap_decode_reply,
    .decode_request = socketmap_decode_request,
    .encode_found = socketmap_encode_found,
};
