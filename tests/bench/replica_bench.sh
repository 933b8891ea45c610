#!/usr/bin/env bash
# Convergence of multi-host mode: replica_bench.py (1000 commits at 10/s
# on a 3-member etcd cluster with 3 mailmapd replicas, about 2 minutes).
#   tests/bench/replica_bench.sh [BUILD_DIR (build)]
# Env: COMMITS, RATE. Needs root (nftables, a second user), etcd.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec timeout 600 python3 tests/bench/replica_bench.py "${1:-build}"
