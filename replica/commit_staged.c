/* commit_staged: a commit larger than one etcd transaction, written under
 * a new generation and switched to in one; see commit.h and layout.h. */
#include "commit_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* A generation no one else picks: random, 1 to 10^18. */
static uint64_t staged_generation(void)
{
	uint64_t g = 0;

	if (getrandom(&g, sizeof(g), 0) != sizeof(g))
		g = (uint64_t)time(NULL) * 2654435761u;
	return 1 + g % 1000000000000000000ull;
}

/* One chunk of rows; a transaction that only puts, guarded by P"seq". */
static int staged_send_chunk(struct etcd *etcd, const char *seq_key,
			     const char *base, struct json_object *success,
			     char **error_r)
{
	struct json_object *req = commit_txn(seq_key, base, success), *resp;
	struct json_object *flag;
	struct etcd_error error;
	int ret = REPLICA_COMMITTED;

	if (etcd_call_long(etcd, "kv/txn", req, commit_timeout(req), &resp,
			   &error) < 0) {
		*error_r = commit_errorf("writing the new generation: %s",
					 error.message);
		ret = REPLICA_FAILED;
	} else {
		if (!json_object_object_get_ex(resp, "succeeded", &flag) ||
		    !json_object_get_boolean(flag)) {
			*error_r = commit_errorf(
			    "another commit reached etcd while the new "
			    "generation was written");
			ret = REPLICA_CONFLICT;
		}
		json_object_put(resp);
	}
	json_object_put(req);
	return ret;
}

/* Writes the rows under generation, max_ops and max_bytes a chunk. */
static int staged_write(struct etcd *etcd, const struct replica_commit *c,
			const char *seq_key, uint64_t generation,
			const struct store_changes *rows, char **error_r)
{
	struct json_object *success = json_object_new_array();
	size_t ops = 0, bytes = 1024;
	int ret = REPLICA_COMMITTED;

	for (size_t i = 0; i < rows->count && ret == REPLICA_COMMITTED; i++) {
		const struct store_change *row = &rows->items[i];

		if (row->deleted)
			continue;
		json_object_array_add(
		    success, commit_change(c->prefix, generation, row));
		ops++;
		bytes += commit_row_bytes(row);
		if (ops + 1 < c->max_ops && bytes < c->max_bytes &&
		    i + 1 < rows->count)
			continue;
		ret = staged_send_chunk(etcd, seq_key, c->base_seq, success,
					error_r);
		success = json_object_new_array();
		ops = 0;
		bytes = 1024;
	}
	if (ret == REPLICA_COMMITTED && ops > 0)
		ret = staged_send_chunk(etcd, seq_key, c->base_seq, success,
					error_r);
	else
		json_object_put(success);
	return ret;
}

/* P"gen" = generation and P"seq" = next, guarded by P"seq" == base. */
static int staged_switch(struct etcd *etcd, const struct replica_commit *c,
			 const char *seq_key, uint64_t generation,
			 const char *next, uint64_t *revision_r, char **error_r)
{
	struct json_object *success = json_object_new_array(), *req;
	char *gen_key = replica_gen_key(c->prefix);
	char gen[32];
	int ret;

	snprintf(gen, sizeof(gen), "%llu", (unsigned long long)generation);
	json_object_array_add(
	    success, commit_put(gen_key, strlen(gen_key), gen, strlen(gen)));
	json_object_array_add(
	    success, commit_put(seq_key, strlen(seq_key), next, strlen(next)));
	req = commit_txn(seq_key, c->base_seq, success);
	ret = commit_send(etcd, seq_key, c->base_seq, next, req, 0, revision_r,
			  error_r);
	json_object_put(req);
	free(gen_key);
	return ret;
}

static struct json_object *staged_delete_range(const char *from,
					       size_t from_len, const char *to,
					       size_t to_len)
{
	struct json_object *op = json_object_new_object();
	struct json_object *del = json_object_new_object();

	json_object_object_add(del, "key", etcd_json_bytes(from, from_len));
	json_object_object_add(del, "range_end", etcd_json_bytes(to, to_len));
	json_object_object_add(op, "request_delete_range", del);
	return op;
}

/* Deletes the generation replaced, while P"seq" == next. Only that one:
 * another admin's staged commit may be writing its own generation now
 * (its chunks compare P"seq" with the same value). A failure, or a
 * staged commit interrupted before its switch, leaves rows of a
 * generation no one reads (README: "Many hosts"). */
static void staged_cleanup(struct etcd *etcd, const struct replica_commit *c,
			   const char *seq_key, const char *next)
{
	char *old = replica_gen_prefix(c->prefix, c->generation), *old_end;
	size_t old_end_len;
	struct json_object *success = json_object_new_array(), *req, *resp;
	struct etcd_error error;

	old_end = replica_prefix_end(old, &old_end_len);
	json_object_array_add(
	    success,
	    staged_delete_range(old, strlen(old), old_end, old_end_len));
	req = commit_txn(seq_key, next, success);
	if (etcd_call_long(etcd, "kv/txn", req, 60000, &resp, &error) == 0)
		json_object_put(resp);
	json_object_put(req);
	free(old);
	free(old_end);
}

int replica_commit_staged(struct etcd *etcd, const struct replica_commit *c,
			  const struct store_changes *rows,
			  uint64_t *revision_r, char **error_r)
{
	uint64_t generation = staged_generation();
	char *seq_key = replica_seq_key(c->prefix);
	char next[REPLICA_SEQ_MAX];
	int ret;

	replica_next_seq(c->base_seq, next, sizeof(next));
	ret = staged_write(etcd, c, seq_key, generation, rows, error_r);
	if (ret == REPLICA_COMMITTED)
		ret = staged_switch(etcd, c, seq_key, generation, next,
				    revision_r, error_r);
	if (ret == REPLICA_COMMITTED)
		staged_cleanup(etcd, c, seq_key, next);
	free(seq_key);
	return ret;
}
