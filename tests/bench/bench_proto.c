/* bench_proto: the table of benchmark protocols; see bench_proto.h. */
#include "bench_proto.h"

#include <string.h>

/* Further protocols (policy, dict) are added here. */
static const struct bench_proto *const bench_protos[] = {
    &bench_proto_socketmap,
};

const struct bench_proto *bench_proto_find(const char *name)
{
	for (size_t i = 0; i < sizeof(bench_protos) / sizeof(bench_protos[0]);
	     i++)
		if (strcmp(bench_protos[i]->name, name) == 0)
			return bench_protos[i];
	return NULL;
}
