/*
 * metrics: what mailmapd counts, and its Prometheus text exposition
 * (served by metrics_http.c on a "metrics" listener).
 *
 * Each worker counts in a block of its own (one writer: a relaxed load
 * and store, no lock, no shared cache line); a scrape sums the blocks
 * with relaxed loads, so a sum may miss a request counted that very
 * instant, never count one twice. Series:
 *
 *   mailmap_requests_total{listener, protocol, name, outcome}
 *       name: the socketmap map, the dict name, or the policy check that
 *       decided ("none" when none did); outcome: found / notfound / temp
 *       / perm (socketmap), found / notfound / failed (dict: the reply's
 *       first code), dunno / reject / defer_if_permit / prepend (policy)
 *   mailmap_request_duration_seconds{protocol, name} histogram
 *   mailmap_connections_accepted_total, _refused_total, _closed_total,
 *       mailmap_connections_open{listener}
 *   mailmap_store_errors_total{store}: config or state store reads and
 *       writes that failed on the request path
 */
#ifndef MAILMAP_METRICS_H
#define MAILMAP_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum metrics_proto {
	METRICS_SOCKETMAP,
	METRICS_POLICY,
	METRICS_DICT,
	METRICS_PROTO_COUNT
};

enum metrics_store { METRICS_STORE_CONFIG, METRICS_STORE_STATE };

#define METRICS_LISTENERS_MAX 64 /* config_listeners.c's limit */
#define METRICS_NAMES_MAX     8
#define METRICS_OUTCOMES_MAX  4
#define METRICS_BUCKETS	      14 /* the last one is +Inf */

typedef atomic_uint_fast64_t metrics_counter;

/* One worker's counts. */
struct metrics_block {
	metrics_counter requests[METRICS_LISTENERS_MAX][METRICS_NAMES_MAX]
				[METRICS_OUTCOMES_MAX];
	metrics_counter buckets[METRICS_PROTO_COUNT][METRICS_NAMES_MAX]
			       [METRICS_BUCKETS];
	metrics_counter duration_ns[METRICS_PROTO_COUNT][METRICS_NAMES_MAX];
	metrics_counter accepted[METRICS_LISTENERS_MAX];
	metrics_counter refused[METRICS_LISTENERS_MAX];
	metrics_counter closed[METRICS_LISTENERS_MAX];
	metrics_counter store_errors[2];
	metrics_counter greylist_queued; /* a gauge: triplets not written yet */
};

/* A protocol's names and outcomes, as the labels write them. */
struct metrics_labels {
	const char *protocol;
	const char *const *names; /* NULL-terminated */
	const char *const *outcomes;
};

extern const struct metrics_labels metrics_labels[METRICS_PROTO_COUNT];

/* Prepares the name tables; once, before the workers start. */
void metrics_init(void);

/* The index of name among the protocol's names (its last, "other" or
 * "none", for one not listed). */
unsigned metrics_name_index(enum metrics_proto proto, const char *name,
			    size_t len);

/* One writer per block: a plain add, published with a relaxed store. */
static inline void metrics_add(metrics_counter *c, uint64_t n)
{
	atomic_store_explicit(c,
			      atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* A request answered: its listener, name, outcome and duration. */
void metrics_request(struct metrics_block *block, size_t listener,
		     enum metrics_proto proto, unsigned name, unsigned outcome,
		     uint64_t duration_ns);

/* What a scrape writes besides the blocks. */
struct metrics_listener_info {
	const char *name; /* path or address */
	int proto;	  /* enum metrics_proto, -1: not a request listener */
};

/* Writes the requests, durations, connections and store errors, summed
 * over blocks[0..count), in the text exposition format. */
void metrics_write(FILE *out, struct metrics_block *const *blocks, size_t count,
		   const struct metrics_listener_info *listeners,
		   size_t listener_count);

/* Writes one gauge or counter with its HELP and TYPE lines (no label). */
struct replica_status;
/* The multi-host series (metrics_replica.c); nothing when status is
 * NULL (single host). */
void metrics_write_replica(FILE *out, const struct replica_status *status);

void metrics_write_single(FILE *out, const char *name, const char *type,
			  const char *help, double value);

#endif
