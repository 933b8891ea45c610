/*
 * autoreply_cmd: `mailmapctl autoreply ...`, a mailbox's auto-reply in a
 * few words (the same fields as `mailbox set ... autoreply_*=`, with the
 * same checks, in one transaction):
 *
 *   set ADDRESS [subject=TEXT] [body=TEXT | --body-file FILE|-]
 *       [start=WHEN] [end=WHEN] [interval=DURATION]
 *                    turns it on; what is not given stays as it was
 *   clear ADDRESS    turns it off and forgets its text and dates
 *   show ADDRESS [--json] [--script]
 *                    whether it is active now and until when, its dates
 *                    in the mailbox's time zone, the addresses it answers
 *                    for, its text; --script: the Sieve script mailmapd
 *                    serves Dovecot for it
 *
 * A body file is read whole (at most 64 KiB, the field's limit), a UTF-8
 * byte order mark dropped and CRLF line ends made LF, so a file written
 * on Windows works. WHEN: autoreply.h (the mailbox's time zone unless it
 * ends in Z).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "autoreply.h"
#include "commands.h"
#include "fields.h"

#define AUTOREPLY_BODY_MAX 65536
#define AUTOREPLY_ARGS_MAX 16

/* The words of set and the fields they stand for. */
static const struct {
	const char *word;
	const char *field;
} autoreply_words[] = {
    {"subject", "autoreply_subject"},	{"body", "autoreply_body"},
    {"start", "autoreply_start"},	{"end", "autoreply_end"},
    {"interval", "autoreply_interval"},
};

struct autoreply_run {
	struct ctl *ctl;
	struct arena arena;
	struct autoreply_show show;
	int argc; /* set and clear: the mailbox set command */
	char *argv[AUTOREPLY_ARGS_MAX];
};

static int autoreply_usage(struct ctl *ctl)
{
	fputs("usage: mailmapctl autoreply set ADDRESS [subject=TEXT] "
	      "[body=TEXT | --body-file FILE|-] [start=WHEN] [end=WHEN] "
	      "[interval=DURATION]\n"
	      "       mailmapctl autoreply clear ADDRESS\n"
	      "       mailmapctl autoreply show ADDRESS [--json] [--script]\n",
	      ctl->err);
	return CTL_INPUT;
}

static int autoreply_fail(struct ctl *ctl, const char *what, const char *why)
{
	fprintf(ctl->err, "mailmapctl: autoreply: %s: %s\n", what, why);
	return CTL_INPUT;
}

/* Reads a body file whole: at most AUTOREPLY_BODY_MAX bytes, without a
 * byte order mark, CRLF made LF. */
static int autoreply_read_body(struct autoreply_run *run, const char *path)
{
	FILE *in = strcmp(path, "-") == 0 ? run->ctl->in : fopen(path, "r");
	char *text = arena_alloc(&run->arena, AUTOREPLY_BODY_MAX + 2);
	size_t len, out = 0;
	bool failed;

	if (in == NULL)
		return autoreply_fail(run->ctl, path, strerror(errno));
	len = fread(text, 1, AUTOREPLY_BODY_MAX + 1, in);
	failed = ferror(in) != 0;
	if (in != run->ctl->in)
		fclose(in);
	if (failed)
		return autoreply_fail(run->ctl, path, "read error");
	if (len > AUTOREPLY_BODY_MAX)
		return autoreply_fail(run->ctl, path, "over 64 KiB");
	for (size_t i = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3
									 : 0;
	     i < len; i++) {
		if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
			continue;
		text[out++] = text[i];
	}
	text[out] = '\0';
	if (strlen(text) != out)
		return autoreply_fail(run->ctl, path, "holds a NUL byte");
	run->argv[run->argc++] =
	    arena_printf(&run->arena, "autoreply_body=%s", text);
	return CTL_OK;
}

/* A word of set: NAME=VALUE into the mailbox field's assignment. */
static int autoreply_word(struct autoreply_run *run, const char *arg)
{
	const char *eq = strchr(arg, '=');

	for (size_t i = 0; eq != NULL && i < sizeof(autoreply_words) /
						 sizeof(autoreply_words[0]);
	     i++) {
		const char *word = autoreply_words[i].word;
		if (strlen(word) != (size_t)(eq - arg) ||
		    memcmp(arg, word, strlen(word)) != 0)
			continue;
		run->argv[run->argc++] = arena_printf(
		    &run->arena, "%s=%s", autoreply_words[i].field, eq + 1);
		return CTL_OK;
	}
	return autoreply_fail(run->ctl, arg,
			      "unexpected (subject=, body=, start=, end=, "
			      "interval=, --body-file)");
}

static int autoreply_parse_set(struct autoreply_run *run, int argc, char **argv)
{
	int status = CTL_OK;

	run->argv[run->argc++] = "autoreply=yes";
	for (int i = 0; status == CTL_OK && i < argc; i++) {
		if (run->argc >= AUTOREPLY_ARGS_MAX - 2)
			return autoreply_usage(run->ctl);
		if (strcmp(argv[i], "--body-file") == 0 && i + 1 < argc)
			status = autoreply_read_body(run, argv[++i]);
		else
			status = autoreply_word(run, argv[i]);
	}
	return status;
}

static void autoreply_parse_clear(struct autoreply_run *run)
{
	static char *const clear[] = {
	    "autoreply=no",	"autoreply_subject=", "autoreply_body=",
	    "autoreply_start=", "autoreply_end=",     "autoreply_interval=1d",
	};

	for (size_t i = 0; i < sizeof(clear) / sizeof(clear[0]); i++)
		run->argv[run->argc++] = clear[i];
}

static int autoreply_parse_show(struct autoreply_run *run, int argc,
				char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			run->show.json = true;
		else if (strcmp(argv[i], "--script") == 0)
			run->show.script = true;
		else
			return autoreply_usage(run->ctl);
	}
	return CTL_OK;
}

static int autoreply_write_body(struct op *op, void *context)
{
	struct autoreply_run *run = context;

	return commands_run(op, run->ctl, run->argc, run->argv);
}

/* Parses the words after the verb and runs the command. */
static int autoreply_run_verb(struct autoreply_run *run, const char *verb,
			      int argc, char **argv)
{
	int status;

	if (strcmp(verb, "show") == 0) {
		status = autoreply_parse_show(run, argc, argv);
		return status != CTL_OK
			   ? status
			   : ctl_read(run->ctl, autoreply_show_body,
				      &run->show);
	}
	if (strcmp(verb, "set") == 0)
		status = autoreply_parse_set(run, argc, argv);
	else if (strcmp(verb, "clear") == 0 && argc == 0)
		status = (autoreply_parse_clear(run), CTL_OK);
	else
		status = autoreply_usage(run->ctl);
	return status != CTL_OK
		   ? status
		   : ctl_write(run->ctl, autoreply_write_body, run);
}

int autoreply_main(struct ctl *ctl, int argc, char **argv)
{
	struct autoreply_run run = {.ctl = ctl};
	int status;

	if (argc < 2)
		return autoreply_usage(ctl);
	arena_init(&run.arena, 0);
	run.show.address = argv[1];
	run.show.json = ctl->json;
	run.show.out = ctl->out;
	run.argv[run.argc++] = "mailbox";
	run.argv[run.argc++] = "set";
	run.argv[run.argc++] = argv[1];
	status = autoreply_run_verb(&run, argv[0], argc - 2, argv + 2);
	arena_deinit(&run.arena);
	return status;
}
