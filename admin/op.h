/*
 * op: the context of one admin command while it runs inside a store
 * transaction: the transaction, an arena for the command, the failure (with
 * its exit code) and the notes to print once the transaction committed.
 */
#ifndef MAILMAP_OP_H
#define MAILMAP_OP_H

#include <stdbool.h>
#include <stdio.h>

#include "arena.h"
#include "fields.h"
#include "store.h"

/* Exit codes of mailmapctl (sysexits.h EX_TEMPFAIL for 75). */
enum ctl_exit {
	CTL_OK = 0,
	CTL_INPUT = 1,	  /* bad input, or refused by a rule */
	CTL_NOTFOUND = 2, /* the object does not exist */
	CTL_TEMPFAIL = 75 /* locked or unreadable store: try again */
};

struct delivery_log;

struct strvec {
	const char **items;
	size_t count;
	size_t cap;
};

struct op {
	struct store_txn *txn;
	struct arena *arena; /* freed when the command ends */
	struct arena *keep;  /* notes and purges: live until the end */
	struct fields_env fenv;
	bool secrets_allowed; /* password= may be given (batch files) */
	int status;	      /* enum ctl_exit once failed */
	const char *error;
	struct strvec *notes;	 /* printed after the commit */
	struct strvec *warnings; /* printed on stderr after the commit */
	struct strvec *purges;	 /* addresses whose state goes after it */
	const char *state_dir;	 /* the state environment (usage), or NULL */
	const char *delimiters;	 /* recipient_delimiter, as mailmapd has it */
	struct delivery_log *delivery; /* what the delivery rule checks */
};

/* Records the failure; returns -1 so callers can `return op_fail(...)`. */
int op_fail(struct op *op, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Turns a store failure of the transaction into the op's failure. */
int op_store_fail(struct op *op);
/* Adds a line to print after the commit. */
void op_note(struct op *op, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Adds a warning to print after the commit. */
void op_warn(struct op *op, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Schedules the state of a deleted mailbox for removal after the commit. */
void op_purge(struct op *op, const char *address);

void strvec_push(struct arena *arena, struct strvec *vec, const char *item);

#endif
