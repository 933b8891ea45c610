/* server: start-up, snapshots, signals, reload, shutdown; see server.h. */
#include "server.h"

#include <event2/event.h>
#include <errno.h>
#include <event2/thread.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config_store.h"
#include "conn.h"
#include "dict_backend.h"
#include "greylist.h"
#include "greylist_store.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "notify.h"
#include "privileges.h"
#include "replica_host.h"
#include "worker.h"

#define SERVER_WORKERS_MAX 64
/* How often the config store's file is checked (config_store.h). */
#define SERVER_WATCH_SECONDS 1

struct snapshot {
	atomic_int refs;
	struct config *config;
};

struct server {
	const char *config_path;
	pthread_mutex_t lock; /* guards current */
	struct snapshot *current;
	struct config_store *config_store;
	struct replica_follower *follower; /* multi-host mode, else NULL */
	struct store *state_store;	   /* for policy, quota and lastlogin */
	struct greylist_sweep sweep;
	struct server_sweep_stats sweep_stats;
	struct listener **listeners;
	size_t listener_count;
	struct worker **workers;
	uint64_t *beats_seen; /* per worker: the answers owed at the next
				 watchdog tick */
	size_t worker_count;
	struct event_base *base; /* the main thread's: signals only */
};

static struct snapshot *snapshot_new(struct config *config)
{
	struct snapshot *snapshot = calloc(1, sizeof(*snapshot));

	if (snapshot == NULL)
		abort();
	atomic_init(&snapshot->refs, 1);
	snapshot->config = config;
	return snapshot;
}

struct snapshot *snapshot_get(struct server *server)
{
	struct snapshot *snapshot;

	pthread_mutex_lock(&server->lock);
	snapshot = server->current;
	atomic_fetch_add(&snapshot->refs, 1);
	pthread_mutex_unlock(&server->lock);
	return snapshot;
}

void snapshot_put(struct snapshot *snapshot)
{
	if (snapshot == NULL || atomic_fetch_sub(&snapshot->refs, 1) != 1)
		return;
	config_free(&snapshot->config);
	free(snapshot);
}

const struct config *snapshot_config(const struct snapshot *snapshot)
{
	return snapshot->config;
}

struct config_store *server_config_store(struct server *server)
{
	return server->config_store;
}

size_t server_workers(struct server *server, struct worker *const **workers_r)
{
	*workers_r = server->workers;
	return server->worker_count;
}

size_t server_listeners(struct server *server,
			struct listener *const **listeners_r)
{
	*listeners_r = server->listeners;
	return server->listener_count;
}

const struct server_sweep_stats *server_sweep(const struct server *server)
{
	return &server->sweep_stats;
}

struct store *server_state_store(struct server *server)
{
	return server->state_store;
}

static const struct config *server_config(const struct server *server)
{
	return server->current->config; /* main thread only */
}

static int server_open_listeners(struct server *server)
{
	const struct config *config = server_config(server);
	const char *error;

	server->listeners =
	    calloc(config->listener_count + 1, sizeof(*server->listeners));
	for (size_t i = 0; i < config->listener_count; i++) {
		if (listener_open(&config->listeners[i], i,
				  &server->listeners[i], &error) < 0) {
			log_error("listener %zu: %s", i + 1, error);
			return -1;
		}
		server->listener_count++;
		log_info("listening on %s (%s)",
			 listener_name(server->listeners[i]),
			 listener_proto(server->listeners[i]) != NULL
			     ? listener_proto(server->listeners[i])->name
			     : "metrics");
	}
	if (server->listener_count == 0) {
		log_error("no listeners configured");
		return -1;
	}
	return 0;
}

static int server_open_store(struct server *server)
{
	const struct config *config = server_config(server);
	char dir[4096];
	const char *error;

	snprintf(dir, sizeof(dir), "%s/config", config->store_dir);
	if (replica_enabled(config) && replica_host_prepare(config, dir) < 0)
		return -1;
	if (config_store_open(dir, replica_enabled(config),
			      &server->config_store, &error) < 0) {
		log_error("%s (create the store with mailmapctl first)", error);
		return -1;
	}
	return 0;
}

const struct replica_status *server_replica(const struct server *server)
{
	return server->follower != NULL
		   ? replica_follower_status(server->follower)
		   : NULL;
}

/* Does a dict listener serve a dict kept in the state store (quota usage,
 * last login)? No maps: it serves all. */
static bool server_dict_needs_state(const struct config_listener *l)
{
	static const enum dict_name kept[] = {DICT_NAME_QUOTA,
					      DICT_NAME_LASTLOGIN};

	if (l->map_count == 0)
		return true;
	for (size_t i = 0; i < l->map_count; i++) {
		for (size_t k = 0; k < sizeof(kept) / sizeof(kept[0]); k++) {
			if (strcmp(l->maps[i], dict_name_strings[kept[k]]) == 0)
				return true;
		}
	}
	return false;
}

/* Greylisting (policy) and the quota and lastlogin dicts need the state
 * environment. */
static bool server_needs_state(const struct config *config)
{
	for (size_t i = 0; i < config->listener_count; i++) {
		const struct config_listener *l = &config->listeners[i];
		if (l->protocol == CONFIG_PROTO_POLICY ||
		    (l->protocol == CONFIG_PROTO_DICT &&
		     server_dict_needs_state(l)))
			return true;
	}
	return false;
}

/* Is a state environment that did not open broken for good (corrupt, of
 * another format, unreadable to us), rather than short of a resource? */
static bool server_state_broken(int ret, const char *dir)
{
	static const char *const files[] = {"data.mdb", "lock.mdb"};
	char path[4200];

	if (ret == STORE_PERMFAIL)
		return true;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (access(path, R_OK | W_OK) < 0 && errno == EACCES)
			return true;
	}
	return false;
}

/* The state environment is ours: created if missing, relaxed durability
 * (synced once a second by server_on_sync). It only holds what can be
 * learnt again (greylisting, quota usage, last logins): one that does
 * not open (corrupt, of a newer format, unreadable) is moved aside to
 * state.broken-TIME-PID and a new one is made, rather than leave every
 * lookup without a daemon. The config environment is never so treated. */
static int server_open_state(struct server *server)
{
	const struct config *config = server_config(server);
	char dir[4096], aside[4200];
	struct store_settings settings = {.dir = dir,
					  .kind = STORE_ENV_STATE,
					  .map_size = config->map_size,
					  .create = true,
					  .nosync = true};
	const char *error;

	int ret;

	if (!server_needs_state(config))
		return 0;
	snprintf(dir, sizeof(dir), "%s/state", config->store_dir);
	ret = store_open(&settings, &server->state_store, &error);
	if (ret == STORE_OK)
		return 0;
	if (!server_state_broken(ret, dir)) {
		log_error("%s", error);
		return -1;
	}
	/* The pid too: a restart within the same second must not find the
	 * name taken. */
	snprintf(aside, sizeof(aside), "%s.broken-%lld-%ld", dir,
		 (long long)time(NULL), (long)getpid());
	if (rename(dir, aside) < 0) {
		log_error("%s; and it cannot be moved aside to %s: %s", error,
			  aside, strerror(errno));
		return -1;
	}
	log_warning("%s: moved aside to %s, starting with an empty state "
		    "(greylisting, quota usage and last logins are learnt "
		    "again)",
		    error, aside);
	if (store_open(&settings, &server->state_store, &error) != STORE_OK) {
		log_error("%s", error);
		return -1;
	}
	return 0;
}

static unsigned server_worker_count(const struct config *config)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned count = config->workers != 0
			     ? config->workers
			     : (cores > 0 ? (unsigned)cores : 1);

	return count < SERVER_WORKERS_MAX ? count : SERVER_WORKERS_MAX;
}

static int server_start_workers(struct server *server)
{
	unsigned count = server_worker_count(server_config(server));
	const char *error;

	server->workers = calloc(count, sizeof(*server->workers));
	for (unsigned i = 0; i < count; i++) {
		if (worker_new(server, server->listeners,
			       server->listener_count, &server->workers[i],
			       &error) < 0) {
			log_error("worker %u: %s", i, error);
			return -1;
		}
		server->worker_count++;
		if (worker_start(server->workers[i]) < 0) {
			log_error("worker %u: cannot start a thread", i);
			return -1;
		}
	}
	return 0;
}

static bool server_str_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* What a reload cannot change without a restart, or NULL. */
static const char *server_restart_needed(const struct config *old,
					 const struct config *new)
{
	if (old->listener_count != new->listener_count)
		return "the listeners changed";
	for (size_t i = 0; i < old->listener_count; i++) {
		if (!listener_same_socket(&old->listeners[i],
					  &new->listeners[i]))
			return "the listeners changed (protocol, path, "
			       "address, "
			       "owner, group or mode)";
	}
	if (!server_str_eq(old->store_dir, new->store_dir))
		return "store.dir changed";
	if (!server_str_eq(old->user, new->user) ||
	    !server_str_eq(old->group, new->group))
		return "daemon.user or daemon.group changed";
	if (old->workers != new->workers)
		return "daemon.workers changed";
	if (old->policy.greylist_store != new->policy.greylist_store ||
	    !server_str_eq(old->valkey.address, new->valkey.address) ||
	    !server_str_eq(old->valkey.sentinels, new->valkey.sentinels) ||
	    !server_str_eq(old->valkey.master, new->valkey.master) ||
	    !server_str_eq(old->valkey.password_file,
			   new->valkey.password_file) ||
	    !server_str_eq(old->valkey.prefix, new->valkey.prefix) ||
	    old->valkey.timeout_ms != new->valkey.timeout_ms)
		return "policy.greylist_store or the valkey group changed";
	if (replica_host_reload_refusal(old, new) != NULL)
		return replica_host_reload_refusal(old, new);
	/* Applied once, at start: a reload would say it took them. */
	if (old->log_facility != new->log_facility)
		return "daemon.log_facility changed";
	if (old->map_size != new->map_size)
		return "store.map_size changed";
	if (old->state_sync != new->state_sync ||
	    old->policy.sweep_interval != new->policy.sweep_interval)
		return "store.state_sync or policy.sweep_interval changed";
	/* The state store is opened at start only. */
	if (!server_needs_state(old) && server_needs_state(new))
		return "a listener now needs the state store (quota, "
		       "lastlogin or policy)";
	return NULL;
}

/* Loads the file and applies it; false (logged) when it is refused. */
static bool server_reload_config(struct server *server)
{
	struct config *config = NULL;
	char *error = NULL;
	const char *why;

	if (config_load(server->config_path, &config, &error) < 0) {
		log_error(
		    "reload refused, keeping the running configuration: %s",
		    error);
		free(error);
		return false;
	}
	why = server_restart_needed(server_config(server), config);
	if (why != NULL) {
		log_error("reload refused, keeping the running configuration: "
			  "%s (restart mailmapd)",
			  why);
		config_free(&config);
		return false;
	}
	struct snapshot *old = server->current;
	pthread_mutex_lock(&server->lock);
	server->current = snapshot_new(config);
	pthread_mutex_unlock(&server->lock);
	snapshot_put(old);
	log_set_level(config->log_level);
	log_info("configuration reloaded from %s", server->config_path);
	return true;
}

/* SIGHUP: the manager sees RELOADING, then READY with the outcome. */
static void server_reload(struct server *server)
{
	notify_reloading();
	if (server_reload_config(server))
		notify_ready("serving, configuration reloaded");
	else
		notify_ready("serving, reload refused (see the log)");
}

static void server_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *server = arg;

	(void)what;
	if (sig == SIGHUP) {
		server_reload(server);
		return;
	}
	log_info("stopping on signal %d", (int)sig);
	notify_stopping();
	event_base_loopexit(server->base, NULL);
}

/* Signals go to the main thread's loop only: workers block them. */
static void server_block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

#define SERVER_SWEEP_PER_TXN 256

static void server_wake_workers(void *context)
{
	struct server *server = context;

	for (size_t i = 0; i < server->worker_count; i++)
		worker_wake(server->workers[i]);
}

/* The config store: replaced, gone, unreadable or truncated? */
static void server_on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct server *server = arg;

	(void)fd;
	(void)what;
	config_store_watch(server->config_store);
}

static void server_on_sync(evutil_socket_t fd, short what, void *arg)
{
	struct server *server = arg;
	const char *error;

	(void)fd;
	(void)what;
	if (store_sync(server->state_store, &error) != STORE_OK)
		log_limited("%s", error);
}

/* Removes expired greylist entries, the whole table in this one callback
 * but in small transactions (each bounded in deletions and in keys read,
 * greylist_sweep()), so the workers' flushes get the writer lock in
 * between. */
static void server_on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct server *server = arg;
	const struct config *config = server_config(server);
	struct greylist_settings settings;
	size_t removed = 0, total = 0;
	const char *error;
	int ret;

	(void)fd;
	(void)what;
	greylist_settings_default(&settings);
	settings.delay = config->policy.greylist_delay;
	settings.retry_window = config->policy.greylist_retry_window;
	settings.max_age = config->policy.greylist_max_age;
	settings.ipv4_prefix = config->policy.greylist_ipv4_prefix;
	settings.ipv6_prefix = config->policy.greylist_ipv6_prefix;
	settings.awl_clients = config->policy.greylist_awl_count;
	memset(&server->sweep, 0, sizeof(server->sweep));
	do {
		ret = greylist_sweep(server->state_store, &settings,
				     (uint64_t)time(NULL), SERVER_SWEEP_PER_TXN,
				     &server->sweep, &removed, &error);
		total += removed;
	} while (ret == 0);
	server->sweep_stats.runs++;
	server->sweep_stats.removed += total;
	server->sweep_stats.last_end = (uint64_t)time(NULL);
	if (ret < 0) {
		server->sweep_stats.failures++;
		log_limited("greylist sweep: %s", error);
	} else if (total != 0)
		log_info("greylist sweep: %zu expired entries removed", total);
}

/* The state timers run on the main thread, off the request path. */
static void server_state_timers(struct server *server, struct event **sync_r,
				struct event **sweep_r)
{
	const struct config *config = server_config(server);
	uint64_t sweep = config->policy.sweep_interval;
	struct timeval sync_every = {
	    (time_t)(config->state_sync != 0 ? config->state_sync : 5), 0};
	struct timeval sweep_every = {(time_t)(sweep != 0 ? sweep : 600), 0};

	*sync_r = *sweep_r = NULL;
	if (server->state_store == NULL)
		return;
	*sync_r =
	    event_new(server->base, -1, EV_PERSIST, server_on_sync, server);
	*sweep_r =
	    event_new(server->base, -1, EV_PERSIST, server_on_sweep, server);
	event_add(*sync_r, &sync_every);
	event_add(*sweep_r, &sweep_every);
}

/* The watchdog's tick: a ping when every worker answered the last ask,
 * then a new ask. */
static void server_on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct server *server = arg;
	bool all = true;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < server->worker_count; i++) {
		uint64_t beats = worker_heartbeat(server->workers[i]);
		if (beats < server->beats_seen[i]) {
			all = false;
			log_limited("watchdog: worker %zu has not turned its "
				    "loop for a watchdog period: no keep-alive",
				    i + 1);
		}
		server->beats_seen[i] =
		    beats + 1; /* answered by the next tick */
	}
	if (all)
		notify_watchdog();
}

/* With WatchdogSec= in the unit: a tick every third of it, the first
 * ask now. NULL without a watchdog. */
static struct event *server_watchdog_start(struct server *server)
{
	uint64_t usec = notify_watchdog_usec() / 3;
	struct timeval every = {(time_t)(usec / 1000000),
				(suseconds_t)(usec % 1000000)};
	struct event *timer;

	if (usec == 0)
		return NULL;
	server->beats_seen =
	    calloc(server->worker_count, sizeof(*server->beats_seen));
	for (size_t i = 0; i < server->worker_count; i++)
		server->beats_seen[i] =
		    worker_heartbeat(server->workers[i]) + 1;
	notify_watchdog();
	timer =
	    event_new(server->base, -1, EV_PERSIST, server_on_watchdog, server);
	event_add(timer, &every);
	return timer;
}

/* Called with SIGHUP, SIGTERM and SIGINT blocked (server_run): the
 * workers inherit that mask, so the main loop alone takes them, and one
 * sent during start-up waits for its handler instead of killing the
 * process (a reload right after `systemctl start`). *unblock is the mask
 * to restore once the handlers are in place. */
static int server_serve(struct server *server, const sigset_t *unblock)
{
	struct event *sync_timer, *sweep_timer;
	static const int signals[] = {SIGHUP, SIGTERM, SIGINT};
	struct event *events[3];

	struct timeval watch_every = {SERVER_WATCH_SECONDS, 0};
	struct event *watch_timer, *watchdog_timer;
	struct metrics_http *metrics;

	conn_guard_install();
	metrics_init();
	if (server_start_workers(server) < 0)
		return -1;
	config_store_set_wake(server->config_store, server_wake_workers,
			      server);
	if (replica_enabled(server_config(server)) &&
	    replica_host_start(server_config(server), server->config_store,
			       &server->follower) < 0)
		return -1;
	watch_timer =
	    event_new(server->base, -1, EV_PERSIST, server_on_watch, server);
	event_add(watch_timer, &watch_every);
	for (int i = 0; i < 3; i++) {
		events[i] = evsignal_new(server->base, signals[i],
					 server_on_signal, server);
		event_add(events[i], NULL);
	}
	pthread_sigmask(SIG_SETMASK, unblock, NULL);
	server_state_timers(server, &sync_timer, &sweep_timer);
	watchdog_timer = server_watchdog_start(server);
	if (metrics_http_start(server, server->base, &metrics) < 0)
		return -1;
	log_info("ready: %zu workers", server->worker_count);
	notify_ready("serving with %zu workers", server->worker_count);
	event_base_dispatch(server->base);
	if (sync_timer != NULL) {
		event_free(sync_timer);
		event_free(sweep_timer);
	}
	for (int i = 0; i < 3; i++)
		event_free(events[i]);
	event_free(watch_timer);
	if (watchdog_timer != NULL)
		event_free(watchdog_timer);
	metrics_http_free(&metrics);
	free(server->beats_seen);
	return 0;
}

static void server_free(struct server *server)
{
	replica_follower_stop(&server->follower);
	for (size_t i = 0; i < server->worker_count; i++)
		worker_stop(server->workers[i]);
	for (size_t i = 0; i < server->worker_count; i++)
		worker_free(&server->workers[i]);
	free(server->workers);
	for (size_t i = 0; i < server->listener_count; i++)
		listener_close(&server->listeners[i]);
	free(server->listeners);
	config_store_close(&server->config_store);
	if (server->state_store != NULL) {
		const char *error;
		store_sync(server->state_store, &error);
		store_close(&server->state_store);
	}
	snapshot_put(server->current);
	if (server->base != NULL)
		event_base_free(server->base);
	pthread_mutex_destroy(&server->lock);
}

/* Every connection is a descriptor: allow as many as the hard limit. */
static void server_raise_fd_limit(void)
{
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
	    limit.rlim_cur < limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		setrlimit(RLIMIT_NOFILE, &limit);
	}
}

static int server_start(struct server *server)
{
	const struct config *config = server_config(server);
	const char *error;

	server_raise_fd_limit();
	if (server_open_listeners(server) < 0)
		return -1;
	if (privileges_drop(config->user, config->group, &error) < 0) {
		log_error("%s", error);
		return -1;
	}
	if (server_open_store(server) < 0)
		return -1;
	return server_open_state(server);
}

int server_run(const char *config_path, bool foreground)
{
	struct server server = {.config_path = config_path};
	struct config *config = NULL;
	char *error = NULL;
	int status = 1;
	sigset_t unblock;

	server_block_signals(&unblock); /* until server_serve() handles them */
	if (config_load(config_path, &config, &error) < 0) {
		fprintf(stderr, "mailmapd: %s\n", error);
		free(error);
		return 1;
	}
	log_open(foreground, config->log_facility, config->log_level);
	pthread_mutex_init(&server.lock, NULL);
	server.current = snapshot_new(config);
	signal(SIGPIPE, SIG_IGN);
	umask(007);
	evthread_use_pthreads();
	server.base = event_base_new();
	if (server.base != NULL && server_start(&server) == 0 &&
	    server_serve(&server, &unblock) == 0)
		status = 0;
	server_free(&server);
	log_info("stopped");
	return status;
}
