#!/usr/bin/env bash
# Broken stores at start: a state environment that is corrupt, of a newer
# format or unreadable is moved aside and made anew; a broken config
# environment stops mailmapd with a clear error (see the .py).
source "$(dirname "$0")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"
python3 "$(dirname "$0")/state_broken.py" "$MAILMAPD" "$MAILMAPCTL" "$WORK"
