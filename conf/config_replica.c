/* config_replica: the checks of the "replica" group (multi-host mode,
 * replica/; README "Many hosts") and of the "valkey" group (greylisting
 * shared by several MX). Their settings are rows of config.c's table;
 * these are their value checks and the rules between them. */
#include "config_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "" (single host), or a list of http:// or https:// URLs separated by
 * commas or spaces. */
const char *config_replica_check_etcd(const char *value)
{
	char copy[1024], *save = NULL;

	if (strlen(value) >= sizeof(copy))
		return "too long";
	snprintf(copy, sizeof(copy), "%s", value);
	for (char *tok = strtok_r(copy, ", ", &save); tok != NULL;
	     tok = strtok_r(NULL, ", ", &save)) {
		if (strncmp(tok, "http://", 7) != 0 &&
		    strncmp(tok, "https://", 8) != 0)
			return "expected http:// or https:// URLs of etcd "
			       "members, separated by commas";
		for (const char *p = tok; *p != '\0'; p++) {
			if ((unsigned char)*p < 0x21 || *p == 0x7f)
				return "a URL holds a control character";
		}
	}
	return NULL;
}

/* A key prefix: starts and ends with '/', printable ASCII. */
const char *config_replica_check_prefix(const char *value)
{
	size_t len = strlen(value);

	if (len < 2 || value[0] != '/' || value[len - 1] != '/')
		return "must start and end with / (\"/mailmap/\")";
	for (const char *p = value; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return "printable ASCII without spaces only";
	}
	return NULL;
}

/* "" or an absolute path. */
const char *config_replica_check_file(const char *value)
{
	if (value[0] != '\0' && value[0] != '/')
		return "must be an absolute path, or \"\"";
	return NULL;
}

int config_replica_check_tls(const struct config *config, char *reason,
			     size_t size)
{
	const struct config_replica *r = &config->replica;

	if ((r->cert_file[0] == '\0') == (r->key_file[0] == '\0'))
		return 0;
	snprintf(reason, size,
		 "a client certificate needs its key "
		 "(replica.cert_file and key_file)");
	return -1;
}

int config_replica_check_user(const struct config *config, char *reason,
			      size_t size)
{
	const struct config_replica *r = &config->replica;

	if (r->user[0] == '\0' || r->password_file[0] != '\0')
		return 0;
	snprintf(reason, size, "replica.user needs replica.password_file");
	return -1;
}

const char *const config_greylist_store_names[] = {
    [CONFIG_GREYLIST_LOCAL] = "local",
    [CONFIG_GREYLIST_VALKEY] = "valkey",
    NULL,
};

/* "" or host:port items separated by commas. */
const char *config_valkey_check_endpoints(const char *value)
{
	char copy[1024], *save = NULL;

	if (strlen(value) >= sizeof(copy))
		return "too long";
	snprintf(copy, sizeof(copy), "%s", value);
	for (char *tok = strtok_r(copy, ", ", &save); tok != NULL;
	     tok = strtok_r(NULL, ", ", &save)) {
		char *colon = strrchr(tok, ':');
		char *end;
		long port;

		if (colon == NULL || colon == tok)
			return "expected host:port";
		port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || port < 1 || port > 65535)
			return "expected host:port with a port of 1 to 65535";
	}
	return NULL;
}

int config_valkey_check(const struct config *config, char *reason, size_t size)
{
	const struct config_valkey *v = &config->valkey;

	if (config->policy.greylist_store == CONFIG_GREYLIST_VALKEY &&
	    v->address[0] == '\0' && v->sentinels[0] == '\0') {
		snprintf(reason, size,
			 "greylist_store \"valkey\" needs "
			 "valkey.address or valkey.sentinels");
		return -1;
	}
	return 0;
}
