/* libFuzzer target: the dict protocol (auth/dict_codec.c and
 * auth/dict_session.c) on arbitrary input, lines consumed as the
 * connection layer does (a chunked answer asked again), on a backend that
 * answers every lookup, iterates one row or more than a chunk, and
 * accepts every commit; some inputs meet no state store, or a config
 * store that cannot be read. Invariants: frames lie inside the input,
 * every reply line ends with LF and never starts with a code the Dovecot
 * client does not know, and a session releases cleanly (ASan finds
 * leaked transactions). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dict_codec.h"
#include "dict_session.h"

const char *const dict_name_strings[] = {"auth", "userdb", "quota", "lastlogin",
					 NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[1 << 16];
static size_t out_len;

/* Checks the complete reply lines in out: a known code first (O, N, F,
 * or A before one of them), or an empty line. Returns where the
 * incomplete last line starts. */
static size_t fuzz_check_lines(void)
{
	size_t at = 0;

	for (;;) {
		const char *nl = memchr(out + at, '\n', out_len - at);
		if (nl == NULL)
			return at;
		const char *code = out + at;
		if (*code == 'A' && nl != code)
			code++;
		if (nl != out + at && (code == nl || !strchr("ONF", *code)))
			abort();
		at = (size_t)(nl - out) + 1;
	}
}

static void fuzz_write(void *context, const char *bytes, size_t len)
{
	(void)context;
	if (out_len + len > sizeof(out)) { /* check, keep the partial line */
		size_t done = fuzz_check_lines();
		memmove(out, out + done, out_len - done);
		out_len -= done;
		if (out_len + len > sizeof(out))
			abort(); /* a reply line over 64k */
	}
	memcpy(out + out_len, bytes, len);
	out_len += len;
}

static void fuzz_lookup(const struct dict_ctx *ctx, enum dict_name dict,
			const char *key, size_t key_len, const char *user,
			size_t user_len, struct dict_reply *reply)
{
	(void)ctx;
	(void)dict;
	(void)user;
	(void)user_len;
	*reply = (struct dict_reply){key_len % 3 == 0	? DICT_FOUND
				     : key_len % 3 == 1 ? DICT_NOTFOUND
							: DICT_FAILED,
				     key, key_len};
}

static int fuzz_iterate(const struct dict_ctx *ctx, enum dict_name dict,
			const char *path, size_t path_len, unsigned flags,
			const char *user, size_t user_len, const char *after,
			size_t after_len, struct dict_row *rows, size_t max,
			const char **error_r)
{
	(void)ctx;
	(void)dict;
	(void)flags;
	(void)user;
	(void)user_len;
	static size_t served; /* rows of this iteration so far */
	size_t n = 0;

	(void)after;
	(void)error_r;
	if (after_len == 0)
		served = 0;
	/* One path length in eight: 300 rows (over a chunk), else one. The
	 * rows cost time, not coverage: over a chunk in every other I line
	 * made this target four times slower than the others. */
	while (n < max && served < (path_len % 8 == 4 ? 300 : 1)) {
		rows[n++] = (struct dict_row){path, path_len, "v\t1", 3};
		served++;
	}
	return (int)n;
}

static void fuzz_commit(struct store *state, enum dict_name dict,
			const char *user, size_t user_len,
			const struct dict_op *ops, size_t count,
			struct dict_reply *reply)
{
	(void)state;
	(void)dict;
	(void)user;
	for (size_t i = 0; i < count; i++)
		if (ops[i].key_len > DICT_ITEM_MAX)
			abort();
	*reply = (struct dict_reply){user_len % 2 ? DICT_FOUND : DICT_FAILED,
				     "x", 1};
}

static bool fuzz_serves(void *context, const char *name, size_t len)
{
	(void)context;
	(void)name;
	return len != 6; /* not "userdb" */
}

static const struct dict_backend_ops fuzz_ops = {fuzz_lookup, fuzz_iterate,
						 fuzz_commit};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena arena;
	struct dict_ctx ctx;
	struct dict_session session;
	struct dict_env env = {
	    .ops = &fuzz_ops,
	    .ctx = &ctx,
	    .state = size % 5 == 0 ? NULL : (struct store *)&ctx,
	    .serves = fuzz_serves,
	    .sink = {fuzz_write, NULL},
	    /* some inputs meet a config store that cannot be read */
	    .store_error = size % 7 == 0 ? "config store unavailable" : NULL,
	};
	const char *in = (const char *)data, *error;
	size_t at = 0;

	arena_init(&arena, 0);
	ctx = (struct dict_ctx){NULL, NULL, &arena, NULL};
	memset(&session, 0, sizeof(session));
	out_len = 0;
	while (at < size) {
		struct proto_request r;
		if (dict_frame(in + at, size - at, 1024, &r) != PROTO_REQUEST)
			break;
		if (r.data != in + at || r.used > size - at)
			abort();
		int ret, rounds = 0;
		do
			ret = dict_session_handle(&session, &env, r.data, r.len,
						  &error);
		while (ret == DICT_SESSION_MORE && ++rounds < 8);
		arena_reset(&arena);
		if (ret == DICT_SESSION_CLOSE)
			break;
		at += r.used;
	}
	if (fuzz_check_lines() != out_len)
		abort(); /* every reply ends with LF */
	dict_session_release(&session);
	arena_deinit(&arena);
	return 0;
}
