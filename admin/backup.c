/* backup: `mailmapctl backup DIR`; see backup.h. */
#include "backup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "keyspace.h"

/* Copies the environment open as store into dir/NAME (made here); its
 * size and checksum into file. 0, or -1 with a message. */
static int backup_env(struct store *store, const char *dir, const char *name,
		      struct backup_file *file, const char **error_r)
{
	char sub[4200], data[4300];

	snprintf(sub, sizeof(sub), "%s/%s", dir, name);
	snprintf(data, sizeof(data), "%s/data.mdb", sub);
	if (mkdir(sub, 0750) < 0) {
		*error_r = strerror(errno);
		return -1;
	}
	if (store_copy(store, sub, error_r) != STORE_OK)
		return -1;
	if (store_sync_path(data, false) < 0 ||
	    store_sync_path(sub, true) < 0 ||
	    backup_file_hash(data, file) < 0) {
		*error_r = strerror(errno);
		return -1;
	}
	return 0;
}

/* The state environment, when mailmapd made one: copied likewise. */
static int backup_state(const struct ctl *ctl, const char *dir,
			struct backup_manifest *m, const char **error_r)
{
	struct store_settings settings = {
	    .dir = ctl->state_dir, .kind = STORE_ENV_STATE, .read_only = true};
	struct store *state;
	char data[4200];
	int ret;

	snprintf(data, sizeof(data), "%s/data.mdb", ctl->state_dir);
	if (access(data, F_OK) < 0)
		return 0;
	if (store_open(&settings, &state, error_r) != STORE_OK)
		return -1;
	ret = backup_env(state, dir, "state", &m->state, error_r);
	store_close(&state);
	return ret;
}

/* Counts the records of the copy (not of the live store: it may have
 * changed since the copy's snapshot), then removes the lock files the
 * count made there. */
static int backup_count_copy(const char *dir, struct backup_manifest *m,
			     const char **error_r)
{
	char sub[4300], path[4400];
	struct store_settings settings = {
	    .dir = sub, .kind = STORE_ENV_CONFIG, .read_only = true};
	struct store *copy;
	int ret;

	snprintf(sub, sizeof(sub), "%s/config", dir);
	if (store_open(&settings, &copy, error_r) != STORE_OK)
		return -1;
	ret = backup_count(copy, m, error_r);
	store_close(&copy);
	snprintf(path, sizeof(path), "%s/lock.mdb", sub);
	unlink(path);
	return ret;
}

/* dir's parent, synced: the rename into it is on disk. */
static int backup_sync_parent(const char *dir)
{
	char parent[4096];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash == NULL)
		return store_sync_path(".", true);
	*(slash == parent ? slash + 1 : slash) = '\0';
	return store_sync_path(parent, true);
}

static int backup_make(struct ctl *ctl, const char *dir, const char *partial,
		       struct backup_manifest *m)
{
	const char *error = NULL;

	if (mkdir(partial, 0750) < 0) {
		fprintf(ctl->err, "mailmapctl: backup: cannot create %s: %s\n",
			partial, strerror(errno));
		return CTL_TEMPFAIL;
	}
	m->format = BACKUP_FORMAT;
	m->created = (int64_t)time(NULL);
	m->schema = STORE_SCHEMA_VERSION;
	if (backup_env(ctl->store, partial, "config", &m->config, &error) < 0 ||
	    backup_state(ctl, partial, m, &error) < 0 ||
	    backup_count_copy(partial, m, &error) < 0) {
		fprintf(ctl->err,
			"mailmapctl: backup: %s (the unfinished "
			"copy is left in %s)\n",
			error, partial);
		return CTL_TEMPFAIL;
	}
	if (backup_manifest_write(partial, m) < 0 ||
	    store_sync_path(partial, true) < 0 || rename(partial, dir) < 0 ||
	    backup_sync_parent(dir) < 0) {
		fprintf(ctl->err, "mailmapctl: backup: %s: %s\n", dir,
			strerror(errno));
		return CTL_TEMPFAIL;
	}
	return CTL_OK;
}

/* A backup is a background job: it yields the CPU and the disk to
 * mailmapd (lowest CPU priority, idle I/O class). Measured with
 * tests/bench/data_bench.sh: lookup p99 27x higher during backups at the
 * default priority, 1.5x at this one. Best effort: a failure is no
 * reason not to back up. */
static void backup_yield(void)
{
	int idle_class = 3 << 13; /* IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0) */

	(void)setpriority(PRIO_PROCESS, 0, 19);
	(void)syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0,
		      idle_class);
}

int backup_main(struct ctl *ctl, int argc, char **argv)
{
	struct backup_manifest m = {0};
	char partial[4200];
	int status;

	(void)argc;
	if (access(argv[0], F_OK) == 0) {
		fprintf(ctl->err,
			"mailmapctl: backup: %s exists: give a new directory\n",
			argv[0]);
		return CTL_INPUT;
	}
	backup_yield();
	snprintf(partial, sizeof(partial), "%s.partial-%ld", argv[0],
		 (long)getpid());
	status = backup_make(ctl, argv[0], partial, &m);
	if (status != CTL_OK)
		return status;
	fprintf(ctl->out, "backup %s: config %llu bytes", argv[0],
		(unsigned long long)m.config.bytes);
	if (m.state.present)
		fprintf(ctl->out, ", state %llu bytes",
			(unsigned long long)m.state.bytes);
	for (size_t i = 0; i < m.kind_count; i++)
		fprintf(ctl->out, ", %s %llu", m.kinds[i].name,
			(unsigned long long)m.kinds[i].count);
	fputc('\n', ctl->out);
	return CTL_OK;
}
