/*
 * kinds: what mailmapctl knows of each entity beyond its fields: where it is
 * stored, what it points at (its references, kept in the refs index), and
 * the rules of design.md that concern it. The generic verbs (objects.c) call
 * these hooks; every hook runs inside the command's write transaction.
 */
#ifndef MAILMAP_KINDS_H
#define MAILMAP_KINDS_H

#include "op.h"
#include "records.h"
#include "refs.h"

struct ref_list {
	struct {
		enum ref_kind kind;
		const char *name;
	} * items;
	size_t count;
	size_t cap;
};

/* Emits one computed value of `show`: text for the "name: value" lines,
 * json as it goes into the JSON object (a number, null...), or NULL for
 * text as a JSON string. */
typedef void kind_emit_fn(void *ctx, const char *name, const char *text,
			  const char *json);

struct kind {
	enum record_type type;
	enum store_table table;
	enum ref_kind ref_kind;
	bool listed; /* a mailmapctl object (extra addresses are not) */
	/* The objects rec points at. Each must exist (but REF_RECIPIENT). */
	void (*refs)(struct op *op, const void *rec, struct ref_list *refs);
	/* Adjusts rec once a command's assignments are applied (add and
	 * set): values that depend on others given (times in the mailbox's
	 * zone). NULL: none. */
	int (*after_assign)(struct op *op, void *rec,
			    const struct assign *assigns, size_t count);
	/* Fills values derived from others on add (maildir...). */
	void (*complete)(struct op *op, void *rec);
	/* Writes dependent records once rec is stored (old NULL on add). */
	int (*after_write)(struct op *op, const void *old, const void *rec);
	/* The rules, checked on the state after the write (old NULL on add). */
	int (*check)(struct op *op, const void *old, const void *rec);
	/* Removes dependents before rec goes; recursive from --recursive. */
	int (*before_delete)(struct op *op, const void *rec, bool recursive);
	/* Extra lines of `show` (counts, usage); may be NULL. */
	void (*show_extra)(struct op *op, const void *rec, kind_emit_fn *emit,
			   void *ctx);
};

extern const struct kind kind_customer;
extern const struct kind kind_offer;
extern const struct kind kind_domain;
extern const struct kind kind_domain_alias;
extern const struct kind kind_mailbox;
extern const struct kind kind_extra;
extern const struct kind kind_alias;
extern const struct kind kind_server;

/* The kinds mailmapctl has commands for, NULL-terminated. */
extern const struct kind *const kinds_all[];
/* The kind whose record type is type. */
const struct kind *kind_of_type(enum record_type type);
const struct kind *kind_by_name(const char *name);
/* The kind whose objects a reference of ref_kind points at. */
const struct kind *kind_of_ref(enum ref_kind ref_kind);
/* The record description of a kind. */
const struct record_desc *kind_desc(const struct kind *kind);

/* The domain part of a normalised address. */
const char *kind_address_domain(const char *address);

struct kind_collector {
	struct op *op;
	struct strvec names;
};
/* refs_fn collecting names into a struct kind_collector. */
int kind_collect(void *context, enum ref_kind kind, const char *from,
		 size_t len);
/* The names of the objects of from_kind pointing at to (copied, so the
 * caller may then change them). */
int kind_referrers(struct op *op, enum ref_kind to_kind, const char *to,
		   enum ref_kind from_kind, struct strvec *names_r);

/* Rule 11: the domain's mailbox count and allotted quota are within its
 * limits (reads the state as written so far in the transaction). */
int domain_check_limits(struct op *op, const char *domain);
/* Rule 8 (and the domain default): server exists with the IMAP role. */
int server_check_imap(struct op *op, const char *server);
/* The quota allotted to a domain's mailboxes: 0 with their sum, 1 when
 * one of them is unlimited (*culprit_r names it), -1 on failure. */
int domain_quota_allotted(struct op *op, const char *domain, uint64_t *sum_r,
			  const char **culprit_r);
/* mailbox_usage.c: the quota and usage lines of `mailbox show`. */
void mailbox_show_usage(struct op *op, const void *rec, kind_emit_fn *emit,
			void *ctx);
/* The effective quota of a mailbox: its override or its offer's. */
int mailbox_effective_quota(struct op *op, const struct rec_mailbox *mailbox,
			    uint64_t *quota_r);

void ref_list_add(struct op *op, struct ref_list *refs, enum ref_kind kind,
		  const char *name);

#endif
