/*
 * metrics_http: the "metrics" listeners (mailmapd.conf(5)): HTTP GET
 * /metrics answers the Prometheus text exposition format (version 0.0.4)
 * of metrics.h's counts, summed over the workers, and of what the main
 * loop knows: greylisting's write queue and sweeps, the state store's
 * size and free pages. Served by the main thread's loop with libevent's
 * HTTP server (a scrape is rare, and off the workers' request path). A
 * client outside a TCP listener's allow list gets 403; another path 404;
 * a method other than GET or HEAD 405. Requests are bounded: 8 KiB of
 * headers, no body, 10 s.
 */
#ifndef MAILMAP_METRICS_HTTP_H
#define MAILMAP_METRICS_HTTP_H

#include <event2/event.h>

struct server;
struct metrics_http;

/* Serves the server's metrics listeners on base; NULL when it has none.
 * -1 (logged) when one cannot be served. */
int metrics_http_start(struct server *server, struct event_base *base,
		       struct metrics_http **http_r);
void metrics_http_free(struct metrics_http **http);

#endif
