/*
 * greylist_key: sender normalisation (postgrey's
 * do_sender_substitutions()) and the keys of triplets, auto-whitelisted
 * networks and whitelist entries; see greylist.h.
 */
#include "greylist_internal.h"

#include <string.h>

/* BATV tags are 10 characters (postgrey: /^[0-9a-z]{10}/). */
#define GREYLIST_BATV_TAG_LEN 10

/* Collects output bytes up to a capacity, counts all of them and, when
 * asked to, hashes them (a chain of dependent multiplications that only
 * a part too long for a key needs). */
struct greylist_sink {
	unsigned char *out;
	size_t cap;
	size_t len;
	bool hashing;
	uint64_t hash; /* FNV-1a 64 */
};

static void greylist_sink_init(struct greylist_sink *sink, void *out,
			       size_t cap, bool hashing)
{
	sink->out = out;
	sink->cap = cap;
	sink->len = 0;
	sink->hashing = hashing;
	sink->hash = FNV64_OFFSET;
}

static void greylist_sink_put(struct greylist_sink *sink, unsigned char c)
{
	if (sink->len < sink->cap)
		sink->out[sink->len] = c;
	sink->len++;
	if (sink->hashing)
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

	greylist_sink_init(&sink, out, len, false);
	greylist_emit_sender(&sink, sender, len);
	return sink.len;
}

/* Keys */

/* The bucket: one byte of an FNV-1a hash of the network part (the key
 * from its third byte), so all the keys of one client network share it. */
static unsigned char greylist_key_bucket(const struct greylist_key *key)
{
	uint32_t h = FNV32_OFFSET;

	for (size_t i = 2; i < key->len; i++)
		h = (h ^ key->data[i]) * FNV32_PRIME;
	return (unsigned char)(h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24));
}

/* Starts a key: tag, bucket, network. */
static void greylist_key_net(struct greylist_key *key, unsigned char tag,
			     const struct greylist_net *net)
{
	size_t len = net->family == 4 ? 4 : 16;

	key->data[0] = tag;
	key->data[2] = net->family;
	key->data[3] = net->prefix;
	memcpy(key->data + 4, net->addr, len);
	key->len = 4 + len;
	key->data[1] = greylist_key_bucket(key);
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

typedef void greylist_emit_fn(struct greylist_sink *sink, const char *s,
			      size_t len);

/* Appends one part, as emit writes it; a part too long for the key is
 * emitted a second time for its hash. */
static void greylist_key_part(struct greylist_key *key, greylist_emit_fn *emit,
			      const char *s, size_t len)
{
	struct greylist_sink sink, hasher;

	greylist_sink_init(&sink, key->data + key->len + 1, GREYLIST_PART_MAX,
			   false);
	emit(&sink, s, len);
	if (sink.len > GREYLIST_PART_MAX) {
		greylist_sink_init(&hasher, NULL, 0, true);
		emit(&hasher, s, len);
		sink.hash = hasher.hash;
	}
	greylist_key_part_end(key, &sink);
}

void greylist_triplet_key(const struct greylist_net *net, const char *sender,
			  size_t sender_len, const char *recipient,
			  size_t recipient_len, struct greylist_key *key_r)
{
	greylist_key_net(key_r, GREYLIST_TAG_TRIPLET, net);
	greylist_key_part(key_r, greylist_emit_sender, sender, sender_len);
	greylist_key_part(key_r, greylist_emit_lower, recipient, recipient_len);
}

void greylist_awl_key(const struct greylist_net *net,
		      struct greylist_key *key_r)
{
	greylist_key_net(key_r, GREYLIST_TAG_AWL, net);
}

void greylist_whitelist_key(const struct greylist_net *net,
			    struct greylist_key *key_r)
{
	greylist_key_net(key_r, GREYLIST_TAG_WHITELIST, net);
}

void greylist_summary_key(struct greylist_key *key_r)
{
	key_r->data[0] = GREYLIST_TAG_WHITELIST;
	key_r->len = 1;
}
