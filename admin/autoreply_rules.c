/* autoreply_rules: the auto-reply's dates and rules; see autoreply.h. */
#include "autoreply.h"

#include <string.h>

#include "fields.h"
#include "zone.h"

#define DAY_LAST_SECOND 86399

static bool autoreply_is_time(const struct field_desc *field)
{
	return strcmp(field->name, "autoreply_start") == 0 ||
	       strcmp(field->name, "autoreply_end") == 0;
}

int autoreply_localize(struct op *op, void *rec, const struct assign *assigns,
		       size_t count)
{
	struct rec_mailbox *mailbox = rec;
	const char *why;

	for (size_t i = 0; i < count; i++) {
		const struct field_desc *field = assigns[i].field;
		uint64_t *value = RECORD_FIELD(rec, field, uint64_t);
		if (!autoreply_is_time(field) ||
		    !fields_time_is_local(assigns[i].text))
			continue;
		/* a date alone: the whole day, up to its last second */
		if (strlen(assigns[i].text) == 10 &&
		    strcmp(field->name, "autoreply_end") == 0)
			*value += DAY_LAST_SECOND;
		if (zone_to_utc(mailbox->timezone, *value, value, &why) < 0)
			return op_fail(op, CTL_INPUT, "%s: %s (timezone %s)",
				       field->name, why, mailbox->timezone);
	}
	return 0;
}

int autoreply_check(struct op *op, const struct rec_mailbox *mailbox)
{
	if (mailbox->autoreply_start != 0 && mailbox->autoreply_end != 0 &&
	    mailbox->autoreply_end < mailbox->autoreply_start)
		return op_fail(op, CTL_INPUT,
			       "autoreply_end: before autoreply_start");
	if (mailbox->autoreply_interval == 0)
		return op_fail(op, CTL_INPUT,
			       "autoreply_interval: at least one second (one "
			       "reply per message would answer every message "
			       "of a loop)");
	if (mailbox->autoreply && mailbox->autoreply_body[0] == '\0')
		return op_fail(op, CTL_INPUT,
			       "autoreply_body: required when autoreply is on");
	return 0;
}
