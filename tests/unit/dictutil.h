/*
 * dictutil: the dict service's answers (auth/dict_backend.h) on a store
 * built with the in-process mailmapctl (ctlutil.h) and a state
 * environment next to it, each call in fresh read snapshots, with store
 * failures simulated on demand. Values are copied out, so a test compares
 * plain strings.
 */
#ifndef MAILMAP_DICTUTIL_H
#define MAILMAP_DICTUTIL_H

#include <stdbool.h>

#include "ctlutil.h"
#include "dict_backend.h"
#include "record_cache.h"

#define TU_DICT_ROWS 64

struct tu_dict {
	struct tu_ctl *t;
	struct store *state; /* the state environment (t->dir/state) */
	/* Kept across calls and attached to every config snapshot, as a
	 * worker does (record_cache.h): answers must follow each commit. */
	struct record_cache *records;
	bool fail_config; /* the next calls see a failed config read */
	bool fail_state;  /* ... a failed state read */
	bool no_state;	  /* ... no state store at all */
	/* the last answer */
	enum dict_status status;
	char value[262144]; /* a Sieve script: a 64 KiB body and more */
	/* the last iteration */
	size_t row_count;
	char keys[TU_DICT_ROWS][512];
	char values[TU_DICT_ROWS][1024];
	const char *error;
};

/* A fresh store (ctlutil) and state environment; uid, gid and mail of the
 * configuration's dovecot group set to "5000", "vmail" and
 * "maildir:~/Maildir". */
struct tu_dict *tu_dict_new(void);
void tu_dict_free(struct tu_dict *d);
/* The store of the dict tests: servers imap1 (192.0.2.10) and imap2,
 * offers acme/basic (quota 5000), unlimited, noimap, nopop, tls (force),
 * notls (forbid); domains example.com (server imap1, storage /srv/mail),
 * example.net, off.org (inactive), alias.org; a mailbox per case, all with
 * the password "secret" but nopass@example.com (dictutil.c lists them). */
void tu_dict_fixture(struct tu_dict *d);
/* Runs a mailmapctl command that must succeed (input: standard input). */
void tu_dict_ok(struct tu_dict *d, const char *line, const char *input);
/* Replaces a dovecot setting: "uid", "gid" or "mail". */
void tu_dict_set(struct tu_dict *d, const char *name, const char *value);

/* L: returns the status, the value in d->value ("" unless FOUND or
 * FAILED). */
enum dict_status tu_dict_lookup(struct tu_dict *d, enum dict_name dict,
				const char *key, const char *user);
/* I: returns dict_iterate()'s result; rows in d->keys / d->values. */
int tu_dict_iterate(struct tu_dict *d, enum dict_name dict, const char *path,
		    unsigned flags, const char *after, size_t max);
/* C: returns the status, the reason of FAILED in d->value. ops: a
 * NULL-terminated list of "S key value", "U key", "A key value" (split
 * at the first two spaces). */
enum dict_status tu_dict_commit(struct tu_dict *d, enum dict_name dict,
				const char *user, const char *const *ops);
/* The stored password hash of a mailbox (static buffer). */
const char *tu_dict_hash(struct tu_dict *d, const char *address);

#endif
