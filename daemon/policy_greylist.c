/* policy_greylist: greylisting with batched state writes; see the .h. */
#include "policy_greylist_internal.h"

#include <event2/event.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "greylist.h"
#include "greylist_store.h"
#include "log.h"
#include "metrics.h"

#define POLICY_GREYLIST_FLUSH_MS 50

/* The queue's depth, for the metrics (read by the main loop). */
static void policy_greylist_publish(struct policy_greylist *greylist)
{
	if (greylist->metrics != NULL)
		atomic_store_explicit(&greylist->metrics->greylist_queued,
				      greylist_queue_count(greylist->queue),
				      memory_order_relaxed);
}

void policy_greylist_set_metrics(struct policy_greylist *greylist,
				 struct metrics_block *metrics)
{
	greylist->metrics = metrics;
}

static void policy_greylist_flush(struct policy_greylist *greylist)
{
	const char *error;

	if (greylist_queue_count(greylist->queue) == 0)
		return;
	/* A write may have to grow the map, which waits for every read of
	 * this process to end: this thread's first. */
	store_read_end(greylist->reader);
	if (greylist_queue_flush(greylist->state, greylist->queue, &error) !=
	    STORE_OK) {
		log_limited("greylist: cannot write the state: %s", error);
		if (greylist->metrics != NULL)
			metrics_add(&greylist->metrics
					 ->store_errors[METRICS_STORE_STATE],
				    1);
	}
	policy_greylist_publish(greylist);
}

static void policy_greylist_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	policy_greylist_flush(arg);
}

int policy_greylist_new(struct event_base *base, struct store *state,
			const struct config *config,
			struct policy_greylist **greylist_r,
			const char **error_r)
{
	struct policy_greylist *greylist = calloc(1, sizeof(*greylist));
	struct timeval every = {0, POLICY_GREYLIST_FLUSH_MS * 1000};

	if (greylist == NULL)
		abort();
	greylist->state = state;
	if (store_reader_new(state, &greylist->reader, error_r) != STORE_OK) {
		free(greylist);
		return -1;
	}
	greylist->queue = greylist_queue_new(0);
	greylist->timer =
	    event_new(base, -1, EV_PERSIST, policy_greylist_on_timer, greylist);
	event_add(greylist->timer, &every);
	if (config->policy.greylist_store == CONFIG_GREYLIST_VALKEY &&
	    policy_greylist_valkey_start(greylist, base, config, error_r) < 0) {
		policy_greylist_free(&greylist);
		return -1;
	}
	*greylist_r = greylist;
	return 0;
}

void policy_greylist_turn_end(struct policy_greylist *greylist)
{
	if (greylist != NULL)
		store_read_end(greylist->reader);
}

void policy_greylist_free(struct policy_greylist **greylistp)
{
	struct policy_greylist *greylist = *greylistp;

	if (greylist == NULL)
		return;
	policy_greylist_flush(greylist);
	valkey_free(&greylist->valkey);
	event_free(greylist->timer);
	greylist_queue_free(&greylist->queue);
	store_reader_free(&greylist->reader);
	free(greylist);
	*greylistp = NULL;
}

void policy_greylist_settings(const struct config_policy *policy,
			      struct greylist_settings *settings)
{
	greylist_settings_default(settings);
	settings->enabled = policy->greylisting;
	settings->delay = policy->greylist_delay;
	settings->retry_window = policy->greylist_retry_window;
	settings->max_age = policy->greylist_max_age;
	settings->ipv4_prefix = policy->greylist_ipv4_prefix;
	settings->ipv6_prefix = policy->greylist_ipv6_prefix;
	settings->awl_clients = policy->greylist_awl_count;
}

/* The verdict Postfix gets for a greylisting result. */
void policy_greylist_verdict(const struct policy_greylist_call *call,
			     const struct greylist_result *result,
			     struct policy_verdict *verdict)
{
	char host[256] = "localhost";
	char date[64];
	time_t now = (time_t)call->now;
	struct tm tm;

	if (result->verdict == GREYLIST_DEFER) {
		verdict->kind = POLICY_DEFER_IF_PERMIT;
		verdict->text = arena_printf(
		    call->arena,
		    "4.7.1 Greylisted: please try again in %llu second%s",
		    (unsigned long long)result->remaining,
		    result->remaining == 1 ? "" : "s");
		return;
	}
	verdict->kind = POLICY_DUNNO;
	verdict->text = "";
	if (!call->settings->greylist_header || result->delayed == 0)
		return;
	gethostname(host, sizeof(host) - 1);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	verdict->kind = POLICY_PREPEND;
	verdict->text = arena_printf(
	    call->arena,
	    "X-Greylist: delayed %llu seconds by mailmap at %s; %s",
	    (unsigned long long)result->delayed, host, date);
}

int policy_greylist_check(void *context, const struct policy_request *req,
			  struct policy_verdict *verdict)
{
	struct policy_greylist_call *call = context;
	struct policy_greylist *greylist = call->greylist;
	struct greylist_settings settings;
	struct greylist_result result;
	struct greylist_net net;
	struct store_txn *txn;
	const char *error;
	int ret;

	policy_greylist_settings(call->settings, &settings);
	verdict->kind = POLICY_DUNNO;
	verdict->text = "";
	if (greylist_net_make(&settings, req->client_family, req->client_addr,
			      &net) < 0)
		return 0; /* no IP address: nothing to greylist on */
	if (store_read_latest(greylist->reader, &txn, &error) != STORE_OK)
		return -1;
	if (greylist->valkey != NULL) {
		ret = policy_greylist_valkey_check(call, txn, &settings, &net,
						   req, &result);
		if (ret == 0)
			policy_greylist_verdict(call, &result, verdict);
		return ret;
	}
	ret = greylist_store_check(
	    txn, greylist->queue, &settings, &net,
	    req->attrs[POLICY_SENDER].data, req->attrs[POLICY_SENDER].len,
	    req->attrs[POLICY_RECIPIENT].data, req->attrs[POLICY_RECIPIENT].len,
	    call->now, &result, &error);
	if (greylist_queue_full(greylist->queue))
		policy_greylist_flush(greylist);
	policy_greylist_publish(greylist);
	if (ret != STORE_OK)
		return -1;
	policy_greylist_verdict(call, &result, verdict);
	return 0;
}
