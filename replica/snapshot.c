/* snapshot: the whole prefix of etcd at one revision, and a replica
 * compared with it; see snapshot.h. */
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLICA_PAGE	 10000 /* keys per range request */
#define SNAPSHOT_PAGE_MS 30000 /* time one page may take */

void replica_range(struct json_object *req, const char *prefix)
{
	size_t end_len;
	char *end = replica_prefix_end(prefix, &end_len);

	json_object_object_add(req, "key",
			       etcd_json_bytes(prefix, strlen(prefix)));
	json_object_object_add(req, "range_end", etcd_json_bytes(end, end_len));
	free(end);
}

const char *replica_cluster_of(struct json_object *response)
{
	struct json_object *header;

	if (!json_object_object_get_ex(response, "header", &header))
		return "";
	return etcd_json_get_string(header, "cluster_id");
}

/* One page of the prefix at revision (0: the current one). */
static int bootstrap_page(struct etcd *etcd, const char *prefix,
			  const char *from, size_t from_len, uint64_t revision,
			  struct json_object **resp_r, struct etcd_error *error)
{
	struct json_object *req = json_object_new_object();
	int ret;

	replica_range(req, prefix);
	if (from != NULL)
		json_object_object_add(req, "key",
				       etcd_json_bytes(from, from_len));
	json_object_object_add(req, "limit",
			       json_object_new_int64(REPLICA_PAGE));
	if (revision != 0)
		json_object_object_add(
		    req, "revision", json_object_new_int64((int64_t)revision));
	/* 10 000 keys may take longer than one small call */
	ret = etcd_call_long(etcd, "kv/range", req, SNAPSHOT_PAGE_MS, resp_r,
			     error);
	json_object_put(req);
	return ret;
}

/* The next page starts just past the last key read. */
static char *bootstrap_next_key(const struct replica_kvs *kvs, size_t *len_r)
{
	const struct replica_kv *last = &kvs->items[kvs->count - 1];
	char *next = malloc(last->key_len + 1);

	if (next == NULL)
		abort();
	memcpy(next, last->key, last->key_len);
	next[last->key_len] = '\0';
	*len_r = last->key_len + 1;
	return next;
}

/* The rows of one generation at mark->revision into kvs. */
static int read_rows(struct etcd *etcd, const char *gen_prefix,
		     struct replica_kvs *kvs, const struct replica_mark *mark,
		     struct etcd_error *error)
{
	char *from = NULL;
	size_t from_len = 0;
	bool more = true;

	while (more) {
		struct json_object *resp, *array, *more_obj;
		int ret = bootstrap_page(etcd, gen_prefix, from, from_len,
					 mark->revision, &resp, error);

		free(from);
		from = NULL;
		if (ret < 0)
			return -1;
		more = json_object_object_get_ex(resp, "more", &more_obj) &&
		       json_object_get_boolean(more_obj);
		if (json_object_object_get_ex(resp, "kvs", &array))
			ret = replica_kvs_add_json(kvs, array, false);
		json_object_put(resp);
		if (ret < 0) {
			error->code = ETCD_TRANSPORT;
			snprintf(error->message, sizeof(error->message),
				 "etcd sent a key that is not base64");
			return -1;
		}
		if (more && kvs->count > 0)
			from = bootstrap_next_key(kvs, &from_len);
		more = more && from != NULL;
	}
	return 0;
}

/* P "gen" and P "seq" (adjacent keys) at revision (0: the latest): the
 * mark but for the rows. */
static int read_head(struct etcd *etcd, const char *prefix,
		     struct replica_mark *mark, struct etcd_error *error)
{
	struct json_object *req = json_object_new_object(), *resp, *kvs;
	char *gen = replica_gen_key(prefix), *seq = replica_seq_key(prefix);
	int ret;

	json_object_object_add(req, "key", etcd_json_bytes(gen, strlen(gen)));
	json_object_object_add(req, "range_end",
			       etcd_json_bytes(seq, strlen(seq) + 1));
	if (mark->revision != 0)
		json_object_object_add(
		    req, "revision",
		    json_object_new_int64((int64_t)mark->revision));
	ret = etcd_call(etcd, "kv/range", req, &resp, error);
	json_object_put(req);
	if (ret == 0 && mark->revision == 0)
		mark->revision = etcd_json_revision(resp);
	if (ret == 0)
		snprintf(mark->source, sizeof(mark->source), "%s %s",
			 replica_cluster_of(resp), prefix);
	for (size_t i = 0;
	     ret == 0 && json_object_object_get_ex(resp, "kvs", &kvs) &&
	     i < json_object_array_length(kvs);
	     i++) {
		struct json_object *kv = json_object_array_get_idx(kvs, i);
		char *key, *value;
		size_t key_len, value_len;

		if (etcd_json_get_bytes(kv, "key", &key, &key_len) < 0)
			continue;
		if (etcd_json_get_bytes(kv, "value", &value, &value_len) == 0) {
			if (strcmp(key, gen) == 0)
				mark->generation = strtoull(value, NULL, 10);
			else if (strcmp(key, seq) == 0)
				snprintf(mark->seq, sizeof(mark->seq), "%s",
					 value);
			free(value);
		}
		free(key);
	}
	if (ret == 0)
		json_object_put(resp);
	free(gen);
	free(seq);
	return ret;
}

int replica_read_prefix(struct etcd *etcd, const char *prefix,
			uint64_t revision, struct replica_kvs *kvs,
			struct replica_mark *mark, struct etcd_error *error)
{
	char *gen_prefix;
	int ret;

	memset(mark, 0, sizeof(*mark));
	mark->revision = revision;
	if (read_head(etcd, prefix, mark, error) < 0)
		return -1;
	gen_prefix = replica_gen_prefix(prefix, mark->generation);
	ret = read_rows(etcd, gen_prefix, kvs, mark, error);
	free(gen_prefix);
	return ret;
}

static void diff_note(struct replica_diff *diff, const char *what,
		      enum store_table table, const void *key, size_t len)
{
	char shown[160];
	size_t n = 0;

	if (diff->differ++ > 0)
		return;
	for (size_t i = 0; i < len && n + 4 < sizeof(shown); i++) {
		unsigned char c = ((const unsigned char *)key)[i];
		n += (size_t)snprintf(shown + n, sizeof(shown) - n,
				      c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x",
				      c);
	}
	snprintf(diff->first, sizeof(diff->first), "%s %s %s", what,
		 store_table_name(table), shown);
}

/* Every row etcd holds, against the replica's. */
static void compare_rows(struct store_txn *txn, const char *prefix,
			 uint64_t generation, const struct replica_kvs *kvs,
			 struct replica_diff *diff)
{
	for (size_t i = 0; i < kvs->count; i++) {
		const struct replica_kv *kv = &kvs->items[i];
		struct replica_row row;
		struct store_val v;

		if (replica_key_parse(prefix, generation, kv->key, kv->key_len,
				      &row) != REPLICA_KEY_ROW)
			continue;
		diff->rows++;
		if (row.dup != NULL) {
			if (store_has_dup(txn, row.table, row.key, row.key_len,
					  row.dup, row.dup_len) != 1) {
				diff->missing++;
				diff_note(diff, "missing", row.table, row.key,
					  row.key_len);
			}
			continue;
		}
		if (store_get(txn, row.table, row.key, row.key_len, &v) !=
		    STORE_OK) {
			diff->missing++;
			diff_note(diff, "missing", row.table, row.key,
				  row.key_len);
		} else if (v.len != kv->value_len ||
			   memcmp(v.data, kv->value, v.len) != 0)
			diff_note(diff, "differs", row.table, row.key,
				  row.key_len);
	}
}

/* Rows of the replica (meta aside): more than etcd's means extra ones. */
static int compare_count_row(enum store_table table,
			     const struct store_val *key,
			     const struct store_val *value, void *context)
{
	(void)table, (void)key, (void)value;
	(*(size_t *)context)++;
	return 0;
}

static size_t compare_count_local(struct store_txn *txn)
{
	size_t count = 0;

	replica_rows_each(txn, compare_count_row, &count);
	return count;
}

static char *snapshot_errorf(const char *what, const char *why)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s: %s", what, why);
	return strdup(buf);
}

int replica_compare(struct etcd *etcd, const char *prefix, struct store *store,
		    struct replica_diff *diff, char **error_r)
{
	struct replica_kvs kvs = {0};
	struct replica_mark mark, read;
	struct store_reader *reader = NULL;
	struct store_txn *txn;
	struct etcd_error error;
	const char *serror;
	size_t local;

	memset(diff, 0, sizeof(*diff));
	if (store_reader_new(store, &reader, &serror) != STORE_OK ||
	    store_read_begin(reader, &txn, &serror) != STORE_OK ||
	    replica_mark_read(txn, &mark) != STORE_OK) {
		*error_r = snapshot_errorf("replica", serror);
		store_reader_free(&reader);
		return -1;
	}
	if (mark.revision == 0) {
		*error_r =
		    strdup("this host's store was never filled from etcd");
		store_reader_free(&reader);
		return -1;
	}
	if (replica_read_prefix(etcd, prefix, mark.revision, &kvs, &read,
				&error) < 0) {
		*error_r = snapshot_errorf("etcd", error.message);
		store_reader_free(&reader);
		replica_kvs_free(&kvs);
		return -1;
	}
	diff->revision = mark.revision;
	compare_rows(txn, prefix, mark.generation, &kvs, diff);
	if (read.generation != mark.generation ||
	    strcmp(read.seq, mark.seq) != 0) {
		if (diff->differ == 0)
			snprintf(diff->first, sizeof(diff->first),
				 "etcd's generation and sequence (%llu, %.60s) "
				 "are not the replica's (%llu, %.60s)",
				 (unsigned long long)read.generation, read.seq,
				 (unsigned long long)mark.generation, mark.seq);
		diff->differ++;
	}
	local = compare_count_local(txn);
	if (local > diff->rows - diff->missing) {
		if (diff->differ == 0)
			snprintf(diff->first, sizeof(diff->first),
				 "extra rows in the replica");
		diff->differ += local - (diff->rows - diff->missing);
	}
	store_reader_free(&reader);
	replica_kvs_free(&kvs);
	return 0;
}
