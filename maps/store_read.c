/* store_read: readers and their snapshots; see store.h. */
#include "store_internal.h"

#include <stdlib.h>

void store_adopt_map_size(struct store *store)
{
	pthread_rwlock_wrlock(&store->resize_lock);
	mdb_env_set_mapsize(store->env, 0);
	pthread_rwlock_unlock(&store->resize_lock);
}

void store_txn_init(struct store_txn *txn, struct store *store, bool writable)
{
	txn->store = store;
	txn->writable = writable;
	txn->map_full = false;
	txn->result = STORE_OK;
	txn->error[0] = '\0';
	txn->journal = NULL;
}

int store_reader_new(struct store *store, struct store_reader **reader_r,
		     const char **error_r)
{
	struct store_reader *reader = calloc(1, sizeof(*reader));
	int rc;

	if (reader == NULL)
		abort();
	reader->store = store;
	store_txn_init(&reader->txn, store, false);
	rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &reader->txn.txn);
	if (rc != 0) {
		free(reader);
		*error_r =
		    store_errorf("store %s: %s", store->dir, mdb_strerror(rc));
		return store_map_error(rc);
	}
	mdb_txn_reset(reader->txn.txn);
	*reader_r = reader;
	return STORE_OK;
}

void store_reader_free(struct store_reader **readerp)
{
	struct store_reader *reader = *readerp;

	if (reader == NULL)
		return;
	store_read_end(reader);
	mdb_txn_abort(reader->txn.txn);
	free(reader);
	*readerp = NULL;
}

int store_read_begin(struct store_reader *reader, struct store_txn **txn_r,
		     const char **error_r)
{
	struct store *store = reader->store;
	int rc = 0;

	for (int attempt = 0; attempt < 3; attempt++) {
		pthread_rwlock_rdlock(&store->resize_lock);
		rc = mdb_txn_renew(reader->txn.txn);
		if (rc == 0) {
			store_txn_init(&reader->txn, store, false);
			reader->active = true;
			*txn_r = &reader->txn;
			return STORE_OK;
		}
		pthread_rwlock_unlock(&store->resize_lock);
		if (rc == MDB_MAP_RESIZED)
			store_adopt_map_size(store);
		else if (rc == MDB_READERS_FULL)
			mdb_reader_check(store->env, NULL);
		else
			break;
	}
	*error_r = store_errorf("store %s: cannot start a read: %s", store->dir,
				mdb_strerror(rc));
	return store_map_error(rc);
}

/* Is the reader's open transaction on the last committed state? */
static bool store_read_is_latest(const struct store_reader *reader)
{
	MDB_envinfo info;

	if (!reader->active ||
	    mdb_env_info(reader->store->env, &info) != MDB_SUCCESS)
		return false;
	return (size_t)info.me_last_txnid == mdb_txn_id(reader->txn.txn);
}

int store_read_latest(struct store_reader *reader, struct store_txn **txn_r,
		      const char **error_r)
{
	if (store_read_is_latest(reader)) {
		store_txn_init(&reader->txn, reader->store, false);
		*txn_r = &reader->txn;
		return STORE_OK;
	}
	store_read_end(reader);
	return store_read_begin(reader, txn_r, error_r);
}

void store_reader_set_user(struct store_reader *reader, void *user)
{
	reader->txn.user = user;
}

void *store_txn_user(const struct store_txn *txn)
{
	return txn->user;
}

uint64_t store_txn_snapshot(const struct store_txn *txn)
{
	return (uint64_t)mdb_txn_id(txn->txn);
}

void store_read_end(struct store_reader *reader)
{
	if (!reader->active)
		return;
	mdb_txn_reset(reader->txn.txn);
	reader->active = false;
	pthread_rwlock_unlock(&reader->store->resize_lock);
}

/* Serialises writers of the config environment across processes with a
 * bounded wait, instead of blocking on LMDB's writer mutex forever. */
