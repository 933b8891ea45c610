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

/* Runs a suite, prints Check's summary; returns main()'s exit status. */
int tu_run_suite(Suite *suite);

#endif
