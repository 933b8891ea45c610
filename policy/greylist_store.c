/*
 * greylist_store: greylisting entries in the state environment, point
 * reads and the request path; see greylist_store.h (the other parts:
 * greylist_store_internal.h). All LMDB access goes through maps/store.h.
 */
#include "greylist_store_internal.h"

#include <string.h>

/* Reads */

static int greylist_store_value(struct store_txn *txn,
				const struct greylist_key *key,
				struct store_val *value_r)
{
	return store_get(txn, STORE_GREYLIST, key->data, key->len, value_r);
}

int greylist_store_get(struct store_txn *txn, const struct greylist_key *key,
		       struct greylist_entry *entry_r)
{
	struct store_val value;
	int ret = greylist_store_value(txn, key, &value);

	if (ret != STORE_OK)
		return ret;
	return greylist_entry_decode(value.data, value.len, entry_r)
		   ? STORE_OK
		   : STORE_NOTFOUND;
}

int greylist_store_get_awl(struct store_txn *txn,
			   const struct greylist_key *key,
			   struct greylist_awl *awl_r)
{
	struct store_val value;
	int ret = greylist_store_value(txn, key, &value);

	if (ret != STORE_OK)
		return ret;
	return greylist_awl_decode(value.data, value.len, awl_r)
		   ? STORE_OK
		   : STORE_NOTFOUND;
}

/* The request path */

static int greylist_lookup(struct store_txn *txn,
			   const struct greylist_queue *queue,
			   const struct greylist_key *key,
			   struct greylist_entry *entry_r, bool *found_r)
{
	int ret;

	*found_r = greylist_queue_find(queue, key, entry_r);
	if (*found_r)
		return STORE_OK;
	ret = greylist_store_get(txn, key, entry_r);
	*found_r = ret == STORE_OK;
	return ret == STORE_NOTFOUND ? STORE_OK : ret;
}

static int greylist_lookup_awl(struct store_txn *txn,
			       const struct greylist_queue *queue,
			       const struct greylist_key *key,
			       struct greylist_awl *awl_r, bool *found_r)
{
	int ret;

	*found_r = greylist_queue_find_awl(queue, key, awl_r);
	if (*found_r)
		return STORE_OK;
	ret = greylist_store_get_awl(txn, key, awl_r);
	*found_r = ret == STORE_OK;
	return ret == STORE_NOTFOUND ? STORE_OK : ret;
}

/* A client in the manual whitelist passes; nothing is written back. */
static void greylist_whitelisted_result(struct greylist_result *result_r)
{
	memset(result_r, 0, sizeof(*result_r));
	result_r->verdict = GREYLIST_AWL_PASS;
	result_r->reason = GREYLIST_WHITELISTED;
}

int greylist_store_whitelisted(struct store_txn *txn,
			       struct greylist_queue *queue,
			       const struct greylist_net *net, bool *listed_r)
{
	*listed_r = false;
	return greylist_whitelist_find(txn, &queue->summary, net, listed_r);
}

int greylist_store_check(struct store_txn *txn, struct greylist_queue *queue,
			 const struct greylist_settings *settings,
			 const struct greylist_net *net, const char *sender,
			 size_t sender_len, const char *recipient,
			 size_t recipient_len, uint64_t now,
			 struct greylist_result *result_r, const char **error_r)
{
	struct greylist_key awl_key, key;
	struct greylist_awl awl;
	struct greylist_entry entry;
	bool have_awl = false, have_entry = false;
	int ret = STORE_OK;

	if (settings->enabled && greylist_queue_full(queue)) {
		*error_r = "greylist queue is full (not flushed)";
		return STORE_TEMPFAIL;
	}
	if (settings->enabled) {
		bool listed = false;
		ret =
		    greylist_whitelist_find(txn, &queue->summary, net, &listed);
		if (ret == STORE_OK && listed) {
			greylist_whitelisted_result(result_r);
			return STORE_OK;
		}
	}
	if (ret == STORE_OK && settings->enabled && settings->awl_clients > 0) {
		greylist_awl_key(net, &awl_key);
		ret =
		    greylist_lookup_awl(txn, queue, &awl_key, &awl, &have_awl);
	}
	if (ret == STORE_OK && settings->enabled &&
	    !greylist_awl_listed(settings, have_awl ? &awl : NULL, now)) {
		greylist_triplet_key(net, sender, sender_len, recipient,
				     recipient_len, &key);
		ret = greylist_lookup(txn, queue, &key, &entry, &have_entry);
	}
	if (ret != STORE_OK) {
		*error_r = store_txn_error(txn);
		return ret;
	}
	greylist_check(settings, have_entry ? &entry : NULL,
		       have_awl ? &awl : NULL, now, result_r);
	/* Room for both was checked above. */
	if (result_r->put_triplet)
		greylist_queue_put(queue, &key, &result_r->triplet);
	if (result_r->put_awl)
		greylist_queue_put_awl(queue, &awl_key, &result_r->awl);
	return STORE_OK;
}
