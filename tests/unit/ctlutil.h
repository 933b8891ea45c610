/*
 * ctlutil: runs mailmapctl commands in process against a store in a
 * temporary directory, capturing what they print, so tests can drive the
 * real command path (parsing, rules, transactions) without forking.
 */
#ifndef MAILMAP_CTLUTIL_H
#define MAILMAP_CTLUTIL_H

#include "ctl.h"

struct tu_ctl {
	char *dir; /* the store root */
	struct ctl ctl;
	char *out; /* what the last command printed */
	char *err;
	const char *input; /* standard input of the next command */
};

/* A fresh store (config defaults, SHA512-CRYPT with few rounds). */
struct tu_ctl *tu_ctl_new(void);
void tu_ctl_free(struct tu_ctl *t);
/* Runs one command line (split like a batch line); returns the exit code. */
int tu_run(struct tu_ctl *t, const char *line);
/* Like tu_run with a printf format. */
int tu_runf(struct tu_ctl *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Runs a command that must be refused with exit code status and a
 * message containing want, and checks that the store did not change. */
void tu_refused(struct tu_ctl *t, int status, const char *line,
		const char *want);
/* The store's data file, read whole: compares exact states. */
char *tu_dump(struct tu_ctl *t, size_t *len_r);

#endif
