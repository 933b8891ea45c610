/*
 * zone: wall-clock times in a mailbox's time zone (an IANA name, "" =
 * UTC), read from the system's zone database (tzdata, TZDIR or
 * /usr/share/zoneinfo) through the C library. mailmapctl only: it sets
 * TZ for the call and puts it back, which a threaded program (mailmapd)
 * could not do. mailmapd never needs a zone: the store keeps instants.
 */
#ifndef MAILMAP_ZONE_H
#define MAILMAP_ZONE_H

#include <stdint.h>

#include "arena.h"

/* The unix time of a wall-clock time in zone; naive is that time's
 * seconds counted as if it were UTC (what timegm gives). A time skipped
 * by a daylight-saving change moves forward, a repeated one takes its
 * first occurrence. 0, or -1 with a static *error_r (a zone the system
 * does not know). */
int zone_to_utc(const char *zone, uint64_t naive, uint64_t *utc_r,
		const char **error_r);

/* "2026-12-24 00:00:00 Europe/Paris" ("... UTC" for ""), in the arena;
 * the UTC text with "Z" when the zone is unknown. */
const char *zone_format(struct arena *arena, const char *zone, uint64_t when);

#endif
