/*
 * Unit tests of auth/dict_codec.c and auth/dict_session.c: tab escaping
 * both ways (whole, byte by byte in framing, random splits), each
 * command's reply shape, H unanswered, pipelined replies in order,
 * transactions (rollback leaves nothing, commit hands over the ops and
 * B's user, N and F commits, limits), protocol violations that close,
 * iteration in chunks with max_rows; on a fake backend.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict_codec.h"
#include "dict_session.h"
#include "testutil.h"

/* ---- the fake backend ----------------------------------------------- */

static char out[1 << 16];
static size_t out_len;
static int commits;
static char commit_user[64];
static struct dict_op commit_ops[DICT_TXN_OPS_MAX];
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

static void fake_lookup(const struct dict_ctx *ctx, enum dict_name dict,
			const char *key, size_t key_len, const char *user,
			size_t user_len, struct dict_reply *reply)
{
	(void)ctx;
	(void)user;
	(void)user_len;
	if (key_len == 5 && memcmp(key, "fail!", 5) == 0) {
		*reply = (struct dict_reply){DICT_FAILED, "broken\tstore", 12};
	} else if (dict == DICT_NAME_AUTH && strcmp(key, "shared/x") == 0) {
		*reply = (struct dict_reply){DICT_FOUND, "va\tl\nue", 7};
	} else {
		*reply = (struct dict_reply){DICT_NOTFOUND, NULL, 0};
	}
}

/* Rows "shared/r/NNNN" after `after`, up to total_rows. */
static int fake_iterate(const struct dict_ctx *ctx, enum dict_name dict,
			const char *path, size_t path_len, unsigned flags,
			const char *user, size_t user_len, const char *after,
			size_t after_len, struct dict_row *rows, size_t max,
			const char **error_r)
{
	static char keys[DICT_ITER_CHUNK][32];
	int start = after_len == 0 ? 0 : atoi(after + 9) + 1;
	int n = 0;

	(void)ctx;
	(void)dict;
	(void)flags;
	(void)user;
	(void)user_len;
	if (path_len == 5 && memcmp(path, "fail/", 5) == 0) {
		*error_r = "no";
		return -1;
	}
	for (int i = start; i < total_rows && (size_t)n < max; i++, n++) {
		snprintf(keys[n], sizeof(keys[n]), "shared/r/%04d", i);
		rows[n] = (struct dict_row){keys[n], strlen(keys[n]), "v", 1};
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
	for (size_t i = 0; i < count; i++) /* keys live until the reply */
		commit_ops[i] = ops[i];
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

static void setup(void)
{
	arena_init(&arena, 0);
	ctx = (struct dict_ctx){NULL, NULL, &arena, NULL};
	env = (struct dict_env){&fake_ops,	   &ctx, (struct store *)&ctx,
				serves_auth_quota, NULL, {sink_write, NULL}};
	memset(&session, 0, sizeof(session));
	out_len = 0;
	out[0] = '\0';
	commits = 0;
	commit_count = 0;
	commit_status = DICT_FOUND;
	total_rows = 0;
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

/* Frames and handles every line of input; the last result. */
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
		} while (ret == DICT_SESSION_MORE);
		arena_reset(&arena);
		if (ret == DICT_SESSION_CLOSE)
			return ret;
		at += r.used;
	}
	return ret;
}

/* ---- codec ------------------------------------------------------------ */

START_TEST(escape_roundtrip_random)
{
	srand(42);
	for (int round = 0; round < 500; round++) {
		char raw[64], esc[200], line[220];
		size_t n = (size_t)(rand() % 60);
		static const char pool[] = "ab\t\r\n\001\0x/";
		for (size_t i = 0; i < n; i++)
			raw[i] = pool[rand() % (sizeof(pool) - 1)];
		size_t elen = dict_escaped_len(raw, n);
		dict_escape(esc, raw, n);
		ck_assert(memchr(esc, '\t', elen) == NULL);
		ck_assert(memchr(esc, '\n', elen) == NULL);
		ck_assert(memchr(esc, '\0', elen) == NULL);
		/* "L<esc>\t<esc>\n" arriving in random pieces */
		size_t llen = 0;
		line[llen++] = 'L';
		memcpy(line + llen, esc, elen);
		llen += elen;
		line[llen++] = '\t';
		memcpy(line + llen, esc, elen);
		llen += elen;
		line[llen++] = '\n';
		size_t have = 0;
		struct proto_request r;
		enum proto_frame f = PROTO_NEED_MORE;
		while (f == PROTO_NEED_MORE) {
			ck_assert_uint_lt(have, llen);
			have += 1 + (size_t)rand() % 4;
			if (have > llen)
				have = llen;
			f = dict_frame(line, have, 1024, &r);
		}
		ck_assert_int_eq(f, PROTO_REQUEST);
		ck_assert_uint_eq(r.used, llen);
		char copy[220], *fields[DICT_FIELDS_MAX];
		size_t lens[DICT_FIELDS_MAX];
		memcpy(copy, r.data + 1, r.len - 1);
		ck_assert_int_eq(dict_split(copy, r.len - 1, fields, lens, 2),
				 2);
		ck_assert_uint_eq(lens[0], n);
		ck_assert_uint_eq(lens[1], n);
		ck_assert(memcmp(fields[0], raw, n) == 0);
		ck_assert(memcmp(fields[1], raw, n) == 0);
	}
}
END_TEST

START_TEST(frame_limits)
{
	struct proto_request r;
	char big[80];

	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(dict_frame("Lab", 3, 64, &r), PROTO_NEED_MORE);
	ck_assert_int_eq(dict_frame(big, sizeof(big), 64, &r), PROTO_ERR_SIZE);
	ck_assert_int_eq(dict_frame("L\0b\n", 4, 64, &r), PROTO_ERR_FORMAT);
	ck_assert_int_eq(dict_frame("\n", 1, 64, &r), PROTO_REQUEST);
	ck_assert_uint_eq(r.len, 0);
	/* An escape cut at the end of a field. */
	char cut[] = "a\001";
	char *f[2];
	size_t l[2];
	ck_assert_int_eq(dict_split(cut, 2, f, l, 2), -1);
}
END_TEST

/* ---- session ------------------------------------------------------------ */

START_TEST(hello_and_lookups_in_order)
{
	ck_assert_int_eq(feed("H3\t2\t0\t\tauth\n"), DICT_SESSION_DONE);
	ck_assert_uint_eq(out_len, 0); /* never an answer to H */
	ck_assert_int_eq(feed("Lshared/x\tu\nLshared/nothere\tu\nLfail!\tu\n"),
			 DICT_SESSION_DONE);
	ck_assert_str_eq(out, "Ova\001tl\001nue\nN\nFbroken\001tstore\n");
}
END_TEST

START_TEST(bad_handshakes_close)
{
	ck_assert_int_eq(feed("H4\t0\t0\t\tauth\n"), DICT_SESSION_CLOSE);
	reset();
	ck_assert_int_eq(feed("H3\t2\t0\t\tnosuch\n"), DICT_SESSION_CLOSE);
	reset();
	ck_assert_int_eq(feed("H3\t2\t0\t\tlastlogin\n"), DICT_SESSION_CLOSE);
	reset();
	ck_assert_int_eq(feed("Lshared/x\tu\n"), DICT_SESSION_CLOSE);
	reset();
	ck_assert_int_eq(feed("H3\t2\t0\t\tauth\nX1\n"), DICT_SESSION_CLOSE);
	reset();
	ck_assert_int_eq(feed("H3\t2\t0\t\tauth\nH3\t2\t0\t\tauth\n"),
			 DICT_SESSION_CLOSE);
	ck_assert_uint_eq(out_len, 0);
}
END_TEST

START_TEST(transactions)
{
	ck_assert_int_eq(feed("H3\t2\t0\t\tquota\n"
			      "B1\tu@x\nA1\tpriv/quota/storage\t74\n"
			      "U1\tpriv/quota/messages\nR1\n"),
			 DICT_SESSION_DONE);
	ck_assert_int_eq(commits, 0); /* rollback: nothing applied */
	ck_assert_uint_eq(out_len, 0);
	ck_assert_int_eq(feed("B2\tu@x\nS2\tpriv/quota/storage\t0\n"
			      "A2\tpriv/quota/messages\t-1\nT2\t1\t2\nC2\n"
			      "Lshared/x\tu\n"),
			 DICT_SESSION_DONE);
	ck_assert_int_eq(commits, 1);
	ck_assert_str_eq(commit_user, "u@x");
	ck_assert_uint_eq(commit_count, 2);
	ck_assert_int_eq(commit_ops[1].kind, DICT_OP_INC);
	ck_assert_str_eq(out, "O2\nN\n"); /* commit, then the lookup */
	out_len = 0;
	commit_status = DICT_NOTFOUND;
	feed("B3\tu@x\nA3\tpriv/quota/storage\t1\nC3\n");
	commit_status = DICT_FAILED;
	feed("B4\tu@x\nD4\n");
	ck_assert_str_eq(out, "N3\nAF4\tdisk\001tfull\n");
	/* The ids are gone once committed. */
	ck_assert_int_eq(feed("C3\n"), DICT_SESSION_CLOSE);
}
END_TEST

START_TEST(transaction_violations)
{
	ck_assert_int_eq(feed("H3\t2\t0\t\tquota\nS9\tk\tv\n"),
			 DICT_SESSION_CLOSE);
	reset();
	ck_assert_int_eq(feed("H3\t2\t0\t\tquota\nB1\tu\nB1\tu\n"),
			 DICT_SESSION_CLOSE);
	reset();
	feed("H3\t2\t0\t\tquota\n");
	char line[64];
	for (int i = 1; i <= DICT_TXN_MAX; i++) {
		snprintf(line, sizeof(line), "B%d\tu\n", i);
		ck_assert_int_eq(feed(line), DICT_SESSION_DONE);
	}
	ck_assert_int_eq(feed("B99\tu\n"), DICT_SESSION_CLOSE);
	reset();
	feed("H3\t2\t0\t\tquota\nB1\tu\n");
	for (int i = 0; i < DICT_TXN_OPS_MAX; i++)
		ck_assert_int_eq(feed("U1\tk\n"), DICT_SESSION_DONE);
	ck_assert_int_eq(feed("U1\tk\n"), DICT_SESSION_CLOSE);
}
END_TEST

/* Counts rows and terminators in out. */
static void count_rows(int *rows_r, int *ends_r)
{
	*rows_r = *ends_r = 0;
	for (const char *p = out; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		if (nl == p)
			(*ends_r)++;
		else
			(*rows_r)++;
		p = nl + 1;
	}
}

START_TEST(iteration_chunks_and_max_rows)
{
	const char *error;
	int rows, ends, more = 0, ret;
	const char *line = "I0\t0\tshared/r/\t*";

	feed("H3\t2\t0\t\tauth\n");
	total_rows = DICT_ITER_CHUNK * 2 + 3;
	while ((ret = dict_session_handle(&session, &env, line, strlen(line),
					  &error)) == DICT_SESSION_MORE)
		more++;
	ck_assert_int_eq(ret, DICT_SESSION_DONE);
	ck_assert_int_eq(more, 2);
	count_rows(&rows, &ends);
	ck_assert_int_eq(rows, total_rows);
	ck_assert_int_eq(ends, 1);
	ck_assert(strncmp(out, "Oshared/r/0000\tv\n", 17) == 0);
	out_len = 0;
	out[0] = '\0';
	feed("I0\t5\tshared/r/\t*\n");
	count_rows(&rows, &ends);
	ck_assert_int_eq(rows, 5);
	ck_assert_int_eq(ends, 1);
	out_len = 0;
	out[0] = '\0';
	feed("I0\t0\tfail/\t*\nLshared/x\tu\n");
	ck_assert_str_eq(out, "Fno\nOva\001tl\001nue\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dict_session");
	TCase *tc = tcase_create("dict_session");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, escape_roundtrip_random);
	tcase_add_test(tc, frame_limits);
	tcase_add_test(tc, hello_and_lookups_in_order);
	tcase_add_test(tc, bad_handshakes_close);
	tcase_add_test(tc, transactions);
	tcase_add_test(tc, transaction_violations);
	tcase_add_test(tc, iteration_chunks_and_max_rows);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
