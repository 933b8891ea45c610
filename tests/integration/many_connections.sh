#!/usr/bin/env bash
# 10 000 simultaneous connections: all served, memory bounded (see the .py).
source "$(dirname "$0")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"
python3 "$(dirname "$0")/many_connections.py" "$MAILMAPD" "$MAILMAPCTL" "$WORK"
