#!/usr/bin/env bash
# A full filesystem under the state store: mailmapd stays up and recovers
# (see the .py). Needs root (mount -t tmpfs).
source "$(dirname "$0")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"
python3 "$(dirname "$0")/state_full_disk.py" "$MAILMAPD" "$MAILMAPCTL" "$WORK"
