# What the benchmark scripts share (sourced, not run): a private work
# directory and every process started, stopped on exit; a watchdog that
# ends the whole run within $limit seconds; the unprivileged user servers
# run as under root; measuring how busy the two CPUs are, so a run that
# other processes disturbed is known; loadgen runs; result files and their
# medians, ratios and PASS/FAIL lines.
#
# The sourcing script sets $limit (seconds) before bench_init, and for
# wait_quiet and bench_load $max_foreign (% of a CPU) and $wait_budget (s).

# ---- run ------------------------------------------------------------------

# bench_init NAME: checks the machine, makes $work, arms the cleanup and
# the watchdog; log() prints with the seconds since.
bench_init() {
	bench_name=$1
	command -v taskset >/dev/null || { echo "taskset (util-linux) missing" >&2; exit 1; }
	[ "$(nproc)" -ge 2 ] || { echo "needs 2 CPUs" >&2; exit 1; }
	work=$(mktemp -d "${TMPDIR:-/tmp}/mailmap-$bench_name.XXXXXX")
	pids=()
	trap bench_cleanup EXIT
	trap 'echo "$bench_name: stopped (time limit or signal)" >&2; exit 1' TERM INT
	(
		trap 'kill "$nap" 2>/dev/null; exit 0' TERM
		sleep "$limit" & nap=$!
		wait "$nap" && kill -TERM $$ 2>/dev/null
	) &
	pids+=($!)
	t_start=$SECONDS
}

bench_cleanup() {
	local pid i
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do
		for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}

log() { printf '[%3ds] %s\n' $((SECONDS - t_start)) "$*" >&2; }

# bench_require FILE...: each must be an executable (meson -Dtests=true).
bench_require() {
	local bin
	for bin in "$@"; do
		[ -x "$bin" ] || { echo "build first (meson -Dtests=true): $bin missing" >&2; exit 1; }
	done
}

# Sets $user, the daemon.user of mailmapd: as root, "mailmap" (made if
# missing) with $work open to it; else empty (the caller's own). Makes
# $work/run for the sockets.
bench_user() {
	if [ "$(id -u)" -eq 0 ]; then
		user=mailmap
		id "$user" >/dev/null 2>&1 ||
			useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
		chmod o+x "$work"
	else
		user=""
	fi
	mkdir -p "$work/run"
}

# ---- how busy the CPUs are -------------------------------------------------

# Other processes on the two CPUs spoil a run: "foreign" is what the CPUs
# spent on anything but the server (its process tree) and loadgen, in % of
# one CPU over the run (/proc/stat busy time of cpu0 + cpu1, minus the
# server's utime + stime, minus loadgen's).
hz=$(getconf CLK_TCK)
cpu_busy() {
	awk '$1 == "cpu0" || $1 == "cpu1" {b += $2 + $3 + $4 + $7 + $8 + $9}
		END {print b + 0}' /proc/stat
}
proc_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# PID and its descendants, one per line.
tree_pids() {
	local p
	echo "$1"
	for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree_pids "$p"; done
}
# utime + stime + cutime + cstime over the tree, as loadgen --server-tree.
tree_ticks() {
	local p
	for p in $(tree_pids "$1"); do cat "/proc/$p/stat" 2>/dev/null || true; done |
		sed 's/.*) //' | awk '{t += $12 + $13 + $14 + $15} END {print t + 0}'
}
child_ticks() { # the children's line of bash's `times` in $work/times
	sed -n 2p "$work/times" | awk -v hz="$hz" '{
		for (i = 1; i <= 2; i++) {split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2]}
		printf "%d", t * hz}'
}

# Waits (at most 15 s, and $wait_budget s in the whole benchmark) until
# the two CPUs are quiet: below $max_foreign % of a CPU busy over 0.5 s
# (the servers are idle between runs).
waited=0
# Time to spare for waiting and runs again: not in the last quarter of the
# time limit.
spare() { [ $((SECONDS - t_start)) -lt $((limit * 3 / 4)) ]; }
wait_quiet() {
	local i b0 busy
	for i in $(seq 30); do
		b0=$(cpu_busy)
		sleep 0.5
		busy=$((($(cpu_busy) - b0) * 200 / hz)) # % of a CPU
		[ "$busy" -gt "$max_foreign" ] && [ "$waited" -lt $((wait_budget * 2)) ] &&
			spare || break
		[ "$i" -gt 1 ] || log "  waiting for other processes to calm down ($busy % of a CPU)"
		waited=$((waited + 1))
	done
}

alive() { # NAME PID: the server must still run
	kill -0 "$2" 2>/dev/null && return 0
	echo "$bench_name: $1 (pid $2) died; the end of its log:" >&2
	tail -5 "$work/$1.log" >&2
	exit 1
}

# One load run, after waiting for quiet CPUs:
#   bench_load MODE TREE NAME SOCKET KEYS CONNS PID SECONDS WARMUP MAX [ARG...]
# MODE is loadgen's --mode; TREE "tree" counts the server's whole process
# tree (--server-tree), else the process alone (--server-pid); ARGs go to
# loadgen (--once). Sets line to loadgen's result line, foreign to the
# other processes' share.
line="" foreign=0
bench_load() {
	local mode=$1 tree=$2 name=$3 sock=$4 keys=$5 c=$6 p=$7 s=$8 w=$9 max=${10}
	local ticks=proc_ticks pid_opt=--server-pid b0 s0 t0
	shift 10
	[ "$tree" = tree ] && ticks=tree_ticks pid_opt=--server-tree
	wait_quiet
	b0=$(cpu_busy) s0=$($ticks "$p") t0=$EPOCHREALTIME
	line=$(
		timeout $((${s%.*} + 60)) taskset -c 1 "$loadgen" --mode "$mode" \
			--unix "$sock" --keys "$keys" --connections "$c" \
			--seconds "$s" --warmup "$w" --requests "$max" --connect-retry 10 \
			"$pid_opt" "$p" "$@" || true
		times >"$work/times"
	)
	[ -n "$line" ] || { alive "$name" "$p"; echo "loadgen failed on $name" >&2; exit 1; }
	alive "$name" "$p"
	foreign=$(awk -v b=$(($(cpu_busy) - b0)) -v s=$(($($ticks "$p") - s0)) \
		-v l="$(child_ticks)" -v t0="$t0" -v t1="$EPOCHREALTIME" -v hz="$hz" \
		'BEGIN {f = (b - s - l) / hz / (t1 - t0) * 100; printf "%d", f < 0 ? 0 : f}')
}

# bench_retry NAME SOCKET KEYS CONNS PID: one socketmap run (bench_load,
# after waiting for quiet CPUs), run again (at most 3 times, $retries_left
# in all) when other processes took more than $max_foreign % of a CPU;
# sets line, with foreign_pct. Uses $seconds, $warmup, $max_requests.
bench_retry() {
	local try
	for try in 1 2 3; do
		bench_load socketmap pid "$1" "$2" "$3" "$4" "$5" "$seconds" \
			"$warmup" "$max_requests"
		[ "$foreign" -gt "$max_foreign" ] && [ "$try" -lt 3 ] &&
			[ "$retries_left" -gt 0 ] && spare || break
		retries_left=$((retries_left - 1))
		log "  $1: other processes took $foreign % of a CPU: again"
	done
	line="$line foreign_pct=$foreign"
}

# ---- results ---------------------------------------------------------------

field() { # LINE NAME: a NAME=value of loadgen's result line
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# record FILE GROUP SERVER CONNS LINE: one line per run, GROUP SERVER CONNS
# then the fields named in $columns ("nan" for one loadgen did not print).
record() {
	local f v
	printf '%s %s %s' "$2" "$3" "$4" >>"$1"
	for f in $columns; do
		v=$(field "$5" "$f")
		printf ' %s' "${v:-nan}" >>"$1"
	done
	printf '\n' >>"$1"
}

median() { sort -g | awk '{v[NR] = $1} END {if (!NR) {print "nan"; exit}
	m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m}'; }
# ratio A B: A / B with $ratio_decimals decimals (2 unless set)
ratio() { awk -v a="$1" -v b="$2" -v d="${ratio_decimals:-2}" 'BEGIN {printf (b > 0 ? "%." d "f" : "nan"), a / b}'; }
verdict() { # VALUE OP LIMIT TEXT; a value that is not a number fails
	if [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]] && awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {exit !(op == "<" ? v < l : op == "<=" ? v <= l : op == "==" ? v == l : v >= l)}'; then
		echo "  PASS  $4"
	else
		echo "  FAIL  $4"
	fi
}
