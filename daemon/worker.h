/*
 * worker: one thread with its own event loop. Every worker accepts on
 * every listener (the kernel hands each connection to one of them) and
 * serves its connections to the end. It owns a read transaction handle of
 * the config store, renewed for each request and reset after it, and an
 * arena reset per request: no allocation on the hot path.
 */
#ifndef MAILMAP_WORKER_H
#define MAILMAP_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "metrics.h"
#include "store.h"

struct server;
struct listener;
struct worker;
struct conn;
struct policy_greylist;

/* Prepares a worker accepting on listeners; 0 or -1 + message. */
int worker_new(struct server *server, struct listener *const *listeners,
	       size_t listener_count, struct worker **worker_r,
	       const char **error_r);
/* Starts the thread. */
int worker_start(struct worker *worker);
/* Asks the loop to end (from any thread). */
void worker_stop(struct worker *worker);
/* Waits for the thread, closes its connections, frees it. */
void worker_free(struct worker **worker);

struct event_base *worker_base(const struct worker *worker);
struct server *worker_server(const struct worker *worker);

/* A read snapshot of the config store that holds every commit made
 * before the call, and a clean arena, for one request. The requests of one
 * loop turn share the snapshot while no commit comes between them; the
 * worker releases it at the end of the turn, so an idle worker pins no
 * old pages. */
/* The config store changed (any thread): the worker leaves the one it
 * reads at once, even when idle. */
void worker_wake(struct worker *worker);
/* The worker's counts (metrics.h): written by the worker only, read by
 * the main loop's scrapes. */
struct metrics_block *worker_metrics(struct worker *worker);
/* A store read or write failed on the request path. */
void worker_store_error(struct worker *worker, enum metrics_store which);
/* Asks the worker's loop to answer (any thread); returns how many asks
 * it had answered before this one. The same number twice: the loop did
 * not turn in between (notify.h's watchdog). */
uint64_t worker_heartbeat(struct worker *worker);
/* A page of the config store could not be read (SIGBUS, conn.c): the
 * worker leaves it and has it dropped for every worker. */
void worker_store_fault(struct worker *worker);
int worker_request_begin(struct worker *worker, struct store_txn **txn_r,
			 struct arena **arena_r, const char **error_r);

/* Ends the state snapshot the greylisting requests of this loop turn
 * share. Call it before any other use of the state store in the worker
 * thread: growing or remapping the map waits for every read of the
 * process, this thread's own included (a deadlock otherwise). */
void worker_state_release(struct worker *worker);

/* A read snapshot of the state store (quota, last login): 0, or -1 with
 * *txn_r NULL when there is none; worker_state_end() releases it. */
int worker_state_begin(struct worker *worker, struct store_txn **txn_r,
		       const char **error_r);
void worker_state_end(struct worker *worker);

/* The worker's greylisting state, or NULL without a state store. */
struct policy_greylist *worker_greylist(struct worker *worker);

/* The list of live connections (for closing them at shutdown). */
struct conn **worker_conns(struct worker *worker);

#endif
