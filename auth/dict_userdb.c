/*
 * dict_userdb: the userdb answer of a mailbox (design.md "Dovecot",
 * protocols.md 3.6), for L shared/userdb/... and for each row of the user
 * listing. One flat JSON object:
 *
 *   home        the domain's storage, "/", the mailbox's path (its
 *               maildir field, default DOMAIN/LOCAL/), no trailing "/"
 *   mail        dovecot.mail with %u %n %d %h filled in (not sent if "")
 *   uid, gid    dovecot.uid / dovecot.gid: a number, or a name Dovecot
 *               resolves (not sent if "")
 *   quota_rule  "*:storage=<bytes>B" from the mailbox's override, else its
 *               offer; "*:storage=0" (Dovecot: no limit) when unlimited
 *   host        the host of the mailbox's (else its domain's) server, for
 *               a proxying Dovecot; absent when neither names one
 *
 * Every mailbox has a userdb entry, enabled or not, whatever its domain's
 * state: refusing logins is the passdb's job and refusing mail Postfix's;
 * Dovecot still needs the user for LMTP, doveadm and quota.
 *
 * Dovecot expands %-variables in the home and mail fields it receives
 * (the mail process parses them as settings), so every '%' that comes
 * from the store (an address may hold one: RFC 5322 atext) is doubled;
 * otherwise user "a%d@example.com" would get another mailbox's home.
 * Variables of the template that are not filled in here are left for
 * Dovecot.
 */
#include "dict_data.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* A string under construction in the arena. */
struct userdb_buf {
	struct arena *arena;
	char *data;
	size_t len;
	size_t cap;
};

/* The template variables filled in here: %u, %n, %d, %h. */
enum userdb_var { VAR_USER, VAR_USERNAME, VAR_DOMAIN, VAR_HOME, VAR_COUNT };

static const struct {
	char letter;
	const char *name; /* the %{name} form */
} userdb_var_names[VAR_COUNT] = {
    [VAR_USER] = {'u', "user"},
    [VAR_USERNAME] = {'n', "username"},
    [VAR_DOMAIN] = {'d', "domain"},
    [VAR_HOME] = {'h', "home"},
};

static void userdb_put(struct userdb_buf *buf, const char *s, size_t len)
{
	arena_append(buf->arena, &buf->data, &buf->len, &buf->cap, s, len);
}

/* Appends s with every '%' doubled: Dovecot reads it as literal text. */
static void userdb_put_escaped(struct userdb_buf *buf, const char *s,
			       size_t len)
{
	for (size_t i = 0; i < len; i++)
		userdb_put(buf, s[i] == '%' ? "%%" : &s[i],
			   s[i] == '%' ? 2 : 1);
}

static const char *userdb_done(struct userdb_buf *buf)
{
	if (buf->data == NULL)
		userdb_put(buf, "", 0);
	return buf->data;
}

/* storage + "/" + path, without the trailing slashes of either. */
static const char *userdb_home(struct arena *arena, const char *storage,
			       const char *path)
{
	struct userdb_buf buf = {arena, NULL, 0, 0};
	size_t storage_len = strlen(storage), path_len = strlen(path);

	while (storage_len > 0 && storage[storage_len - 1] == '/')
		storage_len--;
	while (path_len > 0 && path[path_len - 1] == '/')
		path_len--;
	userdb_put_escaped(&buf, storage, storage_len);
	if (path_len != 0 || storage_len == 0)
		userdb_put(&buf, "/", 1);
	userdb_put_escaped(&buf, path, path_len);
	return userdb_done(&buf);
}

/* Which of our variables starts at p ("%u", "%{user}"), with its length
 * in the template; -1 for any other. */
static int userdb_var_at(const char *p, size_t *used_r)
{
	for (int v = 0; v < VAR_COUNT; v++) {
		const char *name = userdb_var_names[v].name;
		size_t len = strlen(name);

		if (p[1] == userdb_var_names[v].letter) {
			*used_r = 2;
			return v;
		}
		if (p[1] == '{' && strncmp(p + 2, name, len) == 0 &&
		    p[2 + len] == '}') {
			*used_r = len + 3;
			return v;
		}
	}
	return -1;
}

/* Fills in our variables (values: '%' not yet doubled, but the home's);
 * "%%" and every other variable are copied for Dovecot. */
static const char *userdb_mail(struct arena *arena, const char *template,
			       const struct dict_str *values)
{
	struct userdb_buf buf = {arena, NULL, 0, 0};
	size_t used;
	int v;

	for (const char *p = template; *p != '\0'; p += used) {
		used = p[0] == '%' && p[1] != '\0' ? 2 : 1;
		v = p[0] == '%' ? userdb_var_at(p, &used) : -1;
		if (v < 0)
			userdb_put(&buf, p, used);
		else if (v == VAR_HOME)
			userdb_put(&buf, values[v].data, values[v].len);
		else
			userdb_put_escaped(&buf, values[v].data, values[v].len);
	}
	return userdb_done(&buf);
}

static bool userdb_is_number(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* uid or gid: a number, or a name as a string; nothing when "". */
static void userdb_id(struct dict_json *json, const char *name,
		      const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	if (userdb_is_number(value))
		dict_json_number(json, name, value);
	else
		dict_json_string(json, name, value);
}

static const char *userdb_quota_rule(struct arena *arena, uint64_t quota)
{
	if (quota == RECORD_UNLIMITED)
		return "*:storage=0";
	return arena_printf(arena, "*:storage=%" PRIu64 "B", quota);
}

/* The template's values for a mailbox; the home is already escaped. */
static void userdb_values(const char *address, const char *home,
			  struct dict_str *values)
{
	const char *domain;
	size_t local_len;

	names_address_split(address, &local_len, &domain);
	values[VAR_USER] = (struct dict_str){address, strlen(address)};
	values[VAR_USERNAME] = (struct dict_str){address, local_len};
	values[VAR_DOMAIN] = (struct dict_str){domain, strlen(domain)};
	values[VAR_HOME] = (struct dict_str){home, strlen(home)};
}

void dict_userdb_answer(const struct dict_ctx *ctx,
			const struct account *account, struct dict_reply *reply)
{
	const struct config_dovecot *set = &ctx->config->dovecot;
	const char *home =
	    userdb_home(ctx->arena, account->domain->storage,
			account_mail_path(account->mailbox, ctx->arena));
	struct dict_str values[VAR_COUNT];
	struct dict_json json;

	userdb_values(account->mailbox->address, home, values);
	dict_json_begin(&json, ctx->arena);
	dict_json_string(&json, "home", home);
	if (set->mail != NULL && set->mail[0] != '\0')
		dict_json_string(&json, "mail",
				 userdb_mail(ctx->arena, set->mail, values));
	userdb_id(&json, "uid", set->uid);
	userdb_id(&json, "gid", set->gid);
	dict_json_string(&json, "quota_rule",
			 userdb_quota_rule(ctx->arena, account_quota(account)));
	if (account->server != NULL && account->server->host[0] != '\0')
		dict_json_string(&json, "host", account->server->host);
	dict_json_end(&json, reply);
}

bool dict_account_load(const struct dict_ctx *ctx, const char *address,
		       struct account *account_r, struct dict_reply *reply)
{
	const char *reason = "store read failed";

	switch (account_load(ctx->config_txn, ctx->arena, address, account_r,
			     &reason)) {
	case LOOKUP_FOUND:
		return true;
	case LOOKUP_NOTFOUND:
		dict_reply_notfound(reply);
		return false;
	default:
		dict_reply_failed(reply, reason);
		return false;
	}
}

void dict_userdb_lookup(const struct dict_ctx *ctx, const char *address,
			struct dict_reply *reply)
{
	struct account account;

	if (dict_account_load(ctx, address, &account, reply))
		dict_userdb_answer(ctx, &account, reply);
}
