/* backup_manifest: the MANIFEST of a backup, checksums and counts; see
 * backup.h. */
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kinds.h"

int backup_file_hash(const char *path, struct backup_file *file)
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE], buf[1 << 16];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	sha256_init(&ctx);
	file->bytes = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		sha256_update(&ctx, (size_t)n, buf);
		file->bytes += (uint64_t)n;
	}
	close(fd);
	if (n < 0)
		return -1;
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(file->sha256 + 2 * i, 3, "%02x", digest[i]);
	file->present = true;
	return 0;
}

/* The kind's slot in m, made on first use. */
static uint64_t *backup_kind_slot(struct backup_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->kind_count; i++) {
		if (strcmp(m->kinds[i].name, name) == 0)
			return &m->kinds[i].count;
	}
	if (m->kind_count == BACKUP_KINDS_MAX)
		return NULL;
	snprintf(m->kinds[m->kind_count].name,
		 sizeof(m->kinds[m->kind_count].name), "%s", name);
	m->kinds[m->kind_count].count = 0;
	return &m->kinds[m->kind_count++].count;
}

static int backup_count_table(struct store_txn *txn, const struct kind *kind,
			      uint64_t *count)
{
	struct store_iter iter;
	struct store_val k, v;
	int ret = store_iter_open(txn, kind->table, NULL, 0, &iter);

	while (ret == STORE_OK && (ret = store_iter_next(&iter, &k, &v)) == 1) {
		enum record_type type;
		ret = STORE_OK;
		if (record_peek_type(v.data, v.len, &type) == 0 &&
		    type == kind->type)
			(*count)++;
	}
	store_iter_close(&iter);
	return ret < 0 ? -1 : 0;
}

int backup_count(struct store *store, struct backup_manifest *m,
		 const char **error_r)
{
	struct store_reader *reader;
	struct store_txn *txn;
	int ret = 0;

	if (store_reader_new(store, &reader, error_r) != STORE_OK)
		return -1;
	if (store_read_begin(reader, &txn, error_r) != STORE_OK) {
		store_reader_free(&reader);
		return -1;
	}
	for (size_t i = 0; kinds_all[i] != NULL && ret == 0; i++) {
		uint64_t *slot =
		    backup_kind_slot(m, kind_desc(kinds_all[i])->name);
		if (slot == NULL ||
		    backup_count_table(txn, kinds_all[i], slot) < 0) {
			*error_r = "cannot count the records";
			ret = -1;
		}
	}
	store_read_end(reader);
	store_reader_free(&reader);
	return ret;
}

static void backup_write_file(FILE *f, const char *name,
			      const struct backup_file *file)
{
	if (file->present)
		fprintf(f, "file %s %" PRIu64 " %s\n", name, file->bytes,
			file->sha256);
}

int backup_manifest_write(const char *dir, const struct backup_manifest *m)
{
	char path[4200];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, BACKUP_MANIFEST);
	if ((f = fopen(path, "wx")) == NULL)
		return -1;
	fprintf(f, "mailmap-backup %u\ncreated %" PRId64 "\nschema %u\n",
		m->format, m->created, m->schema);
	backup_write_file(f, "config/data.mdb", &m->config);
	backup_write_file(f, "state/data.mdb", &m->state);
	for (size_t i = 0; i < m->kind_count; i++)
		fprintf(f, "count %s %" PRIu64 "\n", m->kinds[i].name,
			m->kinds[i].count);
	ret = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -1;
	if (fclose(f) != 0)
		ret = -1;
	return ret;
}

/* One "file NAME BYTES SHA256" line. */
static int backup_read_file(const char *line, struct backup_manifest *m)
{
	char name[64], sha[65];
	uint64_t bytes;
	struct backup_file *file;

	if (sscanf(line, "file %63s %" SCNu64 " %64s", name, &bytes, sha) !=
		3 ||
	    strlen(sha) != 64)
		return -1;
	if (strcmp(name, "config/data.mdb") == 0)
		file = &m->config;
	else if (strcmp(name, "state/data.mdb") == 0)
		file = &m->state;
	else
		return -1;
	file->present = true;
	file->bytes = bytes;
	memcpy(file->sha256, sha, sizeof(file->sha256));
	return 0;
}

static int backup_read_line(const char *line, struct backup_manifest *m)
{
	char name[32];
	uint64_t count, *slot;

	if (sscanf(line, "created %" SCNd64, &m->created) == 1 ||
	    sscanf(line, "schema %u", &m->schema) == 1)
		return 0;
	if (strncmp(line, "file ", 5) == 0)
		return backup_read_file(line, m);
	if (sscanf(line, "count %31s %" SCNu64, name, &count) == 2 &&
	    (slot = backup_kind_slot(m, name)) != NULL) {
		*slot = count;
		return 0;
	}
	return -1;
}

int backup_manifest_read(const char *dir, struct backup_manifest *m,
			 const char **error_r)
{
	char path[4200], line[512];
	FILE *f;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/%s", dir, BACKUP_MANIFEST);
	if ((f = fopen(path, "r")) == NULL) {
		*error_r = errno == ENOENT ? "no MANIFEST: not a backup, or "
					     "an unfinished one"
					   : "cannot read its MANIFEST";
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL ||
	    sscanf(line, "mailmap-backup %u", &m->format) != 1 ||
	    m->format != BACKUP_FORMAT) {
		*error_r = "MANIFEST: not a mailmap backup of format 1";
		ret = -1;
	}
	while (ret == 0 && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (backup_read_line(line, m) < 0) {
			*error_r = "MANIFEST: a line is malformed";
			ret = -1;
		}
	}
	fclose(f);
	if (ret == 0 && (!m->config.present || m->schema == 0)) {
		*error_r = "MANIFEST: no config file or schema version";
		ret = -1;
	}
	return ret;
}
