/*
 * dict_quota: the dicts "quota" (Dovecot's quota plugin, dict backend,
 * protocols.md 3.7) and "lastlogin" (the last_login plugin), over the
 * state store's records of a mailbox (maps/usage.h).
 *
 *   dict       key                        L                C (B/S/U/A)
 *   ---------  -------------------------  ---------------  --------------
 *   quota      priv/quota/storage         i64, decimal     S U A
 *              priv/quota/messages        i64, decimal     S U A
 *   lastlogin  shared/last-login/<any>    unix seconds     S
 *
 * The user is the command's (L) or the transaction's (B), normalised.
 * L: a missing value is NOTFOUND (the quota plugin then recalculates);
 * a key the dict does not hold too.
 *
 * C applies the whole transaction in one write of the state store, in
 * order. Everything is checked first: a key the dict does not write (U
 * or A on lastlogin, any other key), a value that is not a decimal
 * integer in range, an empty user or one that is not an address make the
 * commit FAILED with nothing applied. An A on a counter that does not
 * exist creates nothing and makes the commit NOTFOUND, the other
 * operations being applied, as Dovecot's own file and SQL dicts do;
 * Dovecot then recalculates. Increments saturate at the i64 limits.
 *
 * Last login: Dovecot writes unix seconds, or with last_login_precision
 * ms, us or ns a larger integer, without a suffix. A value of 10^11 or
 * more (past the year 5000 in seconds) is read as ms, 10^14 as us, 10^17
 * as ns, and stored in seconds: mailmapctl shows one unit.
 */
#include "dict_data.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "usage.h"

/* What one operation of a transaction does, once checked. */
struct quota_step {
	enum dict_op_kind kind;
	bool last_login;	    /* else a counter */
	enum usage_counter counter; /* !last_login */
	int64_t value;		    /* SET, INC */
	uint64_t when;		    /* last login, seconds */
};

struct quota_commit {
	enum dict_name dict;
	const char *address;
	const struct dict_op *ops;
	size_t count;
	bool missed; /* an increment found no counter */
};

/* "priv/quota/storage" -> USAGE_STORAGE; -1 for any other key. */
static int quota_counter_of(struct dict_str key)
{
	struct dict_str name;

	if (!dict_key_prefix(key.data, key.len, DICT_QUOTA_PREFIX, &name))
		return -1;
	for (int c = 0; c < USAGE_COUNTER_COUNT; c++) {
		if (dict_str_is(name, usage_counter_names[c]))
			return c;
	}
	return -1;
}

/* Decimal digits into *value_r, at most max; false otherwise. */
static bool quota_parse_digits(const char *s, size_t len, uint64_t max,
			       uint64_t *value_r)
{
	uint64_t value = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned digit = (unsigned)(s[i] - '0');
		if (s[i] < '0' || s[i] > '9' || value > (max - digit) / 10)
			return false;
		value = value * 10 + digit;
	}
	*value_r = value;
	return true;
}

/* A signed decimal in i64 range ("-74"); no sign but '-', no spaces. */
static bool quota_parse_i64(const char *s, size_t len, int64_t *value_r)
{
	bool negative = len != 0 && s[0] == '-';
	uint64_t magnitude;

	if (!quota_parse_digits(s + negative, len - negative,
				(uint64_t)INT64_MAX + negative, &magnitude))
		return false;
	if (negative)
		*value_r = magnitude == (uint64_t)INT64_MAX + 1
			       ? INT64_MIN
			       : -(int64_t)magnitude;
	else
		*value_r = (int64_t)magnitude;
	return true;
}

/* A last login in seconds, ms, us or ns (see the header). */
static bool quota_parse_time(const char *s, size_t len, uint64_t *when_r)
{
	static const uint64_t scales[][2] = {
	    {100000000000000000ULL, 1000000000}, /* ns */
	    {100000000000000ULL, 1000000},	 /* us */
	    {100000000000ULL, 1000},		 /* ms */
	};
	uint64_t value;

	if (!quota_parse_digits(s, len, UINT64_MAX, &value))
		return false;
	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		if (value >= scales[i][0]) {
			value /= scales[i][1];
			break;
		}
	}
	*when_r = value;
	return true;
}

static bool quota_check_counter_op(const struct dict_op *op,
				   struct quota_step *step)
{
	int counter = quota_counter_of((struct dict_str){op->key, op->key_len});

	if (counter < 0)
		return false;
	step->counter = counter;
	if (op->kind == DICT_OP_UNSET)
		return true;
	return quota_parse_i64(op->value, op->value_len, &step->value);
}

static bool quota_check_login_op(const struct dict_op *op,
				 struct quota_step *step)
{
	struct dict_str rest;

	step->last_login = true;
	return op->kind == DICT_OP_SET &&
	       dict_key_prefix(op->key, op->key_len, DICT_LASTLOGIN_PREFIX,
			       &rest) &&
	       quota_parse_time(op->value, op->value_len, &step->when);
}

/* Checks one operation of a dict's transaction into *step. */
static bool quota_check_op(enum dict_name dict, const struct dict_op *op,
			   struct quota_step *step)
{
	memset(step, 0, sizeof(*step));
	step->kind = op->kind;
	if (dict == DICT_NAME_QUOTA)
		return quota_check_counter_op(op, step);
	return dict == DICT_NAME_LASTLOGIN && quota_check_login_op(op, step);
}

static int quota_apply(struct store_txn *txn, struct quota_commit *c,
		       const struct quota_step *step)
{
	int ret;

	if (step->last_login)
		return usage_set_last_login(txn, c->address, step->when);
	switch (step->kind) {
	case DICT_OP_SET:
		return usage_set_counter(txn, c->address, step->counter,
					 step->value);
	case DICT_OP_UNSET:
		return usage_unset_counter(txn, c->address, step->counter);
	case DICT_OP_INC:
		ret = usage_add_counter(txn, c->address, step->counter,
					step->value);
		c->missed |= ret == STORE_NOTFOUND;
		return ret == STORE_NOTFOUND ? STORE_OK : ret;
	}
	return STORE_OK;
}

/* The store_write body; may run again after a map resize. */
static int quota_commit_body(struct store_txn *txn, void *context)
{
	struct quota_commit *c = context;
	struct quota_step step;

	c->missed = false;
	for (size_t i = 0; i < c->count; i++) {
		quota_check_op(c->dict, &c->ops[i], &step); /* checked */
		if (quota_apply(txn, c, &step) != STORE_OK)
			return 0; /* the sticky error refuses the commit */
	}
	return 0;
}

/* Why the transaction cannot be applied, or NULL. */
static const char *quota_commit_refusal(const struct quota_commit *c)
{
	struct quota_step step;

	if (c->dict != DICT_NAME_QUOTA && c->dict != DICT_NAME_LASTLOGIN)
		return "this dict is read-only";
	for (size_t i = 0; i < c->count; i++) {
		if (!quota_check_op(c->dict, &c->ops[i], &step))
			return c->dict == DICT_NAME_QUOTA
				   ? "bad quota update (key or number)"
				   : "bad last-login update (key or number)";
	}
	return NULL;
}

void dict_commit(struct store *state, enum dict_name dict, const char *user,
		 size_t user_len, const struct dict_op *ops, size_t count,
		 struct dict_reply *reply)
{
	char address[NAMES_ADDRESS_MAX + 1];
	struct quota_commit c = {dict, address, ops, count, false};
	const char *why, *error;

	if (!dict_user_address(user, user_len, address)) {
		dict_reply_failed(reply, "transaction without a valid user");
		return;
	}
	why = quota_commit_refusal(&c);
	if (why == NULL && state == NULL)
		why = "no state store";
	if (why == NULL && count != 0 &&
	    store_write(state, quota_commit_body, &c, &error) != STORE_OK)
		why = "state store write failed";
	if (why != NULL)
		dict_reply_failed(reply, why);
	else if (c.missed)
		dict_reply_notfound(reply);
	else
		dict_reply_found(reply, "", 0);
}

/* The decimal text of a value into the arena, as a FOUND reply. */
static void quota_reply_number(const struct dict_ctx *ctx, const char *text,
			       struct dict_reply *reply)
{
	char *copy = arena_strdup(ctx->arena, text);

	dict_reply_found(reply, copy, strlen(copy));
}

/* A read's result: FOUND was answered; the rest is answered here. */
static bool quota_read_failed(int ret, struct dict_reply *reply)
{
	if (ret == STORE_OK)
		return false;
	if (ret == STORE_NOTFOUND)
		dict_reply_notfound(reply);
	else
		dict_reply_failed(reply, "state store read failed");
	return true;
}

void dict_quota_lookup(const struct dict_ctx *ctx, enum dict_name dict,
		       struct dict_str key, const char *address,
		       struct dict_reply *reply)
{
	int counter = quota_counter_of(key);
	char text[24];
	int64_t value;

	(void)dict;
	if (counter < 0) {
		dict_reply_notfound(reply);
		return;
	}
	if (ctx->state_txn == NULL) {
		dict_reply_failed(reply, "no state store");
		return;
	}
	if (quota_read_failed(
		usage_get_counter(ctx->state_txn, address, counter, &value),
		reply))
		return;
	snprintf(text, sizeof(text), "%" PRId64, value);
	quota_reply_number(ctx, text, reply);
}

void dict_lastlogin_lookup(const struct dict_ctx *ctx, enum dict_name dict,
			   struct dict_str key, const char *address,
			   struct dict_reply *reply)
{
	struct dict_str rest;
	char text[24];
	uint64_t when;

	(void)dict;
	if (!dict_key_prefix(key.data, key.len, DICT_LASTLOGIN_PREFIX, &rest)) {
		dict_reply_notfound(reply);
		return;
	}
	if (ctx->state_txn == NULL) {
		dict_reply_failed(reply, "no state store");
		return;
	}
	if (quota_read_failed(
		usage_get_last_login(ctx->state_txn, address, &when), reply))
		return;
	snprintf(text, sizeof(text), "%" PRIu64, when);
	quota_reply_number(ctx, text, reply);
}
