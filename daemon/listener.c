/* listener: unix and TCP listening sockets; see listener.h. */
#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTENER_BACKLOG 1024

struct listener {
	int fd;
	size_t index;
	const struct proto *proto;
	char *path; /* unix socket file to remove at close */
	dev_t dev;  /* ... if it is still the one bound (st_dev, st_ino) */
	ino_t ino;
	char name[300];
	atomic_uint active;
};

static _Thread_local char listener_error[512];

static const struct proto *listener_protocol(int protocol)
{
	switch (protocol) {
	case CONFIG_PROTO_SOCKETMAP:
		return &proto_socketmap;
	case CONFIG_PROTO_POLICY:
		return &proto_policy;
	case CONFIG_PROTO_DICT:
		return &proto_dict;
	default:
		return NULL;
	}
}

static int listener_fail(const char **error_r, const char *what,
			 const char *name)
{
	snprintf(listener_error, sizeof(listener_error), "%s %s: %s", what,
		 name, strerror(errno));
	*error_r = listener_error;
	return -1;
}

/* Sets owner, group and mode of a new unix socket. */
static int listener_unix_perms(const struct config_listener *conf,
			       const char **error_r)
{
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;

	if (conf->owner != NULL && conf->owner[0] != '\0') {
		struct passwd *pw = getpwnam(conf->owner);
		if (pw == NULL) {
			errno = ENOENT;
			return listener_fail(error_r, "unknown socket owner",
					     conf->owner);
		}
		uid = pw->pw_uid;
	}
	if (conf->group != NULL && conf->group[0] != '\0') {
		struct group *gr = getgrnam(conf->group);
		if (gr == NULL) {
			errno = ENOENT;
			return listener_fail(error_r, "unknown socket group",
					     conf->group);
		}
		gid = gr->gr_gid;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(conf->path, uid, gid) < 0)
		return listener_fail(error_r, "cannot chown", conf->path);
	if (chmod(conf->path, conf->mode) < 0)
		return listener_fail(error_r, "cannot chmod", conf->path);
	return 0;
}

/* Does a process accept connections on this unix socket? */
static bool listener_unix_in_use(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bool in_use;

	if (fd < 0)
		return false;
	/* EAGAIN: listening, its backlog full. ECONNREFUSED: left over. */
	in_use = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
		 errno == EAGAIN;
	close(fd);
	return in_use;
}

static int listener_bind_unix(struct listener *listener,
			      const struct config_listener *conf,
			      const char **error_r)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;

	if (strlen(conf->path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return listener_fail(error_r, "socket path", conf->path);
	}
	strcpy(sun.sun_path, conf->path);
	/* A socket left by a previous run; never remove anything else, nor
	 * the socket of a mailmapd still running (a second instance started
	 * by hand would take its clients, then remove it on exit). */
	if (lstat(conf->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (listener_unix_in_use(&sun)) {
			errno = EADDRINUSE;
			return listener_fail(
			    error_r, "another process listens on", conf->path);
		}
		unlink(conf->path);
	}
	listener->fd =
	    socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listener->fd < 0 ||
	    bind(listener->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    lstat(conf->path, &st) < 0)
		return listener_fail(error_r, "cannot bind", conf->path);
	listener->path = strdup(conf->path);
	listener->dev = st.st_dev;
	listener->ino = st.st_ino;
	snprintf(listener->name, sizeof(listener->name), "unix:%s", conf->path);
	return listener_unix_perms(conf, error_r);
}

/* "127.0.0.1:10040" or "[::1]:10040" -> a socket address. */
static int listener_parse_address(const char *text, struct sockaddr_storage *ss,
				  socklen_t *len_r)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':');
	size_t host_len = colon != NULL ? (size_t)(colon - text) : 0;
	char *end;
	long port = colon != NULL ? strtol(colon + 1, &end, 10) : 0;

	if (colon == NULL || *end != '\0' || port < 1 || port > 65535 ||
	    host_len == 0 || host_len >= sizeof(host))
		return -1;
	memcpy(host, text, host_len);
	host[host_len] = '\0';
	if (host[0] == '[' && host[host_len - 1] == ']') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		host[host_len - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len_r = sizeof(*sin6);
		return inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) == 1
			   ? 0
			   : -1;
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	*len_r = sizeof(*sin);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

static int listener_bind_tcp(struct listener *listener,
			     const struct config_listener *conf,
			     const char **error_r)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int one = 1;

	if (listener_parse_address(conf->address, &ss, &len) < 0) {
		errno = EINVAL;
		return listener_fail(error_r, "bad listen address",
				     conf->address);
	}
	listener->fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listener->fd < 0 ||
	    setsockopt(listener->fd, SOL_SOCKET, SO_REUSEADDR, &one,
		       sizeof(one)) < 0 ||
	    bind(listener->fd, (struct sockaddr *)&ss, len) < 0)
		return listener_fail(error_r, "cannot bind", conf->address);
	snprintf(listener->name, sizeof(listener->name), "inet:%s",
		 conf->address);
	return 0;
}

int listener_open(const struct config_listener *conf, size_t index,
		  struct listener **listener_r, const char **error_r)
{
	struct listener *listener = calloc(1, sizeof(*listener));
	int ret;

	if (listener == NULL)
		abort();
	listener->fd = -1;
	listener->index = index;
	/* metrics: no proto, the main loop's HTTP server takes it */
	listener->proto = listener_protocol(conf->protocol);
	ret = conf->path != NULL ? listener_bind_unix(listener, conf, error_r)
				 : listener_bind_tcp(listener, conf, error_r);
	if (ret == 0 && listen(listener->fd, LISTENER_BACKLOG) < 0)
		ret =
		    listener_fail(error_r, "cannot listen on", listener->name);
	if (ret < 0) {
		listener_close(&listener);
		return -1;
	}
	*listener_r = listener;
	return 0;
}

void listener_close(struct listener **listenerp)
{
	struct listener *listener = *listenerp;
	struct stat st;

	if (listener == NULL)
		return;
	if (listener->fd >= 0)
		close(listener->fd);
	/* Only our own socket: another may have replaced it since. */
	if (listener->path != NULL && lstat(listener->path, &st) == 0 &&
	    st.st_dev == listener->dev && st.st_ino == listener->ino)
		unlink(listener->path);
	free(listener->path);
	free(listener);
	*listenerp = NULL;
}

int listener_fd(const struct listener *listener)
{
	return listener->fd;
}

const char *listener_name(const struct listener *listener)
{
	return listener->name;
}

const struct proto *listener_proto(const struct listener *listener)
{
	return listener->proto;
}

size_t listener_index(const struct listener *listener)
{
	return listener->index;
}

const struct config_listener *listener_conf(const struct listener *listener,
					    const struct config *config)
{
	return &config->listeners[listener->index];
}

static bool listener_str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool listener_same_socket(const struct config_listener *a,
			  const struct config_listener *b)
{
	return a->protocol == b->protocol &&
	       listener_str_eq(a->path, b->path) &&
	       listener_str_eq(a->address, b->address) &&
	       listener_str_eq(a->owner, b->owner) &&
	       listener_str_eq(a->group, b->group) && a->mode == b->mode;
}

static bool listener_in_network(const struct config_network *net,
				const unsigned char *addr, int family)
{
	unsigned full = net->prefix / 8, rest = net->prefix % 8;

	if (net->family != family || memcmp(net->addr, addr, full) != 0)
		return false;
	return rest == 0 ||
	       ((net->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0;
}

/* Unix clients are allowed by the socket's permissions; TCP clients by
 * the allow list. IPv4-mapped IPv6 clients count as IPv4. */
static bool listener_allowed(const struct config_listener *conf,
			     const struct sockaddr_storage *ss, char *peer,
			     size_t peer_size)
{
	const unsigned char *addr;
	int family = ss->ss_family;

	if (family == AF_UNIX) {
		snprintf(peer, peer_size, "unix");
		return true;
	}
	if (family == AF_INET) {
		addr = (const unsigned char *)&((const struct sockaddr_in *)ss)
			   ->sin_addr;
	} else {
		addr = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr)) {
			addr += 12;
			family = AF_INET;
		}
	}
	inet_ntop(family, addr, peer, (socklen_t)peer_size);
	for (size_t i = 0; i < conf->allow_count; i++) {
		if (listener_in_network(&conf->allow[i], addr, family))
			return true;
	}
	return false;
}

bool listener_allows(const struct listener *listener,
		     const struct config *config,
		     const struct sockaddr_storage *addr)
{
	char peer[64];

	return listener_allowed(listener_conf(listener, config), addr, peer,
				sizeof(peer));
}

bool listener_admit(struct listener *listener, const struct config *config,
		    const struct sockaddr_storage *addr, char *peer,
		    size_t peer_size, const char **why_r)
{
	const struct config_listener *conf = listener_conf(listener, config);

	if (!listener_allowed(conf, addr, peer, peer_size)) {
		*why_r = "client not in the allow list";
		return false;
	}
	if (atomic_fetch_add(&listener->active, 1) >= conf->max_connections) {
		atomic_fetch_sub(&listener->active, 1);
		*why_r = "too many connections (max_connections)";
		return false;
	}
	return true;
}

void listener_release(struct listener *listener)
{
	atomic_fetch_sub(&listener->active, 1);
}

bool listener_serves(const struct listener *listener,
		     const struct config *config, const char *map,
		     size_t map_len)
{
	const struct config_listener *conf = listener_conf(listener, config);

	if (conf->map_count == 0)
		return true;
	for (size_t i = 0; i < conf->map_count; i++) {
		if (strlen(conf->maps[i]) == map_len &&
		    memcmp(conf->maps[i], map, map_len) == 0)
			return true;
	}
	return false;
}
