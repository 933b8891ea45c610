/*
 * lookup_internal: what the parts of the socketmap lookups share (records
 * read in place, the answer under construction, address resolution); not
 * for use outside lookup*.c. The contracts are in lookup.h, the decisions
 * in lookup.c.
 *
 *   lookup_rec.c       records read in place, point reads (cached for
 *                      domains and servers)
 *   lookup_buf.c       the answer under construction
 *   lookup_resolve.c   domains, mailboxes and address resolution
 *   lookup_maps.c      the maps domains, alias_domains, mailboxes,
 *                      transport
 *   lookup_aliases.c   the maps aliases and senders
 *   lookup_reach.c     where mail to a target ends up (lists, forwards,
 *                      catch-alls name only targets that take mail)
 *   lookup.c           the map table and the entry points
 */
#ifndef MAILMAP_LOOKUP_INTERNAL_H
#define MAILMAP_LOOKUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "lookup.h"
#include "records.h"

/* Bytes inside a record or a key: not NUL-terminated. */
struct lookup_str {
	const char *data;
	size_t len;
};

/* A record read in place from the snapshot (valid until it ends). */
/* Field ids below this are indexed when a record is read (every record
 * type's are, records.c); a higher one would be found by a scan. */
#define LOOKUP_INDEXED_IDS 32

struct lookup_rec {
	enum record_type type;
	const void *data;
	size_t len;
	/* The last value of each field id (NULL: absent), filled by
	 * lookup_rec_index(), so reading a field costs no scan. */
	const unsigned char *at[LOOKUP_INDEXED_IDS];
	uint32_t at_len[LOOKUP_INDEXED_IDS];
};

/* Walks the repeated occurrences of one field of a record. */
struct lookup_iter {
	struct codec_reader reader;
	uint8_t id;
};

/* An answer under construction, in the arena. */
struct lookup_buf {
	struct arena *arena;
	char *data;
	size_t len;
	size_t cap;
	bool too_long;
	bool count_only; /* only len counts: nothing is copied */
};

/* Addresses being followed through their answers (lookup_reach.c). */
#define LOOKUP_NEST_MAX 64
/* Targets judged for one answer; more is TEMPFAIL. */
#define LOOKUP_VISITS_MAX 100000

struct lookup_path {
	const char *address;
	bool self; /* maps to itself: cleanup stops when it comes back */
};

/* One request: its context, its answer and why it failed. */
struct lookup_req {
	const struct lookup_ctx *ctx;
	struct lookup_buf out;
	const char *reason;
	/* Following aliases (lookup_reach.c). */
	unsigned depth;
	unsigned visits;
	bool probe;	       /* judging a target: whether it takes mail */
	bool structure;	       /* as if all were enabled and active */
	bool loop;	       /* a loop was met under the target judged */
	bool over_limit;       /* TEMPFAIL from a limit, not the store */
	enum lookup_reach why; /* NOTFOUND from a handler: why */
	const char *loop_text; /* the first loop met, "a -> b -> a" */
	/* Last: lookup_req_init() leaves it as it is (only path[0..depth)
	 * is ever read), so a request does not clear 1 KB it rarely uses. */
	struct lookup_path path[LOOKUP_NEST_MAX];
};

/* Starts a request: everything zero but the path, the reason given. */
void lookup_req_init(struct lookup_req *req, const struct lookup_ctx *ctx);

/* Where an address key led (resolution steps 1-3). */
struct lookup_resolved {
	char key[NAMES_ADDRESS_MAX + 1];     /* the key asked, normalised */
	char address[NAMES_ADDRESS_MAX + 1]; /* the key of rec */
	char extension[NAMES_LOCAL_MAX + 1]; /* "+tag" stripped in step 2 */
	struct lookup_rec rec;		     /* the address record */
	struct lookup_rec primary;	     /* the active primary domain */
	bool domain_ok; /* the key's domain is ours and active */
};

typedef enum lookup_status lookup_map_fn(struct lookup_req *req,
					 const char *key, size_t key_len);
typedef enum lookup_status lookup_answer_fn(struct lookup_req *req,
					    const struct lookup_resolved *res);

/* The descriptor of a struct member; names are checked by the compiler. */
#define LOOKUP_FIELD(type, st, member)                                         \
	lookup_field((type), offsetof(st, member))
#define F_DOMAIN(m)   LOOKUP_FIELD(REC_DOMAIN, struct rec_domain, m)
#define F_DOMALIAS(m) LOOKUP_FIELD(REC_DOMAIN_ALIAS, struct rec_domain_alias, m)
#define F_MAILBOX(m)  LOOKUP_FIELD(REC_MAILBOX, struct rec_mailbox, m)
#define F_EXTRA(m)    LOOKUP_FIELD(REC_EXTRA, struct rec_extra, m)
#define F_ALIAS(m)    LOOKUP_FIELD(REC_ALIAS, struct rec_alias, m)
#define F_SERVER(m)   LOOKUP_FIELD(REC_SERVER, struct rec_server, m)

/* ---- lookup_rec.c: records read in place --------------------------- */

const struct field_desc *lookup_field(enum record_type type, size_t offset);
void lookup_iter_init(struct lookup_iter *it, const struct lookup_rec *rec,
		      const struct field_desc *field);
bool lookup_iter_next(struct lookup_iter *it, struct lookup_str *s_r);
/* A string field; the last occurrence wins (as in record_decode). */
struct lookup_str lookup_rec_str(const struct lookup_rec *rec,
				 const struct field_desc *field);
/* An integer field; absent is 0, as in record_decode. */
uint64_t lookup_rec_uint(const struct lookup_rec *rec,
			 const struct field_desc *field);
bool lookup_rec_bool(const struct lookup_rec *rec,
		     const struct field_desc *field);
/* Point read of a record, checked whole: FOUND, NOTFOUND or TEMPFAIL. */
enum lookup_status lookup_get(struct lookup_req *req, enum store_table table,
			      struct lookup_str key, struct lookup_rec *rec_r);

/* ---- lookup_buf.c: the answer --------------------------------------- */

/* TEMPFAIL with this reason. */
enum lookup_status lookup_fail(struct lookup_req *req, const char *reason);
void lookup_put(struct lookup_buf *buf, const char *s, size_t len);
void lookup_put_str(struct lookup_buf *buf, struct lookup_str s);
/* One item of a comma-separated answer. */
void lookup_item(struct lookup_buf *buf, struct lookup_str s);
/* The same, unless the answer already has it. */
void lookup_item_unique(struct lookup_buf *buf, struct lookup_str s);
struct lookup_str lookup_cstr(const char *s);

/* ---- lookup_resolve.c: resolution (design.md "Lookups") ------------- */

enum lookup_status lookup_domain(struct lookup_req *req, struct lookup_str name,
				 struct lookup_rec *primary_r,
				 struct lookup_str *target_r);
/* The domain part of a normalised address ("" without an @). */
struct lookup_str lookup_domain_of(struct lookup_str address);
enum lookup_status lookup_mailbox(struct lookup_req *req,
				  struct lookup_str address,
				  struct lookup_rec *mailbox_r,
				  struct lookup_rec *domain_r);
enum lookup_status lookup_resolve(struct lookup_req *req, const char *key,
				  size_t key_len, unsigned flags,
				  struct lookup_resolved *res);
enum lookup_status lookup_dispatch(struct lookup_req *req, const char *key,
				   size_t key_len, unsigned flags,
				   lookup_answer_fn *const *answers);

/* ---- lookup_reach.c: where mail to a target ends up ----------------- */

/* Judges one target of a list, forward or catch-all: *keep_r when mail to
 * it ends in at least one recipient that takes mail now (and no loop was
 * met on the way), *reach_r says where or why not. FOUND once judged;
 * TEMPFAIL when the store cannot answer or a limit is passed. */
enum lookup_status lookup_judge(struct lookup_req *req,
				struct lookup_str target, bool *keep_r,
				enum lookup_reach *reach_r);
/* Does the answer for res hold the key asked, so that cleanup expands it
 * once and then stops at it (been_here)? A mailbox that keeps its mail,
 * asked as itself (with or without an extension), not in an alias
 * domain. */
/* Does a mailbox keep the mail sent to it: a copy is kept, or nothing is
 * forwarded, or its auto-reply is active now (Dovecot must see the
 * message to answer it; the script then discards it, auth/vacation.h)?
 * Judging structure (mailmapctl's loop checks), the auto-reply is left
 * out: a loop it hides would come back when it ends. */
bool lookup_mailbox_keeps(const struct lookup_req *req,
			  const struct lookup_rec *mailbox);
bool lookup_maps_to_self(const struct lookup_req *req,
			 const struct lookup_resolved *res);
/* address with extension ("+tag") put back before the @, in buf
 * (NAMES_ADDRESS_MAX + 1 bytes); address as it is when that is too long
 * or extension is "". */
struct lookup_str lookup_extended(struct lookup_str address,
				  const char *extension, char *buf);
/* Answers for a resolved record (its aliases handler) with it on the
 * path; a loop is NOTFOUND with req->why LOOKUP_REACH_LOOP. */
enum lookup_status lookup_visit(struct lookup_req *req,
				const struct lookup_resolved *res);
/* The catch-all of res->primary for a missing address: FOUND with its
 * target appended when that takes mail, else NOTFOUND. Only for the key
 * asked: targets are never rescued by a catch-all. */
enum lookup_status lookup_catchall(struct lookup_req *req,
				   const struct lookup_resolved *res);

/* ---- the maps (lookup_maps.c, lookup_aliases.c) --------------------- */

/* An enabled flag of a record, always true when judging the structure
 * (mailmapctl's checks). */
bool lookup_enabled(const struct lookup_req *req, const struct lookup_rec *rec,
		    const struct field_desc *field);
/* The aliases handler for the type of a resolved record. */
enum lookup_status lookup_alias_dispatch(struct lookup_req *req,
					 const struct lookup_resolved *res);

lookup_map_fn lookup_domains, lookup_alias_domains, lookup_mailboxes,
    lookup_transport, lookup_aliases, lookup_senders;

#endif
