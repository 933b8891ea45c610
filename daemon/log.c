/* log: syslog or stderr, levels, rate limiting; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#define LOG_LIMITED_PER_SECOND 10

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

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_stderr)
		fprintf(stderr, "mailmapd: %s: %s\n", log_names[level], line);
	else
		syslog(log_priorities[level], "%s: %s", log_names[level], line);
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
