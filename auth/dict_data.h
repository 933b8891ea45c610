/*
 * dict_data.h - what the files behind dict_backend.h share (not for the
 * protocol layer): dict_names.c (the names, the lookup dispatch, users
 * and replies), dict_json.c (the JSON writer), dict_auth.c (passdb),
 * dict_userdb.c (userdb answers), dict_iterate.c (the user listing) and
 * dict_quota.c (quota usage and last login).
 *
 * Key shapes (dict_backend.h): everything after the fixed components is
 * ignored; the user always comes from the command.
 */
#ifndef MAILMAP_DICT_DATA_H
#define MAILMAP_DICT_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "account.h"
#include "dict_backend.h"
#include "names.h"

#define DICT_PASSDB_PREFIX    "shared/passdb/"
#define DICT_USERDB_PREFIX    "shared/userdb/"
#define DICT_LASTLOGIN_PREFIX "shared/last-login/"
#define DICT_QUOTA_PREFIX     "priv/quota/"

/* Bytes of a key or a value, not NUL-terminated. */
struct dict_str {
	const char *data;
	size_t len;
};

/* Does key[0..len) start with prefix? If so, *rest_r is what follows. */
bool dict_key_prefix(const char *key, size_t len, const char *prefix,
		     struct dict_str *rest_r);
/* Does s hold exactly the NUL-terminated text? */
bool dict_str_is(struct dict_str s, const char *text);
/* Normalises a command's user field into address (NAMES_ADDRESS_MAX + 1
 * bytes, names.h); false when it is empty or not an address. */
bool dict_user_address(const char *user, size_t len, char *address);

void dict_reply_found(struct dict_reply *reply, const char *value, size_t len);
void dict_reply_notfound(struct dict_reply *reply);
/* reason: static, or in the request's arena. */
void dict_reply_failed(struct dict_reply *reply, const char *reason);

/* A flat JSON object under construction in the arena (protocols.md 3.6:
 * Dovecot reads string and number members, nothing nested). */
struct dict_json {
	struct arena *arena;
	char *data;
	size_t len;
	size_t cap;
};

void dict_json_begin(struct dict_json *json, struct arena *arena);
/* Adds "name": "value", value escaped (RFC 8259 7). */
void dict_json_string(struct dict_json *json, const char *name,
		      const char *value);
/* Adds "name": digits, a JSON number written by the caller. */
void dict_json_number(struct dict_json *json, const char *name,
		      const char *digits);
/* Closes the object and makes it the FOUND value of reply. */
void dict_json_end(struct dict_json *json, struct dict_reply *reply);

/* Lookups of one dict name, for a normalised user (dict_lookup()). */
typedef void dict_lookup_fn(const struct dict_ctx *ctx, enum dict_name dict,
			    struct dict_str key, const char *address,
			    struct dict_reply *reply);
dict_lookup_fn dict_auth_lookup;      /* auth and userdb */
dict_lookup_fn dict_quota_lookup;     /* quota */
dict_lookup_fn dict_lastlogin_lookup; /* lastlogin */
dict_lookup_fn dict_sieve_lookup;     /* sieve */

/* Loads the mailbox at address: true with *account_r; false with reply
 * set to NOTFOUND (no such mailbox) or FAILED (store). */
bool dict_account_load(const struct dict_ctx *ctx, const char *address,
		       struct account *account_r, struct dict_reply *reply);
/* The userdb answer of a mailbox (FOUND with its JSON object). */
void dict_userdb_answer(const struct dict_ctx *ctx,
			const struct account *account,
			struct dict_reply *reply);
/* L shared/userdb/...: the userdb answer of address. */
void dict_userdb_lookup(const struct dict_ctx *ctx, const char *address,
			struct dict_reply *reply);

#endif
