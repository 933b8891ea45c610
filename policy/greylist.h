/*
 * greylist: the greylisting decision (design.md "Policy checks" item 5),
 * with postgrey 1.37's semantics. Pure: no LMDB, no clock, no allocation;
 * time is a parameter, so every timeline is tested with an injected clock.
 * greylist_store.h keeps the entries in the state environment.
 *
 * A triplet is (client network, normalised sender, recipient). Its entry
 * remembers when it was first seen, last seen and whether it passed:
 *   - first sighting: DEFER for the full delay;
 *   - retry before first + delay: DEFER for the rest;
 *   - first retry after the delay and within the retry window counted from
 *     the first sighting: PASS, and the triplet is marked passed;
 *   - first retry after the retry window: start again (DEFER, full delay);
 *   - a passed triplet PASSes until it is unused for max age, then it is
 *     new again.
 * A client network whose triplets passed greylisting awl_clients times (at
 * most one pass counted per GREYLIST_AWL_INTERVAL) is auto-whitelisted
 * (AWL_PASS) until it is unused for max age.
 *
 * Where we differ from postgrey, on purpose:
 *   - max age and the retry window are applied when an entry is read, not
 *     only by the nightly sweep, so a decision never depends on when the
 *     sweeper last ran;
 *   - the auto-whitelist is keyed by the client network (like triplets),
 *     not by the exact client address;
 *   - a passed triplet's last use is rewritten at most once per
 *     GREYLIST_TOUCH_INTERVAL (postgrey writes it on every mail), so busy
 *     triplets do not turn every request into a write; an entry therefore
 *     expires up to that interval early;
 *   - the sender is lower-cased before the BATV check ("PRVS=" counts);
 *   - an IPv4-mapped IPv6 client (::ffff:a.b.c.d) is the IPv4 client.
 */
#ifndef MAILMAP_POLICY_GREYLIST_H
#define MAILMAP_POLICY_GREYLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* postgrey counts one AWL pass per client per hour (its POD, "Only one
 * attempt per hour counts"); we also refresh last-use times at that pace. */
#define GREYLIST_AWL_INTERVAL	3600
#define GREYLIST_TOUCH_INTERVAL 3600

/* Key layout (also in maps/keyspace.h), integers big-endian:
 *   triplet: 'T' bucket net slen sender rlen recipient
 *   AWL:     'A' bucket net
 *   net    = family(1: 4 or 6) prefix-length(1) address(4 or 16 bytes,
 *            host bits zero)
 *   bucket = one byte of an FNV-1a hash of net: spreads keys over 256
 *            ranges per tag that the sweeper walks one at a time, so it
 *            can stop and resume anywhere, and keeps the triplets of one
 *            client network together (its requests come in bursts: they
 *            read and write neighbouring pages). Until 0.1 the triplet's
 *            bucket hashed sender and recipient too: such entries are no
 *            longer found (the triplet is greylisted once more) and are
 *            swept when they expire.
 *   slen/rlen: 0..GREYLIST_PART_MAX, then that many bytes; or
 *            GREYLIST_PART_LONG, then the first GREYLIST_PART_MAX - 8 bytes
 *            and a 64-bit FNV-1a hash of the whole part (for parts longer
 *            than GREYLIST_PART_MAX: deterministic, fits LMDB's 511-byte
 *            key limit). */
#define GREYLIST_TAG_TRIPLET 'T'
#define GREYLIST_TAG_AWL     'A'
/* The manual whitelist of client networks (mailmapctl greylist whitelist):
 *   entry:   'W' bucket net   (net with the entry's own prefix length)
 *   summary: 'W'              (one byte: which prefix lengths have entries,
 *                              so a check is one point read per length in
 *                              use, never a scan)
 * Never swept: entries stay until an admin deletes them. */
#define GREYLIST_TAG_WHITELIST 'W'
#define GREYLIST_PART_MAX      240
#define GREYLIST_PART_LONG     0xff
#define GREYLIST_NET_MAX       (1 + 1 + 16)
#define GREYLIST_KEY_MAX                                                       \
	(1 + 1 + GREYLIST_NET_MAX + 2 * (1 + GREYLIST_PART_MAX)) /* 502 */

/* Values: version(1) then, for a triplet, flags(1) first(8) last(8); for
 * an AWL entry, count(4) last(8). Another version or length is ignored
 * (read as absent) and swept. */
#define GREYLIST_VALUE_VERSION 1
#define GREYLIST_TRIPLET_LEN   18
#define GREYLIST_AWL_LEN       13
#define GREYLIST_VALUE_MAX     GREYLIST_TRIPLET_LEN
/* Manual whitelist values: an entry is version(1) added(8) then the
 * comment's bytes; the summary is version(1) then one bit per prefix
 * length, IPv4 /0../32 (5 bytes) and IPv6 /0../128 (17 bytes), bit n of
 * byte n / 8 being 0x80 >> n % 8. */
#define GREYLIST_COMMENT_MAX	     200
#define GREYLIST_WHITELIST_MIN_LEN   9
#define GREYLIST_WHITELIST_VALUE_MAX (9 + GREYLIST_COMMENT_MAX)
#define GREYLIST_SUMMARY_LEN	     (1 + 5 + 17)

struct greylist_settings {
	bool enabled;	       /* greylisting is on (the caller checks) */
	uint64_t delay;	       /* seconds a new triplet waits */
	uint64_t retry_window; /* seconds from first sighting to pass */
	uint64_t max_age;      /* seconds unused before an entry is gone */
	unsigned ipv4_prefix;  /* client network: IPv4 prefix length */
	unsigned ipv6_prefix;  /* and IPv6 prefix length */
	unsigned awl_clients;  /* passes to auto-whitelist a network; 0 off */
};

/* A triplet's entry. */
struct greylist_entry {
	uint64_t first; /* first sighting (of this round) */
	uint64_t last;	/* last sighting */
	bool passed;	/* it passed greylisting once */
};

/* A client network's auto-whitelist counter. */
struct greylist_awl {
	uint32_t count; /* counted passes (and later uses, saturating) */
	uint64_t last;	/* last counted pass or use */
};

struct greylist_net {
	uint8_t family; /* 4 or 6 */
	uint8_t prefix; /* prefix length applied */
	unsigned char addr[16];
	/* The client address itself, before masking (greylist_net_make()
	 * sets it): a manual whitelist entry narrower than prefix, such as
	 * one host, is tested on it. */
	bool has_host;
	unsigned char host[16];
};

/* A manual whitelist entry's value. */
struct greylist_whitelist {
	uint64_t added;	     /* when it was added */
	const char *comment; /* comment_len bytes, borrowed, no NUL */
	size_t comment_len;  /* at most GREYLIST_COMMENT_MAX */
};

/* Which prefix lengths the manual whitelist uses (the 'W' summary). */
struct greylist_summary {
	unsigned char v4[5];
	unsigned char v6[17];
};

struct greylist_key {
	size_t len;
	unsigned char data[GREYLIST_KEY_MAX];
};

enum greylist_verdict {
	GREYLIST_PASS,
	GREYLIST_DEFER,
	GREYLIST_AWL_PASS,
};

/* Why, for logs and statistics. */
enum greylist_reason {
	GREYLIST_NEW,	      /* DEFER: first sighting */
	GREYLIST_EARLY_RETRY, /* DEFER: retried before the delay was over */
	GREYLIST_RESTARTED,   /* DEFER: first retry came after the window */
	GREYLIST_EXPIRED,     /* DEFER: passed once, then unused for max age */
	GREYLIST_PASSED,      /* PASS: first pass, after waiting `delayed` */
	GREYLIST_KNOWN,	      /* PASS: the triplet passed before */
	GREYLIST_AWL,	      /* AWL_PASS: the network is auto-whitelisted */
	GREYLIST_DISABLED,    /* PASS: settings->enabled is false */
	GREYLIST_WHITELISTED, /* AWL_PASS: in the manual whitelist */
};

struct greylist_result {
	enum greylist_verdict verdict;
	enum greylist_reason reason;
	uint64_t remaining; /* DEFER: seconds until a retry can pass */
	uint64_t delayed;   /* GREYLIST_PASSED: seconds it was held back */
	/* Entries to write back (the store adapter queues them). */
	bool put_triplet;
	struct greylist_entry triplet;
	bool put_awl;
	struct greylist_awl awl;
};

/* postgrey's defaults: delay 300 s, retry window 2 days, max age 35 days,
 * IPv4 /24, IPv6 /64, auto-whitelist after 5 passes. Not enabled: the
 * policy service also serves send rights and plan limits, and wiring it
 * into Postfix for those must not start delaying every new sender. */
void greylist_settings_default(struct greylist_settings *settings_r);
/* Checks ranges (prefix lengths, a delay within the retry window, a max
 * age above zero): 0, or -1 with a static message. */
int greylist_settings_check(const struct greylist_settings *settings,
			    const char **error_r);

/* The client network of an address in network byte order: family AF_INET
 * (4 bytes) or AF_INET6 (16 bytes; IPv4-mapped becomes IPv4), masked to
 * the configured prefix. 0, or -1 for another family. */
int greylist_net_make(const struct greylist_settings *settings, int family,
		      const unsigned char *addr, struct greylist_net *net_r);
/* Same from Postfix's client_address text ("192.0.2.1", "2001:db8::1",
 * a "%zone" suffix ignored). 0, or -1 when it is not an IP address. */
int greylist_net_parse(const struct greylist_settings *settings,
		       const char *text, size_t len,
		       struct greylist_net *net_r);

/* A network in CIDR notation ("192.0.2.0/24", "2001:db8::/32") or an
 * address (its /32 or /128); IPv4-mapped IPv6 with a prefix of 96 or more
 * is IPv4. 0, 1 when host bits were set (they are cleared), or -1. */
int greylist_net_parse_cidr(const char *text, size_t len,
			    struct greylist_net *net_r);
/* Is inner (all of it) inside outer? */
bool greylist_net_contains(const struct greylist_net *outer,
			   const struct greylist_net *inner);
/* The client's network at another prefix length: from net->addr when it
 * is not longer than net->prefix, else from the client's address. 0, or
 * -1 when net has no address that long (or prefix is out of range). */
int greylist_net_widen(const struct greylist_net *net, unsigned prefix,
		       struct greylist_net *net_r);
/* The network of a 'T', 'A' or 'W' key: the key's length up to the end
 * of the net (where a triplet's parts start), or 0 when malformed. */
size_t greylist_key_net_decode(const void *key, size_t len,
			       struct greylist_net *net_r);

/* Writes postgrey's normalised sender into out (at least len bytes; the
 * result is never longer) and returns its length: ASCII lower case; a
 * BATV "prvs=tag=user" or "prvs=user=tag" local part becomes "user"; the
 * local part loses everything from its first '+'; digit runs that are a
 * whole word of the local part become '#' (numeric VERP). Without an '@'
 * (the null sender, "MAILER-DAEMON") only the case changes. */
size_t greylist_sender_normalize(const char *sender, size_t len, char *out);

/* The store key of a triplet; sender is raw (normalised here), recipient
 * is lower-cased here. */
void greylist_triplet_key(const struct greylist_net *net, const char *sender,
			  size_t sender_len, const char *recipient,
			  size_t recipient_len, struct greylist_key *key_r);
/* The store key of a client network's auto-whitelist entry. */
void greylist_awl_key(const struct greylist_net *net,
		      struct greylist_key *key_r);

/* The store key of a manual whitelist entry, and of the summary. */
void greylist_whitelist_key(const struct greylist_net *net,
			    struct greylist_key *key_r);
void greylist_summary_key(struct greylist_key *key_r);

/* Decides for a triplet (NULL when unknown) from a client network whose
 * AWL entry is awl (NULL when unknown) at time now, and says what to
 * write back. */
void greylist_check(const struct greylist_settings *settings,
		    const struct greylist_entry *triplet,
		    const struct greylist_awl *awl, uint64_t now,
		    struct greylist_result *result_r);
/* Is the network auto-whitelisted (enough passes, not expired)? */
bool greylist_awl_listed(const struct greylist_settings *settings,
			 const struct greylist_awl *awl, uint64_t now);

/* Is the entry dead at time now (the sweeper deletes it)? A passed
 * triplet after max age unused; one that never passed after its retry
 * window (a retry would start it again anyway). */
bool greylist_expired(const struct greylist_entry *entry, uint64_t now,
		      const struct greylist_settings *settings);
bool greylist_awl_expired(const struct greylist_awl *awl, uint64_t now,
			  const struct greylist_settings *settings);

/* Values: encode into out (GREYLIST_VALUE_MAX bytes), returning the
 * length; decode returns false for another version or length. */
size_t greylist_entry_encode(const struct greylist_entry *entry,
			     unsigned char *out);
bool greylist_entry_decode(const void *data, size_t len,
			   struct greylist_entry *entry_r);
size_t greylist_awl_encode(const struct greylist_awl *awl, unsigned char *out);
bool greylist_awl_decode(const void *data, size_t len,
			 struct greylist_awl *awl_r);
/* out holds GREYLIST_WHITELIST_VALUE_MAX bytes (a longer comment is cut);
 * decode borrows the comment from data. */
size_t greylist_whitelist_encode(const struct greylist_whitelist *entry,
				 unsigned char *out);
bool greylist_whitelist_decode(const void *data, size_t len,
			       struct greylist_whitelist *entry_r);
/* Summary: out holds GREYLIST_SUMMARY_LEN bytes. */
void greylist_summary_add(struct greylist_summary *summary,
			  const struct greylist_net *net);
bool greylist_summary_has(const struct greylist_summary *summary,
			  unsigned family, unsigned prefix);
size_t greylist_summary_encode(const struct greylist_summary *summary,
			       unsigned char *out);
bool greylist_summary_decode(const void *data, size_t len,
			     struct greylist_summary *summary_r);

#endif
