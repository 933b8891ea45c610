/*
 * policy_greylist_valkey: greylisting in a Valkey/Redis shared by every
 * MX (policy.greylist_store "valkey"), on the worker's loop.
 *
 * Keys are valkey.prefix followed by the state store's own key of the
 * triplet or of the client network's auto-whitelist entry (greylist.h),
 * values its own encoding, each with a TTL: the retry window for a
 * pending triplet, the max age for a passed one and for the
 * auto-whitelist. One request is one MGET of both, then the decision of
 * greylist_check() (the local store's, so passes count the same way),
 * then the writes without waiting for them: a first sighting with SET NX
 * (of two MX seeing it at once, the first one's time stays), the others
 * with SET. The manual whitelist stays in this host's state store.
 *
 * The MGET is asynchronous: the hook returns "pending", the connection
 * waits (conn_resume()), and the request is decided again with the
 * answer kept in the connection's fetch. No answer within
 * valkey.timeout_ms, or no primary connected, is a failure: the
 * greylisting check's failure mode (policy.failure_greylisting) applies.
 */
#include "policy_greylist_internal.h"

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "worker.h"

#define FETCH_KEY_MAX (64 + GREYLIST_KEY_MAX)

/* One request's read of the shared store. */
struct greylist_fetch {
	struct conn *conn; /* NULL once the connection dropped it */
	struct valkey *valkey;
	struct event *timer;
	int refs; /* the connection's and the command's */
	bool done, failed;
	bool with_awl;
	struct greylist_key akey, tkey;
	bool have_entry, have_awl;
	struct greylist_entry entry;
	struct greylist_awl awl;
};

static void fetch_unref(struct greylist_fetch *f)
{
	if (--f->refs > 0)
		return;
	event_free(f->timer);
	free(f);
}

void policy_greylist_fetch_drop(struct greylist_fetch **slot)
{
	struct greylist_fetch *f = *slot;

	if (f == NULL)
		return;
	f->conn = NULL;
	event_del(f->timer);
	fetch_unref(f);
	*slot = NULL;
}

static void fetch_finish(struct greylist_fetch *f, bool failed)
{
	if (f->done)
		return;
	f->done = true;
	f->failed = failed;
	event_del(f->timer);
	if (f->conn != NULL)
		conn_resume(f->conn);
}

static void fetch_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct greylist_fetch *f = arg;

	(void)fd, (void)what;
	valkey_note_timeout(f->valkey);
	fetch_finish(f, true);
}

/* A bulk string decoded into an entry: absent when nil or undecodable. */
static bool fetch_value(const redisReply *r, bool awl, struct greylist_fetch *f)
{
	if (r->type != REDIS_REPLY_STRING)
		return false;
	return awl ? greylist_awl_decode(r->str, r->len, &f->awl)
		   : greylist_entry_decode(r->str, r->len, &f->entry);
}

static void fetch_on_reply(void *context, redisReply *reply)
{
	struct greylist_fetch *f = context;
	size_t want = f->with_awl ? 2 : 1;

	if (!f->done && f->conn != NULL) {
		if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
		    reply->elements != want) {
			fetch_finish(f, true);
		} else {
			if (f->with_awl)
				f->have_awl =
				    fetch_value(reply->element[0], true, f);
			f->have_entry =
			    fetch_value(reply->element[want - 1], false, f);
			fetch_finish(f, false);
		}
	}
	fetch_unref(f);
}

/* prefix + key, into out (FETCH_KEY_MAX bytes). */
static size_t fetch_key(const struct policy_greylist *g,
			const struct greylist_key *key, char *out)
{
	size_t plen = strlen(g->prefix);

	memcpy(out, g->prefix, plen);
	memcpy(out + plen, key->data, key->len);
	return plen + key->len;
}

static int fetch_start(struct policy_greylist_call *call,
		       struct greylist_fetch *f)
{
	struct policy_greylist *g = call->greylist;
	char akey[FETCH_KEY_MAX], tkey[FETCH_KEY_MAX];
	const char *argv[3] = {"MGET", akey, tkey};
	size_t lens[3] = {4, 0, 0};
	struct timeval timeout = {g->timeout_ms / 1000,
				  (g->timeout_ms % 1000) * 1000};
	int argc = 1;

	if (f->with_awl)
		lens[argc++] = fetch_key(g, &f->akey, akey);
	lens[argc] = fetch_key(g, &f->tkey, tkey);
	argv[argc++] = tkey;
	if (valkey_command(g->valkey, fetch_on_reply, f, argc, argv, lens) < 0)
		return -1;
	f->refs++; /* the command's */
	evtimer_add(f->timer, &timeout);
	return 0;
}

/* SET prefix+key value PX ttl [NX], its answer not awaited. */
static void shared_put(struct policy_greylist *g,
		       const struct greylist_key *key,
		       const unsigned char *value, size_t value_len,
		       uint64_t ttl_s, bool only_new)
{
	char k[FETCH_KEY_MAX], ttl[32];
	const char *argv[6] = {"SET", k, (const char *)value, "PX", ttl, "NX"};
	size_t lens[6] = {3, 0, value_len, 2, 0, 2};

	lens[1] = fetch_key(g, key, k);
	lens[4] = (size_t)snprintf(ttl, sizeof(ttl), "%llu",
				   (unsigned long long)ttl_s * 1000);
	if (valkey_command(g->valkey, NULL, NULL, only_new ? 6 : 5, argv,
			   lens) < 0)
		log_limited("greylist: the shared store is away: a write is "
			    "lost");
}

static void fetch_write_back(struct policy_greylist *g,
			     const struct greylist_settings *settings,
			     const struct greylist_fetch *f,
			     const struct greylist_result *result)
{
	unsigned char value[GREYLIST_VALUE_MAX];
	size_t len;

	if (result->put_triplet) {
		len = greylist_entry_encode(&result->triplet, value);
		shared_put(g, &f->tkey, value, len,
			   result->triplet.passed ? settings->max_age
						  : settings->retry_window,
			   !f->have_entry);
	}
	if (result->put_awl) {
		len = greylist_awl_encode(&result->awl, value);
		shared_put(g, &f->akey, value, len, settings->max_age, false);
	}
}

static bool fetch_is_for(const struct greylist_fetch *f,
			 const struct greylist_key *tkey)
{
	return f->tkey.len == tkey->len &&
	       memcmp(f->tkey.data, tkey->data, tkey->len) == 0;
}

/* The fetched entries, decided at now. */
static int fetch_decide(struct policy_greylist_call *call,
			const struct greylist_settings *settings,
			struct greylist_fetch *f,
			struct greylist_result *result)
{
	const struct greylist_awl *awl = f->have_awl ? &f->awl : NULL;
	bool listed = greylist_awl_listed(settings, awl, call->now);

	if (f->failed)
		return -1;
	greylist_check(settings, f->have_entry && !listed ? &f->entry : NULL,
		       awl, call->now, result);
	fetch_write_back(call->greylist, settings, f, result);
	return 0;
}

int policy_greylist_valkey_check(struct policy_greylist_call *call,
				 struct store_txn *txn,
				 const struct greylist_settings *settings,
				 const struct greylist_net *net,
				 const struct policy_request *req,
				 struct greylist_result *result_r)
{
	struct greylist_fetch *f = *call->fetch;
	struct greylist_key tkey;
	bool listed = false;
	int ret;

	greylist_triplet_key(net, req->attrs[POLICY_SENDER].data,
			     req->attrs[POLICY_SENDER].len,
			     req->attrs[POLICY_RECIPIENT].data,
			     req->attrs[POLICY_RECIPIENT].len, &tkey);
	if (f != NULL && f->done && fetch_is_for(f, &tkey)) {
		ret = fetch_decide(call, settings, f, result_r);
		policy_greylist_fetch_drop(call->fetch);
		return ret;
	}
	policy_greylist_fetch_drop(call->fetch); /* another request's */
	if (greylist_store_whitelisted(txn, call->greylist->queue, net,
				       &listed) != STORE_OK)
		return -1;
	if (listed) {
		memset(result_r, 0, sizeof(*result_r));
		result_r->verdict = GREYLIST_AWL_PASS;
		result_r->reason = GREYLIST_WHITELISTED;
		return 0;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		abort();
	f->conn = call->conn;
	f->valkey = call->greylist->valkey;
	f->refs = 1;
	f->tkey = tkey;
	f->with_awl = settings->awl_clients > 0;
	if (f->with_awl)
		greylist_awl_key(net, &f->akey);
	f->timer = evtimer_new(worker_base(conn_worker(call->conn)),
			       fetch_on_timeout, f);
	*call->fetch = f;
	if (fetch_start(call, f) < 0) {
		policy_greylist_fetch_drop(call->fetch);
		return -1; /* no primary: the failure mode, at once */
	}
	return 1;
}

/* The first line of a file (the password), or "" with none. */
static int valkey_password(const char *path, char *out, size_t size,
			   const char **error_r)
{
	FILE *f;

	out[0] = '\0';
	if (path[0] == '\0')
		return 0;
	f = fopen(path, "r");
	if (f == NULL) {
		*error_r = "cannot read valkey.password_file";
		return -1;
	}
	if (fgets(out, (int)size, f) == NULL)
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

int policy_greylist_valkey_start(struct policy_greylist *greylist,
				 struct event_base *base,
				 const struct config *config,
				 const char **error_r)
{
	const struct config_valkey *c = &config->valkey;
	char password[256];
	struct valkey_settings s = {c->address, c->sentinels, c->master,
				    password};

	if (valkey_password(c->password_file, password, sizeof(password),
			    error_r) < 0)
		return -1;
	greylist->valkey = valkey_new(base, &s);
	explicit_bzero(password, sizeof(password));
	if (greylist->valkey == NULL) {
		*error_r = "valkey: bad address or sentinels";
		return -1;
	}
	snprintf(greylist->prefix, sizeof(greylist->prefix), "%s", c->prefix);
	greylist->timeout_ms = c->timeout_ms;
	return 0;
}
