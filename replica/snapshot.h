/*
 * snapshot: etcd's whole prefix at one revision (a bootstrap, a check),
 * read in pages of REPLICA_PAGE keys, every page at the revision of the
 * first; and a replica compared with it (`mailmapctl replica check`).
 */
#ifndef MAILMAP_REPLICA_SNAPSHOT_H
#define MAILMAP_REPLICA_SNAPSHOT_H

#include <json-c/json.h>
#include <stdint.h>

#include "apply.h"
#include "etcd.h"
#include "layout.h"

/* Adds the prefix as key and range_end to a request. */
void replica_range(struct json_object *req, const char *prefix);
/* The cluster id in a response's header, "" without. */
const char *replica_cluster_of(struct json_object *response);

/* Reads the prefix at revision (0: the latest) into kvs; the mark gets
 * the revision read, the source (cluster, prefix), not the sequence. 0,
 * or -1 with *error (ETCD_OUT_OF_RANGE: compacted). */
int replica_read_prefix(struct etcd *etcd, const char *prefix,
			uint64_t revision, struct replica_kvs *kvs,
			struct replica_mark *mark, struct etcd_error *error);

struct replica_diff {
	uint64_t revision; /* compared at */
	size_t rows;	   /* rows in etcd */
	size_t missing;	   /* rows of etcd the replica lacks */
	size_t differ;	   /* rows missing, extra or with another value */
	char first[256];   /* the first that differs, printable */
};

/* Compares the replica in store with etcd at the revision it holds.
 * 0 (diff filled), or -1 with *error_r (malloc'ed). */
int replica_compare(struct etcd *etcd, const char *prefix, struct store *store,
		    struct replica_diff *diff, char **error_r);

#endif
