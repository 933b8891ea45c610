/* libFuzzer target: address and domain normalisation (every lookup key
 * from Postfix goes through it) and extension stripping. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[NAMES_ADDRESS_MAX + 1], stripped[NAMES_ADDRESS_MAX + 1];
	const char *error;

	if (names_address_normalize((const char *)data, size, out, &error) ==
	    0) {
		if (strlen(out) > NAMES_ADDRESS_MAX)
			abort();
		names_strip_extension(out, "+-", stripped);
	}
	names_domain_normalize((const char *)data, size, out, &error);
	return 0;
}
