#!/usr/bin/env bash
# Greylisting shared by two MX through Valkey/Redis with Sentinel:
# greylist_shared.py (a primary, a replica, three Sentinels; 1000
# triplets across MX, a failover, Valkey gone). Needs root (the servers
# run as user redis) and Debian's redis-server and redis-sentinel.
set -uo pipefail
: "${MAILMAPD:?}" "${MAILMAPCTL:?}"
for c in redis-server redis-sentinel redis-cli setpriv; do
	command -v "$c" >/dev/null || { echo "  FAIL: $c is not installed (scripts/setup --test)"; exit 1; }
done
exec python3 "$(dirname "$0")/greylist_shared.py"
