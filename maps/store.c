/*
 * store: LMDB environments (open, schema, close, sync) and the error
 * mapping; see store.h, and store_internal.h for the other parts.
 */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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

static _Thread_local char store_error_buf[STORE_ERROR_MAX];

const char *store_errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(store_error_buf, sizeof(store_error_buf), fmt, ap);
	va_end(ap);
	return store_error_buf;
}

int store_map_error(int rc)
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
	/* No MDB_WRITEMAP: with it, the state's file is sparse and a page
	 * written into a hole on a full disk is a SIGBUS, where LMDB's own
	 * writes (pwrite at commit) fail with ENOSPC and abort only that
	 * transaction. Its pages are read at random: no readahead. */
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

const char *store_table_name(enum store_table table)
{
	return store_tables[table].name;
}

bool store_table_in_env(enum store_table table, enum store_env_kind kind)
{
	return store_tables[table].env == kind;
}

bool store_table_is_dup(enum store_table table)
{
	return (store_tables[table].flags & MDB_DUPSORT) != 0;
}

enum store_table store_meta_table(const struct store *store)
{
	return store->kind == STORE_ENV_CONFIG ? STORE_META : STORE_STATE_META;
}

void store_be_put(unsigned char *out, uint64_t value, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		out[i] = (unsigned char)(value >> (8 * (bytes - 1 - i)));
}

uint64_t store_be_get(const unsigned char *in, size_t bytes)
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

int store_file_stat(const struct store *store, struct stat *st_r)
{
	mdb_filehandle_t fd;

	if (mdb_env_get_fd(store->env, &fd) != 0)
		return -1;
	return fstat(fd, st_r);
}

/* The pages in the free list (dbi 0: each value starts with its count). */
static int store_free_pages(MDB_txn *txn, uint64_t *pages_r)
{
	MDB_cursor *cursor;
	MDB_val key, value;
	int ret = mdb_cursor_open(txn, 0, &cursor);

	if (ret != 0)
		return ret;
	while ((ret = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) == 0) {
		size_t pages;
		if (value.mv_size < sizeof(pages))
			continue;
		memcpy(&pages, value.mv_data, sizeof(pages));
		*pages_r += pages;
	}
	mdb_cursor_close(cursor);
	return ret == MDB_NOTFOUND ? 0 : ret;
}

int store_space_get(struct store *store, struct store_space *space_r)
{
	MDB_envinfo info;
	MDB_stat stat;
	MDB_txn *txn;
	int ret;

	memset(space_r, 0, sizeof(*space_r));
	/* a reader as the others: a map resize waits for it */
	pthread_rwlock_rdlock(&store->resize_lock);
	ret = mdb_env_info(store->env, &info);
	if (ret == 0)
		ret = mdb_env_stat(store->env, &stat);
	if (ret == 0)
		ret = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &txn);
	if (ret == 0) {
		space_r->map_size = info.me_mapsize;
		space_r->page_size = stat.ms_psize;
		space_r->used_bytes =
		    ((uint64_t)info.me_last_pgno + 1) * stat.ms_psize;
		ret = store_free_pages(txn, &space_r->free_pages);
		mdb_txn_abort(txn);
	}
	pthread_rwlock_unlock(&store->resize_lock);
	return ret == 0 ? STORE_OK : store_map_error(ret);
}
