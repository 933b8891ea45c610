/*
 * stats: `mailmapctl stats [--json]`, one row per primary domain, in name
 * order:
 *
 *   domain          the domain
 *   mailboxes       its mailboxes
 *   quota_used      bytes stored, summed over the mailboxes whose usage
 *                   mailmapd knows (maps/usage.h; Dovecot's quota dict)
 *   messages        messages stored, summed likewise
 *   quota_allotted  the sum of the quotas in force (override, else the
 *                   offer's), "unlimited" when one of them is
 *
 * One read snapshot of the config store and one of the state store (none
 * when mailmapd never ran: usage 0). Exit 0, 1 bad arguments, 75 a store
 * that cannot be read.
 */
#include <inttypes.h>
#include <string.h>

#include "commands.h"
#include "output.h"
#include "usage.h"

static const char *const stats_columns[] = {
    "domain", "mailboxes", "quota_used", "messages", "quota_allotted",
};

#define STATS_COLUMNS (sizeof(stats_columns) / sizeof(stats_columns[0]))

struct stats_run {
	struct ctl *ctl;
	bool json;
	struct ctl_state state;
	struct output_grid *grid;
};

/* A number cell: the same digits in the table and in JSON. */
static void stats_number(struct output_grid *grid, const char *digits)
{
	output_grid_cell(grid, digits, digits);
}

/* Sums the usage of the mailboxes; -1 when the state cannot be read. */
static int stats_usage(struct op *op, struct stats_run *run,
		       const struct strvec *mailboxes, int64_t *sums)
{
	struct usage usage;

	sums[USAGE_STORAGE] = sums[USAGE_MESSAGES] = 0;
	if (run->state.txn == NULL)
		return 0;
	for (size_t i = 0; i < mailboxes->count; i++) {
		if (usage_read(run->state.txn, mailboxes->items[i], &usage) !=
		    STORE_OK)
			return op_fail(op, CTL_TEMPFAIL, "%s",
				       store_txn_error(run->state.txn));
		for (int c = 0; c < USAGE_COUNTER_COUNT; c++)
			sums[c] += usage.has_counter[c] ? usage.counter[c] : 0;
	}
	return 0;
}

static int stats_domain(struct op *op, struct stats_run *run,
			const char *domain)
{
	struct strvec mailboxes;
	const char *culprit;
	uint64_t allotted = 0;
	int64_t sums[USAGE_COUNTER_COUNT];
	int unlimited;

	if (kind_referrers(op, REF_DOMAIN, domain, REF_MAILBOX, &mailboxes) <
		0 ||
	    stats_usage(op, run, &mailboxes, sums) < 0 ||
	    (unlimited =
		 domain_quota_allotted(op, domain, &allotted, &culprit)) < 0)
		return -1;
	output_grid_cell(run->grid, domain, NULL);
	stats_number(run->grid,
		     arena_printf(op->arena, "%zu", mailboxes.count));
	stats_number(run->grid,
		     arena_printf(op->arena, "%" PRId64, sums[USAGE_STORAGE]));
	stats_number(run->grid,
		     arena_printf(op->arena, "%" PRId64, sums[USAGE_MESSAGES]));
	if (unlimited)
		output_grid_cell(run->grid, "unlimited", NULL);
	else
		output_grid_cell(run->grid,
				 fields_format_size(op->arena, allotted),
				 arena_printf(op->arena, "%" PRIu64, allotted));
	return 0;
}

static int stats_body(struct op *op, void *context)
{
	struct stats_run *run = context;
	struct store_iter iter;
	struct store_val key, value;
	enum record_type type;
	int ret = store_iter_open(op->txn, STORE_DOMAINS, NULL, 0, &iter);

	run->grid = output_grid_begin(op, run->ctl->out, run->json,
				      stats_columns, STATS_COLUMNS);
	while (ret == STORE_OK &&
	       (ret = store_iter_next(&iter, &key, &value)) == 1) {
		ret = STORE_OK;
		if (record_peek_type(value.data, value.len, &type) < 0 ||
		    type != REC_DOMAIN)
			continue;
		if (stats_domain(op, run,
				 arena_strndup(op->arena, key.data, key.len)) <
		    0) {
			store_iter_close(&iter);
			return -1;
		}
	}
	store_iter_close(&iter);
	if (ret < 0)
		return op_store_fail(op);
	output_grid_end(run->grid);
	return 0;
}

int stats_main(struct ctl *ctl, int argc, char **argv)
{
	struct stats_run run = {ctl, ctl->json, {0}, NULL};
	const char *error;
	int status;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0) {
			fprintf(ctl->err, "usage: mailmapctl stats [--json]\n");
			return CTL_INPUT;
		}
		run.json = true;
	}
	if (ctl_state_open(ctl->state_dir, &run.state, &error) < 0) {
		fprintf(ctl->err, "mailmapctl: %s\n", error);
		return CTL_TEMPFAIL;
	}
	status = ctl_read(ctl, stats_body, &run);
	ctl_state_close(&run.state);
	return status;
}
