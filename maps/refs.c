/* refs: reverse index over the refs table; see refs.h and keyspace.h. */
#include "refs.h"

#include <stdbool.h>
#include <string.h>

#include "names.h"

/* kind(1) + name + NUL + kind(1) */
#define REFS_KEY_MAX (1 + NAMES_ADDRESS_MAX + 1 + 1)

static size_t refs_key(char *out, enum ref_kind to_kind, const char *to,
		       enum ref_kind from_kind)
{
	size_t len = strlen(to);

	if (len > NAMES_ADDRESS_MAX)
		len = NAMES_ADDRESS_MAX;
	out[0] = (char)to_kind;
	memcpy(out + 1, to, len);
	out[1 + len] = '\0';
	out[2 + len] = (char)from_kind;
	return from_kind == REF_ANY ? 2 + len : 3 + len;
}

int refs_add(struct store_txn *txn, enum ref_kind to_kind, const char *to,
	     enum ref_kind from_kind, const char *from)
{
	char key[REFS_KEY_MAX];
	size_t len = refs_key(key, to_kind, to, from_kind);

	return store_put(txn, STORE_REFS, key, len, from, strlen(from), 0);
}

int refs_del(struct store_txn *txn, enum ref_kind to_kind, const char *to,
	     enum ref_kind from_kind, const char *from)
{
	char key[REFS_KEY_MAX];
	size_t len = refs_key(key, to_kind, to, from_kind);
	struct store_val dup = {from, strlen(from)};
	int ret = store_del(txn, STORE_REFS, key, len, &dup);

	return ret == STORE_NOTFOUND ? STORE_OK : ret;
}

int refs_count(struct store_txn *txn, enum ref_kind to_kind, const char *to,
	       enum ref_kind from_kind, size_t *count_r)
{
	char key[REFS_KEY_MAX];
	size_t len = refs_key(key, to_kind, to, from_kind);

	return store_count_dups(txn, STORE_REFS, key, len, count_r);
}

int refs_each(struct store_txn *txn, enum ref_kind to_kind, const char *to,
	      enum ref_kind from_kind, refs_fn *fn, void *context)
{
	char key[REFS_KEY_MAX];
	size_t len = refs_key(key, to_kind, to, from_kind);
	struct store_iter iter;
	struct store_val k, v;
	int ret = store_iter_open(txn, STORE_REFS, key, len, &iter);

	while (ret == STORE_OK && (ret = store_iter_next(&iter, &k, &v)) == 1) {
		const char *kbytes = k.data;
		ret = fn(context, (enum ref_kind)kbytes[k.len - 1], v.data,
			 v.len);
	}
	store_iter_close(&iter);
	return ret < 0 ? ret : (ret == 0 ? STORE_OK : ret);
}

int refs_each_recipient(struct store_txn *txn, const char *prefix,
			refs_target_fn *fn, void *context)
{
	char key[REFS_KEY_MAX];
	size_t len = strlen(prefix);
	struct store_iter iter;
	struct store_val k, v;
	int ret;

	if (len > NAMES_ADDRESS_MAX)
		return STORE_OK; /* no such target */
	key[0] = (char)REF_RECIPIENT;
	memcpy(key + 1, prefix, len);
	ret = store_iter_open(txn, STORE_REFS, key, 1 + len, &iter);
	while (ret == STORE_OK && (ret = store_iter_next(&iter, &k, &v)) == 1) {
		const char *kbytes = k.data;
		/* 'R' to NUL from-kind */
		ret = fn(context, kbytes + 1, k.len - 3,
			 (enum ref_kind)kbytes[k.len - 1], v.data, v.len);
	}
	store_iter_close(&iter);
	return ret < 0 ? ret : (ret == 0 ? STORE_OK : ret);
}

const char *refs_kind_name(enum ref_kind kind, size_t count)
{
	bool one = count == 1;

	switch (kind) {
	case REF_CUSTOMER:
		return one ? "customer" : "customers";
	case REF_OFFER:
		return one ? "offer" : "offers";
	case REF_DOMAIN:
		return one ? "domain" : "domains";
	case REF_ALIAS_DOMAIN:
		return one ? "alias domain" : "alias domains";
	case REF_MAILBOX:
		return one ? "mailbox" : "mailboxes";
	case REF_EXTRA:
		return one ? "extra address" : "extra addresses";
	case REF_ALIAS:
		return one ? "alias" : "aliases";
	case REF_SERVER:
		return one ? "server" : "servers";
	case REF_RECIPIENT:
		return one ? "target" : "targets";
	default:
		return "object";
	}
}
