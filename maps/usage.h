/*
 * usage: the state records of a mailbox in the state environment
 * (keyspace.h), shared by mailmapd (Dovecot's quota and last-login dicts)
 * and mailmapctl (mailbox show, stats, the purge of a deleted mailbox):
 *
 *   table       key                     value
 *   ----------  ----------------------  ---------------------------------
 *   quota       address 0x00 "storage"  i64 big-endian: bytes used
 *   quota       address 0x00 "messages" i64 big-endian: messages stored
 *   last_login  address                 u64 big-endian: unix seconds
 *
 * The address is normalised (names.h) by the caller. A value that is not
 * 8 bytes long reads as absent: Dovecot recalculates a quota it does not
 * get, and the next login rewrites the last login. Counters are signed
 * because Dovecot stores what it computes, negative values included (it
 * then recalculates); increments saturate at the i64 limits.
 */
#ifndef MAILMAP_USAGE_H
#define MAILMAP_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "store.h"

enum usage_counter { USAGE_STORAGE, USAGE_MESSAGES, USAGE_COUNTER_COUNT };

/* "storage", "messages": index = enum usage_counter. */
extern const char *const usage_counter_names[];

/* Longest key: an address, the 0x00 and the longest counter name. */
#define USAGE_KEY_MAX (NAMES_ADDRESS_MAX + 1 + 8)

/* What the state holds for one mailbox. */
struct usage {
	bool has_counter[USAGE_COUNTER_COUNT];
	int64_t counter[USAGE_COUNTER_COUNT];
	bool has_last_login;
	uint64_t last_login; /* unix seconds */
};

/* Writes the quota key of (address, counter) into key (USAGE_KEY_MAX
 * bytes); returns its length, 0 when the address is too long. */
size_t usage_key(const char *address, enum usage_counter counter, char *key);

/* Reads one counter: STORE_OK with *value_r, STORE_NOTFOUND, or a
 * failure (the transaction's error). */
int usage_get_counter(struct store_txn *txn, const char *address,
		      enum usage_counter counter, int64_t *value_r);
/* Reads the last login: STORE_OK with *when_r, STORE_NOTFOUND, or a
 * failure. */
int usage_get_last_login(struct store_txn *txn, const char *address,
			 uint64_t *when_r);
/* Reads everything at once: STORE_OK (absent values have their has_
 * flag false) or a failure. */
int usage_read(struct store_txn *txn, const char *address,
	       struct usage *usage_r);

/* Writes a counter. STORE_OK or the sticky error. */
int usage_set_counter(struct store_txn *txn, const char *address,
		      enum usage_counter counter, int64_t value);
/* Adds delta to an existing counter: STORE_OK, STORE_NOTFOUND (nothing
 * written: there was no value), or the sticky error. */
int usage_add_counter(struct store_txn *txn, const char *address,
		      enum usage_counter counter, int64_t delta);
/* Deletes a counter: STORE_OK (also when absent) or the sticky error. */
int usage_unset_counter(struct store_txn *txn, const char *address,
			enum usage_counter counter);
/* Writes the last login. STORE_OK or the sticky error. */
int usage_set_last_login(struct store_txn *txn, const char *address,
			 uint64_t when);
/* Deletes all state of a mailbox: STORE_OK or the sticky error. */
int usage_purge(struct store_txn *txn, const char *address);

#endif
