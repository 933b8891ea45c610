/* bench_net: endpoints and sockets of the benchmark tools; see bench_net.h. */
#include "bench_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int bench_addr_unix(const char *path, struct bench_addr *addr_r,
		    const char **error_r)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&addr_r->ss;

	if (strlen(path) >= sizeof(sun->sun_path)) {
		*error_r = "unix socket path too long";
		return -1;
	}
	memset(addr_r, 0, sizeof(*addr_r));
	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path, path);
	addr_r->len = sizeof(*sun);
	addr_r->is_unix = true;
	return 0;
}

int bench_addr_tcp(const char *hostport, struct bench_addr *addr_r,
		   const char **error_r)
{
	char host[128];
	const char *colon = strrchr(hostport, ':');
	size_t host_len = colon != NULL ? (size_t)(colon - hostport) : 0;
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *res;

	if (colon == NULL || host_len == 0 || host_len >= sizeof(host)) {
		*error_r = "expected numeric HOST:PORT";
		return -1;
	}
	/* "[::1]:port": drop the brackets. */
	if (hostport[0] == '[' && host_len >= 2 &&
	    hostport[host_len - 1] == ']') {
		hostport++;
		host_len -= 2;
	}
	memcpy(host, hostport, host_len);
	host[host_len] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
		*error_r = "expected numeric HOST:PORT";
		return -1;
	}
	memset(addr_r, 0, sizeof(*addr_r));
	memcpy(&addr_r->ss, res->ai_addr, res->ai_addrlen);
	addr_r->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int bench_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Latency, not throughput, is measured: no Nagle delay on TCP. */
void bench_set_nodelay(const struct bench_addr *addr, int fd)
{
	int on = 1;

	if (!addr->is_unix)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

static void bench_close_keep_errno(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
}

int bench_connect(const struct bench_addr *addr, int timeout_ms)
{
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	/* A blocking connect honours SO_SNDTIMEO, for TCP and for a unix
	 * socket whose backlog is full. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0 ||
	    bench_set_nonblock(fd) < 0) {
		bench_close_keep_errno(fd);
		return -1;
	}
	bench_set_nodelay(addr, fd);
	return fd;
}

int bench_listen(const struct bench_addr *addr, int backlog)
{
	int on = 1;
	int fd = socket(addr->ss.ss_family,
			SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (addr->is_unix) {
		const struct sockaddr_un *sun =
		    (const struct sockaddr_un *)&addr->ss;
		struct stat st;

		if (lstat(sun->sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
			(void)unlink(sun->sun_path);
	} else {
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	}
	if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0 ||
	    listen(fd, backlog) < 0) {
		bench_close_keep_errno(fd);
		return -1;
	}
	return fd;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
