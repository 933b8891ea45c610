#!/usr/bin/env bash
# mailmapd's dict service driven by a raw client: the replies Dovecot 2.3
# expects, and bad input (wrong version, unknown command, unknown
# transaction, over-long line, priv/ key without a user, half a line then
# a disconnect, many idle connections) with other clients unaffected.
source "$(dirname "$0")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"
python3 "$(dirname "$0")/daemon_dict.py" "$MAILMAPD" "$MAILMAPCTL" "$WORK"
