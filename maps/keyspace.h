/*
 * The mailmap key space, schema version 1.
 *
 * Two LMDB environments, each a set of named tables (LMDB sub-databases).
 * Names in keys are normalised first (names.h): domains lower case in their
 * ASCII (A-label) form, addresses local@domain with the local part's ASCII
 * lower-cased. Keys hold no terminating NUL. Integers are big-endian.
 * Values are records in the codec format (codec.h) unless said otherwise.
 *
 * config environment: written only by mailmapctl, synchronous commits.
 *
 *   table      key                                  value
 *   ---------  -----------------------------------  --------------------------
 *   meta       "schema_version"                     u32: STORE_SCHEMA_VERSION
 *   meta       "generation"                         u64: +1 on every commit
 *   meta       "target_refs"                        "1": forwards and
 *                                                   catch-alls are in refs
 *   customers  customer name                        REC_CUSTOMER
 *   offers     "customer/offer"                     REC_OFFER
 *   domains    domain                               REC_DOMAIN or
 *                                                   REC_DOMAIN_ALIAS (one
 *                                                   namespace: rule 9)
 *   addresses  local@domain                         REC_MAILBOX, REC_EXTRA or
 *                                                   REC_ALIAS (one namespace:
 *                                                   rule 10)
 *   servers    server name                          REC_SERVER
 *   refs       to-kind(1) to-name 0x00 from-kind(1) from-name (DUPSORT)
 *
 * refs is the reverse index the rules need: "who points at this object".
 * Its key groups the referencing objects by kind, so a count of one kind
 * (seats used by an offer, mailboxes of a domain) is one mdb_cursor_count.
 * Kinds (enum ref_kind, refs.h): 'C' customer, 'O' offer, 'D' domain,
 * 'A' alias domain, 'M' mailbox, 'X' extra address, 'L' alias or list,
 * 'S' server, 'R' an address used as a target (of a list 'L', a
 * mailbox's forward 'M', a domain's catch-all 'D').
 *
 * state environment: written by mailmapd (and by mailmapctl: purges,
 * `greylist` commands), relaxed durability.
 *
 *   table       key                     value
 *   ----------  ----------------------  ------------------------------------
 *   meta        "schema_version"        u32: STORE_SCHEMA_VERSION
 *   quota       address 0x00 "storage"  i64: bytes used (Dovecot quota dict)
 *   quota       address 0x00 "messages" i64: messages stored
 *   last_login  address                 u64: unix time of the last login
 *   greylist    'T' b net s r           triplet: u8 version (1), u8 flags
 *                                       (1 = passed), u64 first, u64 last
 *   greylist    'A' b net               auto-whitelisted client network:
 *                                       u8 version (1), u32 count, u64 last
 *   greylist    'W' b net               manual whitelist entry (mailmapctl):
 *                                       u8 version (1), u64 added, comment
 *                                       bytes (<= 200); net's own prefix
 *   greylist    'W'                     prefix lengths the 'W' entries use:
 *                                       u8 version (1), 5 bytes IPv4 /0-/32
 *                                       and 17 bytes IPv6 /0-/128 bitmaps
 *
 * greylist keys (policy/greylist.h): b = one FNV-1a byte of net (256
 * ranges per tag, the sweeper's resumable unit; a client network's keys
 * stay together); net = u8
 * family (4|6), u8 prefix length, the masked address (4|16 bytes); s, r =
 * normalised sender, lower-cased recipient, each u8 length (<= 240) then
 * the bytes, or 0xff then 232 bytes and the u64 FNV-1a of the whole part.
 * At most 502 bytes. Times are unix seconds; values are not codec records.
 * A whitelist check reads 'W', then 'W' b net for the client's network at
 * each prefix length in use; 'W' keys are never swept.
 *
 * Every lookup is a point read; only the admin tool scans (listing and
 * rule checks over refs), and mailmapd's greylist sweeper, range by range.
 */
#ifndef MAILMAP_KEYSPACE_H
#define MAILMAP_KEYSPACE_H

#define STORE_SCHEMA_VERSION 1

#define STORE_META_SCHEMA     "schema_version"
#define STORE_META_GENERATION "generation"

/* Tables of both environments; each belongs to one. */
enum store_table {
	/* config */
	STORE_META,
	STORE_CUSTOMERS,
	STORE_OFFERS,
	STORE_DOMAINS,
	STORE_ADDRESSES,
	STORE_SERVERS,
	STORE_REFS,
	/* state */
	STORE_STATE_META,
	STORE_QUOTA,
	STORE_LAST_LOGIN,
	STORE_GREYLIST,
	STORE_TABLE_COUNT
};

#endif
