/*
 * config_store: the config environment of a running mailmapd, which an
 * admin may replace (a restore moves a new data.mdb into place), delete,
 * make unreadable or truncate (`cp backup/data.mdb` truncates first)
 * under it. LMDB keeps the old file mapped: a new one is not seen, and a
 * page of a truncated one is a SIGBUS.
 *
 * The main loop checks the file every second (config_store_watch). A
 * whole environment directory swapped in (mailmapctl restore,
 * store_swap_in: a new data.mdb with its own lock.mdb) is opened beside
 * the old one and published: workers move to it between two requests and
 * no lookup goes unanswered. Otherwise, when it is another file, gone,
 * unreadable, or shorter than before, the open environment is dropped and
 * lookups answer TEMP (never NOTFOUND) until a readable file is there
 * again, which is then opened. The workers hold a
 * reference to the environment they read (config_store_get/_put); woken
 * when it changes, they leave it, and the new one is opened only once
 * the old one is closed (LMDB's lock file must be reset from the new data
 * file, which a second open in the same process would not do). A SIGBUS met
 * while reading it (a truncation between two checks) is caught per request
 * (conn.c) and reported with config_store_fault(), which drops the environment
 * at once.
 */
#ifndef MAILMAP_CONFIG_STORE_H
#define MAILMAP_CONFIG_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

struct config_store;
struct config_store_ref;

/* Opens the config environment in dir (it must open: a daemon starts on
 * a store it can read); writable for a replica's follower, read-only
 * otherwise. 0, or -1 with the reason in *error_r. */
int config_store_open(const char *dir, bool writable,
		      struct config_store **cs_r, const char **error_r);
void config_store_close(struct config_store **cs);

typedef void config_store_wake_fn(void *context);
/* fn is called (from any thread) when the environment changed, so that
 * idle workers leave the old one at once. */
void config_store_set_wake(struct config_store *cs, config_store_wake_fn *fn,
			   void *context);
/* Checks the file (main loop, every second), drops or reopens. */
void config_store_watch(struct config_store *cs);
/* The environment was found broken while reading it at generation. */
void config_store_fault(struct config_store *cs, uint64_t generation);

/* Changes each time the environment is dropped or replaced. */
uint64_t config_store_generation(struct config_store *cs);
/* A reference to the current environment and its generation; NULL while
 * it is unavailable. */
struct config_store_ref *config_store_get(struct config_store *cs,
					  uint64_t *generation_r);
void config_store_put(struct config_store_ref **ref);
struct store *config_store_ref_store(const struct config_store_ref *ref);

#endif
