#!/usr/bin/env bash
# systemd readiness (daemon/notify.c) with the test as the service
# manager: mailmapd started with NOTIFY_SOCKET on a datagram socket the
# test reads (notify_listener.py) and WATCHDOG_USEC=900000 sends READY=1
# once its sockets are bound, WATCHDOG=1 keep-alives (every 0.3 s),
# RELOADING=1 then READY=1 around a SIGHUP, and STOPPING=1 on SIGTERM. A
# worker stuck in a request (its state store write waits for the writer
# lock, held by lmdb_hold) stops the keep-alives; they come back once it
# is free. The sample unit's hardening is rated by systemd-analyze.
source "$(dirname "$0")/postfix.bash"

LMDB_HOLD=${LMDB_HOLD:-$BUILD_DIR/tests/integration/lmdb_hold}
LISTENER="$(dirname "$0")/notify_listener.py"
NLOG="$WORK/notify.log"
DICT_SOCK="$SOCK_DIR/dict.sock"
[ -x "$LMDB_HOLD" ] || { fail "no $LMDB_HOLD (build the tests)"; finish; }

ctl customer add acme >/dev/null && ctl offer add acme/basic >/dev/null &&
	ctl domain add example.org customer=acme >/dev/null &&
	ctl mailbox add jane@example.org offer=acme/basic >/dev/null ||
	{ fail "fixture"; finish; }

mm_config() {
	cat >"$MM_CONF" <<END
store: { dir = "$WORK/store"; };
daemon: { user = "mailmap"; workers = 1; log_level = "info"; };
listeners = (
  { protocol = "socketmap"; path = "$SOCK"; mode = "0666"; },
  { protocol = "dict"; path = "$DICT_SOCK"; mode = "0666"; maps = [ "quota" ]; }
);
END
}
mm_permissions
python3 "$LISTENER" "$SOCK_DIR/notify.sock" "$NLOG" 120 &
LPID=$!
wait_for 50 test -S "$SOCK_DIR/notify.sock" || { fail "the listener did not start"; finish; }
trap 'kill $LPID 2>/dev/null; [ -n "${HOLD:-}" ] && kill $HOLD 2>/dev/null; pf_cleanup' EXIT

NOTIFY_SOCKET="$SOCK_DIR/notify.sock" WATCHDOG_USEC=900000 mm_start

count() { grep -c -- "$1" "$NLOG" 2>/dev/null || true; }
if wait_for 50 eval '[ "$(count "READY=1")" -ge 1 ]'; then
	pass "READY=1: $(grep -m1 READY=1 "$NLOG" | cut -d' ' -f2-)"
else
	fail "no READY=1: $(cat "$NLOG")"
fi
if test -S "$SOCK" && test -S "$DICT_SOCK"; then
	pass "the sockets were bound when READY=1 came"
else
	fail "READY=1 came before the sockets"
fi
sleep 2
pings=$(count "WATCHDOG=1")
[ "$pings" -ge 4 ] && pass "WATCHDOG=1 keep-alives: $pings in about 2 s" ||
	fail "$pings WATCHDOG=1 in 2 s"

before=$(wc -l <"$NLOG")
kill -HUP "$MM_PID"
wait_for 50 eval '[ "$(tail -n +$((before + 1)) "$NLOG" | grep -c READY=1)" -ge 1 ]'
order=$(tail -n +$((before + 1)) "$NLOG" | grep -v WATCHDOG | cut -d' ' -f2- | cut -d'|' -f1 | tr '\n' ' ')
[ "$order" = "RELOADING=1 READY=1 " ] && pass "SIGHUP: $order" || fail "SIGHUP sent: '$order'"
grep -q "MONOTONIC_USEC=" "$NLOG" && pass "RELOADING=1 carries MONOTONIC_USEC" ||
	fail "no MONOTONIC_USEC"

# A stuck worker: its quota commit waits for the state store's writer lock.
"$LMDB_HOLD" "$WORK/store/state" "$WORK/held" 30 2>>"$WORK/hold.err" &
HOLD=$!
wait_for 50 test -e "$WORK/held" || fail "lmdb_hold: $(cat "$WORK/hold.err")"
python3 - "$DICT_SOCK" >"$WORK/commit.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"H3\t2\t0\t\tquota\nB1\tjane@example.org\nS1\tpriv/quota/storage\t100\nC1\n")
s.settimeout(60)
print(s.recv(100))
PY
COMMIT=$!
sleep 1 # a tick already under way may still ping
mark=$(count "WATCHDOG=1")
sleep 2.5
stuck=$(( $(count "WATCHDOG=1") - mark ))
[ "$stuck" -eq 0 ] && pass "worker stuck 2.5 s: no WATCHDOG=1" ||
	fail "worker stuck: $stuck WATCHDOG=1 still sent"
grep -q "watchdog: worker 1 has not turned its loop" "$MM_LOG" &&
	pass "the log says which worker is stuck" || fail "nothing in the log: $(tail -3 "$MM_LOG")"
kill "$HOLD"
wait "$HOLD"
HOLD=""
wait "$COMMIT"
grep -q "b'O1\\\\n'" "$WORK/commit.out" && pass "the commit completed once the lock was free" ||
	fail "commit: $(cat "$WORK/commit.out")"
mark=$(count "WATCHDOG=1")
sleep 1.5
again=$(( $(count "WATCHDOG=1") - mark ))
[ "$again" -ge 2 ] && pass "keep-alives again: $again in 1.5 s" || fail "$again WATCHDOG=1 after the worker is free"

mm_stop
[ "$MM_STATUS" -eq 0 ] && pass "SIGTERM: exit 0" || fail "exit $MM_STATUS"
tail -n 3 "$NLOG" | grep -q "STOPPING=1" && pass "STOPPING=1 on SIGTERM" ||
	fail "no STOPPING=1: $(tail -3 "$NLOG")"

# The unit's hardening, as systemd rates it (offline: no running systemd
# is needed to read a unit file).
if command -v systemd-analyze >/dev/null; then
	sed -e "s|@SBINDIR@|/usr/sbin|" -e "s|@SYSCONFDIR@|/etc|" \
		"$(dirname "$0")/../../conf/mailmapd.service.in" >"$WORK/mailmapd.service"
	if systemd-analyze security --offline=true "$WORK/mailmapd.service" >"$WORK/security" 2>&1; then
		pass "systemd-analyze security: $(grep -o 'Overall exposure level.*' "$WORK/security")"
	else
		fail "systemd-analyze security: $(tail -3 "$WORK/security")"
	fi
fi
finish
