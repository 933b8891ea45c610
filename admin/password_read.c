/* password_read: reading a password from standard input, without echo on
 * a terminal; see password.h. */
#include "password_internal.h"

#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* Reads one line of at most PASSWORD_PLAIN_MAX bytes, without its "\n" or
   "\r\n", into buf (PASSWORD_PLAIN_MAX + 1 bytes). */
static int password_read_line(FILE *in, char *buf, size_t *len_r,
			      const char **error_r)
{
	size_t len = 0;
	int c;

	/* buf may take one byte more than the limit: a final '\r' */
	while ((c = getc(in)) != EOF && c != '\n') {
		if (c == '\0') {
			*error_r = "password contains a NUL byte";
			return -1;
		}
		if (len == PASSWORD_PLAIN_MAX + 1) {
			*error_r = "password too long (1024 bytes at most)";
			return -1;
		}
		buf[len++] = (char)c;
	}
	if (ferror(in)) {
		*error_r = "cannot read the password";
		return -1;
	}
	if (c == EOF && len == 0) {
		*error_r = "no password given (end of input)";
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len > PASSWORD_PLAIN_MAX) {
		*error_r = "password too long (1024 bytes at most)";
		return -1;
	}
	if (len == 0) {
		*error_r = "empty password";
		return -1;
	}
	buf[len] = '\0';
	*len_r = len;
	return 0;
}

/* The terminal in is read from, opened for the prompts; stderr if none.
   O_NOCTTY: never make it our controlling terminal as a side effect. */
static FILE *password_prompt_open(int fd)
{
	char name[256];
	FILE *prompt;
	int out;

	if (ttyname_r(fd, name, sizeof(name)) != 0)
		return stderr;
	out = open(name, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (out < 0)
		return stderr;
	prompt = fdopen(out, "w");
	if (prompt == NULL) {
		close(out);
		return stderr;
	}
	return prompt;
}

static int password_prompt(FILE *in, FILE *prompt, const char *text, char *buf,
			   size_t *len_r, const char **error_r)
{
	int ret;

	fputs(text, prompt);
	fflush(prompt);
	ret = password_read_line(in, buf, len_r, error_r);
	/* echo is off, so the user's Enter did not move the cursor */
	fputc('\n', prompt);
	fflush(prompt);
	return ret;
}

/* Echo off; ISIG stays on, so ^C still aborts (the shell restores the
   terminal of a job killed by a signal). TCSAFLUSH drops typeahead that was
   echoed before. */
static int password_echo_off(int fd, struct termios *saved,
			     const char **error_r)
{
	struct termios quiet;

	if (tcgetattr(fd, saved) < 0) {
		*error_r = "cannot read the terminal settings";
		return -1;
	}
	quiet = *saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	if (tcsetattr(fd, TCSAFLUSH, &quiet) < 0) {
		*error_r = "cannot turn terminal echo off";
		return -1;
	}
	return 0;
}

/* Both prompts; the two answers must match. Echo is on again on return. */
static int password_read_tty(FILE *in, char *buf, size_t *len_r,
			     const char **error_r)
{
	char again[PASSWORD_PLAIN_MAX + 1];
	size_t again_len = 0;
	struct termios saved;
	FILE *prompt;
	int ret;

	if (password_echo_off(fileno(in), &saved, error_r) < 0)
		return -1;
	prompt = password_prompt_open(fileno(in));
	ret = password_prompt(in, prompt, "Password: ", buf, len_r, error_r);
	if (ret == 0)
		ret = password_prompt(in, prompt, "Retype password: ", again,
				      &again_len, error_r);
	if (ret == 0 &&
	    (again_len != *len_r || memcmp(buf, again, again_len) != 0)) {
		*error_r = "passwords do not match";
		ret = -1;
	}
	explicit_bzero(again, sizeof(again));
	if (prompt != stderr)
		fclose(prompt);
	if (tcsetattr(fileno(in), TCSAFLUSH, &saved) < 0 && ret == 0) {
		*error_r = "cannot turn terminal echo back on";
		ret = -1;
	}
	return ret;
}

int password_read(FILE *in, char *buf, size_t *len_r, const char **error_r)
{
	int fd = fileno(in);
	int ret;

	*len_r = 0;
	if (fd >= 0 && isatty(fd))
		ret = password_read_tty(in, buf, len_r, error_r);
	else
		ret = password_read_line(in, buf, len_r, error_r);
	if (ret < 0) {
		explicit_bzero(buf, PASSWORD_PLAIN_MAX + 1);
		*len_r = 0;
	}
	return ret;
}
