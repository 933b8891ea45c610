/* ctl_internal: one command's run, shared by ctl.c (a commit to the
 * local store) and ctl_replica.c (a commit to etcd); see ctl.h. */
#ifndef MAILMAP_CTL_INTERNAL_H
#define MAILMAP_CTL_INTERNAL_H

#include "ctl.h"
#include "delivery.h"
#include "commit.h"
#include "layout.h"

struct ctl_run {
	struct ctl *ctl;
	struct op op;
	struct arena arena;
	struct arena keep;
	struct strvec notes;
	struct strvec warnings;
	struct strvec purges;
	struct delivery_log delivery;
	ctl_body_fn *body;
	void *context;
	struct replica_mark *mark; /* read in the write, when not NULL */
	bool touch_all; /* then every row is noted (a staged commit) */
};

void ctl_run_init(struct ctl_run *run, struct ctl *ctl, ctl_body_fn *body,
		  void *context);
void ctl_run_deinit(struct ctl_run *run);
/* The store_write body of a command (it may run more than once). */
int ctl_write_body(struct store_txn *txn, void *context);
/* Prints what a write ended with (notes, warnings or the error) and
 * purges the state of deleted mailboxes once committed; the exit code.
 * ret is store_write()'s. */
int ctl_report(struct ctl_run *run, int ret, const char *error);
/* ctl_replica.c: ctl_write() in multi-host mode. */
int ctl_replica_write(struct ctl *ctl, ctl_body_fn *body, void *context);
/* Commits captured changes on top of mark: in one etcd transaction when
 * they fit the configured limits, else as a staged commit, for which
 * changes must be every row (replica_touch_all). enum
 * replica_commit_result. */
int ctl_replica_commit(struct ctl *ctl, const struct replica_mark *mark,
		       const struct store_changes *changes,
		       uint64_t *revision_r, char **error_r);

#endif
