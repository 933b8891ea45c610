/* commit: one mailmapctl command as one etcd transaction; see commit.h. */
#include "commit_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

char *commit_errorf(const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return strdup(buf);
}

void replica_next_seq(const char *base, char *out, size_t size)
{
	unsigned long long n = strtoull(base, NULL, 10);
	char host[64] = "";
	uint32_t nonce = 0;

	gethostname(host, sizeof(host) - 1);
	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
		nonce = (uint32_t)getpid() * 2654435761u;
	snprintf(out, size, "%llu %.40s:%ld:%08" PRIx32, n + 1, host,
		 (long)getpid(), nonce);
}

struct json_object *commit_put(const char *key, size_t key_len,
			       const void *value, size_t value_len)
{
	struct json_object *op = json_object_new_object();
	struct json_object *put = json_object_new_object();

	json_object_object_add(put, "key", etcd_json_bytes(key, key_len));
	json_object_object_add(put, "value", etcd_json_bytes(value, value_len));
	json_object_object_add(op, "request_put", put);
	return op;
}

struct json_object *commit_delete(const char *key, size_t key_len)
{
	struct json_object *op = json_object_new_object();
	struct json_object *del = json_object_new_object();

	json_object_object_add(del, "key", etcd_json_bytes(key, key_len));
	json_object_object_add(op, "request_delete_range", del);
	return op;
}

struct json_object *commit_change(const char *prefix, uint64_t generation,
				  const struct store_change *c)
{
	bool dup = store_table_is_dup(c->table);
	size_t len;
	char *key =
	    replica_row_key(prefix, generation, c->table, c->key, c->key_len,
			    dup ? c->value : NULL, c->value_len, &len);
	struct json_object *op = c->deleted
				     ? commit_delete(key, len)
				     : commit_put(key, len, dup ? "" : c->value,
						  dup ? 0 : c->value_len);

	free(key);
	return op;
}

/* A transaction: compare P"seq" == base (absent when base is ""), then
 * success (consumed), else read P"seq". */
struct json_object *commit_txn(const char *seq_key, const char *base,
			       struct json_object *success)
{
	struct json_object *req = json_object_new_object();
	struct json_object *cmp = json_object_new_object();
	struct json_object *compares = json_object_new_array();
	struct json_object *failure = json_object_new_array();
	struct json_object *range = json_object_new_object();
	struct json_object *read = json_object_new_object();

	json_object_object_add(cmp, "key",
			       etcd_json_bytes(seq_key, strlen(seq_key)));
	json_object_object_add(cmp, "result", json_object_new_string("EQUAL"));
	if (base[0] == '\0') {
		json_object_object_add(cmp, "target",
				       json_object_new_string("VERSION"));
		json_object_object_add(cmp, "version", json_object_new_int(0));
	} else {
		json_object_object_add(cmp, "target",
				       json_object_new_string("VALUE"));
		json_object_object_add(cmp, "value",
				       etcd_json_bytes(base, strlen(base)));
	}
	json_object_array_add(compares, cmp);
	json_object_object_add(range, "key",
			       etcd_json_bytes(seq_key, strlen(seq_key)));
	json_object_object_add(read, "request_range", range);
	json_object_array_add(failure, read);
	json_object_object_add(req, "compare", compares);
	json_object_object_add(req, "success", success);
	json_object_object_add(req, "failure", failure);
	return req;
}

/* P"seq"'s value and revision in a range response ("" and 0: absent). */
static void commit_seq_of(struct json_object *range, char *value, size_t size,
			  uint64_t *revision_r)
{
	struct json_object *kvs, *kv;
	char *data = NULL;
	size_t len = 0;

	value[0] = '\0';
	*revision_r = 0;
	if (!json_object_object_get_ex(range, "kvs", &kvs) ||
	    json_object_array_length(kvs) == 0)
		return;
	kv = json_object_array_get_idx(kvs, 0);
	*revision_r = etcd_json_get_u64(kv, "mod_revision");
	if (etcd_json_get_bytes(kv, "value", &data, &len) == 0)
		snprintf(value, size, "%.*s", (int)len, data);
	free(data);
}

/* Reads P"seq" on its own. */
static int commit_read_seq(struct etcd *etcd, const char *seq_key, char *value,
			   size_t size, uint64_t *revision_r,
			   struct etcd_error *error)
{
	struct json_object *req = json_object_new_object(), *resp;
	int ret;

	json_object_object_add(req, "key",
			       etcd_json_bytes(seq_key, strlen(seq_key)));
	ret = etcd_call(etcd, "kv/range", req, &resp, error);
	json_object_put(req);
	if (ret == 0) {
		commit_seq_of(resp, value, size, revision_r);
		json_object_put(resp);
	}
	return ret;
}

/* What a failed compare found: our own commit (its answer lost on the
 * way, the request sent again), or someone else's. */
static int commit_compare_failed(struct json_object *resp, const char *next,
				 uint64_t *revision_r, char **error_r)
{
	struct json_object *responses, *first, *range;
	char seq[REPLICA_SEQ_MAX];

	seq[0] = '\0';
	if (json_object_object_get_ex(resp, "responses", &responses) &&
	    (first = json_object_array_get_idx(responses, 0)) != NULL &&
	    json_object_object_get_ex(first, "response_range", &range))
		commit_seq_of(range, seq, sizeof(seq), revision_r);
	if (strcmp(seq, next) == 0)
		return REPLICA_COMMITTED;
	*error_r = commit_errorf("another commit (%s) reached etcd first",
				 seq[0] != '\0' ? seq : "none");
	return REPLICA_CONFLICT;
}

static bool commit_succeeded(struct json_object *resp)
{
	struct json_object *flag;

	return json_object_object_get_ex(resp, "succeeded", &flag) &&
	       json_object_get_boolean(flag);
}

/* After a call that got no answer: did it apply? */
static int commit_unknown(struct etcd *etcd, const char *seq_key,
			  const char *base, const char *next,
			  uint64_t *revision_r, const struct etcd_error *sent,
			  char **error_r)
{
	char seq[REPLICA_SEQ_MAX];
	struct etcd_error error;

	if (commit_read_seq(etcd, seq_key, seq, sizeof(seq), revision_r,
			    &error) < 0) {
		*error_r = commit_errorf(
		    "%s; and etcd cannot tell whether the commit applied (%s):"
		    " run the command again once etcd answers (it is checked "
		    "anew: it never applies twice)",
		    sent->message, error.message);
		return REPLICA_FAILED;
	}
	if (strcmp(seq, next) == 0)
		return REPLICA_COMMITTED;
	if (strcmp(seq, base) == 0)
		return 2; /* not applied: send it again */
	/* ours may have applied, and another commit after it: checking the
	 * command again could apply it twice */
	*error_r = commit_errorf(
	    "%s; etcd has moved on since (%s): the commit may or may not have "
	    "applied, look (mailmapctl ... show) before running it again",
	    sent->message, seq);
	return REPLICA_FAILED;
}

static char *commit_refused(const struct etcd_error *error)
{
	const char *hint = "";

	if (strstr(error->message, "too many operations") != NULL ||
	    strstr(error->message, "too large") != NULL)
		hint = " (raise etcd's --max-txn-ops and --max-request-bytes:"
		       " README, \"Many hosts\")";
	return commit_errorf("%s%s", error->message, hint);
}

/* Sends a transaction that ends in P"seq" = next: committed (also when
 * its answer was lost and the request sent again), a conflict, or a
 * failure. */
int commit_send(struct etcd *etcd, const char *seq_key, const char *base,
		const char *next, struct json_object *req, unsigned timeout_ms,
		uint64_t *revision_r, char **error_r)
{
	struct etcd_error error = {0, ""};
	struct json_object *resp;
	int ret = 2;

	for (int attempt = 0; ret == 2 && attempt < COMMIT_ATTEMPTS;
	     attempt++) {
		/* sent once: a lost answer is looked up, never resent blind */
		if (etcd_call_once(etcd, "kv/txn", req, timeout_ms, &resp,
				   &error) < 0) {
			ret = error.code == ETCD_TRANSPORT ||
				      error.code == ETCD_DEADLINE ||
				      error.code == ETCD_UNAVAILABLE
				  ? commit_unknown(etcd, seq_key, base, next,
						   revision_r, &error, error_r)
				  : REPLICA_FAILED;
			if (ret == REPLICA_FAILED && *error_r == NULL)
				*error_r = commit_refused(&error);
			continue;
		}
		if (commit_succeeded(resp)) {
			*revision_r = etcd_json_revision(resp);
			ret = REPLICA_COMMITTED;
		} else {
			ret = commit_compare_failed(resp, next, revision_r,
						    error_r);
		}
		json_object_put(resp);
	}
	if (ret == 2)
		*error_r = commit_errorf("%s (tried %d times)", error.message,
					 COMMIT_ATTEMPTS);
	return ret;
}

/* Bytes a row adds to a request: base64 of key and value, and JSON. */
size_t commit_row_bytes(const struct store_change *c)
{
	return (c->key_len + c->value_len) * 4 / 3 + 128;
}

bool replica_commit_fits(const struct replica_commit *c,
			 const struct store_changes *changes)
{
	size_t bytes = 1024;

	if (changes->count + 1 > c->max_ops)
		return false;
	for (size_t i = 0; i < changes->count; i++)
		bytes += commit_row_bytes(&changes->items[i]);
	return bytes <= c->max_bytes;
}

unsigned commit_timeout(struct json_object *req)
{
	size_t bytes =
	    strlen(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));

	return (unsigned)(bytes >> 20) * COMMIT_MS_PER_MIB;
}

int replica_commit(struct etcd *etcd, const struct replica_commit *c,
		   const struct store_changes *changes, uint64_t *revision_r,
		   char **error_r)
{
	char next[REPLICA_SEQ_MAX];
	char *seq_key = replica_seq_key(c->prefix);
	struct json_object *success = json_object_new_array(), *req;
	int ret;

	replica_next_seq(c->base_seq, next, sizeof(next));
	for (size_t i = 0; i < changes->count; i++)
		json_object_array_add(success,
				      commit_change(c->prefix, c->generation,
						    &changes->items[i]));
	json_object_array_add(
	    success, commit_put(seq_key, strlen(seq_key), next, strlen(next)));
	req = commit_txn(seq_key, c->base_seq, success);
	ret = commit_send(etcd, seq_key, c->base_seq, next, req,
			  commit_timeout(req), revision_r, error_r);
	json_object_put(req);
	free(seq_key);
	return ret;
}

int replica_latest(struct etcd *etcd, const char *prefix, uint64_t *revision_r,
		   char **error_r)
{
	char *seq_key = replica_seq_key(prefix);
	char seq[REPLICA_SEQ_MAX];
	struct etcd_error error;
	int ret = commit_read_seq(etcd, seq_key, seq, sizeof(seq), revision_r,
				  &error);

	free(seq_key);
	if (ret < 0)
		*error_r = strdup(error.message);
	return ret;
}
