/*
 * bench_net: endpoints and sockets of the benchmark tools. An endpoint is
 * a unix socket path or a numeric TCP "host:port" ("127.0.0.1:10040",
 * "[::1]:10040"); the tools are meant for loopback use only.
 */
#ifndef MAILMAP_BENCH_NET_H
#define MAILMAP_BENCH_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct bench_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool is_unix;
};

/* Fills addr_r from a unix path; 0, or -1 with a reason in *error_r. */
int bench_addr_unix(const char *path, struct bench_addr *addr_r,
		    const char **error_r);
/* Fills addr_r from a numeric "host:port"; 0, or -1 with *error_r. */
int bench_addr_tcp(const char *hostport, struct bench_addr *addr_r,
		   const char **error_r);

/* Connects, waiting at most timeout_ms; returns a non-blocking fd, or -1
 * with errno set. */
int bench_connect(const struct bench_addr *addr, int timeout_ms);
/* Binds and listens (a stale unix socket file is replaced); returns a
 * non-blocking fd, or -1 with errno set. */
int bench_listen(const struct bench_addr *addr, int backlog);

/* Turns Nagle off on a TCP socket (latency is what is measured). */
void bench_set_nodelay(const struct bench_addr *addr, int fd);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

#endif
