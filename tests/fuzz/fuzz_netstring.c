/* libFuzzer target: the netstring decoder on arbitrary input, consuming
 * frames as the connection layer does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "netstring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;

	while (size != 0) {
		const char *payload;
		size_t len, used;
		enum netstring_result r =
		    netstring_decode(p, size, 1000, &payload, &len, &used);
		if (r != NETSTRING_FRAME)
			break;
		if (used > size || payload + len > p + size || len > 1000)
			abort();
		p += used;
		size -= used;
	}
	return 0;
}
