/*
 * conn: one client connection, whatever its protocol: input buffering with
 * a cap, one request framed and answered at a time (in order), an idle
 * timeout and an optional lifetime, backpressure (reading stops while too
 * much output is queued), a process-unique id for log lines, and closing.
 */
#ifndef MAILMAP_CONN_H
#define MAILMAP_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct worker;
struct listener;
struct snapshot;

struct conn;

/* Takes over fd, accepted on listener by worker. */
void conn_new(struct worker *worker, struct listener *listener, int fd,
	      const char *peer);
/* Closes every connection of a stopped worker. */
void conn_free_all(struct worker *worker);
/* Queues reply bytes. */
void conn_reply(struct conn *conn, const void *data, size_t len);
/* Queues several pieces as one reply. */
void conn_replyv(struct conn *conn, const void *const *parts,
		 const size_t *lens, size_t count);
/* A handler that returned PROTO_WAIT is called again, from the event
 * loop (never from within this call). Same thread as the connection. */
void conn_resume(struct conn *conn);
/* The protocol's per-connection state (proto->state_size bytes). */
void *conn_state(struct conn *conn);
/* What the request being handled counts as (metrics.h): its name and
 * outcome indexes for its protocol. A request that sets none (a dict
 * handshake) is not counted. */
void conn_count(struct conn *conn, unsigned name, unsigned outcome);
/* Accessors for protocol handlers. */
uint64_t conn_id(const struct conn *conn);
struct worker *conn_worker(const struct conn *conn);
struct listener *conn_listener(const struct conn *conn);
const struct snapshot *conn_snapshot(const struct conn *conn);

/* Installs the SIGBUS handler that ends a request whose store read
 * faults (a mapped file truncated under mailmapd) instead of the process;
 * once, before the workers start. */
void conn_guard_install(void);

#endif
