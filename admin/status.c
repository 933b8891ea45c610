/* status: `mailmapctl status`; see status.h. */
#include "status.h"

#include <stdlib.h>
#include <string.h>

#include "fields.h"

#define STATUS_ROWS_MAX	   64
#define STATUS_OUTCOMES	   4
#define STATUS_BUCKETS_MAX 16

/* One protocol/name: its requests by outcome and its histogram. */
struct status_row {
	char protocol[16];
	char name[32];
	char outcomes[STATUS_OUTCOMES][24];
	double counts[STATUS_OUTCOMES];
	double total;
	double bounds[STATUS_BUCKETS_MAX]; /* le, cumulative counts */
	double cumulative[STATUS_BUCKETS_MAX];
	size_t bucket_count;
};

struct status_report {
	struct status_row rows[STATUS_ROWS_MAX];
	size_t row_count;
	const struct status_sample *samples;
	size_t sample_count;
};

static struct status_row *status_row(struct status_report *r,
				     const struct status_sample *s)
{
	const char *protocol = status_label(s, "protocol");
	const char *name = status_label(s, "name");

	for (size_t i = 0; i < r->row_count; i++) {
		if (strcmp(r->rows[i].protocol, protocol) == 0 &&
		    strcmp(r->rows[i].name, name) == 0)
			return &r->rows[i];
	}
	if (r->row_count == STATUS_ROWS_MAX)
		return NULL;
	struct status_row *row = &r->rows[r->row_count++];
	memset(row, 0, sizeof(*row));
	snprintf(row->protocol, sizeof(row->protocol), "%s", protocol);
	snprintf(row->name, sizeof(row->name), "%s", name);
	return row;
}

/* Requests: summed over the listeners, outcome by outcome. */
static void status_add_request(struct status_row *row,
			       const struct status_sample *s)
{
	const char *outcome = status_label(s, "outcome");

	for (size_t o = 0; o < STATUS_OUTCOMES; o++) {
		if (row->outcomes[o][0] == '\0')
			snprintf(row->outcomes[o], sizeof(row->outcomes[o]),
				 "%s", outcome);
		if (strcmp(row->outcomes[o], outcome) == 0) {
			row->counts[o] += s->value;
			row->total += s->value;
			return;
		}
	}
}

static void status_add_bucket(struct status_row *row,
			      const struct status_sample *s)
{
	const char *le = status_label(s, "le");

	if (row->bucket_count == STATUS_BUCKETS_MAX)
		return;
	row->bounds[row->bucket_count] =
	    strcmp(le, "+Inf") == 0 ? -1 : strtod(le, NULL);
	row->cumulative[row->bucket_count++] = s->value;
}

static void status_collect(struct status_report *r)
{
	for (size_t i = 0; i < r->sample_count; i++) {
		const struct status_sample *s = &r->samples[i];
		struct status_row *row;
		bool request = strcmp(s->name, "mailmap_requests_total") == 0;
		bool bucket = strcmp(s->name, "mailmap_request_duration_"
					      "seconds_bucket") == 0;
		if ((!request && !bucket) || (row = status_row(r, s)) == NULL)
			continue;
		if (request)
			status_add_request(row, s);
		else
			status_add_bucket(row, s);
	}
}

/* The upper bound of the bucket holding quantile q, as text. */
static const char *status_quantile(const struct status_row *row, double q,
				   char *out, size_t size)
{
	double total =
	    row->bucket_count != 0 ? row->cumulative[row->bucket_count - 1] : 0;

	snprintf(out, size, "-");
	for (size_t b = 0; total > 0 && b < row->bucket_count; b++) {
		if (row->cumulative[b] < q * total)
			continue;
		if (row->bounds[b] < 0)
			snprintf(out, size, ">100ms");
		else if (row->bounds[b] < 0.001)
			snprintf(out, size, "<=%gus", row->bounds[b] * 1e6);
		else
			snprintf(out, size, "<=%gms", row->bounds[b] * 1e3);
		break;
	}
	return out;
}

/* The first sample of a name (with a label's value, or any). */
static double status_value(const struct status_report *r, const char *name,
			   const char *label, const char *value)
{
	for (size_t i = 0; i < r->sample_count; i++) {
		const struct status_sample *s = &r->samples[i];
		if (strcmp(s->name, name) == 0 &&
		    (label == NULL ||
		     strcmp(status_label(s, label), value) == 0))
			return s->value;
	}
	return 0;
}

static void status_print_rows(FILE *out, const struct status_report *r)
{
	char p50[32], p99[32];

	fprintf(out, "%-10s %-19s %9s  %-40s %9s %9s\n", "protocol", "name",
		"requests", "outcomes", "p50", "p99");
	for (size_t i = 0; i < r->row_count; i++) {
		const struct status_row *row = &r->rows[i];
		char outcomes[128] = "";
		if (row->total == 0)
			continue;
		for (size_t o = 0; o < STATUS_OUTCOMES; o++) {
			if (row->counts[o] == 0)
				continue;
			snprintf(outcomes + strlen(outcomes),
				 sizeof(outcomes) - strlen(outcomes),
				 "%s%s %.0f", outcomes[0] != '\0' ? ", " : "",
				 row->outcomes[o], row->counts[o]);
		}
		fprintf(out, "%-10s %-19s %9.0f  %-40s %9s %9s\n",
			row->protocol, row->name, row->total, outcomes,
			status_quantile(row, 0.5, p50, sizeof(p50)),
			status_quantile(row, 0.99, p99, sizeof(p99)));
	}
}

static void status_print_listeners(FILE *out, const struct status_report *r)
{
	fprintf(out, "\n%-48s %6s %9s %8s\n", "listener", "open", "accepted",
		"refused");
	for (size_t i = 0; i < r->sample_count; i++) {
		const struct status_sample *s = &r->samples[i];
		const char *l = status_label(s, "listener");
		if (strcmp(s->name, "mailmap_connections_open") != 0)
			continue;
		fprintf(out, "%-48s %6.0f %9.0f %8.0f\n", l, s->value,
			status_value(r, "mailmap_connections_accepted_total",
				     "listener", l),
			status_value(r, "mailmap_connections_refused_total",
				     "listener", l));
	}
}

static bool status_has(const struct status_report *r, const char *name)
{
	for (size_t i = 0; i < r->sample_count; i++) {
		if (strcmp(r->samples[i].name, name) == 0)
			return true;
	}
	return false;
}

/* Multi-host mode: how current this host's replica is (a replica not
 * confirmed current for REPLICA_STALE_S is called stale). */
#define REPLICA_STALE_S 10
static void status_print_replica(FILE *out, const struct status_report *r)
{
	double stale =
	    status_value(r, "mailmap_replica_staleness_seconds", NULL, NULL);
	char current[64] = "never confirmed current";

	if (!status_has(r, "mailmap_replica_revision"))
		return;
	if (stale >= 0)
		snprintf(current, sizeof(current),
			 "confirmed current %.0f s "
			 "ago%s",
			 stale, stale >= REPLICA_STALE_S ? " (STALE)" : "");
	fprintf(out,
		"replica: etcd revision %.0f (latest seen %.0f), watch "
		"%s, %s\n",
		status_value(r, "mailmap_replica_revision", NULL, NULL),
		status_value(r, "mailmap_replica_etcd_revision", NULL, NULL),
		status_value(r, "mailmap_replica_watch_up", NULL, NULL) != 0
		    ? "up"
		    : "DOWN",
		current);
	fprintf(out,
		"replica: %.0f revisions applied, %.0f bootstraps, %.0f "
		"failures\n",
		status_value(r, "mailmap_replica_applied_total", NULL, NULL),
		status_value(r, "mailmap_replica_bootstraps_total", NULL, NULL),
		status_value(r, "mailmap_replica_failures_total", NULL, NULL));
}

static void status_print_text(FILE *out, const struct status_report *r,
			      const char *where)
{
	fprintf(out, "mailmapd at %s\n\n", where);
	status_print_rows(out, r);
	status_print_listeners(out, r);
	fprintf(
	    out, "\nstore errors: config %.0f, state %.0f\n",
	    status_value(r, "mailmap_store_errors_total", "store", "config"),
	    status_value(r, "mailmap_store_errors_total", "store", "state"));
	fprintf(
	    out,
	    "greylisting: %.0f waiting to be written, %.0f sweeps "
	    "(%.0f entries removed, %.0f failed)\n",
	    status_value(r, "mailmap_greylist_queue_depth", NULL, NULL),
	    status_value(r, "mailmap_greylist_sweeps_total", NULL, NULL),
	    status_value(r, "mailmap_greylist_swept_entries_total", NULL, NULL),
	    status_value(r, "mailmap_greylist_sweep_failures_total", NULL,
			 NULL));
	fprintf(out,
		"state store: %.0f KiB used of a %.0f MiB map, %.0f free "
		"pages\n",
		status_value(r, "mailmap_state_store_used_bytes", NULL, NULL) /
		    1024,
		status_value(r, "mailmap_state_store_map_bytes", NULL, NULL) /
		    1048576,
		status_value(r, "mailmap_state_store_free_pages", NULL, NULL));
	status_print_replica(out, r);
}

/* --json: every sample as {"name":..., "labels":{...}, "value":...}. */
static void status_print_json(FILE *out, const struct status_report *r,
			      const char *where)
{
	fputs("{\"source\":", out);
	fields_json_string(where, out);
	fputs(",\"samples\":[", out);
	for (size_t i = 0; i < r->sample_count; i++) {
		const struct status_sample *s = &r->samples[i];
		fputs(i != 0 ? ",{\"name\":" : "{\"name\":", out);
		fields_json_string(s->name, out);
		fputs(",\"labels\":{", out);
		for (size_t l = 0; l < s->label_count; l++) {
			if (l != 0)
				fputc(',', out);
			fields_json_string(s->labels[l].name, out);
			fputc(':', out);
			fields_json_string(s->labels[l].value, out);
		}
		fprintf(out, "},\"value\":%.17g}", s->value);
	}
	fputs("]}\n", out);
}

int status_main(struct ctl *ctl, int argc, char **argv)
{
	const struct config_listener *l = status_listener(ctl->config);
	struct status_report *report;
	struct status_sample *samples;
	bool json = ctl->json;
	const char *error;
	char where[512], *text;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0) {
			fprintf(ctl->err,
				"usage: mailmapctl status [--json]\n");
			return CTL_INPUT;
		}
		json = true;
	}
	if (l == NULL) {
		fprintf(ctl->err, "mailmapctl: status: no \"metrics\" listener "
				  "in the configuration (mailmapd.conf(5))\n");
		return CTL_INPUT;
	}
	if (status_fetch(l, &text, where, sizeof(where), &error) < 0) {
		fprintf(ctl->err, "mailmapctl: status: %s: %s\n", where, error);
		return CTL_TEMPFAIL;
	}
	report = calloc(1, sizeof(*report));
	report->sample_count = status_parse(text, &samples);
	report->samples = samples;
	status_collect(report);
	if (json)
		status_print_json(ctl->out, report, where);
	else
		status_print_text(ctl->out, report, where);
	free(samples);
	free(report);
	free(text);
	return CTL_OK;
}
