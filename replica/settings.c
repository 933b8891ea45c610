/* settings: mailmapd.conf's replica group for replica/; see settings.h. */
#include "settings.h"

bool replica_enabled(const struct config *config)
{
	return config->replica.etcd[0] != '\0';
}

struct replica_settings replica_settings_of(const struct config *config)
{
	const struct config_replica *r = &config->replica;
	struct replica_settings s = {
	    .etcd = {.endpoints = r->etcd,
		     .ca_file = r->ca_file,
		     .cert_file = r->cert_file,
		     .key_file = r->key_file,
		     .user = r->user,
		     .password_file = r->password_file,
		     .bind_address = r->bind_address,
		     .timeout_ms = r->timeout_ms},
	    .prefix = r->prefix,
	};

	return s;
}
