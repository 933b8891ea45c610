/*
 * ctl_replica: a write command in multi-host mode (replica/commit.h).
 *
 * 1. Wait until this host's replica holds etcd's last commit (mailmapd's
 *    follower applies it; replica.catch_up bounds the wait), so the
 *    command is checked against the current state.
 * 2. Run the command in a write transaction of the replica, captured and
 *    aborted: every rule is checked as on a single host, nothing is
 *    written locally.
 * 3. Commit the rows to etcd in one transaction guarded by the sequence
 *    value the replica held. Another admin's commit in between: say so,
 *    and go back to 1 (CTL_REPLICA_ATTEMPTS in all).
 * 4. Print "committed: etcd revision N", then wait (bounded) for the
 *    local replica to hold N, so that the next command sees this one.
 */
#include "ctl_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commit.h"

#define CTL_REPLICA_ATTEMPTS 5
#define CTL_REPLICA_POLL_MS  5
#define CTL_REPLICA_AGAIN    (-2) /* a conflict: check again */

static int64_t ctl_replica_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the replica holds revision; 0, or -1 with a message. */
static int ctl_replica_wait(struct ctl *ctl, uint64_t revision)
{
	int64_t until =
	    ctl_replica_ms() + (int64_t)ctl->config->replica.catch_up * 1000;
	struct timespec pause = {0, CTL_REPLICA_POLL_MS * 1000000L};
	struct replica_mark mark;
	const char *error;

	for (;;) {
		if (replica_mark_get(ctl->store, &mark, &error) != STORE_OK) {
			fprintf(ctl->err, "mailmapctl: %s\n", error);
			return -1;
		}
		if (mark.revision >= revision)
			return 0;
		if (ctl_replica_ms() >= until)
			break;
		nanosleep(&pause, NULL);
	}
	fprintf(ctl->err,
		"mailmapctl: this host's replica holds etcd revision %llu, "
		"etcd is at %llu: is mailmapd running and following etcd? "
		"(mailmapctl status)\n",
		(unsigned long long)mark.revision,
		(unsigned long long)revision);
	return -1;
}

/* Step 1: the replica holds the last commit etcd knows of. */
static int ctl_replica_current(struct ctl *ctl)
{
	uint64_t latest;
	char *error = NULL;

	if (replica_latest(ctl->etcd, ctl->config->replica.prefix, &latest,
			   &error) < 0) {
		/* a member that answers nothing in time is most often one
		 * without a quorum behind it */
		bool timeout = strstr(error, "Timeout") != NULL ||
			       strstr(error, "timed out") != NULL;
		fprintf(ctl->err,
			"mailmapctl: cannot read etcd's last commit%s: "
			"%s\n",
			timeout ? " (no quorum of etcd members reachable?)"
				: "",
			error);
		free(error);
		return -1;
	}
	return ctl_replica_wait(ctl, latest);
}

static struct replica_commit ctl_replica_target(const struct ctl *ctl,
						const struct replica_mark *mark)
{
	const struct config_replica *r = &ctl->config->replica;
	struct replica_commit c = {r->prefix, mark->seq, mark->generation,
				   r->max_txn_ops, r->max_txn_bytes};

	return c;
}

static bool ctl_replica_fits(const struct ctl *ctl,
			     const struct replica_mark *mark,
			     const struct store_changes *changes)
{
	struct replica_commit c = ctl_replica_target(ctl, mark);

	return replica_commit_fits(&c, changes);
}

int ctl_replica_commit(struct ctl *ctl, const struct replica_mark *mark,
		       const struct store_changes *changes,
		       uint64_t *revision_r, char **error_r)
{
	struct replica_commit c = ctl_replica_target(ctl, mark);

	if (replica_commit_fits(&c, changes))
		return replica_commit(ctl->etcd, &c, changes, revision_r,
				      error_r);
	return replica_commit_staged(ctl->etcd, &c, changes, revision_r,
				     error_r);
}

/* Steps 2 and 3. CTL_OK and *revision_r, CTL_REPLICA_AGAIN, or an
 * exit code already reported. */
static int ctl_replica_try(struct ctl *ctl, struct ctl_run *run,
			   uint64_t *revision_r)
{
	struct store_changes changes;
	struct replica_mark mark;
	const char *serror = NULL;
	char *error = NULL;
	int ret;

	run->mark = &mark;
	ret = store_write_capture(ctl->store, ctl_write_body, run, &changes,
				  &serror);
	if (ret != STORE_OK || changes.count == 0) {
		store_changes_free(&changes);
		*revision_r = 0;
		return ctl_report(run, ret, serror);
	}
	if (!ctl_replica_fits(ctl, &mark, &changes)) {
		/* too large for one etcd transaction: the whole new
		 * configuration, written as a new generation */
		store_changes_free(&changes);
		run->touch_all = true;
		ret = store_write_capture(ctl->store, ctl_write_body, run,
					  &changes, &serror);
		if (ret != STORE_OK) {
			store_changes_free(&changes);
			return ctl_report(run, ret, serror);
		}
	}
	ret = ctl_replica_commit(ctl, &mark, &changes, revision_r, &error);
	store_changes_free(&changes);
	if (ret == REPLICA_COMMITTED)
		return ctl_report(run, STORE_OK, NULL);
	fprintf(ctl->err, "mailmapctl: %s%s\n", error,
		ret == REPLICA_CONFLICT ? "; checking again" : "");
	free(error);
	return ret == REPLICA_CONFLICT ? CTL_REPLICA_AGAIN : CTL_TEMPFAIL;
}

int ctl_replica_write(struct ctl *ctl, ctl_body_fn *body, void *context)
{
	uint64_t revision = 0;
	int status = CTL_REPLICA_AGAIN;

	for (int attempt = 0;
	     status == CTL_REPLICA_AGAIN && attempt < CTL_REPLICA_ATTEMPTS;
	     attempt++) {
		struct ctl_run run;

		if (ctl_replica_current(ctl) < 0)
			return CTL_TEMPFAIL;
		ctl_run_init(&run, ctl, body, context);
		status = ctl_replica_try(ctl, &run, &revision);
		ctl_run_deinit(&run);
	}
	if (status == CTL_REPLICA_AGAIN) {
		fprintf(ctl->err, "mailmapctl: etcd kept changing; try "
				  "again\n");
		return CTL_TEMPFAIL;
	}
	if (status != CTL_OK || revision == 0)
		return status;
	fprintf(ctl->out, "committed: etcd revision %llu\n",
		(unsigned long long)revision);
	fflush(ctl->out); /* the acknowledgement, before the wait */
	return ctl_replica_wait(ctl, revision) < 0 ? CTL_TEMPFAIL : CTL_OK;
}
