/*
 * status: `mailmapctl status [--json]`, what mailmapd is doing, read from
 * its metrics listener (daemon/metrics_http.h): requests and outcomes by
 * protocol and name with their median and 99th percentile (bucket upper
 * bounds), connections per listener, store errors, greylisting's queue
 * and sweeps, the state store's space. Exit 0; 1 without a metrics
 * listener in the configuration; 75 when mailmapd does not answer.
 */
#ifndef MAILMAP_STATUS_H
#define MAILMAP_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "ctl.h"

#define STATUS_LABELS_MAX 6

struct status_label {
	char name[32];
	char value[256];
};

/* One sample of the exposition: name{labels} value. */
struct status_sample {
	char name[96];
	struct status_label labels[STATUS_LABELS_MAX];
	size_t label_count;
	double value;
};

/* status_fetch.c */
/* The configuration's first metrics listener, or NULL. */
const struct config_listener *status_listener(const struct config *config);
/* GET /metrics from it: 0 with *text_r (malloc'ed) and where (the URL or
 * the socket, for messages), or -1 with a static *error_r. */
int status_fetch(const struct config_listener *listener, char **text_r,
		 char *where, size_t where_size, const char **error_r);
/* The samples of text (changed in place): their count, *samples_r
 * malloc'ed. */
size_t status_parse(char *text, struct status_sample **samples_r);
/* A label's value, "" when the sample has none. */
const char *status_label(const struct status_sample *s, const char *name);

/* status.c: `mailmapctl status`. */
int status_main(struct ctl *ctl, int argc, char **argv);

#endif
