/*
 * Unit tests of auth/dict_session.c on a fake backend: each command's
 * reply shape, H unanswered, pipelined replies in order, the handshake
 * (versions 3 and 4, served names), the v4 differences (B's expire
 * field, T, V, no D), a priv/ key with an empty user, a
 * config store that cannot be read (F, never N), transactions (rollback
 * leaves nothing, commit hands over the ops and B's user, N and F
 * commits, limits, release at close), protocol violations that close,
 * iteration in chunks (max_rows across chunks, NO_VALUE, a failure after
 * rows). The codec has its own suite (test_dict_codec.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict_codec.h"
#include "dict_session.h"
#include "testutil.h"

/* ---- the fake backend ----------------------------------------------- */

static char out[1 << 19];
static size_t out_len;
static char last_user[64]; /* of the last L, I or C */
static size_t last_user_len;
static unsigned last_flags;
static int commits;
static char commit_user[64];
static struct {
	enum dict_op_kind kind;
	char key[64], value[64];
	bool has_value;
} commit_ops[DICT_TXN_OPS_MAX];
static size_t commit_count;
static enum dict_status commit_status;
static int total_rows; /* rows the fake iteration holds */

static void sink_write(void *context, const char *data, size_t len)
{
	(void)context;
	ck_assert_uint_lt(out_len + len, sizeof(out));
	memcpy(out + out_len, data, len);
	out_len += len;
	out[out_len] = '\0';
}

static void keep_user(const char *user, size_t len)
{
	snprintf(last_user, sizeof(last_user), "%.*s", (int)len, user);
	last_user_len = len;
}

static void fake_lookup(const struct dict_ctx *ctx, enum dict_name dict,
			const char *key, size_t key_len, const char *user,
			size_t user_len, struct dict_reply *reply)
{
	(void)ctx;
	keep_user(user, user_len);
	if (key_len == 5 && memcmp(key, "fail!", 5) == 0) {
		*reply = (struct dict_reply){DICT_FAILED, "broken\tstore", 12};
	} else if (dict == DICT_NAME_AUTH && strcmp(key, "shared/x") == 0) {
		*reply = (struct dict_reply){DICT_FOUND, "va\tl\nue", 7};
	} else if (strcmp(key, "priv/quota/storage") == 0 && user_len != 0) {
		*reply = (struct dict_reply){DICT_FOUND, "74", 2};
	} else { /* the backend's contract: a priv/ key without a user */
		*reply = (struct dict_reply){DICT_NOTFOUND, NULL, 0};
	}
}

/* Rows "<path>NNNN" after `after`, up to total_rows. Path "fail/" fails
 * at once, "late/" after the first chunk, "long/" has over-long keys. */
static int fake_iterate(const struct dict_ctx *ctx, enum dict_name dict,
			const char *path, size_t path_len, unsigned flags,
			const char *user, size_t user_len, const char *after,
			size_t after_len, struct dict_row *rows, size_t max,
			const char **error_r)
{
	static char keys[DICT_ITER_CHUNK][1200];
	bool is_long = strcmp(path, "long/") == 0;
	int start = after_len == 0 ? 0 : atoi(after + path_len) + 1;
	int n = 0;

	(void)ctx;
	(void)dict;
	keep_user(user, user_len);
	last_flags = flags;
	if (strcmp(path, "fail/") == 0 ||
	    (strcmp(path, "late/") == 0 && start != 0)) {
		*error_r = "no";
		return -1;
	}
	for (int i = start; i < total_rows && (size_t)n < max; i++, n++) {
		int len = snprintf(keys[n], sizeof(keys[n]), "%s%04d%*s", path,
				   i, is_long ? 1100 : 0, "");
		rows[n] = (struct dict_row){
		    keys[n], (size_t)len,
		    (flags & DICT_ITER_NO_VALUE) != 0 ? "" : "v",
		    (flags & DICT_ITER_NO_VALUE) != 0 ? 0 : 1};
	}
	return n;
}

static void fake_commit(struct store *state, enum dict_name dict,
			const char *user, size_t user_len,
			const struct dict_op *ops, size_t count,
			struct dict_reply *reply)
{
	(void)state;
	(void)dict;
	commits++;
	snprintf(commit_user, sizeof(commit_user), "%.*s", (int)user_len, user);
	for (size_t i = 0; i < count; i++) {
		commit_ops[i].kind = ops[i].kind;
		snprintf(commit_ops[i].key, sizeof(commit_ops[i].key), "%.*s",
			 (int)ops[i].key_len, ops[i].key);
		commit_ops[i].has_value = ops[i].value != NULL;
		snprintf(commit_ops[i].value, sizeof(commit_ops[i].value),
			 "%.*s", (int)ops[i].value_len,
			 ops[i].value != NULL ? ops[i].value : "");
	}
	commit_count = count;
	*reply = (struct dict_reply){commit_status, "disk\tfull", 9};
}

static const struct dict_backend_ops fake_ops = {fake_lookup, fake_iterate,
						 fake_commit};

static bool serves_auth_quota(void *context, const char *name, size_t len)
{
	(void)context;
	return (len == 4 && memcmp(name, "auth", 4) == 0) ||
	       (len == 5 && memcmp(name, "quota", 5) == 0);
}

static struct arena arena;
static struct dict_ctx ctx;
static struct dict_env env;
static struct dict_session session;

static void clear_out(void)
{
	out_len = 0;
	out[0] = '\0';
}

static void setup(void)
{
	arena_init(&arena, 0);
	ctx = (struct dict_ctx){.arena = &arena};
	env = (struct dict_env){.ops = &fake_ops,
				.ctx = &ctx,
				.state = (struct store *)&ctx,
				.serves = serves_auth_quota,
				.sink = {sink_write, NULL}};
	memset(&session, 0, sizeof(session));
	clear_out();
	commits = 0;
	commit_count = 0;
	commit_status = DICT_FOUND;
	total_rows = 0;
	last_user_len = 0;
}

static void teardown(void)
{
	dict_session_release(&session);
	arena_deinit(&arena);
}

static void reset(void)
{
	teardown();
	setup();
}

/* Frames and handles every line of input, as the connection layer does
 * (a chunked answer is asked again); the last result. */
static int feed(const char *input)
{
	size_t len = strlen(input), at = 0;
	int ret = DICT_SESSION_DONE;
	const char *error = NULL;

	while (at < len) {
		struct proto_request r;
		ck_assert_int_eq(dict_frame(input + at, len - at, 65536, &r),
				 PROTO_REQUEST);
		do {
			ret = dict_session_handle(&session, &env, r.data, r.len,
						  &error);
			arena_reset(&arena);
		} while (ret == DICT_SESSION_MORE);
		if (ret == DICT_SESSION_CLOSE) {
			ck_assert_ptr_nonnull(error);
			return ret;
		}
		at += r.used;
	}
	return ret;
}

/* ---- handshake and lookups --------------------------------------------- */

START_TEST(hello_and_lookups_in_order)
{
	ck_assert_int_eq(feed("H3\t2\t0\t\tauth\n"), DICT_SESSION_DONE);
	ck_assert_uint_eq(out_len, 0); /* never an answer to H */
	ck_assert_int_eq(dict_session_dict(&session), DICT_NAME_AUTH);
	ck_assert_int_eq(feed("Lshared/x\tu\nLshared/nothere\tu\nLfail!\tu\n"),
			 DICT_SESSION_DONE);
	ck_assert_str_eq(out, "Ova\001tl\001nue\nN\nFbroken\001tstore\n");
	/* Key and user are unescaped before the backend sees them. */
	ck_assert_int_eq(feed("Lshared/\001tx\tu\001t@x\n"), DICT_SESSION_DONE);
	ck_assert_str_eq(last_user, "u\t@x");
}
END_TEST

static const char *const bad_handshakes[] = {
    "H5\t0\t0\t\tauth\n", /* a future Dovecot */
    "H2\t0\t0\t\tauth\n",
    "H33\t2\t0\t\tauth\n",
    "H\t2\t0\t\tauth\n",
    "H3\t2\t0\t\tnosuch\n",
    "H3\t2\t0\t\tauth\0010\n", /* auth + NUL */
    "H3\t2\t0\t\tlastlogin\n", /* not served here */
    "H3\t2\t0\tauth\n",	       /* a field short */
    "Lshared/x\tu\n",	       /* before the handshake */
    "H3\t2\t0\t\tauth\nX1\n",
    "H3\t2\t0\t\tauth\nH3\t2\t0\t\tauth\n",
    "H3\t2\t0\t\tauth\nLshared/x\n", /* no user field */
    "H3\t2\t0\t\tauth\n\n",
};

START_TEST(bad_handshakes_and_commands_close)
{
	ck_assert_int_eq(feed(bad_handshakes[_i]), DICT_SESSION_CLOSE);
	ck_assert_uint_eq(out_len, 0);
}
END_TEST

START_TEST(priv_key_with_empty_user)
{
	/* Minor version, value type and user of H are not checked. */
	ck_assert_int_eq(feed("H3\t0\t1\tsomeone\tquota\n"), DICT_SESSION_DONE);
	ck_assert_int_eq(dict_session_dict(&session), DICT_NAME_QUOTA);
	ck_assert_int_eq(feed("Lpriv/quota/storage\t\n"
			      "Lpriv/quota/storage\tu@x\n"),
			 DICT_SESSION_DONE);
	ck_assert_str_eq(out, "N\nO74\n"); /* answered, connection kept */
}
END_TEST

START_TEST(config_store_unreadable_fails)
{
	feed("H3\t2\t0\t\tquota\n");
	env.store_error = "config store unavailable";
	total_rows = 3;
	ck_assert_int_eq(feed("Lpriv/quota/storage\tu@x\n"
			      "I0\t0\tshared/r/\tu\n"
			      "B1\tu@x\nS1\tk\t1\nC1\n"),
			 DICT_SESSION_DONE);
	ck_assert_str_eq(out, "Fconfig store unavailable\n"
			      "Fconfig store unavailable\nO1\n");
}
END_TEST

/* ---- transactions ------------------------------------------------------- */

START_TEST(transactions)
{
	ck_assert_int_eq(feed("H3\t2\t0\t\tquota\n"
			      "B1\tu@x\nA1\tpriv/quota/storage\t74\n"
			      "U1\tpriv/quota/messages\nR1\n"),
			 DICT_SESSION_DONE);
	ck_assert_int_eq(commits, 0); /* rollback: nothing applied */
	ck_assert_uint_eq(out_len, 0);
	ck_assert_int_eq(feed("B2\tu@x\nS2\tpriv/quota/storage\tva\001tl\n"
			      "Lshared/x\tother\n"
			      "A2\tpriv/quota/messages\t-1\n"
			      "U2\tpriv/quota/storage\nT2\t1\t2\nC2\n"
			      "Lshared/x\tu\n"),
			 DICT_SESSION_DONE);
	ck_assert_int_eq(commits, 1);
	ck_assert_str_eq(commit_user, "u@x"); /* B's user, not L's */
	ck_assert_uint_eq(commit_count, 3);
	ck_assert_int_eq(commit_ops[0].kind, DICT_OP_SET);
	ck_assert_str_eq(commit_ops[0].key, "priv/quota/storage");
	ck_assert_str_eq(commit_ops[0].value, "va\tl");
	ck_assert_int_eq(commit_ops[1].kind, DICT_OP_INC);
	ck_assert_str_eq(commit_ops[1].value, "-1");
	ck_assert_int_eq(commit_ops[2].kind, DICT_OP_UNSET);
	ck_assert(!commit_ops[2].has_value);
	ck_assert_str_eq(out, "N\nO2\nN\n"); /* in order */
	clear_out();
	commit_status = DICT_NOTFOUND;
	feed("B3\tu@x\nA3\tpriv/quota/storage\t1\nC3\n");
	commit_status = DICT_FAILED;
	feed("B4\tu@x\nD4\n");
	commit_status = DICT_FOUND;
	feed("B5\tu@x\nD5\n");
	ck_assert_str_eq(out, "N3\nAF4\tdisk\001tfull\nAO5\n");
	/* The ids are gone once committed. */
	ck_assert_int_eq(feed("C3\n"), DICT_SESSION_CLOSE);
}
END_TEST

START_TEST(commit_without_state_store)
{
	env.state = NULL;
	feed("H3\t2\t0\t\tquota\nB1\tu\nS1\tk\tv\nC1\n");
	ck_assert_int_eq(commits, 0);
	ck_assert_str_eq(out, "F1\tno state store\n");
}
END_TEST

/* After "H3\t2\t0\t\tquota\nB1\tu\n". */
static const char *const bad_transactions[] = {
    "S9\tk\tv\n", "U9\tk\n",	"A9\tk\t1\n",
    "T9\t1\t2\n", "R9\n",	"C9\n",
    "D9\n",	  "B1\tu\n", /* a duplicate id */
    "B1x\tu\n",	  "Bx\tu\n",	"B99999999999999999999999\tu\n",
    "S1\tk\n", /* no value */
    "A1\n",	  "C1\tjunk\n",
};

START_TEST(transaction_violations_close)
{
	feed("H3\t2\t0\t\tquota\nB1\tu\n");
	ck_assert_int_eq(feed(bad_transactions[_i]), DICT_SESSION_CLOSE);
	ck_assert_int_eq(commits, 0);
	ck_assert_uint_eq(out_len, 0);
}
END_TEST

START_TEST(transaction_limits)
{
	static char line[DICT_ITEM_MAX + 64];

	feed("H3\t2\t0\t\tquota\n");
	for (int i = 1; i <= DICT_TXN_MAX; i++) {
		snprintf(line, sizeof(line), "B%d\tu\nU%d\tk\n", i, i);
		ck_assert_int_eq(feed(line), DICT_SESSION_DONE);
	}
	ck_assert_uint_eq(session.txn_count, DICT_TXN_MAX);
	ck_assert_int_eq(feed("B99\tu\n"), DICT_SESSION_CLOSE);
	reset(); /* released with 16 open: ASan sees leaks */
	feed("H3\t2\t0\t\tquota\nB1\tu\n");
	for (int i = 0; i < DICT_TXN_OPS_MAX; i++)
		ck_assert_int_eq(feed("U1\tk\n"), DICT_SESSION_DONE);
	ck_assert_int_eq(feed("U1\tk\n"), DICT_SESSION_CLOSE);
	reset();
	feed("H3\t2\t0\t\tquota\nB1\tu\n");
	snprintf(line, sizeof(line), "S1\tk\t%*s\n", DICT_ITEM_MAX, "");
	ck_assert_int_eq(feed(line), DICT_SESSION_DONE);
	snprintf(line, sizeof(line), "S1\tk\t%*s\n", DICT_ITEM_MAX + 1, "");
	ck_assert_int_eq(feed(line), DICT_SESSION_CLOSE);
	reset();
	feed("H3\t2\t0\t\tquota\n");
	snprintf(line, sizeof(line), "B1\t%*s\n", DICT_ITEM_MAX + 1, "");
	ck_assert_int_eq(feed(line), DICT_SESSION_CLOSE);
}
END_TEST

/* ---- protocol version 4 (Dovecot 2.4) ------------------------------------ */

/* What Dovecot 2.4.1's own clients send (protocols.md 5): the handshake,
 * lookups with and without a user, quota_clone's transaction with B's
 * third field, doveadm's T and V; replies as in v3. */
START_TEST(version_4_commands)
{
	ck_assert_int_eq(feed("H4\t0\t0\t\tquota\n"), DICT_SESSION_DONE);
	ck_assert_uint_eq(out_len, 0);
	ck_assert_uint_eq(session.version, 4);
	ck_assert_int_eq(feed("B1\tuser@example.com\t0\n"
			      "S1\tpriv/quota/storage\t21\n"
			      "S1\tpriv/quota/messages\t1\nC1\n"),
			 DICT_SESSION_DONE);
	ck_assert_str_eq(commit_user, "user@example.com"); /* not "...\t0" */
	ck_assert_uint_eq(commit_count, 2);
	ck_assert_str_eq(commit_ops[1].value, "1");
	ck_assert_int_eq(feed("B2\tuser@example.com\t300\n"
			      "T2\t1700000000\t123456789\nV2\tyes\n"
			      "S2\tpriv/x/b\tline1\001nline2\nA2\tpriv/x/c\t5\n"
			      "U2\tpriv/x/c\nC2\n"
			      "Lpriv/quota/storage\tu@x\nLshared/x\t\n"),
			 DICT_SESSION_DONE);
	ck_assert_uint_eq(commit_count, 3);
	ck_assert_str_eq(commit_ops[0].value, "line1\nline2");
	ck_assert_str_eq(out, "O1\nO2\nO74\nN\n");
	ck_assert_uint_eq(last_user_len, 0); /* the empty user field */
	/* A commit's N and F, as in v3. */
	clear_out();
	commit_status = DICT_FAILED;
	feed("B3\tu\t0\nS3\tk\tv\nC3\n");
	ck_assert_str_eq(out, "F3\tdisk\001tfull\n");
	/* R drops a v4 transaction; I answers as in v3. */
	clear_out();
	commits = 0;
	total_rows = 2;
	ck_assert_int_eq(feed("B5\tu\t0\nS5\tk\tv\nR5\n"
			      "I8\t0\tshared/r/\tu\n"),
			 DICT_SESSION_DONE);
	ck_assert_int_eq(commits, 0);
	ck_assert_str_eq(out, "Oshared/r/0000\t\nOshared/r/0001\t\n\n");
	ck_assert_int_eq(feed("C5\n"), DICT_SESSION_CLOSE); /* gone */
	reset();
	feed("H4\t0\t0\t\tquota\n");
	/* B without its expire field, as Dovecot's own server takes it. */
	commit_status = DICT_FOUND;
	ck_assert_int_eq(feed("B4\tu@y\nC4\n"), DICT_SESSION_DONE);
	ck_assert_str_eq(commit_user, "u@y");
}
END_TEST

/* v4 lines that close the connection: each after "H4...\nB1\tu\t0\n". */
static const char *const bad_version_4[] = {
    "D1\n",	     /* async commit: gone in v4 */
    "B2\tu\tsoon\n", /* not a number */
    "V9\tyes\n",     /* unknown id */
};

START_TEST(version_4_violations_close)
{
	feed("H4\t0\t0\t\tquota\nB1\tu\t0\n");
	ck_assert_int_eq(feed(bad_version_4[_i]), DICT_SESSION_CLOSE);
	ck_assert_int_eq(commits, 0);
}
END_TEST

/* V exists only in v4: a v3 client never sends it. */
START_TEST(version_3_has_no_v)
{
	feed("H3\t2\t0\t\tquota\nB1\tu\n");
	ck_assert_int_eq(feed("V1\tyes\n"), DICT_SESSION_CLOSE);
}
END_TEST

/* ---- iteration ---------------------------------------------------------- */

/* Counts rows and terminators in out; *last_r: the last line's code. */
static void count_rows(int *rows_r, int *ends_r, char *last_r)
{
	*rows_r = *ends_r = 0;
	*last_r = 0;
	for (const char *p = out; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		if (nl == p)
			(*ends_r)++;
		else
			(*rows_r)++;
		*last_r = nl == p ? '\n' : *p;
		p = nl + 1;
	}
}

/* Runs one I line to its end; the number of DICT_SESSION_MORE. */
static int iterate(const char *line)
{
	const char *error;
	int more = 0, ret;

	while ((ret = dict_session_handle(&session, &env, line, strlen(line),
					  &error)) == DICT_SESSION_MORE) {
		arena_reset(&arena);
		more++;
	}
	ck_assert_int_eq(ret, DICT_SESSION_DONE);
	ck_assert(!session.iterating);
	return more;
}

START_TEST(iteration_chunks_and_max_rows)
{
	int rows, ends;
	char last;

	feed("H3\t2\t0\t\tauth\n");
	total_rows = DICT_ITER_CHUNK * 2 + 3;
	ck_assert_int_eq(iterate("I0\t0\tshared/r/\t*"), 2);
	ck_assert_str_eq(last_user, "*");
	count_rows(&rows, &ends, &last);
	ck_assert_int_eq(rows, total_rows);
	ck_assert_int_eq(ends, 1);
	ck_assert_int_eq(last, '\n');
	ck_assert(strncmp(out, "Oshared/r/0000\tv\nOshared/r/0001\tv\n", 34) ==
		  0);
	ck_assert(strstr(out, "Oshared/r/0514\tv\n\n") != NULL);
	/* max_rows counts across chunks. */
	clear_out();
	ck_assert_int_eq(iterate("I0\t266\tshared/r/\t*"), 1);
	count_rows(&rows, &ends, &last);
	ck_assert_int_eq(rows, DICT_ITER_CHUNK + 10);
	ck_assert_int_eq(ends, 1);
	clear_out();
	feed("I0\t5\tshared/r/\t*\n");
	count_rows(&rows, &ends, &last);
	ck_assert_int_eq(rows, 5);
	/* Exactly a chunk: one more call finds no more rows. */
	clear_out();
	total_rows = DICT_ITER_CHUNK;
	ck_assert_int_eq(iterate("I0\t0\tshared/r/\t*"), 1);
	count_rows(&rows, &ends, &last);
	ck_assert_int_eq(rows, DICT_ITER_CHUNK);
	ck_assert_int_eq(ends, 1);
	/* None at all: just the empty line. */
	clear_out();
	total_rows = 0;
	feed("I0\t0\tshared/r/\t*\n");
	ck_assert_str_eq(out, "\n");
}
END_TEST

START_TEST(iteration_no_value_and_failures)
{
	int rows, ends;
	char last;

	feed("H3\t2\t0\t\tauth\n");
	total_rows = 2;
	feed("I8\t0\tshared/r/\tu\n");
	ck_assert_uint_eq(last_flags, DICT_ITER_NO_VALUE);
	ck_assert_str_eq(out, "Oshared/r/0000\t\nOshared/r/0001\t\n\n");
	/* A failure: F instead of the empty line, then the next command. */
	clear_out();
	feed("I0\t0\tfail/\t*\nLshared/x\tu\n");
	ck_assert_str_eq(out, "Fno\nOva\001tl\001nue\n");
	/* A failure after rows already sent: F ends it all the same. */
	clear_out();
	total_rows = DICT_ITER_CHUNK + 5;
	iterate("I0\t0\tlate/\t*");
	count_rows(&rows, &ends, &last);
	ck_assert_int_eq(rows, DICT_ITER_CHUNK + 1);
	ck_assert_int_eq(ends, 0);
	ck_assert_int_eq(last, 'F');
	/* A key too long to resume after: F, not a short list. */
	clear_out();
	iterate("I0\t0\tlong/\t*");
	count_rows(&rows, &ends, &last);
	ck_assert_int_eq(ends, 0);
	ck_assert_int_eq(last, 'F');
	/* A malformed I closes. */
	ck_assert_int_eq(feed("Ix\t0\tshared/r/\t*\n"), DICT_SESSION_CLOSE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dict_session");
	TCase *tc = tcase_create("dict_session");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, hello_and_lookups_in_order);
	tcase_add_loop_test(tc, bad_handshakes_and_commands_close, 0,
			    sizeof(bad_handshakes) / sizeof(bad_handshakes[0]));
	tcase_add_test(tc, priv_key_with_empty_user);
	tcase_add_test(tc, config_store_unreadable_fails);
	tcase_add_test(tc, transactions);
	tcase_add_test(tc, commit_without_state_store);
	tcase_add_loop_test(tc, transaction_violations_close, 0,
			    sizeof(bad_transactions) /
				sizeof(bad_transactions[0]));
	tcase_add_test(tc, transaction_limits);
	tcase_add_test(tc, version_4_commands);
	tcase_add_loop_test(tc, version_4_violations_close, 0,
			    sizeof(bad_version_4) / sizeof(bad_version_4[0]));
	tcase_add_test(tc, version_3_has_no_v);
	tcase_add_test(tc, iteration_chunks_and_max_rows);
	tcase_add_test(tc, iteration_no_value_and_failures);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
