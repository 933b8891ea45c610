/* greylist_net: client networks and CIDR text; see greylist.h. */
#include "greylist_internal.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

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
