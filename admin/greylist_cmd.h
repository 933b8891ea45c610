/*
 * greylist_cmd: what the files of `mailmapctl greylist` share. The command
 * table and the run are in greylist_cmd.c, the arguments in
 * greylist_args.c, the command bodies in greylist_bodies.c, the entries of
 * the greylist (decode, filters, order) in greylist_rows.c, the output in
 * greylist_out.c. Internal to admin/greylist_*.c.
 */
#ifndef MAILMAP_GREYLIST_CMD_H
#define MAILMAP_GREYLIST_CMD_H

#include <netinet/in.h>
#include <stdio.h>

#include "commands.h"
#include "greylist.h"
#include "greylist_store.h"

#define GL_OPT_CLIENT	 0x01
#define GL_OPT_SENDER	 0x02
#define GL_OPT_RECIPIENT 0x04
#define GL_OPT_STATE	 0x08
#define GL_OPT_JSON	 0x10
#define GL_OPT_COMMENT	 0x20
#define GL_ARGS_MAX	 3

/* What a row of `list` is in now. */
enum gl_state {
	GL_PENDING,
	GL_PASSED,
	GL_WHITELISTED, /* an auto-whitelisted network */
	GL_COUNTING,	/* a network counting passes towards the AWL */
	GL_EXPIRED,	/* dead, not swept yet */
	GL_UNREADABLE,	/* a value of another version */
	GL_STATE_ANY,	/* filter: no state asked for */
};

struct gl_cmd;

/* One invocation: the parsed arguments and what they mean. */
struct gl_run {
	struct ctl *ctl;
	const struct gl_cmd *cmd;
	struct greylist_settings settings;
	uint64_t now;
	bool json;
	const char *args[GL_ARGS_MAX];
	size_t arg_count;
	bool have_client; /* --client */
	struct greylist_net client;
	const char *client_text;
	const char *sender_glob, *recipient_glob;
	enum gl_state filter;
	const char *comment;
	struct greylist_net net; /* show, delete: CLIENT; whitelist: NET */
	struct greylist_key key; /* show, delete: the triplet */
};

struct gl_cmd {
	const char *name;
	const char *verb; /* a second word, or NULL */
	const char *usage;
	size_t min_args, max_args;
	unsigned options;
	bool writes;
	/* Checks the arguments before the store opens: 0, or -1 (printed). */
	int (*prepare)(struct gl_run *run);
	ctl_body_fn *body;
};

/* greylist_cmd.c */

/* Prints "greylist NAME[ VERB]", the command's words in messages. */
void gl_cmd_words(FILE *out, const struct gl_cmd *cmd);
/* Prints "mailmapctl greylist NAME[ VERB] USAGE", no newline. */
void gl_cmd_usage(FILE *out, const struct gl_cmd *cmd);

/* greylist_args.c: argument checks, before the store opens */

/* Parses the words after the command's into run: 0, or -1 (printed). */
int gl_parse(struct gl_run *run, int argc, char **argv);
/* CLIENT SENDER RECIPIENT: run->net and the triplet's run->key. */
int gl_prepare_triplet(struct gl_run *run);
/* delete: a triplet, or --client alone. */
int gl_prepare_delete(struct gl_run *run);
/* NET of the whitelist into run->net; checks comment= too. */
int gl_prepare_net(struct gl_run *run);

/* greylist_bodies.c: the commands, run inside their transaction */

int gl_list_body(struct op *op, void *context);
int gl_show_body(struct op *op, void *context);
int gl_delete_body(struct op *op, void *context);
int gl_whitelist_add_body(struct op *op, void *context);
int gl_whitelist_del_body(struct op *op, void *context);
int gl_whitelist_list_body(struct op *op, void *context);
int gl_stats_body(struct op *op, void *context);

/* greylist_out.c: text forms, arena arrays, and rows of named cells printed as
 * an aligned table or "name: value" lines, or as JSON (an array of objects, or
 * one object). */

/* Room for "ADDRESS/PREFIX" and its NUL. */
#define GL_NET_TEXT_MAX (INET6_ADDRSTRLEN + sizeof("/128"))

enum gl_type { GL_STRING, GL_NUMBER, GL_NONE, GL_FLAG /* JSON only */ };

struct gl_cell {
	const char *name;
	const char *text;
	enum gl_type type;
};

struct gl_out {
	struct op *op;
	FILE *out;
	bool json;
	struct gl_cell *cells; /* row-major */
	size_t count, cap;
	size_t columns; /* cells per row */
	size_t rows;
};

/* Key bytes for display: printable ASCII as is, the rest as \xNN. */
const char *gl_escape(struct arena *arena, const unsigned char *s, size_t len);
/* Writes "ADDRESS/PREFIX" into buf and returns it. */
const char *gl_net_format(const struct greylist_net *net,
			  char buf[GL_NET_TEXT_MAX]);
/* "ADDRESS/PREFIX" in the arena. */
const char *gl_net_text(struct arena *arena, const struct greylist_net *net);
/* Makes room for one more item in an arena array of *cap items of size
 * bytes, count of them used: the array, moved when it grew. */
void *gl_grow(struct arena *arena, void *items, size_t count, size_t *cap,
	      size_t size);

void gl_out_init(struct gl_out *o, struct op *op, struct gl_run *run);
/* Adds the next cell of the current row. */
void gl_cell(struct gl_out *o, const char *name, enum gl_type type,
	     const char *text);
void gl_cell_num(struct gl_out *o, const char *name, uint64_t value);
/* A UTC time, or none when !known. */
void gl_cell_time(struct gl_out *o, const char *name, bool known,
		  uint64_t when);
/* Ends a row; the first one sets the columns. */
void gl_row_end(struct gl_out *o);
/* Prints the rows as a table (nothing for no rows) or a JSON array. */
void gl_out_table(struct gl_out *o);
/* Prints the one row as "name: value" lines or a JSON object. */
void gl_out_record(struct gl_out *o);

/* greylist_rows.c: the triplet ('T') and AWL ('A') entries */

struct gl_part {
	const char *text; /* escaped; a hashed part's kept bytes */
	bool hashed;
};

struct gl_row {
	unsigned char tag; /* GREYLIST_TAG_TRIPLET or _AWL */
	struct greylist_net net;
	struct gl_part sender, recipient;
	bool readable; /* the value decoded */
	struct greylist_entry entry;
	struct greylist_awl awl;
	enum gl_state state;
	const unsigned char *key; /* delete: a copy of the key */
	size_t key_len;
};

struct gl_rows {
	struct gl_row *items;
	size_t count, cap;
};

/* Decodes a 'T' or 'A' row: false for a malformed key. */
bool gl_row_decode(struct gl_run *run, struct arena *arena,
		   const struct store_val *k, const struct store_val *v,
		   struct gl_row *row);
/* Adds the row's cells to o and ends the row. */
void gl_row_emit(struct gl_run *run, struct gl_out *o,
		 const struct gl_row *row);
/* Collects the rows that pass the filters (with their keys when the
 * command writes): 0, or -1 (op failed). */
int gl_collect(struct op *op, struct gl_run *run, struct gl_rows *rows);
/* qsort order of gl_row: by network, its AWL entry first, then sender and
 * recipient. */
int gl_row_cmp(const void *pa, const void *pb);
/* Orders networks by family, address, prefix. */
int gl_net_cmp(const struct greylist_net *a, const struct greylist_net *b);

#endif
