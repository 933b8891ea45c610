/*
 * listener: the sockets mailmapd listens on, from the "listeners" list of
 * the configuration: unix sockets (created with the configured owner, group
 * and mode, replacing a stale socket file) and TCP sockets (loopback unless
 * configured otherwise; clients outside the allow list are refused). Each
 * names its protocol and the maps it serves, and counts its connections
 * against its limit.
 */
#ifndef MAILMAP_LISTENER_H
#define MAILMAP_LISTENER_H

#include <stdbool.h>
#include <sys/socket.h>

#include "config.h"
#include "proto.h"

struct listener;

/* Binds and listens; needs the privileges to create the socket. index is
 * the listener's position in the configuration. 0, or -1 + message. */
int listener_open(const struct config_listener *conf, size_t index,
		  struct listener **listener_r, const char **error_r);
/* Closes the socket (and removes a unix socket file). */
void listener_close(struct listener **listener);

int listener_fd(const struct listener *listener);
const char *listener_name(const struct listener *listener);
const struct proto *listener_proto(const struct listener *listener);
size_t listener_index(const struct listener *listener);
/* The listener's settings in a configuration (same index). */
const struct config_listener *listener_conf(const struct listener *listener,
					    const struct config *config);
/* Whether two listener settings name the same socket and protocol, with
 * the same owner, group and mode (applied once, at bind). */
bool listener_same_socket(const struct config_listener *a,
			  const struct config_listener *b);

/* Admission of a new client: allowed network and connection limit. On
 * true the caller owns a slot, returned with listener_release(). peer gets
 * a printable address. */
bool listener_admit(struct listener *listener, const struct config *config,
		    const struct sockaddr_storage *addr, char *peer,
		    size_t peer_size, const char **why_r);
void listener_release(struct listener *listener);
/* Is a client at addr in the listener's allow list (a unix socket: any)? */
bool listener_allows(const struct listener *listener,
		     const struct config *config,
		     const struct sockaddr_storage *addr);
/* Whether map (map_len bytes) is served on this listener. */
bool listener_serves(const struct listener *listener,
		     const struct config *config, const char *map,
		     size_t map_len);

#endif
