/* restore: `mailmapctl restore DIR`; see backup.h.
 *
 * 1. The backup is checked: its MANIFEST, the size and SHA-256 of its
 *    config/data.mdb, the schema version.
 * 2. The file is copied next to the live environment, into
 *    STORE/config.restore-PID (synced), and opened there: the schema is
 *    checked again and the records counted against the manifest. The new
 *    directory and its files get the owner, group and mode of the live
 *    ones (mailmapd's group must read them).
 * 3. store_swap_in() exchanges it with STORE/config in one rename, under
 *    the writers' lock; mailmapd moves to it between two requests.
 * 4. The replaced environment is kept as STORE/config.before-restore
 *    (one such: a previous one is removed first).
 * Killed before 3, the live store is as it was (a config.restore-PID
 * directory is left); after 3, the restored one is live and whole. */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "keyspace.h"

#define RESTORE_LOCK_WAIT_MS 10000

static int restore_fail(struct ctl *ctl, int status, const char *what,
			const char *why)
{
	fprintf(ctl->err, "mailmapctl: restore: %s: %s\n", what, why);
	return status;
}

/* The manifest, and the config file agreeing with it. */
static int restore_check(struct ctl *ctl, const char *dir,
			 struct backup_manifest *m)
{
	char data[4200];
	struct backup_file got;
	const char *error;

	if (backup_manifest_read(dir, m, &error) < 0)
		return restore_fail(ctl, CTL_INPUT, dir, error);
	if (m->schema != STORE_SCHEMA_VERSION)
		return restore_fail(ctl, CTL_INPUT, dir,
				    "made by a mailmap with another schema "
				    "version");
	snprintf(data, sizeof(data), "%s/config/data.mdb", dir);
	if (backup_file_hash(data, &got) < 0)
		return restore_fail(ctl, CTL_INPUT, data, strerror(errno));
	if (got.bytes != m->config.bytes ||
	    strcmp(got.sha256, m->config.sha256) != 0)
		return restore_fail(ctl, CTL_INPUT, data,
				    "its size or checksum differs from the "
				    "MANIFEST: the backup is damaged");
	return CTL_OK;
}

/* Copies a file, synced. 0, or -1 with errno. */
static int restore_copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	ssize_t n = 0;
	int in = open(from, O_RDONLY | O_CLOEXEC), out;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	}
	close(in);
	if (n < 0 || fsync(out) < 0) {
		close(out);
		return -1;
	}
	return close(out);
}

/* Gives path the owner, group and mode of model (when model exists). */
static int restore_same_owner(const char *model, const char *path)
{
	struct stat st;

	if (stat(model, &st) < 0)
		return 0;
	if (chown(path, st.st_uid, st.st_gid) < 0 && errno != EPERM)
		return -1;
	return chmod(path, st.st_mode & 07777);
}

/* The prepared environment: opened (schema, counts) and owned like the
 * live one. */
static int restore_prepare_env(struct ctl *ctl, const char *live,
			       const char *prepared,
			       const struct backup_manifest *m)
{
	static const char *const files[] = {"data.mdb", "lock.mdb",
					    "write.lock"};
	struct store_settings settings = {.dir = prepared,
					  .kind = STORE_ENV_CONFIG};
	struct backup_manifest counted = {0};
	struct store *store;
	const char *error;
	char a[4300], b[4300];

	if (store_open(&settings, &store, &error) != STORE_OK)
		return restore_fail(ctl, CTL_INPUT, prepared, error);
	if (backup_count(store, &counted, &error) < 0) {
		store_close(&store);
		return restore_fail(ctl, CTL_TEMPFAIL, prepared, error);
	}
	store_close(&store);
	for (size_t i = 0; i < m->kind_count; i++) {
		if (i >= counted.kind_count ||
		    m->kinds[i].count != counted.kinds[i].count)
			return restore_fail(ctl, CTL_INPUT, m->kinds[i].name,
					    "the backup holds another number "
					    "of them than its MANIFEST says");
	}
	if (restore_same_owner(live, prepared) < 0)
		return restore_fail(ctl, CTL_TEMPFAIL, prepared,
				    strerror(errno));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(a, sizeof(a), "%s/%s", live, files[i]);
		snprintf(b, sizeof(b), "%s/%s", prepared, files[i]);
		if (access(b, F_OK) == 0 && restore_same_owner(a, b) < 0)
			return restore_fail(ctl, CTL_TEMPFAIL, b,
					    strerror(errno));
	}
	return CTL_OK;
}

/* Removes a directory of plain files (an old environment). */
static void restore_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4600];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int restore_main(struct ctl *ctl, int argc, char **argv)
{
	struct backup_manifest m;
	const char *live = store_dir(ctl->store), *error;
	char prepared[4200], kept[4200], from[4200], to[4300];
	int status;

	(void)argc;
	if (ctl->etcd != NULL) {
		/* the replica is mailmapd's: etcd is what to restore */
		fprintf(ctl->err,
			"mailmapctl: restore: multi-host mode: this store is "
			"a replica of etcd; restore etcd itself (etcdctl "
			"snapshot restore), or restore on a single host and "
			"`mailmapctl replica seed` an empty prefix\n");
		return CTL_INPUT;
	}
	if ((status = restore_check(ctl, argv[0], &m)) != CTL_OK)
		return status;
	snprintf(prepared, sizeof(prepared), "%s.restore-%ld", live,
		 (long)getpid());
	snprintf(kept, sizeof(kept), "%s.before-restore", live);
	snprintf(from, sizeof(from), "%s/config/data.mdb", argv[0]);
	snprintf(to, sizeof(to), "%s/data.mdb", prepared);
	if (mkdir(prepared, 0770) < 0 || restore_copy_file(from, to) < 0)
		return restore_fail(ctl, CTL_TEMPFAIL, prepared,
				    strerror(errno));
	if ((status = restore_prepare_env(ctl, live, prepared, &m)) != CTL_OK)
		return status;
	if (store_sync_path(prepared, true) < 0)
		return restore_fail(ctl, CTL_TEMPFAIL, prepared,
				    strerror(errno));
	if (store_swap_in(live, prepared, RESTORE_LOCK_WAIT_MS, &error) !=
	    STORE_OK)
		return restore_fail(ctl, CTL_TEMPFAIL, live, error);
	restore_remove_dir(kept);
	if (rename(prepared, kept) < 0)
		fprintf(ctl->err,
			"mailmapctl: restore: the replaced configuration "
			"stays in %s: %s\n",
			prepared, strerror(errno));
	fprintf(ctl->out,
		"restored %s into %s; the configuration it replaced is in %s\n",
		argv[0], live, kept);
	return CTL_OK;
}
