#!/usr/bin/env bash
# mailmapd's dict service driven by a raw client: the replies Dovecot 2.3
# expects (passdb, userdb, quota and last-login transactions, an
# iteration of 3000 rows in chunks under a 64k max_output, to a fast and
# a slow reader), no state environment for an auth-only daemon, and bad
# input (wrong version, unserved or unknown dict, unknown command and
# transaction, over-long line, priv/ key without a user, half a line then
# a disconnect, 200 idle connections): closed and logged, other clients
# unaffected.
source "$(dirname "$0")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"
python3 "$(dirname "$0")/daemon_dict.py" "$MAILMAPD" "$MAILMAPCTL" "$WORK"
