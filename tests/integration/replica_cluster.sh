#!/usr/bin/env bash
# Multi-host mode with real etcd: replica_cluster.py (3 etcd members, 3
# mailmapd replicas; convergence, atomicity, leader kills, partitions,
# compaction). Needs root (nftables, a second user for an etcd member).
set -uo pipefail
: "${MAILMAPD:?}" "${MAILMAPCTL:?}"
exec python3 "$(dirname "$0")/replica_cluster.py"
