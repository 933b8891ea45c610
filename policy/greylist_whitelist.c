/* greylist_whitelist: the manual whitelist of client networks and its
 * summary; see greylist_store.h. */
#include "greylist_store_internal.h"

/* The manual whitelist */

/* Rewrites the summary from the 'W' entries (deleted when there are
 * none). Admin writes only: a scan of the whitelist's own range. */
static int greylist_summary_rebuild(struct store_txn *txn)
{
	static const unsigned char tag = GREYLIST_TAG_WHITELIST;
	struct greylist_summary summary = {0};
	unsigned char value[GREYLIST_SUMMARY_LEN];
	struct greylist_key key;
	struct greylist_net net;
	struct store_iter iter;
	struct store_val k, v;
	size_t entries = 0;
	int ret = store_iter_open(txn, STORE_GREYLIST, &tag, 1, &iter);

	while (ret == STORE_OK && (ret = store_iter_next(&iter, &k, &v)) == 1) {
		ret = STORE_OK;
		if (greylist_key_net_decode(k.data, k.len, &net) == 0)
			continue; /* the summary itself */
		greylist_summary_add(&summary, &net);
		entries++;
	}
	store_iter_close(&iter);
	if (ret < 0)
		return ret;
	greylist_summary_key(&key);
	if (entries == 0) {
		ret = store_del(txn, STORE_GREYLIST, key.data, key.len, NULL);
		return ret == STORE_NOTFOUND ? STORE_OK : ret;
	}
	greylist_summary_encode(&summary, value);
	return store_put(txn, STORE_GREYLIST, key.data, key.len, value,
			 sizeof(value), 0);
}

int greylist_whitelist_add(struct store_txn *txn,
			   const struct greylist_net *net,
			   const struct greylist_whitelist *entry)
{
	unsigned char value[GREYLIST_WHITELIST_VALUE_MAX];
	size_t len = greylist_whitelist_encode(entry, value);
	struct greylist_key key;
	int ret;

	greylist_whitelist_key(net, &key);
	ret = store_put(txn, STORE_GREYLIST, key.data, key.len, value, len,
			STORE_PUT_NEW);
	return ret == STORE_OK ? greylist_summary_rebuild(txn) : ret;
}

int greylist_whitelist_del(struct store_txn *txn,
			   const struct greylist_net *net)
{
	struct greylist_key key;
	int ret;

	greylist_whitelist_key(net, &key);
	ret = store_del(txn, STORE_GREYLIST, key.data, key.len, NULL);
	return ret == STORE_OK ? greylist_summary_rebuild(txn) : ret;
}

/* The summary of the whitelist: *present_r false when there is none. */
static int greylist_summary_read(struct store_txn *txn,
				 struct greylist_summary *summary_r,
				 bool *present_r)
{
	struct greylist_key key;
	struct store_val value;
	int ret;

	greylist_summary_key(&key);
	ret = store_get(txn, STORE_GREYLIST, key.data, key.len, &value);
	*present_r = ret == STORE_OK &&
		     greylist_summary_decode(value.data, value.len, summary_r);
	return ret == STORE_NOTFOUND ? STORE_OK : ret;
}

/* Is the client inside an entry, at one of the summary's prefixes? */
static int greylist_whitelist_match(struct store_txn *txn,
				    const struct greylist_summary *summary,
				    const struct greylist_net *client,
				    bool *listed_r)
{
	struct greylist_whitelist entry;
	struct greylist_key key;
	struct greylist_net net;
	struct store_val value;
	int ret;

	*listed_r = false;
	for (int prefix = client->family == 4 ? 32 : 128; prefix >= 0;
	     prefix--) {
		if (!greylist_summary_has(summary, client->family,
					  (unsigned)prefix) ||
		    greylist_net_widen(client, (unsigned)prefix, &net) < 0)
			continue;
		greylist_whitelist_key(&net, &key);
		ret = store_get(txn, STORE_GREYLIST, key.data, key.len, &value);
		if (ret == STORE_NOTFOUND)
			continue;
		if (ret != STORE_OK)
			return ret;
		if (greylist_whitelist_decode(value.data, value.len, &entry)) {
			*listed_r = true;
			break;
		}
	}
	return STORE_OK;
}

int greylist_whitelist_find(struct store_txn *txn,
			    struct greylist_summary_cache *cache,
			    const struct greylist_net *client, bool *listed_r)
{
	uint64_t snapshot = store_txn_snapshot(txn);
	int ret;

	*listed_r = false;
	if (!cache->read || cache->snapshot != snapshot) {
		ret = greylist_summary_read(txn, &cache->summary,
					    &cache->present);
		if (ret != STORE_OK)
			return ret;
		cache->read = true;
		cache->snapshot = snapshot;
	}
	if (!cache->present)
		return STORE_OK;
	return greylist_whitelist_match(txn, &cache->summary, client, listed_r);
}
