/*
 * replica_cmd: `mailmapctl replica check` and `mailmapctl replica seed`
 * (multi-host mode, README "Many hosts").
 *
 * check: compares this host's replica, row by row, with etcd at the
 *   revision the replica holds; exit 0 when equal, 1 when not.
 * seed:  the move of a single host onto etcd: every row of this host's
 *   store (not yet a replica) committed as one etcd transaction into an
 *   empty prefix (the sequence key must not exist). mailmapd, restarted
 *   with replica.etcd, then fills the replica from etcd.
 */
#include "commands.h"
#include "ctl_internal.h"

#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "snapshot.h"

/* Puts every row back as it is: the capture notes them all. */
static int seed_body(struct store_txn *txn, void *context)
{
	(void)context;
	replica_touch_all(txn);
	return 0;
}

static int replica_seed(struct ctl *ctl)
{
	struct store_changes changes;
	struct replica_mark mark;
	const char *serror;
	char *error = NULL;
	uint64_t revision;
	int ret;

	if (replica_mark_get(ctl->store, &mark, &serror) != STORE_OK) {
		fprintf(ctl->err, "mailmapctl: %s\n", serror);
		return CTL_TEMPFAIL;
	}
	if (mark.revision != 0) {
		fprintf(ctl->err,
			"mailmapctl: replica seed: this store is "
			"already a replica of etcd (revision %llu)\n",
			(unsigned long long)mark.revision);
		return CTL_INPUT;
	}
	ret =
	    store_write_capture(ctl->store, seed_body, NULL, &changes, &serror);
	if (ret != STORE_OK) {
		fprintf(ctl->err, "mailmapctl: %s\n", serror);
		store_changes_free(&changes);
		return CTL_TEMPFAIL;
	}
	/* every row: a staged commit takes them as they are */
	ret = ctl_replica_commit(ctl, &mark, &changes, &revision, &error);
	if (ret == REPLICA_COMMITTED)
		fprintf(ctl->out, "seeded %zu rows: etcd revision %llu\n",
			changes.count, (unsigned long long)revision);
	else
		fprintf(ctl->err, "mailmapctl: replica seed: %s%s\n", error,
			ret == REPLICA_CONFLICT ? " (seed fills only an empty "
						  "prefix)"
						: "");
	free(error);
	store_changes_free(&changes);
	if (ret == REPLICA_COMMITTED)
		return CTL_OK;
	return ret == REPLICA_CONFLICT ? CTL_INPUT : CTL_TEMPFAIL;
}

static int replica_check(struct ctl *ctl)
{
	struct replica_diff diff;
	char *error = NULL;

	if (replica_compare(ctl->etcd, ctl->config->replica.prefix, ctl->store,
			    &diff, &error) < 0) {
		fprintf(ctl->err, "mailmapctl: replica check: %s\n", error);
		free(error);
		return CTL_TEMPFAIL;
	}
	if (ctl->json) {
		fprintf(ctl->out,
			"{\"revision\":%llu,\"rows\":%zu,\"differ\":%zu}\n",
			(unsigned long long)diff.revision, diff.rows,
			diff.differ);
	} else if (diff.differ == 0) {
		fprintf(ctl->out,
			"replica equals etcd at revision %llu: %zu "
			"rows\n",
			(unsigned long long)diff.revision, diff.rows);
	} else {
		fprintf(ctl->out,
			"replica differs from etcd at revision %llu: %zu of "
			"%zu rows (first: %s)\n",
			(unsigned long long)diff.revision, diff.differ,
			diff.rows, diff.first);
	}
	return diff.differ == 0 ? CTL_OK : CTL_INPUT;
}

int replica_main(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 1 ||
	    (strcmp(argv[0], "check") != 0 && strcmp(argv[0], "seed") != 0)) {
		fprintf(ctl->err, "usage: mailmapctl replica check|seed\n");
		return CTL_INPUT;
	}
	if (ctl->etcd == NULL) {
		fprintf(ctl->err,
			"mailmapctl: replica %s: replica.etcd is not "
			"set (single-host mode)\n",
			argv[0]);
		return CTL_INPUT;
	}
	return strcmp(argv[0], "seed") == 0 ? replica_seed(ctl)
					    : replica_check(ctl);
}
