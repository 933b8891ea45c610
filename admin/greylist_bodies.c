/*
 * greylist_bodies: what each `mailmapctl greylist` command does inside its
 * read snapshot or write transaction of the state store, its arguments
 * already checked: list and show the entries, delete a triplet or every
 * entry of the networks overlapping --client, add, remove and list the
 * manual whitelist, and the totals of greylist_store_stats.
 */
#include <stdlib.h>
#include <string.h>

#include "greylist_cmd.h"

/* The triplets and AWL entries */

int gl_list_body(struct op *op, void *context)
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

int gl_show_body(struct op *op, void *context)
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

int gl_delete_body(struct op *op, void *context)
{
	struct gl_run *run = context;

	return run->have_client ? gl_delete_client(op, run)
				: gl_delete_triplet(op, run);
}

/* The manual whitelist */

int gl_whitelist_add_body(struct op *op, void *context)
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

int gl_whitelist_del_body(struct op *op, void *context)
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

int gl_whitelist_list_body(struct op *op, void *context)
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
		entries =
		    gl_grow(op->arena, entries, count, &cap, sizeof(*entries));
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

/* Totals */

int gl_stats_body(struct op *op, void *context)
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
