/*
 * mailbox_usage: what `mailbox show` prints after a mailbox's fields: the
 * quota in force and the usage mailmapd keeps in the state environment
 * for Dovecot (maps/usage.h).
 *
 *   name            text                          JSON
 *   quota_allotted  "2G", "unlimited"             bytes, "unlimited"
 *   quota_used      "4000 bytes (80%)", "unknown"  bytes, null
 *   quota_messages  "2", "unknown"                count, null
 *   last_login      "2026-11-22T10:45:43Z", "never"  unix seconds, null
 *
 * "unknown": Dovecot has not told mailmapd yet (it recalculates on the
 * next access). A missing state environment (mailmapd never ran) is not
 * an error, and neither is one that cannot be read: the figures are then
 * unknown, and the configuration data is shown all the same.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "kinds.h"
#include "usage.h"

/* The state of address; all absent when there is none to read. */
static void usage_of(struct op *op, const char *address, struct usage *usage)
{
	struct ctl_state state;
	const char *error;

	memset(usage, 0, sizeof(*usage));
	if (ctl_state_open(op->state_dir, &state, &error) < 0)
		return;
	if (state.txn != NULL && usage_read(state.txn, address, usage) != 0)
		memset(usage, 0, sizeof(*usage));
	ctl_state_close(&state);
}

static void usage_emit_allotted(struct op *op, uint64_t quota,
				kind_emit_fn *emit, void *ctx)
{
	const char *text = fields_format_size(op->arena, quota);

	emit(ctx, "quota_allotted", text,
	     quota == RECORD_UNLIMITED
		 ? NULL
		 : arena_printf(op->arena, "%" PRIu64, quota));
}

static void usage_emit_used(struct op *op, const struct usage *usage,
			    uint64_t quota, kind_emit_fn *emit, void *ctx)
{
	int64_t used = usage->counter[USAGE_STORAGE];
	const char *digits, *text;

	if (!usage->has_counter[USAGE_STORAGE]) {
		emit(ctx, "quota_used", "unknown", "null");
		return;
	}
	digits = arena_printf(op->arena, "%" PRId64, used);
	text = arena_printf(op->arena, "%s bytes", digits);
	if (quota != RECORD_UNLIMITED && quota != 0 && used >= 0)
		text = arena_printf(op->arena, "%s (%.0f%%)", text,
				    100.0 * (double)used / (double)quota);
	emit(ctx, "quota_used", text, digits);
}

static void usage_emit_messages(struct op *op, const struct usage *usage,
				kind_emit_fn *emit, void *ctx)
{
	const char *digits;

	if (!usage->has_counter[USAGE_MESSAGES]) {
		emit(ctx, "quota_messages", "unknown", "null");
		return;
	}
	digits =
	    arena_printf(op->arena, "%" PRId64, usage->counter[USAGE_MESSAGES]);
	emit(ctx, "quota_messages", digits, digits);
}

static void usage_emit_login(struct op *op, const struct usage *usage,
			     kind_emit_fn *emit, void *ctx)
{
	time_t when = (time_t)usage->last_login;
	struct tm tm;
	char text[32];

	if (!usage->has_last_login || gmtime_r(&when, &tm) == NULL) {
		emit(ctx, "last_login", "never", "null");
		return;
	}
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	emit(ctx, "last_login", arena_strdup(op->arena, text),
	     arena_printf(op->arena, "%" PRIu64, usage->last_login));
}

void mailbox_show_usage(struct op *op, const void *rec, kind_emit_fn *emit,
			void *ctx)
{
	const struct rec_mailbox *mailbox = rec;
	uint64_t quota = RECORD_UNLIMITED;
	struct usage usage;

	if (mailbox_effective_quota(op, mailbox, &quota) == 0)
		usage_emit_allotted(op, quota, emit, ctx);
	usage_of(op, mailbox->address, &usage);
	usage_emit_used(op, &usage, quota, emit, ctx);
	usage_emit_messages(op, &usage, emit, ctx);
	usage_emit_login(op, &usage, emit, ctx);
}
