/* store_write: write transactions (writer lock, retries, map growth);
 * see store.h. */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* Why a commit failed. LMDB reports a short write as EIO, which is what
 * a full filesystem usually gives: say so when it is full. */
static const char *store_commit_error(const struct store *store, int rc)
{
	struct statvfs fs;

	if ((rc == EIO || rc == ENOSPC) && statvfs(store->dir, &fs) == 0 &&
	    fs.f_bavail == 0)
		return "no space left on the filesystem";
	return mdb_strerror(rc);
}

static int store_lock_writer(struct store *store, const char **error_r)
{
	char path[4096];
	struct timespec pause = {0, 10 * 1000 * 1000};
	unsigned waited = 0;

	if (store->kind != STORE_ENV_CONFIG)
		return STORE_OK;
	if (store->lock_fd < 0) {
		snprintf(path, sizeof(path), "%s/write.lock", store->dir);
		store->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
		if (store->lock_fd < 0) {
			*error_r = store_errorf("cannot open %s: %s", path,
						strerror(errno));
			return STORE_TEMPFAIL;
		}
	}
	while (flock(store->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK || waited >= store->lock_wait_ms) {
			*error_r = store_errorf(
			    "store %s is locked by another writer; try again",
			    store->dir);
			return STORE_TEMPFAIL;
		}
		nanosleep(&pause, NULL);
		waited += 10;
	}
	return STORE_OK;
}

static void store_unlock_writer(struct store *store)
{
	if (store->lock_fd >= 0)
		flock(store->lock_fd, LOCK_UN);
}

static int store_grow_map(struct store *store, const char **error_r)
{
	MDB_envinfo info;

	mdb_env_info(store->env, &info);
	if (info.me_mapsize >= STORE_MAX_MAP_SIZE) {
		*error_r = store_errorf("store %s is full at %zu bytes",
					store->dir, info.me_mapsize);
		return STORE_TEMPFAIL;
	}
	pthread_rwlock_wrlock(&store->resize_lock);
	int rc = mdb_env_set_mapsize(store->env, info.me_mapsize * 2);
	pthread_rwlock_unlock(&store->resize_lock);
	if (rc != 0) {
		*error_r = store_errorf("store %s: cannot grow the map: %s",
					store->dir, mdb_strerror(rc));
		return store_map_error(rc);
	}
	return STORE_OK;
}

static void store_bump_generation(struct store_txn *txn)
{
	enum store_table meta = store_meta_table(txn->store);
	const char *key = STORE_META_GENERATION;
	struct store_val old;
	unsigned char be[8];
	uint64_t generation = 0;

	if (store_get(txn, meta, key, strlen(key), &old) == STORE_OK &&
	    old.len == 8)
		generation = store_be_get(old.data, 8);
	store_be_put(be, generation + 1, 8);
	store_put(txn, meta, key, strlen(key), be, 8, 0);
}

/* One attempt: 1 = retry after growing the map, else a final result.
 * With changes, the rows changed are captured and the transaction
 * aborted. */
static int store_write_once(struct store *store, store_write_fn *body,
			    void *context, struct store_changes *changes,
			    const char **error_r)
{
	struct store_txn txn = {.user = NULL};
	int rc = mdb_txn_begin(store->env, NULL, 0, &txn.txn);

	if (rc == MDB_MAP_RESIZED) {
		store_adopt_map_size(store);
		rc = mdb_txn_begin(store->env, NULL, 0, &txn.txn);
	}
	if (rc != 0) {
		*error_r = store_errorf("store %s: cannot start a write: %s",
					store->dir, mdb_strerror(rc));
		return store_map_error(rc);
	}
	store_txn_init(&txn, store, true);
	txn.journal = changes;
	int ret = body(&txn, context);
	if (ret == 0 && txn.result == STORE_OK)
		store_bump_generation(&txn);
	if (ret < 0 || txn.result != STORE_OK) {
		mdb_txn_abort(txn.txn);
		if (txn.map_full)
			return 1;
		*error_r = store_errorf("%s", txn.error);
		return txn.result != STORE_OK ? txn.result : STORE_ABORTED;
	}
	if (changes != NULL) {
		rc = store_journal_resolve(&txn);
		mdb_txn_abort(txn.txn);
		if (rc != STORE_OK)
			*error_r = store_errorf("store %s: cannot read the "
						"changes back",
						store->dir);
		return rc;
	}
	rc = mdb_txn_commit(txn.txn);
	if (rc == MDB_MAP_FULL)
		return 1;
	if (rc != 0)
		*error_r =
		    store_errorf("store %s: commit failed: %s", store->dir,
				 store_commit_error(store, rc));
	return store_map_error(rc);
}

static int store_write_run(struct store *store, store_write_fn *body,
			   void *context, struct store_changes *changes,
			   const char **error_r)
{
	int ret;

	if (store->read_only) {
		*error_r =
		    store_errorf("store %s is open read-only", store->dir);
		return STORE_PERMFAIL;
	}
	ret = store_lock_writer(store, error_r);
	if (ret == STORE_OK && store->kind == STORE_ENV_CONFIG)
		ret = store_still_current(store, error_r);
	for (int attempt = 0; ret == STORE_OK && attempt < STORE_WRITE_ATTEMPTS;
	     attempt++) {
		if (changes != NULL)
			store_changes_free(changes);
		ret = store_write_once(store, body, context, changes, error_r);
		if (ret != 1)
			break;
		ret = store_grow_map(store, error_r);
		if (ret == STORE_OK && attempt + 1 == STORE_WRITE_ATTEMPTS) {
			*error_r = store_errorf("store %s: map still full",
						store->dir);
			ret = STORE_TEMPFAIL;
		}
	}
	store_unlock_writer(store);
	return ret;
}

int store_write(struct store *store, store_write_fn *body, void *context,
		const char **error_r)
{
	return store_write_run(store, body, context, NULL, error_r);
}

int store_write_capture(struct store *store, store_write_fn *body,
			void *context, struct store_changes *changes_r,
			const char **error_r)
{
	memset(changes_r, 0, sizeof(*changes_r));
	return store_write_run(store, body, context, changes_r, error_r);
}
