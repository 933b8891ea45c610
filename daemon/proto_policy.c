/*
 * proto_policy: Postfix's SMTPD access policy delegation (protocols.md 2):
 * "name=value" lines up to an empty line per request, "action=...\n\n" per
 * reply, strictly in order. Framing and parsing are policy/request.c, the
 * decisions policy/checks.c; this file ties them to a connection.
 *
 * A request that does not parse (no request= attribute, a line without
 * '=') and a framing error (line or request too long, too many attributes,
 * a NUL byte) close the connection without a reply, as Postfix's README
 * asks of a server in trouble: Postfix reconnects, retries, and applies its
 * default action. Decisions other than DUNNO are logged at info level.
 */
#include <string.h>
#include <time.h>

#include "checks.h"
#include "conn.h"
#include "log.h"
#include "policy_greylist.h"
#include "request.h"
#include "server.h"
#include "worker.h"

/* One connection carries the requests of many SMTP transactions of one
 * smtpd process; the instance attribute names the transaction. */
struct proto_policy_state {
	struct greylist_fetch *fetch; /* a shared greylisting store's answer */
	struct proto_policy_txn {
		char instance[64];
		bool header_added; /* an X-Greylist PREPEND went out in it */
	} txn;
};

/* A header is prepended once per message, not once per recipient. */
static void proto_policy_once(struct conn *conn,
			      const struct policy_request *req,
			      struct policy_verdict *verdict)
{
	struct proto_policy_txn *state =
	    &((struct proto_policy_state *)conn_state(conn))->txn;
	struct policy_str instance = req->attrs[POLICY_INSTANCE];

	if (instance.len >= sizeof(state->instance) ||
	    memcmp(state->instance, instance.data, instance.len) != 0 ||
	    state->instance[instance.len] != '\0') {
		memset(state, 0, sizeof(*state));
		if (instance.len < sizeof(state->instance))
			memcpy(state->instance, instance.data, instance.len);
	}
	if (verdict->kind != POLICY_PREPEND)
		return;
	if (state->header_added && instance.len != 0)
		verdict->kind = POLICY_DUNNO;
	state->header_added = true;
}

static enum proto_frame proto_policy_frame(const char *data, size_t len,
					   size_t max,
					   struct proto_request *request)
{
	return policy_frame(data, len, max, request);
}

static void proto_policy_log(struct conn *conn,
			     const struct policy_request *req,
			     const struct policy_verdict *verdict,
			     const char *action)
{
	char sender[LOG_SANITIZED_MAX * 4 + 4], rcpt[LOG_SANITIZED_MAX * 4 + 4];
	char client[LOG_SANITIZED_MAX * 4 + 4],
	    login[LOG_SANITIZED_MAX * 4 + 4];
	enum log_level level =
	    verdict->kind == POLICY_DUNNO ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO;

	if (!log_enabled(level))
		return;
	log_msg(
	    level,
	    "conn %llu policy %s client=%s from=<%s> to=<%s> sasl=%s: %s%s%s%s",
	    (unsigned long long)conn_id(conn), policy_state_name(req->state),
	    log_sanitize(client, req->attrs[POLICY_CLIENT_ADDRESS].data,
			 req->attrs[POLICY_CLIENT_ADDRESS].len),
	    log_sanitize(sender, req->attrs[POLICY_SENDER].data,
			 req->attrs[POLICY_SENDER].len),
	    log_sanitize(rcpt, req->attrs[POLICY_RECIPIENT].data,
			 req->attrs[POLICY_RECIPIENT].len),
	    log_sanitize(login, req->attrs[POLICY_SASL_USERNAME].data,
			 req->attrs[POLICY_SASL_USERNAME].len),
	    action, verdict->check != NULL ? " (" : "",
	    verdict->check != NULL ? verdict->check : "",
	    verdict->check != NULL ? ")" : "");
}

/* The config store could not be read at all: each check's failure
 * policy; defer if any check would defer. */
static void proto_policy_unavailable(const struct config_policy *settings,
				     struct policy_verdict *verdict)
{
	bool defer = settings->failure_accounts == CONFIG_FAIL_DEFER ||
		     settings->failure_send_rights == CONFIG_FAIL_DEFER;

	verdict->kind = defer ? POLICY_DEFER_IF_PERMIT : POLICY_DUNNO;
	verdict->text = "4.3.0 Temporary lookup failure, try again later";
	verdict->check = "store";
}

static void proto_policy_decide(struct conn *conn,
				const struct policy_request *req,
				struct policy_verdict *verdict,
				struct arena **arena_r)
{
	const struct config *config = snapshot_config(conn_snapshot(conn));
	struct worker *worker = conn_worker(conn);
	struct store_txn *txn;
	const char *error;

	if (worker_request_begin(worker, &txn, arena_r, &error) != STORE_OK) {
		log_limited("conn %llu policy: %s",
			    (unsigned long long)conn_id(conn), error);
		worker_store_error(worker, METRICS_STORE_CONFIG);
		proto_policy_unavailable(&config->policy, verdict);
		return;
	}
	struct lookup_ctx lookup = {txn, *arena_r, config->recipient_delimiter};
	struct proto_policy_state *state = conn_state(conn);
	struct policy_greylist_call call = {worker_greylist(worker),
					    &config->policy,
					    (uint64_t)time(NULL),
					    *arena_r,
					    conn,
					    &state->fetch};
	struct policy_env env = {
	    &lookup, &config->policy,
	    call.greylist != NULL ? policy_greylist_check : NULL, &call};
	policy_decide(&env, req, verdict);
}

static int proto_policy_handle(struct conn *conn,
			       const struct proto_request *request)
{
	struct policy_request req;
	struct policy_verdict verdict;
	struct arena *arena;
	char reply[1024];
	const char *error, *action;
	size_t len;

	if (policy_parse(request->data, request->len, &req, &error) < 0) {
		log_limited("conn %llu policy: bad request, closing: %s",
			    (unsigned long long)conn_id(conn), error);
		return -1;
	}
	proto_policy_decide(conn, &req, &verdict, &arena);
	if (verdict.kind == POLICY_PENDING)
		return PROTO_WAIT; /* decided again once the store answered */
	proto_policy_once(conn, &req, &verdict);
	conn_count(conn,
		   metrics_name_index(
		       METRICS_POLICY, verdict.check,
		       verdict.check != NULL ? strlen(verdict.check) : 0),
		   (unsigned)verdict.kind);
	action = policy_action(&verdict, arena);
	len = policy_format_reply(reply, sizeof(reply), action, strlen(action));
	proto_policy_log(conn, &req, &verdict, action);
	if (len == 0)
		return -1; /* cannot happen: actions are ours, without newlines
			    */
	conn_reply(conn, reply, len);
	return 0;
}

static void proto_policy_release(void *state)
{
	policy_greylist_fetch_drop(
	    &((struct proto_policy_state *)state)->fetch);
}

const struct proto proto_policy = {
    .name = "policy",
    .frame = proto_policy_frame,
    .handle = proto_policy_handle,
    .metrics = METRICS_POLICY,
    .reject = NULL, /* close without a reply: Postfix retries */
    .release = proto_policy_release,
    .state_size = sizeof(struct proto_policy_state),
};
