/*
 * proto_dict: Dovecot 2.3's dict protocol (protocols.md 3) on the
 * connection layer. Framing is auth/dict_codec.c, the protocol state
 * machine auth/dict_session.c, the answers auth/dict_*.c; this file gives
 * each command its read snapshots and the listener's dict names.
 *
 * Snapshots: every command gets a read snapshot of the config store (a
 * store that cannot be read makes L and I answer F, never a wrong N);
 * L and I of the quota and lastlogin dicts also one of the state store.
 * C and D write the state store (dict_commit) with no state snapshot
 * open: a read snapshot held across a write would deadlock a map resize
 * (store.c's resize lock) in this very thread.
 *
 * A protocol violation (see dict_session.h) is logged with the reason and
 * the offending line, and closes the connection without a reply (what
 * Dovecot's own server does); the client fails the pending request and
 * reconnects. So does a line over daemon.max_request (conn.c). An
 * iteration is answered in chunks: conn.c calls the handler again with
 * the same line once the output is under daemon.max_output.
 */
#include <string.h>

#include "conn.h"
#include "dict_codec.h"
#include "dict_session.h"
#include "listener.h"
#include "log.h"
#include "server.h"
#include "worker.h"

static const struct dict_backend_ops dict_backend_real = {
    dict_lookup, dict_iterate, dict_commit};

static enum proto_frame proto_dict_frame(const char *data, size_t len,
					 size_t max,
					 struct proto_request *request)
{
	return dict_frame(data, len, max, request);
}

/* Where a request's replies go: the connection, and the first reply's
 * code counted as the request's outcome (O found, N not found, F failed;
 * an asynchronous commit's reply has an A before it). */
struct dict_sink_ctx {
	struct conn *conn;
	const struct dict_session *session;
	bool counted;
};

static void proto_dict_count(struct dict_sink_ctx *sink, const char *data,
			     size_t len)
{
	char code = len >= 2 && data[0] == 'A' ? data[1] : data[0];
	unsigned outcome = code == 'N' ? 1 : code == 'F' ? 2 : 0;
	const char *name = sink->session->handshaken
			       ? dict_name_strings[sink->session->dict]
			       : NULL;

	sink->counted = true;
	conn_count(sink->conn,
		   metrics_name_index(METRICS_DICT, name,
				      name != NULL ? strlen(name) : 0),
		   outcome);
}

static void proto_dict_write(void *context, const char *data, size_t len)
{
	struct dict_sink_ctx *sink = context;

	if (!sink->counted && len != 0)
		proto_dict_count(sink, data, len);
	conn_reply(sink->conn, data, len);
}

static bool proto_dict_serves(void *context, const char *name, size_t len)
{
	struct conn *conn = context;

	return listener_serves(conn_listener(conn),
			       snapshot_config(conn_snapshot(conn)), name, len);
}

/* Does this line read the state store? Only L and I, of the dicts kept
 * there (commits write it, see the header). */
static bool proto_dict_reads_state(const struct dict_session *session,
				   const struct proto_request *request)
{
	enum dict_name dict = dict_session_dict(session);

	if (dict != DICT_NAME_QUOTA && dict != DICT_NAME_LASTLOGIN)
		return false;
	return request->len != 0 &&
	       (request->data[0] == 'L' || request->data[0] == 'I');
}

static void proto_dict_log(struct conn *conn, const char *line, size_t len,
			   const char *why)
{
	char clean[LOG_SANITIZED_MAX * 4 + 4];

	log_limited("conn %llu dict: %s, closing: %s",
		    (unsigned long long)conn_id(conn), why,
		    log_sanitize(clean, line, len));
}

static void proto_dict_trace(struct conn *conn,
			     const struct dict_session *session,
			     const struct proto_request *request)
{
	char clean[LOG_SANITIZED_MAX * 4 + 4];

	if (session->iterating) /* the next chunk of the same line */
		return;
	log_debug("conn %llu dict %s: %s", (unsigned long long)conn_id(conn),
		  session->handshaken ? dict_name_strings[session->dict] : "-",
		  log_sanitize(clean, request->data, request->len));
}

static int proto_dict_handle(struct conn *conn,
			     const struct proto_request *request)
{
	struct dict_session *session = conn_state(conn);
	struct worker *worker = conn_worker(conn);
	struct dict_sink_ctx sink = {conn, session, false};
	struct dict_ctx ctx = {.config = snapshot_config(conn_snapshot(conn))};
	struct dict_env env = {
	    .ops = &dict_backend_real,
	    .ctx = &ctx,
	    .state = server_state_store(worker_server(worker)),
	    .serves = proto_dict_serves,
	    .serves_context = conn,
	    .sink = {proto_dict_write, &sink},
	};
	const char *error = NULL;
	int ret;

	proto_dict_trace(conn, session, request);
	/* This request may read or write the state store (quota, last
	 * login): the greylisting snapshot of the turn must end first. */
	worker_state_release(worker);
	if (worker_request_begin(worker, &ctx.config_txn, &ctx.arena, &error) !=
	    STORE_OK) {
		log_limited("conn %llu dict: config store: %s",
			    (unsigned long long)conn_id(conn), error);
		worker_store_error(worker, METRICS_STORE_CONFIG);
		ctx.config_txn = NULL;
		env.store_error = "config store unavailable";
	}
	if (proto_dict_reads_state(session, request) &&
	    worker_state_begin(worker, &ctx.state_txn, &error) < 0) {
		log_limited("conn %llu dict: state store: %s",
			    (unsigned long long)conn_id(conn), error);
		worker_store_error(worker, METRICS_STORE_STATE);
	}
	ret = dict_session_handle(session, &env, request->data, request->len,
				  &error);
	if (ctx.state_txn != NULL)
		worker_state_end(worker);
	if (ret == DICT_SESSION_CLOSE) {
		proto_dict_log(conn, request->data, request->len, error);
		return -1;
	}
	return ret == DICT_SESSION_MORE ? PROTO_MORE : 0;
}

static void proto_dict_release(void *state)
{
	dict_session_release(state);
}

const struct proto proto_dict = {
    .name = "dict",
    .metrics = METRICS_DICT,
    .frame = proto_dict_frame,
    .handle = proto_dict_handle,
    .reject = NULL, /* close without a reply, like Dovecot's server */
    .release = proto_dict_release,
    .state_size = sizeof(struct dict_session),
};
