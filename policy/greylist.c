/*
 * greylist: the greylisting decision, keys and values; see greylist.h.
 * The rules follow postgrey 1.37 (/usr/sbin/postgrey in Debian's package):
 * smtpd_access_policy() for the timeline and the client auto-whitelist,
 * do_sender_substitutions() for the sender, do_client_substitutions() for
 * the client network, do_maintenance() for what expires.
 */
#include "greylist.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#define FNV32_OFFSET 2166136261u
#define FNV32_PRIME  16777619u
#define FNV64_OFFSET 14695981039346656037ull
#define FNV64_PRIME  1099511628211ull
/* BATV tags are 10 characters (postgrey: /^[0-9a-z]{10}/). */
#define GREYLIST_BATV_TAG_LEN 10

_Static_assert(GREYLIST_KEY_MAX <= 511, "greylist keys exceed LMDB's limit");
_Static_assert(GREYLIST_PART_MAX < GREYLIST_PART_LONG, "length marker");

void greylist_settings_default(struct greylist_settings *settings_r)
{
	*settings_r = (struct greylist_settings){
	    .enabled = false,
	    .delay = 300,
	    .retry_window = 2 * 24 * 3600,
	    .max_age = 35 * 24 * 3600,
	    .ipv4_prefix = 24,
	    .ipv6_prefix = 64,
	    .awl_clients = 5,
	};
}

int greylist_settings_check(const struct greylist_settings *settings,
			    const char **error_r)
{
	if (settings->ipv4_prefix > 32)
		*error_r = "IPv4 prefix length is above 32";
	else if (settings->ipv6_prefix > 128)
		*error_r = "IPv6 prefix length is above 128";
	else if (settings->delay > settings->retry_window)
		*error_r = "greylisting delay is longer than the retry window "
			   "(nothing could ever pass)";
	else if (settings->max_age == 0)
		*error_r = "greylisting max age is zero";
	else
		return 0;
	return -1;
}

/* Client networks */

static void greylist_mask(unsigned char *addr, size_t len, unsigned prefix)
{
	for (size_t i = 0; i < len; i++) {
		if (prefix >= 8 * (i + 1))
			continue;
		unsigned keep = prefix > 8 * i ? prefix - 8 * i : 0;
		addr[i] &= (unsigned char)(0xff00u >> keep);
	}
}

static bool greylist_is_v4_mapped(const unsigned char *addr)
{
	static const unsigned char prefix[12] = {0, 0, 0, 0, 0,	   0,
						 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(addr, prefix, sizeof(prefix)) == 0;
}

int greylist_net_make(const struct greylist_settings *settings, int family,
		      const unsigned char *addr, struct greylist_net *net_r)
{
	size_t len;
	unsigned prefix;

	if (family == AF_INET6 && greylist_is_v4_mapped(addr)) {
		family = AF_INET;
		addr += 12;
	}
	if (family == AF_INET) {
		net_r->family = 4;
		len = 4;
		prefix =
		    settings->ipv4_prefix < 32 ? settings->ipv4_prefix : 32;
	} else if (family == AF_INET6) {
		net_r->family = 6;
		len = 16;
		prefix =
		    settings->ipv6_prefix < 128 ? settings->ipv6_prefix : 128;
	} else {
		return -1;
	}
	memset(net_r->addr, 0, sizeof(net_r->addr));
	memcpy(net_r->addr, addr, len);
	net_r->prefix = (uint8_t)prefix;
	greylist_mask(net_r->addr, len, prefix);
	net_r->has_host = true;
	memset(net_r->host, 0, sizeof(net_r->host));
	memcpy(net_r->host, addr, len);
	return 0;
}

int greylist_net_parse(const struct greylist_settings *settings,
		       const char *text, size_t len, struct greylist_net *net_r)
{
	char buf[64];
	unsigned char addr[16];
	const char *zone = memchr(text, '%', len);
	int family;

	if (zone != NULL)
		len = (size_t)(zone - text);
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	family = memchr(buf, ':', len) != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(family, buf, addr) != 1)
		return -1;
	return greylist_net_make(settings, family, addr, net_r);
}

static unsigned greylist_family_bits(unsigned family)
{
	return family == 4 ? 32 : 128;
}

/* Splits "text/prefix" into buf (the address) and *prefix_r (-1 when
 * absent). 0, or -1 when malformed. */
static int greylist_cidr_split(const char *text, size_t len, char *buf,
			       size_t size, int *prefix_r)
{
	const char *slash = memchr(text, '/', len);
	size_t addr_len = slash != NULL ? (size_t)(slash - text) : len;

	*prefix_r = -1;
	if (addr_len == 0 || addr_len >= size)
		return -1;
	memcpy(buf, text, addr_len);
	buf[addr_len] = '\0';
	if (slash == NULL)
		return 0;
	const char *p = slash + 1, *end = text + len;
	if (p == end || end - p > 3)
		return -1;
	*prefix_r = 0;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		*prefix_r = *prefix_r * 10 + (*p - '0');
	}
	return 0;
}

int greylist_net_parse_cidr(const char *text, size_t len,
			    struct greylist_net *net_r)
{
	char buf[64];
	unsigned char addr[16];
	int prefix, family;

	if (greylist_cidr_split(text, len, buf, sizeof(buf), &prefix) < 0)
		return -1;
	family = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(family, buf, addr) != 1)
		return -1;
	memset(net_r, 0, sizeof(*net_r));
	if (family == AF_INET6 && greylist_is_v4_mapped(addr) &&
	    (prefix < 0 || prefix >= 96)) {
		memmove(addr, addr + 12, 4);
		family = AF_INET;
		prefix = prefix < 0 ? -1 : prefix - 96;
	}
	net_r->family = family == AF_INET ? 4 : 6;
	unsigned bits = greylist_family_bits(net_r->family);
	if (prefix > (int)bits)
		return -1;
	net_r->prefix = (uint8_t)(prefix < 0 ? bits : (unsigned)prefix);
	memcpy(net_r->addr, addr, bits / 8);
	greylist_mask(net_r->addr, bits / 8, net_r->prefix);
	return memcmp(net_r->addr, addr, bits / 8) != 0 ? 1 : 0;
}

bool greylist_net_contains(const struct greylist_net *outer,
			   const struct greylist_net *inner)
{
	unsigned char addr[16];

	if (outer->family != inner->family || outer->prefix > inner->prefix)
		return false;
	memcpy(addr, inner->addr, sizeof(addr));
	greylist_mask(addr, sizeof(addr), outer->prefix);
	return memcmp(addr, outer->addr, sizeof(addr)) == 0;
}

int greylist_net_widen(const struct greylist_net *net, unsigned prefix,
		       struct greylist_net *net_r)
{
	unsigned bits = greylist_family_bits(net->family);

	if (prefix > bits || (prefix > net->prefix && !net->has_host))
		return -1;
	memset(net_r, 0, sizeof(*net_r));
	net_r->family = net->family;
	net_r->prefix = (uint8_t)prefix;
	memcpy(net_r->addr, prefix <= net->prefix ? net->addr : net->host,
	       bits / 8);
	greylist_mask(net_r->addr, bits / 8, prefix);
	return 0;
}

size_t greylist_key_net_decode(const void *key, size_t len,
			       struct greylist_net *net_r)
{
	const unsigned char *k = key;
	size_t addr_len;

	if (len < 4 || (k[2] != 4 && k[2] != 6))
		return 0;
	addr_len = k[2] == 4 ? 4 : 16;
	if (len < 4 + addr_len || k[3] > 8 * addr_len)
		return 0;
	memset(net_r, 0, sizeof(*net_r));
	net_r->family = k[2];
	net_r->prefix = k[3];
	memcpy(net_r->addr, k + 4, addr_len);
	return 4 + addr_len;
}

/* Sender normalisation */

/* Collects output bytes up to a capacity, counts and hashes all of them. */
struct greylist_sink {
	unsigned char *out;
	size_t cap;
	size_t len;
	uint64_t hash; /* FNV-1a 64 */
};

static void greylist_sink_init(struct greylist_sink *sink, void *out,
			       size_t cap)
{
	sink->out = out;
	sink->cap = cap;
	sink->len = 0;
	sink->hash = FNV64_OFFSET;
}

static void greylist_sink_put(struct greylist_sink *sink, unsigned char c)
{
	if (sink->len < sink->cap)
		sink->out[sink->len] = c;
	sink->len++;
	sink->hash = (sink->hash ^ c) * FNV64_PRIME;
}

static unsigned char greylist_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool greylist_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Perl's \w on a byte string: ASCII letters, digits, '_'. */
static bool greylist_is_word(unsigned char c)
{
	c = greylist_lower(c);
	return greylist_is_digit(c) || (c >= 'a' && c <= 'z') || c == '_';
}

/* postgrey's BATV tag test, /^[0-9a-z]{10}/, after lower-casing. */
static bool greylist_is_batv_tag(const char *s, size_t len)
{
	if (len < GREYLIST_BATV_TAG_LEN)
		return false;
	for (size_t i = 0; i < GREYLIST_BATV_TAG_LEN; i++) {
		unsigned char c = greylist_lower((unsigned char)s[i]);
		if (!greylist_is_digit(c) && !(c >= 'a' && c <= 'z'))
			return false;
	}
	return true;
}

static bool greylist_has_prefix_ci(const char *s, size_t len, const char *p)
{
	size_t plen = strlen(p);

	if (len < plen)
		return false;
	for (size_t i = 0; i < plen; i++)
		if (greylist_lower((unsigned char)s[i]) != (unsigned char)p[i])
			return false;
	return true;
}

/* BATV: "prvs=" then exactly three '='-separated fields, trailing empty
 * fields dropped as Perl's split() does. The user is the field that does
 * not look like a tag; the standard (third) one when both or neither do. */
static void greylist_batv_user(const char *local, size_t len, size_t *start,
			       size_t *end)
{
	const char *sep1, *sep2;

	if (!greylist_has_prefix_ci(local, len, "prvs="))
		return;
	while (len > 0 && local[len - 1] == '=')
		len--;
	sep1 = local + 4;
	sep2 = sep1 + 1 < local + len
		   ? memchr(sep1 + 1, '=', len - (size_t)(sep1 + 1 - local))
		   : NULL;
	if (sep2 == NULL ||
	    memchr(sep2 + 1, '=', len - (size_t)(sep2 + 1 - local)) != NULL)
		return;
	size_t f1 = (size_t)(sep1 + 1 - local),
	       f1_len = (size_t)(sep2 - sep1 - 1);
	size_t f2 = (size_t)(sep2 + 1 - local), f2_len = len - f2;
	if (!greylist_is_batv_tag(local + f1, f1_len) &&
	    greylist_is_batv_tag(local + f2, f2_len)) {
		*start = f1;
		*end = f1 + f1_len;
	} else {
		*start = f2;
		*end = f2 + f2_len;
	}
}

/* Emits local[start..end) lower-cased, each digit run that is a whole
 * word (postgrey: s/\b\d+\b/#/g) as one '#'. */
static void greylist_emit_verp(struct greylist_sink *sink, const char *local,
			       size_t start, size_t end)
{
	size_t i = start;

	while (i < end) {
		unsigned char c = (unsigned char)local[i];
		bool word_start =
		    i == start ||
		    !greylist_is_word((unsigned char)local[i - 1]);
		if (greylist_is_digit(c) && word_start) {
			size_t j = i;
			while (j < end &&
			       greylist_is_digit((unsigned char)local[j]))
				j++;
			if (j == end ||
			    !greylist_is_word((unsigned char)local[j])) {
				greylist_sink_put(sink, '#');
				i = j;
				continue;
			}
		}
		greylist_sink_put(sink, greylist_lower(c));
		i++;
	}
}

static void greylist_emit_lower(struct greylist_sink *sink, const char *s,
				size_t len)
{
	for (size_t i = 0; i < len; i++)
		greylist_sink_put(sink, greylist_lower((unsigned char)s[i]));
}

static void greylist_emit_sender(struct greylist_sink *sink, const char *sender,
				 size_t len)
{
	const char *at = memchr(sender, '@', len);
	size_t local_len, start = 0, end;
	const char *plus;

	if (at == NULL) {
		greylist_emit_lower(sink, sender, len);
		return;
	}
	local_len = (size_t)(at - sender);
	end = local_len;
	greylist_batv_user(sender, local_len, &start, &end);
	plus = memchr(sender + start, '+', end - start);
	if (plus != NULL)
		end = (size_t)(plus - sender);
	greylist_emit_verp(sink, sender, start, end);
	greylist_emit_lower(sink, at, len - local_len);
}

size_t greylist_sender_normalize(const char *sender, size_t len, char *out)
{
	struct greylist_sink sink;

	greylist_sink_init(&sink, out, len);
	greylist_emit_sender(&sink, sender, len);
	return sink.len;
}

/* Keys */

static void greylist_put_be(unsigned char *out, uint64_t value, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		out[i] = (unsigned char)(value >> (8 * (bytes - 1 - i)));
}

static uint64_t greylist_get_be(const unsigned char *in, size_t bytes)
{
	uint64_t value = 0;

	for (size_t i = 0; i < bytes; i++)
		value = (value << 8) | in[i];
	return value;
}

static void greylist_key_net(struct greylist_key *key, unsigned char tag,
			     const struct greylist_net *net)
{
	size_t len = net->family == 4 ? 4 : 16;

	key->data[0] = tag;
	key->data[1] = 0; /* the bucket, once the key is complete */
	key->data[2] = net->family;
	key->data[3] = net->prefix;
	memcpy(key->data + 4, net->addr, len);
	key->len = 4 + len;
}

/* Appends a length-prefixed part written by the sink: raw up to
 * GREYLIST_PART_MAX bytes, else a prefix and the hash of the whole. */
static void greylist_key_part_end(struct greylist_key *key,
				  const struct greylist_sink *sink)
{
	unsigned char *len_byte = key->data + key->len;

	if (sink->len <= GREYLIST_PART_MAX) {
		*len_byte = (unsigned char)sink->len;
		key->len += 1 + sink->len;
		return;
	}
	*len_byte = GREYLIST_PART_LONG;
	greylist_put_be(len_byte + 1 + GREYLIST_PART_MAX - 8, sink->hash, 8);
	key->len += 1 + GREYLIST_PART_MAX;
}

static void greylist_key_bucket(struct greylist_key *key)
{
	uint32_t h = FNV32_OFFSET;

	for (size_t i = 2; i < key->len; i++)
		h = (h ^ key->data[i]) * FNV32_PRIME;
	key->data[1] = (unsigned char)(h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24));
}

void greylist_triplet_key(const struct greylist_net *net, const char *sender,
			  size_t sender_len, const char *recipient,
			  size_t recipient_len, struct greylist_key *key_r)
{
	struct greylist_sink sink;

	greylist_key_net(key_r, GREYLIST_TAG_TRIPLET, net);
	greylist_sink_init(&sink, key_r->data + key_r->len + 1,
			   GREYLIST_PART_MAX);
	greylist_emit_sender(&sink, sender, sender_len);
	greylist_key_part_end(key_r, &sink);
	greylist_sink_init(&sink, key_r->data + key_r->len + 1,
			   GREYLIST_PART_MAX);
	greylist_emit_lower(&sink, recipient, recipient_len);
	greylist_key_part_end(key_r, &sink);
	greylist_key_bucket(key_r);
}

void greylist_awl_key(const struct greylist_net *net,
		      struct greylist_key *key_r)
{
	greylist_key_net(key_r, GREYLIST_TAG_AWL, net);
	greylist_key_bucket(key_r);
}

void greylist_whitelist_key(const struct greylist_net *net,
			    struct greylist_key *key_r)
{
	greylist_key_net(key_r, GREYLIST_TAG_WHITELIST, net);
	greylist_key_bucket(key_r);
}

void greylist_summary_key(struct greylist_key *key_r)
{
	key_r->data[0] = GREYLIST_TAG_WHITELIST;
	key_r->len = 1;
}

/* Decisions */

/* Seconds from then to now; 0 when then is in the future (clock moved
 * back: postgrey corrects such dates to now). */
static uint64_t greylist_since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

static bool greylist_due(uint64_t last, uint64_t now, uint64_t interval)
{
	return last > now || now - last >= interval;
}

bool greylist_expired(const struct greylist_entry *entry, uint64_t now,
		      const struct greylist_settings *settings)
{
	if (entry->passed)
		return greylist_since(now, entry->last) > settings->max_age;
	return greylist_since(now, entry->first) > settings->retry_window;
}

bool greylist_awl_expired(const struct greylist_awl *awl, uint64_t now,
			  const struct greylist_settings *settings)
{
	return greylist_since(now, awl->last) > settings->max_age;
}

bool greylist_awl_listed(const struct greylist_settings *settings,
			 const struct greylist_awl *awl, uint64_t now)
{
	return settings->awl_clients > 0 && awl != NULL &&
	       awl->count >= settings->awl_clients &&
	       !greylist_awl_expired(awl, now, settings);
}

/* The triplet's round: a known passed triplet, or one that waits or
 * passes now (first pass), starting afresh when it is unknown, expired or
 * missed its retry window. */
static void greylist_check_triplet(const struct greylist_settings *settings,
				   const struct greylist_entry *old,
				   uint64_t now, struct greylist_result *r)
{
	struct greylist_entry e = {now, now, false};
	enum greylist_reason defer_reason = GREYLIST_NEW;

	if (old != NULL && old->passed) {
		if (greylist_since(now, old->last) <= settings->max_age) {
			r->verdict = GREYLIST_PASS;
			r->reason = GREYLIST_KNOWN;
			if (greylist_due(old->last, now,
					 GREYLIST_TOUCH_INTERVAL)) {
				r->put_triplet = true;
				r->triplet = *old;
				r->triplet.last = now;
			}
			return;
		}
		defer_reason = GREYLIST_EXPIRED;
	} else if (old != NULL) {
		if (old->first <= now &&
		    now - old->first <= settings->retry_window) {
			e.first = old->first;
			defer_reason = GREYLIST_EARLY_RETRY;
		} else {
			defer_reason = GREYLIST_RESTARTED;
		}
	}
	uint64_t waited = now - e.first;
	r->put_triplet = true;
	if (waited >= settings->delay) {
		e.passed = true;
		r->verdict = GREYLIST_PASS;
		r->reason = GREYLIST_PASSED;
		r->delayed = waited;
	} else {
		r->verdict = GREYLIST_DEFER;
		r->reason = defer_reason;
		r->remaining = settings->delay - waited;
	}
	r->triplet = e;
}

/* Writes back awl counted once more (saturating) and used now. */
static void greylist_awl_bump(const struct greylist_awl *awl, uint64_t now,
			      struct greylist_result *r)
{
	r->put_awl = true;
	r->awl.count = awl->count < UINT32_MAX ? awl->count + 1 : awl->count;
	r->awl.last = now;
}

/* A first pass counts towards the network's auto-whitelist, at most once
 * per GREYLIST_AWL_INTERVAL. */
static void greylist_count_pass(const struct greylist_settings *settings,
				const struct greylist_awl *awl, uint64_t now,
				struct greylist_result *r)
{
	if (settings->awl_clients == 0)
		return;
	if (awl == NULL || greylist_awl_expired(awl, now, settings)) {
		r->put_awl = true;
		r->awl = (struct greylist_awl){1, now};
	} else if (greylist_due(awl->last, now, GREYLIST_AWL_INTERVAL)) {
		greylist_awl_bump(awl, now, r);
	}
}

void greylist_check(const struct greylist_settings *settings,
		    const struct greylist_entry *triplet,
		    const struct greylist_awl *awl, uint64_t now,
		    struct greylist_result *result_r)
{
	memset(result_r, 0, sizeof(*result_r));
	result_r->verdict = GREYLIST_PASS;
	if (!settings->enabled) {
		result_r->reason = GREYLIST_DISABLED;
		return;
	}
	if (greylist_awl_listed(settings, awl, now)) {
		result_r->verdict = GREYLIST_AWL_PASS;
		result_r->reason = GREYLIST_AWL;
		/* postgrey keeps counting uses "for statistics" and keeps
		 * the entry alive, both at most hourly. */
		if (greylist_due(awl->last, now, GREYLIST_AWL_INTERVAL))
			greylist_awl_bump(awl, now, result_r);
		return;
	}
	greylist_check_triplet(settings, triplet, now, result_r);
	if (result_r->reason == GREYLIST_PASSED)
		greylist_count_pass(settings, awl, now, result_r);
}

/* Values */

size_t greylist_entry_encode(const struct greylist_entry *entry,
			     unsigned char *out)
{
	out[0] = GREYLIST_VALUE_VERSION;
	out[1] = entry->passed ? 1 : 0;
	greylist_put_be(out + 2, entry->first, 8);
	greylist_put_be(out + 10, entry->last, 8);
	return GREYLIST_TRIPLET_LEN;
}

bool greylist_entry_decode(const void *data, size_t len,
			   struct greylist_entry *entry_r)
{
	const unsigned char *in = data;

	if (len != GREYLIST_TRIPLET_LEN || in[0] != GREYLIST_VALUE_VERSION ||
	    (in[1] & ~1u) != 0)
		return false;
	entry_r->passed = in[1] == 1;
	entry_r->first = greylist_get_be(in + 2, 8);
	entry_r->last = greylist_get_be(in + 10, 8);
	return true;
}

size_t greylist_awl_encode(const struct greylist_awl *awl, unsigned char *out)
{
	out[0] = GREYLIST_VALUE_VERSION;
	greylist_put_be(out + 1, awl->count, 4);
	greylist_put_be(out + 5, awl->last, 8);
	return GREYLIST_AWL_LEN;
}

bool greylist_awl_decode(const void *data, size_t len,
			 struct greylist_awl *awl_r)
{
	const unsigned char *in = data;

	if (len != GREYLIST_AWL_LEN || in[0] != GREYLIST_VALUE_VERSION)
		return false;
	awl_r->count = (uint32_t)greylist_get_be(in + 1, 4);
	awl_r->last = greylist_get_be(in + 5, 8);
	return true;
}

size_t greylist_whitelist_encode(const struct greylist_whitelist *entry,
				 unsigned char *out)
{
	size_t len = entry->comment_len < GREYLIST_COMMENT_MAX
			 ? entry->comment_len
			 : GREYLIST_COMMENT_MAX;

	out[0] = GREYLIST_VALUE_VERSION;
	greylist_put_be(out + 1, entry->added, 8);
	if (len != 0)
		memcpy(out + GREYLIST_WHITELIST_MIN_LEN, entry->comment, len);
	return GREYLIST_WHITELIST_MIN_LEN + len;
}

bool greylist_whitelist_decode(const void *data, size_t len,
			       struct greylist_whitelist *entry_r)
{
	const unsigned char *in = data;

	if (len < GREYLIST_WHITELIST_MIN_LEN ||
	    len > GREYLIST_WHITELIST_VALUE_MAX ||
	    in[0] != GREYLIST_VALUE_VERSION)
		return false;
	entry_r->added = greylist_get_be(in + 1, 8);
	entry_r->comment = (const char *)in + GREYLIST_WHITELIST_MIN_LEN;
	entry_r->comment_len = len - GREYLIST_WHITELIST_MIN_LEN;
	return true;
}

static unsigned char *greylist_summary_bits(struct greylist_summary *summary,
					    unsigned family)
{
	return family == 4 ? summary->v4 : summary->v6;
}

void greylist_summary_add(struct greylist_summary *summary,
			  const struct greylist_net *net)
{
	unsigned char *bits = greylist_summary_bits(summary, net->family);

	if (net->prefix <= greylist_family_bits(net->family))
		bits[net->prefix / 8] |=
		    (unsigned char)(0x80u >> net->prefix % 8);
}

bool greylist_summary_has(const struct greylist_summary *summary,
			  unsigned family, unsigned prefix)
{
	const unsigned char *bits = family == 4 ? summary->v4 : summary->v6;

	if ((family != 4 && family != 6) ||
	    prefix > greylist_family_bits(family))
		return false;
	return (bits[prefix / 8] & (0x80u >> prefix % 8)) != 0;
}

size_t greylist_summary_encode(const struct greylist_summary *summary,
			       unsigned char *out)
{
	out[0] = GREYLIST_VALUE_VERSION;
	memcpy(out + 1, summary->v4, sizeof(summary->v4));
	memcpy(out + 1 + sizeof(summary->v4), summary->v6, sizeof(summary->v6));
	return GREYLIST_SUMMARY_LEN;
}

bool greylist_summary_decode(const void *data, size_t len,
			     struct greylist_summary *summary_r)
{
	const unsigned char *in = data;

	if (len != GREYLIST_SUMMARY_LEN || in[0] != GREYLIST_VALUE_VERSION)
		return false;
	memcpy(summary_r->v4, in + 1, sizeof(summary_r->v4));
	memcpy(summary_r->v6, in + 1 + sizeof(summary_r->v4),
	       sizeof(summary_r->v6));
	return true;
}
