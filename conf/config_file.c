/*
 * config_file.c - mailmapd.conf from disk into a libconfig tree: read it
 * whole (at most CONFIG_MAX_FILE_SIZE bytes, no NUL byte), refuse integer
 * literals libconfig 1.5 would silently truncate, then parse it with
 * @include resolved against the file's directory.
 *
 * libconfig 1.5 truncates integer literals that do not fit in 32 bits
 * unless they end in L, so such literals are refused before parsing,
 * with their line (strings and comments are skipped). Files pulled in
 * with @include are parsed but not pre-scanned.
 */
#include "config_table.h"

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_FILE_SIZE (1024 * 1024)

static int read_text(const char *path, char **text_r, char **error_r)
{
	FILE *fp = fopen(path, "r");
	char *text;
	size_t len;
	int ret = 0;

	if (fp == NULL)
		return config_fail(error_r, "%s: %s", path, strerror(errno));
	text = malloc(CONFIG_MAX_FILE_SIZE + 1);
	if (text == NULL) {
		fclose(fp);
		return config_fail(error_r, "%s: out of memory", path);
	}
	len = fread(text, 1, CONFIG_MAX_FILE_SIZE + 1, fp);
	if (ferror(fp))
		ret = config_fail(error_r, "%s: %s", path, strerror(errno));
	else if (len > CONFIG_MAX_FILE_SIZE)
		ret = config_fail(error_r, "%s: larger than %d bytes", path,
				  CONFIG_MAX_FILE_SIZE);
	else if (memchr(text, '\0', len) != NULL)
		ret = config_fail(error_r, "%s: contains a NUL byte", path);
	fclose(fp);
	if (ret < 0) {
		free(text);
		return -1;
	}
	text[len] = '\0';
	*text_r = text;
	return 0;
}

static bool is_name_char(char c)
{
	return config_is_digit(c) || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_' || c == '*' || c == '.';
}

/* True if the digit at p starts a number, not the tail of a name
   ("map2", "a-5") or of a float ("1.5"). */
static bool starts_number(const char *start, const char *p)
{
	if (p > start && (p[-1] == '-' || p[-1] == '+'))
		p--;
	return p == start || !is_name_char(p[-1]);
}

static int digit_value(char c, unsigned base)
{
	int lower = c | 0x20;
	int value = 99;

	if (config_is_digit(c))
		value = c - '0';
	else if (lower >= 'a' && lower <= 'f')
		value = lower - 'a' + 10;
	return value < (int)base ? value : -1;
}

/* Skips the number at p; true if it is an integer libconfig 1.5 would
   truncate: beyond 32 bits and without the L suffix. */
static bool skip_number(const char **p)
{
	bool hex = (*p)[0] == '0' && ((*p)[1] == 'x' || (*p)[1] == 'X');
	unsigned base = hex ? 16 : 10;
	const char *end = *p + (hex ? 2 : 0);
	uint64_t value = 0;
	int digit;

	for (; (digit = digit_value(*end, base)) >= 0; end++) {
		if (value <= UINT32_MAX) /* enough to know it is too big */
			value = value * base + (unsigned)digit;
	}
	*p = end;
	if (*end == 'L' ||
	    (!hex && (*end == '.' || *end == 'e' || *end == 'E')))
		return false;
	return value > INT32_MAX;
}

/* Moves p past a string or a comment; counts the newlines it skips. */
static const char *skip_quoted(const char *p, unsigned *line)
{
	const char *end;

	if (p[0] == '#' || (p[0] == '/' && p[1] == '/'))
		return p + strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		end = strstr(p + 2, "*/");
		end = end == NULL ? p + strlen(p) : end + 2;
	} else {
		for (end = p + 1; *end != '\0' && *end != '"'; end++) {
			if (*end == '\\' && end[1] != '\0')
				end++;
		}
		end += *end == '"';
	}
	for (; p < end; p++)
		*line += *p == '\n';
	return end;
}

static int fail_wide(char **error_r, const char *path, unsigned line,
		     const char *number, const char *end)
{
	return config_fail(
	    error_r,
	    "%s:%u: integer %.*s does not fit in 32 bits; write it as "
	    "a string (\"5G\") or add an L suffix",
	    path, line, (int)(end - number), number);
}

/* Refuses integer literals that libconfig 1.5 would truncate. */
static int check_integers(const char *path, const char *text, char **error_r)
{
	unsigned line = 1;
	const char *p = text, *number;

	while (*p != '\0') {
		if (*p == '"' || *p == '#' ||
		    (*p == '/' && (p[1] == '/' || p[1] == '*'))) {
			p = skip_quoted(p, &line);
		} else if (config_is_digit(*p) && starts_number(text, p)) {
			number = p;
			if (skip_number(&p))
				return fail_wide(error_r, path, line, number,
						 p);
		} else {
			line += *p++ == '\n';
		}
	}
	return 0;
}

/* Points @include at the directory of path. */
static int set_include_dir(config_t *tree, const char *path, char **error_r)
{
	char *copy = strdup(path);

	if (copy == NULL)
		return config_fail(error_r, "%s: out of memory", path);
	config_set_include_dir(tree, dirname(copy));
	free(copy);
	return 0;
}

static int parse_tree(config_t *tree, const char *path, const char *text,
		      char **error_r)
{
	const char *file;

	if (set_include_dir(tree, path, error_r) < 0)
		return -1;
	if (config_read_string(tree, text) == CONFIG_TRUE)
		return 0;
	file = config_error_file(tree);
	if (config_error_type(tree) == CONFIG_ERR_FILE_IO)
		return config_fail(error_r, "%s: %s",
				   file != NULL ? file : path,
				   config_error_text(tree));
	return config_fail(error_r, "%s:%d: %s", file != NULL ? file : path,
			   config_error_line(tree), config_error_text(tree));
}

int config_file_parse(const char *path, config_t *tree, char **error_r)
{
	char *text = NULL;
	int ret;

	if (read_text(path, &text, error_r) < 0)
		return -1;
	ret = check_integers(path, text, error_r);
	if (ret == 0)
		ret = parse_tree(tree, path, text, error_r);
	free(text);
	return ret;
}
