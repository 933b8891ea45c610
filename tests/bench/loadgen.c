/*
 * loadgen: a load generator for mailmapd's protocols (socketmap, policy and
 * dict; see bench_proto.h). N non-blocking connections on one
 * epoll loop, each with exactly one request in flight, as Postfix does
 * (protocols.md 1.4): a connection sends its next request only once the
 * reply to the previous one is complete. Replies are parsed incrementally
 * (they may arrive in pieces); a reply that is not OK/NOTFOUND (socketmap),
 * that has no action (policy) or that is not O/M/N (dict) counts as an
 * error, and so does a connection lost with a request in flight (it is
 * then reopened, at most LG_MAX_RECONNECTS times in all). Policy actions
 * are counted by kind (dunno, defer, other), none of them an error.
 *
 *   loadgen (--unix PATH | --tcp HOST:PORT) (--keys FILE | --payload "map key")
 *           [--connections N] [--requests TOTAL] [--seconds S] [--warmup S]
 *           [--connect-retry S] [--server-pid PID | --server-tree PID]
 *           [--proto|--mode socketmap|policy|dict] [--preamble ARG]
 *           [--once]
 *
 * Requests cycle through the lines of --keys (one request payload per
 * line: "map key" for socketmap, "CLIENT SENDER RECIPIENT [name=value...]"
 * for policy, see bench_proto_policy.c, "USER" or "KEY USER" for dict, see
 * bench_proto_dict.c), each connection starting at its own offset. With
 * --once they do not cycle: the connections take the lines in order from
 * one shared cursor, each line is sent once (for workloads where every
 * request must be new, such as greylisting's first sightings), and the run
 * ends when none is left. Every request is framed once, before the run.
 * The measured phase follows --warmup and ends after --requests requests
 * or --seconds, whichever comes first; the requests then in flight are
 * waited for (at most LG_DRAIN_NS; those still unanswered then count as
 * errors). The result is one line on stdout (loadgen_report.c).
 *
 * A protocol with a connection preamble (dict: the handshake naming the
 * dict, --preamble NAME, default auth) has it sent on every connection,
 * new or reopened, in the same write as the connection's first request.
 * --server-pid PID samples that process's CPU time and memory from /proc;
 * --server-tree PID the process and its descendants (loadgen_report.c).
 *
 * Exit: 0 answers and no errors, 3 answers with errors, 2 no answer at all,
 * 1 bad usage or set-up failure.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "bench_net.h"
#include "bench_proto.h"
#include "loadgen.h"

#define LG_CONNECT_TIMEOUT_MS 5000
#define LG_DRAIN_NS	      2000000000ull
#define LG_MAX_RECONNECTS     1000
#define LG_MAX_COMPLAINTS     5
#define LG_EPOLL_BATCH	      256

struct lg_conn {
	int fd;		  /* -1: gone */
	size_t next;	  /* the request to send next */
	size_t current;	  /* the request in flight */
	size_t written;	  /* bytes of it written so far */
	size_t head_left; /* bytes of the preamble still to write first */
	uint64_t sent_ns; /* when it was sent */
	bool busy;	  /* a request is in flight */
	bool measured;	  /* ... and it was sent in the measured phase */
	bool want_out;	  /* EPOLLOUT is armed */
	char *in;	  /* the reply so far */
	size_t in_len, in_cap;
};

enum lg_phase { LG_WARMUP, LG_MEASURE, LG_DRAIN, LG_DONE };

struct lg_run {
	const struct lg_options *opt;
	const struct bench_proto *proto;
	struct bench_addr addr;
	struct lg_requests reqs;
	char *preamble; /* sent first on every connection (NULL: none) */
	size_t preamble_len;
	struct lg_conn *conns;
	int epfd;
	enum lg_phase phase;
	uint64_t deadline_ns; /* end of the current phase */
	unsigned live, reconnects, complaints;
	size_t cursor; /* --once: the next request line to send */
	struct lg_stats stats;
	struct lg_proc_sample srv_start, srv_end;
};

static void lg_conn_issue(struct lg_run *run, struct lg_conn *conn);

static void lg_complain(struct lg_run *run, const char *what, int err)
{
	if (run->complaints++ < LG_MAX_COMPLAINTS)
		fprintf(stderr, "loadgen: %s%s%s\n", what, err ? ": " : "",
			err ? strerror(err) : "");
}

/* ---- phases ---------------------------------------------------------- */

static void lg_start_measure(struct lg_run *run, uint64_t now)
{
	run->phase = LG_MEASURE;
	run->deadline_ns = now + (uint64_t)(run->opt->seconds * 1e9);
	run->stats.start_ns = run->stats.last_ns = now;
	getrusage(RUSAGE_SELF, &run->stats.usage_start);
	lg_proc_sample(run->opt->server_pid, run->opt->server_tree, false,
		       &run->srv_start);
}

/* Takes the samples while the connections are still open. */
static void lg_finish(struct lg_run *run)
{
	run->phase = LG_DONE;
	getrusage(RUSAGE_SELF, &run->stats.usage_end);
	lg_proc_sample(run->opt->server_pid, run->opt->server_tree, true,
		       &run->srv_end);
}

static bool lg_measured_in_flight(const struct lg_run *run)
{
	return run->stats.completed + run->stats.conn_errors <
	       run->stats.issued;
}

/* --once, and every request line was sent. */
static bool lg_exhausted(const struct lg_run *run)
{
	return run->opt->once && run->cursor >= run->reqs.count;
}

/* Moves to the next phase when the current one is over. */
static void lg_advance(struct lg_run *run, uint64_t now)
{
	if (run->phase == LG_WARMUP && now >= run->deadline_ns)
		lg_start_measure(run, now);
	if (run->phase == LG_MEASURE &&
	    (now >= run->deadline_ns ||
	     run->stats.issued >= run->opt->requests || run->live == 0 ||
	     lg_exhausted(run))) {
		run->phase = LG_DRAIN;
		run->deadline_ns = now + LG_DRAIN_NS;
	}
	if (run->phase == LG_DRAIN &&
	    (now >= run->deadline_ns || !lg_measured_in_flight(run) ||
	     run->live == 0))
		lg_finish(run);
}

/* ---- connections ----------------------------------------------------- */

static int lg_conn_open(struct lg_run *run, struct lg_conn *conn)
{
	struct epoll_event ev = {.events = EPOLLIN};

	conn->fd = bench_connect(&run->addr, LG_CONNECT_TIMEOUT_MS);
	if (conn->fd < 0)
		return -1;
	ev.data.ptr = conn;
	if (epoll_ctl(run->epfd, EPOLL_CTL_ADD, conn->fd, &ev) < 0) {
		close(conn->fd);
		conn->fd = -1;
		return -1;
	}
	conn->want_out = conn->busy = false;
	conn->in_len = 0;
	conn->head_left = run->preamble_len;
	run->live++;
	return 0;
}

/* The connection is unusable: close it and, while requests are still
 * being sent, open it again. */
static void lg_conn_fail(struct lg_run *run, struct lg_conn *conn,
			 const char *why, int err)
{
	lg_complain(run, why, err);
	if (conn->busy && conn->measured)
		run->stats.conn_errors++;
	close(conn->fd); /* also removes it from the epoll set */
	conn->fd = -1;
	conn->busy = false;
	run->live--;
	if (run->phase > LG_MEASURE || run->reconnects >= LG_MAX_RECONNECTS)
		return;
	run->reconnects++;
	if (lg_conn_open(run, conn) < 0)
		lg_complain(run, "reconnect failed", errno);
	else
		lg_conn_issue(run, conn);
}

static void lg_conn_want_out(struct lg_run *run, struct lg_conn *conn,
			     bool want)
{
	struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0u)};

	if (conn->want_out == want)
		return;
	ev.data.ptr = conn;
	conn->want_out = want;
	if (epoll_ctl(run->epfd, EPOLL_CTL_MOD, conn->fd, &ev) < 0)
		lg_conn_fail(run, conn, "epoll_ctl", errno);
}

static size_t lg_request_len(const struct lg_requests *reqs, size_t i)
{
	return reqs->offset[i + 1] - reqs->offset[i];
}

/* Writes what is left of the preamble and of the request in flight, in
 * one system call when they fit. */
static void lg_conn_write(struct lg_run *run, struct lg_conn *conn)
{
	const struct lg_requests *reqs = &run->reqs;
	const char *frame = reqs->bytes + reqs->offset[conn->current];
	size_t len = lg_request_len(reqs, conn->current);

	while (conn->head_left > 0 || conn->written < len) {
		struct iovec iov[2];
		int count = 0;
		ssize_t n;

		if (conn->head_left > 0)
			iov[count++] = (struct iovec){
			    run->preamble + run->preamble_len - conn->head_left,
			    conn->head_left};
		iov[count++] = (struct iovec){(char *)frame + conn->written,
					      len - conn->written};
		n = writev(conn->fd, iov, count);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			lg_conn_want_out(run, conn, true);
			return;
		}
		if (n < 0) {
			lg_conn_fail(run, conn, "write", errno);
			return;
		}
		if ((size_t)n <= conn->head_left) {
			conn->head_left -= (size_t)n;
		} else {
			conn->written += (size_t)n - conn->head_left;
			conn->head_left = 0;
		}
	}
	lg_conn_want_out(run, conn, false);
}

/* Sends the connection's next request, if the phase allows one. */
static void lg_conn_issue(struct lg_run *run, struct lg_conn *conn)
{
	if (run->phase == LG_MEASURE &&
	    (run->stats.issued >= run->opt->requests || lg_exhausted(run)))
		lg_advance(run, bench_now_ns());
	if (run->phase > LG_MEASURE || conn->fd < 0 || lg_exhausted(run))
		return;
	if (run->opt->once) {
		conn->current = run->cursor++;
	} else {
		conn->current = conn->next;
		conn->next = (conn->next + 1) % run->reqs.count;
	}
	conn->written = 0;
	conn->busy = true;
	conn->measured = run->phase == LG_MEASURE;
	if (conn->measured)
		run->stats.issued++;
	conn->sent_ns = bench_now_ns();
	lg_conn_write(run, conn);
}

static uint64_t lg_unix_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void lg_record(struct lg_run *run, const struct lg_conn *conn,
		      enum bench_answer answer, uint64_t now)
{
	struct lg_stats *stats = &run->stats;
	uint64_t ns = now - conn->sent_ns;

	stats->lat_ns[stats->completed++] =
	    ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
	stats->last_ns = now;
	if (stats->completed == 1)
		stats->first_answer_unix_us = lg_unix_us();
	stats->answers[(unsigned)answer < BENCH_ANSWER_KINDS ? answer
							     : BENCH_FAILED]++;
}

/* Makes room for more reply bytes, up to the protocol's limit. */
static int lg_conn_grow(const struct lg_run *run, struct lg_conn *conn)
{
	size_t max = run->proto->max_reply + 64;
	size_t cap = conn->in_cap ? conn->in_cap * 2 : 512;
	char *in;

	if (conn->in_cap >= max)
		return -1;
	cap = cap < max ? cap : max;
	if ((in = realloc(conn->in, cap)) == NULL)
		return -1;
	conn->in = in;
	conn->in_cap = cap;
	return 0;
}

/* Looks for the complete reply in what was read so far. */
static void lg_conn_parse(struct lg_run *run, struct lg_conn *conn)
{
	enum bench_answer answer;
	size_t used;

	switch (
	    run->proto->decode_reply(conn->in, conn->in_len, &used, &answer)) {
	case BENCH_NEED_MORE:
		return;
	case BENCH_FRAME:
		break;
	default:
		lg_conn_fail(run, conn, "malformed reply", 0);
		return;
	}
	/* One request in flight: its reply comes after all of it, and nothing
	 * may follow the reply. */
	if (!conn->busy || used != conn->in_len ||
	    conn->written < lg_request_len(&run->reqs, conn->current)) {
		lg_conn_fail(run, conn, "unsolicited reply bytes", 0);
		return;
	}
	if (conn->measured)
		lg_record(run, conn, answer, bench_now_ns());
	conn->busy = false;
	conn->in_len = 0;
	lg_conn_issue(run, conn);
}

static void lg_conn_read(struct lg_run *run, struct lg_conn *conn)
{
	ssize_t n;

	if (conn->in_len == conn->in_cap && lg_conn_grow(run, conn) < 0) {
		lg_conn_fail(run, conn, "reply too long", 0);
		return;
	}
	n = read(conn->fd, conn->in + conn->in_len,
		 conn->in_cap - conn->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		lg_conn_fail(run, conn, n == 0 ? "server closed" : "read",
			     n == 0 ? 0 : errno);
		return;
	}
	conn->in_len += (size_t)n;
	lg_conn_parse(run, conn);
}

/* ---- the loop -------------------------------------------------------- */

static int lg_wait_ms(const struct lg_run *run, uint64_t now)
{
	uint64_t left = run->deadline_ns > now ? run->deadline_ns - now : 0;
	uint64_t ms = (left + 999999) / 1000000;

	return ms > 100 ? 100 : (int)ms;
}

static void lg_loop(struct lg_run *run)
{
	struct epoll_event evs[LG_EPOLL_BATCH];

	while (run->phase != LG_DONE) {
		uint64_t now = bench_now_ns();
		int n;

		lg_advance(run, now);
		if (run->phase == LG_DONE)
			break;
		n = epoll_wait(run->epfd, evs, LG_EPOLL_BATCH,
			       lg_wait_ms(run, now));
		for (int i = 0; i < n; i++) {
			struct lg_conn *conn = evs[i].data.ptr;

			if (conn->fd >= 0 && (evs[i].events & EPOLLOUT) &&
			    conn->busy)
				lg_conn_write(run, conn);
			if (conn->fd >= 0 &&
			    (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
				lg_conn_read(run, conn);
		}
	}
}

/* The first connection may wait for the server to come up. */
static int lg_open_first(struct lg_run *run, struct lg_conn *conn)
{
	uint64_t until =
	    bench_now_ns() + (uint64_t)(run->opt->connect_retry * 1e9);
	struct timespec pause = {0, 1000000};

	for (unsigned tries = 0; tries < 1000000; tries++) {
		if (lg_conn_open(run, conn) == 0)
			return 0;
		if (bench_now_ns() >= until)
			break;
		nanosleep(&pause, NULL);
	}
	return -1;
}

static int lg_open_all(struct lg_run *run)
{
	unsigned count = run->opt->connections;

	run->conns = calloc(count, sizeof(*run->conns));
	if (run->conns == NULL)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		struct lg_conn *conn = &run->conns[i];

		conn->fd = -1;
		conn->next =
		    (size_t)((unsigned long long)i * run->reqs.count / count);
		if ((i == 0 ? lg_open_first(run, conn)
			    : lg_conn_open(run, conn)) < 0) {
			fprintf(stderr, "loadgen: connect: %s\n",
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void lg_close_all(struct lg_run *run)
{
	for (unsigned i = 0; run->conns != NULL && i < run->opt->connections;
	     i++) {
		if (run->conns[i].fd >= 0)
			close(run->conns[i].fd);
		free(run->conns[i].in);
	}
	free(run->conns);
}

/* ---- main ------------------------------------------------------------ */

/* Frames the protocol's connection preamble, if it has one. */
static int lg_preamble(struct lg_run *run)
{
	size_t cap =
	    256 + (run->opt->preamble ? strlen(run->opt->preamble) * 2 : 0);

	if (run->proto->encode_preamble == NULL) {
		if (run->opt->preamble == NULL)
			return 0;
		fprintf(stderr, "loadgen: %s has no preamble\n",
			run->proto->name);
		return -1;
	}
	if ((run->preamble = malloc(cap)) == NULL)
		return -1;
	run->preamble_len =
	    run->proto->encode_preamble(run->preamble, cap, run->opt->preamble);
	if (run->preamble_len == 0) {
		fprintf(stderr, "loadgen: bad --preamble for %s\n",
			run->proto->name);
		return -1;
	}
	return 0;
}

static int lg_setup(struct lg_run *run, const struct lg_options *opt)
{
	const char *error = NULL;
	int ret;

	run->opt = opt;
	run->epfd = -1;
	if ((run->proto = bench_proto_find(opt->proto)) == NULL) {
		fprintf(stderr, "loadgen: unknown protocol %s\n", opt->proto);
		return -1;
	}
	ret = opt->unix_path
		  ? bench_addr_unix(opt->unix_path, &run->addr, &error)
		  : bench_addr_tcp(opt->tcp, &run->addr, &error);
	if (ret < 0) {
		fprintf(stderr, "loadgen: %s\n", error);
		return -1;
	}
	if (lg_preamble(run) < 0)
		return -1;
	ret = opt->keys_path
		  ? lg_requests_load(&run->reqs, run->proto, opt->keys_path)
		  : lg_requests_add(&run->reqs, run->proto, opt->payload,
				    strlen(opt->payload));
	/* Allocated and touched now: no page fault while measuring. */
	run->stats.lat_ns = malloc(opt->requests * sizeof(uint32_t));
	if (ret < 0 || run->stats.lat_ns == NULL)
		return -1;
	memset(run->stats.lat_ns, 0, opt->requests * sizeof(uint32_t));
	if ((run->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -1;
	return lg_open_all(run);
}

static int lg_run_all(struct lg_run *run)
{
	uint64_t now = bench_now_ns();

	if (run->opt->warmup > 0) {
		run->phase = LG_WARMUP;
		run->deadline_ns = now + (uint64_t)(run->opt->warmup * 1e9);
	} else {
		lg_start_measure(run, now);
	}
	for (unsigned i = 0; i < run->opt->connections; i++)
		lg_conn_issue(run, &run->conns[i]);
	lg_loop(run);
	lg_report(&run->stats, run->proto, run->opt->connections,
		  run->opt->server_pid, &run->srv_start, &run->srv_end);
	if (run->stats.completed == 0)
		return 2;
	return run->stats.answers[BENCH_FAILED] + run->stats.conn_errors +
		       lg_unanswered(&run->stats)
		   ? 3
		   : 0;
}

int main(int argc, char **argv)
{
	struct lg_options opt;
	struct lg_run run = {0};
	int status = 1;

	if (lg_options_parse(argc, argv, &opt) < 0)
		return lg_usage();
	signal(SIGPIPE, SIG_IGN);
	if (lg_setup(&run, &opt) == 0)
		status = lg_run_all(&run);
	lg_close_all(&run);
	if (run.epfd >= 0)
		close(run.epfd);
	free(run.stats.lat_ns);
	free(run.reqs.bytes);
	free(run.reqs.offset);
	free(run.preamble);
	return status;
}
