/* metrics_http: GET /metrics on the metrics listeners; see
 * metrics_http.h. */
#include "metrics_http.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "worker.h"

#define METRICS_HTTP_HEADERS_MAX 8192
#define METRICS_HTTP_TIMEOUT_S	 10

/* One HTTP server per metrics listener (its allow list applies). */
struct metrics_site {
	struct server *server;
	struct listener *listener;
	struct evhttp *http;
};

struct metrics_http {
	struct metrics_site *sites;
	size_t count;
};

/* The request listeners' names and series, for metrics_write(). */
static size_t metrics_http_listeners(struct server *server,
				     struct metrics_listener_info *info)
{
	struct listener *const *listeners;
	size_t count = server_listeners(server, &listeners);

	for (size_t i = 0; i < count && i < METRICS_LISTENERS_MAX; i++) {
		const struct proto *proto = listener_proto(listeners[i]);
		info[i].name = listener_name(listeners[i]);
		info[i].proto = proto != NULL ? proto->metrics : -1;
	}
	return count < METRICS_LISTENERS_MAX ? count : METRICS_LISTENERS_MAX;
}

static void metrics_http_greylist(FILE *out, struct server *server,
				  struct metrics_block *const *blocks,
				  size_t count)
{
	const struct server_sweep_stats *sweep = server_sweep(server);
	uint64_t queued = 0;

	for (size_t i = 0; i < count; i++)
		queued += atomic_load_explicit(&blocks[i]->greylist_queued,
					       memory_order_relaxed);
	metrics_write_single(out, "mailmap_greylist_queue_depth", "gauge",
			     "Greylisting triplets waiting to be written.",
			     (double)queued);
	metrics_write_single(out, "mailmap_greylist_sweeps_total", "counter",
			     "Sweeps of the greylisting table.",
			     (double)sweep->runs);
	metrics_write_single(out, "mailmap_greylist_sweep_failures_total",
			     "counter", "Sweeps stopped by a store error.",
			     (double)sweep->failures);
	metrics_write_single(out, "mailmap_greylist_swept_entries_total",
			     "counter", "Expired entries the sweeps removed.",
			     (double)sweep->removed);
	metrics_write_single(out, "mailmap_greylist_last_sweep_seconds",
			     "gauge",
			     "Unix time the last sweep ended (0: none yet).",
			     (double)sweep->last_end);
}

static void metrics_http_state(FILE *out, struct server *server)
{
	struct store *state = server_state_store(server);
	struct store_space space;

	if (state == NULL || store_space_get(state, &space) != STORE_OK)
		return;
	metrics_write_single(out, "mailmap_state_store_map_bytes", "gauge",
			     "Size the state store's map may reach.",
			     (double)space.map_size);
	metrics_write_single(out, "mailmap_state_store_used_bytes", "gauge",
			     "Bytes of the state store's pages in use or free.",
			     (double)space.used_bytes);
	metrics_write_single(out, "mailmap_state_store_free_pages", "gauge",
			     "Pages in the state store's free list.",
			     (double)space.free_pages);
	metrics_write_single(out, "mailmap_state_store_page_bytes", "gauge",
			     "The state store's page size.",
			     (double)space.page_size);
}

/* The whole exposition, into a malloc'ed text. */
static char *metrics_http_text(struct server *server, size_t *len_r)
{
	struct metrics_listener_info info[METRICS_LISTENERS_MAX];
	struct metrics_block *blocks[64];
	struct worker *const *workers;
	size_t count = server_workers(server, &workers);
	char *text = NULL;
	FILE *out = open_memstream(&text, len_r);

	if (out == NULL)
		return NULL;
	if (count > sizeof(blocks) / sizeof(blocks[0]))
		count = sizeof(blocks) / sizeof(blocks[0]);
	for (size_t i = 0; i < count; i++)
		blocks[i] = worker_metrics(workers[i]);
	fputs("# HELP mailmap_info The running mailmapd.\n"
	      "# TYPE mailmap_info gauge\n"
	      "mailmap_info{version=\"" MAILMAP_VERSION "\"} 1\n",
	      out);
	metrics_write(out, blocks, count, info,
		      metrics_http_listeners(server, info));
	metrics_http_greylist(out, server, blocks, count);
	metrics_http_state(out, server);
	metrics_write_replica(out, server_replica(server));
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static bool metrics_http_allowed(const struct metrics_site *site,
				 struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	const struct sockaddr *addr = evhttp_connection_get_addr(conn);
	struct sockaddr_storage ss;
	struct snapshot *snapshot;
	bool allowed;

	if (addr == NULL || addr->sa_family == AF_UNIX)
		return true;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, addr,
	       addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in));
	snapshot = snapshot_get(site->server);
	allowed =
	    listener_allows(site->listener, snapshot_config(snapshot), &ss);
	snapshot_put(snapshot);
	return allowed;
}

static void metrics_http_on_request(struct evhttp_request *req, void *arg)
{
	struct metrics_site *site = arg;
	const char *path =
	    evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct evbuffer *body;
	size_t len;
	char *text;

	if (!metrics_http_allowed(site, req)) {
		log_limited(
		    "%s: refused a metrics client: not in the allow list",
		    listener_name(site->listener));
		evhttp_send_error(req, 403, "Forbidden");
		return;
	}
	if (path == NULL || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND,
				  "Not Found (try /metrics)");
		return;
	}
	text = metrics_http_text(site->server, &len);
	body = evbuffer_new();
	if (text == NULL || body == NULL) {
		free(text);
		if (body != NULL)
			evbuffer_free(body);
		evhttp_send_error(req, HTTP_INTERNAL, "Internal Server Error");
		return;
	}
	evbuffer_add(body, text, len);
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

static int metrics_site_start(struct metrics_site *site,
			      struct event_base *base)
{
	site->http = evhttp_new(base);
	if (site->http == NULL ||
	    evhttp_accept_socket(site->http, listener_fd(site->listener)) != 0)
		return -1;
	evhttp_set_allowed_methods(site->http,
				   EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(site->http, METRICS_HTTP_HEADERS_MAX);
	evhttp_set_max_body_size(site->http, 0);
	evhttp_set_timeout(site->http, METRICS_HTTP_TIMEOUT_S);
	evhttp_set_gencb(site->http, metrics_http_on_request, site);
	return 0;
}

int metrics_http_start(struct server *server, struct event_base *base,
		       struct metrics_http **http_r)
{
	struct listener *const *listeners;
	size_t count = server_listeners(server, &listeners);
	struct metrics_http *http = calloc(1, sizeof(*http));

	*http_r = NULL;
	if (http == NULL ||
	    (http->sites = calloc(count, sizeof(*http->sites))) == NULL)
		abort();
	for (size_t i = 0; i < count; i++) {
		struct metrics_site *site = &http->sites[http->count];
		if (listener_proto(listeners[i]) != NULL)
			continue;
		site->server = server;
		site->listener = listeners[i];
		http->count++;
		if (metrics_site_start(site, base) < 0) {
			log_error("%s: cannot serve metrics",
				  listener_name(listeners[i]));
			metrics_http_free(&http);
			return -1;
		}
	}
	if (http->count == 0)
		metrics_http_free(&http);
	*http_r = http;
	return 0;
}

void metrics_http_free(struct metrics_http **httpp)
{
	struct metrics_http *http = *httpp;

	if (http == NULL)
		return;
	for (size_t i = 0; i < http->count; i++) {
		if (http->sites[i].http != NULL)
			evhttp_free(http->sites[i].http);
	}
	free(http->sites);
	free(http);
	*httpp = NULL;
}
