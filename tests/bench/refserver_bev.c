/*
 * refserver_bev: the reference server's bufferevent I/O layer (refserver
 * --io bufferevent). It mirrors what daemon/conn.c does per request and
 * nothing more: a socket bufferevent with idle timeouts on read and write,
 * evbuffer_pullup of the input, one evbuffer_add of the reply and a drain;
 * libevent writes the output from its loop. The answer is the same
 * constant as in refserver.c.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <unistd.h>

#include "refserver.h"

/* mailmapd's default daemon.idle_timeout (conf/config.h). */
#define RS_BEV_IDLE_SECONDS 300

struct rs_bev_conn {
	struct rs_server *server;
	struct bufferevent *bev;
};

static void rs_bev_free(struct rs_bev_conn *conn)
{
	conn->server->conns--;
	bufferevent_free(conn->bev);
	free(conn);
}

static void rs_bev_on_read(struct bufferevent *bev, void *arg)
{
	struct rs_bev_conn *conn = arg;
	struct rs_server *server = conn->server;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t limit = server->proto->max_request + 64, used;

	while (evbuffer_get_length(in) != 0) {
		size_t len = evbuffer_get_length(in);
		size_t want = len < limit ? len : limit;
		const char *data =
		    (const char *)evbuffer_pullup(in, (ssize_t)want);
		enum bench_frame frame =
		    server->proto->decode_request(data, want, &used);

		if (frame == BENCH_NEED_MORE && len < limit)
			return;
		if (frame != BENCH_FRAME) {
			rs_bev_free(conn);
			return;
		}
		evbuffer_add(bufferevent_get_output(bev), server->reply,
			     server->reply_len);
		evbuffer_drain(in, used);
		server->served++;
	}
}

static void rs_bev_on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev, (void)what;
	rs_bev_free(arg);
}

void rs_bev_conn_new(struct rs_server *server, int fd)
{
	struct timeval idle = {RS_BEV_IDLE_SECONDS, 0};
	struct rs_bev_conn *conn;

	if (server->conns >= server->max_conns ||
	    (conn = calloc(1, sizeof(*conn))) == NULL) {
		close(fd);
		return;
	}
	conn->server = server;
	conn->bev =
	    bufferevent_socket_new(server->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (conn->bev == NULL) {
		free(conn);
		close(fd);
		return;
	}
	server->conns++;
	server->accepted++;
	bench_set_nodelay(&server->addr, fd);
	bufferevent_setcb(conn->bev, rs_bev_on_read, NULL, rs_bev_on_event,
			  conn);
	bufferevent_set_timeouts(conn->bev, &idle, &idle);
	bufferevent_enable(conn->bev, EV_READ | EV_WRITE);
}
