#!/usr/bin/env bash
# mailmapd's socketmap service driven by a raw client: answers, framing,
# limits, bad input, many idle connections, timeouts, reload, stop, and the
# privilege drop. Postfix itself is exercised by postfix_*.sh.
source "$(dirname "$0")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"
python3 "$(dirname "$0")/daemon_socketmap.py" "$MAILMAPD" "$MAILMAPCTL" "$WORK"
