/*
 * bench_proto: the wire framing of the benchmark tools (loadgen, refserver)
 * behind one small ops table per protocol, so the tools themselves never
 * format or parse protocol bytes. Three exist: socketmap (netstrings), the
 * Postfix policy protocol (attribute lines ending in an empty line,
 * replies "action=...\n\n"; bench_proto_policy.c) and Dovecot 2.3's dict
 * protocol (one line per lookup and reply, after a handshake line that
 * opens every connection; bench_proto_dict.c).
 *
 * Codecs are pure and incremental: a decoder is handed everything buffered
 * so far and says "need more", "one frame (this many bytes)" or which
 * error; it never touches sockets. A frame is everything up to and
 * including one request that gets one reply (server side), or one whole
 * reply (client side): lines that get no reply or that only announce one
 * (dict's handshake, its "*<id>" lines) belong to the frame they precede.
 */
#ifndef MAILMAP_BENCH_PROTO_H
#define MAILMAP_BENCH_PROTO_H

#include <stddef.h>

enum bench_frame {
	BENCH_NEED_MORE,  /* no complete frame buffered yet */
	BENCH_FRAME,	  /* one frame; *used_r is set */
	BENCH_ERR_FORMAT, /* the bytes are not this protocol */
	BENCH_ERR_SIZE,	  /* a frame above the protocol's limit */
};

/* What a client makes of one reply, in the words of Postfix. Each
 * protocol produces some of these kinds (its `answers` mask). */
enum bench_answer {
	BENCH_FOUND,	/* socketmap "OK value"; dict O or M */
	BENCH_NOTFOUND, /* "NOTFOUND ..." or "OK" without a value; dict N */
	BENCH_FAILED,	/* socketmap: TEMP, PERM, TIMEOUT, any other word;
			   policy: a reply without an action attribute;
			   dict: F, or any reply but O, M and N */
	BENCH_DUNNO,	/* policy "action=DUNNO" */
	BENCH_DEFER,	/* policy DEFER, DEFER_IF_PERMIT, DEFER_IF_REJECT or
			   a 4xx code */
	BENCH_OTHER,	/* policy: any other action (OK, REJECT, PREPEND ...) */
	BENCH_ANSWER_KINDS
};

#define BENCH_ANSWER_BIT(kind) (1u << (kind))

struct bench_proto {
	const char *name;
	size_t max_request; /* request payload limit (server side) */
	size_t max_reply;   /* reply payload limit (client side) */
	unsigned answers;   /* BENCH_ANSWER_BIT()s of the kinds it reports */
	const char *found_value; /* refserver's answer unless told another */
	/* Client: frames payload as one request into out (cap bytes);
	 * returns its length, or 0 when it does not fit. The payload is one
	 * line of loadgen's --keys file ("map key" for socketmap; see
	 * bench_proto_policy.c for policy, bench_proto_dict.c for dict). */
	size_t (*encode_request)(char *out, size_t cap, const char *payload,
				 size_t len);
	/* Client: finds one reply at the start of data, and classifies it. */
	enum bench_frame (*decode_reply)(const char *data, size_t len,
					 size_t *used_r,
					 enum bench_answer *answer_r);
	/* Server: finds one request at the start of data. */
	enum bench_frame (*decode_request)(const char *data, size_t len,
					   size_t *used_r);
	/* Server: frames a "found" answer carrying value into out (cap
	 * bytes); returns its length, or 0 when it does not fit. */
	size_t (*encode_found)(char *out, size_t cap, const char *value,
			       size_t len);
	/* Client, optional (NULL: the protocol has none): frames what a
	 * connection sends once, before its first request (dict: the
	 * handshake), into out (cap bytes). arg is the tool's --preamble
	 * argument (dict: the dict name), NULL for the protocol's default.
	 * Returns its length, or 0 when it does not fit or arg is refused. */
	size_t (*encode_preamble)(char *out, size_t cap, const char *arg);
};

extern const struct bench_proto bench_proto_socketmap;
extern const struct bench_proto bench_proto_policy;
extern const struct bench_proto bench_proto_dict;

/* The table named name ("socketmap", "policy", "dict"), or NULL. */
const struct bench_proto *bench_proto_find(const char *name);
/* The word loadgen prints for an answer kind ("found", "defer" ...). */
const char *bench_answer_name(enum bench_answer kind);

#endif
