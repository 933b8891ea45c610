/*
 * import: `mailmapctl import FILE [--check]`, the hosting guide's bulk-user
 * spreadsheet (seed 000) as mailboxes, from CSV or XLSX (import_table.h).
 *
 * Columns, in any order, named by the header row (case and surrounding
 * blanks ignored); an unknown one is refused by name:
 *   login         the address (required)
 *   customer      the customer (required)
 *   profile       the offer, of that customer (required)
 *   firstname, lastname, password, language, timezone
 *   activated     enabled: 1/0, yes/no, true/false, oui/non, vrai/faux,
 *                 x; empty = yes
 *   domain        the login's domain, checked against it
 *   organisation  the Drive organisation: mailmap has no Drive; read and
 *                 not kept
 *   directory     the maildir: relative to the domain's storage, or an
 *                 absolute path under it
 * An empty cell leaves the field at its default. A plain password is
 * hashed (the configured scheme) before the transaction, on every core;
 * a {SCHEME}hash is kept.
 *
 * Each row is `mailbox add` with these fields, every rule applying as
 * there; the customer, offer and domain must exist. All rows run in one
 * write transaction: every refused row is reported with its row number
 * (the header is row 1) and the column at fault, and nothing is written
 * unless every row is good. --check does all of it and writes nothing.
 * On a terminal, a progress line (rows/s, time left) on stderr.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "import_table.h"
#include "objects.h"
#include "password.h"

#define IMPORT_HASH_THREADS_MAX 16

enum import_col {
	COL_LOGIN,
	COL_CUSTOMER,
	COL_PROFILE,
	COL_FIRSTNAME,
	COL_LASTNAME,
	COL_PASSWORD,
	COL_LANGUAGE,
	COL_TIMEZONE,
	COL_ACTIVATED,
	COL_DOMAIN,
	COL_ORGANISATION,
	COL_DIRECTORY,
	COL_COUNT
};

static const struct {
	const char *name;
	const char *field; /* the mailbox field it sets, NULL: none direct */
	bool required;
} import_cols[COL_COUNT] = {
    [COL_LOGIN] = {"login", NULL, true},
    [COL_CUSTOMER] = {"customer", NULL, true},
    [COL_PROFILE] = {"profile", "offer", true},
    [COL_FIRSTNAME] = {"firstname", "first_name", false},
    [COL_LASTNAME] = {"lastname", "last_name", false},
    [COL_PASSWORD] = {"password", "password", false},
    [COL_LANGUAGE] = {"language", "language", false},
    [COL_TIMEZONE] = {"timezone", "timezone", false},
    [COL_ACTIVATED] = {"activated", "enabled", false},
    [COL_DOMAIN] = {"domain", NULL, false},
    [COL_ORGANISATION] = {"organisation", NULL, false},
    [COL_DIRECTORY] = {"directory", "maildir", false},
};

struct import_run {
	struct ctl *ctl;
	struct import_table table;
	int where[COL_COUNT]; /* the file's column of each, -1: absent */
	struct strvec errors; /* malloc'd lines */
	struct arena errors_arena;
	size_t refused; /* rows */
	bool progress;
};

/* ---- the header ------------------------------------------------------- */

static int import_header(struct import_run *run)
{
	const struct import_row *h = &run->table.rows[0];
	int status = CTL_OK;

	for (int c = 0; c < COL_COUNT; c++)
		run->where[c] = -1;
	for (size_t i = 0; i < h->count; i++) {
		char *name = h->cells[i];
		size_t len;
		int c;
		while (*name == ' ' || *name == '\t')
			name++;
		len = strlen(name);
		while (len > 0 &&
		       (name[len - 1] == ' ' || name[len - 1] == '\t'))
			name[--len] = '\0';
		for (c = 0; c < COL_COUNT; c++) {
			if (strcasecmp(name, import_cols[c].name) == 0)
				break;
		}
		if (c == COL_COUNT && len == 0)
			continue; /* an empty column after the table */
		if (c == COL_COUNT || run->where[c] >= 0) {
			fprintf(run->ctl->err,
				"mailmapctl: import: row 1, column %zu: %s "
				"column \"%s\"\n",
				i + 1, c == COL_COUNT ? "unknown" : "a second",
				name);
			status = CTL_INPUT;
			continue;
		}
		run->where[c] = (int)i;
	}
	for (int c = 0; c < COL_COUNT; c++) {
		if (import_cols[c].required && run->where[c] < 0) {
			fprintf(run->ctl->err,
				"mailmapctl: import: row 1: no column \"%s\"\n",
				import_cols[c].name);
			status = CTL_INPUT;
		}
	}
	return status;
}

/* ---- one row ------------------------------------------------------------ */

static const char *import_cell(const struct import_run *run,
			       const struct import_row *row, int col)
{
	int i = run->where[col];

	return i >= 0 && (size_t)i < row->count ? row->cells[i] : "";
}

static void import_error(struct import_run *run, const struct import_row *row,
			 int col, const char *why)
{
	strvec_push(&run->errors_arena, &run->errors,
		    arena_printf(&run->errors_arena, "row %zu, column %s: %s",
				 row->number, import_cols[col].name, why));
}

/* activated as yes/no; NULL when it says neither. */
static const char *import_flag(const char *text)
{
	static const char *const yes[] = {"1",	  "yes", "true", "oui",
					  "vrai", "x",	 "y",	 NULL};
	static const char *const no[] = {"0",	 "no", "false", "non",
					 "faux", "n",  NULL};

	if (text[0] == '\0')
		return "yes";
	for (int i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(text, yes[i]) == 0)
			return "yes";
	}
	for (int i = 0; no[i] != NULL; i++) {
		if (strcasecmp(text, no[i]) == 0)
			return "no";
	}
	return NULL;
}

/* The maildir of directory: relative as is; absolute under the domain's
 * storage, relative to it. NULL (error recorded) otherwise. */
static const char *import_maildir(struct op *op, struct import_run *run,
				  const struct import_row *row,
				  const char *domain, const char *dir)
{
	struct rec_domain *d;
	size_t len;

	if (dir[0] != '/')
		return dir;
	if (object_load(op, &kind_domain, domain, (void **)&d) < 0) {
		op->error = NULL;
		import_error(run, row, COL_LOGIN, "its domain does not exist");
		return NULL;
	}
	len = strlen(d->storage);
	if (strncmp(dir, d->storage, len) != 0 || dir[len] != '/' ||
	    dir[len + 1] == '\0') {
		import_error(run, row, COL_DIRECTORY,
			     arena_printf(op->arena,
					  "%s is not under the domain's "
					  "storage %s",
					  dir, d->storage));
		return NULL;
	}
	return dir + len + 1;
}

/* The column an error of `mailbox add` is about: the one whose field it
 * names first ("language: ..."), else the login. */
static int import_error_col(const char *why)
{
	for (int c = 0; c < COL_COUNT; c++) {
		const char *f = import_cols[c].field;
		size_t n = f != NULL ? strlen(f) : 0;
		if (n != 0 && strncmp(why, f, n) == 0 && why[n] == ':')
			return c;
	}
	if (strstr(why, "offer") != NULL)
		return COL_PROFILE;
	return COL_LOGIN;
}

struct import_args {
	char *argv[COL_COUNT + 4];
	int argc;
};

static void import_arg(struct op *op, struct import_args *a, const char *field,
		       const char *value)
{
	if (value[0] != '\0')
		a->argv[a->argc++] =
		    arena_printf(op->arena, "%s=%s", field, value);
}

/* The `mailbox add` words of a row, leaving out (with an error
 * recorded) a cell found wrong before mailbox add even sees it. */
static void import_args(struct op *op, struct import_run *run,
			const struct import_row *row, struct import_args *a)
{
	const char *login = import_cell(run, row, COL_LOGIN);
	const char *at = strrchr(login, '@');
	const char *domain = import_cell(run, row, COL_DOMAIN);
	const char *flag = import_flag(import_cell(run, row, COL_ACTIVATED));
	const char *dir = import_cell(run, row, COL_DIRECTORY);

	a->argc = 0;
	a->argv[a->argc++] = "mailbox";
	a->argv[a->argc++] = "add";
	a->argv[a->argc++] = (char *)login;
	a->argv[a->argc++] = arena_printf(op->arena, "offer=%s/%s",
					  import_cell(run, row, COL_CUSTOMER),
					  import_cell(run, row, COL_PROFILE));
	for (int c = COL_FIRSTNAME; c <= COL_TIMEZONE; c++)
		import_arg(op, a, import_cols[c].field,
			   import_cell(run, row, c));
	if (flag == NULL) {
		import_error(run, row, COL_ACTIVATED,
			     "not a yes/no value (1/0, yes/no, true/false, "
			     "oui/non)");
	} else {
		import_arg(op, a, "enabled", flag);
	}
	if (domain[0] != '\0' &&
	    (at == NULL || strcasecmp(at + 1, domain) != 0)) {
		import_error(run, row, COL_DOMAIN,
			     arena_printf(op->arena,
					  "%s is not the domain of the login",
					  domain));
	}
	if (dir[0] != '\0' && at != NULL) {
		dir = import_maildir(op, run, row, at + 1, dir);
		if (dir != NULL)
			import_arg(op, a, "maildir", dir);
	}
	a->argv[a->argc] = NULL;
}

static void import_row(struct op *op, struct import_run *run,
		       const struct import_row *row)
{
	struct import_args a;
	size_t before = run->errors.count;

	/* mailbox add runs even when a cell was found wrong already (it
	 * leaves that one out), so that the row's other faults are told
	 * too; nothing is written anyway. */
	import_args(op, run, row, &a);
	if (commands_run(op, run->ctl, a.argc, a.argv) < 0) {
		import_error(run, row, import_error_col(op->error), op->error);
		op->error = NULL;
		op->status = CTL_OK;
	}
	if (run->errors.count > before)
		run->refused++;
}

/* ---- plain passwords, hashed on every core --------------------------------
 */

struct import_hashing {
	struct import_run *run;
	enum password_scheme scheme;
	unsigned rounds;
	atomic_size_t next; /* the next row to look at */
};

/* Hashes the plain password of each row it takes (a {SCHEME} one is left
 * as it is; one that cannot be hashed too: mailbox add reports it). */
static void *import_hash_rows(void *context)
{
	struct import_hashing *h = context;
	struct import_run *run = h->run;
	int col = run->where[COL_PASSWORD];
	char out[PASSWORD_HASH_MAX];
	const char *error;
	size_t r;

	while ((r = atomic_fetch_add(&h->next, 1)) < run->table.count) {
		struct import_row *row = &run->table.rows[r];
		char *plain = (size_t)col < row->count ? row->cells[col] : NULL;
		if (plain == NULL || plain[0] == '\0' ||
		    password_is_hashed(plain) ||
		    password_hash(plain, strlen(plain), h->scheme, h->rounds,
				  out, &error) < 0)
			continue;
		explicit_bzero(plain, strlen(plain));
		free(plain);
		row->cells[col] = strdup(out);
		if (row->cells[col] == NULL)
			abort();
	}
	return NULL;
}

/* Hashing is what an import of plain passwords spends its time on
 * (SHA512-CRYPT: some 5000 rounds each): done before the transaction, in
 * one thread per core. */
static void import_hash_passwords(struct import_run *run)
{
	struct import_hashing h = {
	    .run = run,
	    .scheme = run->ctl->config->password_scheme == CONFIG_PW_BLF_CRYPT
			  ? PASSWORD_BLF_CRYPT
			  : PASSWORD_SHA512_CRYPT,
	    .rounds = run->ctl->config->password_rounds};
	pthread_t threads[IMPORT_HASH_THREADS_MAX];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cores < 1			     ? 1
		   : cores > IMPORT_HASH_THREADS_MAX ? IMPORT_HASH_THREADS_MAX
						     : (size_t)cores;
	size_t started = 0;

	if (run->where[COL_PASSWORD] < 0)
		return;
	atomic_init(&h.next, 1); /* row 0 is the header */
	for (size_t i = 0; i < n; i++) {
		if (pthread_create(&threads[started], NULL, import_hash_rows,
				   &h) == 0)
			started++;
	}
	if (started == 0)
		import_hash_rows(&h);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
}

/* ---- the whole file ------------------------------------------------------ */

static double import_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void import_progress(struct import_run *run, size_t done, double start,
			    double *last)
{
	double now = import_now(), rate;
	size_t total = run->table.count - 1;

	if (!run->progress || (now - *last < 0.5 && done != total))
		return;
	*last = now;
	rate = done / (now - start > 0 ? now - start : 1e-9);
	fprintf(run->ctl->err,
		"\rimport: %zu/%zu rows, %.0f rows/s, %.0f s left ", done,
		total, rate, rate > 0 ? (double)(total - done) / rate : 0);
	if (done == total)
		fputc('\n', run->ctl->err);
	fflush(run->ctl->err);
}

static int import_body(struct op *op, void *context)
{
	struct import_run *run = context;
	double start = import_now(), last = 0;

	op->secrets_allowed = true;
	arena_reset(&run->errors_arena);
	memset(&run->errors, 0, sizeof(run->errors));
	run->refused = 0;
	for (size_t r = 1; r < run->table.count; r++) {
		arena_reset(op->arena);
		import_row(op, run, &run->table.rows[r]);
		import_progress(run, r, start, &last);
	}
	if (run->refused > 0)
		return op_fail(op, CTL_INPUT,
			       "import: %zu of %zu rows refused: nothing "
			       "written",
			       run->refused, run->table.count - 1);
	op_note(op, "import: %zu mailboxes %s", run->table.count - 1,
		run->ctl->dry_run ? "checked: nothing written (--check)"
				  : "added");
	return 0;
}

int import_main(struct ctl *ctl, int argc, char **argv)
{
	struct import_run run = {.ctl = ctl};
	const char *path = NULL;
	int status;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--check") == 0)
			ctl->dry_run = true;
		else if (path == NULL && argv[i][0] != '-')
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (path == NULL) {
		fprintf(ctl->err, "usage: mailmapctl import FILE [--check]\n");
		return CTL_INPUT;
	}
	if (import_table_read(path, &run.table) < 0) {
		fprintf(ctl->err, "mailmapctl: import: %s\n", run.table.error);
		import_table_free(&run.table);
		return CTL_INPUT;
	}
	status = import_header(&run);
	if (status == CTL_OK) {
		arena_init(&run.errors_arena, 0);
		run.progress = isatty(fileno(ctl->err));
		import_hash_passwords(&run);
		status = ctl_write(ctl, import_body, &run);
		for (size_t i = 0; i < run.errors.count; i++)
			fprintf(ctl->err, "mailmapctl: import: %s\n",
				run.errors.items[i]);
		arena_deinit(&run.errors_arena);
	}
	import_table_free(&run.table);
	return status;
}
