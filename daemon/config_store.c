/* config_store: the config environment under a running daemon; see the
 * .h. */
#include "config_store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

struct config_store_ref {
	atomic_int refs;
	struct store *store;
	struct config_store *cs;
};

struct config_store {
	char dir[4096];
	char data[4200];		  /* dir/data.mdb */
	char lockfile[4200];		  /* dir/lock.mdb */
	pthread_mutex_t lock;		  /* guards current and generation */
	struct config_store_ref *current; /* NULL: unavailable */
	_Atomic uint64_t generation;
	atomic_int live; /* environments open: two only across a swap */
	config_store_wake_fn *wake; /* tells the workers to look */
	void *wake_context;
	/* What the open file was at the last check (main loop only). */
	dev_t dev;
	ino_t ino;
	off_t size;
	ino_t lock_ino; /* of lock.mdb: another one means a swapped directory */
	bool writable;	/* a replica: the follower writes through it */
};

static int config_store_open_env(struct config_store *cs,
				 struct config_store_ref **ref_r,
				 const char **error_r)
{
	struct store_settings settings = {.dir = cs->dir,
					  .kind = STORE_ENV_CONFIG,
					  .read_only = !cs->writable};
	struct config_store_ref *ref = calloc(1, sizeof(*ref));
	struct stat st, lock_st;

	if (ref == NULL)
		abort();
	if (store_open(&settings, &ref->store, error_r) != STORE_OK ||
	    store_file_stat(ref->store, &st) < 0) {
		if (ref->store != NULL)
			store_close(&ref->store);
		else if (*error_r == NULL)
			*error_r = "cannot read the file";
		free(ref);
		return -1;
	}
	atomic_init(&ref->refs, 1);
	atomic_fetch_add(&cs->live, 1);
	ref->cs = cs;
	cs->dev = st.st_dev;
	cs->ino = st.st_ino;
	cs->size = st.st_size;
	cs->lock_ino = stat(cs->lockfile, &lock_st) == 0 ? lock_st.st_ino : 0;
	*ref_r = ref;
	return 0;
}

int config_store_open(const char *dir, bool writable,
		      struct config_store **cs_r, const char **error_r)
{
	struct config_store *cs = calloc(1, sizeof(*cs));

	if (cs == NULL)
		abort();
	cs->writable = writable;
	snprintf(cs->dir, sizeof(cs->dir), "%s", dir);
	snprintf(cs->data, sizeof(cs->data), "%s/data.mdb", dir);
	snprintf(cs->lockfile, sizeof(cs->lockfile), "%s/lock.mdb", dir);
	pthread_mutex_init(&cs->lock, NULL);
	*error_r = NULL;
	if (config_store_open_env(cs, &cs->current, error_r) < 0) {
		pthread_mutex_destroy(&cs->lock);
		free(cs);
		return -1;
	}
	*cs_r = cs;
	return 0;
}

void config_store_put(struct config_store_ref **refp)
{
	struct config_store_ref *ref = *refp;

	*refp = NULL;
	if (ref == NULL || atomic_fetch_sub(&ref->refs, 1) != 1)
		return;
	store_close(&ref->store);
	atomic_fetch_sub(&ref->cs->live, 1);
	free(ref);
}

void config_store_close(struct config_store **csp)
{
	struct config_store *cs = *csp;

	if (cs == NULL)
		return;
	config_store_put(&cs->current);
	pthread_mutex_destroy(&cs->lock);
	free(cs);
	*csp = NULL;
}

struct config_store_ref *config_store_get(struct config_store *cs,
					  uint64_t *generation_r)
{
	struct config_store_ref *ref;

	pthread_mutex_lock(&cs->lock);
	ref = cs->current;
	if (ref != NULL)
		atomic_fetch_add(&ref->refs, 1);
	*generation_r = atomic_load(&cs->generation);
	pthread_mutex_unlock(&cs->lock);
	return ref;
}

struct store *config_store_ref_store(const struct config_store_ref *ref)
{
	return ref->store;
}

uint64_t config_store_generation(struct config_store *cs)
{
	return atomic_load_explicit(&cs->generation, memory_order_acquire);
}

/* Puts ref (NULL: none) in place of the current environment. */
static void config_store_publish(struct config_store *cs,
				 struct config_store_ref *ref)
{
	struct config_store_ref *old;

	pthread_mutex_lock(&cs->lock);
	old = cs->current;
	cs->current = ref;
	atomic_fetch_add(&cs->generation, 1);
	pthread_mutex_unlock(&cs->lock);
	config_store_put(&old);
	if (cs->wake != NULL)
		cs->wake(cs->wake_context);
}

void config_store_set_wake(struct config_store *cs, config_store_wake_fn *fn,
			   void *context)
{
	cs->wake = fn;
	cs->wake_context = context;
}

void config_store_fault(struct config_store *cs, uint64_t generation)
{
	pthread_mutex_lock(&cs->lock);
	if (atomic_load(&cs->generation) != generation) {
		pthread_mutex_unlock(&cs->lock);
		return; /* already dropped or replaced */
	}
	pthread_mutex_unlock(&cs->lock);
	log_error("config store %s: a page of it is gone (truncated under "
		  "mailmapd?): lookups answer TEMP until it is whole again",
		  cs->dir);
	config_store_publish(cs, NULL);
}

/* Why the open file cannot be read on (NULL: it can), from a stat of
 * its path. */
static const char *config_store_problem(struct config_store *cs,
					const struct stat *st, bool found)
{
	if (!found)
		return "its data.mdb is gone";
	if (access(cs->data, R_OK) < 0)
		return "its data.mdb is unreadable";
	if (st->st_dev != cs->dev || st->st_ino != cs->ino)
		return "its data.mdb was replaced";
	if (st->st_size < cs->size)
		return "its data.mdb was truncated";
	return NULL;
}

/* Unavailable: tries to open the file that is there now. */
static void config_store_retry(struct config_store *cs, bool found)
{
	struct config_store_ref *ref;
	const char *error = NULL;

	/* LMDB's lock file holds the data file's last transaction: an
	 * environment opened while another of this process is still open
	 * would not reset it from a new file (and LMDB forbids opening one
	 * twice in a process). The workers leave the old one first. */
	if (!found || access(cs->data, R_OK) < 0 || atomic_load(&cs->live) != 0)
		return;
	if (config_store_open_env(cs, &ref, &error) < 0) {
		log_limited("config store %s still unavailable: %s", cs->dir,
			    error);
		return;
	}
	config_store_publish(cs, ref);
	log_info("config store %s can be read again: lookups answer from it",
		 cs->dir);
}

/* A whole new environment directory swapped in (store_swap_in: a new
 * data.mdb and its own lock.mdb): opened beside the old one, which the
 * workers leave between two requests; no lookup goes without an answer.
 * False when it is not that, or does not open (then dropped as any
 * replaced file). */
static bool config_store_swapped(struct config_store *cs, const struct stat *st)
{
	struct config_store_ref *ref;
	struct stat lock_st;
	const char *error = NULL;

	if ((st->st_dev == cs->dev && st->st_ino == cs->ino) ||
	    stat(cs->lockfile, &lock_st) < 0 || lock_st.st_ino == cs->lock_ino)
		return false;
	if (config_store_open_env(cs, &ref, &error) < 0) {
		log_error("config store %s: the environment swapped in does "
			  "not open: %s",
			  cs->dir, error);
		return false;
	}
	config_store_publish(cs, ref);
	log_info("config store %s: a new environment was swapped in (a "
		 "restore): lookups answer from it",
		 cs->dir);
	return true;
}

void config_store_watch(struct config_store *cs)
{
	struct stat st;
	bool found = stat(cs->data, &st) == 0;
	const char *problem;
	bool available;

	pthread_mutex_lock(&cs->lock); /* a worker may drop it (a fault) */
	available = cs->current != NULL;
	pthread_mutex_unlock(&cs->lock);
	if (!available) {
		config_store_retry(cs, found);
		return;
	}
	problem = config_store_problem(cs, &st, found);
	if (problem == NULL) {
		cs->size = st.st_size; /* mailmapctl makes it grow */
		return;
	}
	if (config_store_swapped(cs, &st))
		return;
	/* A data file replaced in place (its lock file kept) is opened only
	 * once every worker has left this one: TEMP for a second or two
	 * meanwhile. */
	config_store_publish(cs, NULL);
	log_error("config store %s: %s: lookups answer TEMP until it can be "
		  "read again",
		  cs->dir, problem);
}
