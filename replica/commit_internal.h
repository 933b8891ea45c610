/* commit_internal: what commit.c (one transaction) and commit_staged.c (a
 * commit in several) share; see commit.h. */
#ifndef MAILMAP_REPLICA_COMMIT_INTERNAL_H
#define MAILMAP_REPLICA_COMMIT_INTERNAL_H

#include <json-c/json.h>

#include "commit.h"

#define COMMIT_ATTEMPTS 3
/* A large commit may take longer than one call: a second per MiB sent,
 * on top of replica.timeout_ms (etcd writes it to its log on a quorum). */
#define COMMIT_MS_PER_MIB 1000

char *commit_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Operations of a transaction's success list. */
struct json_object *commit_put(const char *key, size_t key_len,
			       const void *value, size_t value_len);
struct json_object *commit_delete(const char *key, size_t key_len);
/* A row put or deleted in a generation. */
struct json_object *commit_change(const char *prefix, uint64_t generation,
				  const struct store_change *c);
/* compare P"seq" == base (absent when base is ""), then success
 * (consumed), else read P"seq". */
struct json_object *commit_txn(const char *seq_key, const char *base,
			       struct json_object *success);
/* Sends a transaction ending in P"seq" = next; enum
 * replica_commit_result. */
int commit_send(struct etcd *etcd, const char *seq_key, const char *base,
		const char *next, struct json_object *req, unsigned timeout_ms,
		uint64_t *revision_r, char **error_r);
/* Bytes a row adds to a request. */
size_t commit_row_bytes(const struct store_change *c);
/* The time a request may take beyond replica.timeout_ms. */
unsigned commit_timeout(struct json_object *req);

#endif
