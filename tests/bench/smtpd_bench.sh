#!/usr/bin/env bash
# End to end, what a user migrating from PostfixAdmin compares: RCPT
# validations per second through a real Postfix smtpd, with mailmap's
# socketmap maps, and with PostfixAdmin's documented proxy:mysql: maps
# (POSTFIX_CONF.txt) on MariaDB, over the same data.
#
#   tests/bench/smtpd_bench.sh [--quick] [--mailboxes N] [--rounds R]
#                              [--seconds S] [BUILD_DIR (build)]
#
# Data: N mailboxes (default 100 000) in 100 domains and N/10 aliases
# (two targets each), written in PostfixAdmin's tables (its own schema,
# tests/integration/postfixadmin.bash) and imported from there into
# mailmap with `mailmapctl import postfixadmin`. One private Postfix
# (postfix.bash) with two smtpd listeners: one with mailmap's maps
# (mailmapd, workers = 1), one with PostfixAdmin's
# (virtual_mailbox_domains, virtual_alias_maps, virtual_mailbox_maps as
# POSTFIX_CONF.txt has them, through proxymap), each side with its own
# trivial-rewrite; no transport or sender login maps on either. A third
# smtpd asks refserver, a socketmap server that answers OK to everything
# without looking anything up: the floor of the socketmap path. Postfix,
# mailmapd, refserver and
# MariaDB on CPU 0; the client (rcpt_load.py: 8 SMTP sessions, one RCPT
# at a time, 90 % known addresses) on CPU 1. R interleaved rounds
# (default 3) of S seconds (default 5) each: RCPT/s, p50/p99, and CPU per
# RCPT of the backend (mailmapd; mariadbd + proxymap; refserver) and of
# smtpd (+ trivial-rewrite and the other Postfix processes), from /proc:
# medians. Then, apart, the lookups each backend answers per RCPT (the
# sides ask different numbers: mailmap's alias domains are a map of
# their own), and so the backend CPU per lookup.
# Needs root and what scripts/setup --test installs.
set -uo pipefail
cd "$(dirname "$0")/../.."
mailboxes=100000 rounds=3 seconds=5 build=build
while [ $# -gt 0 ]; do
	case $1 in
	--quick) mailboxes=20000 rounds=1 seconds=3 ;;
	--mailboxes) mailboxes=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 1 ;;
	*) build=$1 ;;
	esac
	shift
done
export MAILMAPD=$PWD/$build/daemon/mailmapd MAILMAPCTL=$PWD/$build/admin/mailmapctl
source tests/integration/postfixadmin.bash
log() { echo "[$(date +%T)] $*" >&2; }

need_tools
pfa_need_tools
PFA_DB_OPTIONS="--innodb-buffer-pool-size=512M"
pfa_db_start >/dev/null

# ---- the data, in PostfixAdmin's tables, then in mailmap --------------------------

log "data: $mailboxes mailboxes, $((mailboxes / 10)) aliases"
H6='{SHA512-CRYPT}$6$abcdefgh$3rj1vTLX64btReFsM4MQ22otcD40l7vbtw7qCyr0dxc4kxNmgx53xVM8gWiLYbCqTHTbXFaVFU7ZT28pnvdyu0'
awk -v n="$mailboxes" -v h="$H6" 'BEGIN {
	printf "INSERT INTO domain (domain, description, transport) VALUES ";
	for (d = 0; d < 100; d++) printf "%s(\"d%d.example\", \"\", \"virtual\")", d ? "," : "", d;
	print ";";
	for (i = 0; i < n; i++) {
		if (i % 1000 == 0) printf "%sINSERT INTO mailbox (username, password, name, maildir, local_part, domain) VALUES ", i ? ";\n" : "";
		printf "%s(\"u%d@d%d.example\", \"%s\", \"\", \"d%d.example/u%d/\", \"u%d\", \"d%d.example\")", i % 1000 ? "," : "", i, i % 100, h, i % 100, i, i, i % 100;
	}
	print ";";
	for (i = 0; i < n; i++) {
		if (i % 1000 == 0) printf "%sINSERT INTO alias (address, goto, domain) VALUES ", i ? ";\n" : "";
		printf "%s(\"u%d@d%d.example\", \"u%d@d%d.example\", \"d%d.example\")", i % 1000 ? "," : "", i, i % 100, i, i % 100, i % 100;
	}
	print ";";
	for (i = 0; i < n / 10; i++) {
		if (i % 1000 == 0) printf "%sINSERT INTO alias (address, goto, domain) VALUES ", i ? ";\n" : "";
		printf "%s(\"list%d@d%d.example\", \"u%d@d%d.example,u%d@d%d.example\", \"d%d.example\")", i % 1000 ? "," : "", i, i % 100, i, i % 100, (i + 100) % n, ((i + 100) % n) % 100, i % 100;
	}
	print ";";
}' | sql postfix || { fail "loading PostfixAdmin's tables"; pf_finish; }
echo pfapass >"$WORK/db.pw"
if ! ctl import postfixadmin --socket "$DB_SOCK" --user postfix \
	--password-file "$WORK/db.pw" --database postfix >"$WORK/import.out" 2>&1; then
	fail "import postfixadmin: $(tail -3 "$WORK/import.out")"
	pf_finish
fi
log "$(head -1 "$WORK/import.out")"
# Keys: 90 % existing addresses (mailboxes and aliases), 10 % unknown.
awk -v n="$mailboxes" 'BEGIN { srand(11); for (k = 0; k < 200000; k++) {
	r = rand(); i = int(rand() * n);
	if (r < 0.8) print "u" i "@d" (i % 100) ".example";
	else if (r < 0.9) { j = int(rand() * n / 10); print "list" j "@d" (j % 100) ".example" }
	else print "nobody" i "@d" (i % 100) ".example" } }' >"$WORK/keys"

# ---- mailmapd, Postfix with two smtpd --------------------------------------------

mm_config() {
	local debug=""
	[ -z "${MM_DEBUG:-}" ] || debug='log_level = "debug";'
	cat >"$MM_CONF" <<EOF
store: { dir = "$WORK/store"; };
daemon: { user = "mailmap"; workers = 1; $debug };
listeners = ( { protocol = "socketmap"; path = "$SOCK"; mode = "0666"; } );
EOF
}
taskset -c 0 true || { fail "taskset"; pf_finish; }
mm_start
taskset -acp 0 "$MM_PID" >/dev/null
taskset -acp 0 "$DB_PID" >/dev/null
PORT_MM=$(free_port)
PORT_PFA=$(free_port)
PORT_REF=$(free_port)
# The floor: refserver, a socketmap server that does nothing but answer
# "OK u0@d0.example" to every key (tests/bench/refserver.c), behind a
# third smtpd: what Postfix's socketmap client and the unix socket cost.
REF_SOCK="$SOCK_DIR/ref.sock"
taskset -c 0 "$BUILD_DIR/tests/bench/refserver" --mode socketmap --unix "$REF_SOCK" \
	--value u0@d0.example --seconds 3600 >"$WORK/ref.log" 2>&1 &
REF_PID=$!
wait_for 50 test -S "$REF_SOCK" || { fail "refserver: $(cat "$WORK/ref.log")"; pf_finish; }
chmod 0666 "$REF_SOCK"
pf_config "$PORT_MM"
pfa_map_files "$PF/sql"
sq="proxy:mysql:$PF/sql"
cat >>"$PF/main.cf" <<EOF

# Both sides ask the same questions: the domain, alias and mailbox maps
# (no transport or sender login map on either).
transport_maps =
smtpd_sender_login_maps =
# The benchmark: errors do not slow or end the sessions.
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000000
smtpd_hard_error_limit = 1000000
smtpd_recipient_limit = 1000000
smtpd_client_connection_count_limit = 0
smtpd_client_recipient_rate_limit = 0
# PostfixAdmin's maps, as POSTFIX_CONF.txt has them; proxymap serves them.
pfa_domains = $sq/mysql_virtual_domains_maps.cf
pfa_aliases = $sq/mysql_virtual_alias_maps.cf, $sq/mysql_virtual_alias_domain_maps.cf, $sq/mysql_virtual_alias_domain_catchall_maps.cf
pfa_mailboxes = $sq/mysql_virtual_mailbox_maps.cf, $sq/mysql_virtual_alias_domain_mailbox_maps.cf
proxy_read_maps = $(postconf -d -h proxy_read_maps) \$pfa_domains \$pfa_aliases \$pfa_mailboxes
EOF
# PostfixAdmin's side: its smtpd and its own trivial-rewrite (which
# decides the address class from the domain maps), both on its maps.
pfa_opts="-o virtual_mailbox_domains=\$pfa_domains -o virtual_alias_domains= -o virtual_alias_maps=\$pfa_aliases -o virtual_mailbox_maps=\$pfa_mailboxes"
{
	echo "127.0.0.1:$PORT_PFA inet n - n - - smtpd $pfa_opts -o rewrite_service_name=rewrite-pfa"
	echo "rewrite-pfa unix - - n - - trivial-rewrite $pfa_opts"
	ref="socketmap:unix:$REF_SOCK"
	ref_opts="-o virtual_mailbox_domains=$ref:domains -o virtual_alias_domains= -o virtual_alias_maps=$ref:aliases -o virtual_mailbox_maps=$ref:mailboxes"
	echo "127.0.0.1:$PORT_REF inet n - n - - smtpd $ref_opts -o rewrite_service_name=rewrite-ref"
	echo "rewrite-ref unix - - n - - trivial-rewrite $ref_opts"
} >>"$PF/master.cf"
taskset -c 0 bash -c "postfix -c '$PF' start" >"$WORK/postfix-start.out" 2>&1
wait_for 100 test -s "$PF_QUEUE/pid/master.pid"
PF_MASTER_PID=$(tr -d ' ' <"$PF_QUEUE/pid/master.pid")
pf_wait_smtpd "$PORT_MM" && pf_wait_smtpd "$PORT_PFA" && pf_wait_smtpd "$PORT_REF" || {
	fail "smtpd does not answer: $(tail -5 "$WORK/maillog")"
	pf_finish
}

# ---- rounds --------------------------------------------------------------------

# CPU ticks of the processes whose command line matches.
ticks_of() {
	local pid total=0
	for pid in $(pgrep -f "$1"); do
		[ -r "/proc/$pid/stat" ] || continue
		total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
	done
	echo "$total"
}
hz=$(getconf CLK_TCK)
# backend pattern per side
declare -A backend=([mailmap]="$MAILMAPD" [postfixadmin]="mariadbd|postfix/proxymap|proxymap -t" [ref]="tests/bench/refserver")
: >"$WORK/results"
run_side() { # SIDE PORT
	local side=$1 port=$2 b0 s0 b1 s1 line
	b0=$(ticks_of "${backend[$side]}") s0=$(ticks_of "smtpd|trivial-rewrite|cleanup|qmgr")
	line=$(taskset -c 1 python3 tests/bench/rcpt_load.py "$port" "$WORK/keys" 8 "$seconds")
	b1=$(ticks_of "${backend[$side]}") s1=$(ticks_of "smtpd|trivial-rewrite|cleanup|qmgr")
	rcpts=$(sed 's/.*rcpts=\([0-9]*\).*/\1/' <<<"$line")
	echo "$side $line backend_us_per_rcpt=$(awk -v t=$((b1 - b0)) -v n="$rcpts" -v hz="$hz" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}') smtpd_us_per_rcpt=$(awk -v t=$((s1 - s0)) -v n="$rcpts" -v hz="$hz" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')" >>"$WORK/results"
	log "$(tail -1 "$WORK/results")"
}
# A short warm-up of each (caches, smtpd processes, proxymap).
taskset -c 1 python3 tests/bench/rcpt_load.py "$PORT_MM" "$WORK/keys" 8 1 >/dev/null
taskset -c 1 python3 tests/bench/rcpt_load.py "$PORT_PFA" "$WORK/keys" 8 1 >/dev/null
taskset -c 1 python3 tests/bench/rcpt_load.py "$PORT_REF" "$WORK/keys" 8 1 >/dev/null
for r in $(seq "$rounds"); do
	run_side mailmap "$PORT_MM"
	run_side postfixadmin "$PORT_PFA"
	run_side ref "$PORT_REF"
done
kill "$REF_PID" 2>/dev/null
wait "$REF_PID" 2>/dev/null

# ---- lookups per RCPT, counted apart (the timed rounds count none) ----------------

# lookups_per_rcpt SIDE PORT COUNT-COMMAND...: a 2 s load; the command
# prints the lookups the backend answered meanwhile.
count_run() { # PORT: the RCPTs of a 2 s load
	taskset -c 1 python3 tests/bench/rcpt_load.py "$1" "$WORK/keys" 8 2 |
		sed 's/.*rcpts=\([0-9]*\).*/\1/'
}
per() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b ? a / b : 0}'; }
# mailmap: mailmapd again with its debug log, one line a lookup.
mm_stop
MM_DEBUG=1 mm_start
taskset -acp 0 "$MM_PID" >/dev/null
before=$(grep -c " socketmap " "$MM_LOG")
n=$(count_run "$PORT_MM")
lpr_mailmap=$(per $(($(grep -c " socketmap " "$MM_LOG") - before)) "$n")
# postfixadmin: MariaDB's count of SELECT statements (one a lookup).
selects() { sql -N -e "SHOW GLOBAL STATUS LIKE 'Com_select'" | awk '{print $2}'; }
before=$(selects)
n=$(count_run "$PORT_PFA")
lpr_postfixadmin=$(per $(($(selects) - before)) "$n")
# ref: a fresh refserver says how many it served when it stops.
taskset -c 0 "$BUILD_DIR/tests/bench/refserver" --mode socketmap --unix "$REF_SOCK" \
	--value u0@d0.example --seconds 3600 >"$WORK/ref2.log" 2>&1 &
REF_PID=$!
wait_for 50 test -S "$REF_SOCK" && chmod 0666 "$REF_SOCK"
n=$(count_run "$PORT_REF")
kill "$REF_PID"
wait "$REF_PID" 2>/dev/null
lpr_ref=$(per "$(sed -n 's/.*served=\([0-9]*\).*/\1/p' "$WORK/ref2.log")" "$n")
log "lookups per RCPT: mailmap $lpr_mailmap, postfixadmin $lpr_postfixadmin, ref $lpr_ref"

med() { awk -v s="$1" -v k="$2" '$1 == s { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$WORK/results" |
	sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo
echo "== RCPT validations through Postfix $(postconf -h mail_version 2>/dev/null || postconf -d -h mail_version) smtpd: mailmap socketmap vs PostfixAdmin proxy:mysql on MariaDB $(sql -N -e 'SELECT VERSION()')"
echo "   $mailboxes mailboxes, $((mailboxes / 10)) aliases, 100 domains; 8 sessions, one RCPT at a time, $seconds s x $rounds rounds, medians; servers on CPU 0, client on CPU 1"
printf '%-13s %8s %8s %8s %18s %18s  %s\n' side rcpt/s p50_us p99_us backend_us/rcpt smtpd_us/rcpt "ok/rejected/errors (last round)"
for s in mailmap postfixadmin ref; do
	printf '%-13s %8s %8s %8s %18s %18s  %s\n' "$s" "$(med $s rps)" "$(med $s p50_us)" "$(med $s p99_us)" \
		"$(med $s backend_us_per_rcpt)" "$(med $s smtpd_us_per_rcpt)" \
		"$(awk -v s="$s" '$1 == s {l = $0} END {print l}' "$WORK/results" | grep -o 'ok=[0-9]* rejected=[0-9]* errors=[0-9]*')"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b ? a / b : 0}'; }
echo
echo "lookups per RCPT (counted apart: mailmapd's debug log, MariaDB's Com_select, refserver's count): mailmap $lpr_mailmap, postfixadmin $lpr_postfixadmin, ref $lpr_ref"
cpl_mm=$(per "$(med mailmap backend_us_per_rcpt)" "$lpr_mailmap")
cpl_pfa=$(per "$(med postfixadmin backend_us_per_rcpt)" "$lpr_postfixadmin")
cpl_ref=$(per "$(med ref backend_us_per_rcpt)" "$lpr_ref")
echo "backend CPU per lookup (us): mailmap $cpl_mm, postfixadmin $cpl_pfa, ref $cpl_ref; postfixadmin/mailmap $(ratio "$cpl_pfa" "$cpl_mm"), postfixadmin/ref $(ratio "$cpl_pfa" "$cpl_ref")"
echo "ratios: rcpt/s mailmap/postfixadmin $(ratio "$(med mailmap rps)" "$(med postfixadmin rps)"); backend CPU per RCPT postfixadmin/mailmap $(ratio "$(med postfixadmin backend_us_per_rcpt)" "$(med mailmap backend_us_per_rcpt)"), postfixadmin/ref $(ratio "$(med postfixadmin backend_us_per_rcpt)" "$(med ref backend_us_per_rcpt)"), mailmap/ref $(ratio "$(med mailmap backend_us_per_rcpt)" "$(med ref backend_us_per_rcpt)")"
ok=$(awk -v a="$cpl_pfa" -v b="$cpl_mm" 'BEGIN {print (b > 0 && a / b >= 5) ? 1 : 0}')
echo "  $([ "$ok" = 1 ] && echo PASS || echo FAIL)  backend CPU per lookup: PostfixAdmin's >= 5x mailmap's ($(ratio "$cpl_pfa" "$cpl_mm")x; per RCPT $(ratio "$(med postfixadmin backend_us_per_rcpt)" "$(med mailmap backend_us_per_rcpt)")x)"
pfa_db_stop
pf_finish >/dev/null
