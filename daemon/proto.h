/*
 * proto: what a protocol plugs into the connection layer (conn.c). The
 * layer buffers input, asks the protocol to frame one request at a time,
 * has it answered, and applies limits, timers and backpressure the same way
 * for every protocol. A protocol never touches sockets or buffers directly.
 */
#ifndef MAILMAP_PROTO_H
#define MAILMAP_PROTO_H

#include <stddef.h>

struct conn;

/* proto->handle: answered in part; call again (see struct proto). */
#define PROTO_MORE 1
/* proto->handle: waiting for another server (a shared greylisting
 * store); call again with the same request after conn_resume(). */
#define PROTO_WAIT 2

enum proto_frame {
	PROTO_NEED_MORE,  /* no complete request buffered yet */
	PROTO_REQUEST,	  /* one request: see struct proto_request */
	PROTO_ERR_FORMAT, /* the bytes are not this protocol */
	PROTO_ERR_SIZE,	  /* a request above the size limit */
};

struct proto_request {
	const char *data; /* the request's content, inside the input */
	size_t len;
	size_t used; /* input bytes the request took, framing included */
};

struct proto {
	const char *name;
	int metrics; /* enum metrics_proto: its series (metrics.h) */
	/* Finds one request at the start of data (len bytes buffered). */
	enum proto_frame (*frame)(const char *data, size_t len, size_t max,
				  struct proto_request *request);
	/* Answers one request through conn_reply(). -1: close the
	 * connection once the output is flushed. PROTO_MORE: not finished;
	 * call again with the same request (at once while the output is
	 * under daemon.max_output, else once it has drained), so a long
	 * answer goes out in chunks; each call must queue some output. The
	 * cursor lives in the per-connection state. PROTO_WAIT: nothing
	 * queued yet; the connection reads and answers nothing more until
	 * the protocol calls conn_resume(), then this is called again with
	 * the same request. */
	int (*handle)(struct conn *conn, const struct proto_request *request);
	/* Says why before a close on a framing error; may be NULL. */
	void (*reject)(struct conn *conn, enum proto_frame error);
	/* Frees what the per-connection state holds, at close; may be
	 * NULL. */
	void (*release)(void *state);
	/* Bytes of per-connection state (conn_state()), zeroed at accept. */
	size_t state_size;
};

extern const struct proto proto_socketmap;
extern const struct proto proto_policy;
extern const struct proto proto_dict;

#endif
