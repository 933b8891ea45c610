/* dict_session: one dict protocol connection; see dict_session.h. */
#include "dict_session.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict_codec.h"

struct dict_txn {
	struct dict_txn *next;
	unsigned long id;
	char *user;
	size_t user_len;
	size_t count;
	struct dict_op ops[DICT_TXN_OPS_MAX]; /* key and value malloc'd */
};

/* One parsed command line. */
struct dict_cmd {
	char code;
	char *f[DICT_FIELDS_MAX];
	size_t len[DICT_FIELDS_MAX];
	int count;
};

/* ---- replies: the one place that writes protocol bytes ---------------- */

static void dict_put(const struct dict_env *env, const char *data, size_t len)
{
	env->sink.write(env->sink.context, data, len);
}

static void dict_put_escaped(const struct dict_env *env, const char *value,
			     size_t len)
{
	char small[512];
	size_t need = dict_escaped_len(value, len);
	char *out;

	if (need == len) { /* the common case: nothing to escape */
		dict_put(env, value, len);
		return;
	}
	out =
	    need <= sizeof(small) ? small : arena_alloc(env->ctx->arena, need);
	dict_escape(out, value, len);
	dict_put(env, out, need);
}

/* code [id] [TAB if id and value] [escaped value] LF */
static void dict_reply(const struct dict_env *env, const char *code,
		       const char *id, const char *value, size_t len,
		       bool escape_free)
{
	dict_put(env, code, strlen(code));
	if (id != NULL) {
		dict_put(env, id, strlen(id));
		if (value != NULL)
			dict_put(env, "\t", 1);
	}
	if (value != NULL && escape_free)
		dict_put(env, value, len);
	else if (value != NULL)
		dict_put_escaped(env, value, len);
	dict_put(env, "\n", 1);
}

static const char *const dict_status_codes[] = {
    [DICT_FOUND] = "O", [DICT_NOTFOUND] = "N", [DICT_FAILED] = "F"};

static void dict_reply_status(const struct dict_env *env, const char *prefix,
			      const char *id, const struct dict_reply *reply)
{
	char code[3] = {prefix[0], '\0', '\0'}; /* prefix: "" or "A" */

	code[prefix[0] != '\0'] = dict_status_codes[reply->status][0];
	if (reply->status == DICT_NOTFOUND || id != NULL) {
		bool with_value = reply->status == DICT_FAILED;
		dict_reply(env, code, id, with_value ? reply->value : NULL,
			   with_value ? reply->len : 0, false);
		return;
	}
	dict_reply(env, code, NULL, reply->value, reply->len,
		   reply->escape_free);
}

/* ---- helpers ------------------------------------------------------------ */

static int dict_fail(const char **error_r, const char *why)
{
	*error_r = why;
	return DICT_SESSION_CLOSE;
}

/* A decimal number (ids, flags, max_rows): digits only, no overflow. */
static bool dict_parse_ulong(const char *s, size_t len, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned long digit = (unsigned long)(s[i] - '0');
		if (s[i] < '0' || s[i] > '9' || v > (ULONG_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*out = v;
	return true;
}

static struct dict_txn **dict_txn_find(struct dict_session *s, const char *id,
				       size_t len)
{
	unsigned long n;

	if (!dict_parse_ulong(id, len, &n))
		return NULL;
	for (struct dict_txn **t = &s->txns; *t != NULL; t = &(*t)->next) {
		if ((*t)->id == n)
			return t;
	}
	return NULL;
}

static void dict_txn_free(struct dict_txn *txn)
{
	for (size_t i = 0; i < txn->count; i++) {
		free((char *)txn->ops[i].key);
		free((char *)txn->ops[i].value);
	}
	free(txn->user);
	free(txn);
}

/* Unlinks *t and frees it. */
static void dict_txn_drop(struct dict_session *s, struct dict_txn **t)
{
	struct dict_txn *txn = *t;

	*t = txn->next;
	s->txn_count--;
	dict_txn_free(txn);
}

static char *dict_dup(const char *s, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy == NULL)
		abort();
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

/* ---- commands ---------------------------------------------------------- */

static int dict_cmd_hello(struct dict_session *s, const struct dict_env *env,
			  const struct dict_cmd *c, const char **error_r)
{
	if (s->handshaken)
		return dict_fail(error_r, "second handshake");
	if (c->count < 5)
		return dict_fail(error_r, "malformed handshake");
	if (c->len[0] != 1 || (c->f[0][0] != '3' && c->f[0][0] != '4'))
		return dict_fail(error_r, "unsupported protocol version (only "
					  "major versions 3 and 4: Dovecot 2.3 "
					  "and 2.4)");
	for (int i = 0; dict_name_strings[i] != NULL; i++) {
		if (strlen(dict_name_strings[i]) != c->len[4] ||
		    memcmp(dict_name_strings[i], c->f[4], c->len[4]) != 0)
			continue;
		if (!env->serves(env->serves_context, c->f[4], c->len[4]))
			return dict_fail(error_r,
					 "dict not served on this listener");
		s->dict = (enum dict_name)i;
		s->version = (unsigned)(c->f[0][0] - '0');
		s->handshaken = true;
		return DICT_SESSION_DONE;
	}
	return dict_fail(error_r, "unknown dict name");
}

static int dict_cmd_lookup(struct dict_session *s, const struct dict_env *env,
			   const struct dict_cmd *c, const char **error_r)
{
	struct dict_reply reply = {DICT_NOTFOUND, NULL, 0};

	if (c->count < 2)
		return dict_fail(error_r, "malformed lookup");
	if (env->store_error != NULL) {
		reply = (struct dict_reply){DICT_FAILED, env->store_error,
					    strlen(env->store_error)};
		dict_reply_status(env, "", NULL, &reply);
		return DICT_SESSION_DONE;
	}
	env->ops->lookup(env->ctx, s->dict, c->f[0], c->len[0], c->f[1],
			 c->len[1], &reply);
	dict_reply_status(env, "", NULL, &reply);
	return DICT_SESSION_DONE;
}

/* Ends an iteration with F<why> (instead of the empty line). */
static int dict_iter_fail(struct dict_session *s, const struct dict_env *env,
			  const char *why)
{
	s->iterating = false;
	dict_reply(env, "F", NULL, why, strlen(why), false);
	return DICT_SESSION_DONE;
}

/* Sends one chunk of rows; the terminator once there are no more. */
static int dict_iter_chunk(struct dict_session *s, const struct dict_env *env,
			   const struct dict_cmd *c, unsigned long flags,
			   unsigned long max_rows)
{
	struct dict_row *rows =
	    arena_alloc(env->ctx->arena, DICT_ITER_CHUNK * sizeof(*rows));
	size_t want = DICT_ITER_CHUNK;
	const char *error;
	int n;

	if (max_rows != 0 && max_rows - s->rows_sent < want)
		want = (size_t)(max_rows - s->rows_sent);
	n = want == 0
		? 0
		: env->ops->iterate(env->ctx, s->dict, c->f[2], c->len[2],
				    (unsigned)flags, c->f[3], c->len[3],
				    s->after, s->after_len, rows, want, &error);
	if (n < 0)
		return dict_iter_fail(s, env, error);
	for (int i = 0; i < n; i++) {
		dict_put(env, "O", 1);
		dict_put_escaped(env, rows[i].key, rows[i].key_len);
		dict_put(env, "\t", 1);
		dict_put_escaped(env, rows[i].value, rows[i].value_len);
		dict_put(env, "\n", 1);
	}
	s->rows_sent += (uint64_t)n;
	if (n == 0 || (size_t)n < want ||
	    (max_rows != 0 && s->rows_sent >= max_rows)) {
		s->iterating = false;
		dict_put(env, "\n", 1);
		return DICT_SESSION_DONE;
	}
	/* A short list would look complete: fail rather than stop. */
	if (rows[n - 1].key_len > DICT_ITEM_MAX)
		return dict_iter_fail(s, env, "key too long to resume after");
	memcpy(s->after, rows[n - 1].key, rows[n - 1].key_len);
	s->after_len = rows[n - 1].key_len;
	return DICT_SESSION_MORE;
}

static int dict_cmd_iterate(struct dict_session *s, const struct dict_env *env,
			    const struct dict_cmd *c, const char **error_r)
{
	unsigned long flags, max_rows;

	if (c->count < 4 || !dict_parse_ulong(c->f[0], c->len[0], &flags) ||
	    !dict_parse_ulong(c->f[1], c->len[1], &max_rows))
		return dict_fail(error_r, "malformed iterate");
	if (env->store_error != NULL)
		return dict_iter_fail(s, env, env->store_error);
	if (!s->iterating) {
		s->iterating = true;
		s->rows_sent = 0;
		s->after_len = 0;
	}
	return dict_iter_chunk(s, env, c, flags, max_rows);
}

static int dict_cmd_begin(struct dict_session *s, const struct dict_env *env,
			  const struct dict_cmd *c, const char **error_r)
{
	struct dict_txn *txn;
	unsigned long id, expire;

	(void)env;
	if (c->count < 2 || !dict_parse_ulong(c->f[0], c->len[0], &id))
		return dict_fail(error_r, "malformed begin");
	/* v4: B<id>\t<user>\t<expire secs> (Dovecot's own server takes it
	 * as optional). The state keeps no expiry (quota usage and last
	 * logins are kept until overwritten), but a field given must be a
	 * number: it is not part of the user. */
	if (s->version >= 4 && c->count >= 3 &&
	    !dict_parse_ulong(c->f[2], c->len[2], &expire))
		return dict_fail(error_r, "malformed begin");
	if (c->len[1] > DICT_ITEM_MAX)
		return dict_fail(error_r, "transaction user too long");
	if (dict_txn_find(s, c->f[0], c->len[0]) != NULL)
		return dict_fail(error_r, "transaction id already in use");
	if (s->txn_count == DICT_TXN_MAX)
		return dict_fail(error_r, "too many open transactions");
	txn = calloc(1, sizeof(*txn));
	if (txn == NULL)
		abort();
	txn->id = id;
	txn->user = dict_dup(c->f[1], c->len[1]);
	txn->user_len = c->len[1];
	txn->next = s->txns;
	s->txns = txn;
	s->txn_count++;
	return DICT_SESSION_DONE;
}

/* S, U and A: one operation into its transaction. */
static int dict_txn_add(struct dict_session *s, const struct dict_cmd *c,
			enum dict_op_kind kind, const char **error_r)
{
	int need = kind == DICT_OP_UNSET ? 2 : 3;
	struct dict_txn **t;

	if (c->count < need)
		return dict_fail(error_r, "malformed transaction command");
	t = dict_txn_find(s, c->f[0], c->len[0]);
	if (t == NULL)
		return dict_fail(error_r, "unknown transaction id");
	if ((*t)->count == DICT_TXN_OPS_MAX || c->len[1] > DICT_ITEM_MAX ||
	    (need == 3 && c->len[2] > DICT_ITEM_MAX))
		return dict_fail(error_r, "transaction over its limits");
	struct dict_op *op = &(*t)->ops[(*t)->count++];
	op->kind = kind;
	op->key = dict_dup(c->f[1], c->len[1]);
	op->key_len = c->len[1];
	op->value = need == 3 ? dict_dup(c->f[2], c->len[2]) : NULL;
	op->value_len = need == 3 ? c->len[2] : 0;
	return DICT_SESSION_DONE;
}

static int dict_cmd_set(struct dict_session *s, const struct dict_env *env,
			const struct dict_cmd *c, const char **error_r)
{
	(void)env;
	return dict_txn_add(s, c, DICT_OP_SET, error_r);
}

static int dict_cmd_unset(struct dict_session *s, const struct dict_env *env,
			  const struct dict_cmd *c, const char **error_r)
{
	(void)env;
	return dict_txn_add(s, c, DICT_OP_UNSET, error_r);
}

static int dict_cmd_inc(struct dict_session *s, const struct dict_env *env,
			const struct dict_cmd *c, const char **error_r)
{
	(void)env;
	return dict_txn_add(s, c, DICT_OP_INC, error_r);
}

/* T<id>\t<secs>\t<nsecs> (timestamp) and V<id>\t<yes|no> (v4: hide
 * the values in logs) change nothing here, but their id must exist. */
static int dict_cmd_txn_mark(struct dict_session *s, const struct dict_env *env,
			     const struct dict_cmd *c, const char **error_r)
{
	(void)env;
	if (dict_txn_find(s, c->f[0], c->len[0]) == NULL)
		return dict_fail(error_r, "unknown transaction id");
	return DICT_SESSION_DONE;
}

static int dict_cmd_rollback(struct dict_session *s, const struct dict_env *env,
			     const struct dict_cmd *c, const char **error_r)
{
	struct dict_txn **t = dict_txn_find(s, c->f[0], c->len[0]);

	(void)env;
	if (t == NULL)
		return dict_fail(error_r, "unknown transaction id");
	dict_txn_drop(s, t);
	return DICT_SESSION_DONE;
}

static int dict_commit_as(struct dict_session *s, const struct dict_env *env,
			  const struct dict_cmd *c, const char *prefix,
			  const char **error_r)
{
	struct dict_txn **t = dict_txn_find(s, c->f[0], c->len[0]);
	struct dict_reply reply = {DICT_FAILED, "no state store", 14};

	if (t == NULL)
		return dict_fail(error_r, "unknown transaction id");
	if (env->state != NULL)
		env->ops->commit(env->state, s->dict, (*t)->user,
				 (*t)->user_len, (*t)->ops, (*t)->count,
				 &reply);
	dict_reply_status(env, prefix, c->f[0], &reply);
	dict_txn_drop(s, t);
	return DICT_SESSION_DONE;
}

static int dict_cmd_commit(struct dict_session *s, const struct dict_env *env,
			   const struct dict_cmd *c, const char **error_r)
{
	return dict_commit_as(s, env, c, "", error_r);
}

static int dict_cmd_commit_async(struct dict_session *s,
				 const struct dict_env *env,
				 const struct dict_cmd *c, const char **error_r)
{
	return dict_commit_as(s, env, c, "A", error_r);
}

static const struct dict_command {
	char code;
	int (*run)(struct dict_session *s, const struct dict_env *env,
		   const struct dict_cmd *c, const char **error_r);
	unsigned only_version; /* 0: every version */
} dict_commands[] = {
    {'H', dict_cmd_hello},
    {'L', dict_cmd_lookup},
    {'I', dict_cmd_iterate},
    {'B', dict_cmd_begin},
    {'S', dict_cmd_set},
    {'U', dict_cmd_unset},
    {'A', dict_cmd_inc},
    {'T', dict_cmd_txn_mark},
    {'R', dict_cmd_rollback},
    {'C', dict_cmd_commit},
    {'D', dict_cmd_commit_async, 3},
    {'V', dict_cmd_txn_mark, 4},
};

/* Fields per command: B (v4), S, A and T have three, I four, H five. */
static size_t dict_field_count(char code)
{
	switch (code) {
	case 'H':
		return 5;
	case 'I':
		return 4;
	case 'B':
	case 'S':
	case 'A':
	case 'T':
		return 3;
	case 'L':
	case 'U':
	case 'V':
		return 2;
	default:
		return 1;
	}
}

int dict_session_handle(struct dict_session *session,
			const struct dict_env *env, const char *line,
			size_t len, const char **error_r)
{
	struct dict_cmd c;
	char *copy;

	if (len == 0)
		return dict_fail(error_r, "empty line");
	c.code = line[0];
	if (!session->handshaken && c.code != 'H')
		return dict_fail(error_r, "command before the handshake");
	copy = arena_strndup(env->ctx->arena, line + 1, len - 1);
	c.count =
	    dict_split(copy, len - 1, c.f, c.len, dict_field_count(c.code));
	if (c.count < 0)
		return dict_fail(error_r, "malformed escape");
	for (size_t i = 0; i < sizeof(dict_commands) / sizeof(dict_commands[0]);
	     i++) {
		const struct dict_command *cmd = &dict_commands[i];
		if (cmd->code != c.code)
			continue;
		if (cmd->only_version != 0 && session->handshaken &&
		    cmd->only_version != session->version)
			break; /* D in v4, V in v3 */
		return cmd->run(session, env, &c, error_r);
	}
	return dict_fail(error_r, "unknown command");
}

enum dict_name dict_session_dict(const struct dict_session *session)
{
	return session->handshaken ? session->dict : DICT_NAME_COUNT;
}

void dict_session_release(struct dict_session *session)
{
	while (session->txns != NULL)
		dict_txn_drop(session, &session->txns);
}
