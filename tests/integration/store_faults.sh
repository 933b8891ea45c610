#!/usr/bin/env bash
# The config store replaced, deleted, made unreadable and truncated under a
# running mailmapd: TEMP while broken, never a wrong answer, and the right
# answers again without a restart (see the .py).
source "$(dirname "$0")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"
python3 "$(dirname "$0")/store_faults.py" "$MAILMAPD" "$MAILMAPCTL" "$WORK"
