#!/usr/bin/env bash
# mailmapd's policy service driven by a raw client with the requests
# Postfix 3.7 sends: each check, greylisting over time, bad input.
source "$(dirname "$0")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"
python3 "$(dirname "$0")/daemon_policy.py" "$MAILMAPD" "$MAILMAPCTL" "$WORK"
