#!/usr/bin/env bash
# Login cost through Dovecot's auth with mailmapd behind it, in the three
# ways Dovecot can ask it:
#   dict23   Dovecot 2.3 (host), dict passdb/userdb (conf/dovecot.conf)
#   lua23    Dovecot 2.3 (host), Lua passdb/userdb (conf/mailmap-auth.lua)
#   lua24    Dovecot 2.4.1 (the Debian 13 root, scripts/trixie-root),
#            Lua passdb/userdb (conf/dovecot-2.4.conf)
#
#   tests/bench/login_bench.sh [--logins N] [--rounds R] [BUILD_DIR (build)]
#
# One private Dovecot at a time (tests/integration/dovecot.bash, as the
# integration tests start them), one mailmapd for all, the store of the
# Dovecot tests. A login is one `doveadm auth test -x service=imap
# user@example.com secret` (passdb lookup, SHA512-CRYPT verification in
# the auth worker, doveadm's own start): N of them one after the other,
# timed; R interleaved rounds (dict23, lua23, lua24, dict23, ...); the
# median logins/s per way and the ratios. Every login must succeed.
# lua24 is left out, saying why, where the root cannot be built. Needs
# root, as the Dovecot integration tests do.
set -uo pipefail
cd "$(dirname "$0")/../.."
logins=100 rounds=3 build=build
while [ $# -gt 0 ]; do
	case $1 in
	--logins) logins=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 1 ;;
	*) build=$1 ;;
	esac
	shift
done
export MAILMAPD=$PWD/$build/daemon/mailmapd MAILMAPCTL=$PWD/$build/admin/mailmapctl
source tests/integration/dovecot.bash

need_tools
dv_need_tools
dv_fixture
dv_mm_start >/dev/null
ways="dict23 lua23"
pf_need_root "lua24 (Dovecot 2.4)" "$VMAIL" && ways="$ways lua24"

# way WAY: the Dovecot of WAY, started.
start_way() {
	case $1 in
	dict23) DV_VERSION=2.3 DV_AUTH=dict DV_EXEC=() ;;
	lua23) DV_VERSION=2.3 DV_AUTH=lua DV_EXEC=() ;;
	lua24) DV_VERSION=2.4 DV_AUTH=lua DV_EXEC=(chroot "$PF_ROOT") ;;
	esac
	dv_start
}

# logins_per_s: N logins, timed: "RATE FAILED".
logins_per_s() {
	local t0 t1 i bad=0
	t0=$EPOCHREALTIME
	for i in $(seq "$logins"); do
		timeout 60 "${DV_EXEC[@]}" doveadm -c "$DV_CONF" auth test \
			-x service=imap user@example.com secret >/dev/null 2>&1 ||
			bad=$((bad + 1))
	done
	t1=$EPOCHREALTIME
	awk -v n="$logins" -v a="$t0" -v b="$t1" -v bad="$bad" \
		'BEGIN {printf "%.1f %d", n / (b - a), bad}'
}

: >"$WORK/results"
for r in $(seq "$rounds"); do
	for w in $ways; do
		start_way "$w"
		read -r rate bad <<<"$(logins_per_s)"
		dv_stop
		[ "$bad" -eq 0 ] || fail "$w: $bad of $logins logins failed"
		echo "round $r $w $rate logins/s"
		echo "$w $rate" >>"$WORK/results"
	done
done

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
med() { awk -v w="$1" '$1 == w {print $2}' "$WORK/results" | median; }
echo
echo "== logins/s (doveadm auth test, $logins per run, $rounds rounds, medians; $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))"
for w in $ways; do
	printf '%-7s %8s\n' "$w" "$(med "$w")"
done
echo "ratios: lua23/dict23 $(awk -v a="$(med lua23)" -v b="$(med dict23)" 'BEGIN {printf "%.2f", a / b}')$(
	[[ " $ways " == *" lua24 "* ]] &&
		awk -v a="$(med lua24)" -v b="$(med dict23)" 'BEGIN {printf ", lua24/dict23 %.2f", a / b}')"
mm_stop
pf_finish
