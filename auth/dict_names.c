/*
 * dict_names: the dict names of mailmapd's Dovecot dict service
 * (dict_backend.h), dict_lookup() dispatching on them, and the helpers
 * every dict shares: keys, users, replies.
 *
 * A user field that does not normalise into an address (names.h) is
 * NOTFOUND for every lookup: keys are per user, and Dovecot's own server
 * crashed on a priv/ lookup without one (protocols.md 3.3).
 */
#include "dict_data.h"

#include <string.h>

const char *const dict_name_strings[] = {
    [DICT_NAME_AUTH] = "auth",	 [DICT_NAME_USERDB] = "userdb",
    [DICT_NAME_QUOTA] = "quota", [DICT_NAME_LASTLOGIN] = "lastlogin",
    [DICT_NAME_SIEVE] = "sieve", [DICT_NAME_COUNT] = NULL,
};

static dict_lookup_fn *const dict_lookups[DICT_NAME_COUNT] = {
    [DICT_NAME_AUTH] = dict_auth_lookup,
    [DICT_NAME_USERDB] = dict_auth_lookup,
    [DICT_NAME_QUOTA] = dict_quota_lookup,
    [DICT_NAME_LASTLOGIN] = dict_lastlogin_lookup,
    [DICT_NAME_SIEVE] = dict_sieve_lookup,
};

bool dict_key_prefix(const char *key, size_t len, const char *prefix,
		     struct dict_str *rest_r)
{
	size_t prefix_len = strlen(prefix);

	if (len < prefix_len || memcmp(key, prefix, prefix_len) != 0)
		return false;
	rest_r->data = key + prefix_len;
	rest_r->len = len - prefix_len;
	return true;
}

bool dict_str_is(struct dict_str s, const char *text)
{
	return s.len == strlen(text) && memcmp(s.data, text, s.len) == 0;
}

bool dict_user_address(const char *user, size_t len, char *address)
{
	const char *error;

	return len != 0 &&
	       names_address_normalize(user, len, address, &error) == 0;
}

void dict_reply_found(struct dict_reply *reply, const char *value, size_t len)
{
	reply->status = DICT_FOUND;
	reply->value = value;
	reply->len = len;
	reply->escape_free = false;
}

void dict_reply_notfound(struct dict_reply *reply)
{
	reply->status = DICT_NOTFOUND;
	reply->value = NULL;
	reply->len = 0;
	reply->escape_free = false;
}

void dict_reply_failed(struct dict_reply *reply, const char *reason)
{
	reply->status = DICT_FAILED;
	reply->value = reason;
	reply->len = strlen(reason);
	reply->escape_free = false;
}

void dict_lookup(const struct dict_ctx *ctx, enum dict_name dict,
		 const char *key, size_t key_len, const char *user,
		 size_t user_len, struct dict_reply *reply)
{
	char address[NAMES_ADDRESS_MAX + 1];
	struct dict_str k = {key, key_len};

	if ((unsigned)dict >= DICT_NAME_COUNT ||
	    !dict_user_address(user, user_len, address)) {
		dict_reply_notfound(reply);
		return;
	}
	dict_lookups[dict](ctx, dict, k, address, reply);
}
