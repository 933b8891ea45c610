/* valkey: the shared greylisting store's connection; see valkey.h. */
#include "valkey.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

#define VALKEY_ENDPOINTS_MAX 16

struct valkey_endpoint {
	char host[64];
	int port;
};

enum valkey_state {
	VALKEY_IDLE,
	VALKEY_ASKING,
	VALKEY_CONNECTING,
	VALKEY_READY
};

struct valkey {
	struct event_base *base;
	struct valkey_endpoint primary; /* configured or discovered */
	struct valkey_endpoint sentinels[VALKEY_ENDPOINTS_MAX];
	size_t sentinel_count, next_sentinel;
	char master[128];
	char password[256];
	enum valkey_state state;
	redisAsyncContext *ctx;	     /* the primary's */
	redisAsyncContext *sentinel; /* while asking */
	struct event *retry;
	unsigned silent; /* timeouts in a row without a reply */
	bool freeing;
};

static int valkey_endpoint_parse(const char *text, size_t len,
				 struct valkey_endpoint *e)
{
	const char *colon = memrchr(text, ':', len);
	char port[8];

	if (colon == NULL || colon == text ||
	    (size_t)(colon - text) >= sizeof(e->host) ||
	    len - (size_t)(colon - text) - 1 >= sizeof(port))
		return -1;
	memcpy(e->host, text, (size_t)(colon - text));
	e->host[colon - text] = '\0';
	memcpy(port, colon + 1, len - (size_t)(colon - text) - 1);
	port[len - (size_t)(colon - text) - 1] = '\0';
	e->port = atoi(port);
	return e->port > 0 && e->port < 65536 ? 0 : -1;
}

static int valkey_parse_sentinels(struct valkey *v, const char *list)
{
	while (*list != '\0') {
		size_t len = strcspn(list, ", ");

		if (len > 0) {
			if (v->sentinel_count == VALKEY_ENDPOINTS_MAX ||
			    valkey_endpoint_parse(
				list, len, &v->sentinels[v->sentinel_count]) <
				0)
				return -1;
			v->sentinel_count++;
		}
		list += len;
		list += strspn(list, ", ");
	}
	return 0;
}

static void valkey_discover(struct valkey *v);

static void valkey_on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	valkey_discover(arg);
}

/* Back to discovery after a pause. */
static void valkey_later(struct valkey *v)
{
	struct timeval pause = {0, VALKEY_RETRY_MS * 1000};

	v->state = VALKEY_IDLE;
	if (!v->freeing)
		event_add(v->retry, &pause);
}

static void valkey_on_disconnect(const redisAsyncContext *ctx, int status)
{
	struct valkey *v = ctx->data;

	(void)status;
	if (v == NULL)
		return;
	if (ctx == v->ctx) {
		v->ctx = NULL;
		if (v->state == VALKEY_READY)
			log_limited("valkey: primary %s:%d lost: %s",
				    v->primary.host, v->primary.port,
				    ctx->errstr[0] != '\0' ? ctx->errstr
							   : "closed");
		valkey_later(v);
	} else if (ctx == v->sentinel) {
		v->sentinel = NULL;
		if (v->state == VALKEY_ASKING)
			valkey_later(v);
	}
}

static void valkey_on_connect(const redisAsyncContext *ctx, int status)
{
	struct valkey *v = ctx->data;

	if (v == NULL)
		return;
	if (status == REDIS_OK) {
		if (ctx == v->ctx) {
			v->state = VALKEY_READY;
			v->silent = 0;
			/* a dead peer is noticed even while idle */
			redisEnableKeepAlive((redisContext *)&ctx->c);
		}
		return;
	}
	/* hiredis frees the context after this; no disconnect callback */
	log_limited("valkey: cannot connect: %s", ctx->errstr);
	if (ctx == v->ctx) {
		v->ctx = NULL;
		valkey_later(v);
	} else if (ctx == v->sentinel) {
		v->sentinel = NULL;
		v->next_sentinel = (v->next_sentinel + 1) % v->sentinel_count;
		valkey_later(v);
	}
}

/* An async context to host:port on the loop, or NULL. */
static redisAsyncContext *valkey_open(struct valkey *v,
				      const struct valkey_endpoint *e)
{
	redisAsyncContext *ctx = redisAsyncConnect(e->host, e->port);

	if (ctx == NULL || ctx->err != 0) {
		log_limited("valkey: cannot connect to %s:%d: %s", e->host,
			    e->port, ctx != NULL ? ctx->errstr : "no memory");
		if (ctx != NULL)
			redisAsyncFree(ctx);
		return NULL;
	}
	ctx->data = v;
	redisLibeventAttach(ctx, v->base);
	redisAsyncSetConnectCallback(ctx, valkey_on_connect);
	redisAsyncSetDisconnectCallback(ctx, valkey_on_disconnect);
	return ctx;
}

static void valkey_connect_primary(struct valkey *v)
{
	v->state = VALKEY_CONNECTING;
	v->ctx = valkey_open(v, &v->primary);
	if (v->ctx == NULL) {
		valkey_later(v);
		return;
	}
	if (v->password[0] != '\0')
		redisAsyncCommand(v->ctx, NULL, NULL, "AUTH %s", v->password);
}

/* The Sentinel's answer: [host, port] of the primary. */
static void valkey_on_master(redisAsyncContext *ctx, void *r, void *priv)
{
	struct valkey *v = priv;
	redisReply *reply = r;

	if (v->freeing || v->state != VALKEY_ASKING || ctx != v->sentinel)
		return;
	if (reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
	    reply->elements == 2 &&
	    reply->element[0]->type == REDIS_REPLY_STRING &&
	    reply->element[1]->type == REDIS_REPLY_STRING &&
	    reply->element[0]->len < sizeof(v->primary.host)) {
		memcpy(v->primary.host, reply->element[0]->str,
		       reply->element[0]->len);
		v->primary.host[reply->element[0]->len] = '\0';
		v->primary.port = atoi(reply->element[1]->str);
		redisAsyncDisconnect(v->sentinel);
		v->sentinel = NULL;
		valkey_connect_primary(v);
		return;
	}
	log_limited("valkey: sentinel %s:%d does not know %s",
		    v->sentinels[v->next_sentinel].host,
		    v->sentinels[v->next_sentinel].port, v->master);
	v->next_sentinel = (v->next_sentinel + 1) % v->sentinel_count;
	redisAsyncDisconnect(v->sentinel); /* the callback retries */
}

static void valkey_discover(struct valkey *v)
{
	if (v->freeing || v->state != VALKEY_IDLE)
		return;
	if (v->sentinel_count == 0) {
		valkey_connect_primary(v);
		return;
	}
	v->state = VALKEY_ASKING;
	v->sentinel = valkey_open(v, &v->sentinels[v->next_sentinel]);
	if (v->sentinel == NULL) {
		v->next_sentinel = (v->next_sentinel + 1) % v->sentinel_count;
		valkey_later(v);
		return;
	}
	redisAsyncCommand(v->sentinel, valkey_on_master, v,
			  "SENTINEL get-master-addr-by-name %s", v->master);
}

struct valkey *valkey_new(struct event_base *base,
			  const struct valkey_settings *settings)
{
	struct valkey *v = calloc(1, sizeof(*v));

	if (v == NULL)
		abort();
	v->base = base;
	snprintf(v->master, sizeof(v->master), "%s", settings->master);
	snprintf(v->password, sizeof(v->password), "%s", settings->password);
	if (valkey_parse_sentinels(v, settings->sentinels) < 0 ||
	    (v->sentinel_count == 0 &&
	     valkey_endpoint_parse(settings->address, strlen(settings->address),
				   &v->primary) < 0)) {
		log_error("valkey: cannot parse the address or sentinels");
		free(v);
		return NULL;
	}
	v->retry = evtimer_new(base, valkey_on_retry, v);
	valkey_discover(v);
	return v;
}

void valkey_free(struct valkey **vp)
{
	struct valkey *v = *vp;

	if (v == NULL)
		return;
	v->freeing = true;
	/* pending callbacks run now, with NULL replies */
	if (v->ctx != NULL) {
		v->ctx->data = NULL;
		redisAsyncFree(v->ctx);
	}
	if (v->sentinel != NULL) {
		v->sentinel->data = NULL;
		redisAsyncFree(v->sentinel);
	}
	event_free(v->retry);
	explicit_bzero(v->password, sizeof(v->password));
	free(v);
	*vp = NULL;
}

bool valkey_ready(const struct valkey *v)
{
	return v->state == VALKEY_READY;
}

/* What a command's caller asked to be told. */
struct valkey_call {
	struct valkey *v;
	valkey_reply_fn *fn;
	void *context;
};

static void valkey_on_reply(redisAsyncContext *ctx, void *r, void *priv)
{
	struct valkey_call *call = priv;
	redisReply *reply = r;
	struct valkey *v = ctx->data;

	if (reply != NULL && v != NULL && ctx == v->ctx)
		v->silent = 0;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR &&
	    strncasecmp(reply->str, "READONLY", 8) == 0 && v != NULL &&
	    ctx == v->ctx && v->state == VALKEY_READY) {
		log_limited("valkey: %s:%d is no longer the primary",
			    v->primary.host, v->primary.port);
		v->state = VALKEY_IDLE; /* no more commands to it */
		redisAsyncDisconnect(v->ctx);
	}
	if (call->fn != NULL)
		call->fn(call->context, reply);
	free(call);
}

void valkey_note_timeout(struct valkey *v)
{
	if (v->state != VALKEY_READY || v->ctx == NULL ||
	    ++v->silent < VALKEY_SILENT_MAX)
		return;
	log_limited("valkey: %s:%d does not answer: asking the Sentinels "
		    "again",
		    v->primary.host, v->primary.port);
	v->state = VALKEY_IDLE; /* no more commands to it */
	redisAsyncDisconnect(v->ctx);
}

int valkey_command(struct valkey *v, valkey_reply_fn *fn, void *context,
		   int argc, const char **argv, const size_t *lens)
{
	struct valkey_call *call;

	if (v->state != VALKEY_READY || v->ctx == NULL)
		return -1;
	call = malloc(sizeof(*call));
	if (call == NULL)
		abort();
	*call = (struct valkey_call){v, fn, context};
	if (redisAsyncCommandArgv(v->ctx, valkey_on_reply, call, argc, argv,
				  lens) != REDIS_OK) {
		free(call);
		return -1;
	}
	return 0;
}
