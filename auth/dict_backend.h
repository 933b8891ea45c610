/*
 * dict_backend: the answers of mailmapd's Dovecot dict service (design.md
 * "Dovecot", protocols.md 3), apart from the wire protocol. The protocol
 * layer (dict_session.c) parses and escapes; this interface only ever sees
 * unescaped keys, users and values, and returns unescaped values.
 *
 * Dict names. The handshake names one dict (the last part of Dovecot's
 * proxy: URI); a dict listener serves the names in its "maps" setting
 * (all of them when it has none):
 *
 *   name       keys                                   operations
 *   ---------  -------------------------------------  ---------------------
 *   auth       shared/passdb/<service>/<secured>/...  L (password hash!)
 *              shared/userdb/...                      L, I shared/userdb/
 *   userdb     shared/userdb/...                      L, I (no hashes)
 *   quota      priv/quota/storage, priv/quota/messages L, B/S/U/A/C/R
 *   lastlogin  shared/last-login/...                  L, B/S/C/R
 *   sieve      priv/sieve/name/..., priv/sieve/data/...  L (auto-replies)
 *
 * The user is always the command's user field (of L and I, or of B for a
 * transaction), normalised like an address; it is never parsed out of a
 * key, because Dovecot inserts %u unescaped. What follows the fixed
 * components of a key (normally %u) is ignored.
 *
 * Thread-safe: no state besides the arguments. Nothing here allocates
 * except in the context's arena.
 */
#ifndef MAILMAP_DICT_BACKEND_H
#define MAILMAP_DICT_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "store.h"

enum dict_name {
	DICT_NAME_AUTH,
	DICT_NAME_USERDB,
	DICT_NAME_QUOTA,
	DICT_NAME_LASTLOGIN,
	DICT_NAME_SIEVE,
	DICT_NAME_COUNT
};

/* "auth", "userdb", "quota", "lastlogin", "sieve", NULL: index = enum
 * dict_name. */
extern const char *const dict_name_strings[];

enum dict_status {
	DICT_FOUND,    /* O */
	DICT_NOTFOUND, /* N */
	DICT_FAILED,   /* F: the store cannot answer, or a refused request */
};

struct dict_reply {
	enum dict_status status;
	/* FOUND: the value (in the arena, or static); FAILED: a short
	 * reason for Dovecot's log; NOTFOUND: NULL. */
	const char *value;
	size_t len;
	/* The value holds no byte that the protocol's tab escaping changes
	 * (JSON, dict_json_end()): it is written as it is. */
	bool escape_free;
};

struct dict_ctx {
	struct store_txn *config_txn; /* read snapshot of the config store */
	struct store_txn *state_txn;  /* read snapshot of the state store;
					 NULL when the daemon has none */
	struct arena *arena;	      /* per request */
	const struct config *config;
};

/* L: looks up key (the whole key, "shared/..." or "priv/...") for user.
 * A key this dict does not hold -> NOTFOUND; a priv/ key with an empty
 * user -> NOTFOUND (Dovecot's own server crashed on it). */
void dict_lookup(const struct dict_ctx *ctx, enum dict_name dict,
		 const char *key, size_t key_len, const char *user,
		 size_t user_len, struct dict_reply *reply);

/* Iterate flags (protocols.md 3.3). */
#define DICT_ITER_RECURSE	0x01
#define DICT_ITER_SORT_BY_KEY	0x02
#define DICT_ITER_SORT_BY_VALUE 0x04
#define DICT_ITER_NO_VALUE	0x08
#define DICT_ITER_EXACT_KEY	0x10

struct dict_row {
	const char *key; /* the full key, starting with the path */
	size_t key_len;
	const char *value; /* "" with DICT_ITER_NO_VALUE */
	size_t value_len;
};

/* I: fills rows[0..max) with the next rows under path (which ends with
 * '/'), in key order, strictly after the key `after` (after_len 0: from
 * the start); only keys directly under path unless DICT_ITER_RECURSE.
 * Returns the number of rows (0 = no more), or -1 with *error_r. Rows are
 * in the arena. The caller counts max_rows and keeps the last key as the
 * next call's `after`: an iteration may span many calls and snapshots. */
int dict_iterate(const struct dict_ctx *ctx, enum dict_name dict,
		 const char *path, size_t path_len, unsigned flags,
		 const char *user, size_t user_len, const char *after,
		 size_t after_len, struct dict_row *rows, size_t max,
		 const char **error_r);

enum dict_op_kind {
	DICT_OP_SET,   /* S key value */
	DICT_OP_UNSET, /* U key */
	DICT_OP_INC,   /* A key signed-decimal */
};

struct dict_op {
	enum dict_op_kind kind;
	const char *key;
	size_t key_len;
	const char *value; /* SET: the value; INC: the signed decimal */
	size_t value_len;
};

/* C: applies a transaction's operations for user in one write of the
 * state store (relaxed durability: no fsync on the request path).
 * FOUND (reply O<id>): applied. NOTFOUND (N<id>): an increment found no
 * value; the other operations were applied, as Dovecot's own dicts do.
 * FAILED (F<id>): nothing applied (no state store, a key this dict does
 * not write, a bad number, an empty user, a store error). */
void dict_commit(struct store *state, enum dict_name dict, const char *user,
		 size_t user_len, const struct dict_op *ops, size_t count,
		 struct dict_reply *reply);

#endif
