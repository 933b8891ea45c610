/* dictutil: the dict answers on test stores; see dictutil.h. */
#include "dictutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"

#define TU_DICT_OPS 16

/* Read snapshots of both stores for one call. */
struct tu_snap {
	struct store_reader *config_reader, *state_reader;
	struct dict_ctx ctx;
	struct arena arena;
};

/* Every mailbox with a password has "secret". */
static const char *const tu_dict_fixture_lines[] = {
    "server add imap1 host=192.0.2.10 roles=imap",
    "server add imap2 host=mail2.example.net roles=imap",
    "customer add acme",
    "offer add acme/basic quota=5000",
    "offer add acme/unlimited",
    "offer add acme/noimap imap=no",
    "offer add acme/nopop pop=no",
    "offer add acme/tls ssl=force",
    "offer add acme/notls ssl=forbid",
    "domain add example.com customer=acme server=imap1 storage=/srv/mail",
    "domain add example.net customer=acme",
    "domain add off.org customer=acme active=no",
    "domain-alias add alias.org target=example.com",
    "mailbox add user@example.com offer=acme/basic extra=extra@example.com "
    "--password",
    "mailbox add off@example.com offer=acme/noimap enabled=no --password",
    "mailbox add nologin@example.com offer=acme/basic login=no --password",
    "mailbox add popper@example.com offer=acme/noimap --password",
    "mailbox add imapper@example.com offer=acme/nopop --password",
    "mailbox add tls@example.com offer=acme/tls --password",
    "mailbox add plain@example.com offer=acme/notls --password",
    "mailbox add big@example.com offer=acme/basic quota=20k --password",
    "mailbox add nopass@example.com offer=acme/basic",
    "mailbox add custom@example.com offer=acme/basic maildir=custom/path/",
    "mailbox add a%d@example.com offer=acme/basic",
    "mailbox add a/b@example.com offer=acme/basic",
    "mailbox add free@example.net offer=acme/unlimited --password",
    "mailbox add moved@example.net offer=acme/basic server=imap2 --password",
    "mailbox add in@off.org offer=acme/basic --password",
    "alias add staff@example.com targets=user@example.com",
};

void tu_dict_fixture(struct tu_dict *d)
{
	for (size_t i = 0; i < sizeof(tu_dict_fixture_lines) /
				   sizeof(tu_dict_fixture_lines[0]);
	     i++) {
		const char *line = tu_dict_fixture_lines[i];
		tu_dict_ok(d, line,
			   strstr(line, "--password") != NULL ? "secret\n"
							      : NULL);
	}
}

struct tu_dict *tu_dict_new(void)
{
	struct tu_dict *d = calloc(1, sizeof(*d));
	struct store_settings settings = {
	    .kind = STORE_ENV_STATE, .create = true, .nosync = true};
	const char *error;

	d->t = tu_ctl_new();
	d->records = record_cache_new();
	settings.dir = d->t->ctl.state_dir;
	ck_assert_int_eq(store_open(&settings, &d->state, &error), STORE_OK);
	tu_dict_set(d, "uid", "5000");
	tu_dict_set(d, "gid", "vmail");
	tu_dict_set(d, "mail", "maildir:~/Maildir");
	return d;
}

void tu_dict_free(struct tu_dict *d)
{
	store_close(&d->state);
	record_cache_free(&d->records);
	tu_ctl_free(d->t);
	free(d);
}

void tu_dict_ok(struct tu_dict *d, const char *line, const char *input)
{
	int got;

	d->t->input = input;
	got = tu_run(d->t, line);
	ck_assert_msg(got == 0, "%s: exit %d: %s", line, got, d->t->err);
}

void tu_dict_set(struct tu_dict *d, const char *name, const char *value)
{
	struct config_dovecot *set = &d->t->ctl.config->dovecot;
	char **field = strcmp(name, "uid") == 0	  ? &set->uid
		       : strcmp(name, "gid") == 0 ? &set->gid
						  : &set->mail;

	free(*field);
	*field = strdup(value);
}

static struct store_txn *tu_snap_read(struct store *store,
				      struct store_reader **reader, bool fail)
{
	struct store_txn *txn;
	const char *error;

	ck_assert_int_eq(store_reader_new(store, reader, &error), STORE_OK);
	ck_assert_int_eq(store_read_begin(*reader, &txn, &error), STORE_OK);
	if (fail)
		store_txn_fail(txn, STORE_TEMPFAIL, "simulated failure");
	return txn;
}

static void tu_snap_begin(struct tu_dict *d, struct tu_snap *snap)
{
	memset(snap, 0, sizeof(*snap));
	arena_init(&snap->arena, 0);
	snap->ctx.arena = &snap->arena;
	snap->ctx.config = d->t->ctl.config;
	snap->ctx.config_txn =
	    tu_snap_read(d->t->ctl.store, &snap->config_reader, d->fail_config);
	record_cache_trim(d->records); /* a request begins, as in a worker */
	store_reader_set_user(snap->config_reader, d->records);
	if (!d->no_state)
		snap->ctx.state_txn =
		    tu_snap_read(d->state, &snap->state_reader, d->fail_state);
}

static void tu_snap_end(struct tu_snap *snap)
{
	store_reader_free(&snap->config_reader);
	store_reader_free(&snap->state_reader);
	arena_deinit(&snap->arena);
}

static void tu_copy(char *out, size_t size, const char *value, size_t len)
{
	ck_assert_uint_lt(len, size);
	if (len != 0)
		memcpy(out, value, len);
	out[len] = '\0';
}

/* Keeps a reply: its status, and its value or reason as a string. */
static enum dict_status tu_keep(struct tu_dict *d,
				const struct dict_reply *reply)
{
	d->status = reply->status;
	d->value[0] = '\0';
	if (reply->status == DICT_NOTFOUND)
		ck_assert_ptr_null(reply->value);
	else
		tu_copy(d->value, sizeof(d->value), reply->value, reply->len);
	return reply->status;
}

enum dict_status tu_dict_lookup(struct tu_dict *d, enum dict_name dict,
				const char *key, const char *user)
{
	struct dict_reply reply = {DICT_FAILED, "unset", 5};
	struct tu_snap snap;
	enum dict_status status;

	tu_snap_begin(d, &snap);
	dict_lookup(&snap.ctx, dict, key, strlen(key), user, strlen(user),
		    &reply);
	status = tu_keep(d, &reply);
	tu_snap_end(&snap);
	return status;
}

int tu_dict_iterate(struct tu_dict *d, enum dict_name dict, const char *path,
		    unsigned flags, const char *after, size_t max)
{
	struct dict_row rows[TU_DICT_ROWS];
	struct tu_snap snap;
	int ret;

	ck_assert_uint_le(max, TU_DICT_ROWS);
	d->error = NULL;
	tu_snap_begin(d, &snap);
	ret = dict_iterate(&snap.ctx, dict, path, strlen(path), flags, "*", 1,
			   after, strlen(after), rows, max, &d->error);
	d->row_count = ret > 0 ? (size_t)ret : 0;
	for (size_t i = 0; i < d->row_count; i++) {
		tu_copy(d->keys[i], sizeof(d->keys[i]), rows[i].key,
			rows[i].key_len);
		tu_copy(d->values[i], sizeof(d->values[i]), rows[i].value,
			rows[i].value_len);
	}
	tu_snap_end(&snap);
	return ret;
}

/* "S key value" into op; the strings point into text (a copy). */
static void tu_parse_op(char *text, struct dict_op *op)
{
	char *key = strchr(text, ' ');
	char *value;

	ck_assert_ptr_nonnull(key);
	*key++ = '\0';
	op->kind = text[0] == 'S'   ? DICT_OP_SET
		   : text[0] == 'U' ? DICT_OP_UNSET
				    : DICT_OP_INC;
	value = text[0] == 'U' ? NULL : strchr(key, ' ');
	if (value != NULL)
		*value++ = '\0';
	op->key = key;
	op->key_len = strlen(key);
	op->value = value != NULL ? value : "";
	op->value_len = strlen(op->value);
}

enum dict_status tu_dict_commit(struct tu_dict *d, enum dict_name dict,
				const char *user, const char *const *ops)
{
	struct dict_op parsed[TU_DICT_OPS];
	char copies[TU_DICT_OPS][512];
	struct dict_reply reply = {DICT_FAILED, "unset", 5};
	size_t count = 0;

	for (; ops[count] != NULL; count++) {
		ck_assert_uint_lt(count, TU_DICT_OPS);
		snprintf(copies[count], sizeof(copies[count]), "%s",
			 ops[count]);
		tu_parse_op(copies[count], &parsed[count]);
	}
	dict_commit(d->no_state ? NULL : d->state, dict, user, strlen(user),
		    parsed, count, &reply);
	return tu_keep(d, &reply);
}

const char *tu_dict_hash(struct tu_dict *d, const char *address)
{
	static char hash[512];
	const struct record_desc *desc = record_desc_get(REC_MAILBOX);
	struct rec_mailbox mailbox;
	struct store_reader *reader;
	struct store_txn *txn = tu_snap_read(d->t->ctl.store, &reader, false);
	struct store_val value;
	struct arena arena;
	const char *error;

	arena_init(&arena, 0);
	ck_assert_int_eq(
	    store_get(txn, STORE_ADDRESSES, address, strlen(address), &value),
	    STORE_OK);
	ck_assert_int_eq(record_decode(desc, address, strlen(address),
				       value.data, value.len, &arena, &mailbox,
				       &error),
			 0);
	snprintf(hash, sizeof(hash), "%s", mailbox.password);
	arena_deinit(&arena);
	store_reader_free(&reader);
	return hash;
}
