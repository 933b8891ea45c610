/*
 * conn: the connection layer shared by every protocol; see conn.h.
 *
 * Plain events and the connection's own buffers rather than bufferevents:
 * a request costs one read() and one write() in the common case (the reply
 * is written straight from the read callback; a write event is armed only
 * when the socket does not take it all). The idle timeout is a timer
 * that is not touched per request: a request only notes the loop's cached
 * time, and the timer, when it fires, waits again for whatever is left.
 *
 * Backpressure and answers in parts: with more than daemon.max_output
 * queued, the connection stops reading and answering. Once the output has
 * drained, the write event (kept armed for one more loop turn) resumes
 * it: buffered requests are answered, and a handler that returned
 * PROTO_MORE is called again with the same request, so a long answer
 * (a dict iteration) goes out in chunks without being buffered whole.
 * A handler that returned PROTO_WAIT (a shared greylisting store asked)
 * stops the connection likewise until conn_resume(), which calls it again
 * with the same request from the loop; the request's time counts from
 * its first call. proto->release frees the protocol's per-connection
 * state at close.
 */
#include "conn.h"

#include <errno.h>
#include <event2/event.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "worker.h"

/* Framing bytes a request may have beyond max_request (netstring digits,
 * line ends): input above max_request + this is refused unframed. */
#define CONN_FRAMING_SLACK  64
#define CONN_INPUT_INITIAL  4096
#define CONN_OUTPUT_INITIAL 4096

struct conn_buf {
	char *data;
	size_t start; /* consumed bytes before this offset */
	size_t len;   /* end of the data */
	size_t cap;
};

struct conn {
	uint64_t id;
	int fd;
	struct worker *worker;
	struct listener *listener;
	struct snapshot *snapshot; /* the configuration it was accepted under */
	struct event *read_ev;
	struct event *write_ev;
	struct event *idle;
	time_t idle_timeout;   /* seconds, from the configuration */
	struct timeval active; /* the last activity (conn_touch) */
	struct event *lifetime;
	struct conn_buf in;
	struct conn_buf out;
	bool closing;	/* flush the output, then close */
	bool peer_done; /* the client sent EOF: answer what came, then close */
	bool reading;	/* read_ev is armed */
	bool writing;	/* write_ev is armed */
	bool waiting;	/* the handler returned PROTO_WAIT */
	struct event *resume_ev; /* conn_resume(), made on first use */
	uint64_t wait_start_ns;	 /* when the waiting request began */
	char peer[64];
	int count_name; /* the request's metrics: conn_count(), -1 = none */
	unsigned count_outcome;
	struct conn *prev, *next; /* the worker's connections */
	_Alignas(max_align_t) unsigned char state[]; /* proto->state_size */
};

static atomic_uint_fast64_t conn_next_id = 1;

static void conn_buf_reserve(struct conn_buf *buf, size_t extra, size_t initial)
{
	if (buf->start != 0 && buf->start == buf->len)
		buf->start = buf->len = 0;
	if (buf->cap - buf->len >= extra)
		return;
	if (buf->start != 0) { /* slide the unconsumed bytes to the front */
		memmove(buf->data, buf->data + buf->start,
			buf->len - buf->start);
		buf->len -= buf->start;
		buf->start = 0;
		if (buf->cap - buf->len >= extra)
			return;
	}
	size_t cap = buf->cap != 0 ? buf->cap : initial;
	while (cap - buf->len < extra)
		cap *= 2;
	buf->data = realloc(buf->data, cap);
	if (buf->data == NULL)
		abort();
	buf->cap = cap;
}

static size_t conn_buf_pending(const struct conn_buf *buf)
{
	return buf->len - buf->start;
}

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
	const struct proto *proto = listener_proto(conn->listener);

	log_debug("conn %llu: closed", (unsigned long long)conn->id);
	metrics_add(&worker_metrics(conn->worker)
			 ->closed[listener_index(conn->listener)],
		    1);
	if (proto->release != NULL)
		proto->release(conn->state);
	conn_unlink(conn);
	event_free(conn->read_ev);
	event_free(conn->write_ev);
	event_free(conn->idle);
	if (conn->lifetime != NULL)
		event_free(conn->lifetime);
	if (conn->resume_ev != NULL)
		event_free(conn->resume_ev);
	close(conn->fd);
	free(conn->in.data);
	free(conn->out.data);
	listener_release(conn->listener);
	snapshot_put(conn->snapshot);
	free(conn);
}

static void conn_set_reading(struct conn *conn, bool on)
{
	if (on == conn->reading)
		return;
	conn->reading = on;
	if (on)
		event_add(conn->read_ev, NULL);
	else
		event_del(conn->read_ev);
}

static void conn_set_writing(struct conn *conn, bool on)
{
	if (on == conn->writing)
		return;
	conn->writing = on;
	if (on)
		event_add(conn->write_ev, NULL);
	else
		event_del(conn->write_ev);
}

/* Writes what the socket takes. Returns false when the connection is
 * gone (write error, or closing with nothing left to write). */
static bool conn_flush(struct conn *conn)
{
	struct conn_buf *out = &conn->out;

	while (conn_buf_pending(out) != 0) {
		ssize_t n = write(conn->fd, out->data + out->start,
				  conn_buf_pending(out));
		if (n > 0) {
			out->start += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			conn_set_writing(conn, true);
			return true;
		} else {
			log_debug("conn %llu: write: %s",
				  (unsigned long long)conn->id,
				  strerror(errno));
			conn_free(conn);
			return false;
		}
	}
	out->start = out->len = 0;
	if (conn->closing) {
		conn_free(conn);
		return false;
	}
	/* Drained while reading is paused (backpressure, or a long answer
	 * going out in chunks): the write event stays armed, so the next
	 * loop turn resumes the connection (conn_on_write), after the
	 * worker's other connections had their turn. */
	conn_set_writing(conn, !conn->reading && !conn->waiting);
	return true;
}

/* Stops reading; the connection goes once its output is written. */
static void conn_close_after_flush(struct conn *conn)
{
	conn->closing = true;
	conn_set_reading(conn, false);
}

static void conn_framing_error(struct conn *conn, enum proto_frame error,
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
	conn_close_after_flush(conn);
}

/* ---- A store read that faults --------------------------------------- */

/* The request this thread is answering, for a SIGBUS in a store read: a
 * page of a mapped file that was truncated under mailmapd (config_store.h).
 * Thread-local storage of the executable: safe in a signal handler. */
static _Thread_local sigjmp_buf *conn_guard;

static void conn_on_sigbus(int sig, siginfo_t *info, void *context)
{
	(void)info;
	(void)context;
	if (conn_guard != NULL)
		siglongjmp(*conn_guard, 1);
	signal(sig, SIG_DFL); /* not a store read: the usual crash */
	raise(sig);
}

void conn_guard_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = conn_on_sigbus;
	/* SA_NODEFER: the jump out does not restore a mask (sigsetjmp(.., 0)
	 * spares a system call per request), so SIGBUS must stay open. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

#define CONN_STORE_FAULT (-100)

static uint64_t conn_clock_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

void conn_count(struct conn *conn, unsigned name, unsigned outcome)
{
	conn->count_name = (int)name;
	conn->count_outcome = outcome;
}

/* Counts a request the protocol said how to count (conn_count). */
static void conn_counted(struct conn *conn, const struct proto *proto,
			 uint64_t start_ns)
{
	if (conn->count_name < 0)
		return;
	metrics_request(worker_metrics(conn->worker),
			listener_index(conn->listener), proto->metrics,
			(unsigned)conn->count_name, conn->count_outcome,
			conn_clock_ns() - start_ns);
}

/* proto->handle, with a SIGBUS in a store read ending here instead. */
static int conn_handle_guarded(struct conn *conn, const struct proto *proto,
			       const struct proto_request *request)
{
	sigjmp_buf guard;
	int ret;

	if (sigsetjmp(guard, 0) != 0) {
		conn_guard = NULL;
		return CONN_STORE_FAULT;
	}
	conn_guard = &guard;
	ret = proto->handle(conn, request);
	conn_guard = NULL;
	return ret;
}

/* The request met a store that broke under it: the worker leaves the
 * store, what the request wrote is dropped, and the connection closes
 * after the replies before it (the client asks again: Postfix reconnects
 * once and resends, and gets TEMP now). */
static void conn_store_fault(struct conn *conn, size_t pending_before)
{
	log_limited("conn %llu: a store read failed (SIGBUS): closing",
		    (unsigned long long)conn->id);
	worker_store_fault(conn->worker);
	metrics_add(
	    &worker_metrics(conn->worker)->store_errors[METRICS_STORE_CONFIG],
	    1);
	if (conn_buf_pending(&conn->out) > pending_before)
		conn->out.len = conn->out.start + pending_before;
	conn_close_after_flush(conn);
}

/* ---- Requests ----------------------------------------------------------- */

/* Frames and answers the requests buffered so far, in order. */
static void conn_process(struct conn *conn)
{
	const struct config *config = snapshot_config(conn->snapshot);
	const struct proto *proto = listener_proto(conn->listener);
	size_t limit = config->max_request + CONN_FRAMING_SLACK;

	while (!conn->closing && conn_buf_pending(&conn->in) != 0) {
		const char *data = conn->in.data + conn->in.start;
		size_t len = conn_buf_pending(&conn->in);
		size_t want = len < limit ? len : limit;
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
		size_t pending = conn_buf_pending(&conn->out);
		uint64_t start_ns =
		    conn->waiting ? conn->wait_start_ns : conn_clock_ns();
		conn->count_name = -1;
		conn->waiting = false;
		int ret = conn_handle_guarded(conn, proto, &request);
		if (ret == CONN_STORE_FAULT) {
			conn_store_fault(conn, pending);
			return;
		}
		if (ret == PROTO_WAIT) {
			conn->waiting = true;
			conn->wait_start_ns = start_ns;
			conn_set_reading(conn, false);
			return;
		}
		if (ret != PROTO_MORE)
			conn_counted(conn, proto, start_ns);
		if (ret != PROTO_MORE)
			conn->in.start += request.used;
		if (ret < 0) {
			conn_close_after_flush(conn);
			return;
		}
		if (conn_buf_pending(&conn->out) > config->max_output) {
			conn_set_reading(conn, false); /* backpressure */
			return;
		}
	}
}

/* Notes activity: the loop's cached time, no timer change per request.
 * The idle timer, armed at the start, checks it when it fires. */
static void conn_touch(struct conn *conn)
{
	event_base_gettimeofday_cached(worker_base(conn->worker),
				       &conn->active);
}

/* Reads what is there: false when the client is gone (conn freed). */
static bool conn_read(struct conn *conn)
{
	const struct config *config = snapshot_config(conn->snapshot);
	size_t limit = config->max_request + CONN_FRAMING_SLACK;
	struct conn_buf *in = &conn->in;
	size_t room;
	ssize_t n;

	conn_buf_reserve(in, CONN_INPUT_INITIAL / 4, CONN_INPUT_INITIAL);
	room = in->cap - in->len;
	if (conn_buf_pending(in) + room > limit + 1)
		room = limit + 1 - conn_buf_pending(in);
	n = read(conn->fd, in->data + in->len, room);
	if (n > 0) {
		in->len += (size_t)n;
		return true;
	}
	if (n < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return true;
	log_debug("conn %llu: %s", (unsigned long long)conn->id,
		  n == 0 ? "closed by the client" : strerror(errno));
	if (n == 0) {
		/* Half-closed, maybe: the requests that came before the EOF
		 * are still answered (conn_finish_if_peer_done()). */
		conn->peer_done = true;
		conn_set_reading(conn, false);
		return true;
	}
	conn_free(conn);
	return false;
}

/* After the client's EOF, once every request that came is answered
 * (nothing waits for the output to drain): close after the flush. */
static void conn_finish_if_peer_done(struct conn *conn)
{
	/* every request but these; a waiting one is answered first */
	if (!conn->peer_done || conn->closing || conn->waiting)
		return;
	if (conn_buf_pending(&conn->out) <=
	    snapshot_config(conn->snapshot)->max_output)
		conn_close_after_flush(conn);
}

static void conn_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct conn *conn = arg;

	(void)fd;
	(void)what;
	if (!conn_read(conn))
		return;
	conn_touch(conn);
	conn_process(conn);
	conn_finish_if_peer_done(conn);
	conn_flush(conn);
}

static void conn_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct conn *conn = arg;

	(void)fd;
	(void)what;
	if (!conn_flush(conn) || conn_buf_pending(&conn->out) != 0 ||
	    conn->reading || conn->waiting)
		return;
	/* The output drained after backpressure: read and answer again
	 * (first the rest of a request answered in parts). A client taking
	 * a long answer is not idle. */
	conn_set_writing(conn, false);
	conn_set_reading(conn, !conn->peer_done);
	conn_touch(conn);
	conn_process(conn);
	conn_finish_if_peer_done(conn);
	conn_flush(conn);
}

static void conn_on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct conn *conn = arg;

	(void)fd;
	(void)what;
	if (!conn->waiting || conn->closing)
		return;
	conn_set_reading(conn, !conn->peer_done);
	conn_touch(conn);
	conn_process(conn);
	conn_finish_if_peer_done(conn);
	conn_flush(conn);
}

void conn_resume(struct conn *conn)
{
	if (conn->resume_ev == NULL)
		conn->resume_ev = event_new(worker_base(conn->worker), -1, 0,
					    conn_on_resume, conn);
	event_active(conn->resume_ev, 0, 0);
}

static void conn_on_idle(evutil_socket_t fd, short what, void *arg)
{
	struct conn *conn = arg;

	struct timeval now, left, idle = {conn->idle_timeout, 0};

	(void)fd;
	(void)what;
	event_base_gettimeofday_cached(worker_base(conn->worker), &now);
	timeradd(&conn->active, &idle, &left);
	if (timercmp(&now, &left, <)) {
		/* Active since the timer was armed: wait for the rest (at
		 * most the whole timeout, should the clock step back). */
		timersub(&left, &now, &left);
		evtimer_add(conn->idle,
			    timercmp(&left, &idle, <) ? &left : &idle);
		return;
	}
	log_debug("conn %llu: idle timeout", (unsigned long long)conn->id);
	conn_free(conn);
}

static void conn_on_lifetime(evutil_socket_t fd, short what, void *arg)
{
	struct conn *conn = arg;

	(void)fd;
	(void)what;
	log_debug("conn %llu: lifetime reached", (unsigned long long)conn->id);
	conn_close_after_flush(conn);
	conn_flush(conn);
}

static void conn_start_timers(struct conn *conn, const struct config *config)
{
	struct event_base *base = worker_base(conn->worker);
	struct timeval idle = {(time_t)config->idle_timeout, 0};

	conn->idle_timeout = idle.tv_sec;
	conn->idle = evtimer_new(base, conn_on_idle, conn);
	conn_touch(conn);
	evtimer_add(conn->idle, &idle);
	if (config->max_lifetime == 0)
		return;
	struct timeval life = {(time_t)config->max_lifetime, 0};
	conn->lifetime = evtimer_new(base, conn_on_lifetime, conn);
	evtimer_add(conn->lifetime, &life);
}

void conn_new(struct worker *worker, struct listener *listener, int fd,
	      const char *peer)
{
	struct conn *conn =
	    calloc(1, sizeof(*conn) + listener_proto(listener)->state_size);
	struct event_base *base = worker_base(worker);

	if (conn == NULL)
		abort();
	conn->id = atomic_fetch_add(&conn_next_id, 1);
	conn->fd = fd;
	conn->worker = worker;
	conn->listener = listener;
	conn->snapshot = snapshot_get(worker_server(worker));
	snprintf(conn->peer, sizeof(conn->peer), "%s", peer);
	conn->read_ev =
	    event_new(base, fd, EV_READ | EV_PERSIST, conn_on_read, conn);
	conn->write_ev =
	    event_new(base, fd, EV_WRITE | EV_PERSIST, conn_on_write, conn);
	if (conn->read_ev == NULL || conn->write_ev == NULL)
		abort();
	conn_link(conn);
	metrics_add(&worker_metrics(worker)->accepted[listener_index(listener)],
		    1);
	conn_start_timers(conn, snapshot_config(conn->snapshot));
	conn_set_reading(conn, true);
	log_debug("conn %llu: %s connection from %s on %s",
		  (unsigned long long)conn->id, listener_proto(listener)->name,
		  conn->peer, listener_name(listener));
}

void conn_free_all(struct worker *worker)
{
	while (*worker_conns(worker) != NULL)
		conn_free(*worker_conns(worker));
}

void conn_replyv(struct conn *conn, const void *const *parts,
		 const size_t *lens, size_t count)
{
	size_t total = 0;

	for (size_t i = 0; i < count; i++)
		total += lens[i];
	conn_buf_reserve(&conn->out, total, CONN_OUTPUT_INITIAL);
	for (size_t i = 0; i < count; i++) {
		memcpy(conn->out.data + conn->out.len, parts[i], lens[i]);
		conn->out.len += lens[i];
	}
}

void conn_reply(struct conn *conn, const void *data, size_t len)
{
	const void *parts[] = {data};

	conn_replyv(conn, parts, &len, 1);
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
