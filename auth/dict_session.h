/*
 * dict_session: one connection of Dovecot's dict protocol, major version
 * 3 (Dovecot 2.3, protocols.md 3.2-3.4) or 4 (Dovecot 2.4, protocols.md
 * 5), kept per connection, apart from sockets: the handshake, the
 * commands and their replies, transactions, and iteration in chunks.
 *
 * - H<major>\t<minor>\t<value type>\t<user>\t<dict name>: major 3 or 4
 *   (any other is refused); the name must be one of dict_name_strings
 *   and served by the listener. Never answered.
 * - L<key>\t<user>: O<value> / N / F<reason> (F too when the config
 *   store cannot be read: never a wrong N).
 * - I<flags>\t<max_rows>\t<path>\t<user>: rows O<key>\t<value> (with
 *   NO_VALUE: O<key>\t), then an empty line; F<reason> instead of the
 *   empty line on failure, even after rows. Rows go out in chunks of
 *   DICT_ITER_CHUNK: the handler answers DICT_SESSION_MORE and is called
 *   again with the same line once the output has drained; the cursor
 *   (last key sent, rows counted against max_rows) lives in the session.
 * - B<id>\t<user> (v4: B<id>\t<user>\t<expire secs>, a number, not kept),
 *   S<id>\t<key>\t<value>, U<id>\t<key>, A<id>\t<key>\t<n>, T<id>\t...,
 *   V<id>\t<yes|no> (v4 only: hide values in logs), R<id>: no reply.
 *   C<id>: O<id> / N<id> / F<id>\t<why>; D<id> (v3 only): the same after
 *   an 'A'.
 * Replies strictly in order, no async ids. An unknown command, a command
 * before the handshake, an unknown or duplicate transaction id, a
 * transaction over its limits or a malformed line closes the connection
 * (as Dovecot's own server does): the client fails the pending request
 * (auth: temp_fail) and reconnects for the next one.
 * Limits: DICT_TXN_MAX open transactions, DICT_TXN_OPS_MAX operations
 * each, users, keys and values of at most DICT_ITEM_MAX bytes (a
 * transaction over them closes the connection); the line itself is
 * bounded by the framing (dict_frame(), daemon.max_request). Transaction
 * memory is allocated at B and freed at C, D, R or dict_session_release().
 */
#ifndef MAILMAP_DICT_SESSION_H
#define MAILMAP_DICT_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "dict_backend.h"

#define DICT_TXN_MAX	 16
#define DICT_TXN_OPS_MAX 64
#define DICT_ITEM_MAX	 1024
#define DICT_ITER_CHUNK	 256 /* rows per handler call */

struct dict_txn;

struct dict_session {
	bool handshaken;
	unsigned version; /* the handshake's major version: 3 or 4 */
	enum dict_name dict;
	struct dict_txn *txns; /* open transactions (malloc'd) */
	size_t txn_count;
	bool iterating; /* an I line is being answered in chunks */
	uint64_t rows_sent;
	size_t after_len;
	char after[DICT_ITEM_MAX + 1]; /* the last key sent */
};

/* The data side, as function pointers so tests can fake it. */
struct dict_backend_ops {
	void (*lookup)(const struct dict_ctx *ctx, enum dict_name dict,
		       const char *key, size_t key_len, const char *user,
		       size_t user_len, struct dict_reply *reply);
	int (*iterate)(const struct dict_ctx *ctx, enum dict_name dict,
		       const char *path, size_t path_len, unsigned flags,
		       const char *user, size_t user_len, const char *after,
		       size_t after_len, struct dict_row *rows, size_t max,
		       const char **error_r);
	void (*commit)(struct store *state, enum dict_name dict,
		       const char *user, size_t user_len,
		       const struct dict_op *ops, size_t count,
		       struct dict_reply *reply);
};

/* Where replies go. */
struct dict_sink {
	void (*write)(void *context, const char *data, size_t len);
	void *context;
};

/* What one command may use. ctx->arena is reset by the caller after the
 * command; ctx is only read for L and I. */
struct dict_env {
	const struct dict_backend_ops *ops;
	const struct dict_ctx *ctx;
	struct store *state; /* for C/D; NULL = commits fail */
	/* Is this dict name served here (the listener's maps)? */
	bool (*serves)(void *context, const char *name, size_t len);
	void *serves_context;
	struct dict_sink sink;
	/* Non-NULL: the config store cannot be read; L and I answer F with
	 * this reason, the other commands need no config snapshot. */
	const char *store_error;
};

enum dict_session_result {
	DICT_SESSION_CLOSE = -1, /* protocol violation: close (after flush) */
	DICT_SESSION_DONE = 0,
	DICT_SESSION_MORE = 1, /* call again with the same line */
};

/* Handles one line (without its LF). On DICT_SESSION_CLOSE, *error_r
 * says why, for the log. */
int dict_session_handle(struct dict_session *session,
			const struct dict_env *env, const char *line,
			size_t len, const char **error_r);
/* The dict a handshake chose, or DICT_NAME_COUNT before it. */
enum dict_name dict_session_dict(const struct dict_session *session);
/* Frees what the session holds (open transactions). */
void dict_session_release(struct dict_session *session);

#endif
