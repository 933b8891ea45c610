/*
 * proto_socketmap: Postfix's socketmap protocol (protocols.md 1): one
 * netstring "<map> <key>" per request, one netstring reply, in order. The
 * answers come from lookup.c; this file only frames bytes and turns a
 * struct lookup_answer into "OK value", "NOTFOUND ", "TEMP why" or
 * "PERM why" (socketmap_reply is the one place that does).
 *
 * Limits: a request payload up to daemon.max_request bytes (Postfix puts
 * none on requests; keys are bounded by SMTP line lengths); replies never
 * exceed Postfix's 100000 bytes (lookup.h).
 */
#include <string.h>

#include "conn.h"
#include "listener.h"
#include "log.h"
#include "lookup.h"
#include "netstring.h"
#include "server.h"
#include "worker.h"

static const char *const socketmap_words[] = {
    [LOOKUP_FOUND] = "OK ",
    [LOOKUP_NOTFOUND] = "NOTFOUND ",
    [LOOKUP_TEMPFAIL] = "TEMP ",
    [LOOKUP_PERMFAIL] = "PERM ",
};

static enum proto_frame socketmap_frame(const char *data, size_t len,
					size_t max,
					struct proto_request *request)
{
	switch (netstring_decode(data, len, max, &request->data, &request->len,
				 &request->used)) {
	case NETSTRING_FRAME:
		return PROTO_REQUEST;
	case NETSTRING_NEED_MORE:
		return PROTO_NEED_MORE;
	case NETSTRING_ERR_SIZE:
		return PROTO_ERR_SIZE;
	default:
		return PROTO_ERR_FORMAT;
	}
}

/* The one place that writes a socketmap reply. */
static void socketmap_reply(struct conn *conn, enum lookup_status status,
			    const char *value, size_t len)
{
	const char *word = socketmap_words[status];
	size_t word_len = strlen(word);
	char prefix[NETSTRING_DIGITS_MAX + 2];
	size_t prefix_len = netstring_prefix(prefix, word_len + len);
	const void *parts[] = {prefix, word, value, ","};
	size_t lens[] = {prefix_len, word_len, len, 1};

	conn_replyv(conn, parts, lens, 4);
}

static void socketmap_log(struct conn *conn, const char *map, size_t map_len,
			  const char *key, size_t key_len,
			  enum lookup_status status)
{
	char clean[LOG_SANITIZED_MAX * 4 + 4];

	log_debug("conn %llu socketmap %.*s %s -> %s",
		  (unsigned long long)conn_id(conn), (int)map_len, map,
		  log_sanitize(clean, key, key_len), socketmap_words[status]);
}

static void socketmap_lookup(struct conn *conn, const char *map, size_t map_len,
			     const char *key, size_t key_len,
			     struct lookup_answer *answer)
{
	const struct config *config = snapshot_config(conn_snapshot(conn));
	struct worker *worker = conn_worker(conn);
	struct store_txn *txn;
	struct arena *arena;
	const char *error;

	if (worker_request_begin(worker, &txn, &arena, &error) != STORE_OK) {
		log_limited("conn %llu socketmap: %s",
			    (unsigned long long)conn_id(conn), error);
		worker_store_error(worker, METRICS_STORE_CONFIG);
		answer->status = LOOKUP_TEMPFAIL;
		answer->value = (char *)"store unavailable";
		answer->len = strlen(answer->value);
		return;
	}
	struct lookup_ctx ctx = {txn, arena, config->recipient_delimiter};
	lookup_socketmap(&ctx, map, map_len, key, key_len, answer);
}

static int socketmap_handle(struct conn *conn,
			    const struct proto_request *request)
{
	const struct config *config = snapshot_config(conn_snapshot(conn));
	const char *space = memchr(request->data, ' ', request->len);
	struct lookup_answer answer = {LOOKUP_NOTFOUND, NULL, 0};
	size_t map_len =
	    space != NULL ? (size_t)(space - request->data) : request->len;
	const char *key = space != NULL ? space + 1 : "";
	size_t key_len = space != NULL ? request->len - map_len - 1 : 0;
	static const char not_served[] = "map not served on this listener";

	if (!listener_serves(conn_listener(conn), config, request->data,
			     map_len)) {
		answer.status = LOOKUP_PERMFAIL;
		answer.value = (char *)not_served;
		answer.len = sizeof(not_served) - 1;
	} else {
		socketmap_lookup(conn, request->data, map_len, key, key_len,
				 &answer);
	}
	socketmap_log(conn, request->data, map_len, key, key_len,
		      answer.status);
	conn_count(
	    conn, metrics_name_index(METRICS_SOCKETMAP, request->data, map_len),
	    (unsigned)answer.status);
	socketmap_reply(conn, answer.status,
			answer.value != NULL ? answer.value : "",
			answer.status == LOOKUP_NOTFOUND ? 0 : answer.len);
	return 0;
}

/* A framing error leaves the stream unusable: say so, then close. */
static void socketmap_reject(struct conn *conn, enum proto_frame error)
{
	const char *why = error == PROTO_ERR_SIZE ? "request too long"
						  : "malformed netstring";

	socketmap_reply(conn, LOOKUP_PERMFAIL, why, strlen(why));
}

const struct proto proto_socketmap = {
    .name = "socketmap",
    .metrics = METRICS_SOCKETMAP,
    .frame = socketmap_frame,
    .handle = socketmap_handle,
    .reject = socketmap_reject,
};
