/* metrics: counts and their exposition; see metrics.h. */
#include "metrics.h"

#include <inttypes.h>
#include <string.h>

static const char *const socketmap_names[] = {
    "domains", "alias_domains", "mailboxes", "aliases",
    "senders", "transport",	"other",     NULL};
static const char *const socketmap_outcomes[] = {"found", "notfound", "temp",
						 "perm", NULL};
static const char *const policy_names[] = {
    "account",	   "sasl_forced", "disabled_recipient",
    "send_rights", "greylisting", "none",
    NULL};
static const char *const policy_outcomes[] = {
    "dunno", "reject", "defer_if_permit", "prepend", NULL};
static const char *const dict_names[] = {
    "auth", "userdb", "quota", "lastlogin", "sieve", "none", NULL};
static const char *const dict_outcomes[] = {"found", "notfound", "failed",
					    NULL};

const struct metrics_labels metrics_labels[METRICS_PROTO_COUNT] = {
    [METRICS_SOCKETMAP] = {"socketmap", socketmap_names, socketmap_outcomes},
    [METRICS_POLICY] = {"policy", policy_names, policy_outcomes},
    [METRICS_DICT] = {"dict", dict_names, dict_outcomes},
};

/* Upper bounds of the duration buckets, in nanoseconds and as written. */
static const uint64_t metrics_bounds_ns[METRICS_BUCKETS - 1] = {
    10000,   25000,   50000,	100000,	  250000,   500000,   1000000,
    2500000, 5000000, 10000000, 25000000, 50000000, 100000000};
static const char *const metrics_bounds[METRICS_BUCKETS] = {
    "1e-05",  "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005", "0.001",
    "0.0025", "0.005",	 "0.01",  "0.025",  "0.05",    "0.1",	 "+Inf"};

static size_t metrics_count_of(const char *const *list)
{
	size_t n = 0;

	while (list[n] != NULL)
		n++;
	return n;
}

/* The names' lengths, so the request path compares bytes only with the
 * one name of the same length and first byte (metrics_name_index). */
static size_t metrics_name_lengths[METRICS_PROTO_COUNT][METRICS_NAMES_MAX];
static size_t metrics_name_counts[METRICS_PROTO_COUNT];

void metrics_init(void)
{
	for (size_t p = 0; p < METRICS_PROTO_COUNT; p++) {
		const char *const *names = metrics_labels[p].names;
		metrics_name_counts[p] = metrics_count_of(names);
		for (size_t i = 0; names[i] != NULL; i++)
			metrics_name_lengths[p][i] = strlen(names[i]);
	}
}

unsigned metrics_name_index(enum metrics_proto proto, const char *name,
			    size_t len)
{
	const char *const *names = metrics_labels[proto].names;
	size_t count = metrics_name_counts[proto];

	for (size_t i = 0; name != NULL && len != 0 && i + 1 < count; i++) {
		if (metrics_name_lengths[proto][i] == len &&
		    names[i][0] == name[0] && memcmp(names[i], name, len) == 0)
			return (unsigned)i;
	}
	return count != 0 ? (unsigned)(count - 1) : 0;
}

void metrics_request(struct metrics_block *block, size_t listener,
		     enum metrics_proto proto, unsigned name, unsigned outcome,
		     uint64_t duration_ns)
{
	unsigned bucket = 0;

	if (listener >= METRICS_LISTENERS_MAX || name >= METRICS_NAMES_MAX ||
	    outcome >= METRICS_OUTCOMES_MAX)
		return;
	while (bucket < METRICS_BUCKETS - 1 &&
	       duration_ns > metrics_bounds_ns[bucket])
		bucket++;
	metrics_add(&block->requests[listener][name][outcome], 1);
	metrics_add(&block->buckets[proto][name][bucket], 1);
	metrics_add(&block->duration_ns[proto][name], duration_ns);
}

/* The sum of one counter over every block. */
static uint64_t metrics_sum(struct metrics_block *const *blocks, size_t count,
			    size_t offset)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < count; i++) {
		const metrics_counter *c =
		    (const metrics_counter *)((const char *)blocks[i] + offset);
		sum += atomic_load_explicit(c, memory_order_relaxed);
	}
	return sum;
}

#define METRICS_SUM(field)                                                     \
	metrics_sum(blocks, count, offsetof(struct metrics_block, field))

/* A label value: backslash, double quote and newline escaped. */
static void metrics_label(FILE *out, const char *value)
{
	for (; *value != '\0'; value++) {
		if (*value == '\\' || *value == '"')
			fputc('\\', out);
		if (*value == '\n')
			fputs("\\n", out);
		else
			fputc(*value, out);
	}
}

static void metrics_head(FILE *out, const char *name, const char *type,
			 const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metrics_write_requests(FILE *out,
				   struct metrics_block *const *blocks,
				   size_t count,
				   const struct metrics_listener_info *ls,
				   size_t listener_count)
{
	metrics_head(out, "mailmap_requests_total", "counter",
		     "Requests answered, by listener, protocol, name (map, "
		     "dict or deciding check) and outcome.");
	for (size_t l = 0; l < listener_count && l < METRICS_LISTENERS_MAX;
	     l++) {
		const struct metrics_labels *m;
		if (ls[l].proto < 0)
			continue;
		m = &metrics_labels[ls[l].proto];
		for (size_t n = 0; m->names[n] != NULL; n++) {
			for (size_t o = 0; m->outcomes[o] != NULL; o++) {
				fputs("mailmap_requests_total{listener=\"",
				      out);
				metrics_label(out, ls[l].name);
				fprintf(out,
					"\",protocol=\"%s\",name=\"%s\","
					"outcome=\"%s\"} %" PRIu64 "\n",
					m->protocol, m->names[n],
					m->outcomes[o],
					METRICS_SUM(requests[l][n][o]));
			}
		}
	}
}

static void metrics_write_durations(FILE *out,
				    struct metrics_block *const *blocks,
				    size_t count)
{
	metrics_head(out, "mailmap_request_duration_seconds", "histogram",
		     "Time to answer a request, by protocol and name.");
	for (size_t p = 0; p < METRICS_PROTO_COUNT; p++) {
		const struct metrics_labels *m = &metrics_labels[p];
		for (size_t n = 0; m->names[n] != NULL; n++) {
			uint64_t cumulative = 0;
			for (size_t b = 0; b < METRICS_BUCKETS; b++) {
				cumulative += METRICS_SUM(buckets[p][n][b]);
				fprintf(out,
					"mailmap_request_duration_seconds_"
					"bucket{protocol=\"%s\",name=\"%s\","
					"le=\"%s\"} %" PRIu64 "\n",
					m->protocol, m->names[n],
					metrics_bounds[b], cumulative);
			}
			fprintf(out,
				"mailmap_request_duration_seconds_sum{"
				"protocol=\"%s\",name=\"%s\"} %.9f\n"
				"mailmap_request_duration_seconds_count{"
				"protocol=\"%s\",name=\"%s\"} %" PRIu64 "\n",
				m->protocol, m->names[n],
				(double)METRICS_SUM(duration_ns[p][n]) / 1e9,
				m->protocol, m->names[n], cumulative);
		}
	}
}

/* One counter per listener. */
static void metrics_write_per_listener(FILE *out, const char *name,
				       const char *type, const char *help,
				       const uint64_t *values,
				       const struct metrics_listener_info *ls,
				       size_t listener_count)
{
	metrics_head(out, name, type, help);
	for (size_t l = 0; l < listener_count && l < METRICS_LISTENERS_MAX;
	     l++) {
		fprintf(out, "%s{listener=\"", name);
		metrics_label(out, ls[l].name);
		fprintf(out, "\"} %" PRIu64 "\n", values[l]);
	}
}

static void metrics_write_connections(FILE *out,
				      struct metrics_block *const *blocks,
				      size_t count,
				      const struct metrics_listener_info *ls,
				      size_t listener_count)
{
	uint64_t accepted[METRICS_LISTENERS_MAX],
	    refused[METRICS_LISTENERS_MAX];
	uint64_t closed[METRICS_LISTENERS_MAX], open[METRICS_LISTENERS_MAX];

	for (size_t l = 0; l < listener_count && l < METRICS_LISTENERS_MAX;
	     l++) {
		accepted[l] = METRICS_SUM(accepted[l]);
		refused[l] = METRICS_SUM(refused[l]);
		closed[l] = METRICS_SUM(closed[l]);
		/* counted in that order: never below zero */
		open[l] = accepted[l] > closed[l] ? accepted[l] - closed[l] : 0;
	}
	metrics_write_per_listener(out, "mailmap_connections_accepted_total",
				   "counter", "Connections accepted.", accepted,
				   ls, listener_count);
	metrics_write_per_listener(out, "mailmap_connections_refused_total",
				   "counter",
				   "Connections refused (allow list, "
				   "max_connections).",
				   refused, ls, listener_count);
	metrics_write_per_listener(out, "mailmap_connections_closed_total",
				   "counter", "Connections closed.", closed, ls,
				   listener_count);
	metrics_write_per_listener(out, "mailmap_connections_open", "gauge",
				   "Connections open now.", open, ls,
				   listener_count);
}

void metrics_write(FILE *out, struct metrics_block *const *blocks, size_t count,
		   const struct metrics_listener_info *listeners,
		   size_t listener_count)
{
	metrics_write_requests(out, blocks, count, listeners, listener_count);
	metrics_write_durations(out, blocks, count);
	metrics_write_connections(out, blocks, count, listeners,
				  listener_count);
	metrics_head(out, "mailmap_store_errors_total", "counter",
		     "Store reads and writes that failed on the request path.");
	fprintf(out,
		"mailmap_store_errors_total{store=\"config\"} %" PRIu64 "\n"
		"mailmap_store_errors_total{store=\"state\"} %" PRIu64 "\n",
		METRICS_SUM(store_errors[METRICS_STORE_CONFIG]),
		METRICS_SUM(store_errors[METRICS_STORE_STATE]));
}

void metrics_write_single(FILE *out, const char *name, const char *type,
			  const char *help, double value)
{
	metrics_head(out, name, type, help);
	fprintf(out, "%s %.17g\n", name, value);
}
