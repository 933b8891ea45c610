/*
 * sieve_script: a mailbox's auto-reply as a Sieve script for Dovecot's
 * Pigeonhole (RFC 5228, `vacation` RFC 5230 with Pigeonhole's
 * `vacation-seconds` RFC 6131, `date` and `relational` RFC 5260/5231),
 * and the data id Pigeonhole's dict script location keys it by
 * (protocols.md 3.9). Pure: no store, no clock, no time zone database.
 *
 * The script (design.md "Auto-reply"):
 *
 *   require ["vacation", "date", "relational"];      + "vacation-seconds"
 *   if allof (currentdate :zone "+0000" :value "ge" "iso8601" START,
 *             currentdate :zone "+0000" :value "le" "iso8601" END) {
 *     vacation :days N | :seconds N :from FROM :addresses [...]
 *              :subject SUBJECT BODY;
 *   }
 *   discard;                          only for a forward without a copy
 *
 * The window is two instants in UTC (an open end is left out, both open
 * is `if true`): Pigeonhole writes iso8601 in UTC as
 * "YYYY-MM-DDTHH:MM:SSZ", so comparing strings compares instants. The
 * mailbox's time zone was applied when the admin gave the dates
 * (mailmapctl), so no zone database is read here. The interval is
 * `:days` when it is whole days, else `:seconds` (Pigeonhole raises it to
 * sieve_vacation_min_period, 1 day unless the configuration lowers it).
 * An empty subject leaves `:subject` out (Pigeonhole's "Auto: <subject>").
 * Strings are quoted (RFC 5228 2.4.2: `"` and `\` escaped, newlines kept),
 * and no extension that reads `${...}` in strings is required, so the
 * body is sent as written.
 *
 * The id is the first 128 bits of the SHA-256 of the text, in hex: it
 * changes exactly when the script does.
 */
#ifndef MAILMAP_SIEVE_SCRIPT_H
#define MAILMAP_SIEVE_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* Hex digits of an id, without the NUL. */
#define SIEVE_ID_LEN 32
/* Addresses a script answers for (:addresses); more are left out. */
#define SIEVE_ADDRESSES_MAX 1000

struct sieve_vacation {
	const char *address;	/* the mailbox: :from, and who it is for */
	const char *first_name; /* the From display name, "" for none */
	const char *last_name;
	const char *const *addresses; /* the mailbox's other addresses */
	size_t address_count;
	const char *subject; /* "" = Pigeonhole's default */
	const char *body;
	uint64_t start;	   /* unix seconds, 0 = open */
	uint64_t end;	   /* the last second of the window, 0 = open */
	uint64_t interval; /* seconds between replies to one sender */
	bool discard;	   /* forwards without a copy: keep nothing */
};

struct sieve_script {
	const char *text; /* NUL-terminated, in the arena or static */
	size_t len;
	char id[SIEVE_ID_LEN + 1];
	bool replies; /* false: the script of a mailbox with no auto-reply */
};

/* Writes the script of vacation into the arena, with its id. */
void sieve_script_build(const struct sieve_vacation *vacation,
			struct arena *arena, struct sieve_script *script_r);

/* The script of a mailbox with no auto-reply: a comment, so the message
 * is kept as usual (the same text, and id, for every mailbox: compiled
 * once per user). Pigeonhole 2.4 answers a delivery with 451 when a
 * sieve_before script is missing, so a mailbox always has one. */
void sieve_script_none(struct sieve_script *script_r);

/* The id of text[0..len): SIEVE_ID_LEN hex digits and a NUL. */
void sieve_script_id(const char *text, size_t len, char id_r[SIEVE_ID_LEN + 1]);

#endif
