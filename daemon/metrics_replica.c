/* metrics_replica: the multi-host series of the metrics (replica/
 * follower.h); written only when mailmapd follows etcd. */
#include "metrics.h"

#include <time.h>

#include "follower.h"

struct replica_series {
	const char *name;
	const char *type;
	const char *help;
	double (*value)(const struct replica_status *s);
};

static double replica_revision(const struct replica_status *s)
{
	return (double)atomic_load(&s->revision);
}

static double replica_etcd_revision(const struct replica_status *s)
{
	return (double)atomic_load(&s->etcd_revision);
}

static double replica_applied_at(const struct replica_status *s)
{
	return (double)atomic_load(&s->applied_at);
}

static double replica_confirmed_at(const struct replica_status *s)
{
	return (double)atomic_load(&s->confirmed_at);
}

/* Seconds since the replica was last known current (-1: never). */
static double replica_staleness(const struct replica_status *s)
{
	int64_t at = atomic_load(&s->confirmed_at);

	return at == 0 ? -1.0 : (double)(time(NULL) - at);
}

static double replica_watch(const struct replica_status *s)
{
	return atomic_load(&s->watch_live) ? 1.0 : 0.0;
}

static double replica_applied(const struct replica_status *s)
{
	return (double)atomic_load(&s->applied);
}

static double replica_bootstraps(const struct replica_status *s)
{
	return (double)atomic_load(&s->bootstraps);
}

static double replica_failures(const struct replica_status *s)
{
	return (double)atomic_load(&s->failures);
}

static double replica_skipped(const struct replica_status *s)
{
	return (double)atomic_load(&s->skipped);
}

static const struct replica_series replica_series[] = {
    {"mailmap_replica_revision", "gauge",
     "etcd revision the local replica holds.", replica_revision},
    {"mailmap_replica_etcd_revision", "gauge", "Latest etcd revision seen.",
     replica_etcd_revision},
    {"mailmap_replica_last_applied_seconds", "gauge",
     "Unix time a revision was last applied (0: none yet).",
     replica_applied_at},
    {"mailmap_replica_confirmed_seconds", "gauge",
     "Unix time etcd last confirmed the replica current (0: never).",
     replica_confirmed_at},
    {"mailmap_replica_staleness_seconds", "gauge",
     "Seconds since the replica was last known current (-1: never).",
     replica_staleness},
    {"mailmap_replica_watch_up", "gauge",
     "1 while the etcd watch is live and etcd answers.", replica_watch},
    {"mailmap_replica_applied_total", "counter",
     "etcd revisions applied to the replica.", replica_applied},
    {"mailmap_replica_bootstraps_total", "counter",
     "Whole reloads of the replica from etcd.", replica_bootstraps},
    {"mailmap_replica_failures_total", "counter",
     "Failed watches and probes of etcd.", replica_failures},
    {"mailmap_replica_skipped_keys_total", "counter",
     "etcd keys under the prefix that were not rows.", replica_skipped},
};

void metrics_write_replica(FILE *out, const struct replica_status *status)
{
	if (status == NULL)
		return;
	for (size_t i = 0; i < sizeof(replica_series) / sizeof(*replica_series);
	     i++) {
		const struct replica_series *s = &replica_series[i];
		metrics_write_single(out, s->name, s->type, s->help,
				     s->value(status));
	}
}
