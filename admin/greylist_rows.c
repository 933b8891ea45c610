/*
 * greylist_rows: the triplet ('T') and auto-whitelist ('A') entries of the
 * state store as rows of `list`, `show` and `delete --client`: decoded
 * from key and value, judged at run->now (pending, passed, whitelisted,
 * counting, expired, unreadable), filtered by --client, --sender,
 * --recipient and the state, and ordered.
 *
 * Limits: a sender or recipient longer than 240 bytes is kept as its first
 * 232 bytes and a hash; it is shown as those bytes and "...[hashed]", and
 * a glob matches it only when it matches those bytes and ends in '*'.
 * Bytes outside printable ASCII (and '\') are shown as \xNN; globs match
 * the text as shown, ignoring case.
 */
#include <fnmatch.h>
#include <string.h>

#include "greylist_cmd.h"

static const char *const gl_state_names[] = {
    [GL_PENDING] = "pending",	      [GL_PASSED] = "passed",
    [GL_WHITELISTED] = "whitelisted", [GL_COUNTING] = "counting",
    [GL_EXPIRED] = "expired",	      [GL_UNREADABLE] = "unreadable",
};

/* Decoding */

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

bool gl_row_decode(struct gl_run *run, struct arena *arena,
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

/* Cells */

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

void gl_row_emit(struct gl_run *run, struct gl_out *o, const struct gl_row *row)
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

/* Filters and order */

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

int gl_net_cmp(const struct greylist_net *a, const struct greylist_net *b)
{
	int c = (int)a->family - (int)b->family;

	if (c == 0)
		c = memcmp(a->addr, b->addr, sizeof(a->addr));
	return c != 0 ? c : (int)a->prefix - (int)b->prefix;
}

int gl_row_cmp(const void *pa, const void *pb)
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

static void gl_rows_push(struct arena *arena, struct gl_rows *rows,
			 const struct gl_row *row)
{
	rows->items = gl_grow(arena, rows->items, rows->count, &rows->cap,
			      sizeof(*rows->items));
	rows->items[rows->count++] = *row;
}

int gl_collect(struct op *op, struct gl_run *run, struct gl_rows *rows)
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
