/* testutil: temporary directories and stream feeding for the unit tests. */
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (asprintf(&dir, "%s/mailmap-test.XXXXXX", base) < 0 ||
	    mkdtemp(dir) == NULL)
		abort();
	return dir;
}

static int tu_remove(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rmtree(char *dir)
{
	if (dir == NULL)
		return;
	nftw(dir, tu_remove, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

char *tu_read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap != 0 ? cap * 2 : 8192;
			buf = realloc(buf, cap);
		}
		size_t n = fread(buf + len, 1, 4096, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	buf[len] = '\0';
	if (len_r != NULL)
		*len_r = len;
	return buf;
}

int tu_run_suite(Suite *suite)
{
	SRunner *runner = srunner_create(suite);
	int failed;

	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void tu_feed(const char *wire, size_t len, const size_t *chunks, size_t nchunks,
	     tu_frame_fn *frame, void *context)
{
	char *buf = malloc(len + 1);
	size_t have = 0, pos = 0, used;

	if (buf == NULL)
		abort();
	for (size_t c = 0; pos < len; c++) {
		size_t n = nchunks != 0 ? chunks[c % nchunks] : len;
		if (n > len - pos)
			n = len - pos;
		memcpy(buf + have, wire + pos, n);
		have += n;
		pos += n;
		while (have > 0 && (used = frame(buf, have, context)) != 0) {
			ck_assert_uint_le(used, have);
			memmove(buf, buf + used, have - used);
			have -= used;
		}
	}
	ck_assert_uint_eq(have, 0);
	free(buf);
}
