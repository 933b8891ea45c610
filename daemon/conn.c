/* conn: the connection layer shared by every protocol; see conn.h. */
#include "conn.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "listener.h"
#include "log.h"
#include "server.h"
#include "worker.h"

/* Framing bytes a request may have beyond max_request (netstring digits,
 * line ends): input above max_request + this is refused unframed. */
#define CONN_FRAMING_SLACK 64

struct conn {
	uint64_t id;
	struct bufferevent *bev;
	struct worker *worker;
	struct listener *listener;
	struct snapshot *snapshot; /* the configuration it was accepted under */
	struct event *lifetime;
	bool closing;	/* flush the output, then close */
	bool throttled; /* reading stopped until the output drains */
	char peer[64];
	struct conn *prev, *next; /* the worker's connections */
	_Alignas(max_align_t) unsigned char state[]; /* proto->state_size */
};

static atomic_uint_fast64_t conn_next_id = 1;

static void conn_link(struct conn *conn)
{
	struct conn **head = worker_conns(conn->worker);

	conn->next = *head;
	if (*head != NULL)
		(*head)->prev = conn;
	*head = conn;
}

static void conn_unlink(struct conn *conn)
{
	struct conn **head = worker_conns(conn->worker);

	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		*head = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
}

static void conn_free(struct conn *conn)
{
	log_debug("conn %llu: closed", (unsigned long long)conn->id);
	conn_unlink(conn);
	if (conn->lifetime != NULL)
		event_free(conn->lifetime);
	bufferevent_free(conn->bev);
	listener_release(conn->listener);
	snapshot_put(conn->snapshot);
	free(conn);
}

/* Stops reading; the connection goes once its output is written. Returns
 * true when it is already gone. */
static bool conn_close_after_flush(struct conn *conn)
{
	conn->closing = true;
	bufferevent_disable(conn->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(conn->bev)) != 0)
		return false;
	conn_free(conn);
	return true;
}

static bool conn_framing_error(struct conn *conn, enum proto_frame error,
			       const char *data, size_t len)
{
	char clean[LOG_SANITIZED_MAX * 4 + 4];
	const struct proto *proto = listener_proto(conn->listener);

	log_limited("conn %llu %s %s: %s request, closing: %s",
		    (unsigned long long)conn->id, proto->name, conn->peer,
		    error == PROTO_ERR_SIZE ? "oversized" : "malformed",
		    log_sanitize(clean, data, len));
	if (proto->reject != NULL)
		proto->reject(conn, error);
	return conn_close_after_flush(conn);
}

/* Frames and answers the requests buffered so far, in order. The
 * connection may be freed on return. */
static void conn_process(struct conn *conn)
{
	const struct config *config = snapshot_config(conn->snapshot);
	struct evbuffer *in = bufferevent_get_input(conn->bev);
	struct evbuffer *out = bufferevent_get_output(conn->bev);
	size_t limit = config->max_request + CONN_FRAMING_SLACK;
	const struct proto *proto = listener_proto(conn->listener);

	while (!conn->closing && evbuffer_get_length(in) != 0) {
		size_t len = evbuffer_get_length(in);
		size_t want = len < limit ? len : limit;
		const char *data =
		    (const char *)evbuffer_pullup(in, (ssize_t)want);
		struct proto_request request;
		enum proto_frame r =
		    proto->frame(data, want, config->max_request, &request);

		if (r == PROTO_NEED_MORE && len < limit)
			return;
		if (r == PROTO_NEED_MORE)
			r = PROTO_ERR_SIZE;
		if (r != PROTO_REQUEST) {
			conn_framing_error(conn, r, data, want);
			return;
		}
		int ret = proto->handle(conn, &request);
		evbuffer_drain(in, request.used);
		if (ret < 0) {
			conn_close_after_flush(conn);
			return;
		}
		if (evbuffer_get_length(out) > config->max_output) {
			conn->throttled = true;
			bufferevent_disable(conn->bev, EV_READ);
			return;
		}
	}
}

static void conn_on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_process(arg);
}

static void conn_on_write(struct bufferevent *bev, void *arg)
{
	struct conn *conn = arg;

	(void)bev;
	if (conn->closing) {
		conn_free(conn);
		return;
	}
	if (conn->throttled) {
		conn->throttled = false;
		bufferevent_enable(conn->bev, EV_READ);
		conn_process(conn);
	}
}

static void conn_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *conn = arg;

	(void)bev;
	if ((what & BEV_EVENT_TIMEOUT) != 0)
		log_debug("conn %llu: idle timeout",
			  (unsigned long long)conn->id);
	else if ((what & BEV_EVENT_ERROR) != 0)
		log_debug("conn %llu: socket error",
			  (unsigned long long)conn->id);
	conn_free(conn);
}

static void conn_on_lifetime(evutil_socket_t fd, short what, void *arg)
{
	struct conn *conn = arg;

	(void)fd;
	(void)what;
	log_debug("conn %llu: lifetime reached", (unsigned long long)conn->id);
	conn_close_after_flush(conn);
}

static void conn_start_timers(struct conn *conn, const struct config *config)
{
	struct timeval idle = {(time_t)config->idle_timeout, 0};

	bufferevent_set_timeouts(conn->bev, &idle, &idle);
	if (config->max_lifetime == 0)
		return;
	struct timeval life = {(time_t)config->max_lifetime, 0};
	conn->lifetime =
	    evtimer_new(worker_base(conn->worker), conn_on_lifetime, conn);
	evtimer_add(conn->lifetime, &life);
}

void conn_new(struct worker *worker, struct listener *listener, int fd,
	      const char *peer)
{
	struct conn *conn =
	    calloc(1, sizeof(*conn) + listener_proto(listener)->state_size);

	if (conn == NULL)
		abort();
	conn->id = atomic_fetch_add(&conn_next_id, 1);
	conn->worker = worker;
	conn->listener = listener;
	conn->snapshot = snapshot_get(worker_server(worker));
	snprintf(conn->peer, sizeof(conn->peer), "%s", peer);
	conn->bev = bufferevent_socket_new(worker_base(worker), fd,
					   BEV_OPT_CLOSE_ON_FREE);
	if (conn->bev == NULL)
		abort();
	bufferevent_setcb(conn->bev, conn_on_read, conn_on_write, conn_on_event,
			  conn);
	conn_link(conn);
	conn_start_timers(conn, snapshot_config(conn->snapshot));
	bufferevent_enable(conn->bev, EV_READ | EV_WRITE);
	log_debug("conn %llu: %s connection from %s on %s",
		  (unsigned long long)conn->id, listener_proto(listener)->name,
		  conn->peer, listener_name(listener));
}

void conn_free_all(struct worker *worker)
{
	while (*worker_conns(worker) != NULL)
		conn_free(*worker_conns(worker));
}

void conn_reply(struct conn *conn, const void *data, size_t len)
{
	bufferevent_write(conn->bev, data, len);
}

void conn_replyv(struct conn *conn, const void *const *parts,
		 const size_t *lens, size_t count)
{
	struct evbuffer *out = bufferevent_get_output(conn->bev);

	for (size_t i = 0; i < count; i++)
		evbuffer_add(out, parts[i], lens[i]);
}

void *conn_state(struct conn *conn)
{
	return conn->state;
}

uint64_t conn_id(const struct conn *conn)
{
	return conn->id;
}

struct worker *conn_worker(const struct conn *conn)
{
	return conn->worker;
}

struct listener *conn_listener(const struct conn *conn)
{
	return conn->listener;
}

const struct snapshot *conn_snapshot(const struct conn *conn)
{
	return conn->snapshot;
}
