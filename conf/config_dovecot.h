/*
 * config_dovecot.h - how config.c loads the "dovecot" group
 * (config_dovecot.c) into struct config_dovecot (config.h). Users of the
 * configuration include config.h only.
 */
#ifndef MAILMAP_CONFIG_DOVECOT_H
#define MAILMAP_CONFIG_DOVECOT_H

#include <libconfig.h>

#include "config.h"

/* The group's settings as dotted paths ("dovecot.uid") in turn. */
void config_dovecot_each(void (*fn)(const char *path, void *context),
			 void *context);

/* The root setting config_dovecot_load() parses instead of settings[]. */
#define CONFIG_DOVECOT_PATH "dovecot"

/* Sets every dovecot setting to its default; 0, or -1 with a malloc'ed
   message in *error_r (NULL only when out of memory). */
int config_dovecot_defaults(struct config *config, char **error_r);

/* Loads the "dovecot" setting s (a group) of file into config->dovecot;
   0, or -1 with a malloc'ed "file:line: dovecot.key: reason" in *error_r
   (NULL only when out of memory). On error, what was loaded stays in
   config for config_dovecot_free(). */
int config_dovecot_load(const char *file, const config_setting_t *s,
			struct config *config, char **error_r);

/* Frees the strings of config->dovecot; leaves none. */
void config_dovecot_free(struct config *config);

#endif
