/*
 * autoreply: a mailbox's auto-reply in mailmapctl (design.md "Auto-reply";
 * the script mailmapd serves is auth/vacation.h): its rules, its dates in
 * the mailbox's time zone, and the `mailmapctl autoreply` command.
 */
#ifndef MAILMAP_AUTOREPLY_H
#define MAILMAP_AUTOREPLY_H

#include "ctl.h"
#include "op.h"
#include "records.h"

/* kind_mailbox's after_assign: autoreply_start and autoreply_end given
 * without "Z" are wall-clock times in the mailbox's time zone (its
 * timezone field once the command's assignments are applied; none:
 * UTC); a date alone starts the window at 00:00:00, or ends it at
 * 23:59:59, of that day there. */
int autoreply_localize(struct op *op, void *rec, const struct assign *assigns,
		       size_t count);

/* kind_mailbox's check: a window that ends after it starts, a body when
 * the auto-reply is on, an interval of at least a second. */
int autoreply_check(struct op *op, const struct rec_mailbox *mailbox);

/* What `autoreply show` prints (autoreply_show.c). */
struct autoreply_show {
	const char *address; /* as given */
	FILE *out;
	bool json;
	bool script; /* the Sieve script only */
};

/* ctl_body_fn of `autoreply show` (context: struct autoreply_show). */
int autoreply_show_body(struct op *op, void *context);

/* `mailmapctl autoreply set|clear|show ...` (argv after "autoreply"). */
int autoreply_main(struct ctl *ctl, int argc, char **argv);

#endif
