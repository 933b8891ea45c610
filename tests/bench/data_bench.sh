#!/usr/bin/env bash
# Data in and out: how long mailmapctl takes to import the user
# spreadsheet and to back up a large store while mailmapd serves.
#
#   tests/bench/data_bench.sh [--quick] [--rows N] [--plain N]
#                             [--mailboxes N] [BUILD_DIR (build)]
#
# 1. import: a CSV of N rows (default 100 000; pre-hashed SHA512-CRYPT
#    passwords, the guide's twelve columns) into a fresh store with its
#    customer, offer and 100 domains: wall time, median of 3 runs
#    (target: <= 5 s).
# 2. import with plain passwords: --plain rows (default 2 000), hashed
#    before the transaction on every core: wall time on both CPUs and
#    with the process held to one (taskset), their ratio, and the time
#    100 000 plain rows would take at the measured rate.
# 3. backup: a store of --mailboxes mailboxes (default 1 000 000; 100
#    domains) served by mailmapd (workers = 1, CPU 0); loadgen on CPU 1
#    asks socketmap lookups on 8 connections (LOAD_CONNS) without pause: p99 over
#    3 s without a backup, then over 6 s during which backups run one
#    after the other; the median backup wall time (target: <= 10 s) and
#    the p99 ratio (target: <= 2x).
# --quick: 20 000 rows, 500 plain, 200 000 mailboxes, one import run.
# BACKUP_PREFIX: a command to run the backups under (chrt -i 0, say).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/bench_lib.bash

rows=100000 plain=2000 mailboxes=1000000 runs=3 build=build limit=900
max_foreign=25 wait_budget=30 waited=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) rows=20000 plain=500 mailboxes=200000 runs=1 limit=300 ;;
	--rows) rows=$2; shift ;;
	--plain) plain=$2; shift ;;
	--mailboxes) mailboxes=$2; shift ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 1 ;;
	*) build=$1 ;;
	esac
	shift
done
ctl=$build/admin/mailmapctl mailmapd=$build/daemon/mailmapd
loadgen=$build/tests/bench/loadgen
bench_require "$ctl" "$mailmapd" "$loadgen"
bench_init data_bench
hash='{SHA512-CRYPT}$6$abcdefgh$3rj1vTLX64btReFsM4MQ22otcD40l7vbtw7qCyr0dxc4kxNmgx53xVM8gWiLYbCqTHTbXFaVFU7ZT28pnvdyu0'

base() { # STORE: the customer, offer and domains the rows go to
	{
		echo "customer add acme"
		echo "offer add acme/basic quota=1G"
		for d in $(seq 0 99); do echo "domain add d$d.example customer=acme"; done
	} | "$ctl" --store "$1" batch - >/dev/null
}

sheet() { # FILE ROWS PASSWORD
	awk -v n="$2" -v pw="$3" 'BEGIN {
		print "login,customer,profile,firstname,lastname,password,language,timezone,activated,domain,organisation,directory";
		for (i = 0; i < n; i++)
			printf "u%d@d%d.example,acme,basic,First%d,Last%d,%s,fr,Europe/Paris,1,d%d.example,,\n", i, i % 100, i, i, pw, i % 100;
	}' >"$1"
}

seconds_of() { # COMMAND...: its wall time in seconds
	local t0=$EPOCHREALTIME
	"$@" >/dev/null
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.2f", b - a}'
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# ---- 1. import, pre-hashed -----------------------------------------------------

sheet "$work/hashed.csv" "$rows" "$hash"
log "import: $rows rows, pre-hashed ($(du -h "$work/hashed.csv" | cut -f1))"
: >"$work/import.times"
for r in $(seq "$runs"); do
	rm -rf "$work/s"
	base "$work/s"
	wait_quiet
	t=$(seconds_of "$ctl" --store "$work/s" import "$work/hashed.csv")
	log "  run $r: $t s"
	echo "$t" >>"$work/import.times"
done
n=$("$ctl" --store "$work/s" --json mailbox list | grep -c '"address"')
import_s=$(median <"$work/import.times")

# ---- 2. import, plain passwords ------------------------------------------------

sheet "$work/plain.csv" "$plain" "secret-password"
rm -rf "$work/p2" "$work/p1"
base "$work/p2"
base "$work/p1"
wait_quiet
both=$(seconds_of "$ctl" --store "$work/p2" import "$work/plain.csv")
wait_quiet
one=$(seconds_of taskset -c 0 "$ctl" --store "$work/p1" import "$work/plain.csv")
log "import: $plain plain passwords: $both s on 2 CPUs, $one s on 1"

# ---- 3. backup under load --------------------------------------------------------

bench_user
log "store: $mailboxes mailboxes"
rm -rf "$work/big"
awk -v n="$mailboxes" 'BEGIN {
	print "customer add acme"; print "offer add acme/basic quota=1G";
	for (d = 0; d < 100; d++) print "domain add d" d ".example customer=acme";
	for (i = 0; i < n; i++) print "mailbox add u" i "@d" (i % 100) ".example offer=acme/basic";
}' | "$ctl" --store "$work/big" batch - >/dev/null
if [ -n "$user" ]; then
	chgrp -R "$user" "$work/big" "$work/run"
	chmod -R g+rwX "$work/big" "$work/run"
fi
user_setting=""
[ -z "$user" ] || user_setting="user = \"$user\";"
cat >"$work/mm.conf" <<EOF
store: { dir = "$work/big"; };
daemon: { $user_setting workers = 1; };
listeners = ( { protocol = "socketmap"; path = "$work/run/mm.sock"; mode = "0666"; } );
EOF
awk -v n="$mailboxes" 'BEGIN { srand(7); for (i = 0; i < 100000; i++) {
	u = int(rand() * n); print "mailboxes u" u "@d" (u % 100) ".example" } }' >"$work/keys"
taskset -c 0 "$mailmapd" --config "$work/mm.conf" --foreground 2>>"$work/mm.log" &
mm=$!
pids+=("$mm")
for i in $(seq 100); do [ -S "$work/run/mm.sock" ] && break; sleep 0.1; done
[ -S "$work/run/mm.sock" ] || { echo "mailmapd did not start: $(tail -3 "$work/mm.log")" >&2; exit 1; }
load() { # SECONDS: loadgen's p99 in microseconds
	taskset -c 1 "$loadgen" --mode socketmap --unix "$work/run/mm.sock" \
		--keys "$work/keys" --connections "${LOAD_CONNS:-8}" --seconds "$1" --warmup 0.5 \
		--requests 4000000 | tr ' ' '\n' | sed -n 's/^p99_us=//p'
}
wait_quiet
p99_idle=$(load 3)
log "lookups, no backup: p99 $p99_idle us"
# Backups one after the other for as long as loadgen runs, so that every
# lookup it times meets one (a single short backup in a longer run would
# hide among quiet requests).
load 6 >"$work/p99.busy" &
lg=$!
: >"$work/backup.times"
b=0
while kill -0 "$lg" 2>/dev/null; do
	b=$((b + 1))
	seconds_of ${BACKUP_PREFIX:-} "$ctl" --store "$work/big" backup "$work/backup$b" >>"$work/backup.times"
	echo >>"$work/backup.times"
	[ "$b" -eq 1 ] || rm -rf "$work/backup$b"
done
wait "$lg"
p99_busy=$(cat "$work/p99.busy")
backup_s=$(median <"$work/backup.times")
log "backups: $b, median $backup_s s; lookups meanwhile: p99 $p99_busy us"
size=$(du -sh "$work/backup1" | cut -f1)
grep -q "^count mailbox $mailboxes$" "$work/backup1/MANIFEST" || echo "  FAIL  the backup's MANIFEST does not count $mailboxes mailboxes"

# ---- summary ---------------------------------------------------------------------

echo
echo "== data benchmark ($(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))"
echo "import, $rows rows pre-hashed: $import_s s median of $runs ($n mailboxes in the store)"
echo "import, $plain rows plain passwords: $both s on 2 CPUs, $one s on 1 ($(awk -v a="$one" -v b="$both" 'BEGIN {printf "%.2f", a / b}')x); 100 000 such rows: about $(awk -v t="$both" -v n="$plain" 'BEGIN {printf "%.0f", t / n * 100000}') s"
echo "backup of $mailboxes mailboxes under load: $backup_s s, median of $b back to back ($size); lookup p99 $p99_idle us without, $p99_busy us during them ($(awk -v a="$p99_busy" -v b="$p99_idle" 'BEGIN {printf "%.2f", a / b}')x)"
verdict() { # OK TEXT
	echo "  $([ "$1" = 1 ] && echo PASS || echo FAIL)  $2"
}
verdict "$(awk -v t="$import_s" 'BEGIN {print (t <= 5) ? 1 : 0}')" "import of $rows pre-hashed rows <= 5 s: $import_s s"
verdict "$(awk -v t="$backup_s" 'BEGIN {print (t <= 10) ? 1 : 0}')" "backup of $mailboxes mailboxes <= 10 s: $backup_s s"
verdict "$(awk -v a="$p99_busy" -v b="$p99_idle" 'BEGIN {print (a <= 2 * b) ? 1 : 0}')" "lookup p99 during the backup <= 2x without: $p99_busy / $p99_idle us"
log "done"
