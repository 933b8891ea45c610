/*
 * policy_greylist: the greylisting hook of the policy checks, per worker
 * thread: a read handle on the state environment and a queue of pending
 * writes, flushed in one transaction when full and on a short timer, so a
 * request never waits for a write, let alone an fsync (the state
 * environment is nosync; the main thread syncs it periodically).
 */
#ifndef MAILMAP_DAEMON_POLICY_GREYLIST_H
#define MAILMAP_DAEMON_POLICY_GREYLIST_H

#include <stdint.h>

#include "checks.h"
#include "store.h"

struct event_base;
struct policy_greylist;

struct conn;
struct greylist_fetch;
struct config;

/* The per-request argument of the hook. */
struct policy_greylist_call {
	struct policy_greylist *greylist;
	const struct config_policy *settings;
	uint64_t now;
	struct arena *arena;
	struct conn *conn;	       /* resumed when a fetch ends */
	struct greylist_fetch **fetch; /* the connection's fetch */
};

struct metrics_block;

/* With policy.greylist_store "valkey", the triplets and the auto-whitelist
 * are in the shared store (policy_greylist_valkey.c); the manual
 * whitelist stays in the state store. */
int policy_greylist_new(struct event_base *base, struct store *state,
			const struct config *config,
			struct policy_greylist **greylist_r,
			const char **error_r);
/* Ends the state snapshot the requests of a loop turn shared (they keep
 * it while no commit comes, as the config store's); before the loop waits.
 * NULL is ignored. */
void policy_greylist_turn_end(struct policy_greylist *greylist);
/* Where the queue's depth and its write failures are counted (the
 * worker's block, metrics.h). */
void policy_greylist_set_metrics(struct policy_greylist *greylist,
				 struct metrics_block *metrics);
/* A connection closes: its fetch, if any, is forgotten (its answer, if
 * it still comes, is dropped). */
void policy_greylist_fetch_drop(struct greylist_fetch **fetch);
/* Flushes what is queued, then frees. */
void policy_greylist_free(struct policy_greylist **greylist);
/* policy_greylist_fn: context is a struct policy_greylist_call. */
int policy_greylist_check(void *context, const struct policy_request *req,
			  struct policy_verdict *verdict);

#endif
