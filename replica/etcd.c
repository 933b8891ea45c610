/* etcd: the JSON gateway client; see etcd.h. */
#include "etcd.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETCD_ENDPOINTS_MAX 16
#define ETCD_URL_MAX	   512
#define ETCD_SECRET_MAX	   1024

struct etcd {
	char *endpoints[ETCD_ENDPOINTS_MAX];
	size_t endpoint_count;
	size_t current;
	unsigned call_timeout_ms;      /* of the call under way */
	struct etcd_settings settings; /* strings owned (etcd_own_settings) */
	char *password;		       /* NULL without authentication */
	char *token;		       /* NULL until authenticated */
	CURL *curl;
};

/* What a transfer received: a whole body, or a stream cut into lines. */
struct etcd_body {
	char *data;
	size_t len;
	bool too_big;
	etcd_message_fn *fn; /* streams: called per line */
	etcd_keep_fn *keep;
	void *context;
	bool stream;	/* an error message ends it */
	size_t scanned; /* stream bytes known to hold no newline */
	bool stopped;	/* fn or keep ended the stream */
	struct etcd_error *error;
};

static char *etcd_strdup(const char *text)
{
	char *copy = strdup(text);

	if (copy == NULL)
		abort();
	return copy;
}

static char *etcd_errorf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return etcd_strdup(buf);
}

static void etcd_set_error(struct etcd_error *error, int code, const char *fmt,
			   ...)
{
	va_list ap;

	error->code = code;
	va_start(ap, fmt);
	vsnprintf(error->message, sizeof(error->message), fmt, ap);
	va_end(ap);
}

static int etcd_parse_endpoints(struct etcd *etcd, const char *list,
				char **error_r)
{
	char *copy = etcd_strdup(list), *save = NULL;

	for (char *tok = strtok_r(copy, ", ", &save); tok != NULL;
	     tok = strtok_r(NULL, ", ", &save)) {
		size_t len = strlen(tok);

		if (etcd->endpoint_count == ETCD_ENDPOINTS_MAX ||
		    len + 16 > ETCD_URL_MAX ||
		    (strncmp(tok, "http://", 7) != 0 &&
		     strncmp(tok, "https://", 8) != 0)) {
			*error_r = etcd_errorf("etcd endpoint %.100s: expected "
					       "http:// or https:// URLs, at "
					       "most %d",
					       tok, ETCD_ENDPOINTS_MAX);
			free(copy);
			return -1;
		}
		while (len > 0 && tok[len - 1] == '/')
			tok[--len] = '\0';
		etcd->endpoints[etcd->endpoint_count++] = etcd_strdup(tok);
	}
	free(copy);
	if (etcd->endpoint_count == 0) {
		*error_r = etcd_errorf("no etcd endpoint");
		return -1;
	}
	return 0;
}

/* The first line of the password file. */
static int etcd_read_password(struct etcd *etcd, const char *path,
			      char **error_r)
{
	char line[ETCD_SECRET_MAX];
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		*error_r = etcd_errorf("cannot read the etcd password file "
				       "%s: %s",
				       path, strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '\0') {
		*error_r = etcd_errorf("etcd password file %s is empty", path);
		return -1;
	}
	etcd->password = etcd_strdup(line);
	explicit_bzero(line, sizeof(line));
	return 0;
}

/* Copies of the caller's strings: a reload frees the configuration
 * they came from while the follower's threads go on. */
static void etcd_own_settings(struct etcd_settings *s)
{
	s->endpoints = etcd_strdup(s->endpoints);
	s->ca_file = etcd_strdup(s->ca_file);
	s->cert_file = etcd_strdup(s->cert_file);
	s->key_file = etcd_strdup(s->key_file);
	s->user = etcd_strdup(s->user);
	s->password_file = etcd_strdup(s->password_file);
	s->bind_address = etcd_strdup(s->bind_address);
}

static void etcd_free_settings(struct etcd_settings *s)
{
	free((char *)s->endpoints);
	free((char *)s->ca_file);
	free((char *)s->cert_file);
	free((char *)s->key_file);
	free((char *)s->user);
	free((char *)s->password_file);
	free((char *)s->bind_address);
}

int etcd_new(const struct etcd_settings *settings, struct etcd **etcd_r,
	     char **error_r)
{
	struct etcd *etcd = calloc(1, sizeof(*etcd));

	if (etcd == NULL)
		abort();
	etcd->settings = *settings;
	etcd_own_settings(&etcd->settings);
	etcd->call_timeout_ms = settings->timeout_ms;
	if (etcd_parse_endpoints(etcd, settings->endpoints, error_r) < 0 ||
	    (settings->user[0] != '\0' &&
	     etcd_read_password(etcd, settings->password_file, error_r) < 0)) {
		etcd_free(&etcd);
		return -1;
	}
	etcd->curl = curl_easy_init();
	if (etcd->curl == NULL)
		abort();
	*etcd_r = etcd;
	return 0;
}

void etcd_free(struct etcd **etcdp)
{
	struct etcd *etcd = *etcdp;

	if (etcd == NULL)
		return;
	for (size_t i = 0; i < etcd->endpoint_count; i++)
		free(etcd->endpoints[i]);
	if (etcd->password != NULL) {
		explicit_bzero(etcd->password, strlen(etcd->password));
		free(etcd->password);
	}
	free(etcd->token);
	if (etcd->curl != NULL)
		curl_easy_cleanup(etcd->curl);
	etcd_free_settings(&etcd->settings);
	free(etcd);
	*etcdp = NULL;
}

const char *etcd_endpoint(const struct etcd *etcd)
{
	return etcd->endpoints[etcd->current];
}

void etcd_forget_token(struct etcd *etcd)
{
	free(etcd->token);
	etcd->token = NULL;
}

void etcd_next(struct etcd *etcd)
{
	etcd->current = (etcd->current + 1) % etcd->endpoint_count;
}

static bool etcd_answer_error(struct json_object *msg,
			      struct etcd_error *error);

/* One message: a stream's line, or a whole body. */
static int etcd_deliver(struct etcd_body *body, const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	struct json_object *msg = json_tokener_parse_ex(tok, text, (int)len);
	int ret = 0;

	json_tokener_free(tok);
	if (msg == NULL) {
		etcd_set_error(body->error, ETCD_TRANSPORT,
			       "etcd sent a message that is not JSON");
		return -1;
	}
	if (body->stream && etcd_answer_error(msg, body->error)) {
		json_object_put(msg);
		return -1;
	}
	if (body->fn(msg, body->context) < 0) {
		body->stopped = true;
		ret = -1;
	}
	json_object_put(msg);
	return ret;
}

/* Cuts the stream buffered so far into lines. */
static int etcd_stream_lines(struct etcd_body *body)
{
	size_t start = 0;
	char *nl;

	/* a long message comes in many pieces: only new bytes are scanned */
	while ((nl = memchr(body->data + start + body->scanned, '\n',
			    body->len - start - body->scanned))) {
		size_t len = (size_t)(nl - (body->data + start));

		body->scanned = 0;
		if (len > 0 && etcd_deliver(body, body->data + start, len) < 0)
			return -1;
		start += len + 1;
	}
	body->scanned = body->len - start;
	memmove(body->data, body->data + start, body->len - start);
	body->len -= start;
	return 0;
}

static size_t etcd_on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct etcd_body *body = arg;
	size_t n = size * nmemb;
	char *grown;

	if (body->len + n > ETCD_MESSAGE_MAX) {
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
	if (body->fn != NULL && etcd_stream_lines(body) < 0)
		return 0;
	return n;
}

static int etcd_on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
			    curl_off_t ultotal, curl_off_t ulnow)
{
	struct etcd_body *body = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (body->keep != NULL && !body->keep(body->context)) {
		body->stopped = true;
		return 1;
	}
	return 0;
}

/* Sets up the handle for one POST of text to path on the current
 * endpoint. headers must be freed after the transfer. */
static struct curl_slist *etcd_prepare(struct etcd *etcd, const char *path,
				       const char *text, struct etcd_body *body,
				       bool stream)
{
	const struct etcd_settings *s = &etcd->settings;
	struct curl_slist *headers = NULL;
	char url[ETCD_URL_MAX + 64], auth[ETCD_SECRET_MAX + 32];
	CURL *curl = etcd->curl;

	curl_easy_reset(curl);
	snprintf(url, sizeof(url), "%s/v3/%s", etcd_endpoint(etcd), path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, etcd_on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)s->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (stream) {
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION,
				 etcd_on_progress);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, body);
	} else {
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
				 (long)etcd->call_timeout_ms);
	}
	if (s->ca_file[0] != '\0')
		curl_easy_setopt(curl, CURLOPT_CAINFO, s->ca_file);
	if (s->cert_file[0] != '\0') {
		curl_easy_setopt(curl, CURLOPT_SSLCERT, s->cert_file);
		curl_easy_setopt(curl, CURLOPT_SSLKEY, s->key_file);
	}
	if (s->bind_address[0] != '\0') {
		snprintf(url, sizeof(url), "host!%s", s->bind_address);
		curl_easy_setopt(curl, CURLOPT_INTERFACE, url);
	}
	headers = curl_slist_append(headers, "Content-Type: application/json");
	/* a watch on a member without a leader is cancelled, not left open
	 * and silent */
	if (stream)
		headers =
		    curl_slist_append(headers, "Grpc-Metadata-hasleader: true");
	if (etcd->token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: %s", etcd->token);
		headers = curl_slist_append(headers, auth);
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	return headers;
}

/* etcd's own error answer: {"error": "...", "code": N} (unary) or
 * {"error": {"grpc_code": N, "message": "..."}} (a stream). */
static bool etcd_answer_error(struct json_object *msg, struct etcd_error *error)
{
	struct json_object *e, *code;

	if (!json_object_object_get_ex(msg, "error", &e))
		return false;
	if (json_object_is_type(e, json_type_object)) {
		json_object_object_get_ex(e, "grpc_code", &code);
		etcd_set_error(error, json_object_get_int(code), "etcd: %s",
			       etcd_json_get_string(e, "message"));
		return true;
	}
	json_object_object_get_ex(msg, "code", &code);
	etcd_set_error(error, code != NULL ? json_object_get_int(code) : 2,
		       "etcd: %s", json_object_get_string(e));
	return true;
}

static int etcd_keep_whole(struct json_object *msg, void *context)
{
	struct json_object **out = context;

	*out = json_object_get(msg);
	return 0;
}

/* One POST on the current endpoint. */
static int etcd_post_once(struct etcd *etcd, const char *path, const char *text,
			  struct json_object **response_r,
			  struct etcd_error *error)
{
	struct json_object *msg = NULL;
	struct etcd_body body = {.error = error};
	struct curl_slist *headers =
	    etcd_prepare(etcd, path, text, &body, false);
	CURLcode rc = curl_easy_perform(etcd->curl);

	curl_slist_free_all(headers);
	if (rc != CURLE_OK) {
		etcd_set_error(
		    error, ETCD_TRANSPORT, "etcd %s: %s", etcd_endpoint(etcd),
		    body.too_big ? "answer too long" : curl_easy_strerror(rc));
		free(body.data);
		return -1;
	}
	body.fn = etcd_keep_whole;
	body.context = &msg;
	int ret =
	    etcd_deliver(&body, body.data != NULL ? body.data : "", body.len);
	if (ret < 0) {
		/* not etcd's JSON: what the server said instead */
		long status = 0;
		curl_easy_getinfo(etcd->curl, CURLINFO_RESPONSE_CODE, &status);
		etcd_set_error(error, ETCD_TRANSPORT,
			       "etcd %s: HTTP %ld: %.150s", etcd_endpoint(etcd),
			       status, body.data != NULL ? body.data : "");
	}
	free(body.data);
	if (ret < 0)
		return -1;
	if (etcd_answer_error(msg, error)) {
		json_object_put(msg);
		return -1;
	}
	*response_r = msg;
	return 0;
}

static int etcd_authenticate(struct etcd *etcd, struct etcd_error *error)
{
	struct json_object *req = json_object_new_object(), *resp = NULL;
	int ret;

	free(etcd->token);
	etcd->token = NULL;
	json_object_object_add(req, "name",
			       json_object_new_string(etcd->settings.user));
	json_object_object_add(req, "password",
			       json_object_new_string(etcd->password));
	ret = etcd_post_once(etcd, "auth/authenticate",
			     json_object_to_json_string(req), &resp, error);
	json_object_put(req);
	if (ret == 0) {
		etcd->token = etcd_strdup(etcd_json_get_string(resp, "token"));
		json_object_put(resp);
	}
	return ret;
}

/* Whether another endpoint may answer where this one did not. */
static bool etcd_try_next(const struct etcd_error *error)
{
	return error->code == ETCD_TRANSPORT ||
	       error->code == ETCD_UNAVAILABLE || error->code == ETCD_DEADLINE;
}

/* A call on the current endpoint, authenticated when configured. */
static int etcd_call_here(struct etcd *etcd, const char *path, const char *text,
			  struct json_object **response_r,
			  struct etcd_error *error)
{
	if (etcd->password != NULL && etcd->token == NULL &&
	    etcd_authenticate(etcd, error) < 0)
		return -1;
	if (etcd_post_once(etcd, path, text, response_r, error) == 0)
		return 0;
	if (etcd->password == NULL || error->code != ETCD_UNAUTHENTICATED)
		return -1;
	/* the token expired or the member restarted: one new token */
	if (etcd_authenticate(etcd, error) < 0)
		return -1;
	return etcd_post_once(etcd, path, text, response_r, error);
}

/* The next call's time per member: at least replica.timeout_ms. */
static void etcd_set_timeout(struct etcd *etcd, unsigned timeout_ms)
{
	etcd->call_timeout_ms = timeout_ms > etcd->settings.timeout_ms
				    ? timeout_ms
				    : etcd->settings.timeout_ms;
}

int etcd_call(struct etcd *etcd, const char *path, struct json_object *request,
	      struct json_object **response_r, struct etcd_error *error)
{
	return etcd_call_long(etcd, path, request, 0, response_r, error);
}

int etcd_call_long(struct etcd *etcd, const char *path,
		   struct json_object *request, unsigned timeout_ms,
		   struct json_object **response_r, struct etcd_error *error)
{
	const char *text =
	    json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN);

	etcd_set_timeout(etcd, timeout_ms);
	for (size_t tried = 0; tried < etcd->endpoint_count; tried++) {
		if (etcd_call_here(etcd, path, text, response_r, error) == 0)
			return 0;
		if (!etcd_try_next(error))
			return -1;
		etcd_forget_token(etcd); /* tokens are per member's view */
		etcd_next(etcd);
	}
	return -1;
}

int etcd_call_once(struct etcd *etcd, const char *path,
		   struct json_object *request, unsigned timeout_ms,
		   struct json_object **response_r, struct etcd_error *error)
{
	const char *text =
	    json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN);

	etcd_set_timeout(etcd, timeout_ms);
	if (etcd_call_here(etcd, path, text, response_r, error) == 0)
		return 0;
	if (etcd_try_next(error)) {
		etcd_forget_token(etcd);
		etcd_next(etcd);
	}
	return -1;
}

int etcd_stream(struct etcd *etcd, const char *path,
		struct json_object *request, etcd_message_fn *fn,
		etcd_keep_fn *keep, void *context, struct etcd_error *error)
{
	const char *text =
	    json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN);
	struct etcd_body body = {.fn = fn,
				 .keep = keep,
				 .context = context,
				 .stream = true,
				 .error = error};
	struct curl_slist *headers;
	long status = 0;
	CURLcode rc;

	if (etcd->password != NULL && etcd->token == NULL &&
	    etcd_authenticate(etcd, error) < 0)
		return -1;
	headers = etcd_prepare(etcd, path, text, &body, true);
	error->code = ETCD_OK;
	rc = curl_easy_perform(etcd->curl);
	curl_easy_getinfo(etcd->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	free(body.data);
	if (body.stopped && error->code == ETCD_OK)
		return 0;
	if (error->code != ETCD_OK)
		return -1;
	if (rc != CURLE_OK)
		etcd_set_error(
		    error, body.too_big ? ETCD_TOO_LONG : ETCD_TRANSPORT,
		    "etcd %s: %s", etcd_endpoint(etcd),
		    body.too_big ? "message too long" : curl_easy_strerror(rc));
	else
		etcd_set_error(error, ETCD_TRANSPORT,
			       "etcd %s: the stream ended (HTTP %ld)",
			       etcd_endpoint(etcd), status);
	if (status == 401 || status == 403) {
		free(etcd->token);
		etcd->token = NULL;
	}
	return -1;
}
