/*
 * log: mailmapd's log lines, to syslog (facility from the configuration,
 * mail by default) or to stderr in the foreground. A level below the
 * configured one costs one comparison: nothing is formatted. Client bytes
 * go through log_sanitize(); complaints about malformed input go through
 * log_limited(), which lets a few lines a second through and counts the
 * rest, so a hostile client cannot flood the log. Lines are cut at 1 KB.
 */
#ifndef MAILMAP_LOG_H
#define MAILMAP_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

#define LOG_SANITIZED_MAX 128 /* bytes of client input quoted in a line */

/* Starts logging; to_stderr for --foreground. facility is a syslog one. */
void log_open(bool to_stderr, int facility, enum log_level level);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Like log_msg at warning level, rate-limited across the process. */
void log_limited(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* In the foreground, the calling thread's lines wait in a buffer until
 * log_flush() or a warning or error (a worker calls it at the end of each
 * event loop turn): one write() for a turn's lines. No effect with
 * syslog. */
void log_buffer_thread(void);
void log_flush(void);
/* Writes a printable, truncated copy of client bytes into buf (at least
 * LOG_SANITIZED_MAX * 4 + 4 bytes) and returns it. */
const char *log_sanitize(char *buf, const void *data, size_t len);

#define log_error(...)	 log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...)                                                          \
	do {                                                                   \
		if (log_enabled(LOG_LEVEL_INFO))                               \
			log_msg(LOG_LEVEL_INFO, __VA_ARGS__);                  \
	} while (0)
#define log_debug(...)                                                         \
	do {                                                                   \
		if (log_enabled(LOG_LEVEL_DEBUG))                              \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);                 \
	} while (0)

#endif
