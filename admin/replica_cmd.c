/*
 * replica_cmd: `mailmapctl replica check` and `mailmapctl replica seed`
 * (multi-host mode, README "Many hosts").
 *
 * check: compares this host's replica, row by row, with etcd at the
 *   revision the replica holds; exit 0 when equal, 1 when not.
 * seed:  the move of a single host onto etcd: every row of this host's
 *   store (not yet a replica) committed as one etcd transaction into an
 *   empty prefix (the sequence key must not exist). mailmapd, restarted
 *   with replica.etcd, then fills the replica from etcd.
 */
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "snapshot.h"

/* The rows of a table, copied: they are put back once the cursor is
 * closed. */
struct seed_rows {
	struct store_change *items;
	size_t count, cap;
};

static void seed_add(struct seed_rows *rows, enum store_table table,
		     const struct store_val *k, const struct store_val *v)
{
	struct store_change *c;

	if (rows->count == rows->cap) {
		rows->cap = rows->cap != 0 ? rows->cap * 2 : 256;
		rows->items =
		    realloc(rows->items, rows->cap * sizeof(*rows->items));
		if (rows->items == NULL)
			abort();
	}
	c = &rows->items[rows->count++];
	c->table = table;
	c->key = malloc(k->len);
	c->value = malloc(v->len + 1);
	if (c->key == NULL || c->value == NULL)
		abort();
	memcpy(c->key, k->data, k->len);
	memcpy(c->value, v->data, v->len);
	c->key_len = k->len;
	c->value_len = v->len;
}

/* Puts every row back as it is: the capture notes them all. */
static int seed_body(struct store_txn *txn, void *context)
{
	struct seed_rows rows = {0};

	(void)context;
	for (int t = 0; t < STORE_TABLE_COUNT; t++) {
		struct store_iter iter;
		struct store_val k, v;

		if (t == STORE_META ||
		    !store_table_in_env((enum store_table)t,
					STORE_ENV_CONFIG) ||
		    store_iter_open(txn, (enum store_table)t, NULL, 0, &iter) !=
			STORE_OK)
			continue;
		while (store_iter_next(&iter, &k, &v) == 1)
			seed_add(&rows, (enum store_table)t, &k, &v);
		store_iter_close(&iter);
	}
	for (size_t i = 0; i < rows.count; i++) {
		struct store_change *c = &rows.items[i];
		store_put(txn, c->table, c->key, c->key_len, c->value,
			  c->value_len, 0);
	}
	struct store_changes all = {rows.items, rows.count, rows.cap};
	store_changes_free(&all);
	return 0;
}

static int replica_seed(struct ctl *ctl)
{
	struct store_changes changes;
	struct replica_mark mark;
	const char *serror;
	char *error = NULL;
	uint64_t revision;
	int ret;

	if (replica_mark_get(ctl->store, &mark, &serror) != STORE_OK) {
		fprintf(ctl->err, "mailmapctl: %s\n", serror);
		return CTL_TEMPFAIL;
	}
	if (mark.revision != 0) {
		fprintf(ctl->err,
			"mailmapctl: replica seed: this store is "
			"already a replica of etcd (revision %llu)\n",
			(unsigned long long)mark.revision);
		return CTL_INPUT;
	}
	ret =
	    store_write_capture(ctl->store, seed_body, NULL, &changes, &serror);
	if (ret != STORE_OK) {
		fprintf(ctl->err, "mailmapctl: %s\n", serror);
		return CTL_TEMPFAIL;
	}
	ret = replica_commit(ctl->etcd, ctl->config->replica.prefix, "",
			     &changes, &revision, &error);
	if (ret == REPLICA_COMMITTED)
		fprintf(ctl->out, "seeded %zu rows: etcd revision %llu\n",
			changes.count, (unsigned long long)revision);
	else
		fprintf(ctl->err, "mailmapctl: replica seed: %s%s\n", error,
			ret == REPLICA_CONFLICT ? " (seed fills only an empty "
						  "prefix)"
						: "");
	free(error);
	store_changes_free(&changes);
	if (ret == REPLICA_COMMITTED)
		return CTL_OK;
	return ret == REPLICA_CONFLICT ? CTL_INPUT : CTL_TEMPFAIL;
}

static int replica_check(struct ctl *ctl)
{
	struct replica_diff diff;
	char *error = NULL;

	if (replica_compare(ctl->etcd, ctl->config->replica.prefix, ctl->store,
			    &diff, &error) < 0) {
		fprintf(ctl->err, "mailmapctl: replica check: %s\n", error);
		free(error);
		return CTL_TEMPFAIL;
	}
	if (ctl->json) {
		fprintf(ctl->out,
			"{\"revision\":%llu,\"rows\":%zu,\"differ\":%zu}\n",
			(unsigned long long)diff.revision, diff.rows,
			diff.differ);
	} else if (diff.differ == 0) {
		fprintf(ctl->out,
			"replica equals etcd at revision %llu: %zu "
			"rows\n",
			(unsigned long long)diff.revision, diff.rows);
	} else {
		fprintf(ctl->out,
			"replica differs from etcd at revision %llu: %zu of "
			"%zu rows (first: %s)\n",
			(unsigned long long)diff.revision, diff.differ,
			diff.rows, diff.first);
	}
	return diff.differ == 0 ? CTL_OK : CTL_INPUT;
}

int replica_main(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 1 ||
	    (strcmp(argv[0], "check") != 0 && strcmp(argv[0], "seed") != 0)) {
		fprintf(ctl->err, "usage: mailmapctl replica check|seed\n");
		return CTL_INPUT;
	}
	if (ctl->etcd == NULL) {
		fprintf(ctl->err,
			"mailmapctl: replica %s: replica.etcd is not "
			"set (single-host mode)\n",
			argv[0]);
		return CTL_INPUT;
	}
	return strcmp(argv[0], "seed") == 0 ? replica_seed(ctl)
					    : replica_check(ctl);
}
