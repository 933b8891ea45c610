#!/usr/bin/env bash
# Benchmark of mailmapd's socketmap service against refserver, a do-nothing
# server on the same transport (unix socket, one libevent thread) that
# answers "OK x" to everything: the transport's limit on this machine. A
# second refserver, "ref-bev" (--io bufferevent), does the same nothing
# through libevent bufferevents as mailmapd's connection layer does: the
# gap ref -> ref-bev is the cost of that I/O layer, ref-bev -> mailmapd the
# cost of the lookups. The targets compare mailmapd with ref only.
#
#   tests/bench/socketmap_bench.sh [--quick] [--rounds N] [--seconds S]
#                                  [--workers N] [BUILD_DIR (build)]
#
# Builds nothing: BUILD_DIR must hold daemon/mailmapd, admin/mailmapctl,
# tests/bench/loadgen and tests/bench/refserver (meson -Dtests=true).
#
# Every server runs on CPU 0 (taskset), loadgen on CPU 1; Postfix-like
# load: one request in flight per connection. Keys: the `mailboxes` map,
# 90 % existing mailboxes and 10 % unknown addresses in existing domains,
# in random order. Measured:
#   1. ref, ref-bev and mailmapd (10 000 mailboxes, daemon.workers 1: one
#      core) at 1, 8 and 32 connections, in interleaved rounds (ref,
#      ref-bev, mailmapd, ref, ...): req/s,
#      p50/p99/p99.9 latency, the server's CPU time per request (utime +
#      stime of /proc/PID/stat over the measured phase, read by loadgen),
#      loadgen's own CPU (near 100 %: the client is the bottleneck, compare
#      CPU per request then). Medians over rounds, and mailmapd/ref ratios.
#   2. mailmapd on a 10 000- and a 1 000 000-mailbox store at 32
#      connections, interleaved: the ratio of the medians, and the median
#      of each round's ratio (a machine that slows down between rounds
#      moves both runs of a round).
#      Then the latency of one dependent random load over each store's
#      size (memlat, on CPU 0), and the 1M store's extra server CPU per
#      request expressed in such loads: the share of the gap that is the
#      B-tree waiting on memory.
#   3. mailmapd's memory at 32 connections, read at the end of the load
#      with the connections still open. "Private" is RssAnon + RssShmem
#      (= VmRSS - RssFile of /proc/PID/status): everything that is not a
#      file page. Private_Clean + Private_Dirty of smaps_rollup is printed
#      beside it but counts LMDB's map pages as private once only this
#      process maps them, so it grows with the part of the store read.
#   4. Start-up time to the first answer (fork/exec of mailmapd until a
#      probe's single request is answered), median of several starts, for
#      both stores; the probe's own overhead is measured against refserver.
# Before each run the benchmark waits a little for other processes to
# calm down; a run during which they used more than 25 % of a CPU
# (/proc/stat) is run again, within bounds (bench_lib.bash), and the runs
# so disturbed that were kept are counted in the summary.
# Medians, ratios and a pass/fail line per target are printed at the end.
# Every process started is stopped on exit; the whole run is bounded by a
# watchdog (8 minutes, 2 with --quick); a default run takes about 6.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/bench_lib.bash

rounds=5 seconds=4 warmup=1 conns_list="1 8 32" starts=5 workers=1 limit=480
small=10000 large=1000000 keys_count=200000 build=build
max_foreign=25 retries=8 wait_budget=60
while [ $# -gt 0 ]; do
	case $1 in
	--quick) rounds=1 seconds=2 warmup=0.5 conns_list="8 32" starts=3 limit=120 ;;
	--rounds) rounds=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--workers) workers=$2; shift ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 1 ;;
	*) build=$1 ;;
	esac
	shift
done
mailmapd=$build/daemon/mailmapd ctl=$build/admin/mailmapctl
loadgen=$build/tests/bench/loadgen refserver=$build/tests/bench/refserver
bench_require "$mailmapd" "$ctl" "$loadgen" "$refserver" "$build/tests/bench/memlat"
bench_init socketmap_bench

# ---- stores, keys, configuration ------------------------------------------

bench_user

make_store() { # NAME MAILBOXES
	awk -v n="$2" 'BEGIN {
		print "customer add bench"; print "offer add bench/basic";
		for (d = 0; d < 100; d++) print "domain add d" d ".example.com customer=bench";
		for (i = 0; i < n; i++)
			print "mailbox add user" i "@d" (i % 100) ".example.com offer=bench/basic";
	}' >"$work/$1.batch"
	timeout 300 "$ctl" --store "$work/$1" batch "$work/$1.batch" >/dev/null
	rm -f "$work/$1.batch"
}

make_keys() { # NAME MAILBOXES: 90 % existing, 10 % unknown, random order
	awk -v n="$2" -v count="$keys_count" -v seed=4242 'BEGIN {
		srand(seed);
		for (k = 0; k < count; k++) {
			i = int(rand() * n);
			if (rand() < 0.9) print "mailboxes user" i "@d" (i % 100) ".example.com";
			else print "mailboxes nobody" i "@d" (i % 100) ".example.com";
		}
	}' >"$work/$1.keys"
}

write_config() { # NAME
	cat >"$work/$1.conf" <<-EOF
	store: { dir = "$work/$1"; };
	daemon: { user = "$user"; workers = $workers; };
	listeners = (
	  { protocol = "socketmap"; path = "$work/run/$1.sock"; mode = "0666"; }
	);
	EOF
	if [ -n "$user" ]; then
		chgrp -R "$user" "$work/$1" "$work/run"
		chmod -R g+rwX "$work/$1" "$work/run"
	fi
	"$mailmapd" --config "$work/$1.conf" --check-config >/dev/null
}

for s in small:$small large:$large; do
	log "store ${s%%:*}: ${s#*:} mailboxes"
	make_store "${s%%:*}" "${s#*:}"
	make_keys "${s%%:*}" "${s#*:}"
	write_config "${s%%:*}"
done

# ---- servers --------------------------------------------------------------

pid=""
start_mailmapd() { # NAME: sets pid
	rm -f "$work/run/$1.sock"
	taskset -c 0 "$mailmapd" --config "$work/$1.conf" --foreground \
		2>>"$work/$1.log" &
	pid=$!
	pids+=("$pid")
}

start_refserver() { # NAME IO: sets pid
	taskset -c 0 "$refserver" --unix "$work/run/$1.sock" --io "$2" \
		--seconds "$limit" 2>>"$work/$1.log" &
	pid=$!
	pids+=("$pid")
}

stop() { # PID: stops it and forgets it (its number may be reused later)
	local i p keep=()
	if kill -TERM "$1" 2>/dev/null; then
		for i in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$1" 2>/dev/null || true
	fi
	wait "$1" 2>/dev/null || true
	for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	pids=("${keep[@]}")
}

# One load run: SOCKET KEYS CONNS PID; sets line to loadgen's result line.
# The latency array is sized for 400 000 req/s; a faster run ends early,
# by count, and is still valid.
max_requests=$(awk -v s="$seconds" 'BEGIN {printf "%d", 400000 * s}')
# One run: NAME KEYS CONNS PID (bench_retry); sets line.
retries_left=$retries
load() { bench_retry "$1" "$work/run/$1.sock" "$work/$2.keys" "$3" "$4"; }

# results (record), one line per run: GROUP SERVER CONNS, then the columns
# below (4 = rps ... 11 = srv_minflt, 12 = foreign_pct).
columns="rps p50_us p99_us p999_us srv_cpu_us_per_req errors cli_cpu_pct srv_minflt foreign_pct"

: >"$work/results"
start_refserver ref raw; ref_pid=$pid
start_refserver ref-bev bufferevent; bev_pid=$pid
start_mailmapd small; small_pid=$pid
start_mailmapd large; large_pid=$pid

# 1. refserver vs mailmapd, interleaved rounds.
for c in $conns_list; do
	for r in $(seq "$rounds"); do
		log "ref vs mailmapd: $c connections, round $r/$rounds"
		load ref small "$c" "$ref_pid"
		record "$work/results" cmp ref "$c" "$line"
		load ref-bev small "$c" "$bev_pid"
		record "$work/results" cmp ref-bev "$c" "$line"
		load small small "$c" "$small_pid"
		record "$work/results" cmp mailmapd "$c" "$line"
		[ "$c" = 32 ] && mem_small=$line
	done
done

# 2. 10k vs 1M store, interleaved.
for r in $(seq "$rounds"); do
	log "10k vs 1M store: 32 connections, round $r/$rounds"
	load small small 32 "$small_pid"
	record "$work/results" size 10k 32 "$line"
	mem_small=$line
	load large large 32 "$large_pid"
	record "$work/results" size 1M 32 "$line"
	mem_large=$line
done
stop "$small_pid"; stop "$large_pid"; stop "$bev_pid"

# 2b. The latency of a dependent random load over each store's size, on
# the servers' CPU: what one cache miss of a B-tree descent costs here.
: >"$work/memlat"
for s in small large; do
	mb=$(( ($(stat -c %s "$work/$s/config/data.mdb") + 1048575) / 1048576 ))
	log "memory latency over $mb MB ($s store)"
	out=$(taskset -c 0 "$build/tests/bench/memlat" --mb "$mb")
	echo "$s $mb $(field "$out" ns_per_load)" >>"$work/memlat"
done

# 4. Start-up time to the first answer: from just before mailmapd is
# started to the moment the probe (started right after it, retrying its
# connect every millisecond) has its answer (loadgen's
# first_answer_unix_us), so the probe's own exit is not counted. The same
# probe against the running refserver gives the floor: what starting a
# process and one round trip cost on this machine.
probe() { # SOCKET T0_US: appends the microseconds since T0 to $work/startup
	local out
	out=$(timeout 40 "$loadgen" --unix "$work/run/$1" --connections 1 \
		--requests 1 --seconds 30 --connect-retry 30 \
		--payload "mailboxes user1@d1.example.com") || return 1
	echo "${1%.sock} $(($(field "$out" first_answer_unix_us) - $2))" >>"$work/startup"
}
: >"$work/startup"
for r in $(seq "$starts"); do
	probe ref.sock "${EPOCHREALTIME/./}"
	for s in small large; do
		log "start-up $s, $r/$starts"
		t0=${EPOCHREALTIME/./}
		start_mailmapd "$s"
		probe "$s.sock" "$t0" || { echo "mailmapd ($s) did not answer" >&2; exit 1; }
		stop "$pid"
	done
done
stop "$ref_pid"

# ---- summary --------------------------------------------------------------

echo
echo "== every run (group server conns $columns)"
cat "$work/results"

# med GROUP SERVER CONNS COLUMN (4 = rps ... 10 = cli_cpu)
med() { awk -v g="$1" -v s="$2" -v c="$3" -v k="$4" \
	'$1 == g && $2 == s && $3 == c {print $k}' "$work/results" | median; }

echo
echo "== socketmap benchmark: mailmapd (workers=$workers, $small mailboxes) vs refserver (ref: raw I/O, ref-bev: bufferevents)"
echo "   $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)); servers on CPU 0, loadgen on CPU 1;"
echo "   $rounds interleaved rounds x ${seconds}s (+${warmup}s warm-up); medians over rounds; unix socket"
echo "   runs disturbed by other processes (> $max_foreign % of a CPU): $(awk -v m="$max_foreign" '$12 > m' "$work/results" | wc -l) of $(wc -l <"$work/results") kept, $((retries - retries_left)) run again; waited $((waited / 2)) s for quiet"
printf '%-6s %-9s %9s %8s %8s %8s %11s %8s %7s\n' conns server req/s p50_us p99_us p999_us srv_us/req cli_cpu% errors
for c in $conns_list; do
	for s in ref ref-bev mailmapd; do
		printf '%-6s %-9s %9.0f %8.1f %8.1f %8.1f %11.2f %8.0f %7.0f\n' "$c" "$s" \
			"$(med cmp $s "$c" 4)" "$(med cmp $s "$c" 5)" "$(med cmp $s "$c" 6)" \
			"$(med cmp $s "$c" 7)" "$(med cmp $s "$c" 8)" "$(med cmp $s "$c" 10)" \
			"$(awk -v c="$c" -v s=$s '$1 == "cmp" && $2 == s && $3 == c {e += $9} END {print e + 0}' "$work/results")"
	done
	printf '%-6s %-9s %9s %8s %8s %8s %11s\n' "$c" "mm/ref" \
		"$(ratio "$(med cmp mailmapd "$c" 4)" "$(med cmp ref "$c" 4)")" \
		"$(ratio "$(med cmp mailmapd "$c" 5)" "$(med cmp ref "$c" 5)")" \
		"$(ratio "$(med cmp mailmapd "$c" 6)" "$(med cmp ref "$c" 6)")" \
		"$(ratio "$(med cmp mailmapd "$c" 7)" "$(med cmp ref "$c" 7)")" \
		"$(ratio "$(med cmp mailmapd "$c" 8)" "$(med cmp ref "$c" 8)")"
done
echo
echo "== store size: mailmapd at 32 connections, $rounds interleaved rounds"
printf '%-6s %9s %8s %8s %11s\n' store req/s p50_us p99_us srv_us/req
for s in 10k 1M; do
	printf '%-6s %9.0f %8.1f %8.1f %11.2f\n' $s "$(med size $s 32 4)" \
		"$(med size $s 32 5)" "$(med size $s 32 6)" "$(med size $s 32 8)"
done
size_ratio=$(ratio "$(med size 1M 32 4)" "$(med size 10k 32 4)")
# Each round's 1M run against the 10k run just before it: a machine that
# slows down between rounds moves both.
paired=$(awk '$1 == "size" && $2 == "10k" {a = $4} $1 == "size" && $2 == "1M" && a > 0 {print $4 / a}' \
	"$work/results" | median)
paired=$(awk -v r="$paired" 'BEGIN {printf (r == "nan" ? "nan" : "%.2f"), r}')
echo "1M/10k req/s: $size_ratio (ratio of the medians); $paired (median of the $rounds per-round ratios)"
{
	# The 1M store's extra server CPU per request, in dependent random
	# loads over its size: a B-tree descent waits for about one per level
	# and per step of the binary search in the pages not in cache.
	awk -v d="$(med size 1M 32 8)" -v b="$(med size 10k 32 8)" '
		{mb[$1] = $2; ns[$1] = $3}
		END {
			printf "dependent random load over the store: 10k (%d MB) %.1f ns, 1M (%d MB) %.1f ns\n",
				mb["small"], ns["small"], mb["large"], ns["large"]
			printf "1M - 10k server CPU per request: %.2f us = %.1f such loads of %.0f ns\n",
				d - b, (d - b) * 1000 / ns["large"], ns["large"]
		}' "$work/memlat"
}
echo
echo "== mailmapd memory at 32 connections, end of load (kB)"
# private: RssAnon + RssShmem; prints "NAME rss file private clean dirty"
memory() { # NAME LINE
	awk -v n="$1" -v rss="$(field "$2" srv_rss_kb)" -v file="$(field "$2" srv_file_kb)" \
		-v anon="$(field "$2" srv_anon_kb)" -v shmem="$(field "$2" srv_shmem_kb)" \
		-v clean="$(field "$2" srv_priv_clean_kb)" -v dirty="$(field "$2" srv_priv_dirty_kb)" \
		'BEGIN {print n, rss + 0, file + 0, anon + shmem, clean + 0, dirty + 0}'
}
memory 10k "$mem_small" >"$work/memory"
memory 1M "$mem_large" >>"$work/memory"
awk '{printf "%-4s VmRSS %7d  RssFile %7d  private (RssAnon+RssShmem) %5d" \
	"  [smaps_rollup Private_Clean %7d + Private_Dirty %5d]\n", $1, $2, $3, $4, $5, $6}' "$work/memory"
priv_mb=$(awk '$4 > m {m = $4} END {printf "%.1f", m / 1024}' "$work/memory")
echo
echo "== start-up to first answer, median of $starts (ms)"
st() { awk -v s="$1" '$1 == s {print $2 / 1000}' "$work/startup" | median; }
echo "floor: probe against the running refserver: $(st ref)"
echo "10k store: $(st small)   1M store: $(st large)"
echo
echo "== targets"
for c in 8 32; do
	case " $conns_list " in *" $c "*) ;; *) continue ;; esac
	verdict "$(ratio "$(med cmp mailmapd $c 4)" "$(med cmp ref $c 4)")" ">=" 0.70 \
		"req/s at $c connections >= 70 % of ref: $(ratio "$(med cmp mailmapd $c 4)" "$(med cmp ref $c 4)")"
	verdict "$(ratio "$(med cmp mailmapd $c 8)" "$(med cmp ref $c 8)")" "<=" 2 \
		"server CPU/request at $c connections <= 2x ref: $(ratio "$(med cmp mailmapd $c 8)" "$(med cmp ref $c 8)")"
	verdict "$(ratio "$(med cmp mailmapd $c 6)" "$(med cmp ref $c 6)")" "<=" 2 \
		"p99 at $c connections <= 2x ref: $(ratio "$(med cmp mailmapd $c 6)" "$(med cmp ref $c 6)")"
done
verdict "$size_ratio" ">=" 0.90 "1M-mailbox store req/s within 10 % of 10k (ratio of the medians): $size_ratio"
verdict "$paired" ">=" 0.90 "1M-mailbox store req/s within 10 % of 10k (median of the per-round ratios): $paired"
verdict "$priv_mb" "<=" 16 "private memory at 32 connections <= 16 MB: $priv_mb MB"
startup_ratio=$(ratio "$(st large)" "$(st small)")
verdict "$startup_ratio" "<=" 1.5 "start-up independent of store size (1M/10k <= 1.5): $startup_ratio"
log "done"
