/*
 * words: splits a line of a batch file into arguments, like a shell would
 * for simple quoting: blanks separate words; '...' is literal; "..." allows
 * \" \\ \n \t escapes; a # at the start of a word begins a comment.
 */
#ifndef MAILMAP_WORDS_H
#define MAILMAP_WORDS_H

#include <stddef.h>

#include "arena.h"

#define WORDS_MAX 4096 /* arguments on one line */

/* Fills *argv_r (NULL-terminated, in the arena) and *argc_r. 0, or -1 with
 * a static message (unterminated quote, NUL byte, too many words). */
int words_split(struct arena *arena, const char *line, size_t len,
		char ***argv_r, int *argc_r, const char **error_r);

#endif
