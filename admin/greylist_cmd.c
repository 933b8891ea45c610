/*
 * greylist_cmd: `mailmapctl greylist ...`, the greylisting state mailmapd
 * keeps in store.dir/state (key layout: policy/greylist.h, keyspace.h):
 *
 *   list [--client NET] [--sender GLOB] [--recipient GLOB]
 *        [--pending|--passed|--whitelisted] [--json]
 *   show CLIENT SENDER RECIPIENT [--json]
 *   delete CLIENT SENDER RECIPIENT | delete --client NET
 *   whitelist add NET [comment=TEXT] | whitelist del NET
 *   whitelist list [--json]
 *   stats [--json]
 *
 * mailmapd writes the same environment while these run: each command is
 * one read snapshot or one write transaction (LMDB serialises writers).
 * Arguments are checked before the store is opened. Prefix lengths and
 * windows come from the configuration's policy group, or postgrey's
 * defaults while that group is unset. Exit codes: 0, 1 bad input, 2
 * nothing matched, 75 the state store cannot be opened or read.
 *
 * Limits: a sender or recipient longer than 240 bytes is kept as its first
 * 232 bytes and a hash; it is shown as those bytes and "...[hashed]", and
 * a glob matches it only when it matches those bytes and ends in '*'.
 * Bytes outside printable ASCII (and '\') are shown as \xNN; globs match
 * the text as shown, ignoring case.
 */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

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

static const char *const gl_state_names[] = {
    [GL_PENDING] = "pending",	      [GL_PASSED] = "passed",
    [GL_WHITELISTED] = "whitelisted", [GL_COUNTING] = "counting",
    [GL_EXPIRED] = "expired",	      [GL_UNREADABLE] = "unreadable",
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

/* Text */

static int gl_input_error(struct gl_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int gl_input_error(struct gl_run *run, const char *fmt, ...)
{
	va_list ap;

	fprintf(run->ctl->err, "mailmapctl: greylist %s%s%s: ", run->cmd->name,
		run->cmd->verb != NULL ? " " : "",
		run->cmd->verb != NULL ? run->cmd->verb : "");
	va_start(ap, fmt);
	vfprintf(run->ctl->err, fmt, ap);
	va_end(ap);
	fputc('\n', run->ctl->err);
	return -1;
}

/* Key bytes for display: printable ASCII as is, the rest as \xNN. */
static const char *gl_escape(struct arena *arena, const unsigned char *s,
			     size_t len)
{
	char *out = arena_alloc(arena, 4 * len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] >= 0x7f || s[i] == '\\')
			o += sprintf(o, "\\x%02x", s[i]);
		else
			*o++ = (char)s[i];
	}
	*o = '\0';
	return out;
}

static const char *gl_net_text(struct arena *arena,
			       const struct greylist_net *net)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(net->family == 4 ? AF_INET : AF_INET6, net->addr, buf,
		  sizeof(buf));
	return arena_printf(arena, "%s/%u", buf, net->prefix);
}

static const char *gl_time_text(struct arena *arena, uint64_t when)
{
	time_t t = (time_t)when;
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return arena_strdup(arena, buf);
}

/* Output: rows of named cells, printed as an aligned table or "name:
 * value" lines, or as JSON (an array of objects, or one object). */

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

static void gl_out_init(struct gl_out *o, struct op *op, struct gl_run *run)
{
	memset(o, 0, sizeof(*o));
	o->op = op;
	o->out = run->ctl->out;
	o->json = run->json;
}

static void gl_cell(struct gl_out *o, const char *name, enum gl_type type,
		    const char *text)
{
	if (o->count == o->cap) {
		size_t cap = o->cap != 0 ? 2 * o->cap : 64;
		struct gl_cell *cells =
		    arena_alloc(o->op->arena, cap * sizeof(*cells));
		if (o->count != 0)
			memcpy(cells, o->cells, o->count * sizeof(*cells));
		o->cells = cells;
		o->cap = cap;
	}
	o->cells[o->count++] = (struct gl_cell){name, text, type};
}

static void gl_cell_num(struct gl_out *o, const char *name, uint64_t value)
{
	gl_cell(o, name, GL_NUMBER,
		arena_printf(o->op->arena, "%llu", (unsigned long long)value));
}

static void gl_row_end(struct gl_out *o)
{
	if (o->rows++ == 0)
		o->columns = o->count;
}

static void gl_json_value(FILE *out, const struct gl_cell *cell)
{
	if (cell->type == GL_NONE)
		fputs("null", out);
	else if (cell->type == GL_STRING)
		fields_json_string(cell->text, out);
	else
		fputs(cell->text, out);
}

/* One object: on one line (array rows), or one member a line. */
static void gl_json_object(const struct gl_out *o, const struct gl_cell *row,
			   bool lines)
{
	fputc('{', o->out);
	for (size_t i = 0; i < o->columns; i++) {
		fprintf(o->out, "%s%s\"%s\": ", i != 0 ? "," : "",
			lines	 ? "\n  "
			: i != 0 ? " "
				 : "",
			row[i].name);
		gl_json_value(o->out, &row[i]);
	}
	fputs(lines ? "\n}" : "}", o->out);
}

static void gl_text_row(const struct gl_out *o, const struct gl_cell *row,
			const size_t *widths, bool header)
{
	const char *pad = "";

	for (size_t i = 0; i < o->columns; i++) {
		if (row[i].type == GL_FLAG)
			continue;
		const char *text = header		    ? row[i].name
				   : row[i].type == GL_NONE ? "-"
							    : row[i].text;
		fprintf(o->out, "%s%-*s", pad, (int)widths[i], text);
		pad = "  ";
	}
	fputc('\n', o->out);
}

/* Prints the rows as a table (nothing for no rows) or a JSON array. */
static void gl_out_table(struct gl_out *o)
{
	size_t *widths;

	if (o->json) {
		fputs(o->rows != 0 ? "[\n" : "[", o->out);
		for (size_t r = 0; r < o->rows; r++) {
			fputs("  ", o->out);
			gl_json_object(o, o->cells + r * o->columns, false);
			fputs(r + 1 < o->rows ? ",\n" : "\n", o->out);
		}
		fputs("]\n", o->out);
		return;
	}
	if (o->rows == 0)
		return;
	widths = arena_zalloc(o->op->arena, o->columns * sizeof(*widths));
	for (size_t i = 0; i < o->count; i++) {
		size_t c = i % o->columns, len = strlen(o->cells[i].name);
		if (widths[c] < len)
			widths[c] = len;
		len =
		    o->cells[i].type == GL_NONE ? 1 : strlen(o->cells[i].text);
		if (widths[c] < len)
			widths[c] = len;
	}
	for (size_t c = o->columns; c-- > 0;) {
		if (o->cells[c].type != GL_FLAG) {
			widths[c] = 0; /* the last column is not padded */
			break;
		}
	}
	gl_text_row(o, o->cells, widths, true);
	for (size_t r = 0; r < o->rows; r++)
		gl_text_row(o, o->cells + r * o->columns, widths, false);
}

/* Prints the one row as "name: value" lines or a JSON object. */
static void gl_out_record(struct gl_out *o)
{
	if (o->json) {
		gl_json_object(o, o->cells, true);
		fputc('\n', o->out);
		return;
	}
	for (size_t i = 0; i < o->columns; i++) {
		const struct gl_cell *cell = &o->cells[i];
		if (cell->type == GL_FLAG)
			continue;
		int pad = 19 - (int)strlen(cell->name);
		fprintf(o->out, "%s:%*s %s\n", cell->name, pad > 0 ? pad : 0,
			"", cell->type == GL_NONE ? "-" : cell->text);
	}
}

/* Rows of the greylist table */

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

/* Reads one length-prefixed part of a triplet key: the bytes it used, or
 * 0 when malformed. */
static size_t gl_part_decode(struct arena *arena, const unsigned char *p,
			     size_t len, struct gl_part *part)
{
	size_t n = len != 0 ? p[0] : 0;

	if (len == 0)
		return 0;
	if (n == GREYLIST_PART_LONG) {
		if (len < 1 + GREYLIST_PART_MAX)
			return 0;
		part->text = gl_escape(arena, p + 1, GREYLIST_PART_MAX - 8);
		part->hashed = true;
		return 1 + GREYLIST_PART_MAX;
	}
	if (n > GREYLIST_PART_MAX || len < 1 + n)
		return 0;
	part->text = gl_escape(arena, p + 1, n);
	part->hashed = false;
	return 1 + n;
}

static enum gl_state gl_row_state(const struct gl_run *run,
				  const struct gl_row *row)
{
	if (!row->readable)
		return GL_UNREADABLE;
	if (row->tag == GREYLIST_TAG_AWL) {
		if (greylist_awl_expired(&row->awl, run->now, &run->settings))
			return GL_EXPIRED;
		return greylist_awl_listed(&run->settings, &row->awl, run->now)
			   ? GL_WHITELISTED
			   : GL_COUNTING;
	}
	if (greylist_expired(&row->entry, run->now, &run->settings))
		return GL_EXPIRED;
	return row->entry.passed ? GL_PASSED : GL_PENDING;
}

/* Decodes a 'T' or 'A' row: false for a malformed key. */
static bool gl_row_decode(struct gl_run *run, struct arena *arena,
			  const struct store_val *k, const struct store_val *v,
			  struct gl_row *row)
{
	const unsigned char *key = k->data;
	size_t at = greylist_key_net_decode(key, k->len, &row->net), n;

	memset(&row->sender, 0, sizeof(row->sender));
	memset(&row->recipient, 0, sizeof(row->recipient));
	row->tag = key[0];
	if (at == 0)
		return false;
	if (row->tag == GREYLIST_TAG_AWL) {
		if (at != k->len)
			return false;
		row->readable = greylist_awl_decode(v->data, v->len, &row->awl);
	} else {
		n = gl_part_decode(arena, key + at, k->len - at, &row->sender);
		if (n == 0)
			return false;
		at += n;
		n = gl_part_decode(arena, key + at, k->len - at,
				   &row->recipient);
		if (n == 0 || at + n != k->len)
			return false;
		row->readable =
		    greylist_entry_decode(v->data, v->len, &row->entry);
	}
	row->state = gl_row_state(run, row);
	return true;
}

static const char *gl_part_text(struct arena *arena, const struct gl_part *part)
{
	if (part->hashed)
		return arena_printf(arena, "%s...[hashed]", part->text);
	return part->text[0] != '\0' ? part->text : "<>";
}

/* When a dead or live entry stops counting: 0 when unknown. */
static uint64_t gl_row_expires(const struct gl_run *run,
			       const struct gl_row *row)
{
	if (!row->readable)
		return 0;
	if (row->tag == GREYLIST_TAG_AWL)
		return row->awl.last + run->settings.max_age;
	if (row->entry.passed)
		return row->entry.last + run->settings.max_age;
	return row->entry.first + run->settings.retry_window;
}

static void gl_cell_time(struct gl_out *o, const char *name, bool known,
			 uint64_t when)
{
	if (known)
		gl_cell(o, name, GL_STRING, gl_time_text(o->op->arena, when));
	else
		gl_cell(o, name, GL_NONE, NULL);
}

static void gl_row_parts(struct gl_out *o, const struct gl_row *row)
{
	struct arena *arena = o->op->arena;

	if (row->tag != GREYLIST_TAG_TRIPLET) {
		gl_cell(o, "sender", GL_NONE, NULL);
		gl_cell(o, "recipient", GL_NONE, NULL);
		return;
	}
	gl_cell(o, "sender", GL_STRING,
		o->json ? row->sender.text : gl_part_text(arena, &row->sender));
	gl_cell(o, "recipient", GL_STRING,
		o->json ? row->recipient.text
			: gl_part_text(arena, &row->recipient));
}

static void gl_row_emit(struct gl_run *run, struct gl_out *o,
			const struct gl_row *row)
{
	bool triplet = row->tag == GREYLIST_TAG_TRIPLET;
	bool readable = row->readable;
	uint64_t ready = row->entry.first + run->settings.delay;

	gl_cell(o, "type", GL_STRING, triplet ? "triplet" : "awl");
	gl_cell(o, "client", GL_STRING, gl_net_text(o->op->arena, &row->net));
	gl_row_parts(o, row);
	gl_cell(o, "state", GL_STRING, gl_state_names[row->state]);
	gl_cell_time(o, "first_seen", triplet && readable, row->entry.first);
	gl_cell_time(o, "last_seen", readable,
		     triplet ? row->entry.last : row->awl.last);
	if (row->state == GL_PENDING)
		gl_cell_num(o, "left", ready > run->now ? ready - run->now : 0);
	else
		gl_cell(o, "left", GL_NONE, NULL);
	gl_cell_time(o, "expires", readable, gl_row_expires(run, row));
	if (!triplet && readable)
		gl_cell_num(o, "passes", row->awl.count);
	else
		gl_cell(o, "passes", GL_NONE, NULL);
	gl_cell(o, "sender_hashed", GL_FLAG,
		row->sender.hashed ? "true" : "false");
	gl_cell(o, "recipient_hashed", GL_FLAG,
		row->recipient.hashed ? "true" : "false");
	gl_row_end(o);
}

/* Matching and sorting for `list` */

static bool gl_glob_match(const char *glob, const struct gl_part *part)
{
	size_t len;

	if (glob == NULL)
		return true;
	if (fnmatch(glob, part->text, FNM_CASEFOLD) != 0)
		return false;
	/* Kept bytes of a hashed part: only a trailing '*' covers the
	 * rest. */
	len = strlen(glob);
	return !part->hashed ||
	       (glob[len - 1] == '*' && (len < 2 || glob[len - 2] != '\\'));
}

static bool gl_net_overlaps(const struct greylist_net *a,
			    const struct greylist_net *b)
{
	return greylist_net_contains(a, b) || greylist_net_contains(b, a);
}

static bool gl_row_match(const struct gl_run *run, const struct gl_row *row)
{
	if (run->have_client && !gl_net_overlaps(&run->client, &row->net))
		return false;
	if (run->filter != GL_STATE_ANY && row->state != run->filter)
		return false;
	if (run->sender_glob == NULL && run->recipient_glob == NULL)
		return true;
	return row->tag == GREYLIST_TAG_TRIPLET &&
	       gl_glob_match(run->sender_glob, &row->sender) &&
	       gl_glob_match(run->recipient_glob, &row->recipient);
}

static int gl_net_cmp(const struct greylist_net *a,
		      const struct greylist_net *b)
{
	int c = (int)a->family - (int)b->family;

	if (c == 0)
		c = memcmp(a->addr, b->addr, sizeof(a->addr));
	return c != 0 ? c : (int)a->prefix - (int)b->prefix;
}

/* By network, its AWL entry first, then sender and recipient. */
static int gl_row_cmp(const void *pa, const void *pb)
{
	const struct gl_row *a = pa, *b = pb;
	int c = gl_net_cmp(&a->net, &b->net);

	if (c == 0)
		c = (int)a->tag - (int)b->tag;
	if (c == 0 && a->tag == GREYLIST_TAG_TRIPLET)
		c = strcmp(a->sender.text, b->sender.text);
	if (c == 0 && a->tag == GREYLIST_TAG_TRIPLET)
		c = strcmp(a->recipient.text, b->recipient.text);
	return c;
}

struct gl_rows {
	struct gl_row *items;
	size_t count, cap;
};

static void gl_rows_push(struct arena *arena, struct gl_rows *rows,
			 const struct gl_row *row)
{
	if (rows->count == rows->cap) {
		size_t cap = rows->cap != 0 ? 2 * rows->cap : 64;
		struct gl_row *items = arena_alloc(arena, cap * sizeof(*items));
		if (rows->count != 0)
			memcpy(items, rows->items,
			       rows->count * sizeof(*items));
		rows->items = items;
		rows->cap = cap;
	}
	rows->items[rows->count++] = *row;
}

/* Collects the 'A' and 'T' rows that pass the filters. */
static int gl_collect(struct op *op, struct gl_run *run, struct gl_rows *rows)
{
	struct store_iter iter;
	struct store_val k, v;
	struct gl_row row;
	int ret = store_iter_open(op->txn, STORE_GREYLIST, NULL, 0, &iter);

	memset(rows, 0, sizeof(*rows));
	while (ret == STORE_OK && (ret = store_iter_next(&iter, &k, &v)) == 1) {
		const unsigned char *key = k.data;
		ret = STORE_OK;
		if (key[0] != GREYLIST_TAG_TRIPLET &&
		    key[0] != GREYLIST_TAG_AWL)
			continue;
		if (!gl_row_decode(run, op->arena, &k, &v, &row) ||
		    !gl_row_match(run, &row))
			continue;
		if (run->cmd->writes) {
			row.key = arena_alloc(op->arena, k.len);
			memcpy((unsigned char *)row.key, k.data, k.len);
			row.key_len = k.len;
		}
		gl_rows_push(op->arena, rows, &row);
	}
	store_iter_close(&iter);
	return ret < 0 ? op_store_fail(op) : 0;
}

/* Commands */

static int gl_list_body(struct op *op, void *context)
{
	struct gl_run *run = context;
	struct gl_rows rows;
	struct gl_out o;

	if (gl_collect(op, run, &rows) < 0)
		return -1;
	if (rows.count > 1)
		qsort(rows.items, rows.count, sizeof(*rows.items), gl_row_cmp);
	gl_out_init(&o, op, run);
	for (size_t i = 0; i < rows.count; i++)
		gl_row_emit(run, &o, &rows.items[i]);
	gl_out_table(&o);
	return 0;
}

static int gl_not_found(struct op *op, struct gl_run *run)
{
	return op_fail(op, CTL_NOTFOUND,
		       "no greylist entry for client network %s, sender <%s>, "
		       "recipient <%s>",
		       gl_net_text(op->arena, &run->net), run->args[1],
		       run->args[2]);
}

static int gl_show_body(struct op *op, void *context)
{
	struct gl_run *run = context;
	struct store_val k = {run->key.data, run->key.len}, v;
	struct gl_row row;
	struct gl_out o;
	int ret = store_get(op->txn, STORE_GREYLIST, k.data, k.len, &v);

	if (ret == STORE_NOTFOUND)
		return gl_not_found(op, run);
	if (ret != STORE_OK)
		return op_store_fail(op);
	if (!gl_row_decode(run, op->arena, &k, &v, &row))
		return op_fail(op, CTL_TEMPFAIL, "malformed greylist key");
	gl_out_init(&o, op, run);
	gl_row_emit(run, &o, &row);
	gl_out_record(&o);
	return 0;
}

static int gl_delete_triplet(struct op *op, struct gl_run *run)
{
	int ret = store_del(op->txn, STORE_GREYLIST, run->key.data,
			    run->key.len, NULL);

	if (ret == STORE_NOTFOUND)
		return gl_not_found(op, run);
	if (ret != STORE_OK)
		return op_store_fail(op);
	op_note(op, "deleted 1 greylist entry");
	return 0;
}

/* Every triplet and AWL entry of the networks overlapping --client. */
static int gl_delete_client(struct op *op, struct gl_run *run)
{
	struct gl_rows rows;
	size_t awl = 0;

	if (gl_collect(op, run, &rows) < 0)
		return -1;
	if (rows.count == 0)
		return op_fail(op, CTL_NOTFOUND,
			       "no greylist entry for client network %s",
			       run->client_text);
	for (size_t i = 0; i < rows.count; i++) {
		const struct gl_row *row = &rows.items[i];
		if (row->tag == GREYLIST_TAG_AWL)
			awl++;
		store_del(op->txn, STORE_GREYLIST, row->key, row->key_len,
			  NULL);
	}
	if (store_txn_failed(op->txn))
		return op_store_fail(op);
	op_note(
	    op,
	    "deleted %zu greylist entr%s: %zu triplet%s, %zu auto-whitelist "
	    "entr%s",
	    rows.count, rows.count == 1 ? "y" : "ies", rows.count - awl,
	    rows.count - awl == 1 ? "" : "s", awl, awl == 1 ? "y" : "ies");
	return 0;
}

static int gl_delete_body(struct op *op, void *context)
{
	struct gl_run *run = context;

	return run->have_client ? gl_delete_client(op, run)
				: gl_delete_triplet(op, run);
}

static int gl_whitelist_add_body(struct op *op, void *context)
{
	struct gl_run *run = context;
	const char *comment = run->comment != NULL ? run->comment : "";
	struct greylist_whitelist entry = {run->now, comment, strlen(comment)};
	const char *net = gl_net_text(op->arena, &run->net);
	int ret = greylist_whitelist_add(op->txn, &run->net, &entry);

	if (ret == STORE_EXISTS)
		return op_fail(op, CTL_INPUT,
			       "%s is already in the greylisting whitelist",
			       net);
	if (ret != STORE_OK)
		return op_store_fail(op);
	op_note(op, "%s added to the greylisting whitelist", net);
	return 0;
}

static int gl_whitelist_del_body(struct op *op, void *context)
{
	struct gl_run *run = context;
	const char *net = gl_net_text(op->arena, &run->net);
	int ret = greylist_whitelist_del(op->txn, &run->net);

	if (ret == STORE_NOTFOUND)
		return op_fail(op, CTL_NOTFOUND,
			       "%s is not in the greylisting whitelist", net);
	if (ret != STORE_OK)
		return op_store_fail(op);
	op_note(op, "%s removed from the greylisting whitelist", net);
	return 0;
}

struct gl_entry {
	struct greylist_net net;
	uint64_t added;
	const char *comment;
};

static int gl_entry_cmp(const void *pa, const void *pb)
{
	const struct gl_entry *a = pa, *b = pb;

	return gl_net_cmp(&a->net, &b->net);
}

static void gl_whitelist_emit(struct gl_out *o, const struct gl_entry *e,
			      size_t count)
{
	for (size_t i = 0; i < count; i++) {
		gl_cell(o, "network", GL_STRING,
			gl_net_text(o->op->arena, &e[i].net));
		gl_cell_time(o, "added", true, e[i].added);
		gl_cell(o, "comment", GL_STRING, e[i].comment);
		gl_row_end(o);
	}
}

static int gl_whitelist_list_body(struct op *op, void *context)
{
	static const unsigned char tag = GREYLIST_TAG_WHITELIST;
	struct gl_run *run = context;
	struct gl_entry *entries = NULL;
	size_t count = 0, cap = 0;
	struct greylist_whitelist value;
	struct store_iter iter;
	struct store_val k, v;
	struct gl_out o;
	int ret = store_iter_open(op->txn, STORE_GREYLIST, &tag, 1, &iter);

	while (ret == STORE_OK && (ret = store_iter_next(&iter, &k, &v)) == 1) {
		struct gl_entry e;
		ret = STORE_OK;
		if (greylist_key_net_decode(k.data, k.len, &e.net) == 0 ||
		    !greylist_whitelist_decode(v.data, v.len, &value))
			continue; /* the summary */
		e.added = value.added;
		e.comment =
		    gl_escape(op->arena, (const unsigned char *)value.comment,
			      value.comment_len);
		if (count == cap) {
			cap = cap != 0 ? 2 * cap : 16;
			struct gl_entry *grown =
			    arena_alloc(op->arena, cap * sizeof(*grown));
			if (count != 0)
				memcpy(grown, entries, count * sizeof(*grown));
			entries = grown;
		}
		entries[count++] = e;
	}
	store_iter_close(&iter);
	if (ret < 0)
		return op_store_fail(op);
	if (count > 1)
		qsort(entries, count, sizeof(*entries), gl_entry_cmp);
	gl_out_init(&o, op, run);
	gl_whitelist_emit(&o, entries, count);
	gl_out_table(&o);
	return 0;
}

static int gl_stats_body(struct op *op, void *context)
{
	struct gl_run *run = context;
	struct greylist_stats st;
	struct gl_out o;

	if (greylist_store_stats(op->txn, &run->settings, run->now, &st) !=
	    STORE_OK)
		return op_store_fail(op);
	gl_out_init(&o, op, run);
	gl_cell_num(&o, "entries", st.entries);
	gl_cell_num(&o, "triplets", st.triplets);
	gl_cell_num(&o, "passed", st.passed);
	gl_cell_num(&o, "pending", st.pending);
	gl_cell_num(&o, "awl_networks", st.networks);
	gl_cell_num(&o, "auto_whitelisted", st.whitelisted);
	gl_cell_num(&o, "manual_whitelist", st.manual);
	gl_cell_num(&o, "expired", st.expired);
	gl_row_end(&o);
	gl_out_record(&o);
	return 0;
}

/* Argument checks, before the store opens */

/* CLIENT SENDER RECIPIENT: the triplet's key, the engine's way. */
static int gl_prepare_triplet(struct gl_run *run)
{
	const char *client = run->args[0];
	const char *sender = run->args[1], *recipient = run->args[2];

	if (greylist_net_parse(&run->settings, client, strlen(client),
			       &run->net) < 0)
		return gl_input_error(run, "CLIENT \"%s\" is not an IP address",
				      client);
	if (strcmp(sender, "<>") == 0)
		sender = run->args[1] = ""; /* the null sender */
	greylist_triplet_key(&run->net, sender, strlen(sender), recipient,
			     strlen(recipient), &run->key);
	return 0;
}

static int gl_prepare_delete(struct gl_run *run)
{
	if (run->have_client && run->arg_count == 0)
		return 0;
	if (!run->have_client && run->arg_count == 3)
		return gl_prepare_triplet(run);
	return gl_input_error(run, "usage: mailmapctl greylist delete %s",
			      run->cmd->usage);
}

/* NET of the whitelist: a network or an address, host bits clear. */
static int gl_prepare_net(struct gl_run *run)
{
	const char *text = run->args[0];
	int ret = greylist_net_parse_cidr(text, strlen(text), &run->net);
	char buf[INET6_ADDRSTRLEN];

	if (ret < 0)
		return gl_input_error(
		    run, "NET \"%s\" is not an address or a network", text);
	if (ret > 0) {
		inet_ntop(run->net.family == 4 ? AF_INET : AF_INET6,
			  run->net.addr, buf, sizeof(buf));
		return gl_input_error(run,
				      "NET \"%s\" has host bits set (the "
				      "network is %s/%u)",
				      text, buf, run->net.prefix);
	}
	if (run->comment == NULL)
		return 0;
	if (strlen(run->comment) > GREYLIST_COMMENT_MAX)
		return gl_input_error(run, "comment: longer than %d bytes",
				      GREYLIST_COMMENT_MAX);
	for (const char *c = run->comment; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return gl_input_error(
			    run, "comment: control characters are not allowed");
	}
	return 0;
}

/* Options */

static int gl_set_client(struct gl_run *run, const char *value)
{
	if (greylist_net_parse_cidr(value, strlen(value), &run->client) < 0)
		return gl_input_error(
		    run, "--client \"%s\" is not an address or a network",
		    value);
	run->have_client = true;
	run->client_text = value;
	return 0;
}

static int gl_set_sender(struct gl_run *run, const char *value)
{
	run->sender_glob = value;
	return 0;
}

static int gl_set_recipient(struct gl_run *run, const char *value)
{
	run->recipient_glob = value;
	return 0;
}

static int gl_set_state(struct gl_run *run, enum gl_state state)
{
	if (run->filter != GL_STATE_ANY && run->filter != state)
		return gl_input_error(
		    run, "only one of --pending, --passed, --whitelisted");
	run->filter = state;
	return 0;
}

static int gl_set_pending(struct gl_run *run, const char *value)
{
	(void)value;
	return gl_set_state(run, GL_PENDING);
}

static int gl_set_passed(struct gl_run *run, const char *value)
{
	(void)value;
	return gl_set_state(run, GL_PASSED);
}

static int gl_set_whitelisted(struct gl_run *run, const char *value)
{
	(void)value;
	return gl_set_state(run, GL_WHITELISTED);
}

static int gl_set_json(struct gl_run *run, const char *value)
{
	(void)value;
	run->json = true;
	return 0;
}

static int gl_set_comment(struct gl_run *run, const char *value)
{
	run->comment = value;
	return 0;
}

static const struct gl_option {
	const char *name; /* "--name" takes a value when it ends in '=' */
	unsigned option;
	int (*set)(struct gl_run *run, const char *value);
} gl_options[] = {
    {"--client=", GL_OPT_CLIENT, gl_set_client},
    {"--sender=", GL_OPT_SENDER, gl_set_sender},
    {"--recipient=", GL_OPT_RECIPIENT, gl_set_recipient},
    {"--pending", GL_OPT_STATE, gl_set_pending},
    {"--passed", GL_OPT_STATE, gl_set_passed},
    {"--whitelisted", GL_OPT_STATE, gl_set_whitelisted},
    {"--json", GL_OPT_JSON, gl_set_json},
    {"comment=", GL_OPT_COMMENT, gl_set_comment},
};

/* Matches argv[*i] against an option, "--name VALUE" and "--name=VALUE"
 * alike. 1 when it was one (advancing *i past its value), 0 when not, -1
 * on an error (printed). */
static int gl_option(struct gl_run *run, int argc, char **argv, int *i)
{
	for (size_t o = 0; o < sizeof(gl_options) / sizeof(gl_options[0]);
	     o++) {
		const struct gl_option *opt = &gl_options[o];
		size_t len = strlen(opt->name);
		bool valued = opt->name[len - 1] == '=';
		const char *arg = argv[*i], *value = NULL;
		if (valued && strncmp(arg, opt->name, len) == 0)
			value = arg + len;
		else if (valued && opt->name[0] == '-' &&
			 strncmp(arg, opt->name, len - 1) == 0 &&
			 arg[len - 1] == '\0') {
			if (*i + 1 >= argc)
				return gl_input_error(run, "%s needs a value",
						      arg);
			value = argv[++*i];
		} else if (valued || strcmp(arg, opt->name) != 0)
			continue;
		if ((run->cmd->options & opt->option) == 0)
			return gl_input_error(run, "unexpected \"%s\"", arg);
		return opt->set(run, value) < 0 ? -1 : 1;
	}
	return 0;
}

static int gl_parse(struct gl_run *run, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		int ret = gl_option(run, argc, argv, &i);
		if (ret < 0)
			return -1;
		if (ret > 0)
			continue;
		if (strncmp(argv[i], "--", 2) == 0)
			return gl_input_error(run, "unknown option %s",
					      argv[i]);
		if (run->arg_count == run->cmd->max_args)
			return gl_input_error(run, "unexpected argument \"%s\"",
					      argv[i]);
		run->args[run->arg_count++] = argv[i];
	}
	if (run->arg_count < run->cmd->min_args)
		return gl_input_error(
		    run, "usage: mailmapctl greylist %s%s%s %s", run->cmd->name,
		    run->cmd->verb != NULL ? " " : "",
		    run->cmd->verb != NULL ? run->cmd->verb : "",
		    run->cmd->usage);
	return run->cmd->prepare != NULL ? run->cmd->prepare(run) : 0;
}

/* Running */

static const struct gl_cmd gl_cmds[] = {
    {"list", NULL,
     "[--client NET] [--sender GLOB] [--recipient GLOB] "
     "[--pending|--passed|--whitelisted] [--json]",
     0, 0,
     GL_OPT_CLIENT | GL_OPT_SENDER | GL_OPT_RECIPIENT | GL_OPT_STATE |
	 GL_OPT_JSON,
     false, NULL, gl_list_body},
    {"show", NULL, "CLIENT SENDER RECIPIENT [--json]", 3, 3, GL_OPT_JSON, false,
     gl_prepare_triplet, gl_show_body},
    {"delete", NULL, "CLIENT SENDER RECIPIENT | --client NET", 0, 3,
     GL_OPT_CLIENT, true, gl_prepare_delete, gl_delete_body},
    {"whitelist", "add", "NET [comment=TEXT]", 1, 1, GL_OPT_COMMENT, true,
     gl_prepare_net, gl_whitelist_add_body},
    {"whitelist", "del", "NET", 1, 1, 0, true, gl_prepare_net,
     gl_whitelist_del_body},
    {"whitelist", "list", "[--json]", 0, 0, GL_OPT_JSON, false, NULL,
     gl_whitelist_list_body},
    {"stats", NULL, "[--json]", 0, 0, GL_OPT_JSON, false, NULL, gl_stats_body},
};

#define GL_CMD_COUNT (sizeof(gl_cmds) / sizeof(gl_cmds[0]))

/* The command argv names; *used_r says how many words it took. */
static const struct gl_cmd *gl_cmd_find(int argc, char **argv, int *used_r)
{
	for (size_t i = 0; i < GL_CMD_COUNT && argc >= 1; i++) {
		const struct gl_cmd *cmd = &gl_cmds[i];
		if (strcmp(cmd->name, argv[0]) != 0)
			continue;
		*used_r = cmd->verb != NULL ? 2 : 1;
		if (cmd->verb == NULL ||
		    (argc >= 2 && strcmp(cmd->verb, argv[1]) == 0))
			return cmd;
	}
	return NULL;
}

static void gl_usage(FILE *out)
{
	fputs("usage:\n", out);
	for (size_t i = 0; i < GL_CMD_COUNT; i++)
		fprintf(out, "  mailmapctl greylist %s%s%s %s\n",
			gl_cmds[i].name, gl_cmds[i].verb != NULL ? " " : "",
			gl_cmds[i].verb != NULL ? gl_cmds[i].verb : "",
			gl_cmds[i].usage);
}

/* The engine's settings: the configuration's policy group once it is
 * parsed (its max age is never zero), postgrey's defaults until then. */
static void gl_settings(const struct config *config,
			struct greylist_settings *settings)
{
	const struct config_policy *policy = &config->policy;

	greylist_settings_default(settings);
	settings->enabled = true;
	if (policy->greylist_max_age == 0)
		return;
	settings->delay = policy->greylist_delay;
	settings->retry_window = policy->greylist_retry_window;
	settings->max_age = policy->greylist_max_age;
	settings->ipv4_prefix = policy->greylist_ipv4_prefix;
	settings->ipv6_prefix = policy->greylist_ipv6_prefix;
	settings->awl_clients = policy->greylist_awl_count;
}

/* Runs the command in one snapshot or write transaction of the state
 * environment, the same way object commands run on the config one. */
static int gl_exec(struct gl_run *run)
{
	struct store_settings settings = {.dir = run->ctl->state_dir,
					  .kind = STORE_ENV_STATE,
					  .create = true,
					  .nosync = true};
	struct ctl ctl = *run->ctl;
	const char *error;
	int status;

	if (settings.dir == NULL) {
		fprintf(ctl.err, "mailmapctl: no state directory\n");
		return CTL_TEMPFAIL;
	}
	if (store_open(&settings, &ctl.store, &error) != STORE_OK) {
		fprintf(ctl.err, "mailmapctl: %s\n", error);
		return CTL_TEMPFAIL;
	}
	run->now = (uint64_t)time(NULL);
	if (!run->cmd->writes) {
		status = ctl_read(&ctl, run->cmd->body, run);
	} else {
		status = ctl_write(&ctl, run->cmd->body, run);
		/* mailmapd syncs the state once a second; an admin's change
		 * should not wait for it. */
		if (status == CTL_OK &&
		    store_sync(ctl.store, &error) != STORE_OK)
			fprintf(ctl.err, "mailmapctl: warning: %s\n", error);
	}
	store_close(&ctl.store);
	return status;
}

int greylist_main(struct ctl *ctl, int argc, char **argv)
{
	struct gl_run run = {
	    .ctl = ctl, .json = ctl->json, .filter = GL_STATE_ANY};
	int used = 0;

	run.cmd = gl_cmd_find(argc, argv, &used);
	if (run.cmd == NULL) {
		if (argc >= 1)
			fprintf(ctl->err,
				"mailmapctl: greylist: unknown command "
				"\"%s%s%s\"\n",
				argv[0], argc >= 2 && used == 2 ? " " : "",
				argc >= 2 && used == 2 ? argv[1] : "");
		gl_usage(ctl->err);
		return CTL_INPUT;
	}
	gl_settings(ctl->config, &run.settings);
	if (gl_parse(&run, argc - used, argv + used) < 0)
		return CTL_INPUT;
	return gl_exec(&run);
}
