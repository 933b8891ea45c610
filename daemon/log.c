/* log: syslog or stderr, levels, rate limiting; see log.h. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_LIMITED_PER_SECOND 10
#define LOG_LINE_MAX	       1024
#define LOG_BUFFER_SIZE	       16384

static bool log_stderr = true;
static atomic_int log_level = LOG_LEVEL_INFO;
static atomic_long log_limit_second;
static atomic_int log_limit_count;
static atomic_int log_suppressed;

static const int log_priorities[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
static const char *const log_names[] = {"error", "warning", "info", "debug"};

void log_open(bool to_stderr, int facility, enum log_level level)
{
	log_stderr = to_stderr;
	log_level = level;
	if (!to_stderr)
		openlog("mailmapd", LOG_PID | LOG_NDELAY, facility);
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

bool log_enabled(enum log_level level)
{
	return (int)level <= log_level;
}

/* A worker thread's stderr lines, written with one write() per event
 * loop turn (log_flush()) instead of one per line. */
static _Thread_local struct {
	bool on;
	size_t len;
	char data[LOG_BUFFER_SIZE];
} log_buf;

static void log_write_all(const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nowhere to complain */
		data += n;
		len -= (size_t)n;
	}
}

void log_buffer_thread(void)
{
	log_buf.on = log_stderr;
}

void log_flush(void)
{
	log_write_all(log_buf.data, log_buf.len);
	log_buf.len = 0;
}

/* "mailmapd: LEVEL: text\n", cut at LOG_LINE_MAX; returns its length. */
static size_t log_format(char *out, enum log_level level, const char *fmt,
			 va_list ap)
{
	int n = snprintf(out, LOG_LINE_MAX, "mailmapd: %s: ", log_names[level]);
	int m = vsnprintf(out + n, LOG_LINE_MAX - (size_t)n - 1, fmt, ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);

	if (len > LOG_LINE_MAX - 2)
		len = LOG_LINE_MAX - 2;
	out[len++] = '\n';
	return len;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];

	if (!log_stderr) {
		vsnprintf(line, sizeof(line), fmt, ap);
		syslog(log_priorities[level], "%s: %s", log_names[level], line);
		return;
	}
	if (!log_buf.on) {
		log_write_all(line, log_format(line, level, fmt, ap));
		return;
	}
	if (LOG_BUFFER_SIZE - log_buf.len < LOG_LINE_MAX)
		log_flush();
	log_buf.len += log_format(log_buf.data + log_buf.len, level, fmt, ap);
	if (level <= LOG_LEVEL_WARNING) /* not kept waiting */
		log_flush();
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void log_limited(const char *fmt, ...)
{
	long now = (long)time(NULL);
	long second = atomic_load(&log_limit_second);
	va_list ap;

	if (second != now &&
	    atomic_compare_exchange_strong(&log_limit_second, &second, now)) {
		int suppressed = atomic_exchange(&log_suppressed, 0);
		atomic_store(&log_limit_count, 0);
		if (suppressed > 0)
			log_warning("%d similar messages suppressed",
				    suppressed);
	}
	if (atomic_fetch_add(&log_limit_count, 1) >= LOG_LIMITED_PER_SECOND) {
		atomic_fetch_add(&log_suppressed, 1);
		return;
	}
	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_WARNING, fmt, ap);
	va_end(ap);
}

const char *log_sanitize(char *buf, const void *data, size_t len)
{
	const unsigned char *bytes = data;
	size_t n = len < LOG_SANITIZED_MAX ? len : LOG_SANITIZED_MAX;
	char *out = buf;

	for (size_t i = 0; i < n; i++) {
		if (bytes[i] >= 0x20 && bytes[i] < 0x7f && bytes[i] != '\\')
			*out++ = (char)bytes[i];
		else
			out += sprintf(out, "\\x%02x", bytes[i]);
	}
	if (n < len)
		out += sprintf(out, "...");
	*out = '\0';
	return buf;
}
