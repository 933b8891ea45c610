/*
 * lmtp_sink - a tiny LMTP server for the Postfix integration tests.
 *
 *   lmtp_sink -o LOG -r READY [-l PORT]... [-i IDLE_SECONDS] [-t SECONDS]
 *
 * Listens on 127.0.0.1:PORT for every -l (0, the default, picks a free
 * port), writes the bound ports, one a line, to READY once it accepts
 * connections, and answers LHLO, MAIL, RCPT, DATA, RSET, NOOP and QUIT
 * (RFC 2033): every RCPT is accepted, and after the data one 250 per
 * accepted recipient. EHLO and HELO are taken for LHLO, so a client that
 * sends one message to one recipient over SMTP (Pigeonhole's replies
 * through submission_host) is served too. Each message delivered is appended to
 * LOG in one write:
 *
 *   message PORT from SENDER
 *   rcpt PORT RECIPIENT          (one line per recipient)
 *   | message line               (the message, unstuffed, CRLF -> LF)
 *   end
 *
 * Single-threaded, one connection at a time. Bounded: exits 0 on SIGTERM
 * or SIGINT, after IDLE_SECONDS (default 60) without a connection, and
 * after SECONDS in all (-t, default 600); a client silent for 30 s is
 * dropped. Never use it outside tests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SINK_MAX_LISTENERS 8
#define SINK_LINE_MAX	   4096
#define SINK_CLIENT_IDLE   30 /* seconds */
#define SINK_MAX_RCPT	   1000

/* One client connection: its socket, input buffer and envelope. */
struct sink_conn {
	int fd;
	unsigned port; /* the listener it came in on */
	char in[SINK_LINE_MAX * 2];
	size_t in_len;
	char *from;
	char *rcpt[SINK_MAX_RCPT];
	size_t rcpt_count;
};

/* A growing text buffer: one message record. */
struct sink_buf {
	char *data;
	size_t len, cap;
};

static volatile sig_atomic_t sink_stop;

static void sink_on_signal(int sig)
{
	(void)sig;
	sink_stop = 1;
}

static void sink_die(const char *what)
{
	fprintf(stderr, "lmtp_sink: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void sink_buf_add(struct sink_buf *buf, const char *s, size_t len)
{
	if (buf->len + len + 1 > buf->cap) {
		size_t cap = buf->cap ? buf->cap : 1024;
		while (cap < buf->len + len + 1)
			cap *= 2;
		buf->data = realloc(buf->data, cap);
		if (buf->data == NULL)
			sink_die("realloc");
		buf->cap = cap;
	}
	memcpy(buf->data + buf->len, s, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

static void sink_buf_printf(struct sink_buf *buf, const char *fmt, ...)
{
	char line[SINK_LINE_MAX + 256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		sink_buf_add(buf, line,
			     (size_t)n < sizeof(line) ? (size_t)n
						      : sizeof(line) - 1);
}

static int sink_listen(unsigned port, unsigned *bound_r)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons((unsigned short)port)};
	socklen_t len = sizeof(sin);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		sink_die("socket");
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		sink_die("bind");
	if (listen(fd, 64) < 0)
		sink_die("listen");
	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		sink_die("getsockname");
	*bound_r = ntohs(sin.sin_port);
	return fd;
}

static void sink_send(struct sink_conn *c, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t n = write(c->fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the read side notices the dead client */
		off += (size_t)n;
	}
}

/* Reads one line (CRLF or LF stripped) into line: 1, or 0 on EOF, error,
 * timeout or a stop signal. Longer lines are cut at SINK_LINE_MAX. */
static int sink_read_line(struct sink_conn *c, char *line)
{
	for (;;) {
		char *nl = memchr(c->in, '\n', c->in_len);
		if (nl != NULL || c->in_len >= SINK_LINE_MAX) {
			size_t take = nl ? (size_t)(nl - c->in) + 1 : c->in_len;
			size_t len = nl ? take - 1 : take;
			if (len > 0 && c->in[len - 1] == '\r')
				len--;
			if (len >= SINK_LINE_MAX)
				len = SINK_LINE_MAX - 1;
			memcpy(line, c->in, len);
			line[len] = '\0';
			memmove(c->in, c->in + take, c->in_len - take);
			c->in_len -= take;
			return 1;
		}
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		int ready = poll(&pfd, 1, SINK_CLIENT_IDLE * 1000);
		if (ready < 0 && errno == EINTR && !sink_stop)
			continue;
		if (ready <= 0 || sink_stop)
			return 0;
		ssize_t n =
		    read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		c->in_len += (size_t)n;
	}
}

/* "MAIL FROM:<a> SIZE=1" -> "a" (malloc'ed). */
static char *sink_path(const char *arg)
{
	const char *lt = strchr(arg, '<'), *gt;
	char *path;

	if (lt == NULL)
		return strdup(arg);
	gt = strchr(lt, '>');
	if (gt == NULL)
		gt = lt + strlen(lt);
	path = strndup(lt + 1, (size_t)(gt - lt - 1));
	if (path == NULL)
		sink_die("strndup");
	return path;
}

static void sink_reset(struct sink_conn *c)
{
	free(c->from);
	c->from = NULL;
	for (size_t i = 0; i < c->rcpt_count; i++)
		free(c->rcpt[i]);
	c->rcpt_count = 0;
}

static void sink_store(const char *log_path, const struct sink_buf *rec)
{
	int fd =
	    open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		sink_die(log_path);
	if (write(fd, rec->data, rec->len) != (ssize_t)rec->len)
		sink_die("write");
	close(fd);
}

/* DATA: reads the message up to ".", logs it, answers per recipient. */
static int sink_data(struct sink_conn *c, const char *log_path)
{
	struct sink_buf rec = {0};
	char line[SINK_LINE_MAX];

	if (c->from == NULL || c->rcpt_count == 0) {
		sink_send(c, "503 5.5.1 need MAIL and RCPT first\r\n");
		return 1;
	}
	sink_send(c, "354 go ahead\r\n");
	sink_buf_printf(&rec, "message %u from %s\n", c->port, c->from);
	for (size_t i = 0; i < c->rcpt_count; i++)
		sink_buf_printf(&rec, "rcpt %u %s\n", c->port, c->rcpt[i]);
	for (;;) {
		if (!sink_read_line(c, line)) {
			free(rec.data);
			return 0;
		}
		if (strcmp(line, ".") == 0)
			break;
		sink_buf_printf(&rec, "| %s\n",
				line[0] == '.' ? line + 1 : line);
	}
	sink_buf_add(&rec, "end\n", 4);
	sink_store(log_path, &rec);
	free(rec.data);
	for (size_t i = 0; i < c->rcpt_count; i++)
		sink_send(c, "250 2.0.0 delivered\r\n");
	sink_reset(c);
	return 1;
}

static int sink_is(const char *line, const char *verb)
{
	return strncasecmp(line, verb, strlen(verb)) == 0;
}

/* One LMTP session, until QUIT, EOF or a timeout. */
static void sink_session(struct sink_conn *c, const char *log_path)
{
	char line[SINK_LINE_MAX];

	sink_send(c, "220 lmtp-sink LMTP ready\r\n");
	while (!sink_stop && sink_read_line(c, line)) {
		if (sink_is(line, "LHLO ") || sink_is(line, "EHLO ") ||
		    sink_is(line, "HELO ")) {
			sink_send(c, "250-lmtp-sink\r\n250-PIPELINING\r\n"
				     "250-ENHANCEDSTATUSCODES\r\n"
				     "250 8BITMIME\r\n");
		} else if (sink_is(line, "MAIL FROM:")) {
			sink_reset(c);
			c->from = sink_path(line + 10);
			sink_send(c, "250 2.1.0 ok\r\n");
		} else if (sink_is(line, "RCPT TO:")) {
			if (c->from == NULL || c->rcpt_count == SINK_MAX_RCPT) {
				sink_send(c, "503 5.5.1 bad sequence\r\n");
				continue;
			}
			c->rcpt[c->rcpt_count++] = sink_path(line + 8);
			sink_send(c, "250 2.1.5 ok\r\n");
		} else if (strcasecmp(line, "DATA") == 0) {
			if (!sink_data(c, log_path))
				break;
		} else if (strcasecmp(line, "RSET") == 0) {
			sink_reset(c);
			sink_send(c, "250 2.0.0 ok\r\n");
		} else if (strcasecmp(line, "NOOP") == 0) {
			sink_send(c, "250 2.0.0 ok\r\n");
		} else if (strcasecmp(line, "QUIT") == 0) {
			sink_send(c, "221 2.0.0 bye\r\n");
			break;
		} else {
			sink_send(c, "500 5.5.2 unknown command\r\n");
		}
	}
	sink_reset(c);
}

static void sink_write_ready(const char *path, const unsigned *ports,
			     size_t count)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		sink_die(tmp);
	for (size_t i = 0; i < count; i++)
		fprintf(f, "%u\n", ports[i]);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		sink_die(path);
}

static void sink_usage(void)
{
	fprintf(stderr, "usage: lmtp_sink -o LOG -r READY [-l PORT]... "
			"[-i IDLE_SECONDS] [-t SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned ports[SINK_MAX_LISTENERS];
	struct pollfd pfds[SINK_MAX_LISTENERS];
	const char *log_path = NULL, *ready_path = NULL;
	long idle = 60, total = 600;
	size_t count = 0;
	int opt;

	while ((opt = getopt(argc, argv, "o:r:l:i:t:")) != -1) {
		switch (opt) {
		case 'o':
			log_path = optarg;
			break;
		case 'r':
			ready_path = optarg;
			break;
		case 'l':
			if (count == SINK_MAX_LISTENERS)
				sink_usage();
			ports[count++] = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			idle = strtol(optarg, NULL, 10);
			break;
		case 't':
			total = strtol(optarg, NULL, 10);
			break;
		default:
			sink_usage();
		}
	}
	if (log_path == NULL || ready_path == NULL || idle <= 0 || total <= 0)
		sink_usage();
	if (count == 0)
		ports[count++] = 0;

	struct sigaction sa = {.sa_handler = sink_on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (size_t i = 0; i < count; i++) {
		pfds[i].fd = sink_listen(ports[i], &ports[i]);
		pfds[i].events = POLLIN;
	}
	sink_write_ready(ready_path, ports, count);

	time_t start = time(NULL), last = start;
	while (!sink_stop) {
		time_t now = time(NULL);
		if (now - last >= idle || now - start >= total)
			break;
		int ready = poll(pfds, count, 1000);
		if (ready <= 0)
			continue;
		for (size_t i = 0; i < count && !sink_stop; i++) {
			if ((pfds[i].revents & POLLIN) == 0)
				continue;
			static struct sink_conn conn;
			conn.fd = accept4(pfds[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (conn.fd < 0)
				continue;
			conn.port = ports[i];
			conn.in_len = 0;
			sink_session(&conn, log_path);
			close(conn.fd);
			last = time(NULL);
		}
	}
	return 0;
}
