/* follower: the watcher and prober threads of a replica; see follower.h. */
#include "follower_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "snapshot.h"
#include "layout.h"

void follower_log(const struct replica_follower *f,
		  enum replica_log_level level, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (f->ops.log != NULL)
		f->ops.log(level, message);
}

int64_t follower_now(void)
{
	return (int64_t)time(NULL);
}

/* Sleeps ms or until stopped; false once stopped. */
bool follower_pause(struct replica_follower *f, unsigned ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->lock);
	if (atomic_load(&f->running))
		pthread_cond_timedwait(&f->wake, &f->lock, &until);
	pthread_mutex_unlock(&f->lock);
	return atomic_load(&f->running);
}

void follower_max(_Atomic uint64_t *v, uint64_t seen)
{
	uint64_t old = atomic_load(v);

	while (seen > old && !atomic_compare_exchange_weak(v, &old, seen))
		;
}

int replica_sync(const struct replica_settings *settings, struct store *store,
		 char **error_r)
{
	struct replica_kvs kvs = {0};
	struct replica_mark mark;
	struct etcd_error error;
	struct etcd *etcd;
	const char *serror;
	size_t skipped;
	int ret;

	if (etcd_new(&settings->etcd, &etcd, error_r) < 0)
		return -1;
	ret =
	    replica_read_prefix(etcd, settings->prefix, 0, &kvs, &mark, &error);
	etcd_free(&etcd);
	if (ret < 0) {
		*error_r = strdup(error.message);
		replica_kvs_free(&kvs);
		return -1;
	}
	ret = replica_bootstrap(store, settings->prefix, &kvs, &mark, &skipped,
				&serror);
	replica_kvs_free(&kvs);
	if (ret != STORE_OK) {
		*error_r = strdup(serror);
		return -1;
	}
	return 0;
}

/* A bootstrap into the host's environment. */
int follower_bootstrap(struct replica_follower *f)
{
	struct replica_kvs kvs = {0};
	struct replica_mark mark;
	struct etcd_error error;
	const char *serror = "no config environment open";
	struct store *store;
	void *ref;
	size_t skipped, keys;
	int ret = replica_read_prefix(f->watch_etcd, f->settings.prefix, 0,
				      &kvs, &mark, &error);

	if (ret < 0) {
		follower_log(f, REPLICA_LOG_WARNING, "bootstrap: %s",
			     error.message);
		replica_kvs_free(&kvs);
		return -1;
	}
	store = f->ops.get(f->ops.context, &ref);
	ret = store == NULL ? STORE_TEMPFAIL
			    : replica_bootstrap(store, f->settings.prefix, &kvs,
						&mark, &skipped, &serror);
	if (store != NULL)
		f->ops.put(f->ops.context, ref);
	keys = kvs.count;
	replica_kvs_free(&kvs);
	if (ret != STORE_OK) {
		follower_log(f, REPLICA_LOG_ERROR, "bootstrap: %s", serror);
		return -1;
	}
	atomic_store(&f->status.revision, mark.revision);
	follower_max(&f->status.etcd_revision, mark.revision);
	atomic_store(&f->status.applied_at, follower_now());
	atomic_fetch_add(&f->status.bootstraps, 1);
	atomic_fetch_add(&f->status.skipped, skipped);
	atomic_store(&f->need_bootstrap, false);
	follower_log(f, REPLICA_LOG_INFO,
		     "bootstrapped at etcd revision %llu: %zu keys",
		     (unsigned long long)mark.revision, keys);
	return 0;
}

int replica_follower_start(const struct replica_settings *settings,
			   const struct replica_store_ops *ops,
			   struct replica_follower **follower_r, char **error_r)
{
	struct replica_follower *f = calloc(1, sizeof(*f));

	if (f == NULL)
		abort();
	f->settings = *settings;
	/* the configuration it came from is freed by a reload */
	f->settings.prefix = strdup(settings->prefix);
	if (f->settings.prefix == NULL)
		abort();
	f->ops = *ops;
	if (etcd_new(&settings->etcd, &f->watch_etcd, error_r) < 0 ||
	    etcd_new(&settings->etcd, &f->probe_etcd, error_r) < 0) {
		etcd_free(&f->watch_etcd);
		free((char *)f->settings.prefix);
		free(f);
		return -1;
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->wake, NULL);
	atomic_store(&f->running, true);
	if (pthread_create(&f->watcher, NULL, follower_watcher, f) != 0 ||
	    pthread_create(&f->prober, NULL, follower_prober, f) != 0)
		abort();
	*follower_r = f;
	return 0;
}

void replica_follower_stop(struct replica_follower **fp)
{
	struct replica_follower *f = *fp;

	if (f == NULL)
		return;
	pthread_mutex_lock(&f->lock);
	atomic_store(&f->running, false);
	pthread_cond_broadcast(&f->wake);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->watcher, NULL);
	pthread_join(f->prober, NULL);
	etcd_free(&f->watch_etcd);
	etcd_free(&f->probe_etcd);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	free((char *)f->settings.prefix);
	free(f);
	*fp = NULL;
}

const struct replica_status *
replica_follower_status(const struct replica_follower *f)
{
	return &f->status;
}
