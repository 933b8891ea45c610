/*
 * refserver: what the two I/O layers of the reference server share: the
 * server's context. refserver.c does plain read()/write() on its own
 * buffers; refserver_bev.c does the same work through libevent
 * bufferevents, as mailmapd's connection layer (daemon/conn.c) does, to
 * tell the cost of that I/O layer from the cost of the lookups.
 */
#ifndef MAILMAP_REFSERVER_H
#define MAILMAP_REFSERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "bench_net.h"
#include "bench_proto.h"

#define RS_MAX_VALUE 1024

struct event_base;

struct rs_server {
	struct event_base *base;
	const struct bench_proto *proto;
	struct bench_addr addr;
	bool bufferevent;	       /* --io bufferevent */
	char reply[RS_MAX_VALUE + 64]; /* the one reply, framed */
	size_t reply_len;
	unsigned conns, max_conns;
	unsigned long long served, accepted;
};

/* Serves the accepted fd through a bufferevent. */
void rs_bev_conn_new(struct rs_server *server, int fd);

#endif
