/*
 * commands: the command line of mailmapctl, OBJECT VERB ARGS, parsed the
 * same way from argv and from batch lines, and dispatched through one table
 * of verbs that apply to every object kind.
 */
#ifndef MAILMAP_COMMANDS_H
#define MAILMAP_COMMANDS_H

#include "ctl.h"
#include "kinds.h"

struct verb;

struct cmd_line {
	const struct kind *kind;
	const struct verb *verb;
	const char *key;     /* add, set, del, show */
	const char *pattern; /* list: glob over keys, NULL = all */
	struct assign *assigns;
	size_t assign_count;
	bool recursive;
	bool json;
	bool password;
};

/* Parses OBJECT VERB ARGS. 0, or -1 with a message (op failed). */
int commands_parse(struct op *op, int argc, char **argv, struct cmd_line *line);
/* Whether the parsed command writes. */
bool commands_writes(const struct cmd_line *line);
/* Runs a parsed command inside the op's transaction. */
int commands_exec(struct op *op, struct ctl *ctl, const struct cmd_line *line);
/* Parses and runs one write command (OBJECT add|set|del ...) inside the
 * op's transaction. 0, or -1 with the op failed. */
int commands_run(struct op *op, struct ctl *ctl, int argc, char **argv);
/* Runs one command from argv (the words after the global options): object
 * verbs, batch, query, help. Returns the exit code. */
int commands_main(struct ctl *ctl, int argc, char **argv);
/* Prints the usage, or the fields of one object. */
void commands_help(FILE *out, const char *object);

/* batch.c: runs a file of commands in one transaction. */
int batch_main(struct ctl *ctl, const char *path);
/* greylist_cmd.c: `mailmapctl greylist ...` on the state environment. */
int greylist_main(struct ctl *ctl, int argc, char **argv);
/* query.c: prints what the daemon answers for MAP KEY. */
int query_main(struct ctl *ctl, const char *map, const char *key);
/* stats.c: `mailmapctl stats [--json]`, per-domain totals. */
int stats_main(struct ctl *ctl, int argc, char **argv);
/* export.c: `mailmapctl export [--json]`, the config store as a batch. */
int export_main(struct ctl *ctl, int argc, char **argv);
/* backup.c, restore.c: `mailmapctl backup DIR`, `mailmapctl restore DIR`. */
int backup_main(struct ctl *ctl, int argc, char **argv);
int restore_main(struct ctl *ctl, int argc, char **argv);
/* replica_cmd.c: `replica check|seed` (multi-host mode). */
int replica_main(struct ctl *ctl, int argc, char **argv);
/* import.c: `mailmapctl import FILE [--check]`, a spreadsheet of users. */
int import_main(struct ctl *ctl, int argc, char **argv);
/* import_pfa.c: `mailmapctl import postfixadmin ...` (argv[0] is
 * "postfixadmin"). */
int import_pfa_main(struct ctl *ctl, int argc, char **argv);

#endif
