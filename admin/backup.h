/*
 * backup: `mailmapctl backup DIR` and `mailmapctl restore DIR`.
 *
 * A backup directory holds config/data.mdb (a compact copy of the config
 * environment, from one snapshot), state/data.mdb (the same of the state
 * environment, when there is one) and MANIFEST, a text file written last:
 *
 *   mailmap-backup 1
 *   created UNIX-SECONDS
 *   schema N                         the store's schema version
 *   file config/data.mdb BYTES SHA256
 *   file state/data.mdb BYTES SHA256 (when there is a state)
 *   count KIND N                     records of each kind in the config
 *
 * The backup is made as DIR.partial-PID and renamed to DIR once complete
 * and on disk: a directory named DIR is always a whole backup. It runs at
 * the lowest CPU priority and in the idle I/O class: lookups come first.
 *
 * restore checks the manifest (sizes, checksums, schema version, the
 * counts against the copy it opens), prepares the environment next to the
 * live one and swaps it in (store_swap_in) under a running mailmapd,
 * which moves to it between two requests. The configuration it replaced
 * is kept as config.before-restore. The state is not restored under a
 * running daemon (it writes it all the time): the backup's state/ is
 * there for a restore by hand with mailmapd stopped.
 */
#ifndef MAILMAP_BACKUP_H
#define MAILMAP_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define BACKUP_FORMAT	 1
#define BACKUP_MANIFEST	 "MANIFEST"
#define BACKUP_KINDS_MAX 8

struct backup_file {
	bool present;
	uint64_t bytes;
	char sha256[65]; /* hex */
};

struct backup_manifest {
	unsigned format;
	int64_t created;
	unsigned schema;
	struct backup_file config, state;
	size_t kind_count;
	struct {
		char name[32];
		uint64_t count;
	} kinds[BACKUP_KINDS_MAX];
};

/* The SHA-256 of a file (hex) and its size. 0, or -1 with errno. */
int backup_file_hash(const char *path, struct backup_file *file);
/* Counts the records of each kind in an environment. 0, or -1. */
int backup_count(struct store *store, struct backup_manifest *m,
		 const char **error_r);
/* Writes DIR/MANIFEST and syncs it. 0, or -1 with errno. */
int backup_manifest_write(const char *dir, const struct backup_manifest *m);
/* Reads DIR/MANIFEST. 0, or -1 with a message. */
int backup_manifest_read(const char *dir, struct backup_manifest *m,
			 const char **error_r);

#endif
