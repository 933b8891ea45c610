#!/usr/bin/env bash
# The delivery rule on random stores: every address mailmapd leads Postfix
# to accept is delivered, and none it refuses had a recipient (see the .py).
source "$(dirname "$0")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"
python3 "$(dirname "$0")/delivery_model.py" "$MAILMAPD" "$MAILMAPCTL" "$WORK"
