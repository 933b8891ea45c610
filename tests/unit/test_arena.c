/*
 * arena: alignment of every allocation, allocations larger than a chunk,
 * reuse of the first chunk after a reset, and the string helpers.
 */
#include <check.h>

#include "testutil.h"
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ALIGN _Alignof(max_align_t)

static bool is_aligned(const void *p)
{
	return ((uintptr_t)p % ALIGN) == 0;
}

START_TEST(alloc_is_aligned)
{
	static const size_t sizes[] = {0,  1,  2,  3,  7,  8,
				       15, 16, 17, 31, 33, 100};
	struct arena arena;

	arena_init(&arena, 256);
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			unsigned char *p = arena_alloc(&arena, sizes[i]);
			ck_assert_ptr_nonnull(p);
			ck_assert_msg(is_aligned(p), "size %zu: %p unaligned",
				      sizes[i], (void *)p);
			memset(p, 0xa5, sizes[i]); /* ASan checks the bounds */
		}
	}
	arena_deinit(&arena);
	ck_assert_ptr_null(arena.head);
}
END_TEST

START_TEST(consecutive_allocations_do_not_overlap)
{
	struct arena arena;
	unsigned char *p[64];

	arena_init(&arena, 128);
	for (int i = 0; i < 64; i++) {
		p[i] = arena_alloc(&arena, 24);
		memset(p[i], i, 24);
	}
	for (int i = 0; i < 64; i++) {
		for (int j = 0; j < 24; j++)
			ck_assert_uint_eq(p[i][j], (unsigned)i);
	}
	arena_deinit(&arena);
}
END_TEST

START_TEST(big_allocation_over_chunk_size)
{
	struct arena arena;
	const size_t big = 1u << 20;

	arena_init(&arena, 64);
	unsigned char *small1 = arena_alloc(&arena, 8);
	unsigned char *huge = arena_alloc(&arena, big);
	unsigned char *small2 = arena_alloc(&arena, 8);

	ck_assert(is_aligned(huge));
	memset(small1, 1, 8);
	memset(huge, 2, big); /* every byte must be ours */
	memset(small2, 3, 8);
	ck_assert_uint_eq(huge[0], 2);
	ck_assert_uint_eq(huge[big - 1], 2);
	ck_assert_uint_eq(small1[7], 1);
	ck_assert_uint_eq(small2[0], 3);
	/* the default chunk size is used when 0 is given */
	arena_deinit(&arena);
	arena_init(&arena, 0);
	ck_assert_uint_eq(arena.chunk_size, 16384);
	huge = arena_alloc(&arena, 100000);
	memset(huge, 4, 100000);
	arena_deinit(&arena);
}
END_TEST

START_TEST(zalloc_zeroes)
{
	struct arena arena;

	arena_init(&arena, 64);
	/* dirty the chunk, reset, then zalloc the same memory */
	memset(arena_alloc(&arena, 48), 0xff, 48);
	arena_reset(&arena);
	unsigned char *p = arena_zalloc(&arena, 48);
	for (int i = 0; i < 48; i++)
		ck_assert_uint_eq(p[i], 0);
	arena_deinit(&arena);
}
END_TEST

START_TEST(reset_reuses_first_chunk)
{
	struct arena arena;

	arena_init(&arena, 1024);
	void *first = arena_alloc(&arena, 16);
	for (int i = 0; i < 100; i++)
		arena_alloc(&arena, 200); /* several more chunks */
	arena_alloc(&arena, 10000);	  /* and an oversized one */
	arena_reset(&arena);
	ck_assert_ptr_nonnull(arena.head);
	void *again = arena_alloc(&arena, 16);
	ck_assert_ptr_eq(again, first);
	/* a second reset in a row is harmless */
	arena_reset(&arena);
	arena_reset(&arena);
	ck_assert_ptr_eq(arena_alloc(&arena, 16), first);
	arena_deinit(&arena);
	/* reset of an empty arena, and reuse after deinit */
	arena_reset(&arena);
	ck_assert_ptr_null(arena.head);
	char *s = arena_strdup(&arena, "after deinit");
	ck_assert_str_eq(s, "after deinit");
	arena_deinit(&arena);
}
END_TEST

START_TEST(strndup_copies_and_terminates)
{
	struct arena arena;
	const char src[] = "hello\0world";

	arena_init(&arena, 32);
	char *a = arena_strndup(&arena, src, 5);
	ck_assert_str_eq(a, "hello");
	ck_assert_ptr_ne(a, src);
	char *b = arena_strndup(&arena, "abcdef", 3);
	ck_assert_str_eq(b, "abc");
	char *c = arena_strndup(&arena, "", 0);
	ck_assert_str_eq(c, "");
	/* embedded NUL is copied; length is what was asked for */
	char *d = arena_strndup(&arena, src, sizeof(src) - 1);
	ck_assert_int_eq(memcmp(d, src, sizeof(src)), 0);
	char *e =
	    arena_strdup(&arena, "a string longer than the 32-byte chunk");
	ck_assert_str_eq(e, "a string longer than the 32-byte chunk");
	ck_assert_str_eq(a, "hello"); /* earlier strings untouched */
	arena_deinit(&arena);
}
END_TEST

START_TEST(printf_formats_exactly)
{
	struct arena arena;
	char big[5000];

	arena_init(&arena, 64);
	ck_assert_str_eq(arena_printf(&arena, "%s", ""), "");
	ck_assert_str_eq(
	    arena_printf(&arena, "%d-%s-%05.1f", -42, "x", 3.14159),
	    "-42-x-003.1");
	ck_assert_str_eq(
	    arena_printf(&arena, "%llu", (unsigned long long)UINT64_MAX),
	    "18446744073709551615");
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	char *p = arena_printf(&arena, "<%s>", big);
	ck_assert_uint_eq(strlen(p), sizeof(big) + 1);
	ck_assert_int_eq(p[0], '<');
	ck_assert_int_eq(p[sizeof(big)], '>');
	ck_assert_int_eq(memcmp(p + 1, big, sizeof(big) - 1), 0);
	arena_deinit(&arena);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("arena");

	tcase_add_test(tc, alloc_is_aligned);
	tcase_add_test(tc, consecutive_allocations_do_not_overlap);
	tcase_add_test(tc, big_allocation_over_chunk_size);
	tcase_add_test(tc, zalloc_zeroes);
	tcase_add_test(tc, reset_reuses_first_chunk);
	tcase_add_test(tc, strndup_copies_and_terminates);
	tcase_add_test(tc, printf_formats_exactly);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
