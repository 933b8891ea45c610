/* libFuzzer target: every record type's decoder on arbitrary bytes (a
 * corrupt store must give an error, never a crash). */
#include <stddef.h>
#include <stdint.h>

#include "records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena arena;
	unsigned char rec[1024];
	const char *error;

	arena_init(&arena, 0);
	for (int type = 1; type < REC_TYPE_COUNT; type++) {
		const struct record_desc *desc = record_desc_get(type);
		if (desc->size <= sizeof(rec))
			record_decode(desc, "key", 3, data, size, &arena, rec,
				      &error);
		arena_reset(&arena);
	}
	arena_deinit(&arena);
	return 0;
}
