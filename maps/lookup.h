/*
 * lookup: the answers of the socketmap maps (design.md "Lookups
 * (socketmap)"), computed from one read snapshot of the config store.
 * No protocol bytes here: the socketmap front end turns a struct
 * lookup_answer into OK / NOTFOUND / TEMP / PERM (protocols.md 1.3).
 *
 * Map      | Postfix parameter        | key -> FOUND value
 * ---------+--------------------------+------------------------------------
 * domains       virtual_mailbox_domains  active primary domain -> itself
 * alias_domains virtual_alias_domains    active alias domain, active target
 *                                        -> the target domain
 * mailboxes     virtual_mailbox_maps     enabled mailbox -> maildir path
 * aliases       virtual_alias_maps       -> addresses, comma separated
 * senders       smtpd_sender_login_maps  -> owning logins, comma separated
 * transport     transport_maps           mailbox -> lmtp:inet:HOST:PORT
 *
 * Address keys are resolved in the order of the design: exact address,
 * address without its extension, same local part in the target of an alias
 * domain, then (aliases only) the domain's catch-all. lookup.c documents
 * every decision per map.
 *
 * Limits: a key that is not a valid address or domain (names.h: local part
 * <= 64 bytes, domain <= 253, address <= 254, valid UTF-8) is NOTFOUND. A
 * FOUND value is never empty and at most LOOKUP_DATA_MAX bytes. Nothing
 * here calls malloc: values go to the caller's arena (names.h's libidn2
 * path for non-ASCII domains is the one exception). Thread-safe: no state
 * besides the context.
 */
#ifndef MAILMAP_LOOKUP_H
#define MAILMAP_LOOKUP_H

#include <stddef.h>
#include <time.h>

#include "arena.h"
#include "names.h"
#include "records.h"
#include "store.h"

enum lookup_status {
	LOOKUP_FOUND,
	LOOKUP_NOTFOUND,
	LOOKUP_TEMPFAIL,
	LOOKUP_PERMFAIL
};

/* Postfix dict_sockmap reply limit (protocols.md 1.1, dict_sockmap.c). */
#define LOOKUP_VALUE_MAX 100000
/* What a FOUND value may hold: the reply limit minus "OK ". */
#define LOOKUP_DATA_MAX (LOOKUP_VALUE_MAX - 3)

struct lookup_answer {
	enum lookup_status status;
	/* FOUND: the value (NUL-terminated, in the context's arena);
	 * TEMPFAIL/PERMFAIL: a short reason (same); NOTFOUND: NULL. */
	char *value;
	size_t len;
};

struct lookup_ctx {
	struct store_txn *txn;	/* a read snapshot of the config store */
	struct arena *arena;	/* per request; answers are allocated here */
	const char *delimiters; /* recipient_delimiter set, "+" ("" = none) */
	time_t now; /* for auto-reply windows; 0 = the clock, time(2) */
};

/* The fixed map names, in the order of the design, NULL-terminated. */
extern const char *const lookup_map_names[];

/* Answers one socketmap request for map[0..map_len) and key[0..key_len).
 * Unknown map -> PERMFAIL; store read failure or corrupt record ->
 * TEMPFAIL (never NOTFOUND); a key that does not normalise -> NOTFOUND. */
void lookup_socketmap(const struct lookup_ctx *ctx, const char *map,
		      size_t map_len, const char *key, size_t key_len,
		      struct lookup_answer *answer);

/* Where mail to an address ends up now (the delivery rule: lists,
 * forwards and catch-alls name only targets that take mail). */
enum lookup_reach {
	LOOKUP_REACH_RECEIVES, /* ours, and reaches a mailbox (or elsewhere) */
	LOOKUP_REACH_EXTERNAL, /* not in our domains: relayed */
	LOOKUP_REACH_DISABLED, /* a disabled mailbox, alias or list */
	LOOKUP_REACH_INACTIVE, /* in an inactive domain or alias domain */
	LOOKUP_REACH_MISSING,  /* no such address (and no catch-all takes it) */
	LOOKUP_REACH_NOTHING,  /* an alias or list whose targets take nothing */
	LOOKUP_REACH_LOOP,     /* leads back to itself */
};

/* Where mail to address goes (as a target of a list or forward): FOUND
 * with *reach_r, or TEMPFAIL. */
enum lookup_status lookup_reach(const struct lookup_ctx *ctx,
				const char *address, size_t len,
				enum lookup_reach *reach_r);
/* mailmapctl's check of one target of a list or forward (holder: its
 * address) or of a catch-all (holder NULL), as written: judged as if
 * every domain were active and every mailbox and list enabled. FOUND with
 * *reach_r: MISSING for an address of ours with no record, LOOP when it
 * leads back (*detail_r: "a -> b -> a"), else where it goes. PERMFAIL
 * when following it passes a limit of the lookups, TEMPFAIL when the
 * store cannot be read (*detail_r says which). */
enum lookup_status lookup_check_target(const struct lookup_ctx *ctx,
				       const char *holder, const char *target,
				       enum lookup_reach *reach_r,
				       const char **detail_r);
/* "receives", "disabled", "inactive domain"... */
const char *lookup_reach_name(enum lookup_reach reach);
/* RECEIVES or EXTERNAL: mail to it is delivered. */
bool lookup_reach_takes_mail(enum lookup_reach reach);

/* Where an address leads for the policy checks: the same resolution as
 * the maps (exact, without extension, alias domain; no catch-all). */
struct lookup_target {
	enum record_type type; /* REC_MAILBOX, REC_EXTRA, REC_ALIAS */
	char address[NAMES_ADDRESS_MAX + 1]; /* the record's key; "" unless
						FOUND */
	struct store_val record; /* borrowed until the snapshot ends */
	bool domain_ours;	 /* the key's domain is ours and active */
};

/* How an address key is resolved (lookup_address(), and the maps). */
#define LOOKUP_FOLLOW_ALIAS 0x1 /* step 3: an alias-domain key leads on */
/* Inactive domains and alias domains resolve too (ownership: senders). */
#define LOOKUP_ANY_STATE 0x2

/* Where an address key leads, resolved with flags: FOUND with target
 * filled; NOTFOUND (target->domain_ours still says whether the domain is
 * ours); TEMPFAIL when the store cannot answer. */
enum lookup_status lookup_address(const struct lookup_ctx *ctx, const char *key,
				  size_t key_len, unsigned flags,
				  struct lookup_target *target);

#endif
