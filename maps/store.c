/*
 * store: LMDB environments, transactions and the error mapping; see store.h.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STORE_DEFAULT_MAP_SIZE (1ull << 30)
#define STORE_MAX_MAP_SIZE     (1ull << 40)
#define STORE_WRITE_ATTEMPTS   12
#define STORE_MAX_READERS      254
#define STORE_ERROR_MAX	       512

struct table_def {
	const char *name;
	enum store_env_kind env;
	unsigned flags;
};

static const struct table_def store_tables[STORE_TABLE_COUNT] = {
    [STORE_META] = {"meta", STORE_ENV_CONFIG, 0},
    [STORE_CUSTOMERS] = {"customers", STORE_ENV_CONFIG, 0},
    [STORE_OFFERS] = {"offers", STORE_ENV_CONFIG, 0},
    [STORE_DOMAINS] = {"domains", STORE_ENV_CONFIG, 0},
    [STORE_ADDRESSES] = {"addresses", STORE_ENV_CONFIG, 0},
    [STORE_SERVERS] = {"servers", STORE_ENV_CONFIG, 0},
    [STORE_REFS] = {"refs", STORE_ENV_CONFIG, MDB_DUPSORT},
    [STORE_STATE_META] = {"meta", STORE_ENV_STATE, 0},
    [STORE_QUOTA] = {"quota", STORE_ENV_STATE, 0},
    [STORE_LAST_LOGIN] = {"last_login", STORE_ENV_STATE, 0},
    [STORE_GREYLIST] = {"greylist", STORE_ENV_STATE, 0},
};

struct store {
	MDB_env *env;
	enum store_env_kind kind;
	MDB_dbi dbi[STORE_TABLE_COUNT];
	char *dir;
	bool read_only;
	unsigned lock_wait_ms;
	int lock_fd;
	/* Readers hold it shared; a map resize (after another process grew
	 * the map) needs every transaction of this process ended. */
	pthread_rwlock_t resize_lock;
};

struct store_txn {
	struct store *store;
	MDB_txn *txn;
	bool writable;
	bool map_full;
	int result;
	char error[STORE_ERROR_MAX];
	void *user; /* store_reader_set_user(); NULL in a write */
};

struct store_reader {
	struct store *store;
	struct store_txn txn;
	bool active;
};

static _Thread_local char store_error_buf[STORE_ERROR_MAX];

static const char *store_errorf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static const char *store_errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(store_error_buf, sizeof(store_error_buf), fmt, ap);
	va_end(ap);
	return store_error_buf;
}

/* The one place where LMDB and system error codes get a meaning. */
static int store_map_error(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return STORE_OK;
	case MDB_NOTFOUND:
		return STORE_NOTFOUND;
	case MDB_KEYEXIST:
		return STORE_EXISTS;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID:
	case MDB_INCOMPATIBLE:
	case MDB_BAD_VALSIZE:
	case MDB_BAD_DBI:
	case MDB_PANIC:
		return STORE_PERMFAIL;
	default:
		/* Full maps, busy readers, I/O and permission errors: an
		 * admin or a retry can fix them; never a wrong "not found". */
		return STORE_TEMPFAIL;
	}
}

static int store_mkdirs(const char *dir)
{
	char path[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path))
		return -1;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0770) < 0 && errno != EEXIST ? -1 : 0;
}

static int store_env_init(struct store *store,
			  const struct store_settings *settings,
			  const char **error_r)
{
	unsigned flags = MDB_NOTLS;
	uint64_t map_size = settings->map_size != 0 ? settings->map_size
						    : STORE_DEFAULT_MAP_SIZE;
	int rc;

	if (settings->read_only)
		flags |= MDB_RDONLY;
	if (settings->nosync)
		flags |= MDB_NOSYNC;
	if (settings->kind == STORE_ENV_STATE && !settings->read_only)
		flags |= MDB_WRITEMAP;
	/* Its pages are read at random, and its file is sparse: readahead
	 * on a fault would read (zero-fill) whole large folios of holes. */
	if (settings->kind == STORE_ENV_STATE)
		flags |= MDB_NORDAHEAD;
	rc = mdb_env_create(&store->env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(store->env, STORE_TABLE_COUNT);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(store->env, STORE_MAX_READERS);
	if (rc == 0)
		rc = mdb_env_set_mapsize(store->env, map_size);
	if (rc == 0)
		rc = mdb_env_open(store->env, settings->dir, flags, 0660);
	if (rc != 0) {
		*error_r = store_errorf("cannot open store %s: %s",
					settings->dir, mdb_strerror(rc));
		return store_map_error(rc);
	}
	int dead = 0;
	mdb_reader_check(store->env, &dead);
	return STORE_OK;
}

static int store_open_tables(struct store *store, MDB_txn *txn, bool create,
			     const char **error_r)
{
	for (int t = 0; t < STORE_TABLE_COUNT; t++) {
		const struct table_def *def = &store_tables[t];
		if (def->env != store->kind)
			continue;
		int rc = mdb_dbi_open(txn, def->name,
				      def->flags | (create ? MDB_CREATE : 0),
				      &store->dbi[t]);
		if (rc == MDB_NOTFOUND) {
			*error_r = store_errorf(
			    "store %s is not initialised (table %s missing)",
			    store->dir, def->name);
			return STORE_PERMFAIL;
		}
		if (rc != 0) {
			*error_r =
			    store_errorf("store %s: table %s: %s", store->dir,
					 def->name, mdb_strerror(rc));
			return store_map_error(rc);
		}
	}
	return STORE_OK;
}

static enum store_table store_meta_table(const struct store *store)
{
	return store->kind == STORE_ENV_CONFIG ? STORE_META : STORE_STATE_META;
}

static void store_be_put(unsigned char *out, uint64_t value, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		out[i] = (unsigned char)(value >> (8 * (bytes - 1 - i)));
}

static uint64_t store_be_get(const unsigned char *in, size_t bytes)
{
	uint64_t value = 0;

	for (size_t i = 0; i < bytes; i++)
		value = (value << 8) | in[i];
	return value;
}

/* Reads the schema version; writes it into a new, empty store. */
static int store_check_schema(struct store *store, MDB_txn *txn, bool create,
			      const char **error_r)
{
	MDB_dbi meta = store->dbi[store_meta_table(store)];
	MDB_val key = {strlen(STORE_META_SCHEMA), (void *)STORE_META_SCHEMA};
	MDB_val val;
	unsigned char be[4];
	int rc = mdb_get(txn, meta, &key, &val);

	if (rc == MDB_NOTFOUND && create) {
		store_be_put(be, STORE_SCHEMA_VERSION, 4);
		val.mv_data = be;
		val.mv_size = 4;
		rc = mdb_put(txn, meta, &key, &val, 0);
		if (rc == 0)
			return STORE_OK;
	}
	if (rc != 0) {
		*error_r =
		    store_errorf("store %s: cannot read the schema version: %s",
				 store->dir, mdb_strerror(rc));
		return rc == MDB_NOTFOUND ? STORE_PERMFAIL
					  : store_map_error(rc);
	}
	uint64_t version = val.mv_size == 4 ? store_be_get(val.mv_data, 4) : 0;
	if (version == STORE_SCHEMA_VERSION)
		return STORE_OK;
	*error_r = store_errorf(
	    version > STORE_SCHEMA_VERSION
		? "store %s has schema version %llu, newer than this mailmap "
		  "(%d): upgrade mailmap"
		: "store %s has schema version %llu, older than this mailmap "
		  "(%d): no migration exists for it",
	    store->dir, (unsigned long long)version, STORE_SCHEMA_VERSION);
	return STORE_PERMFAIL;
}

static int store_prepare(struct store *store, bool create, const char **error_r)
{
	bool write = create && !store->read_only;
	MDB_txn *txn;
	int rc = mdb_txn_begin(store->env, NULL, write ? 0 : MDB_RDONLY, &txn);
	int ret;

	if (rc != 0) {
		*error_r =
		    store_errorf("store %s: %s", store->dir, mdb_strerror(rc));
		return store_map_error(rc);
	}
	ret = store_open_tables(store, txn, write, error_r);
	if (ret == STORE_OK)
		ret = store_check_schema(store, txn, write, error_r);
	if (ret != STORE_OK) {
		mdb_txn_abort(txn);
		return ret;
	}
	rc = mdb_txn_commit(txn);
	if (rc != 0) {
		*error_r =
		    store_errorf("store %s: %s", store->dir, mdb_strerror(rc));
		return store_map_error(rc);
	}
	return STORE_OK;
}

int store_open(const struct store_settings *settings, struct store **store_r,
	       const char **error_r)
{
	struct store *store = calloc(1, sizeof(*store));
	int ret;

	if (store == NULL)
		abort();
	store->kind = settings->kind;
	store->read_only = settings->read_only;
	store->lock_wait_ms = settings->lock_wait_ms;
	store->lock_fd = -1;
	store->dir = strdup(settings->dir);
	pthread_rwlock_init(&store->resize_lock, NULL);
	if (settings->create && store_mkdirs(settings->dir) < 0) {
		*error_r = store_errorf("cannot create store directory %s: %s",
					settings->dir, strerror(errno));
		store_close(&store);
		return STORE_TEMPFAIL;
	}
	ret = store_env_init(store, settings, error_r);
	if (ret == STORE_OK)
		ret = store_prepare(store, settings->create, error_r);
	if (ret != STORE_OK) {
		store_close(&store);
		return ret;
	}
	*store_r = store;
	return STORE_OK;
}

void store_close(struct store **storep)
{
	struct store *store = *storep;

	if (store == NULL)
		return;
	if (store->env != NULL)
		mdb_env_close(store->env);
	if (store->lock_fd >= 0)
		close(store->lock_fd);
	pthread_rwlock_destroy(&store->resize_lock);
	free(store->dir);
	free(store);
	*storep = NULL;
}

const char *store_dir(const struct store *store)
{
	return store->dir;
}

size_t store_max_key(const struct store *store)
{
	return (size_t)mdb_env_get_maxkeysize(store->env);
}

int store_sync(struct store *store, const char **error_r)
{
	int rc = mdb_env_sync(store->env, 1);

	if (rc != 0)
		*error_r = store_errorf("store %s: sync: %s", store->dir,
					mdb_strerror(rc));
	return store_map_error(rc);
}

/* Another process grew the map: adopt its size. Needs every transaction of
 * this process ended, hence the exclusive lock. */
static void store_adopt_map_size(struct store *store)
{
	pthread_rwlock_wrlock(&store->resize_lock);
	mdb_env_set_mapsize(store->env, 0);
	pthread_rwlock_unlock(&store->resize_lock);
}

static void store_txn_init(struct store_txn *txn, struct store *store,
			   bool writable)
{
	txn->store = store;
	txn->writable = writable;
	txn->map_full = false;
	txn->result = STORE_OK;
	txn->error[0] = '\0';
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

/* One attempt: 1 = retry after growing the map, else a final result. */
static int store_write_once(struct store *store, store_write_fn *body,
			    void *context, const char **error_r)
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
	rc = mdb_txn_commit(txn.txn);
	if (rc == MDB_MAP_FULL)
		return 1;
	if (rc != 0)
		*error_r = store_errorf("store %s: commit failed: %s",
					store->dir, mdb_strerror(rc));
	return store_map_error(rc);
}

int store_write(struct store *store, store_write_fn *body, void *context,
		const char **error_r)
{
	int ret;

	if (store->read_only) {
		*error_r =
		    store_errorf("store %s is open read-only", store->dir);
		return STORE_PERMFAIL;
	}
	ret = store_lock_writer(store, error_r);
	for (int attempt = 0; ret == STORE_OK && attempt < STORE_WRITE_ATTEMPTS;
	     attempt++) {
		ret = store_write_once(store, body, context, error_r);
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

void store_txn_fail(struct store_txn *txn, int result, const char *message)
{
	if (txn->result != STORE_OK)
		return;
	txn->result = result;
	snprintf(txn->error, sizeof(txn->error), "%s", message);
}

/* Records an LMDB failure on the transaction; later writes become no-ops. */
static int store_txn_fail_rc(struct store_txn *txn, int rc, const char *what)
{
	char message[STORE_ERROR_MAX];

	if (rc == MDB_MAP_FULL)
		txn->map_full = true;
	snprintf(message, sizeof(message), "store %s: %s: %s", txn->store->dir,
		 what, mdb_strerror(rc));
	store_txn_fail(txn, store_map_error(rc), message);
	return txn->result;
}

static bool store_key_ok(const struct store_txn *txn, size_t key_len)
{
	return key_len != 0 && key_len <= store_max_key(txn->store);
}

bool store_txn_failed(const struct store_txn *txn)
{
	return txn->result != STORE_OK;
}

int store_txn_result(const struct store_txn *txn)
{
	return txn->result;
}

const char *store_txn_error(const struct store_txn *txn)
{
	return txn->error;
}

int store_get(struct store_txn *txn, enum store_table table, const void *key,
	      size_t key_len, struct store_val *value_r)
{
	MDB_val k = {key_len, (void *)key};
	MDB_val v;
	int rc;

	if (txn->result != STORE_OK)
		return txn->result;
	if (!store_key_ok(txn, key_len))
		return STORE_NOTFOUND;
	rc = mdb_get(txn->txn, txn->store->dbi[table], &k, &v);
	if (rc == MDB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc != 0)
		return store_txn_fail_rc(txn, rc, "read");
	value_r->data = v.mv_data;
	value_r->len = v.mv_size;
	return STORE_OK;
}

int store_put(struct store_txn *txn, enum store_table table, const void *key,
	      size_t key_len, const void *value, size_t value_len,
	      unsigned flags)
{
	MDB_val k = {key_len, (void *)key};
	MDB_val v = {value_len, (void *)value};
	int rc;

	if (txn->result != STORE_OK)
		return txn->result;
	if (!txn->writable) {
		store_txn_fail(txn, STORE_PERMFAIL,
			       "write in a read transaction");
		return txn->result;
	}
	if (!store_key_ok(txn, key_len)) {
		store_txn_fail(txn, STORE_PERMFAIL, "key is empty or too long");
		return txn->result;
	}
	rc = mdb_put(txn->txn, txn->store->dbi[table], &k, &v,
		     (flags & STORE_PUT_NEW) != 0 ? MDB_NOOVERWRITE : 0);
	if (rc == MDB_KEYEXIST)
		return STORE_EXISTS;
	return rc == 0 ? STORE_OK : store_txn_fail_rc(txn, rc, "write");
}

int store_del(struct store_txn *txn, enum store_table table, const void *key,
	      size_t key_len, const struct store_val *dup)
{
	MDB_val k = {key_len, (void *)key};
	MDB_val v;
	int rc;

	if (txn->result != STORE_OK)
		return txn->result;
	if (!store_key_ok(txn, key_len))
		return STORE_NOTFOUND;
	if (dup != NULL) {
		v.mv_data = (void *)dup->data;
		v.mv_size = dup->len;
	}
	rc = mdb_del(txn->txn, txn->store->dbi[table], &k,
		     dup != NULL ? &v : NULL);
	if (rc == MDB_NOTFOUND)
		return STORE_NOTFOUND;
	return rc == 0 ? STORE_OK : store_txn_fail_rc(txn, rc, "delete");
}

int store_count_dups(struct store_txn *txn, enum store_table table,
		     const void *key, size_t key_len, size_t *count_r)
{
	MDB_cursor *cursor;
	MDB_val k = {key_len, (void *)key};
	MDB_val v;
	size_t count = 0;
	int rc;

	*count_r = 0;
	if (txn->result != STORE_OK)
		return txn->result;
	if (!store_key_ok(txn, key_len))
		return STORE_OK;
	rc = mdb_cursor_open(txn->txn, txn->store->dbi[table], &cursor);
	if (rc != 0)
		return store_txn_fail_rc(txn, rc, "cursor");
	rc = mdb_cursor_get(cursor, &k, &v, MDB_SET);
	if (rc == 0)
		rc = mdb_cursor_count(cursor, &count);
	mdb_cursor_close(cursor);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_txn_fail_rc(txn, rc, "count");
	*count_r = (size_t)count;
	return STORE_OK;
}

int store_iter_open(struct store_txn *txn, enum store_table table,
		    const void *prefix, size_t prefix_len,
		    struct store_iter *iter)
{
	MDB_cursor *cursor;
	int rc;

	iter->cursor = NULL;
	if (txn->result != STORE_OK)
		return txn->result;
	rc = mdb_cursor_open(txn->txn, txn->store->dbi[table], &cursor);
	if (rc != 0)
		return store_txn_fail_rc(txn, rc, "cursor");
	iter->cursor = cursor;
	iter->txn = txn;
	iter->prefix = prefix;
	iter->prefix_len = prefix_len;
	iter->started = false;
	iter->after = NULL;
	iter->after_len = 0;
	return STORE_OK;
}

int store_iter_open_after(struct store_txn *txn, enum store_table table,
			  const void *prefix, size_t prefix_len,
			  const void *after, size_t after_len,
			  struct store_iter *iter)
{
	int ret = store_iter_open(txn, table, prefix, prefix_len, iter);

	iter->after = after;
	iter->after_len = after_len;
	return ret;
}

/* LMDB's default key order: bytes, then the shorter key first. */
static int store_key_cmp(const void *a, size_t a_len, const void *b,
			 size_t b_len)
{
	int cmp = memcmp(a, b, a_len < b_len ? a_len : b_len);

	if (cmp != 0)
		return cmp;
	return a_len < b_len ? -1 : a_len > b_len;
}

/* Positions the cursor on the first key past iter->after. A resume key
 * longer than LMDB's limit is sought by its first store_max_key() bytes,
 * then the keys up to it are skipped. */
static int store_iter_seek_after(struct store_iter *iter, MDB_val *k,
				 MDB_val *v)
{
	size_t max = store_max_key(iter->txn->store);
	int rc;

	k->mv_data = (void *)iter->after;
	k->mv_size = iter->after_len < max ? iter->after_len : max;
	rc = mdb_cursor_get(iter->cursor, k, v, MDB_SET_RANGE);
	while (rc == 0 && store_key_cmp(k->mv_data, k->mv_size, iter->after,
					iter->after_len) <= 0)
		rc = mdb_cursor_get(iter->cursor, k, v, MDB_NEXT_NODUP);
	return rc;
}

/* The first row: the prefix's first key, or the first one past `after`
 * when that sorts at or after the prefix. */
static int store_iter_first(struct store_iter *iter, MDB_val *k, MDB_val *v)
{
	if (iter->after_len != 0 &&
	    (iter->prefix_len == 0 ||
	     store_key_cmp(iter->after, iter->after_len, iter->prefix,
			   iter->prefix_len) >= 0))
		return store_iter_seek_after(iter, k, v);
	return mdb_cursor_get(iter->cursor, k, v,
			      iter->prefix_len != 0 ? MDB_SET_RANGE
						    : MDB_FIRST);
}

int store_iter_next(struct store_iter *iter, struct store_val *key_r,
		    struct store_val *value_r)
{
	MDB_val k = {iter->prefix_len, (void *)iter->prefix};
	MDB_val v;
	int rc;

	if (iter->cursor == NULL)
		return 0;
	if (!iter->started)
		rc = store_iter_first(iter, &k, &v);
	else
		rc = mdb_cursor_get(iter->cursor, &k, &v, MDB_NEXT);
	iter->started = true;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_txn_fail_rc(iter->txn, rc, "iterate");
	if (iter->prefix_len != 0 &&
	    (k.mv_size < iter->prefix_len ||
	     memcmp(k.mv_data, iter->prefix, iter->prefix_len) != 0))
		return 0;
	key_r->data = k.mv_data;
	key_r->len = k.mv_size;
	value_r->data = v.mv_data;
	value_r->len = v.mv_size;
	return 1;
}

void store_iter_close(struct store_iter *iter)
{
	if (iter->cursor != NULL)
		mdb_cursor_close(iter->cursor);
	iter->cursor = NULL;
}

uint64_t store_generation(struct store_txn *txn)
{
	enum store_table meta = store_meta_table(txn->store);
	struct store_val value;

	if (store_get(txn, meta, STORE_META_GENERATION,
		      strlen(STORE_META_GENERATION), &value) != STORE_OK ||
	    value.len != 8)
		return 0;
	return store_be_get(value.data, 8);
}
