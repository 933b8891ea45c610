/*
 * dict_iterate: the user listing of `doveadm user '*'` and `doveadm -A`
 * (protocols.md 3.6 "Iteration"): I on path "shared/userdb/" of the dicts
 * "auth" and "userdb" gives one row per mailbox, key
 * "shared/userdb/<address>", value its userdb answer (dict_userdb.c), in
 * the key order of the addresses table, which is the order of the keys.
 *
 * - Only that path: any other one (and EXACT_KEY) has no rows; in
 *   particular nothing is ever returned outside the requested prefix,
 *   which panics Dovecot's auth-worker.
 * - Without DICT_ITER_RECURSE (Dovecot sends flags 0) an address holding
 *   a '/' is skipped: its key would not be a direct child of the path.
 * - The user field (doveadm's mask) is ignored: doveadm filters the names
 *   itself.
 * - A call resumes strictly after the key `after` through a positioned
 *   cursor (store_iter_open_after), so a listing may span snapshots; a
 *   mailbox added or deleted meanwhile shows up or not, nothing repeats.
 * - A mailbox whose userdb answer cannot be built (damaged store) fails
 *   the listing: a short list would look complete.
 */
#include "dict_data.h"

#include <string.h>

/* One call: where it resumes and what it fills. */
struct iter_run {
	const struct dict_ctx *ctx;
	unsigned flags;
	struct dict_row *rows;
	size_t max;
	size_t count;
};

/* The address to resume after: 0 with *resume_r (len 0: from the
 * start), or -1 when `after` sorts past every key of the path. */
static int iter_resume(const char *after, size_t after_len,
		       struct dict_str *resume_r)
{
	size_t prefix_len = strlen(DICT_USERDB_PREFIX);
	size_t n = after_len < prefix_len ? after_len : prefix_len;
	int cmp;

	*resume_r = (struct dict_str){"", 0};
	if (after_len == 0)
		return 0;
	cmp = memcmp(after, DICT_USERDB_PREFIX, n);
	if (cmp < 0 || (cmp == 0 && after_len < prefix_len))
		return 0;
	if (cmp > 0)
		return -1;
	resume_r->data = after + prefix_len;
	resume_r->len = after_len - prefix_len;
	return 0;
}

/* Adds the row of one mailbox: 0, or -1 with *error_r. */
static int iter_row(struct iter_run *run, struct store_val key,
		    struct store_val value, const char **error_r)
{
	const struct dict_ctx *ctx = run->ctx;
	struct dict_row *row = &run->rows[run->count];
	struct dict_reply reply = {DICT_FOUND, "", 0};
	struct account account;
	const char *reason = "store read failed";
	char *row_key = arena_printf(ctx->arena, "%s%.*s", DICT_USERDB_PREFIX,
				     (int)key.len, (const char *)key.data);

	if ((run->flags & DICT_ITER_NO_VALUE) == 0) {
		if (account_from_record(ctx->config_txn, ctx->arena, key.data,
					key.len, value, &account,
					&reason) != LOOKUP_FOUND) {
			*error_r = reason;
			return -1;
		}
		dict_userdb_answer(ctx, &account, &reply);
	}
	row->key = row_key;
	row->key_len = strlen(row_key);
	row->value = reply.value;
	row->value_len = reply.len;
	run->count++;
	return 0;
}

/* Whether the addresses-table row is listed: a mailbox, and a direct
 * child unless the listing recurses. */
static bool iter_wanted(const struct iter_run *run, struct store_val key,
			struct store_val value)
{
	enum record_type type;

	if (record_peek_type(value.data, value.len, &type) < 0 ||
	    type != REC_MAILBOX)
		return false;
	return (run->flags & DICT_ITER_RECURSE) != 0 ||
	       memchr(key.data, '/', key.len) == NULL;
}

static int iter_scan(struct iter_run *run, struct dict_str resume,
		     const char **error_r)
{
	struct store_iter iter;
	struct store_val key, value;
	int ret =
	    store_iter_open_after(run->ctx->config_txn, STORE_ADDRESSES, NULL,
				  0, resume.data, resume.len, &iter);

	while (ret == STORE_OK && run->count < run->max &&
	       (ret = store_iter_next(&iter, &key, &value)) == 1) {
		ret = STORE_OK;
		if (iter_wanted(run, key, value) &&
		    iter_row(run, key, value, error_r) < 0) {
			store_iter_close(&iter);
			return -1;
		}
	}
	store_iter_close(&iter);
	if (ret < 0) {
		*error_r = "store read failed";
		return -1;
	}
	return (int)run->count;
}

int dict_iterate(const struct dict_ctx *ctx, enum dict_name dict,
		 const char *path, size_t path_len, unsigned flags,
		 const char *user, size_t user_len, const char *after,
		 size_t after_len, struct dict_row *rows, size_t max,
		 const char **error_r)
{
	struct iter_run run = {ctx, flags, rows, max, 0};
	struct dict_str resume, rest;

	(void)user;
	(void)user_len;
	if ((dict != DICT_NAME_AUTH && dict != DICT_NAME_USERDB) ||
	    (flags & DICT_ITER_EXACT_KEY) != 0 || max == 0 ||
	    !dict_key_prefix(path, path_len, DICT_USERDB_PREFIX, &rest) ||
	    rest.len != 0)
		return 0;
	if (iter_resume(after, after_len, &resume) < 0)
		return 0;
	return iter_scan(&run, resume, error_r);
}
