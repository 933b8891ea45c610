#!/usr/bin/env bash
# Benchmark of mailmapd's policy service (greylisting) against postgrey,
# the Debian package, and against refserver --mode policy, a do-nothing
# policy server that answers "action=DUNNO" to everything (the transport's
# limit on this machine).
#
#   tests/bench/policy_bench.sh [--quick] [--rounds N] [--seconds S]
#                               [--pg-seconds S] [--mailmapd PATH]
#                               [BUILD_DIR (build)]
#
# Builds nothing: BUILD_DIR must hold daemon/mailmapd, admin/mailmapctl,
# tests/bench/loadgen and tests/bench/refserver (meson -Dtests=true);
# --mailmapd takes the daemon from elsewhere. Needs postgrey and eatmydata
# (scripts/setup --bench installs them); the package's own postgrey service
# is not used: the benchmark starts its own on unix sockets, each with its
# own database directory, and stops them.
#
# Servers, each on CPU 0 (taskset), one at a time busy; loadgen on CPU 1:
#   ref       refserver --mode policy (raw I/O, one libevent thread)
#   mailmapd  daemon.workers = 1, 10 000 mailboxes in 100 domains of ours,
#             policy.greylisting on, greylist_delay 1 s, default logging
#             (each deferral is logged, to a file)
#   postgrey  postgrey 1.37 --delay=1, Berkeley DB with fsync per update
#   pg-emd    the same under eatmydata: fsync is a no-op, so only its CPU
#             and the writes to the page cache remain
# Requests: loadgen --mode policy, the 29 attributes Postfix 3.7 sends at
# RCPT (protocols.md 2.2) for an unauthenticated client over TLS; the
# triplet is (client address, sender, recipient), recipients are our
# mailboxes, so mailmapd greylists them. Postfix-like load: one request in
# flight per connection. Workloads:
#   new     every request a new triplet (a sender never seen, loadgen
#           --once over a fresh key file per run): every reply must defer;
#   passed  1000 triplets seeded once (all defer), aged past the delay
#           (2 s), passed once (mailmapd: DUNNO, postgrey: PREPEND
#           X-Greylist), then measured cycling over them: every reply must
#           be DUNNO. ref takes part here only.
# At 1, 8 and 32 connections, in interleaved rounds (ref, mailmapd,
# postgrey, pg-emd, ref, ...); postgrey gets short rounds (bounded by
# count and time). Per run: req/s, p50/p99 latency, the server's CPU time
# per request (utime + stime of /proc/PID/stat over the measured phase,
# every thread; postgrey's disk waits are not CPU) and the replies by kind.
# Medians over rounds; a PASS/FAIL line per target at the end. The
# machine may be shared: a run during which other processes used more than
# 25 % of a CPU (/proc/stat) is run again, within bounds, and the runs so
# disturbed that were kept are counted in the summary; before each run the
# benchmark waits a little for such processes to calm down. Every
# process started is stopped on exit; the whole run is bounded by a
# watchdog (8 minutes, 3 with --quick; a default run takes about 4, a
# quick one about 1.5).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/bench_lib.bash

rounds=3 seconds=3 warmup=1 pg_seconds=2 pg_warmup=0.3 conns_list="1 8 32"
limit=480 build=build mailmapd="" mailboxes=10000 known=1000
max_foreign=25 retries=8 wait_budget=60
while [ $# -gt 0 ]; do
	case $1 in
	--quick) rounds=1 seconds=1.5 warmup=0.5 pg_seconds=1 pg_warmup=0.2 limit=180 retries=4 wait_budget=30 ;;
	--rounds) rounds=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--pg-seconds) pg_seconds=$2; shift ;;
	--mailmapd) mailmapd=$2; shift ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 1 ;;
	*) build=$1 ;;
	esac
	shift
done
mailmapd=${mailmapd:-$build/daemon/mailmapd} ctl=$build/admin/mailmapctl
loadgen=$build/tests/bench/loadgen refserver=$build/tests/bench/refserver
postgrey=/usr/sbin/postgrey
bench_require "$mailmapd" "$ctl" "$loadgen" "$refserver"
[ -x "$postgrey" ] && command -v eatmydata >/dev/null ||
	{ echo "needs postgrey and eatmydata: scripts/setup --bench" >&2; exit 1; }
bench_init policy_bench

# ---- store, keys, configuration -------------------------------------------

bench_user
if [ -n "$user" ]; then
	pg_user=postgrey pg_group=postgrey
	id "$pg_user" >/dev/null 2>&1 || { echo "user postgrey missing (the package makes it)" >&2; exit 1; }
else
	pg_user=$(id -un) pg_group=$(id -gn)
fi

log "store: $mailboxes mailboxes in 100 domains"
awk -v n="$mailboxes" 'BEGIN {
	print "customer add bench"; print "offer add bench/basic";
	for (d = 0; d < 100; d++) print "domain add d" d ".example.com customer=bench";
	for (i = 0; i < n; i++)
		print "mailbox add user" i "@d" (i % 100) ".example.com offer=bench/basic";
}' >"$work/store.batch"
timeout 300 "$ctl" --store "$work/store" batch "$work/store.batch" >/dev/null
rm -f "$work/store.batch"

cat >"$work/mailmapd.conf" <<EOF
store: { dir = "$work/store"; };
daemon: { user = "$user"; workers = 1; };
policy: { greylisting = true; greylist_delay = "1s"; };
listeners = (
  { protocol = "policy"; path = "$work/run/mailmapd.sock"; mode = "0666"; }
);
EOF
if [ -n "$user" ]; then
	chgrp -R "$user" "$work/store" "$work/run"
	chmod -R g+rwX "$work/store" "$work/run"
fi
if ! "$mailmapd" --config "$work/mailmapd.conf" --check-config >"$work/check.log" 2>&1; then
	cat "$work/check.log" >&2
	echo "mailmapd refuses the policy configuration (is the policy group in?)" >&2
	exit 1
fi

# Keys (loadgen --mode policy): "CLIENT SENDER RECIPIENT". Sender local
# parts are one word of letters and digits: postgrey and mailmapd turn a
# local part's all-digit words into '#' (numeric VERP), which would fold
# senders into one triplet.
new_keys() { # FILE COUNT TAG: COUNT triplets never used before (TAG unique)
	awk -v n="$2" -v tag="$3" -v mb="$mailboxes" 'BEGIN {
		srand(7);
		for (i = 0; i < n; i++) {
			m = int(rand() * mb);
			printf "198.%d.%d.%d new%sx%d@s%d.test user%d@d%d.example.com\n",
				18 + int(i / 65536) % 2, int(i / 256) % 256, i % 256,
				tag, i, i % 97, m, m % 100;
		}
	}' >"$1"
}
awk -v n="$known" -v mb="$mailboxes" 'BEGIN {
	srand(11);
	for (i = 0; i < n; i++) {
		m = int(rand() * mb);
		printf "203.0.%d.%d known%dx@k%d.test user%d@d%d.example.com\n",
			int(i / 250) % 250, 1 + i % 250, i, i % 31, m, m % 100;
	}
}' >"$work/known.keys"

# ---- servers --------------------------------------------------------------

pid=""
start_mailmapd() { # sets pid
	rm -f "$work/run/mailmapd.sock"
	taskset -c 0 "$mailmapd" --config "$work/mailmapd.conf" --foreground \
		2>>"$work/mailmapd.log" &
	pid=$!
	pids+=("$pid")
}

start_refserver() { # sets pid
	taskset -c 0 "$refserver" --mode policy --unix "$work/run/ref.sock" \
		--seconds "$limit" 2>>"$work/ref.log" &
	pid=$!
	pids+=("$pid")
}

start_postgrey() { # NAME [WRAPPER]: sets pid (the perl process: exec chain)
	local name=$1
	shift
	mkdir -p "$work/$name.db"
	[ "$(id -u)" -ne 0 ] || chown "$pg_user:$pg_group" "$work/$name.db"
	taskset -c 0 "$@" "$postgrey" --unix="$work/run/$name.sock" \
		--dbdir="$work/$name.db" --delay=1 --user="$pg_user" \
		--group="$pg_group" --listen-queue-size=128 \
		2>>"$work/$name.log" &
	pid=$!
	pids+=("$pid")
}

# Kernel threads that write postgrey's database and the servers' logs
# count as foreign CPU use too (bench_lib.bash): 5-25 % in postgrey's
# runs on a quiet machine; the colleagues' builds and tests that spoil a
# run take 60-200 %.

# One load run: NAME KEYS CONNS PID SECONDS WARMUP MAX [--once]
# (bench_load: sets line and foreign).
load() {
	local name=$1
	shift
	bench_load policy pid "$name" "$work/run/$name.sock" "$@"
}

# results (record), one line per run: WORKLOAD SERVER CONNS, then the
# columns below (4 = rps ... 14 = requests, 15 = foreign_pct: other
# processes' CPU use).
columns="rps p50_us p99_us p999_us srv_cpu_us_per_req errors cli_cpu_pct dunno defer other requests foreign_pct"
: >"$work/results"
: >"$work/setup"

log "starting ref, mailmapd, postgrey, postgrey under eatmydata"
start_refserver; ref_pid=$pid
start_mailmapd; mm_pid=$pid
start_postgrey postgrey; pg_pid=$pid
start_postgrey pg-emd eatmydata; emd_pid=$pid
servers="mailmapd:$mm_pid postgrey:$pg_pid pg-emd:$emd_pid"

# Bounds of a run: the latency array is sized for 400 000 req/s; a new-
# triplet key file for 100 000 req/s (mailmapd) or 10 000 req/s
# (postgrey) over the warm-up and the measured phase. A faster run ends
# early, by count or when its keys are used up, and is still valid.
mm_max=$(awk -v s="$seconds" 'BEGIN {printf "%d", 400000 * s}')
mm_new=$(awk -v s="$seconds" -v w="$warmup" 'BEGIN {printf "%d", 100000 * (s + w)}')
pg_max=$(awk -v s="$pg_seconds" 'BEGIN {printf "%d", 10000 * s}')
pg_new=$(awk -v s="$pg_seconds" -v w="$pg_warmup" 'BEGIN {printf "%d", 10000 * (s + w)}')

# ---- passed: seed, age, pass once, then measure ----------------------------

for sp in $servers; do
	name=${sp%%:*} p=${sp#*:}
	log "passed: seeding $known triplets in $name"
	load "$name" "$work/known.keys" 8 "$p" 60 0 "$known" --once
	record "$work/setup" seed "$name" 8 "$line"
done
sleep 2 # past the 1 s delay of every server
for sp in $servers; do
	name=${sp%%:*} p=${sp#*:}
	log "passed: first retry of the $known triplets in $name"
	load "$name" "$work/known.keys" 8 "$p" 60 0 "$known" --once
	record "$work/setup" pass "$name" 8 "$line"
done

# One measured run, recorded: WORKLOAD NAME PID CONNS. A run during which
# other processes used more than $max_foreign % of a CPU is run again
# (new keys for the new workload), at most twice, and at most $retries
# times in the whole benchmark; the last try is kept.
run_id=0 retries_left=$retries
measure() {
	local w=$1 name=$2 p=$3 c=$4 try s=$pg_seconds wu=$pg_warmup max=$pg_max
	local count=$pg_new
	if [ "$name" = ref ] || [ "$name" = mailmapd ]; then
		s=$seconds wu=$warmup max=$mm_max count=$mm_new
	fi
	for try in 1 2 3; do
		if [ "$w" = new ]; then
			run_id=$((run_id + 1))
			new_keys "$work/new.keys" "$count" "r$run_id"
			load "$name" "$work/new.keys" "$c" "$p" "$s" "$wu" "$max" --once
			rm -f "$work/new.keys"
		else
			load "$name" "$work/known.keys" "$c" "$p" "$s" "$wu" "$max"
		fi
		[ "$foreign" -gt "$max_foreign" ] && [ "$try" -lt 3 ] &&
			[ "$retries_left" -gt 0 ] && spare || break
		retries_left=$((retries_left - 1))
		log "  $w $name: other processes took $foreign % of a CPU: again"
	done
	record "$work/results" "$w" "$name" "$c" "$line foreign_pct=$foreign"
}

for c in $conns_list; do
	for r in $(seq "$rounds"); do
		log "passed: $c connections, round $r/$rounds"
		for sp in ref:$ref_pid $servers; do
			measure passed "${sp%%:*}" "${sp#*:}" "$c"
		done
		log "new: $c connections, round $r/$rounds"
		for sp in $servers; do
			measure new "${sp%%:*}" "${sp#*:}" "$c"
		done
	done
done
grep -q libeatmydata "/proc/$emd_pid/maps" && emd_ok=yes || emd_ok=no
for p in $ref_pid $mm_pid $pg_pid $emd_pid; do
	kill -TERM "$p" 2>/dev/null || true
done

# ---- summary --------------------------------------------------------------

echo
echo "== every run (workload server conns $columns)"
cat "$work/setup" "$work/results"

# med WORKLOAD SERVER CONNS COLUMN (4 = rps, 5 = p50, 6 = p99, 8 = cpu/req)
med() { awk -v w="$1" -v s="$2" -v c="$3" -v k="$4" \
	'$1 == w && $2 == s && $3 == c {print $k}' "$work/results" | median; }
# sum WORKLOAD SERVER CONNS COLUMN [FILE]: over rounds
sum() { awk -v w="$1" -v s="$2" -v c="$3" -v k="$4" \
	'$1 == w && $2 == s && $3 == c {t += $k} END {print t + 0}' "${5:-$work/results}"; }
ratio_decimals=1

echo
echo "== policy benchmark: mailmapd (workers=1, greylisting, $mailboxes mailboxes) vs postgrey $(dpkg-query -W -f '${Version}' postgrey 2>/dev/null || echo '?') vs refserver --mode policy"
echo "   $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)); servers on CPU 0, loadgen on CPU 1; unix sockets"
echo "   ref/mailmapd: ${seconds}s (+${warmup}s warm-up), postgrey/pg-emd: ${pg_seconds}s (+${pg_warmup}s) or $pg_max requests;"
echo "   $rounds interleaved rounds, medians; replies summed over rounds; pg-emd = postgrey under eatmydata (libeatmydata loaded: $emd_ok)"
echo "   runs disturbed by other processes (> $max_foreign % of a CPU): $(awk -v m="$max_foreign" '$15 > m' "$work/results" | wc -l) of $(wc -l <"$work/results") kept, $((retries - retries_left)) run again; waited $((waited / 2)) s for quiet"
printf '%-8s %-9s %5s %9s %9s %9s %11s %8s  %s\n' workload server conns req/s p50_us p99_us srv_us/req cli_cpu% \
	"replies: dunno/defer/other/errors"
for w in new passed; do
	for c in $conns_list; do
		for s in ref mailmapd postgrey pg-emd; do
			[ "$w/$s" = new/ref ] && continue
			printf '%-8s %-9s %5s %9.0f %9.1f %9.1f %11.2f %8.0f  %s/%s/%s/%s\n' "$w" "$s" "$c" \
				"$(med "$w" $s "$c" 4)" "$(med "$w" $s "$c" 5)" "$(med "$w" $s "$c" 6)" \
				"$(med "$w" $s "$c" 8)" "$(med "$w" $s "$c" 10)" \
				"$(sum "$w" $s "$c" 11)" "$(sum "$w" $s "$c" 12)" \
				"$(sum "$w" $s "$c" 13)" "$(sum "$w" $s "$c" 9)"
		done
	done
done
echo
echo "== ratios (medians): req/s mailmapd/postgrey, mailmapd/pg-emd, mailmapd/ref; CPU/request postgrey/mailmapd,"
echo "   pg-emd/mailmapd; the ceiling of any server on this transport: ref/postgrey, ref/pg-emd (ref's req/s of passed)"
printf '%-8s %5s %8s %8s %8s %10s %10s %8s %8s\n' workload conns mm/pg mm/emd mm/ref pg/mm_cpu emd/mm_cpu ref/pg ref/emd
for w in new passed; do
	for c in $conns_list; do
		printf '%-8s %5s %8s %8s %8s %10s %10s %8s %8s\n' "$w" "$c" \
			"$(ratio "$(med "$w" mailmapd "$c" 4)" "$(med "$w" postgrey "$c" 4)")" \
			"$(ratio "$(med "$w" mailmapd "$c" 4)" "$(med "$w" pg-emd "$c" 4)")" \
			"$([ $w = passed ] && ratio "$(med "$w" mailmapd "$c" 4)" "$(med "$w" ref "$c" 4)" || echo -)" \
			"$(ratio "$(med "$w" postgrey "$c" 8)" "$(med "$w" mailmapd "$c" 8)")" \
			"$(ratio "$(med "$w" pg-emd "$c" 8)" "$(med "$w" mailmapd "$c" 8)")" \
			"$(ratio "$(med passed ref "$c" 4)" "$(med "$w" postgrey "$c" 4)")" \
			"$(ratio "$(med passed ref "$c" 4)" "$(med "$w" pg-emd "$c" 4)")"
	done
done

echo
echo "== targets"
# The workloads are what they claim: replies by kind, no errors.
for s in mailmapd postgrey pg-emd; do
	n=$(sum seed "$s" 8 14 "$work/setup")
	verdict "$(sum seed "$s" 8 12 "$work/setup")" "==" "$n" "passed/seed: $s deferred $(sum seed "$s" 8 12 "$work/setup") of $n new triplets"
	verdict "$(sum pass "$s" 8 12 "$work/setup")" "==" 0 "passed/first retry after the delay: $s let $(($(sum pass "$s" 8 11 "$work/setup") + $(sum pass "$s" 8 13 "$work/setup"))) of $(sum pass "$s" 8 14 "$work/setup") through (DUNNO or PREPEND)"
	for w in new passed; do
		want=$([ $w = new ] && echo 12 || echo 11)
		what=$([ $w = new ] && echo deferred || echo DUNNO)
		total=0 good=0 errs=0
		for c in $conns_list; do
			total=$((total + $(sum "$w" "$s" "$c" 14)))
			good=$((good + $(sum "$w" "$s" "$c" $want)))
			errs=$((errs + $(sum "$w" "$s" "$c" 9)))
		done
		verdict "$([ "$total" -gt 0 ] && [ "$good" = "$total" ] && [ "$errs" = 0 ] && echo 1 || echo 0)" "==" 1 \
			"$w: $s replies $what: $good of $total, errors $errs"
	done
done
for w in new passed; do
	for c in $conns_list; do
		mm=$(med "$w" mailmapd "$c" 4)
		ref=$(med passed ref "$c" 4)
		verdict "$(ratio "$mm" "$(med "$w" postgrey "$c" 4)")" ">=" 30 \
			"$w, $c conns: mailmapd >= 30x postgrey req/s: $(ratio "$mm" "$(med "$w" postgrey "$c" 4)")x (ref: $(ratio "$ref" "$(med "$w" postgrey "$c" 4)")x)"
		verdict "$(ratio "$mm" "$(med "$w" pg-emd "$c" 4)")" ">=" 15 \
			"$w, $c conns: mailmapd >= 15x postgrey under eatmydata req/s: $(ratio "$mm" "$(med "$w" pg-emd "$c" 4)")x (ref: $(ratio "$ref" "$(med "$w" pg-emd "$c" 4)")x)"
		verdict "$(med "$w" mailmapd "$c" 6)" "<" "$(med "$w" pg-emd "$c" 5)" \
			"$w, $c conns: mailmapd p99 $(med "$w" mailmapd "$c" 6) us < p50 of postgrey under eatmydata $(med "$w" pg-emd "$c" 5) us (postgrey: $(med "$w" postgrey "$c" 5) us)"
	done
done
for c in $conns_list; do
	r=$(awk -v a="$(med passed mailmapd "$c" 4)" -v b="$(med passed ref "$c" 4)" 'BEGIN {printf (b > 0 ? "%.2f" : "nan"), a / b}')
	verdict "$r" ">=" 0.5 "passed, $c conns: mailmapd >= 50 % of ref req/s: $(awk -v r="$r" 'BEGIN {printf "%.0f", 100 * r}') %"
done
log "done"
