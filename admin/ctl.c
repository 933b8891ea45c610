/* ctl: running a command in a transaction; see ctl.h. */
#include "ctl_internal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "delivery.h"
#include "password.h"
#include "usage.h"

static void ctl_op_init(struct ctl_run *run, struct store_txn *txn)
{
	struct op *op = &run->op;

	arena_reset(&run->arena);
	arena_reset(&run->keep);
	memset(&run->notes, 0, sizeof(run->notes));
	memset(&run->warnings, 0, sizeof(run->warnings));
	memset(&run->delivery, 0, sizeof(run->delivery));
	memset(&run->purges, 0, sizeof(run->purges));
	memset(op, 0, sizeof(*op));
	op->txn = txn;
	op->arena = &run->arena;
	op->keep = &run->keep;
	op->notes = &run->notes;
	op->warnings = &run->warnings;
	op->delivery = &run->delivery;
	op->delimiters = run->ctl->config->recipient_delimiter;
	op->purges = &run->purges;
	op->state_dir = run->ctl->state_dir;
	op->fenv.arena = &run->arena;
	op->fenv.password_scheme =
	    run->ctl->config->password_scheme == CONFIG_PW_BLF_CRYPT
		? PASSWORD_BLF_CRYPT
		: PASSWORD_SHA512_CRYPT;
	op->fenv.password_rounds = run->ctl->config->password_rounds;
}

/* The store_write body: may run again after a map resize, so it starts
 * from a clean op every time. */
int ctl_write_body(struct store_txn *txn, void *context)
{
	struct ctl_run *run = context;

	ctl_op_init(run, txn);
	if (run->mark != NULL && replica_mark_read(txn, run->mark) != STORE_OK)
		return 0; /* the transaction's sticky error says why */
	if (run->ctl->state_store)
		return run->body(&run->op, run->context);
	if (delivery_index_targets(&run->op) < 0 ||
	    run->body(&run->op, run->context) < 0 ||
	    delivery_check(&run->op) < 0)
		return -1;
	if (run->touch_all)
		replica_touch_all(txn);
	return run->ctl->dry_run ? -1 : 0; /* all checked: abort */
}

void ctl_run_init(struct ctl_run *run, struct ctl *ctl, ctl_body_fn *body,
		  void *context)
{
	memset(run, 0, sizeof(*run));
	run->ctl = ctl;
	run->body = body;
	run->context = context;
	arena_init(&run->arena, 0);
	arena_init(&run->keep, 0);
}

void ctl_run_deinit(struct ctl_run *run)
{
	arena_deinit(&run->arena);
	arena_deinit(&run->keep);
}

/* Deletes the state of deleted mailboxes: quota usage and last login. */
static void ctl_purge_state(struct ctl *ctl, const struct strvec *purges);

int ctl_report(struct ctl_run *run, int ret, const char *error)
{
	struct ctl *ctl = run->ctl;

	if (ret == STORE_ABORTED && ctl->dry_run && run->op.error == NULL)
		ret = STORE_OK; /* a dry run that found nothing wrong */
	if (ret == STORE_OK) {
		for (size_t i = 0; i < run->notes.count; i++)
			fprintf(ctl->out, "%s\n", run->notes.items[i]);
		for (size_t i = 0; i < run->warnings.count; i++)
			fprintf(ctl->err, "mailmapctl: warning: %s\n",
				run->warnings.items[i]);
		ctl_purge_state(ctl, &run->purges);
		return CTL_OK;
	}
	if (ret == STORE_ABORTED) {
		fprintf(ctl->err, "mailmapctl: %s\n", run->op.error);
		return run->op.status;
	}
	fprintf(ctl->err, "mailmapctl: %s\n", error);
	return CTL_TEMPFAIL;
}

int ctl_write(struct ctl *ctl, ctl_body_fn *body, void *context)
{
	struct ctl_run run;
	const char *error = NULL;
	int status;

	if (ctl->etcd != NULL && !ctl->state_store)
		return ctl_replica_write(ctl, body, context);
	ctl_run_init(&run, ctl, body, context);
	status = ctl_report(
	    &run, store_write(ctl->store, ctl_write_body, &run, &error), error);
	ctl_run_deinit(&run);
	return status;
}

int ctl_read(struct ctl *ctl, ctl_body_fn *body, void *context)
{
	struct ctl_run run;
	struct store_reader *reader;
	struct store_txn *txn;
	const char *error;
	int status;

	if (store_reader_new(ctl->store, &reader, &error) != STORE_OK ||
	    store_read_begin(reader, &txn, &error) != STORE_OK) {
		fprintf(ctl->err, "mailmapctl: %s\n", error);
		return CTL_TEMPFAIL;
	}
	ctl_run_init(&run, ctl, body, context);
	ctl_op_init(&run, txn);
	status = body(&run.op, context) < 0 ? run.op.status : CTL_OK;
	if (status != CTL_OK)
		fprintf(ctl->err, "mailmapctl: %s\n", run.op.error);
	store_reader_free(&reader);
	ctl_run_deinit(&run);
	return status;
}

struct purge_ctx {
	const struct strvec *purges;
};

static int ctl_purge_body(struct store_txn *txn, void *context)
{
	struct purge_ctx *ctx = context;

	for (size_t i = 0; i < ctx->purges->count; i++)
		usage_purge(txn, ctx->purges->items[i]);
	return 0;
}

static void ctl_purge_state(struct ctl *ctl, const struct strvec *purges)
{
	struct store_settings settings = {
	    .dir = ctl->state_dir, .kind = STORE_ENV_STATE, .nosync = true};
	struct purge_ctx ctx = {purges};
	struct store *state;
	const char *error;

	if (purges->count == 0 || ctl->state_dir == NULL)
		return;
	/* No state environment yet: the daemon never stored anything. */
	if (store_open(&settings, &state, &error) != STORE_OK)
		return;
	if (store_write(state, ctl_purge_body, &ctx, &error) != STORE_OK)
		fprintf(ctl->err,
			"mailmapctl: warning: could not purge the state of "
			"deleted mailboxes: %s\n",
			error);
	else
		store_sync(state, &error);
	store_close(&state);
}

int ctl_state_open(const char *dir, struct ctl_state *state,
		   const char **error_r)
{
	struct store_settings settings = {
	    .dir = dir, .kind = STORE_ENV_STATE, .read_only = true};
	char data[4096];

	memset(state, 0, sizeof(*state));
	if (dir == NULL)
		return 0;
	snprintf(data, sizeof(data), "%s/data.mdb", dir);
	if (access(data, F_OK) < 0)
		return 0; /* mailmapd never stored anything yet */
	if (store_open(&settings, &state->store, error_r) != STORE_OK)
		return -1;
	if (store_reader_new(state->store, &state->reader, error_r) !=
		STORE_OK ||
	    store_read_begin(state->reader, &state->txn, error_r) != STORE_OK) {
		ctl_state_close(state);
		return -1;
	}
	return 0;
}

void ctl_state_close(struct ctl_state *state)
{
	store_reader_free(&state->reader);
	store_close(&state->store);
	state->txn = NULL;
}
