/* testutil: helpers shared by the unit tests (temporary directories). */
#ifndef MAILMAP_TESTUTIL_H
#define MAILMAP_TESTUTIL_H

#include <check.h>
#include <stddef.h>

/* Creates a fresh private directory under $TMPDIR (or /tmp); aborts on
 * failure. The returned string is static storage of the caller's copy. */
char *tu_tmpdir(void);
/* Removes a directory tree created by tu_tmpdir() and frees the name. */
void tu_rmtree(char *dir);
/* Reads a whole file into a malloc'ed NUL-terminated buffer, or NULL. */
char *tu_read_file(const char *path, size_t *len_r);

/* One framing step of a stream test: handles the request at the start of
 * buf (have bytes) and returns the bytes it used, or 0 when more bytes
 * are needed. It asserts on anything else itself. */
typedef size_t tu_frame_fn(const char *buf, size_t have, void *context);
/* Feeds wire as a connection buffers it: in chunks of the sizes in
 * chunks[] (cycled; nchunks 0: all at once), framing after each chunk
 * until more is needed; asserts that nothing is left over at the end. */
void tu_feed(const char *wire, size_t len, const size_t *chunks, size_t nchunks,
	     tu_frame_fn *frame, void *context);

/* Runs a suite, prints Check's summary; returns main()'s exit status. */
int tu_run_suite(Suite *suite);

#endif
