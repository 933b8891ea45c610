/* worker: a thread, its event loop and its accepts; see worker.h. */
#include "worker.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config_store.h"
#include "conn.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "policy_greylist.h"
#include "record_cache.h"
#include "server.h"

#define WORKER_ACCEPTS_PER_WAKEUP 32
/* How long a listener rests after accept() failed for want of resources. */
#define WORKER_ACCEPT_PAUSE_MS 100

struct accept_slot {
	struct worker *worker;
	struct listener *listener;
	struct event *event;  /* the listener is readable */
	struct event *resume; /* the end of a pause after an accept error */
};

struct worker {
	pthread_t thread;
	bool started;
	struct server *server;
	struct event_base *base;
	struct accept_slot *slots;
	size_t slot_count;
	struct config_store_ref *store;	   /* the config store read, or NULL */
	uint64_t store_generation;	   /* of config_store.h, when taken */
	struct store_reader *reader;	   /* on store; NULL with it */
	struct record_cache *records;	   /* attached to reader's snapshots */
	struct store_reader *state_reader; /* with a state store */
	struct arena arena;
	struct conn *conns;
	struct policy_greylist *greylist;
	struct event *store_changed;   /* made active by worker_wake() */
	struct event *heartbeat;       /* made active by worker_heartbeat() */
	struct metrics_block *metrics; /* this worker's counts */
	atomic_uint_fast64_t beats;    /* heartbeats answered */
};

static void worker_accept_one(struct accept_slot *slot, int fd,
			      const struct sockaddr_storage *addr)
{
	struct snapshot *snapshot = snapshot_get(slot->worker->server);
	char peer[64];
	const char *why;

	if (listener_admit(slot->listener, snapshot_config(snapshot), addr,
			   peer, sizeof(peer), &why)) {
		conn_new(slot->worker, slot->listener, fd, peer);
	} else {
		metrics_add(&slot->worker->metrics
				 ->refused[listener_index(slot->listener)],
			    1);
		log_limited("%s: refused a connection from %s: %s",
			    listener_name(slot->listener), peer, why);
		close(fd);
	}
	snapshot_put(snapshot);
}

static void worker_on_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct accept_slot *slot = arg;

	(void)fd;
	(void)what;
	event_add(slot->event, NULL);
}

/* accept() failed for want of something (EMFILE, ENFILE, ENOBUFS,
 * ENOMEM...): the connection stays queued and the listener readable, so
 * the event would fire again at once and the worker spin. Stop accepting
 * on this listener for a moment instead; queued clients wait. */
static void worker_accept_pause(struct accept_slot *slot, int error)
{
	static const struct timeval pause = {0, WORKER_ACCEPT_PAUSE_MS * 1000};

	log_limited("%s: accept: %s; accepting again in %d ms",
		    listener_name(slot->listener), strerror(error),
		    WORKER_ACCEPT_PAUSE_MS);
	event_del(slot->event);
	evtimer_add(slot->resume, &pause);
}

static void worker_on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct accept_slot *slot = arg;

	(void)what;
	for (int i = 0; i < WORKER_ACCEPTS_PER_WAKEUP; i++) {
		struct sockaddr_storage addr;
		socklen_t len = sizeof(addr);
		int fd = accept4(lfd, (struct sockaddr *)&addr, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			worker_accept_one(slot, fd, &addr);
			continue;
		}
		if (errno == ECONNABORTED || errno == EINTR)
			continue; /* that client is gone; others may wait */
		/* EAGAIN: another worker took it, or nothing is left. */
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			worker_accept_pause(slot, errno);
		return;
	}
}

/* Leaves the config store read so far (its cached records with it). */
static void worker_leave_store(struct worker *worker)
{
	store_reader_free(&worker->reader);
	record_cache_free(&worker->records);
	config_store_put(&worker->store);
}

/* Reads the config store in place now, if there is one. */
static int worker_take_store(struct worker *worker, const char **error_r)
{
	struct config_store *cs = server_config_store(worker->server);

	worker_leave_store(worker);
	worker->store = config_store_get(cs, &worker->store_generation);
	if (worker->store == NULL)
		return 0;
	if (store_reader_new(config_store_ref_store(worker->store),
			     &worker->reader, error_r) != STORE_OK) {
		config_store_put(&worker->store);
		return -1;
	}
	worker->records = record_cache_new();
	store_reader_set_user(worker->reader, worker->records);
	return 0;
}

void worker_store_fault(struct worker *worker)
{
	uint64_t generation = worker->store_generation;

	/* The snapshot ends in the lock file only: no page is read. */
	worker_leave_store(worker);
	config_store_fault(server_config_store(worker->server), generation);
}

/* The config store changed: leave the old one now, even when idle. */
static void worker_on_store_changed(evutil_socket_t fd, short what, void *arg)
{
	struct worker *worker = arg;
	struct config_store *cs = server_config_store(worker->server);
	const char *error;

	(void)fd;
	(void)what;
	if (config_store_generation(cs) != worker->store_generation &&
	    worker_take_store(worker, &error) < 0)
		log_limited("config store: %s", error);
}

void worker_wake(struct worker *worker)
{
	event_active(worker->store_changed, EV_READ, 0);
}

static void worker_on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct worker *worker = arg;

	(void)fd;
	(void)what;
	atomic_fetch_add(&worker->beats, 1);
}

struct metrics_block *worker_metrics(struct worker *worker)
{
	return worker->metrics;
}

void worker_store_error(struct worker *worker, enum metrics_store which)
{
	metrics_add(&worker->metrics->store_errors[which], 1);
}

uint64_t worker_heartbeat(struct worker *worker)
{
	uint64_t beats = atomic_load(&worker->beats);

	event_active(worker->heartbeat, EV_READ, 0);
	return beats;
}

/* The state store's reader and the greylisting hook (its settings are
 * read at start only: a reload that changes them is refused). */
static int worker_take_state(struct worker *worker, const char **error_r)
{
	struct store *state = server_state_store(worker->server);
	struct snapshot *snapshot;
	int ret;

	if (state == NULL)
		return 0;
	if (store_reader_new(state, &worker->state_reader, error_r) != STORE_OK)
		return -1;
	snapshot = snapshot_get(worker->server);
	ret =
	    policy_greylist_new(worker->base, state, snapshot_config(snapshot),
				&worker->greylist, error_r);
	snapshot_put(snapshot);
	return ret;
}

int worker_new(struct server *server, struct listener *const *listeners,
	       size_t listener_count, struct worker **worker_r,
	       const char **error_r)
{
	struct worker *worker = calloc(1, sizeof(*worker));

	if (worker == NULL)
		abort();
	worker->server = server;
	worker->metrics = calloc(1, sizeof(*worker->metrics));
	if (worker->metrics == NULL)
		abort();
	arena_init(&worker->arena, 0);
	worker->base = event_base_new();
	if (worker->base == NULL || worker_take_store(worker, error_r) < 0) {
		if (worker->base == NULL)
			*error_r = "cannot create an event loop";
		worker_free(&worker);
		return -1;
	}
	if (worker_take_state(worker, error_r) < 0) {
		worker_free(&worker);
		return -1;
	}
	if (worker->greylist != NULL)
		policy_greylist_set_metrics(worker->greylist, worker->metrics);
	worker->store_changed =
	    event_new(worker->base, -1, 0, worker_on_store_changed, worker);
	worker->heartbeat =
	    event_new(worker->base, -1, 0, worker_on_heartbeat, worker);
	worker->slots = calloc(listener_count, sizeof(*worker->slots));
	worker->slot_count = listener_count;
	for (size_t i = 0; i < listener_count; i++) {
		struct accept_slot *slot = &worker->slots[i];
		if (listener_proto(listeners[i]) == NULL)
			continue; /* metrics: the main loop serves it */
		slot->worker = worker;
		slot->listener = listeners[i];
		slot->event =
		    event_new(worker->base, listener_fd(listeners[i]),
			      EV_READ | EV_PERSIST, worker_on_accept, slot);
		slot->resume =
		    evtimer_new(worker->base, worker_on_accept_resume, slot);
		event_add(slot->event, NULL);
	}
	*worker_r = worker;
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *worker = arg;
	int ret;

	/* One loop turn at a time, so the turn's log lines go out at once. */
	log_buffer_thread();
	do {
		ret = event_base_loop(worker->base, EVLOOP_ONCE);
		/* before the loop waits: no snapshot pins old pages */
		if (worker->reader != NULL)
			store_read_end(worker->reader);
		worker_state_release(worker);
		log_flush();
	} while (ret == 0 && !event_base_got_exit(worker->base) &&
		 !event_base_got_break(worker->base));
	return NULL;
}

int worker_start(struct worker *worker)
{
	if (pthread_create(&worker->thread, NULL, worker_main, worker) != 0)
		return -1;
	worker->started = true;
	return 0;
}

void worker_stop(struct worker *worker)
{
	event_base_loopexit(worker->base, NULL);
}

void worker_free(struct worker **workerp)
{
	struct worker *worker = *workerp;

	if (worker == NULL)
		return;
	if (worker->started)
		pthread_join(worker->thread, NULL);
	conn_free_all(worker);
	policy_greylist_free(&worker->greylist);
	for (size_t i = 0; i < worker->slot_count; i++) {
		if (worker->slots[i].event == NULL)
			continue; /* a listener the main loop serves */
		event_free(worker->slots[i].event);
		event_free(worker->slots[i].resume);
	}
	free(worker->slots);
	free(worker->metrics);
	if (worker->store_changed != NULL)
		event_free(worker->store_changed);
	if (worker->heartbeat != NULL)
		event_free(worker->heartbeat);
	worker_leave_store(worker);
	if (worker->state_reader != NULL)
		store_reader_free(&worker->state_reader);
	if (worker->base != NULL)
		event_base_free(worker->base);
	arena_deinit(&worker->arena);
	free(worker);
	*workerp = NULL;
}

struct event_base *worker_base(const struct worker *worker)
{
	return worker->base;
}

struct server *worker_server(const struct worker *worker)
{
	return worker->server;
}

int worker_request_begin(struct worker *worker, struct store_txn **txn_r,
			 struct arena **arena_r, const char **error_r)
{
	struct config_store *cs = server_config_store(worker->server);

	arena_reset(&worker->arena);
	*arena_r = &worker->arena;
	if (config_store_generation(cs) != worker->store_generation &&
	    worker_take_store(worker, error_r) < 0)
		return STORE_TEMPFAIL;
	if (worker->reader == NULL) {
		*error_r = "config store unavailable";
		return STORE_TEMPFAIL;
	}
	/* Between requests: no record from the cache is held any more. */
	record_cache_trim(worker->records);
	return store_read_latest(worker->reader, txn_r, error_r);
}

struct policy_greylist *worker_greylist(struct worker *worker)
{
	return worker->greylist;
}

struct conn **worker_conns(struct worker *worker)
{
	return &worker->conns;
}

void worker_state_release(struct worker *worker)
{
	policy_greylist_turn_end(worker->greylist);
}

int worker_state_begin(struct worker *worker, struct store_txn **txn_r,
		       const char **error_r)
{
	*txn_r = NULL;
	if (worker->state_reader == NULL) {
		*error_r = "no state store";
		return -1;
	}
	if (store_read_begin(worker->state_reader, txn_r, error_r) !=
	    STORE_OK) {
		*txn_r = NULL;
		return -1;
	}
	return 0;
}

void worker_state_end(struct worker *worker)
{
	store_read_end(worker->state_reader);
}
