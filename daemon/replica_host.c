/* replica_host: the follower inside mailmapd; see replica_host.h. */
#include "replica_host.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layout.h"
#include "log.h"

#define REPLICA_HOST_PREPARE_PAUSE_S 1

/* One try at filling a replica that holds nothing. 1 when it holds a
 * revision, 0 to try again, -1 on a lasting failure. */
static int replica_host_fill(const struct config *config, struct store *store)
{
	struct replica_settings settings = replica_settings_of(config);
	struct replica_mark mark;
	const char *serror;
	char *error = NULL;

	if (replica_mark_get(store, &mark, &serror) != STORE_OK) {
		log_error("%s", serror);
		return -1;
	}
	if (mark.revision != 0)
		return 1;
	if (replica_sync(&settings, store, &error) == 0) {
		log_info("replica filled from etcd (%s)", config->replica.etcd);
		return 1;
	}
	log_warning("replica is empty and etcd does not answer yet: %s; "
		    "retrying (nothing is served until it is filled)",
		    error);
	free(error);
	return 0;
}

/* SIGTERM and SIGINT are blocked until the main loop handles them
 * (server_run): while waiting for etcd, a pending one ends the wait. */
static bool replica_host_stop_asked(void)
{
	sigset_t pending;

	return sigpending(&pending) == 0 &&
	       (sigismember(&pending, SIGTERM) == 1 ||
		sigismember(&pending, SIGINT) == 1);
}

int replica_host_prepare(const struct config *config, const char *dir)
{
	static bool curl_ready;
	struct store_settings settings = {.dir = dir,
					  .kind = STORE_ENV_CONFIG,
					  .map_size = config->map_size,
					  .create = true};
	struct store *store;
	const char *error;
	int ret;

	if (!curl_ready) { /* before any other thread */
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = true;
	}
	if (store_open(&settings, &store, &error) != STORE_OK) {
		log_error("%s", error);
		return -1;
	}
	while ((ret = replica_host_fill(config, store)) == 0 &&
	       !replica_host_stop_asked())
		sleep(REPLICA_HOST_PREPARE_PAUSE_S);
	if (ret == 0)
		log_info("stopped before the replica was filled");
	store_close(&store);
	return ret > 0 ? 0 : -1;
}

static struct store *replica_host_get(void *context, void **ref_r)
{
	struct config_store_ref *ref =
	    config_store_get(context, &(uint64_t){0});

	*ref_r = ref;
	return ref != NULL ? config_store_ref_store(ref) : NULL;
}

static void replica_host_put(void *context, void *ref)
{
	struct config_store_ref *r = ref;

	(void)context;
	config_store_put(&r);
}

static void replica_host_log(enum replica_log_level level, const char *message)
{
	static const enum log_level levels[] = {
	    [REPLICA_LOG_ERROR] = LOG_LEVEL_ERROR,
	    [REPLICA_LOG_WARNING] = LOG_LEVEL_WARNING,
	    [REPLICA_LOG_INFO] = LOG_LEVEL_INFO,
	};

	log_msg(levels[level], "replica: %s", message);
}

int replica_host_start(const struct config *config, struct config_store *cs,
		       struct replica_follower **follower_r)
{
	struct replica_settings settings = replica_settings_of(config);
	struct replica_store_ops ops = {replica_host_get, replica_host_put,
					replica_host_log, cs};
	char *error = NULL;

	if (replica_follower_start(&settings, &ops, follower_r, &error) < 0) {
		log_error("replica: %s", error);
		free(error);
		return -1;
	}
	return 0;
}

static bool replica_host_str_eq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

const char *replica_host_reload_refusal(const struct config *old,
					const struct config *new)
{
	const struct config_replica *a = &old->replica, *b = &new->replica;

	if (!replica_host_str_eq(a->etcd, b->etcd) ||
	    !replica_host_str_eq(a->prefix, b->prefix) ||
	    !replica_host_str_eq(a->ca_file, b->ca_file) ||
	    !replica_host_str_eq(a->cert_file, b->cert_file) ||
	    !replica_host_str_eq(a->key_file, b->key_file) ||
	    !replica_host_str_eq(a->user, b->user) ||
	    !replica_host_str_eq(a->password_file, b->password_file) ||
	    !replica_host_str_eq(a->bind_address, b->bind_address) ||
	    a->timeout_ms != b->timeout_ms)
		return "replica settings changed (the follower starts with "
		       "mailmapd: restart it)";
	return NULL;
}
