#!/usr/bin/env bash
# Every socketmap answer of mailmapd as the real Postfix client sees it:
# `postmap -q KEY socketmap:unix:SOCK:MAP` with a private main.cf (no
# Postfix instance is needed for postmap). Covers every map, the
# resolution order (exact, extension, alias domain, catch-all), disabled
# and inactive objects, keys Postfix sends that are not addresses ("*",
# bare domains), a TEMP answer (postmap must fail, not say "not found"),
# mailmapd being down, and a mailmapctl change seen by the next query
# without a restart. SMTP itself is postfix_smtp.sh.
source "$(dirname "$0")/postfix.bash"

need_tools
fixture_load 2424 2525
mm_start
mm_check_privileges
pf_config # main.cf only: postmap reads it (smtputf8, socketmap client)

# check MAP KEY WANT: WANT is the value, or "-" for not found (exit 1
# and nothing on stderr: an error would be exit 1 with a fatal).
check() {
	local map=$1 key=$2 want=$3 out got
	out=$(pm "$key" "$map" 2>"$WORK/err")
	got=$?
	if [ "$want" = "-" ]; then
		if [ "$got" -eq 1 ] && [ -z "$out" ] && [ ! -s "$WORK/err" ]; then
			pass "$map $key -> not found"
		else
			fail "$map $key: exit $got, '$out', want not found $(cat "$WORK/err")"
		fi
	elif [ "$got" -eq 0 ] && [ "$out" = "$want" ]; then
		pass "$map $key -> $want"
	else
		fail "$map $key: exit $got, '$out', want '$want' $(cat "$WORK/err")"
	fi
}

# MAP KEY WANT ("-" = not found), one case a line.
while read -r map key want; do
	case $map in '' | '#'*) continue ;; esac
	check "$map" "$key" "$want"
done <<'EOF'
# domains: active primary domains only
domains example.com example.com
domains EXAMPLE.Com example.com
domains nocatch.example nocatch.example
domains example.org -
domains closed.example -
domains sub.example.com -
domains unknown.example -
domains jane.doe@example.com -
domains bücher.example xn--bcher-kva.example
domains xn--bcher-kva.example xn--bcher-kva.example
# alias_domains: active alias domains whose target is active
alias_domains example.org example.com
alias_domains Example.ORG example.com
alias_domains catchoff-alias.example catchoff.example
alias_domains example.com -
alias_domains closed-alias.example -
alias_domains to-closed.example -
alias_domains unknown.example -
# mailboxes: enabled mailboxes in active domains, exact or extension
mailboxes jane.doe@example.com example.com/jane.doe/
mailboxes Jane.Doe@Example.COM example.com/jane.doe/
mailboxes jane.doe+news@example.com example.com/jane.doe/
mailboxes custom@example.com special/custom/
mailboxes eva@bücher.example xn--bcher-kva.example/eva/
mailboxes jane@example.com -
mailboxes jane.doe@example.org -
mailboxes off@example.com -
mailboxes team@example.com -
mailboxes nobody@example.com -
mailboxes carl@closed.example -
mailboxes example.com -
mailboxes * -
# aliases: mailbox -> itself (+ forwards), extra -> mailbox, list ->
# targets, alias domain -> same local part in the target, catch-all last.
# A stripped extension goes back on the mailbox (decisions.md), not on
# forwards, list targets or the catch-all.
aliases jane.doe@example.com jane.doe@example.com,jane.doe@gmail.com
aliases JANE.DOE@EXAMPLE.COM jane.doe@example.com,jane.doe@gmail.com
aliases jane.doe+tag@example.com jane.doe+tag@example.com,jane.doe@gmail.com
aliases Jane.Doe+Tag@Example.COM jane.doe+tag@example.com,jane.doe@gmail.com
aliases jane.doe+tag@example.org jane.doe+tag@example.com,jane.doe@gmail.com
aliases jane@example.com jane.doe@example.com
aliases j.doe+x@example.com jane.doe+x@example.com
aliases jane+x@example.org jane.doe+x@example.com
aliases fwd+x@example.com away@example.net
aliases postmaster+x@example.com postmaster+x@example.com
aliases jane.doe@example.org jane.doe@example.com,jane.doe@gmail.com
aliases J.Doe@Example.Org jane.doe@example.com
aliases fwd@example.com away@example.net
aliases postmaster@example.com postmaster@example.com
aliases custom@example.com custom@example.com
aliases team@example.com jane.doe@example.com,postmaster@example.com,partner@example.net
aliases team+x@example.org jane.doe@example.com,postmaster@example.com,partner@example.net
aliases all@example.com team@example.com,fwd@example.com,bob@nocatch.example,jane@example.com
aliases ext@example.com partner@example.net
aliases nobody@example.com postmaster@example.com
aliases nobody+tag@example.com postmaster@example.com
aliases nobody@example.org postmaster@example.com
aliases paused@example.com -
aliases off@example.com -
aliases off+tag@example.com -
aliases off-extra@example.com -
aliases nobody@nocatch.example -
aliases bob@nocatch.example bob@nocatch.example
aliases nobody@catchoff.example -
aliases ann@catchoff.example ann@catchoff.example
aliases ann@catchoff-alias.example ann@catchoff.example
aliases nobody@catchoff-alias.example -
aliases carl@closed.example -
aliases nobody@closed.example -
aliases jane.doe@closed-alias.example -
aliases nobody@closed-alias.example -
aliases carl@to-closed.example -
aliases someone@unknown.example -
aliases partner@example.net -
aliases example.com -
aliases example.org -
aliases * -
aliases eva@bücher.example eva@xn--bcher-kva.example
# senders: who may send as an address (whatever the enabled and active flags)
senders jane.doe@example.com jane.doe@example.com
senders Jane.Doe@Example.COM jane.doe@example.com
senders jane.doe+tag@example.com jane.doe@example.com
senders jane@example.com jane.doe@example.com
senders jane.doe@example.org jane.doe@example.com
senders off@example.com off@example.com
senders team@example.com jane.doe@example.com,postmaster@example.com
senders all@example.com fwd@example.com,bob@nocatch.example,jane.doe@example.com
senders ext@example.com -
senders nobody@example.com -
senders partner@example.net -
senders carl@closed.example carl@closed.example
senders carl@to-closed.example carl@closed.example
senders nobody@closed.example -
senders example.com -
# transport: a mailbox's server, else its domain's; else not found
transport jane.doe@example.com lmtp:inet:127.0.0.1:2424
transport Jane.Doe+Tag@Example.COM lmtp:inet:127.0.0.1:2424
transport jane@example.com lmtp:inet:127.0.0.1:2424
transport jane.doe@example.org lmtp:inet:127.0.0.1:2424
transport custom@example.com lmtp:inet:127.0.0.1:2525
transport dan@noserver.example -
transport off@example.com -
transport team@example.com -
transport nobody@example.com -
transport partner@example.net -
transport example.com -
transport * -
EOF

# Several keys on one connection (postmap -q - keeps it open).
printf 'jane.doe@example.com\nnobody@example.com\nnobody@nocatch.example\njane@example.org\n' |
	postmap -c "$PF" -q - "$MAP:aliases" >"$WORK/out" 2>"$WORK/err"
printf 'jane.doe@example.com\tjane.doe@example.com,jane.doe@gmail.com\nnobody@example.com\tpostmaster@example.com\njane@example.org\tjane.doe@example.com\n' >"$WORK/want"
if cmp -s "$WORK/out" "$WORK/want" && [ ! -s "$WORK/err" ]; then
	pass "postmap -q - : four keys on one connection"
else
	fail "postmap -q -: $(cat "$WORK/out" "$WORK/err")"
fi

# An unknown map name is a configuration error (PERM): postmap fails.
out=$(pm jane.doe@example.com nosuchmap 2>"$WORK/err")
if [ $? -eq 1 ] && grep -q 'permanent error' "$WORK/err"; then
	pass "unknown map -> PERM, postmap fails"
else
	fail "unknown map: '$out' $(cat "$WORK/err")"
fi

# A mailmapctl change is seen by the next query, mailmapd still running.
mm_pid_before=$MM_PID
check aliases fwd@example.com away@example.net
ctl mailbox set fwd@example.com forward_keep_copy=yes >/dev/null
check aliases fwd@example.com fwd@example.com,away@example.net
ctl mailbox add newbie@nocatch.example offer=acme/basic >/dev/null
check mailboxes newbie@nocatch.example nocatch.example/newbie/
ctl domain set example.com catchall_enabled=no >/dev/null
check aliases nobody@example.com -
check aliases nobody@example.org -
ctl domain-alias set example.org active=no >/dev/null
check alias_domains example.org -
check aliases jane.doe@example.org -
ctl mailbox del newbie@nocatch.example >/dev/null
check mailboxes newbie@nocatch.example -
if [ "$MM_PID" = "$mm_pid_before" ] && kill -0 "$MM_PID" 2>/dev/null; then
	pass "changes seen without restarting mailmapd"
else
	fail "mailmapd was restarted or died: $(tail -5 "$MM_LOG")"
fi

# A record that does not decode: TEMP. postmap must fail with an error,
# never report "not found" (a wrong "no such user" bounces mail).
fixture_corrupt broken@example.com
for map in aliases mailboxes senders transport; do
	out=$(pm broken@example.com "$map" 2>"$WORK/err")
	got=$?
	if [ "$got" -eq 1 ] && [ -z "$out" ] &&
		grep -q 'temporary error' "$WORK/err" &&
		grep -q 'fatal:' "$WORK/err"; then
		pass "$map broken@example.com -> TEMP, postmap fails"
	else
		fail "$map broken@example.com: exit $got, '$out' $(cat "$WORK/err")"
	fi
done

# mailmapd down: postmap fails, it does not answer "not found".
mm_stop_check
out=$(pm jane.doe@example.com aliases 2>"$WORK/err")
got=$?
if [ "$got" -eq 1 ] && [ -z "$out" ] && grep -q 'fatal:' "$WORK/err"; then
	pass "mailmapd stopped -> postmap fails ($(grep -o 'lookup error: .*' "$WORK/err" | head -1))"
else
	fail "mailmapd stopped: exit $got, '$out' $(cat "$WORK/err")"
fi

pf_finish
