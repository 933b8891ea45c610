/* words: batch line tokenizer; see words.h. */
#include "words.h"

#include <stdbool.h>
#include <string.h>

static bool words_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char words_escape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	default:
		return c;
	}
}

/* Reads one word starting at line[*pos] into out; advances *pos. */
static int words_one(const char *line, size_t len, size_t *pos, char *out,
		     size_t *out_len, const char **error_r)
{
	size_t i = *pos, n = 0;
	char quote = 0;

	for (; i < len && (quote != 0 || !words_blank(line[i])); i++) {
		char c = line[i];
		if (quote == 0 && (c == '\'' || c == '"')) {
			quote = c;
		} else if (quote != 0 && c == quote) {
			quote = 0;
		} else if (quote == '"' && c == '\\' && i + 1 < len) {
			out[n++] = words_escape(line[++i]);
		} else {
			out[n++] = c;
		}
	}
	if (quote != 0) {
		*error_r = "unterminated quote";
		return -1;
	}
	*pos = i;
	*out_len = n;
	return 0;
}

int words_split(struct arena *arena, const char *line, size_t len,
		char ***argv_r, int *argc_r, const char **error_r)
{
	char **argv = arena_alloc(arena, (WORDS_MAX + 1) * sizeof(*argv));
	char *buf = arena_alloc(arena, len + 1);
	size_t pos = 0;
	int argc = 0;

	/* Checked up front: a NUL after a backslash or in a comment would
	 * otherwise slip through and silently cut a word short. */
	if (memchr(line, '\0', len) != NULL) {
		*error_r = "NUL byte in line";
		return -1;
	}
	while (pos < len) {
		size_t n;
		if (words_blank(line[pos])) {
			pos++;
			continue;
		}
		if (line[pos] == '#')
			break;
		if (argc == WORDS_MAX) {
			*error_r = "too many words on one line";
			return -1;
		}
		if (words_one(line, len, &pos, buf, &n, error_r) < 0)
			return -1;
		argv[argc++] = arena_strndup(arena, buf, n);
	}
	argv[argc] = NULL;
	*argv_r = argv;
	*argc_r = argc;
	return 0;
}
