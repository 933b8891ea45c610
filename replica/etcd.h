/*
 * etcd: a client of etcd v3's JSON gateway (POST /v3/kv/range, /v3/kv/txn,
 * /v3/watch, /v3/auth/authenticate) over libcurl, for replica/.
 *
 * - Blocking calls; one struct etcd per thread (it owns a curl handle).
 * - Endpoints are tried in turn: a call that cannot reach one, or that
 *   one answers "unavailable" (no leader, a minority member), moves to the
 *   next; the call fails once each was tried.
 * - TLS: the CA that signs the members' certificates, and a client
 *   certificate and key when the cluster asks for them. Authentication:
 *   user and password (read from a file, never from mailmapd.conf, which
 *   may be world-readable); the token is renewed when etcd refuses it.
 * - Keys and values are bytes, base64 in JSON (etcd_json.c); 64-bit
 *   integers are JSON strings.
 */
#ifndef MAILMAP_ETCD_H
#define MAILMAP_ETCD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest message accepted from etcd (one revision of a large import is
 * one watch message). */
#define ETCD_MESSAGE_MAX (256u << 20)

struct etcd_settings {
	const char *endpoints; /* "https://10.0.0.1:2379,https://..." */
	const char *ca_file;   /* "" = the system's CAs */
	const char *cert_file; /* client certificate, "" = none */
	const char *key_file;
	const char *user;	   /* "" = no authentication */
	const char *password_file; /* the user's password, first line */
	const char *bind_address;  /* local address to connect from, "" */
	unsigned timeout_ms;	   /* per unary call and endpoint */
};

/* gRPC status codes etcd answers with (besides OK). */
enum etcd_code {
	ETCD_TRANSPORT = -1, /* no answer: connection, timeout, HTTP */
	ETCD_TOO_LONG = -2,  /* a message above ETCD_MESSAGE_MAX */
	ETCD_OK = 0,
	ETCD_DEADLINE = 4,
	ETCD_OUT_OF_RANGE = 11, /* the revision was compacted */
	ETCD_UNAVAILABLE = 14,
	ETCD_UNAUTHENTICATED = 16,
};

struct etcd_error {
	int code; /* enum etcd_code or another gRPC code */
	char message[256];
};

struct etcd;

/* Checks the settings, reads the password file. 0, or -1 with
 * *error_r (malloc'ed). */
int etcd_new(const struct etcd_settings *settings, struct etcd **etcd_r,
	     char **error_r);
void etcd_free(struct etcd **etcd);
/* The endpoint the last call used. */
const char *etcd_endpoint(const struct etcd *etcd);

/* POST /v3/path with request (not consumed); *response_r is the parsed
 * answer (caller puts it). 0, or -1 with *error. */
int etcd_call(struct etcd *etcd, const char *path, struct json_object *request,
	      struct json_object **response_r, struct etcd_error *error);

/* As etcd_call(), but allowing at least timeout_ms per member (a large
 * transaction). */
int etcd_call_long(struct etcd *etcd, const char *path,
		   struct json_object *request, unsigned timeout_ms,
		   struct json_object **response_r, struct etcd_error *error);

/* As etcd_call_long(), on the current endpoint only, never sent twice
 * (a write whose outcome the caller must check when no answer came);
 * after a failure another endpoint may answer, the next call goes
 * there. */
int etcd_call_once(struct etcd *etcd, const char *path,
		   struct json_object *request, unsigned timeout_ms,
		   struct json_object **response_r, struct etcd_error *error);

/* One message of a stream; return -1 to end it. */
typedef int etcd_message_fn(struct json_object *message, void *context);
/* Polled about every 100 ms while a stream is open; false ends it. */
typedef bool etcd_keep_fn(void *context);
/* A streaming POST (the watch): calls fn with every message until the
 * stream ends, fn or keep ends it, or it fails. The stream is opened on
 * the current endpoint only (the caller moves on with etcd_next()).
 * 0 when ended by fn or keep, -1 with *error otherwise. */
int etcd_stream(struct etcd *etcd, const char *path,
		struct json_object *request, etcd_message_fn *fn,
		etcd_keep_fn *keep, void *context, struct etcd_error *error);
/* Moves to the next endpoint. */
void etcd_next(struct etcd *etcd);
/* Drops the authentication token: the next call gets a new one. */
void etcd_forget_token(struct etcd *etcd);

/* etcd_json.c: JSON and base64 helpers. */
/* A base64 JSON string of bytes. */
struct json_object *etcd_json_bytes(const void *data, size_t len);
/* Decodes the base64 string member name of obj into a malloc'ed buffer
 * (NUL-terminated, *len_r without it); absent = empty. 0, or -1 when it
 * is not base64. */
int etcd_json_get_bytes(struct json_object *obj, const char *name,
			char **data_r, size_t *len_r);
/* An int64 member (a JSON string or number); absent = 0. */
uint64_t etcd_json_get_u64(struct json_object *obj, const char *name);
/* The revision in a response's header. */
uint64_t etcd_json_revision(struct json_object *response);
/* A string member, or "" when absent. */
const char *etcd_json_get_string(struct json_object *obj, const char *name);

#endif
