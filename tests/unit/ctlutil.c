/* ctlutil: in-process mailmapctl runs for tests; see ctlutil.h. */
#include "ctlutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "commands.h"
#include "testutil.h"
#include "words.h"

static void tu_ctl_open(struct tu_ctl *t)
{
	char path[4096];
	struct store_settings settings = {
	    .kind = STORE_ENV_CONFIG, .create = true, .lock_wait_ms = 1000};
	const char *error;

	snprintf(path, sizeof(path), "%s/config", t->dir);
	settings.dir = path;
	if (store_open(&settings, &t->ctl.store, &error) != STORE_OK) {
		fprintf(stderr, "store_open: %s\n", error);
		abort();
	}
}

struct tu_ctl *tu_ctl_new(void)
{
	struct tu_ctl *t = calloc(1, sizeof(*t));
	char *error = NULL;
	char state[4096];

	t->dir = tu_tmpdir();
	if (config_load(NULL, &t->ctl.config, &error) < 0)
		abort();
	t->ctl.config->password_rounds = 1000; /* fast tests */
	snprintf(state, sizeof(state), "%s/state", t->dir);
	t->ctl.state_dir = strdup(state);
	tu_ctl_open(t);
	return t;
}

void tu_ctl_free(struct tu_ctl *t)
{
	store_close(&t->ctl.store);
	config_free(&t->ctl.config);
	free((char *)t->ctl.state_dir);
	free(t->out);
	free(t->err);
	tu_rmtree(t->dir);
	free(t);
}

int tu_run(struct tu_ctl *t, const char *line)
{
	struct arena arena;
	const char *why;
	char **argv;
	size_t out_len, err_len;
	int argc, status;

	free(t->out);
	free(t->err);
	arena_init(&arena, 0);
	if (words_split(&arena, line, strlen(line), &argv, &argc, &why) < 0)
		abort();
	t->ctl.out = open_memstream(&t->out, &out_len);
	t->ctl.err = open_memstream(&t->err, &err_len);
	t->ctl.in = fmemopen((void *)(t->input != NULL ? t->input : ""),
			     t->input != NULL ? strlen(t->input) : 0, "r");
	status = commands_main(&t->ctl, argc, argv);
	fclose(t->ctl.out);
	fclose(t->ctl.err);
	fclose(t->ctl.in);
	t->input = NULL;
	arena_deinit(&arena);
	return status;
}

int tu_runf(struct tu_ctl *t, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int status;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	status = tu_run(t, line);
	free(line);
	return status;
}

char *tu_dump(struct tu_ctl *t, size_t *len_r)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/config/data.mdb", t->dir);
	return tu_read_file(path, len_r);
}

void tu_refused(struct tu_ctl *t, int status, const char *line,
		const char *want)
{
	size_t before_len, after_len;
	char *before = tu_dump(t, &before_len);
	int got = tu_run(t, line);
	char *after = tu_dump(t, &after_len);

	ck_assert_msg(got == status, "%s: exit %d, want %d (%s)", line, got,
		      status, t->err);
	ck_assert_msg(strstr(t->err, want) != NULL,
		      "%s: said \"%s\", want \"%s\"", line, t->err, want);
	ck_assert_msg(before_len == after_len &&
			  memcmp(before, after, before_len) == 0,
		      "%s: the store changed", line);
	free(before);
	free(after);
}
