/*
 * valkey: one worker's connection to the shared greylisting store, a
 * Valkey or Redis primary, through hiredis's async API on the worker's
 * libevent loop (no thread, no blocking call).
 *
 * The primary is either configured (valkey.address) or asked of the
 * Sentinels (valkey.sentinels, "SENTINEL get-master-addr-by-name"),
 * each in turn. A connection that drops, or a primary that answers a
 * write with READONLY (it was demoted by a failover), sends it back to
 * discovery after VALKEY_RETRY_MS. Commands sent while no primary is
 * connected fail at once (the caller applies its failure mode); there is
 * no queue to grow while the store is away.
 */
#ifndef MAILMAP_DAEMON_VALKEY_H
#define MAILMAP_DAEMON_VALKEY_H

#include <stdbool.h>
#include <stddef.h>

#define VALKEY_RETRY_MS 100

struct event_base;
struct redisReply;
struct valkey;

struct valkey_settings {
	const char *address;   /* "host:port" of the primary, or "" */
	const char *sentinels; /* "host:port,host:port", or "" */
	const char *master;    /* the name the Sentinels know it by */
	const char *password;  /* "" = none */
};

/* Starts connecting. NULL on a setting that does not parse (logged). */
struct valkey *valkey_new(struct event_base *base,
			  const struct valkey_settings *settings);
void valkey_free(struct valkey **valkey);
/* Whether a primary is connected. */
bool valkey_ready(const struct valkey *valkey);

/* The caller gave up waiting for a reply (its own timeout). After
 * VALKEY_SILENT_MAX in a row with no reply between, the primary is
 * dropped and asked of the Sentinels again: a host that died without a
 * reset (a power cut, a cut link) sends none. */
#define VALKEY_SILENT_MAX 3
void valkey_note_timeout(struct valkey *valkey);

/* A reply, or NULL when the command failed (connection lost, freed). */
typedef void valkey_reply_fn(void *context, struct redisReply *reply);
/* Sends a command to the primary. 0, or -1 when none is connected (fn is
 * not called). fn may be NULL (a write whose answer does not matter;
 * READONLY is still noticed). */
int valkey_command(struct valkey *valkey, valkey_reply_fn *fn, void *context,
		   int argc, const char **argv, const size_t *lens);

#endif
