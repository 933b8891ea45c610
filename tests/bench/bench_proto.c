/* bench_proto: the table of benchmark protocols; see bench_proto.h. */
#include "bench_proto.h"

#include <string.h>

static const struct bench_proto *const bench_protos[] = {
    &bench_proto_socketmap,
    &bench_proto_policy,
    &bench_proto_dict,
};

const struct bench_proto *bench_proto_find(const char *name)
{
	for (size_t i = 0; i < sizeof(bench_protos) / sizeof(bench_protos[0]);
	     i++)
		if (strcmp(bench_protos[i]->name, name) == 0)
			return bench_protos[i];
	return NULL;
}

const char *bench_answer_name(enum bench_answer kind)
{
	static const char *const names[BENCH_ANSWER_KINDS] = {
	    [BENCH_FOUND] = "found",   [BENCH_NOTFOUND] = "notfound",
	    [BENCH_FAILED] = "failed", [BENCH_DUNNO] = "dunno",
	    [BENCH_DEFER] = "defer",   [BENCH_OTHER] = "other",
	};

	return (unsigned)kind < BENCH_ANSWER_KINDS ? names[kind] : "?";
}
