/*
 * refserver: the do-nothing reference server of the benchmarks. It speaks
 * the same transport and framing as mailmapd (socketmap, policy or dict;
 * the framing is behind bench_proto.h) on ONE libevent thread, and
 * answers every complete request with one constant "found" reply: for
 * socketmap "OK x" (the netstring "4:OK x,"), for policy
 * "action=DUNNO\n\n", for dict "O" and a passdb JSON value of realistic
 * size (bench_proto_dict.c; the handshake line gets no reply). A bare "OK"
 * would be a silent NOT FOUND to Postfix (protocols.md 1.3), and
 * mailmapd's answers to the benchmark keys are mostly found ones; DUNNO is
 * what a policy server answers when it lets mail through (a passed
 * greylisting triplet). --value replaces x, DUNNO or the JSON value.
 *
 * What it does per request is what any server must do at least: read,
 * frame, write. Its cost per request is therefore the transport's cost,
 * the baseline that mailmapd's CPU per request is compared with.
 *
 *   refserver (--unix PATH | --tcp HOST:PORT) [--value VALUE]
 *             [--seconds S (3600)] [--max-connections N (10000)]
 *             [--proto|--mode socketmap|policy|dict]
 *             [--io raw|bufferevent]
 *
 * --io raw (the default, this file) reads and writes with plain syscalls:
 * per request one read, one write and a share of an epoll_wait, which is
 * the least any event-driven server can do. --io bufferevent
 * (refserver_bev.c) does the same through libevent bufferevents, as
 * mailmapd's connection layer does, to tell that layer's cost from the
 * lookups'.
 *
 * Several requests buffered at once are all answered, in order. Input is
 * capped at the protocol's request limit; while replies cannot be written
 * the connection is not read (backpressure). A framing error closes the
 * connection. The server stops on SIGTERM/SIGINT or after --seconds, and
 * then prints "served=N connections=N" on stderr.
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench_net.h"
#include "bench_proto.h"
#include "refserver.h"

#define RS_ACCEPT_BATCH 64
#define RS_BACKLOG	1024
/* Reading stops while this much output waits to be written. */
#define RS_OUTPUT_HIGH 65536

struct rs_conn {
	struct rs_server *server;
	int fd;
	struct event *rev, *wev;
	char *in, *out;
	size_t in_len, in_cap;
	size_t out_off, out_len, out_cap;
};

static void rs_conn_free(struct rs_conn *conn)
{
	conn->server->conns--;
	if (conn->rev != NULL)
		event_free(conn->rev);
	if (conn->wev != NULL)
		event_free(conn->wev);
	close(conn->fd);
	free(conn->in);
	free(conn->out);
	free(conn);
}

/* Queues one reply; -1 when out of memory. */
static int rs_conn_queue(struct rs_conn *conn, const char *data, size_t len)
{
	if (conn->out_len + len > conn->out_cap) {
		size_t cap = (conn->out_len + len) * 2;
		char *out = realloc(conn->out, cap);

		if (out == NULL)
			return -1;
		conn->out = out;
		conn->out_cap = cap;
	}
	memcpy(conn->out + conn->out_len, data, len);
	conn->out_len += len;
	return 0;
}

/* Writes queued output; 1 all written, 0 some left, -1 connection lost. */
static int rs_conn_flush(struct rs_conn *conn)
{
	while (conn->out_off < conn->out_len) {
		ssize_t n = write(conn->fd, conn->out + conn->out_off,
				  conn->out_len - conn->out_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		conn->out_off += (size_t)n;
	}
	conn->out_off = conn->out_len = 0;
	return 1;
}

/* Answers every complete request buffered; -1 on a framing error. */
static int rs_conn_answer(struct rs_conn *conn)
{
	const struct rs_server *server = conn->server;
	size_t off = 0, used;
	enum bench_frame frame;

	while ((frame = server->proto->decode_request(conn->in + off,
						      conn->in_len - off,
						      &used)) == BENCH_FRAME) {
		if (rs_conn_queue(conn, server->reply, server->reply_len) < 0)
			return -1;
		conn->server->served++;
		off += used;
	}
	if (frame != BENCH_NEED_MORE)
		return -1;
	memmove(conn->in, conn->in + off, conn->in_len - off);
	conn->in_len -= off;
	return 0;
}

/* Sends what is queued; when some is left, waits for writability instead
 * of reading. -1: the connection is gone. */
static int rs_conn_send(struct rs_conn *conn)
{
	int flushed = rs_conn_flush(conn);

	if (flushed < 0)
		return -1;
	if (flushed == 0 && conn->out_len - conn->out_off >= RS_OUTPUT_HIGH) {
		event_del(conn->rev);
		event_add(conn->wev, NULL);
	} else if (flushed == 0) {
		event_add(conn->wev, NULL);
	}
	return 0;
}

static int rs_conn_fill(struct rs_conn *conn)
{
	size_t max = conn->server->proto->max_request + 64;
	ssize_t n;

	if (conn->in_len == conn->in_cap) {
		size_t cap = conn->in_cap * 2 < max ? conn->in_cap * 2 : max;
		char *in;

		if (conn->in_cap >= max ||
		    (in = realloc(conn->in, cap)) == NULL)
			return -1; /* over the request limit */
		conn->in = in;
		conn->in_cap = cap;
	}
	n = read(conn->fd, conn->in + conn->in_len,
		 conn->in_cap - conn->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	conn->in_len += (size_t)n;
	return 1;
}

static void rs_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct rs_conn *conn = arg;
	int filled = rs_conn_fill(conn);

	(void)fd, (void)what;
	if (filled < 0 || (filled > 0 && rs_conn_answer(conn) < 0) ||
	    rs_conn_send(conn) < 0)
		rs_conn_free(conn);
}

static void rs_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct rs_conn *conn = arg;
	int flushed = rs_conn_flush(conn);

	(void)fd, (void)what;
	if (flushed < 0)
		rs_conn_free(conn);
	else if (flushed == 0)
		event_add(conn->wev, NULL);
	else
		event_add(conn->rev, NULL);
}

static void rs_conn_new(struct rs_server *server, int fd)
{
	struct rs_conn *conn = calloc(1, sizeof(*conn));

	if (conn == NULL || server->conns >= server->max_conns ||
	    (conn->in = malloc(512)) == NULL) {
		if (conn != NULL)
			free(conn->in);
		free(conn);
		close(fd);
		return;
	}
	conn->server = server;
	conn->fd = fd;
	conn->in_cap = 512;
	conn->rev =
	    event_new(server->base, fd, EV_READ | EV_PERSIST, rs_on_read, conn);
	conn->wev = event_new(server->base, fd, EV_WRITE, rs_on_write, conn);
	server->conns++;
	server->accepted++;
	bench_set_nodelay(&server->addr, fd);
	if (conn->rev == NULL || conn->wev == NULL ||
	    event_add(conn->rev, NULL) < 0)
		rs_conn_free(conn);
}

static void rs_on_accept(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	for (int i = 0; i < RS_ACCEPT_BATCH; i++) {
		int client =
		    accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (client < 0)
			return; /* EAGAIN, or a client gone before accept */
		if (((struct rs_server *)arg)->bufferevent)
			rs_bev_conn_new(arg, client);
		else
			rs_conn_new(arg, client);
	}
}

static void rs_on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	event_base_loopbreak(arg);
}

struct rs_options {
	const char *unix_path, *tcp, *value, *proto, *io;
	double seconds;
	unsigned max_conns;
};

static int rs_usage(void)
{
	fprintf(stderr, "usage: refserver (--unix PATH | --tcp HOST:PORT)"
			" [--value VALUE]\n"
			"  [--seconds S (3600)] [--max-connections N (10000)]"
			" [--proto|--mode socketmap|policy|dict]"
			" [--io raw|bufferevent]\n");
	return 1;
}

static int rs_options_parse(int argc, char **argv, struct rs_options *opt)
{
	static const struct option longopts[] = {
	    {"unix", 1, NULL, 'u'},
	    {"tcp", 1, NULL, 't'},
	    {"value", 1, NULL, 'v'},
	    {"seconds", 1, NULL, 's'},
	    {"max-connections", 1, NULL, 'm'},
	    {"proto", 1, NULL, 'P'},
	    {"mode", 1, NULL, 'P'},
	    {"io", 1, NULL, 'i'},
	    {NULL, 0, NULL, 0},
	};
	char *end = NULL;
	int c;

	*opt = (struct rs_options){.proto = "socketmap",
				   .io = "raw",
				   .seconds = 3600,
				   .max_conns = 10000};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			opt->unix_path = optarg;
			break;
		case 't':
			opt->tcp = optarg;
			break;
		case 'v':
			opt->value = optarg;
			break;
		case 'P':
			opt->proto = optarg;
			break;
		case 'i':
			opt->io = optarg;
			break;
		case 's':
			opt->seconds = strtod(optarg, &end);
			break;
		case 'm':
			opt->max_conns = (unsigned)strtoul(optarg, &end, 10);
			break;
		default:
			return -1;
		}
		if (end != NULL && *end != '\0')
			return -1;
	}
	if (optind != argc || (opt->unix_path == NULL) == (opt->tcp == NULL) ||
	    !(opt->seconds > 0 && opt->seconds <= 86400) ||
	    opt->max_conns == 0 ||
	    (opt->value != NULL && strlen(opt->value) > RS_MAX_VALUE) ||
	    (strcmp(opt->io, "raw") != 0 &&
	     strcmp(opt->io, "bufferevent") != 0))
		return -1;
	return 0;
}

static int rs_setup(struct rs_server *server, const struct rs_options *opt)
{
	const char *error = NULL, *value;
	int ret;

	if ((server->proto = bench_proto_find(opt->proto)) == NULL) {
		fprintf(stderr, "refserver: unknown protocol %s\n", opt->proto);
		return -1;
	}
	value = opt->value ? opt->value : server->proto->found_value;
	server->reply_len = server->proto->encode_found(
	    server->reply, sizeof(server->reply), value, strlen(value));
	server->max_conns = opt->max_conns;
	/* As mailmapd: its libevent is set up for threads (locking). */
	server->bufferevent = strcmp(opt->io, "bufferevent") == 0;
	if (server->bufferevent && evthread_use_pthreads() < 0)
		return -1;
	ret = opt->unix_path
		  ? bench_addr_unix(opt->unix_path, &server->addr, &error)
		  : bench_addr_tcp(opt->tcp, &server->addr, &error);
	if (ret < 0 || server->reply_len == 0) {
		fprintf(stderr, "refserver: %s\n",
			error ? error : "value too long");
		return -1;
	}
	return 0;
}

/* Runs the loop on fd until a signal or the time limit. */
static int rs_serve(struct rs_server *server, int fd, double seconds)
{
	struct timeval limit = {
	    (time_t)seconds,
	    (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};
	struct event *accept_ev, *term, *intr, *timer;

	if ((server->base = event_base_new()) == NULL)
		return -1;
	accept_ev = event_new(server->base, fd, EV_READ | EV_PERSIST,
			      rs_on_accept, server);
	term = evsignal_new(server->base, SIGTERM, rs_on_stop, server->base);
	intr = evsignal_new(server->base, SIGINT, rs_on_stop, server->base);
	timer = evtimer_new(server->base, rs_on_stop, server->base);
	if (accept_ev && term && intr && timer &&
	    event_add(accept_ev, NULL) == 0 && event_add(term, NULL) == 0 &&
	    event_add(intr, NULL) == 0 && event_add(timer, &limit) == 0)
		event_base_dispatch(server->base);
	/* Connections still open are left to exit(). */
	event_free(accept_ev);
	event_free(term);
	event_free(intr);
	event_free(timer);
	event_base_free(server->base);
	return 0;
}

int main(int argc, char **argv)
{
	struct rs_options opt;
	struct rs_server server = {0};
	int fd;

	if (rs_options_parse(argc, argv, &opt) < 0)
		return rs_usage();
	signal(SIGPIPE, SIG_IGN);
	if (rs_setup(&server, &opt) < 0)
		return 1;
	if ((fd = bench_listen(&server.addr, RS_BACKLOG)) < 0) {
		fprintf(stderr, "refserver: listen: %s\n", strerror(errno));
		return 1;
	}
	rs_serve(&server, fd, opt.seconds);
	close(fd);
	if (server.addr.is_unix)
		unlink(((struct sockaddr_un *)&server.addr.ss)->sun_path);
	fprintf(stderr, "refserver: served=%llu connections=%llu\n",
		server.served, server.accepted);
	return 0;
}
