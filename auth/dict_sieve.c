/*
 * dict_sieve: the dict "sieve", Pigeonhole's Sieve scripts from a dict
 * (protocols.md 3.9): each mailbox's auto-reply as a script run before
 * the user's own (vacation.h).
 *
 *   key                          L
 *   ---------------------------  ------------------------------------
 *   priv/sieve/name/<any name>   the script's id (a script that does
 *                                nothing for a mailbox without an
 *                                auto-reply: Pigeonhole 2.4 defers the
 *                                delivery when a sieve_before script is
 *                                missing); NOTFOUND for a user that is
 *                                no mailbox
 *   priv/sieve/data/<id>         the script (dict-escaped on the wire)
 *
 * The name lookup comes with every delivery, the data lookup only when
 * the id is new to the user's compiled binary. A data lookup whose id is
 * not the current one (the auto-reply changed between the two lookups)
 * gets the current script: Pigeonhole labels that binary with the old id
 * and compiles again at the next delivery, when the name lookup gives the
 * new one. A store that cannot be read is FAILED: LMTP then answers 451
 * and Postfix keeps the message queued.
 */
#include "dict_data.h"

#include <string.h>

#include "vacation.h"

#define DICT_SIEVE_NAME_PREFIX "priv/sieve/name/"
#define DICT_SIEVE_DATA_PREFIX "priv/sieve/data/"

void dict_sieve_lookup(const struct dict_ctx *ctx, enum dict_name dict,
		       struct dict_str key, const char *address,
		       struct dict_reply *reply)
{
	struct sieve_script script;
	struct dict_str rest;
	const char *reason;
	bool name =
	    dict_key_prefix(key.data, key.len, DICT_SIEVE_NAME_PREFIX, &rest);
	enum lookup_status st;

	(void)dict;
	if (!name && !dict_key_prefix(key.data, key.len, DICT_SIEVE_DATA_PREFIX,
				      &rest)) {
		dict_reply_notfound(reply);
		return;
	}
	st = vacation_script(ctx->config_txn, ctx->arena,
			     ctx->config->recipient_delimiter, address, &script,
			     &reason);
	if (st == LOOKUP_TEMPFAIL) {
		dict_reply_failed(reply, reason);
		return;
	}
	if (st != LOOKUP_FOUND) {
		dict_reply_notfound(reply);
		return;
	}
	if (name) {
		char *id = arena_strndup(ctx->arena, script.id, SIEVE_ID_LEN);
		dict_reply_found(reply, id, SIEVE_ID_LEN);
		return;
	}
	dict_reply_found(reply, script.text, script.len);
}
