/*
 * batch: `mailmapctl batch FILE`. Every line is a write command (OBJECT
 * add|set|del ...); all of them run in one write transaction, so the file
 * is applied completely or not at all. The first failing line is reported
 * with its number. Passwords may be given in the file (password=...), in
 * clear (hashed here) or already hashed ({SCHEME}...).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "words.h"

#define BATCH_FILE_MAX (1u << 30)

struct batch {
	struct ctl *ctl;
	char *text;
	size_t len;
};

static int batch_line(struct op *op, struct ctl *ctl, const char *line,
		      size_t len)
{
	struct cmd_line cmd;
	const char *why;
	char **argv;
	int argc;

	if (words_split(op->arena, line, len, &argv, &argc, &why) < 0)
		return op_fail(op, CTL_INPUT, "%s", why);
	if (argc == 0)
		return 0;
	if (commands_parse(op, argc, argv, &cmd) < 0)
		return -1;
	if (!commands_writes(&cmd))
		return op_fail(op, CTL_INPUT,
			       "only add, set and del can be batched");
	if (cmd.password)
		return op_fail(op, CTL_INPUT,
			       "--password reads standard input: write "
			       "password=... in the file");
	return commands_exec(op, ctl, &cmd);
}

static int batch_body(struct op *op, void *context)
{
	struct batch *batch = context;
	const char *pos = batch->text, *end = batch->text + batch->len;
	size_t number = 0;

	op->secrets_allowed = true;
	while (pos < end) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		size_t len =
		    nl != NULL ? (size_t)(nl - pos) : (size_t)(end - pos);
		number++;
		arena_reset(op->arena);
		if (batch_line(op, batch->ctl, pos, len) < 0) {
			const char *why = op->error;
			op->error = NULL;
			return op_fail(op, op->status, "line %zu: %s", number,
				       why);
		}
		pos += len + 1;
	}
	return 0;
}

static int batch_read(FILE *in, char **text_r, size_t *len_r)
{
	size_t cap = 65536, len = 0;
	char *text = malloc(cap);

	while (text != NULL) {
		size_t n = fread(text + len, 1, cap - len, in);
		len += n;
		if (n == 0)
			break;
		if (len == cap && cap < BATCH_FILE_MAX) {
			cap *= 2;
			text = realloc(text, cap);
		} else if (len == cap) {
			free(text);
			errno = EFBIG;
			return -1;
		}
	}
	if (text == NULL || ferror(in)) {
		free(text);
		return -1;
	}
	*text_r = text;
	*len_r = len;
	return 0;
}

int batch_main(struct ctl *ctl, const char *path)
{
	struct batch batch = {ctl, NULL, 0};
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *in = is_stdin ? ctl->in : fopen(path, "r");
	int status;

	if (in == NULL || batch_read(in, &batch.text, &batch.len) < 0) {
		fprintf(ctl->err, "mailmapctl: batch: cannot read %s: %s\n",
			path, strerror(errno));
		if (in != NULL && !is_stdin)
			fclose(in);
		return CTL_INPUT;
	}
	if (!is_stdin)
		fclose(in);
	status = ctl_write(ctl, batch_body, &batch);
	free(batch.text);
	return status;
}
