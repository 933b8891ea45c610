#!/usr/bin/env bash
# A clock jumping back an hour and forward a day under greylisting (see the
# .py). Needs Debian's faketime (scripts/setup --test).
source "$(dirname "$0")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"
python3 "$(dirname "$0")/clock_jumps.py" "$MAILMAPD" "$MAILMAPCTL" "$WORK"
