#!/usr/bin/env bash
# Bad input through the real binary: exit 1 with a message naming the
# field, and nothing written.
source "$(dirname "$0")/lib.bash"

ctl customer add acme >/dev/null
ctl offer add acme/basic >/dev/null
ctl domain add example.com customer=acme >/dev/null
dump >"$WORK/before.dump"

check() { # check WANT_STATUS WANT_TEXT ARGS...
	local want=$1 text=$2
	shift 2
	ctl "$@" >"$WORK/out" 2>"$WORK/err"
	local got=$?
	if [ "$got" -ne "$want" ] || ! grep -qF -- "$text" "$WORK/err"; then
		fail "$*: exit $got, said: $(cat "$WORK/err")"
	else
		pass "$* -> $want ($text)"
	fi
}

check 1 "local part is longer than 64 bytes" mailbox add "$(printf 'a%.0s' {1..65})@example.com" offer=acme/basic
check 1 "domain label is longer than 63 bytes" domain add "$(printf 'b%.0s' {1..64}).com" customer=acme
check 1 "quota: must be a size" mailbox add a@example.com offer=acme/basic quota=-5G
check 1 "max_seats: must be a number" offer add acme/x max_seats=lots
check 1 "autoreply_end: must be a date" mailbox add a@example.com offer=acme/basic autoreply_end=31/12/2026
check 1 "ssl: must be one of" offer add acme/y ssl=maybe
check 1 "unknown option --frobnicate" mailbox add a@example.com offer=acme/basic --frobnicate
check 1 "not valid UTF-8" customer add zeta display_name=$'\xc3\x28'
check 1 "is longer than 256 bytes" customer add zeta display_name="$(printf 'x%.0s' {1..300})"
check 1 "give passwords on standard input" mailbox add a@example.com offer=acme/basic password=hunter2
check 1 "unknown option --bogus" --bogus customer list
check 2 "no such mailbox" mailbox show ghost@example.com

if ctl --config /nonexistent/mailmapd.conf customer list >/dev/null 2>"$WORK/err"; then
	fail "a missing --config file is accepted"
else
	pass "missing --config refused: $(cat "$WORK/err")"
fi
printf 'store: { dir = "relative"; };\n' >"$WORK/bad.conf"
expect 1 "bad configuration refused" -- "$MAILMAPCTL" --config "$WORK/bad.conf" customer list

dump >"$WORK/after.dump"
cmp -s "$WORK/before.dump" "$WORK/after.dump" && pass "nothing was written" || fail "the store changed"

# A password given on standard input is stored hashed, never in clear.
printf 'correct horse\n' | ctl mailbox add pw@example.com offer=acme/basic --password >/dev/null 2>&1 ||
	fail "mailbox add --password"
if grep -qa "correct horse" "$WORK/store/config/data.mdb"; then fail "plaintext in the store"; else
	pass "password stored only as a hash"
fi
ctl mailbox show pw@example.com --json | grep -q '"password": true' && pass "show says a password is set" ||
	fail "show lacks the password flag"
finish
