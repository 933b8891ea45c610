/*
 * config_daemon.c - what the "daemon" rows of config.c's settings[] table
 * point to: the syslog facility and log level names, and the check of user
 * and group names (shared with the listeners' owner and group). The rows
 * themselves stay in settings[]: they are plain strings, numbers and names
 * like every other scalar setting.
 */
#include "config_internal.h"

#include <syslog.h>

/* The facilities a mail system logs to; syslog(3). */
const char *const config_facility_names[] = {
    "mail",   "daemon", "user",	  "local0", "local1", "local2",
    "local3", "local4", "local5", "local6", "local7", NULL,
};

const int config_facility_values[] = {
    LOG_MAIL,	LOG_DAEMON, LOG_USER,	LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2,
    LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7,
};

_Static_assert(N_ELEMENTS(config_facility_names) ==
		   N_ELEMENTS(config_facility_values) + 1,
	       "one syslog facility per name");

/* enum log_level order; tests/unit/test_config_daemon.c checks it. */
const char *const config_log_level_names[] = {
    "error", "warning", "info", "debug", NULL,
};

const char *config_check_account(const char *value)
{
	for (; *value != '\0'; value++) {
		unsigned char c = (unsigned char)*value;

		/* getpwnam() would take them; no user should have them */
		if (c <= ' ' || c == 0x7f)
			return "must not contain spaces or control characters";
	}
	return NULL;
}
