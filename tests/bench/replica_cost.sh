#!/usr/bin/env bash
# What multi-host mode costs the lookups (issue 19, target 7): socketmap
# throughput and latency of
#   base     mailmapd built from a revision before multi-host mode (--base),
#   single   this build's mailmapd, single host (no replica settings),
#   replica  this build's mailmapd as a replica of a one-member etcd (its
#            follower threads running),
# all on the same 10 000-mailbox configuration, in interleaved rounds at 8
# and 32 connections (servers on CPU 0, loadgen on CPU 1, workers 1).
# Targets: single and replica within 5 % of base (req/s >= 0.95 x,
# p99 <= 1.05 x), medians over rounds.
#
#   tests/bench/replica_cost.sh [--quick] [--rounds N] [--base REV] [BUILD_DIR]
#
# --base (default b4bc576, the last commit before multi-host mode) is
# checked out into a work tree of this repository and only its mailmapd is
# built. Needs etcd (scripts/setup --test). About 4 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/bench_lib.bash

rounds=5 seconds=4 warmup=1 conns_list="8 32" limit=900 build=build base=b4bc576
max_foreign=25 retries=8 wait_budget=60 keys_count=200000 mailboxes=10000
while [ $# -gt 0 ]; do
	case $1 in
	--quick) rounds=2 seconds=2 warmup=0.5 limit=400 ;;
	--rounds) rounds=$2; shift ;;
	--base) base=$2; shift ;;
	-*) echo "unknown option $1" >&2; exit 1 ;;
	*) build=$1 ;;
	esac
	shift
done
mailmapd=$build/daemon/mailmapd ctl=$build/admin/mailmapctl
loadgen=$build/tests/bench/loadgen
bench_require "$mailmapd" "$ctl" "$loadgen"
command -v etcd >/dev/null || { echo "etcd missing (scripts/setup --test)" >&2; exit 1; }
bench_init replica_cost
bench_user

log "building mailmapd at $base"
git worktree add -q --detach "$work/base-src" "$base"
pids+=() # the work tree is removed below
trap 'git worktree remove --force "$work/base-src" 2>/dev/null; bench_cleanup' EXIT
meson setup "$work/base-build" "$work/base-src" -Dtests=false >"$work/base-setup.log" 2>&1
ninja -C "$work/base-build" daemon/mailmapd >/dev/null
base_mailmapd=$work/base-build/daemon/mailmapd

log "store: $mailboxes mailboxes"
awk -v n="$mailboxes" 'BEGIN {
	print "customer add bench"; print "offer add bench/basic";
	for (d = 0; d < 100; d++) print "domain add d" d ".example.com customer=bench";
	for (i = 0; i < n; i++)
		print "mailbox add user" i "@d" (i % 100) ".example.com offer=bench/basic";
}' >"$work/batch"
"$ctl" --store "$work/store" batch "$work/batch" >/dev/null
awk -v n="$mailboxes" -v count="$keys_count" -v seed=4242 'BEGIN {
	srand(seed);
	for (k = 0; k < count; k++) {
		i = int(rand() * n);
		if (rand() < 0.9) print "mailboxes user" i "@d" (i % 100) ".example.com";
		else print "mailboxes nobody" i "@d" (i % 100) ".example.com";
	}
}' >"$work/keys"

etcd_url=http://127.0.0.11:33790
etcd --name bench --data-dir "$work/etcd" --listen-client-urls "$etcd_url" \
	--advertise-client-urls "$etcd_url" --listen-peer-urls http://127.0.0.11:33800 \
	--initial-advertise-peer-urls http://127.0.0.11:33800 \
	--initial-cluster bench=http://127.0.0.11:33800 >"$work/etcd.log" 2>&1 &
pids+=($!)

config() { # NAME STORE [REPLICA]
	cat >"$work/$1.conf" <<-EOF
	store: { dir = "$2"; };
	daemon: { user = "$user"; workers = 1; };
	${3:-}
	listeners = ( { protocol = "socketmap"; path = "$work/run/$1.sock"; mode = "0666"; } );
	EOF
}
config base "$work/store"
config single "$work/store"
# the replica: the same rows, seeded into etcd, then filled by mailmapd
cp -a "$work/store" "$work/rstore"
config replica "$work/rstore" "replica: { etcd = \"$etcd_url\"; };"
for i in $(seq 50); do curl -s "$etcd_url/health" >/dev/null && break; sleep 0.1; done
"$ctl" --config "$work/replica.conf" replica seed
rm -rf "$work/rstore/config"
if [ -n "$user" ]; then
	chgrp -R "$user" "$work/store" "$work/rstore" "$work/run"
	chmod -R g+rwX "$work/store" "$work/rstore" "$work/run"
fi

start() { # NAME BINARY: sets pid
	taskset -c 0 "$2" --config "$work/$1.conf" --foreground 2>>"$work/$1.log" &
	pid=$!
	pids+=("$pid")
}
start base "$base_mailmapd"; base_pid=$pid
start single "$mailmapd"; single_pid=$pid
start replica "$mailmapd"; replica_pid=$pid
for i in $(seq 100); do grep -q "ready:" "$work/replica.log" && break; sleep 0.1; done

max_requests=$(awk -v s="$seconds" 'BEGIN {printf "%d", 400000 * s}')
retries_left=$retries
load() { bench_retry "$1" "$work/run/$1.sock" "$work/keys" "$2" "$3"; }
columns="rps p50_us p99_us p999_us srv_cpu_us_per_req errors cli_cpu_pct srv_minflt foreign_pct"
: >"$work/results"
for c in $conns_list; do
	for r in $(seq "$rounds"); do
		log "$c connections, round $r/$rounds"
		for s in base single replica; do
			eval "p=\$${s}_pid"
			load "$s" "$c" "$p"
			record "$work/results" cost "$s" "$c" "$line"
		done
	done
done

echo
echo "== every run (group server conns $columns)"
cat "$work/results"
med() { awk -v s="$1" -v c="$2" -v k="$3" '$2 == s && $3 == c {print $k}' "$work/results" | median; }
echo
echo "== replica cost: mailmapd $base (base) vs this build, single host and replica (workers 1, $mailboxes mailboxes)"
echo "   $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)); servers on CPU 0, loadgen on CPU 1;"
echo "   $rounds interleaved rounds x ${seconds}s (+${warmup}s warm-up); medians over rounds"
printf '%-6s %-8s %9s %8s %8s %11s %7s\n' conns server req/s p50_us p99_us srv_us/req errors
for c in $conns_list; do
	for s in base single replica; do
		printf '%-6s %-8s %9.0f %8.1f %8.1f %11.2f %7.0f\n' "$c" "$s" "$(med $s "$c" 4)" \
			"$(med $s "$c" 5)" "$(med $s "$c" 6)" "$(med $s "$c" 8)" \
			"$(awk -v c="$c" -v s=$s '$2 == s && $3 == c {e += $9} END {print e + 0}' "$work/results")"
	done
done
echo
echo "== targets"
for c in $conns_list; do
	for s in single replica; do
		verdict "$(ratio "$(med $s "$c" 4)" "$(med base "$c" 4)")" ">=" 0.95 \
			"$s req/s at $c connections >= 95 % of base: $(ratio "$(med $s "$c" 4)" "$(med base "$c" 4)")"
		verdict "$(ratio "$(med $s "$c" 6)" "$(med base "$c" 6)")" "<=" 1.05 \
			"$s p99 at $c connections <= 105 % of base: $(ratio "$(med $s "$c" 6)" "$(med base "$c" 6)")"
	done
done
