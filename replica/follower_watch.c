/* follower_watch: the watcher (one watch at a time, revisions applied as
 * they come) and the prober (is this replica up to date?); see
 * follower.h. */
#include "follower_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "snapshot.h"
#include "layout.h"

/* One watch session's progress. */
struct watch {
	struct replica_follower *f;
	uint64_t from; /* the first revision wanted */
	bool failed;   /* applying failed: the session ends */
};

/* Applies one revision's run of events. */
static int watch_apply(struct watch *w, const struct replica_kv *kvs,
		       size_t count, uint64_t revision)
{
	struct replica_follower *f = w->f;
	const char *error = "no config environment open";
	struct store *store;
	size_t skipped = 0;
	void *ref;
	int ret;

	store = f->ops.get(f->ops.context, &ref);
	ret = store == NULL ? STORE_TEMPFAIL
			    : replica_apply(store, f->settings.prefix, kvs,
					    count, revision, &skipped, &error);
	if (store != NULL)
		f->ops.put(f->ops.context, ref);
	if (ret == REPLICA_SWITCHED) {
		follower_log(f, REPLICA_LOG_INFO,
			     "etcd revision %llu switches generations: "
			     "bootstrapping",
			     (unsigned long long)revision);
		atomic_store(&f->need_bootstrap, true);
		return 1;
	}
	if (ret != STORE_OK) {
		follower_log(f, REPLICA_LOG_ERROR,
			     "cannot apply etcd revision %llu: %s",
			     (unsigned long long)revision, error);
		return -1;
	}
	atomic_store(&f->status.revision, revision);
	atomic_store(&f->status.applied_at, follower_now());
	atomic_fetch_add(&f->status.applied, 1);
	atomic_fetch_add(&f->status.skipped, skipped);
	return 0;
}

/* The events of a message, one LMDB transaction per revision (etcd
 * never splits a revision across messages of a watch). 0, 1 when a
 * revision switched generations (the rest waits for the bootstrap), or
 * -1. */
static int watch_events(struct watch *w, struct json_object *events)
{
	struct replica_kvs kvs = {0};
	size_t start = 0;
	int ret = replica_kvs_add_json(&kvs, events, true);

	while (ret == 0 && start < kvs.count) {
		uint64_t revision = kvs.items[start].mod_revision;
		size_t end = start;

		while (end < kvs.count &&
		       kvs.items[end].mod_revision == revision)
			end++;
		ret = watch_apply(w, &kvs.items[start], end - start, revision);
		start = end;
	}
	replica_kvs_free(&kvs);
	return ret;
}

/* The session ends (-1) on a cancel, a foreign cluster or a failure. */
static int watch_on_message(struct json_object *msg, void *context)
{
	struct watch *w = context;
	struct replica_follower *f = w->f;
	struct json_object *result, *flag, *events;

	if (!json_object_object_get_ex(msg, "result", &result))
		return 0;
	follower_max(&f->status.etcd_revision, etcd_json_revision(result));
	/* a refused watch comes created and cancelled at once */
	if (json_object_object_get_ex(result, "canceled", &flag) &&
	    json_object_get_boolean(flag)) {
		if (etcd_json_get_u64(result, "compact_revision") != 0) {
			follower_log(f, REPLICA_LOG_WARNING,
				     "etcd compacted past revision %llu: "
				     "bootstrapping again",
				     (unsigned long long)w->from);
			atomic_store(&f->need_bootstrap, true);
			return -1;
		}
		/* an expired token, a lost permission, no leader */
		follower_log(f, REPLICA_LOG_WARNING, "watch cancelled: %s",
			     etcd_json_get_string(result, "cancel_reason"));
		etcd_forget_token(f->watch_etcd);
		w->failed = true;
		return -1;
	}
	if (json_object_object_get_ex(result, "created", &flag) &&
	    json_object_get_boolean(flag)) {
		atomic_store(&f->status.watch_live, true);
		return 0;
	}
	if (!json_object_object_get_ex(result, "events", &events))
		return 0;
	switch (watch_events(w, events)) {
	case 0:
		return 0;
	case 1:
		return -1; /* a bootstrap follows */
	default:
		w->failed = true;
		return -1;
	}
}

static bool watch_keep(void *context)
{
	struct watch *w = context;

	return atomic_load(&w->f->running) && !atomic_load(&w->f->restart);
}

/* One watch from the replica's revision + 1. 0 when it ended as asked
 * (stop, restart, bootstrap), -1 on a failure. */
static int watch_session(struct replica_follower *f, uint64_t revision)
{
	struct json_object *req = json_object_new_object();
	struct json_object *create = json_object_new_object();
	struct watch w = {f, revision + 1, false};
	struct etcd_error error;
	int ret;

	replica_range(create, f->settings.prefix);
	json_object_object_add(create, "start_revision",
			       json_object_new_int64((int64_t)w.from));
	json_object_object_add(create, "progress_notify",
			       json_object_new_boolean(1));
	json_object_object_add(req, "create_request", create);
	atomic_store(&f->restart, false);
	ret = etcd_stream(f->watch_etcd, "watch", req, watch_on_message,
			  watch_keep, &w, &error);
	json_object_put(req);
	atomic_store(&f->status.watch_live, false);
	if (ret == 0 && !w.failed) {
		/* the prober found this member silent or cut off from the
		 * others: the next watch goes elsewhere */
		if (atomic_load(&f->restart))
			etcd_next(f->watch_etcd);
		return 0;
	}
	if (!w.failed) {
		atomic_fetch_add(&f->status.failures, 1);
		follower_log(f, REPLICA_LOG_WARNING, "watch: %s",
			     error.message);
	}
	/* a catch-up batch too large to take: the whole state instead */
	if (!w.failed && error.code == ETCD_TOO_LONG)
		atomic_store(&f->need_bootstrap, true);
	etcd_next(f->watch_etcd);
	return -1;
}

/* The replica's mark, through the host's environment. */
static int watcher_mark(struct replica_follower *f, struct replica_mark *mark)
{
	const char *error;
	struct store *store;
	void *ref;
	int ret;

	store = f->ops.get(f->ops.context, &ref);
	if (store == NULL)
		return -1;
	ret = replica_mark_get(store, mark, &error);
	f->ops.put(f->ops.context, ref);
	return ret == STORE_OK ? 0 : -1;
}

/* Whether the replica was filled from another cluster or prefix. */
static bool watcher_foreign(struct replica_follower *f,
			    const struct replica_mark *mark)
{
	char source[REPLICA_SOURCE_MAX];
	bool known;

	pthread_mutex_lock(&f->lock);
	known = f->cluster[0] != '\0';
	snprintf(source, sizeof(source), "%s %s", f->cluster,
		 f->settings.prefix);
	pthread_mutex_unlock(&f->lock);
	return known && strcmp(source, mark->source) != 0;
}

void *follower_watcher(void *arg)
{
	struct replica_follower *f = arg;

	while (atomic_load(&f->running)) {
		struct replica_mark mark;
		int ret;

		if (watcher_mark(f, &mark) < 0) {
			follower_pause(f, REPLICA_RETRY_MS);
			continue;
		}
		atomic_store(&f->status.revision, mark.revision);
		if (mark.revision == 0 || atomic_load(&f->need_bootstrap) ||
		    watcher_foreign(f, &mark))
			ret = follower_bootstrap(f);
		else
			ret = watch_session(f, mark.revision);
		if (ret < 0)
			follower_pause(f, REPLICA_RETRY_MS);
	}
	return NULL;
}

/* A linearizable read of the sequence key: etcd's revision, and the
 * revision of the last commit. */
static int probe_once(struct replica_follower *f, uint64_t *seq_revision_r)
{
	struct json_object *req = json_object_new_object(), *resp, *kvs;
	char *key = replica_seq_key(f->settings.prefix);
	struct etcd_error error;
	int ret;

	json_object_object_add(req, "key", etcd_json_bytes(key, strlen(key)));
	free(key);
	ret = etcd_call(f->probe_etcd, "kv/range", req, &resp, &error);
	json_object_put(req);
	if (ret < 0) {
		follower_log(f, REPLICA_LOG_WARNING, "probe: %s",
			     error.message);
		return -1;
	}
	follower_max(&f->status.etcd_revision, etcd_json_revision(resp));
	pthread_mutex_lock(&f->lock);
	snprintf(f->cluster, sizeof(f->cluster), "%s",
		 replica_cluster_of(resp));
	pthread_mutex_unlock(&f->lock);
	*seq_revision_r = 0;
	if (json_object_object_get_ex(resp, "kvs", &kvs) &&
	    json_object_array_length(kvs) > 0)
		*seq_revision_r = etcd_json_get_u64(
		    json_object_array_get_idx(kvs, 0), "mod_revision");
	json_object_put(resp);
	return 0;
}

void *follower_prober(void *arg)
{
	struct replica_follower *f = arg;
	unsigned failed = 0;
	int64_t behind_since = 0;
	uint64_t behind_at = 0; /* the revision held when it fell behind */

	while (follower_pause(f, REPLICA_PROBE_MS)) {
		uint64_t wanted;
		int64_t now;

		if (probe_once(f, &wanted) < 0) {
			atomic_fetch_add(&f->status.failures, 1);
			if (++failed >= 2) {
				atomic_store(&f->status.watch_live, false);
				atomic_store(&f->restart, true);
			}
			continue;
		}
		failed = 0;
		now = follower_now();
		if (atomic_load(&f->status.revision) >= wanted) {
			atomic_store(&f->status.confirmed_at, now);
			behind_since = 0;
		} else if (behind_since == 0 ||
			   atomic_load(&f->status.revision) != behind_at) {
			/* behind, or still catching up: not silent */
			behind_since = now;
			behind_at = atomic_load(&f->status.revision);
		} else if (now - behind_since >= REPLICA_LAG_RESTART_S) {
			/* a live-looking watch that delivers nothing */
			atomic_store(&f->restart, true);
			behind_since = now;
		}
	}
	return NULL;
}
