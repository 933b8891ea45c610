/* greylist_value: the stored values and the whitelist summary; see
 * greylist.h. */
#include "greylist_internal.h"

#include <string.h>

/* A stored value's bytes when it has this length and our version. */
static const unsigned char *greylist_value_in(const void *data, size_t len,
					      size_t want)
{
	const unsigned char *in = data;

	return len == want && in[0] == GREYLIST_VALUE_VERSION ? in : NULL;
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
	const unsigned char *in =
	    greylist_value_in(data, len, GREYLIST_TRIPLET_LEN);

	if (in == NULL || (in[1] & ~1u) != 0)
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
	const unsigned char *in =
	    greylist_value_in(data, len, GREYLIST_AWL_LEN);

	if (in == NULL)
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

	/* a comment of any length up to the limit after the fixed part */
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
	const unsigned char *in =
	    greylist_value_in(data, len, GREYLIST_SUMMARY_LEN);

	if (in == NULL)
		return false;
	memcpy(summary_r->v4, in + 1, sizeof(summary_r->v4));
	memcpy(summary_r->v6, in + 1 + sizeof(summary_r->v4),
	       sizeof(summary_r->v6));
	return true;
}
