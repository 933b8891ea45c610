#!/usr/bin/env bash
# Benchmark of mailmapd's Dovecot dict service (passdb lookups) against
# Dovecot's own dict server, in its two 2.3 shapes, and against refserver
# --mode dict, a do-nothing dict server that answers every lookup with one
# constant value (the transport's limit on this machine).
#
#   tests/bench/dict_bench.sh [--quick] [--rounds N] [--seconds S]
#                             [--mailmapd PATH] [BUILD_DIR (build)]
#
# Builds nothing: BUILD_DIR must hold daemon/mailmapd, admin/mailmapctl,
# tests/bench/loadgen and tests/bench/refserver (meson -Dtests=true);
# --mailmapd takes the daemon from elsewhere. Needs Dovecot 2.3
# (dovecot-core: /usr/sbin/dovecot; its users dovecot and dovenull when
# run as root) and openssl. The package's own Dovecot is not used: the
# benchmark starts two instances of its own, each with its own base_dir,
# state_dir and log in a private directory, and stops them.
#
# Servers, each on CPU 0 (taskset; for Dovecot its master, whose children
# inherit the CPU), one at a time busy; loadgen on CPU 1:
#   ref       refserver --mode dict (raw I/O, one libevent thread), answers
#             O + the same JSON value as the others
#   mailmapd  daemon.workers = 1, 10 000 mailboxes in 100 domains, each
#             with a {SHA512-CRYPT} password hash; a dict listener with
#             maps ["auth"], default logging
#   dv-async  Dovecot 2.3's dict server, its `dict-async` service (2.3
#             defaults: client_limit = default_client_limit, so one process
#             serves every connection), dict `auth = file:` over the same
#             10 000 users and the same JSON values
#   dv-dict   the same, its default `dict` service (client_limit = 1: one
#             process per connection, up to default_process_limit)
#   mm-v4     mailmapd again, loaded with Dovecot 2.4's handshake
#             (H4 0 0 "" auth: dict protocol major version 4), the same
#             lookups
# Dovecot runs with `protocols =` (none), ssl = no and otherwise its
# defaults; as non-root with default_internal_user, default_login_user and
# default_internal_group set to the caller, and anvil not chrooted.
# Passwords: one real SHA512-CRYPT hash (openssl passwd -6, random salt,
# made once per run) for every mailbox, given pre-hashed in the batch that
# mailmapctl reads on stdin (hashing 10 000 passwords one by one would take
# some 20 s of CPU; lookups never verify them). Values: Dovecot's file
# holds, per user, what mailmapd answers (auth/dict_auth.c):
# {"password": "{SHA512-CRYPT}$6$...", "user": "<address>"}; refserver
# answers that of user0@d0.example.com to everything.
#
# Requests: loadgen --mode dict, the handshake H3 2 0 "" auth on every
# connection, then L shared/passdb/imap/secured/USER<TAB>USER, what
# Dovecot's auth sends with passdb key passdb/%{service}/%{secured}/%u
# (conf/dovecot-dict-auth.conf.ext) for an IMAP login it counts as
# secured. Keys: 90 % existing users, 10 % unknown users in
# existing domains, in random order. Persistent connections, one request
# in flight per connection (an auth-worker with proxy:idle_msecs=...).
#
# Sanity first: each server answers a fixed key file once (loadgen --once,
# 8 connections): mailmapd and Dovecot must find exactly the existing users
# and not find the others, ref must find everything, no errors. Then at 1,
# 8 and 32 connections, in interleaved rounds (ref, mailmapd, dv-async,
# dv-dict, ref, ...): req/s, p50/p99 latency and the server's CPU time per
# request. Before the rounds at N connections, dv-dict gets a short
# unmeasured load until its master has started N dict processes (it starts
# them one at a time). Every run has a warm-up before the measured phase.
#
# Server CPU per request: loadgen --server-tree PID samples, at the start
# and at the end of the measured phase, utime + stime of the server process
# and of all its descendants (/proc/PID/task/*/children, recursively) plus
# cutime + cstime (children that exited and were waited for). For mailmapd
# and ref that is the one process; for Dovecot it is the master and every
# child: the dict processes, and log, config, anvil and stats, which the
# dict processes talk to. Divided by the requests answered.
#
# Medians over rounds; a PASS/FAIL line per target at the end. The machine
# may be shared: a run during which other processes used more than 25 % of
# a CPU (/proc/stat busy time of CPUs 0 and 1, minus the server tree's and
# loadgen's own) is run again, within bounds, and the disturbed runs kept
# are counted in the summary; before each run the benchmark waits a little
# for such processes to calm down. Every process started is stopped on
# exit; the whole run is bounded by a watchdog (8 minutes, 3 with --quick;
# a default run takes about 4, a quick one about 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/bench_lib.bash

rounds=3 seconds=3 warmup=1 conns_list="1 8 32" limit=480 build=build
mailmapd="" users=10000 keys_count=100000 sanity_count=5000
max_foreign=25 retries=8 wait_budget=60
while [ $# -gt 0 ]; do
	case $1 in
	--quick) rounds=1 seconds=1.5 warmup=0.5 limit=180 retries=4 wait_budget=30 ;;
	--rounds) rounds=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--mailmapd) mailmapd=$2; shift ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 1 ;;
	*) build=$1 ;;
	esac
	shift
done
mailmapd=${mailmapd:-$build/daemon/mailmapd} ctl=$build/admin/mailmapctl
loadgen=$build/tests/bench/loadgen refserver=$build/tests/bench/refserver
dovecot=/usr/sbin/dovecot
bench_require "$mailmapd" "$ctl" "$loadgen" "$refserver"
[ -x "$dovecot" ] || { echo "needs Dovecot 2.3: scripts/setup --bench" >&2; exit 1; }
command -v openssl >/dev/null || { echo "needs openssl (password hash)" >&2; exit 1; }
bench_init dict_bench

# ---- store, Dovecot's file, keys ------------------------------------------

bench_user
if [ -n "$user" ]; then
	for u in dovecot dovenull; do
		id "$u" >/dev/null 2>&1 || { echo "user $u missing (dovecot-core makes it)" >&2; exit 1; }
	done
fi

hash="{SHA512-CRYPT}$(printf 'bench-%s\n' "$RANDOM$RANDOM" | openssl passwd -6 -stdin)"
# mailmapd's passdb answer for mailbox $1.
passdb_json() { printf '{"password": "%s", "user": "%s"}' "$hash" "$1"; }
log "store: $users mailboxes in 100 domains; Dovecot's file: the same users"
# The batch, hashes included, goes to mailmapctl on stdin only.
awk -v n="$users" -v h="$hash" 'BEGIN {
	print "customer add bench"; print "offer add bench/basic";
	for (d = 0; d < 100; d++) print "domain add d" d ".example.com customer=bench";
	for (i = 0; i < n; i++)
		print "mailbox add user" i "@d" (i % 100) ".example.com offer=bench/basic password=" h;
}' | timeout 300 "$ctl" --store "$work/store" batch - >/dev/null
# Dovecot's file dict: a key line, then its value line.
awk -v n="$users" -v h="$hash" 'BEGIN {
	for (i = 0; i < n; i++) {
		u = "user" i "@d" (i % 100) ".example.com";
		printf "shared/passdb/imap/secured/%s\n{\"password\": \"%s\", \"user\": \"%s\"}\n", u, h, u;
	}
}' >"$work/users.dict"
chmod 644 "$work/users.dict"

# Keys (loadgen --mode dict): one user per line. sanity.keys holds
# $sanity_count lines, exactly 90 % of them existing users.
awk -v n="$users" -v count="$keys_count" 'BEGIN {
	srand(4242);
	for (k = 0; k < count; k++) {
		i = int(rand() * n);
		if (rand() < 0.9) print "user" i "@d" (i % 100) ".example.com";
		else print "nobody" i "@d" (i % 100) ".example.com";
	}
}' >"$work/bench.keys"
awk -v n="$users" -v count="$sanity_count" 'BEGIN {
	srand(77);
	for (k = 0; k < count; k++) {
		i = int(rand() * n);
		if (k % 10 != 9) print "user" i "@d" (i % 100) ".example.com";
		else print "nobody" i "@d" (i % 100) ".example.com";
	}
}' >"$work/sanity.keys"
sanity_found=$((sanity_count - sanity_count / 10))

# ---- configurations -------------------------------------------------------

cat >"$work/mailmapd.conf" <<EOF
store: { dir = "$work/store"; };
daemon: { user = "$user"; workers = 1; };
listeners = (
  { protocol = "dict"; path = "$work/run/mailmapd.sock"; mode = "0666"; maps = ["auth"]; }
);
EOF
if [ -n "$user" ]; then
	chgrp -R "$user" "$work/store" "$work/run"
	chmod -R g+rwX "$work/store" "$work/run"
fi
mm_ok=yes
if ! "$mailmapd" --config "$work/mailmapd.conf" --check-config >"$work/check.log" 2>&1; then
	mm_ok=no
	log "mailmapd refuses the dict listener, so it is not measured: $(head -c 300 "$work/check.log")"
fi

dovecot_conf() { # NAME: a private Dovecot instance serving dict auth
	mkdir -p "$work/$1"
	{
		cat <<-EOF
		base_dir = $work/$1/run
		state_dir = $work/$1/state
		log_path = $work/$1.log
		instance_name = mailmap-bench-$1
		protocols =
		ssl = no
		dict {
		  auth = file:$work/users.dict
		}
		EOF
		[ "$(id -u)" -eq 0 ] || cat <<-EOF
		default_internal_user = $(id -un)
		default_internal_group = $(id -gn)
		default_login_user = $(id -un)
		service anvil {
		  chroot =
		}
		EOF
	} >"$work/$1.conf"
	"$dovecot" -c "$work/$1.conf" -n >/dev/null 2>"$work/$1.check" || {
		cat "$work/$1.check" >&2
		echo "Dovecot refuses $work/$1.conf" >&2
		exit 1
	}
}
dovecot_conf dv-async
dovecot_conf dv-dict
svc_version=$("$dovecot" --version 2>/dev/null | cut -d' ' -f1)
svc_dict=$(doveconf -c "$work/dv-dict.conf" -h service/dict/client_limit 2>/dev/null || echo '?')
svc_async=$(doveconf -c "$work/dv-async.conf" -h service/dict-async/client_limit 2>/dev/null || echo '?')
dflt_clients=$(doveconf -c "$work/dv-dict.conf" -h default_client_limit 2>/dev/null || echo '?')
dflt_procs=$(doveconf -c "$work/dv-dict.conf" -h default_process_limit 2>/dev/null || echo '?')

# ---- servers --------------------------------------------------------------

pid=""
start_refserver() { # sets pid
	taskset -c 0 "$refserver" --mode dict --unix "$work/run/ref.sock" \
		--value "$(passdb_json user0@d0.example.com)" --seconds "$limit" 2>>"$work/ref.log" &
	pid=$!
	pids+=("$pid")
}

start_mailmapd() { # sets pid
	rm -f "$work/run/mailmapd.sock"
	taskset -c 0 "$mailmapd" --config "$work/mailmapd.conf" --foreground \
		2>>"$work/mailmapd.log" &
	pid=$!
	pids+=("$pid")
}

start_dovecot() { # NAME: sets pid (the master, in the foreground)
	taskset -c 0 "$dovecot" -F -c "$work/$1.conf" 2>>"$work/$1.log" &
	pid=$!
	pids+=("$pid")
}

# How many of PID's children run COMM.
children_named() {
	local p n=0
	for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && n=$((n + 1))
	done
	echo "$n"
}

# One load run: NAME SOCKET KEYS CONNS PID SECONDS WARMUP MAX [--once]
# (bench_load over the server's process tree: sets line and foreign).
# mm-v4 is mailmapd again, through Dovecot 2.4's handshake (H4 0 0).
load() {
	local v4=()
	[ "$1" = mm-v4 ] && v4=(--preamble 4:auth)
	bench_load dict tree "$@" "${v4[@]}"
}

# results (record), one line per run: GROUP SERVER CONNS, then the columns below
# (4 = rps ... 14 = requests, 15 = srv_procs, 16 = foreign_pct: other
# processes' CPU use); "nan" for a field loadgen did not print.
columns="rps p50_us p99_us p999_us srv_cpu_us_per_req errors cli_cpu_pct found notfound failed requests srv_procs foreign_pct"
: >"$work/results"
: >"$work/setup"

log "starting ref, mailmapd, Dovecot (dict-async), Dovecot (dict)"
start_refserver; ref_pid=$pid
servers="ref:$ref_pid:$work/run/ref.sock"
if [ "$mm_ok" = yes ]; then
	start_mailmapd; mm_pid=$pid
	servers="$servers mailmapd:$mm_pid:$work/run/mailmapd.sock"
	servers="$servers mm-v4:$mm_pid:$work/run/mailmapd.sock"
fi
start_dovecot dv-async; async_pid=$pid
start_dovecot dv-dict; dict_pid=$pid
servers="$servers dv-async:$async_pid:$work/dv-async/run/dict-async"
servers="$servers dv-dict:$dict_pid:$work/dv-dict/run/dict"

# Bounds of a run: the latency array is sized for 400 000 req/s.
max_requests=$(awk -v s="$seconds" 'BEGIN {printf "%d", 400000 * s}')

# ---- sanity: every key once ----------------------------------------------

for spec in $servers; do
	IFS=: read -r name p sock <<<"$spec"
	log "sanity: $sanity_count lookups, each once, in $name"
	load "$name" "$sock" "$work/sanity.keys" 8 "$p" 30 0 "$sanity_count" --once
	record "$work/setup" sanity "$name" 8 "$line"
done

# dv-dict serves one connection per process; its master starts them one at
# a time as connections wait. Load it (unmeasured) until it has N.
prime_dv_dict() { # CONNS
	local c=$1 i n=0
	for i in $(seq 10); do
		n=$(children_named "$dict_pid" dict)
		[ "$n" -ge "$c" ] && return 0
		timeout 30 taskset -c 1 "$loadgen" --mode dict \
			--unix "$work/dv-dict/run/dict" --keys "$work/bench.keys" \
			--connections "$c" --seconds 1 --requests "$max_requests" \
			>/dev/null 2>&1 || true
	done
	log "  dv-dict has $n dict processes for $c connections"
}

# One measured run, recorded: NAME PID SOCKET CONNS. A run during which
# other processes used more than $max_foreign % of a CPU is run again, at
# most twice, and at most $retries times in the whole benchmark; the last
# try is kept.
retries_left=$retries
measure() {
	local name=$1 p=$2 sock=$3 c=$4 try
	for try in 1 2 3; do
		load "$name" "$sock" "$work/bench.keys" "$c" "$p" "$seconds" "$warmup" "$max_requests"
		[ "$foreign" -gt "$max_foreign" ] && [ "$try" -lt 3 ] &&
			[ "$retries_left" -gt 0 ] && spare || break
		retries_left=$((retries_left - 1))
		log "  $name: other processes took $foreign % of a CPU: again"
	done
	record "$work/results" cmp "$name" "$c" "$line foreign_pct=$foreign"
}

for c in $conns_list; do
	prime_dv_dict "$c"
	for r in $(seq "$rounds"); do
		log "$c connections, round $r/$rounds"
		for spec in $servers; do
			IFS=: read -r name p sock <<<"$spec"
			measure "$name" "$p" "$sock" "$c"
		done
	done
done
procs_dict=$(children_named "$dict_pid" dict)
procs_async=$(children_named "$async_pid" dict)
for spec in $servers; do
	IFS=: read -r name p sock <<<"$spec"
	kill -TERM "$p" 2>/dev/null || true
done

# ---- summary --------------------------------------------------------------

echo
echo "== every run (group server conns $columns)"
cat "$work/setup" "$work/results"

# med SERVER CONNS COLUMN (4 = rps, 5 = p50, 6 = p99, 8 = cpu/req)
med() { awk -v s="$1" -v c="$2" -v k="$3" \
	'$1 == "cmp" && $2 == s && $3 == c {print $k}' "$work/results" | median; }
# sum GROUP SERVER CONNS COLUMN FILE: over rounds
sum() { awk -v g="$1" -v s="$2" -v c="$3" -v k="$4" \
	'$1 == g && $2 == s && $3 == c {t += $k} END {print t + 0}' "$5"; }
names="ref mailmapd mm-v4 dv-async dv-dict"

echo
echo "== dict benchmark (passdb lookups): mailmapd (workers=1, $users mailboxes) vs Dovecot $svc_version dict server (file dict, $users users) vs refserver --mode dict"
echo "   $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)); servers on CPU 0, loadgen on CPU 1; unix sockets"
echo "   dv-async: service dict-async, client_limit $svc_async (default_client_limit $dflt_clients); dv-dict: service dict, client_limit $svc_dict (default_process_limit $dflt_procs)"
echo "   dict processes at the end: dv-dict $procs_dict, dv-async $procs_async; mailmapd measured: $mm_ok"
echo "   ${seconds}s (+${warmup}s warm-up) per run, $rounds interleaved rounds, medians; replies summed over rounds"
echo "   CPU/request: utime+stime of the server's process tree over the measured phase (Dovecot: master + all children)"
echo "   runs disturbed by other processes (> $max_foreign % of a CPU): $(awk -v m="$max_foreign" '$16 > m' "$work/results" | wc -l) of $(wc -l <"$work/results") kept, $((retries - retries_left)) run again; waited $((waited / 2)) s for quiet"
printf '%-6s %-9s %9s %9s %9s %11s %8s %6s  %s\n' conns server req/s p50_us p99_us srv_us/req cli_cpu% procs \
	"replies: found/notfound/failed/errors"
for c in $conns_list; do
	for s in $names; do
		[ "${s#m}" = "$s" ] || [ "$mm_ok" = yes ] || continue
		printf '%-6s %-9s %9.0f %9.1f %9.1f %11.2f %8.0f %6s  %s/%s/%s/%s\n' "$c" "$s" \
			"$(med $s "$c" 4)" "$(med $s "$c" 5)" "$(med $s "$c" 6)" \
			"$(med $s "$c" 8)" "$(med $s "$c" 10)" "$(med $s "$c" 15)" \
			"$(sum cmp $s "$c" 11 "$work/results")" "$(sum cmp $s "$c" 12 "$work/results")" \
			"$(sum cmp $s "$c" 13 "$work/results")" "$(sum cmp $s "$c" 9 "$work/results")"
	done
done
echo
echo "== ratios (medians): req/s mailmapd/dv-async, mailmapd/dv-dict, mailmapd/ref, ref/dv-async; CPU/request dv-async/mailmapd, dv-dict/mailmapd"
printf '%5s %8s %8s %8s %8s %12s %12s\n' conns mm/async mm/dict mm/ref ref/async async/mm_cpu dict/mm_cpu
for c in $conns_list; do
	printf '%5s %8s %8s %8s %8s %12s %12s\n' "$c" \
		"$(ratio "$(med mailmapd "$c" 4)" "$(med dv-async "$c" 4)")" \
		"$(ratio "$(med mailmapd "$c" 4)" "$(med dv-dict "$c" 4)")" \
		"$(ratio "$(med mailmapd "$c" 4)" "$(med ref "$c" 4)")" \
		"$(ratio "$(med ref "$c" 4)" "$(med dv-async "$c" 4)")" \
		"$(ratio "$(med dv-async "$c" 8)" "$(med mailmapd "$c" 8)")" \
		"$(ratio "$(med dv-dict "$c" 8)" "$(med mailmapd "$c" 8)")"
done

echo
echo "== targets"
[ "$mm_ok" = yes ] || echo "  FAIL  mailmapd was not measured: --check-config refuses its dict listener"
# The replies are what the keys say: exact in the sanity run, about 90 %
# found in the measured runs, no errors anywhere.
for s in $names; do
	[ "${s#m}" = "$s" ] || [ "$mm_ok" = yes ] || continue
	f=$(sum sanity "$s" 8 11 "$work/setup") nf=$(sum sanity "$s" 8 12 "$work/setup")
	e=$(sum sanity "$s" 8 9 "$work/setup")
	want_f=$sanity_found want_nf=$((sanity_count - sanity_found))
	[ "$s" != ref ] || want_f=$sanity_count want_nf=0
	verdict "$([ "$f/$nf/$e" = "$want_f/$want_nf/0" ] && echo 1 || echo 0)" "==" 1 \
		"sanity: $s found $f (want $want_f), not found $nf (want $want_nf), errors $e"
	total=0 found=0 errs=0
	for c in $conns_list; do
		total=$((total + $(sum cmp "$s" "$c" 14 "$work/results")))
		found=$((found + $(sum cmp "$s" "$c" 11 "$work/results")))
		errs=$((errs + $(sum cmp "$s" "$c" 9 "$work/results")))
	done
	share=$(awk -v f="$found" -v t="$total" 'BEGIN {printf "%.3f", t ? f / t : 0}')
	ok=$(awk -v s="$share" -v r="$s" -v e="$errs" -v t="$total" 'BEGIN {
		print (t > 0 && e == 0 && (r == "ref" ? s == 1 : s >= 0.85 && s <= 0.95)) ? 1 : 0}')
	verdict "$ok" "==" 1 "measured runs: $s found $found of $total ($share; want $([ "$s" = ref ] && echo all || echo 'about 0.9')), errors $errs"
done
for c in $conns_list; do
	mm=$(med mailmapd "$c" 4)
	verdict "$(ratio "$mm" "$(med dv-async "$c" 4)")" ">=" 1.3 \
		"$c conns: mailmapd >= 1.3x Dovecot dict-async req/s: $(ratio "$mm" "$(med dv-async "$c" 4)")x (ref: $(ratio "$(med ref "$c" 4)" "$(med dv-async "$c" 4)")x)"
	verdict "$(ratio "$mm" "$(med dv-dict "$c" 4)")" ">=" 4 \
		"$c conns: mailmapd >= 4x Dovecot dict req/s: $(ratio "$mm" "$(med dv-dict "$c" 4)")x (ref: $(ratio "$(med ref "$c" 4)" "$(med dv-dict "$c" 4)")x)"
	verdict "$(ratio "$(med mm-v4 "$c" 4)" "$mm")" ">=" 0.90 \
		"$c conns: mailmapd through the v4 handshake (Dovecot 2.4) >= 90 % of v3 req/s: $(ratio "$(med mm-v4 "$c" 4)" "$mm")x"
	verdict "$(ratio "$mm" "$(med ref "$c" 4)")" ">=" 0.70 \
		"$c conns: mailmapd >= 70 % of ref req/s: $(awk -v r="$(ratio "$mm" "$(med ref "$c" 4)")" 'BEGIN {printf "%.0f", 100 * r}') %"
done
log "done"
