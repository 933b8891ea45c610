/*
 * store_swap: an environment copied out whole, and one swapped in under
 * running readers and writers (backup and restore, and later a replica
 * fed from elsewhere).
 *
 * The swap exchanges two directories in one rename (renameat2
 * RENAME_EXCHANGE): the live environment's directory and a prepared one
 * holding a complete data.mdb. Readers that have the old one open keep
 * reading it (its files stay whole under the other name) until they look
 * again: mailmapd notices a new data.mdb and a new lock.mdb, opens the
 * new environment beside the old one and moves to it between two
 * requests (daemon/config_store.c). Writers: the swap holds the old
 * environment's write.lock while it renames, and every writer checks,
 * once it holds that lock, that its environment is still the one at the
 * path (store_still_current): a writer that opened the old one before the
 * swap gets a temporary failure instead of writing where nobody reads.
 */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int store_copy(struct store *store, const char *dir, const char **error_r)
{
	int rc = mdb_env_copy2(store->env, dir, MDB_CP_COMPACT);

	if (rc != 0) {
		*error_r = store_errorf("cannot copy store %s to %s: %s",
					store->dir, dir, mdb_strerror(rc));
		return rc == ENOSPC || rc == EIO ? STORE_TEMPFAIL
						 : STORE_PERMFAIL;
	}
	return STORE_OK;
}

int store_still_current(const struct store *store, const char **error_r)
{
	char path[4200];
	struct stat open_st, path_st;

	snprintf(path, sizeof(path), "%s/data.mdb", store->dir);
	if (store_file_stat(store, &open_st) < 0 || stat(path, &path_st) < 0 ||
	    open_st.st_dev != path_st.st_dev ||
	    open_st.st_ino != path_st.st_ino) {
		*error_r = store_errorf("store %s was replaced (a restore?) "
					"since this command opened it; run it "
					"again",
					store->dir);
		return STORE_TEMPFAIL;
	}
	return STORE_OK;
}

/* Takes dir's write.lock, waiting up to wait_ms. The fd, or -1. */
static int store_swap_lock(const char *dir, unsigned wait_ms,
			   const char **error_r)
{
	char path[4200];
	struct timespec pause = {0, 10 * 1000 * 1000};
	unsigned waited = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/write.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	if (fd < 0) {
		*error_r =
		    store_errorf("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK || waited >= wait_ms) {
			*error_r = store_errorf("store %s is locked by a "
						"writer; try again",
						dir);
			close(fd);
			return -1;
		}
		nanosleep(&pause, NULL);
		waited += 10;
	}
	return fd;
}

int store_sync_path(const char *path, bool directory)
{
	int fd = open(path, (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) |
				O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

int store_swap_in(const char *dir, const char *prepared, unsigned wait_ms,
		  const char **error_r)
{
	char parent[4096];
	char *slash;
	int fd = store_swap_lock(dir, wait_ms, error_r);

	if (fd < 0)
		return STORE_TEMPFAIL;
	if (renameat2(AT_FDCWD, prepared, AT_FDCWD, dir, RENAME_EXCHANGE) < 0) {
		*error_r = store_errorf("cannot swap %s in for %s: %s",
					prepared, dir, strerror(errno));
		close(fd);
		return STORE_TEMPFAIL;
	}
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash != NULL)
		*(slash == parent ? slash + 1 : slash) = '\0';
	if (store_sync_path(slash != NULL ? parent : ".", true) < 0) {
		*error_r = store_errorf("swapped, but cannot sync %s: %s",
					parent, strerror(errno));
		close(fd);
		return STORE_TEMPFAIL;
	}
	close(fd); /* writers waiting on the old lock now find it replaced */
	return STORE_OK;
}
