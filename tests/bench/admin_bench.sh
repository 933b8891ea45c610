#!/usr/bin/env bash
# Benchmark of mailmapctl, the store's only writer.
#   1. One batch creating 100000 mailboxes with pre-hashed passwords, plus
#      their 100 domains, customer and offer: wall time per commit.
#   2. One `mailmapctl mailbox add` (no password: hashing excluded) into that
#      store: wall time of the whole process, per call.
# Medians over several rounds, each batch on a fresh store.
# Usage: tests/bench/admin_bench.sh [BUILD_DIR] [ROUNDS] [ADDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
rounds=${2:-5}
adds=${3:-50}
ctl_bin="$build/admin/mailmapctl"
[ -x "$ctl_bin" ] || { echo "build first: $ctl_bin missing" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mailmap-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

hash='{SHA512-CRYPT}$6$abcdefgh$3rj1vTLX64btReFsM4MQ22otcD40l7vbtw7qCyr0dxc4kxNmgx53xVM8gWiLYbCqTHTbXFaVFU7ZT28pnvdyu0'
awk -v hash="$hash" 'BEGIN {
	print "customer add bench";
	print "offer add bench/basic";
	for (d = 0; d < 100; d++) print "domain add d" d ".example.com customer=bench";
	for (i = 0; i < 100000; i++)
		print "mailbox add user" i "@d" (i % 100) ".example.com offer=bench/basic password=" hash;
}' >"$work/batch"

median() { sort -n | awk '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m}'; }
now_ms() { echo "${EPOCHREALTIME/./}" | awk '{printf "%.3f", $1 / 1000}'; }

: >"$work/batch.ms"
for r in $(seq "$rounds"); do
	rm -rf "$work/store"
	t0=$(now_ms)
	"$ctl_bin" --store "$work/store" batch "$work/batch"
	t1=$(now_ms)
	awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.3f\n", a - b}' >>"$work/batch.ms"
done
count=$("$ctl_bin" --store "$work/store" mailbox list | tail -n +2 | wc -l)
[ "$count" -eq 100000 ] || { echo "store has $count mailboxes, want 100000" >&2; exit 1; }

: >"$work/add.ms"
: >"$work/true.ms"
for i in $(seq "$adds"); do
	# The cost of starting any process here, for scale.
	t0=$(now_ms)
	/bin/true
	t1=$(now_ms)
	awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.3f\n", a - b}' >>"$work/true.ms"
	t0=$(now_ms)
	"$ctl_bin" --store "$work/store" mailbox add "extra$i@d7.example.com" offer=bench/basic
	t1=$(now_ms)
	awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.3f\n", a - b}' >>"$work/add.ms"
done

echo "batch of 100000 mailboxes (+100 domains, offer): median $(median <"$work/batch.ms") ms over $rounds rounds (all: $(sort -n "$work/batch.ms" | tr '\n' ' '))"
echo "mailbox add into a 100000-mailbox store: median $(median <"$work/add.ms") ms over $adds calls (min $(sort -n "$work/add.ms" | head -1), max $(sort -n "$work/add.ms" | tail -1))"
echo "starting /bin/true for scale: median $(median <"$work/true.ms") ms"
echo "store size: $(du -sh "$work/store/config" | cut -f1)"
