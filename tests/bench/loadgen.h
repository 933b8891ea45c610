/*
 * loadgen: what the load generator's event loop (loadgen.c) shares with its
 * set-up (loadgen_setup.c: options, requests) and its report
 * (loadgen_report.c: the measured counters, samples of the server process
 * taken from /proc).
 */
#ifndef MAILMAP_LOADGEN_H
#define MAILMAP_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "bench_proto.h"

/* The command line (loadgen.c's header comment has the usage). */
struct lg_options {
	const char *unix_path, *tcp;	 /* the server: exactly one is set */
	const char *keys_path, *payload; /* the requests: exactly one is set */
	const char *proto;		 /* "socketmap", "policy" or "dict" */
	const char *preamble; /* argument of the protocol's connection
				 preamble (dict: the dict name); NULL:
				 the protocol's default */
	bool once; /* each request sent at most once, in order, by any
		      connection; the run ends when none is left */
	unsigned connections;
	size_t requests;      /* bound on measured requests */
	double seconds;	      /* bound on the measured phase */
	double warmup;	      /* unmeasured load before it */
	double connect_retry; /* how long the first connect may retry */
	pid_t server_pid;     /* sampled from /proc; 0: not */
	bool server_tree;     /* ... with its descendants (--server-tree) */
};

/* Every request, framed once: request i is bytes[offset[i]..offset[i+1]). */
struct lg_requests {
	char *bytes;
	size_t *offset;
	size_t count, size, cap;
	size_t overhead; /* the most a frame added to its payload so far */
};

/* Frames payload as one more request; 0 or -1 (too many, too long). */
int lg_requests_add(struct lg_requests *reqs, const struct bench_proto *proto,
		    const char *payload, size_t len);
/* Adds one request per non-empty line of path; 0 or -1 (said on stderr). */
int lg_requests_load(struct lg_requests *reqs, const struct bench_proto *proto,
		     const char *path);

/* Parses the command line into *opt; 0 or -1 (then call lg_usage()). */
int lg_options_parse(int argc, char **argv, struct lg_options *opt);
/* Prints the usage on stderr; returns the exit status 1. */
int lg_usage(void);

/* What the measured phase produced. lat_ns holds one latency per
 * completed request (capacity: the --requests bound), saturating at
 * UINT32_MAX ns (4.29 s). */
struct lg_stats {
	uint32_t *lat_ns;
	size_t issued;	  /* requests sent in the measured phase */
	size_t completed; /* of those, answered (any answer) */
	size_t answers[BENCH_ANSWER_KINDS]; /* answers by kind */
	size_t conn_errors; /* measured requests lost with their connection */
	uint64_t start_ns;  /* start of the measured phase */
	uint64_t last_ns;   /* last measured answer */
	uint64_t first_answer_unix_us; /* CLOCK_REALTIME of the first one */
	struct rusage usage_start, usage_end; /* this process */
};

/* One sample of a process, from /proc/PID/{stat,status,smaps_rollup}; of
 * a process tree, the sums over its processes. */
struct lg_proc_sample {
	bool ok;
	unsigned processes; /* how many were summed */
	uint64_t cpu_ticks; /* utime + stime, all threads (tree: + cutime
			       + cstime, the children waited for) */
	uint64_t minflt;    /* minor page faults, all threads (tree: +
			       cminflt) */
	long rss_kb, anon_kb, file_kb, shmem_kb; /* status: VmRSS, Rss* */
	long priv_clean_kb, priv_dirty_kb;	 /* smaps_rollup */
};

/* Samples pid (0: leaves *sample_r not ok); with tree, also every
 * descendant (/proc/PID/task/TID/children), and what the children that
 * were waited for used. Memory is read only when with_memory. */
void lg_proc_sample(pid_t pid, bool tree, bool with_memory,
		    struct lg_proc_sample *sample_r);

/* Measured requests still unanswered when the run ended (after the
 * drain's wait): a server that does not serve every connection. */
size_t lg_unanswered(const struct lg_stats *stats);

/* Prints the one result line on stdout:
 * requests= seconds= rps= p50_us= p99_us= p999_us= errors= (failed
 * answers, requests lost with their connection, unanswered ones) and
 * details:
 * the answers by the kinds proto reports (found= notfound= failed= for
 * socketmap and dict; dunno= defer= other= failed= for policy),
 * first_answer_unix_us (when the first measured answer came, for start-up
 * timing). Sorts stats->lat_ns. server_pid 0: no srv_ fields; srv_procs=
 * is the number of processes sampled at the end. */
void lg_report(struct lg_stats *stats, const struct bench_proto *proto,
	       unsigned connections, pid_t server_pid,
	       const struct lg_proc_sample *srv_start,
	       const struct lg_proc_sample *srv_end);

#endif
