/* greylist_sweep: sweeping expired greylisting entries, statistics; see
 * greylist_store.h. */
#include "greylist_store_internal.h"

#include <stdlib.h>
#include <string.h>

/* Sweeping */

struct greylist_sweep_ctx {
	const struct greylist_settings *settings;
	uint64_t now;
	size_t max;		   /* deletions per transaction */
	size_t budget;		   /* keys scanned per transaction */
	unsigned start;		   /* the first range */
	struct greylist_key after; /* where in it */
	struct greylist_sweep out; /* where the next call starts */
	size_t removed;		   /* out */
	struct greylist_key *keys; /* max of them */
};

/* Is this row dead: expired, or not a value we can read? */
static bool greylist_row_dead(const struct greylist_settings *settings,
			      uint64_t now, const struct store_val *key,
			      const struct store_val *value)
{
	const unsigned char *k = key->data;
	struct greylist_entry entry;
	struct greylist_awl awl;

	if (k[0] == GREYLIST_TAG_AWL)
		return !greylist_awl_decode(value->data, value->len, &awl) ||
		       greylist_awl_expired(&awl, now, settings);
	return !greylist_entry_decode(value->data, value->len, &entry) ||
	       greylist_expired(&entry, now, settings);
}

static void greylist_key_copy(struct greylist_key *to,
			      const struct store_val *key)
{
	to->len = key->len;
	memcpy(to->data, key->data, key->len);
}

/* Collects the dead keys of one range, past *after, into ctx->keys. 1
 * when the range was scanned to its end; 0 when the keys buffer is full
 * or the scan budget spent, with ctx->out set to go on after the last key
 * scanned; -1 on a store failure (sticky in txn). */
static int greylist_sweep_range(struct store_txn *txn,
				struct greylist_sweep_ctx *ctx, unsigned range,
				const struct greylist_key *after, size_t *n,
				size_t *scanned)
{
	unsigned char prefix[2] = {range < 256 ? GREYLIST_TAG_AWL
					       : GREYLIST_TAG_TRIPLET,
				   (unsigned char)(range & 0xff)};
	struct store_iter iter;
	struct store_val key, value;
	int ret, finished = 1;

	if (store_iter_open_after(txn, STORE_GREYLIST, prefix, sizeof(prefix),
				  after->data, after->len, &iter) != STORE_OK)
		return -1;
	while ((ret = store_iter_next(&iter, &key, &value)) == 1) {
		(*scanned)++;
		/* Not one of ours if longer: skipped, and never a resume
		 * point (the cursor could not hold it). */
		if (key.len > GREYLIST_KEY_MAX)
			continue;
		if (greylist_row_dead(ctx->settings, ctx->now, &key, &value))
			greylist_key_copy(&ctx->keys[(*n)++], &key);
		if (*n == ctx->max || *scanned >= ctx->budget) {
			ctx->out.next = range;
			greylist_key_copy(&ctx->out.after, &key);
			finished = 0;
			break;
		}
	}
	store_iter_close(&iter);
	return ret < 0 ? -1 : finished;
}

/* One transaction: scan from where the last one stopped until max dead
 * keys are found or the scan budget is spent, then delete them. Depends
 * only on ctx's inputs (store_write() may run it again). */
static int greylist_sweep_body(struct store_txn *txn, void *context)
{
	static const struct greylist_key from_start = {0};
	struct greylist_sweep_ctx *ctx = context;
	const struct greylist_key *after = &ctx->after;
	size_t n = 0, scanned = 0;
	unsigned range = ctx->start;

	memset(&ctx->out, 0, sizeof(ctx->out));
	for (; range < GREYLIST_SWEEP_RANGES; range++) {
		int ret;
		if (n == ctx->max || scanned >= ctx->budget)
			break;
		ret =
		    greylist_sweep_range(txn, ctx, range, after, &n, &scanned);
		if (ret < 0)
			return -1;
		if (ret == 0)
			break;
		after = &from_start;
	}
	/* Stopped at a range boundary, or at the end (RANGES): else in a
	 * range, and greylist_sweep_range() set where. */
	if (ctx->out.after.len == 0)
		ctx->out.next = range;
	for (size_t i = 0; i < n; i++)
		store_del(txn, STORE_GREYLIST, ctx->keys[i].data,
			  ctx->keys[i].len, NULL);
	ctx->removed = n;
	ctx->out.scanned = scanned;
	return 0;
}

int greylist_sweep(struct store *state,
		   const struct greylist_settings *settings, uint64_t now,
		   size_t max_per_txn, struct greylist_sweep *cursor,
		   size_t *removed_r, const char **error_r)
{
	struct greylist_sweep_ctx ctx = {.settings = settings, .now = now};
	int ret;

	*removed_r = 0;
	ctx.max = max_per_txn == 0 ? GREYLIST_SWEEP_DEFAULT : max_per_txn;
	if (ctx.max > GREYLIST_SWEEP_MAX)
		ctx.max = GREYLIST_SWEEP_MAX;
	ctx.budget = GREYLIST_SWEEP_SCAN * ctx.max;
	if (cursor->next < GREYLIST_SWEEP_RANGES) {
		ctx.start = cursor->next;
		ctx.after = cursor->after;
	}
	ctx.keys = malloc(ctx.max * sizeof(*ctx.keys));
	if (ctx.keys == NULL)
		abort();
	ret = store_write(state, greylist_sweep_body, &ctx, error_r);
	free(ctx.keys);
	if (ret != STORE_OK)
		return ret;
	*removed_r = ctx.removed;
	if (ctx.out.next >= GREYLIST_SWEEP_RANGES) {
		memset(cursor, 0, sizeof(*cursor));
		cursor->scanned = ctx.out.scanned;
		return 1;
	}
	*cursor = ctx.out;
	return 0;
}

/* Statistics */

static void greylist_stats_row(const struct greylist_settings *settings,
			       uint64_t now, const struct store_val *key,
			       const struct store_val *value,
			       struct greylist_stats *stats)
{
	const unsigned char *k = key->data;
	struct greylist_entry entry;
	struct greylist_awl awl;

	if (k[0] == GREYLIST_TAG_WHITELIST) {
		/* Admin data, never swept; the summary is not an entry. */
		if (key->len > 1) {
			stats->entries++;
			stats->manual++;
		}
		return;
	}
	stats->entries++;
	if (greylist_row_dead(settings, now, key, value)) {
		stats->expired++;
		return;
	}
	if (k[0] == GREYLIST_TAG_AWL) {
		greylist_awl_decode(value->data, value->len, &awl);
		stats->networks++;
		if (greylist_awl_listed(settings, &awl, now))
			stats->whitelisted++;
		return;
	}
	greylist_entry_decode(value->data, value->len, &entry);
	stats->triplets++;
	if (entry.passed)
		stats->passed++;
	else
		stats->pending++;
}

int greylist_store_stats(struct store_txn *txn,
			 const struct greylist_settings *settings, uint64_t now,
			 struct greylist_stats *stats_r)
{
	struct store_iter iter;
	struct store_val key, value;
	int ret;

	memset(stats_r, 0, sizeof(*stats_r));
	ret = store_iter_open(txn, STORE_GREYLIST, NULL, 0, &iter);
	if (ret != STORE_OK)
		return ret;
	while ((ret = store_iter_next(&iter, &key, &value)) == 1)
		greylist_stats_row(settings, now, &key, &value, stats_r);
	store_iter_close(&iter);
	return ret < 0 ? ret : STORE_OK;
}
