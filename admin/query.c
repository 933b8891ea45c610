/*
 * query: `mailmapctl query MAP KEY` prints the socketmap answer mailmapd
 * gives Postfix for that map and key ("OK value", "NOTFOUND ", "TEMP why",
 * "PERM why"), through the same lookup code as the daemon.
 * Exit: 0 found, 2 not found, 75 temporary failure, 1 permanent failure.
 */
#include <string.h>

#include "commands.h"
#include "fields.h"
#include "lookup.h"

struct query {
	struct ctl *ctl;
	const char *map;
	const char *key;
	int status;
};

static int query_body(struct op *op, void *context)
{
	static const struct {
		const char *word;
		int status;
	} replies[] = {
	    [LOOKUP_FOUND] = {"OK", CTL_OK},
	    [LOOKUP_NOTFOUND] = {"NOTFOUND", CTL_NOTFOUND},
	    [LOOKUP_TEMPFAIL] = {"TEMP", CTL_TEMPFAIL},
	    [LOOKUP_PERMFAIL] = {"PERM", CTL_INPUT},
	};
	struct query *query = context;
	struct lookup_ctx ctx = {op->txn, op->arena,
				 query->ctl->config->recipient_delimiter};
	struct lookup_answer answer = {0};

	const char *value;

	lookup_socketmap(&ctx, query->map, strlen(query->map), query->key,
			 strlen(query->key), &answer);
	value = answer.status != LOOKUP_NOTFOUND && answer.value != NULL
		    ? answer.value
		    : "";
	if (query->ctl->json) {
		fprintf(query->ctl->out, "{\"map\": ");
		fields_json_string(query->map, query->ctl->out);
		fprintf(query->ctl->out, ", \"key\": ");
		fields_json_string(query->key, query->ctl->out);
		fprintf(query->ctl->out, ", \"status\": \"%s\", \"value\": ",
			replies[answer.status].word);
		fields_json_string(value, query->ctl->out);
		fprintf(query->ctl->out, "}\n");
	} else {
		fprintf(query->ctl->out, "%s %s\n", replies[answer.status].word,
			value);
	}
	query->status = replies[answer.status].status;
	return 0;
}

int query_main(struct ctl *ctl, const char *map, const char *key)
{
	struct query query = {ctl, map, key, CTL_OK};
	int status = ctl_read(ctl, query_body, &query);

	return status != CTL_OK ? status : query.status;
}
