/*
 * status_fetch: mailmapctl status's side of mailmapd's metrics listener
 * (daemon/metrics_http.h): where it is (the configuration's first
 * "metrics" listener), one GET /metrics through libcurl (10 s, at most
 * STATUS_BODY_MAX bytes), and the samples of the text exposition format
 * parsed into a list (status.h).
 */
#include "status.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_BODY_MAX	 (8u << 20)
#define STATUS_TIMEOUT_S 10L

struct status_body {
	char *data;
	size_t len;
	bool too_big;
};

static size_t status_on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct status_body *body = arg;
	size_t n = size * nmemb;
	char *grown;

	if (body->len + n > STATUS_BODY_MAX) {
		body->too_big = true;
		return 0;
	}
	grown = realloc(body->data, body->len + n + 1);
	if (grown == NULL)
		return 0;
	body->data = grown;
	memcpy(body->data + body->len, ptr, n);
	body->len += n;
	body->data[body->len] = '\0';
	return n;
}

const struct config_listener *status_listener(const struct config *config)
{
	for (size_t i = 0; i < config->listener_count; i++) {
		if (config->listeners[i].protocol == CONFIG_PROTO_METRICS)
			return &config->listeners[i];
	}
	return NULL;
}

/* The URL of a listener: http://ADDRESS/metrics, or the unix socket. */
static void status_url(const struct config_listener *l, char *url, size_t size)
{
	if (l->address != NULL)
		snprintf(url, size, "http://%s/metrics", l->address);
	else
		snprintf(url, size, "http://localhost/metrics");
}

int status_fetch(const struct config_listener *l, char **text_r, char *where,
		 size_t where_size, const char **error_r)
{
	struct status_body body = {NULL, 0, false};
	char url[512];
	long code = 0;
	CURLcode rc;
	CURL *curl;

	status_url(l, url, sizeof(url));
	snprintf(where, where_size, "%s", l->address != NULL ? url : l->path);
	curl = curl_easy_init();
	if (curl == NULL) {
		*error_r = "cannot start libcurl";
		return -1;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	if (l->path != NULL)
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, l->path);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, STATUS_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, status_on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK || code != 200 || body.data == NULL) {
		free(body.data);
		*error_r = body.too_big	    ? "answer over 8 MiB"
			   : rc != CURLE_OK ? curl_easy_strerror(rc)
			   : code == 403
			       ? "refused (403: not in its allow list)"
			       : "no metrics in the answer";
		return -1;
	}
	*text_r = body.data;
	return 0;
}

/* One label's value, unescaped, into out (out_size bytes). */
static const char *status_label_value(const char *p, char *out, size_t out_size)
{
	size_t n = 0;

	for (; *p != '\0' && *p != '"'; p++) {
		char c = *p;
		if (c == '\\' && p[1] != '\0')
			c = *++p == 'n' ? '\n' : *p;
		if (n + 1 < out_size)
			out[n++] = c;
	}
	out[n] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

/* Parses {a="x",b="y"} into the sample's labels. */
static const char *status_labels(const char *p, struct status_sample *s)
{
	while (*p != '}' && *p != '\0' && s->label_count < STATUS_LABELS_MAX) {
		struct status_label *l = &s->labels[s->label_count];
		size_t name_len = strcspn(p, "=");
		if (p[name_len] != '=' || p[name_len + 1] != '"' ||
		    name_len >= sizeof(l->name))
			return NULL;
		memcpy(l->name, p, name_len);
		l->name[name_len] = '\0';
		p = status_label_value(p + name_len + 2, l->value,
				       sizeof(l->value));
		if (p == NULL)
			return NULL;
		s->label_count++;
		if (*p == ',')
			p++;
	}
	return *p == '}' ? p + 1 : NULL;
}

/* One sample line; false for comments and lines not understood. */
static bool status_parse_line(const char *line, struct status_sample *s)
{
	size_t name_len = strcspn(line, "{ ");
	const char *p = line + name_len;
	char *end;

	memset(s, 0, sizeof(*s));
	if (line[0] == '#' || name_len == 0 || name_len >= sizeof(s->name))
		return false;
	memcpy(s->name, line, name_len);
	if (*p == '{' && (p = status_labels(p + 1, s)) == NULL)
		return false;
	if (*p != ' ')
		return false;
	s->value = strtod(p + 1, &end);
	return end != p + 1;
}

size_t status_parse(char *text, struct status_sample **samples_r)
{
	size_t count = 0, cap = 0;
	struct status_sample *samples = NULL;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (count == cap) {
			cap = cap != 0 ? cap * 2 : 256;
			samples = realloc(samples, cap * sizeof(*samples));
			if (samples == NULL)
				abort();
		}
		if (status_parse_line(line, &samples[count]))
			count++;
	}
	*samples_r = samples;
	return count;
}

const char *status_label(const struct status_sample *s, const char *name)
{
	for (size_t i = 0; i < s->label_count; i++) {
		if (strcmp(s->labels[i].name, name) == 0)
			return s->labels[i].value;
	}
	return "";
}
