/* policy_greylist_internal: what policy_greylist.c (the hook, the local
 * state store) and policy_greylist_valkey.c (a shared Valkey) share. */
#ifndef MAILMAP_DAEMON_POLICY_GREYLIST_INTERNAL_H
#define MAILMAP_DAEMON_POLICY_GREYLIST_INTERNAL_H

#include "greylist.h"
#include "greylist_store.h"
#include "policy_greylist.h"
#include "valkey.h"

struct policy_greylist {
	struct store *state;
	struct store_reader *reader;
	struct greylist_queue *queue;
	struct event *timer;
	struct metrics_block *metrics; /* the worker's, or NULL */
	struct valkey *valkey;	       /* the shared store, or NULL: local */
	char prefix[72];	       /* of the keys in it (valkey.prefix) */
	unsigned timeout_ms;
};

void policy_greylist_settings(const struct config_policy *policy,
			      struct greylist_settings *settings);
void policy_greylist_verdict(const struct policy_greylist_call *call,
			     const struct greylist_result *result,
			     struct policy_verdict *verdict);

/* policy_greylist_valkey.c */
int policy_greylist_valkey_start(struct policy_greylist *greylist,
				 struct event_base *base,
				 const struct config *config,
				 const char **error_r);
/* The request against the shared store: 0 with *result_r, 1 when its
 * answer is awaited (the connection is resumed), -1 on a failure (the
 * store away, or no answer within valkey.timeout_ms). txn: the local
 * state, for the manual whitelist. */
int policy_greylist_valkey_check(struct policy_greylist_call *call,
				 struct store_txn *txn,
				 const struct greylist_settings *settings,
				 const struct greylist_net *net,
				 const struct policy_request *req,
				 struct greylist_result *result_r);

#endif
