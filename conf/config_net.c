/*
 * config_net.c - the network texts of the "listeners" list:
 *
 *   address   "IPv4:port" | "[IPv6]:port"      port 1..65535, digits only
 *   allow     "IPv4[/0..32]" | "IPv6[/0..128]"  no prefix: a host route
 *
 * Addresses only: inet_pton(3) decides their syntax, and host names are
 * refused (nothing resolves names at load time, and a name with several
 * addresses is not one socket). A network's host bits must be zero, so
 * "10.0.0.1/8" is refused rather than silently widened or narrowed.
 * IPv4-mapped IPv6 networks are refused too: mailmapd matches IPv4-mapped
 * clients (of a dual-stack socket) against the IPv4 networks. Pure text
 * functions: no sockets, no libconfig.
 */
#include "config_internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define NET_PORT_MAX 65535

static int net_reason(char *reason, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int net_reason(char *reason, size_t size, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(reason, size, fmt, args);
	va_end(args);
	return -1;
}

/* Decimal digits only (no sign or space, unlike strtol), the whole of
   text, with a value up to max; 0 or -1. */
static int net_parse_digits(const char *text, unsigned max, unsigned *value_r)
{
	size_t len = strspn(text, "0123456789");
	unsigned value = 0;

	if (len == 0 || text[len] != '\0')
		return -1;
	for (size_t i = 0; i < len; i++) {
		value = value * 10 + (unsigned)(text[i] - '0');
		if (value > max)
			return -1;
	}
	*value_r = value;
	return 0;
}

static bool net_has_letter(const char *text)
{
	for (; *text != '\0'; text++) {
		char lower = (char)(*text | 0x20);

		if (lower >= 'a' && lower <= 'z')
			return true;
	}
	return false;
}

/* inet_pton() of host[0..len) into addr (16 bytes, zeroed first). */
static int net_pton(int family, const char *host, size_t len,
		    unsigned char *addr)
{
	char copy[INET6_ADDRSTRLEN];

	memset(addr, 0, 16);
	if (len == 0 || len >= sizeof(copy))
		return -1;
	memcpy(copy, host, len);
	copy[len] = '\0';
	return inet_pton(family, copy, addr) == 1 ? 0 : -1;
}

static int net_bad_host(const char *text, int family, char *reason, size_t size)
{
	if (family == AF_INET && net_has_letter(text))
		return net_reason(reason, size,
				  "\"%.64s\": host names are not allowed, "
				  "write an IP address",
				  text);
	return net_reason(reason, size, "\"%.64s\" is not a valid %s address",
			  text, family == AF_INET ? "IPv4" : "IPv6");
}

int config_address_parse(const char *text, struct config_address *addr_r,
			 char *reason, size_t size)
{
	const char *host = text, *port, *end;
	int family = AF_INET;

	if (text[0] == '[') {
		family = AF_INET6;
		host = text + 1;
		end = strchr(host, ']');
		if (end == NULL || end[1] != ':')
			return net_reason(reason, size,
					  "\"%.64s\" is not [IPv6]:port", text);
		port = end + 2;
	} else {
		end = strchr(text, ':');
		if (end == NULL)
			return net_reason(reason, size,
					  "\"%.64s\" has no port: write "
					  "IPv4:port or [IPv6]:port",
					  text);
		if (strchr(end + 1, ':') != NULL)
			return net_reason(reason, size,
					  "\"%.64s\": write an IPv6 address in "
					  "brackets, as [::1]:10040",
					  text);
		port = end + 1;
	}
	if (net_parse_digits(port, NET_PORT_MAX, &addr_r->port) < 0 ||
	    addr_r->port == 0)
		return net_reason(reason, size,
				  "\"%.64s\": the port must be 1 to 65535",
				  text);
	if (net_pton(family, host, (size_t)(end - host), addr_r->addr) < 0)
		return net_bad_host(text, family, reason, size);
	addr_r->family = family;
	return 0;
}

/* Clears the bits of addr past prefix. */
static void net_mask(unsigned char *addr, size_t bytes, unsigned prefix)
{
	for (size_t i = 0; i < bytes; i++) {
		unsigned bits = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;

		if (bits < 8)
			addr[i] &= (unsigned char)(0xff00u >> bits);
	}
}

/* ::ffff:0:0/96, RFC 4291 2.5.5.2 */
static bool net_is_v4_mapped(const unsigned char *addr)
{
	static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};

	return memcmp(addr, mapped, sizeof(mapped)) == 0;
}

static int net_host_bits_set(const char *text, const struct config_network *net,
			     char *reason, size_t size)
{
	unsigned char addr[16];
	char shown[INET6_ADDRSTRLEN];

	memcpy(addr, net->addr, sizeof(addr));
	net_mask(addr, net->family == AF_INET ? 4 : 16, net->prefix);
	if (memcmp(addr, net->addr, sizeof(addr)) == 0)
		return 0;
	inet_ntop(net->family, addr, shown, sizeof(shown));
	return net_reason(reason, size,
			  "\"%.64s\" has host bits set: the network is %s/%u",
			  text, shown, net->prefix);
}

int config_network_parse(const char *text, struct config_network *net_r,
			 char *reason, size_t size)
{
	const char *slash = strchr(text, '/');
	size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	int family = memchr(text, ':', len) != NULL ? AF_INET6 : AF_INET;
	unsigned max = family == AF_INET ? 32 : 128;

	memset(net_r, 0, sizeof(*net_r));
	net_r->family = family;
	net_r->prefix = max;
	if (net_pton(family, text, len, net_r->addr) < 0)
		return net_bad_host(text, family, reason, size);
	if (slash != NULL &&
	    net_parse_digits(slash + 1, max, &net_r->prefix) < 0)
		return net_reason(
		    reason, size,
		    "\"%.64s\": the prefix length must be 0 to %u", text, max);
	if (family == AF_INET6 && net_r->prefix >= 96 &&
	    net_is_v4_mapped(net_r->addr))
		return net_reason(
		    reason, size,
		    "\"%.64s\": write IPv4-mapped addresses as "
		    "IPv4 (192.0.2.0/24); they are matched as IPv4",
		    text);
	return net_host_bits_set(text, net_r, reason, size);
}
