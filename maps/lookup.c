/*
 * lookup: socketmap answers from the config store; contracts in lookup.h,
 * the parts in lookup_internal.h. This file: the map table, the entry
 * points, and every decision the parts implement.
 *
 * Spec: design.md "Lookups (socketmap)" and "Auto-reply"; protocols.md 1.3
 * (what Postfix does with each answer) and 1.5 (which keys arrive: full
 * keys only, in any case, so the fallbacks are ours).
 *
 * Records are read in place (struct lookup_rec): fields point into the LMDB
 * snapshot and only what an answer needs is copied, into the arena. A
 * record is checked whole (codec framing, integer widths, a type that
 * belongs in its table) before any of its fields is used.
 *
 * Decisions, one line each:
 * - A store read failure is TEMPFAIL "store read failed", a record that
 *   does not decode TEMPFAIL "corrupt record": never a wrong NOTFOUND.
 * - An inactive domain, and an alias domain that is inactive or whose
 *   target is missing or inactive, hides every address in it, in every map
 *   but senders (ownership, below).
 * - domains answers the normalised domain name ("OK" alone is not found).
 * - mailboxes resolves steps 1-2 only: an alias-domain address is NOTFOUND,
 *   because trivial-rewrite puts alias domains in the virtual alias class,
 *   where smtpd never asks virtual_mailbox_maps and cleanup rewrites the
 *   address through aliases first. An extra address is NOTFOUND too.
 * - aliases, disabled mailbox: NOTFOUND, and no catch-all. smtpd accepts a
 *   recipient found in virtual_alias_maps without asking
 *   virtual_mailbox_maps (smtpd_check.c, check_rcpt_maps), so answering the
 *   mailbox itself would accept its mail; NOTFOUND lets the mailboxes map
 *   reject it with 550 at RCPT time.
 * - aliases, disabled alias or list, extra address of a disabled mailbox:
 *   NOTFOUND, no catch-all (the address exists).
 * - aliases names only targets that take mail now (lookup_reach.c): a
 *   list's targets, a mailbox's forwards and a catch-all are each judged
 *   by following the answers this map gives them; a disabled mailbox or
 *   list, an address in an inactive domain of ours, one of ours with no
 *   record, a list left with nothing and anything leading back into a
 *   loop are left out. A list or catch-all left with nothing is NOTFOUND
 *   (smtpd rejects at RCPT); a mailbox whose forwards all take nothing
 *   keeps the mail. So no recipient smtpd accepts bounces after the
 *   queue (docs/delivery.md).
 * - aliases, targets are never rescued by their domain's catch-all: a
 *   target with no record is left out (mailmapctl refuses to write one).
 * - aliases reached through the extension or the alias domain answer about
 *   the resolved address, with the extension put back on the mailbox
 *   (user+tag@alias.org -> user+tag@example.com), as Postfix's
 *   propagate_unmatched_extensions does for hash tables: cleanup stops at
 *   the self-mapping and Dovecot still sees the tag.
 * - Auto-reply: stored only, never added to an answer (not built yet).
 * - senders tells ownership, whatever the enabled and active flags (of
 *   the mailbox, list, domain or alias domain): NOTFOUND would
 *   make the address unowned, free for unauthenticated senders under
 *   reject_sender_login_mismatch, while a disabled login cannot log in.
 * - senders of a list: one level, exact targets only; a target that is a
 *   mailbox counts, an extra address counts as its mailbox, lists and
 *   external addresses do not. Duplicates are dropped.
 * - transport: enabled mailbox (or extra address of one) only; a server
 *   name that names no server is TEMPFAIL "unknown mail server" (the mail
 *   waits for the admin instead of taking the default transport).
 * - A stored LMTP port of 0 means RECORD_DEFAULT_LMTP_PORT.
 */
#include "lookup_internal.h"

#include <string.h>

/* Bytes of a client's map name echoed in a PERMFAIL reason. */
#define LOOKUP_REASON_NAME_MAX 64

/* ---- Map table and entry point -------------------------------------- */

#define LOOKUP_COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* Two parallel tables: the exported names, and their handlers. */
/* clang-format off */
const char *const lookup_map_names[] = {
	"domains",
	"alias_domains",
	"mailboxes",
	"aliases",
	"senders",
	"transport",
	NULL,
};

static lookup_map_fn *const lookup_map_handlers[] = {
	lookup_domains,
	lookup_alias_domains,
	lookup_mailboxes,
	lookup_aliases,
	lookup_senders,
	lookup_transport,
};
/* clang-format on */

_Static_assert(LOOKUP_COUNT(lookup_map_names) ==
		   LOOKUP_COUNT(lookup_map_handlers) + 1,
	       "one handler per map name");

static lookup_map_fn *lookup_find_map(const char *map, size_t map_len)
{
	for (size_t i = 0; lookup_map_names[i] != NULL; i++) {
		if (strlen(lookup_map_names[i]) == map_len &&
		    memcmp(lookup_map_names[i], map, map_len) == 0)
			return lookup_map_handlers[i];
	}
	return NULL;
}

/* "unknown map NAME", NAME cut and reduced to printable ASCII: it is
 * client input and ends up in Postfix's log. */
static void lookup_unknown_map(struct lookup_req *req, const char *map,
			       size_t map_len)
{
	size_t len =
	    map_len < LOOKUP_REASON_NAME_MAX ? map_len : LOOKUP_REASON_NAME_MAX;

	lookup_put_str(&req->out, lookup_cstr("unknown map "));
	for (size_t i = 0; i < len; i++) {
		char c = map[i] > ' ' && map[i] < 0x7f ? map[i] : '?';
		lookup_put(&req->out, &c, 1);
	}
	if (len < map_len)
		lookup_put(&req->out, "...", 3);
}

static void lookup_set_answer(struct lookup_req *req, enum lookup_status st,
			      struct lookup_answer *answer)
{
	struct arena *arena = req->ctx->arena;

	answer->status = st;
	answer->value = NULL;
	answer->len = 0;
	if (st == LOOKUP_FOUND || st == LOOKUP_PERMFAIL) {
		answer->value = req->out.data;
		answer->len = req->out.len;
	} else if (st == LOOKUP_TEMPFAIL) {
		answer->value = arena_strdup(arena, req->reason);
		answer->len = strlen(answer->value);
	}
}

void lookup_socketmap(const struct lookup_ctx *ctx, const char *map,
		      size_t map_len, const char *key, size_t key_len,
		      struct lookup_answer *answer)
{
	struct lookup_req req;
	lookup_map_fn *handler = lookup_find_map(map, map_len);
	enum lookup_status st;

	lookup_req_init(&req, ctx);
	if (handler == NULL) {
		lookup_unknown_map(&req, map, map_len);
		lookup_set_answer(&req, LOOKUP_PERMFAIL, answer);
		return;
	}
	st = handler(&req, key, key_len);
	if (st == LOOKUP_FOUND && req.out.too_long)
		st = lookup_fail(&req, "answer too long");
	else if (st == LOOKUP_FOUND && req.out.len == 0)
		st = LOOKUP_NOTFOUND; /* "OK " is a Postfix config error */
	lookup_set_answer(&req, st, answer);
}

void lookup_req_init(struct lookup_req *req, const struct lookup_ctx *ctx)
{
	memset(req, 0, offsetof(struct lookup_req, path));
	req->ctx = ctx;
	req->out.arena = ctx->arena;
	req->reason = "lookup failed";
}

enum lookup_status lookup_address(const struct lookup_ctx *ctx, const char *key,
				  size_t key_len, unsigned flags,
				  struct lookup_target *target)
{
	struct lookup_req req;
	struct lookup_resolved res;
	enum lookup_status st;

	lookup_req_init(&req, ctx);
	st = lookup_resolve(&req, key, key_len, flags, &res);

	target->domain_ours = st != LOOKUP_TEMPFAIL && res.domain_ok;
	target->type = 0;
	target->address[0] = '\0';
	if (st != LOOKUP_FOUND)
		return st;
	target->type = res.rec.type;
	strcpy(target->address, res.address);
	target->record.data = res.rec.data;
	target->record.len = res.rec.len;
	return LOOKUP_FOUND;
}
