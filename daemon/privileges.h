/*
 * privileges: mailmapd binds its sockets as root if it must, then becomes
 * the configured user for good, and never serves as root.
 */
#ifndef MAILMAP_PRIVILEGES_H
#define MAILMAP_PRIVILEGES_H

/* Drops to user (and group, "" = the user's group) when running as root;
 * refuses when root has no user to become, or when still root afterwards.
 * 0, or -1 with a message. */
int privileges_drop(const char *user, const char *group, const char **error_r);

#endif
