/*
 * words: batch lines -> argv. A table of lines, each fed whole (from an
 * exact-size copy without a NUL, so ASan sees any read past len), one byte
 * short and randomly corrupted; the word limit.
 */
#include <check.h>

#include "testutil.h"
#include <stdlib.h>
#include <string.h>

#include "words.h"

#define MAX_WORDS 6

struct words_case {
	const char *line;
	size_t len;	   /* 0: strlen(line) */
	const char *error; /* NULL: accepted */
	int argc;
	const char *argv[MAX_WORDS];
};

static const struct words_case cases[] = {
    /* blanks */
    {"", 0, NULL, 0, {NULL}},
    {"   ", 0, NULL, 0, {NULL}},
    {" \t \r\n", 0, NULL, 0, {NULL}},
    {"a", 0, NULL, 1, {"a"}},
    {"a b  c", 0, NULL, 3, {"a", "b", "c"}},
    {"\ta\t\tb\t", 0, NULL, 2, {"a", "b"}},
    {"  mailbox add x@y.org\r\n", 0, NULL, 3, {"mailbox", "add", "x@y.org"}},
    /* single quotes: literal */
    {"'single quoted'", 0, NULL, 1, {"single quoted"}},
    {"'no \\n \\\\ \"escapes\"'", 0, NULL, 1, {"no \\n \\\\ \"escapes\""}},
    {"''", 0, NULL, 1, {""}},
    {"a '' b", 0, NULL, 3, {"a", "", "b"}},
    {"'a\tb'", 0, NULL, 1, {"a\tb"}},
    /* double quotes with escapes */
    {"\"double quoted\"", 0, NULL, 1, {"double quoted"}},
    {"\"\"", 0, NULL, 1, {""}},
    {"\"say \\\"hi\\\"\"", 0, NULL, 1, {"say \"hi\""}},
    {"\"back\\\\slash\"", 0, NULL, 1, {"back\\slash"}},
    {"\"nl\\nand\\ttab\"", 0, NULL, 1, {"nl\nand\ttab"}},
    {"\"it's\"", 0, NULL, 1, {"it's"}},
    {"'say \"hi\"'", 0, NULL, 1, {"say \"hi\""}},
    /* outside quotes a backslash is an ordinary character */
    {"a\\b c\\", 0, NULL, 2, {"a\\b", "c\\"}},
    /* adjacent parts join into one word */
    {"a'b'\"c\"", 0, NULL, 1, {"abc"}},
    {"display_name=\"Acme Corp\"", 0, NULL, 1, {"display_name=Acme Corp"}},
    {"x='It''s' y", 0, NULL, 2, {"x=Its", "y"}},
    {"\"a\"'b'c d", 0, NULL, 2, {"abc", "d"}},
    /* comments start only at the start of a word */
    {"# only a comment", 0, NULL, 0, {NULL}},
    {"   # indented comment", 0, NULL, 0, {NULL}},
    {"#", 0, NULL, 0, {NULL}},
    {"a #b c", 0, NULL, 1, {"a"}},
    {"a\t#b", 0, NULL, 1, {"a"}},
    {"a#b", 0, NULL, 1, {"a#b"}},
    {"a# b", 0, NULL, 2, {"a#", "b"}},
    {"'#not a comment'", 0, NULL, 1, {"#not a comment"}},
    {"\"#\" x", 0, NULL, 2, {"#", "x"}},
    {"a'#'b", 0, NULL, 1, {"a#b"}},
    {"a # 'unterminated in a comment", 0, NULL, 1, {"a"}},
    /* unterminated quotes */
    {"'open", 0, "unterminated quote", 0, {NULL}},
    {"a \"open", 0, "unterminated quote", 0, {NULL}},
    {"\"escaped end\\\"", 0, "unterminated quote", 0, {NULL}},
    {"\"trailing backslash\\", 0, "unterminated quote", 0, {NULL}},
    {"'a'\"", 0, "unterminated quote", 0, {NULL}},
    {"x'", 0, "unterminated quote", 0, {NULL}},
    /* NUL bytes: len counts them, and they are refused */
    {"a\0b", 3, "NUL byte in line", 0, {NULL}},
    {"a \0", 3, "NUL byte in line", 0, {NULL}},
    {"\0", 1, "NUL byte in line", 0, {NULL}},
    {"'a\0b'", 5, "NUL byte in line", 0, {NULL}},
    {"\"a\0b\"", 5, "NUL byte in line", 0, {NULL}},
    {"\"\\\0\"", 4, "NUL byte in line", 0, {NULL}},
    {"a # comment\0", 12, "NUL byte in line", 0, {NULL}},
    /* len is authoritative: text after it is not read */
    {"abc def", 3, NULL, 1, {"abc"}},
    {"'a' 'b'", 5, "unterminated quote", 0, {NULL}},
};

/* Splits line[0..len) from an exact-size copy. */
static int split(struct arena *arena, const char *line, size_t len,
		 char ***argv_r, int *argc_r, const char **error_r)
{
	char *copy = malloc(len != 0 ? len : 1);
	int ret;

	if (len != 0)
		memcpy(copy, line, len);
	*error_r = NULL;
	ret = words_split(arena, copy, len, argv_r, argc_r, error_r);
	free(copy);
	return ret;
}

static size_t case_len(const struct words_case *c)
{
	return c->len != 0 ? c->len : strlen(c->line);
}

START_TEST(line_whole)
{
	const struct words_case *c = &cases[_i];
	struct arena arena;
	char **argv = NULL;
	int argc = -1;
	const char *error;

	arena_init(&arena, 0);
	int ret = split(&arena, c->line, case_len(c), &argv, &argc, &error);
	if (c->error != NULL) {
		ck_assert_msg(ret == -1, "case %d accepted", _i);
		ck_assert_str_eq(error, c->error);
		arena_deinit(&arena);
		return;
	}
	ck_assert_msg(ret == 0, "case %d: %s", _i, error);
	ck_assert_msg(argc == c->argc, "case %d: argc %d, want %d", _i, argc,
		      c->argc);
	for (int i = 0; i < argc; i++)
		ck_assert_msg(strcmp(argv[i], c->argv[i]) == 0,
			      "case %d: argv[%d] \"%s\", want \"%s\"", _i, i,
			      argv[i], c->argv[i]);
	ck_assert_ptr_null(argv[argc]);
	arena_deinit(&arena);
}
END_TEST

/* Every word of a result is within the line; argv ends with NULL. */
static void check_result(int ret, char **argv, int argc, const char *error,
			 size_t len)
{
	ck_assert(ret == 0 || ret == -1);
	if (ret < 0) {
		ck_assert_ptr_nonnull(error);
		return;
	}
	ck_assert_int_ge(argc, 0);
	ck_assert_int_le(argc, (int)len);
	for (int i = 0; i < argc; i++) {
		ck_assert_ptr_nonnull(argv[i]);
		ck_assert_uint_le(strlen(argv[i]), len);
	}
	ck_assert_ptr_null(argv[argc]);
}

START_TEST(line_one_byte_short)
{
	const struct words_case *c = &cases[_i];
	size_t len = case_len(c);
	struct arena arena;
	char **argv = NULL;
	int argc = -1;
	const char *error;

	if (len == 0)
		return;
	arena_init(&arena, 0);
	int ret = split(&arena, c->line, len - 1, &argv, &argc, &error);
	check_result(ret, argv, argc, error, len - 1);
	/* dropping the last byte never adds a word */
	if (ret == 0 && c->error == NULL)
		ck_assert_int_le(argc, c->argc);
	arena_deinit(&arena);
}
END_TEST

START_TEST(line_random_corruption)
{
	const struct words_case *c = &cases[_i];
	static const char alphabet[] = "ab #'\"\\\t\n\0";
	size_t len = case_len(c);
	unsigned seed = 99u + (unsigned)_i;
	struct arena arena;
	char buf[64];

	if (len == 0)
		return;
	ck_assert_uint_le(len, sizeof(buf));
	arena_init(&arena, 0);
	for (int round = 0; round < 500; round++) {
		char **argv = NULL;
		int argc = -1;
		const char *error;

		memcpy(buf, c->line, len);
		for (int f = 1 + rand_r(&seed) % 3; f > 0; f--)
			buf[(size_t)rand_r(&seed) % len] =
			    alphabet[(size_t)rand_r(&seed) %
				     (sizeof(alphabet) - 1)];
		int ret = split(&arena, buf, len, &argv, &argc, &error);
		check_result(ret, argv, argc, error, len);
		if (memchr(buf, '\0', len) != NULL)
			ck_assert_int_eq(ret, -1);
		arena_reset(&arena);
	}
	arena_deinit(&arena);
}
END_TEST

START_TEST(word_limit)
{
	struct arena arena;
	size_t len = 2 * (WORDS_MAX + 1);
	char *line = malloc(len);
	char **argv;
	int argc;
	const char *error;

	for (size_t i = 0; i < len; i += 2) {
		line[i] = 'w';
		line[i + 1] = ' ';
	}
	arena_init(&arena, 0);
	/* exactly WORDS_MAX words */
	ck_assert_int_eq(split(&arena, line, len - 2, &argv, &argc, &error), 0);
	ck_assert_int_eq(argc, WORDS_MAX);
	ck_assert_str_eq(argv[WORDS_MAX - 1], "w");
	ck_assert_ptr_null(argv[WORDS_MAX]);
	/* one more */
	ck_assert_int_eq(split(&arena, line, len, &argv, &argc, &error), -1);
	ck_assert_str_eq(error, "too many words on one line");
	/* a comment after WORDS_MAX words is fine */
	line[len - 2] = '#';
	ck_assert_int_eq(split(&arena, line, len, &argv, &argc, &error), 0);
	ck_assert_int_eq(argc, WORDS_MAX);
	arena_deinit(&arena);
	free(line);
}
END_TEST

START_TEST(long_word)
{
	struct arena arena;
	size_t len = 200000;
	char *line = malloc(len);
	char **argv;
	int argc;
	const char *error;

	memset(line, 'x', len);
	line[0] = '"';
	line[len - 1] = '"';
	line[1000] = ' ';
	arena_init(&arena, 0);
	ck_assert_int_eq(split(&arena, line, len, &argv, &argc, &error), 0);
	ck_assert_int_eq(argc, 1);
	ck_assert_uint_eq(strlen(argv[0]), len - 2);
	ck_assert_int_eq(argv[0][999], ' ');
	arena_deinit(&arena);
	free(line);
}
END_TEST

#define N(array) ((int)(sizeof(array) / sizeof((array)[0])))

int main(void)
{
	Suite *s = suite_create("words");
	TCase *tc = tcase_create("words");

	tcase_add_loop_test(tc, line_whole, 0, N(cases));
	tcase_add_loop_test(tc, line_one_byte_short, 0, N(cases));
	tcase_add_loop_test(tc, line_random_corruption, 0, N(cases));
	tcase_add_test(tc, word_limit);
	tcase_add_test(tc, long_word);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
