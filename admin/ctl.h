/*
 * ctl: what one mailmapctl invocation works with (configuration, the open
 * store, output streams) and how a command runs: reads in a read snapshot,
 * writes in one all-or-nothing write transaction (store_write), notes and
 * state purges only after the commit.
 */
#ifndef MAILMAP_CTL_H
#define MAILMAP_CTL_H

#include <stdio.h>

#include "config.h"
#include "op.h"
#include "store.h"

struct etcd;

struct ctl {
	struct config *config;
	struct store *store;   /* the config environment */
	const char *state_dir; /* purged after mailbox deletes */
	bool state_store;      /* store is the state environment */
	bool dry_run; /* ctl_write checks everything, then writes nothing */
	bool json;
	struct etcd *etcd; /* multi-host mode: commits go to etcd */
	FILE *in;	   /* passwords, batch "-" */
	FILE *out;
	FILE *err;
};

typedef int ctl_body_fn(struct op *op, void *context);

/* Runs body in one write transaction; prints the notes and purges the
 * state once committed. Returns an exit code (enum ctl_exit). */
int ctl_write(struct ctl *ctl, ctl_body_fn *body, void *context);
/* Runs body in a read snapshot. Returns an exit code. */
int ctl_read(struct ctl *ctl, ctl_body_fn *body, void *context);

/* A read snapshot of the state environment, for usage figures. */
struct ctl_state {
	struct store *store;
	struct store_reader *reader;
	struct store_txn *txn; /* NULL: there is no state environment yet */
};

/* Opens a snapshot of the state environment in dir (mailmapd creates
 * it): 0, with state->txn NULL when it does not exist (dir NULL too), or
 * -1 with *error_r when it cannot be read. */
int ctl_state_open(const char *dir, struct ctl_state *state,
		   const char **error_r);
void ctl_state_close(struct ctl_state *state);

#endif
