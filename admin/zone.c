/* zone: wall-clock times in a mailbox's time zone; see zone.h. */
#include "zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Is zone a file of the zone database? (The C library silently takes an
 * unknown name for UTC.) */
static int zone_known(const char *zone)
{
	const char *dir = getenv("TZDIR");
	char path[512];

	snprintf(path, sizeof(path), "%s/%s",
		 dir != NULL && dir[0] != '\0' ? dir : "/usr/share/zoneinfo",
		 zone);
	return zone[0] != '.' && access(path, R_OK) == 0;
}

/* Sets TZ to zone; *saved_r: the TZ to put back (NULL: none), the
 * caller's to free. */
static void zone_enter(const char *zone, char **saved_r)
{
	const char *old = getenv("TZ");

	*saved_r = old != NULL ? strdup(old) : NULL;
	setenv("TZ", zone, 1);
	tzset();
}

static void zone_leave(char *saved)
{
	if (saved != NULL)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	free(saved);
	tzset();
}

int zone_to_utc(const char *zone, uint64_t naive, uint64_t *utc_r,
		const char **error_r)
{
	time_t t = (time_t)naive;
	struct tm tm;
	char *saved;
	time_t utc;

	if (zone[0] == '\0') {
		*utc_r = naive;
		return 0;
	}
	if (!zone_known(zone)) {
		*error_r = "the mailbox's time zone is not in this system's "
			   "zone database (tzdata)";
		return -1;
	}
	gmtime_r(&t, &tm);
	tm.tm_isdst = -1;
	zone_enter(zone, &saved);
	utc = mktime(&tm);
	zone_leave(saved);
	if (utc < 0) {
		*error_r = "before 1970 in the mailbox's time zone";
		return -1;
	}
	*utc_r = (uint64_t)utc;
	return 0;
}

const char *zone_format(struct arena *arena, const char *zone, uint64_t when)
{
	time_t t = (time_t)when;
	char text[64];
	struct tm tm;
	char *saved;

	if (zone[0] != '\0' && !zone_known(zone)) {
		gmtime_r(&t, &tm);
		strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
		return arena_strdup(arena, text);
	}
	zone_enter(zone[0] != '\0' ? zone : "UTC", &saved);
	localtime_r(&t, &tm);
	zone_leave(saved);
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm);
	return arena_printf(arena, "%s %s", text,
			    zone[0] != '\0' ? zone : "UTC");
}
