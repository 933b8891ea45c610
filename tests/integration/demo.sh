#!/usr/bin/env bash
# scripts/demo, the README's first command, run as a user would: with
# DEMO_EXIT=1 it must end with the message read back over IMAP, the
# greylisted and the rejected recipient; run again and interrupted like
# Ctrl-C (SIGINT to its process group) once it says it is running, it
# must stop everything it started: no process of its private directory
# left, the directory gone.
source "$(dirname "$0")/lib.bash"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
if DEMO_EXIT=1 timeout 300 "$SRC/scripts/demo" >"$WORK/demo.out" 2>&1; then
	pass "scripts/demo ran to its end (exit 0)"
else
	fail "scripts/demo: exit $?: $(tail -15 "$WORK/demo.out")"
fi
for want in "  LOGIN OK" "  Subject: Hello from the mailmap demo" \
	"  Body: It went through Postfix, mailmapd and Dovecot." \
	"Greylisted: please try again" "550 5.1.1 <nobody@example.info>" \
	"relay=mx.mailmap.test[private/dovecot-lmtp]"; do
	grep -qF -- "$want" "$WORK/demo.out" && pass "demo shows: $want" ||
		fail "demo lacks: $want"
done
grep -A3 "Read back over IMAP" "$WORK/demo.out" | tail -3 | grep -q "^  Body:" &&
	pass "the IMAP read-back ends the delivery part" || fail "no IMAP read-back"

# Ctrl-C: the demo in a process group of its own, SIGINT to the group. A
# background job of a script starts with SIGINT ignored, which a shell
# cannot trap: python puts it back to the default before the exec, as a
# terminal's foreground job has it.
python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execv(sys.argv[1], sys.argv[1:])' "$SRC/scripts/demo" >"$WORK/demo2.out" 2>&1 &
DEMO=$!
wait_for() { local n=$1 i; shift; for i in $(seq "$n"); do "$@" && return 0; sleep 0.1; done; return 1; }
if wait_for 3000 grep -q "demo: running" "$WORK/demo2.out"; then
	dir=$(grep -o '/tmp/mailmap-it\.[A-Za-z0-9]*' "$WORK/demo2.out" | head -1)
	kill -INT -- "-$DEMO"
	wait_for 300 eval '! kill -0 $DEMO 2>/dev/null'
	if [ -n "$dir" ] && ! pgrep -f "$dir" >/dev/null && [ ! -e "$dir" ]; then
		pass "Ctrl-C: nothing of $dir left running, the directory removed"
	else
		fail "after Ctrl-C: $(pgrep -af "$dir" | head -3) $(ls -d "$dir" 2>/dev/null)"
	fi
else
	fail "the demo did not get to waiting: $(tail -5 "$WORK/demo2.out")"
	kill -INT -- "-$DEMO" 2>/dev/null
fi
finish
