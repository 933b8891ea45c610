#!/usr/bin/env bash
# Vacation auto-replies end to end (design.md "Auto-reply"): the real
# Postfix smtpd, cleanup and lmtp on mailmapd's socketmaps delivering into
# the private Dovecot over LMTP, where Pigeonhole runs the script
# mailmapd's dict "sieve" serves (the samples' sieve_before location),
# and sends its replies to the test's SMTP sink (submission_host). The
# only settings the test adds to the samples: submission_host, and
# sieve_vacation_min_period = 1s so an interval of a few seconds is kept.
#
# A reply: one, From the mailbox with its name, To the sender, with the
# subject and body, Auto-Submitted, empty envelope sender; none again
# inside the interval, one after it; replies to mail sent to an extra
# address, an alias-domain address and a single-target alias; none to
# Precedence: list, List-Id, Auto-Submitted: auto-generated or a null
# sender (each of those still delivered); none before the window or
# after it (delivered); the next reply has the text mailmapctl changed,
# without a reload; a mailbox forwarding without a copy: replied,
# forwarded, nothing stored. DV_VERSION=2.4 (vacation24.sh): the same on
# Dovecot 2.4.1 of the Debian 13 root.
source "$(dirname "$0")/dovecot.bash"

need_tools
dv_need_tools
[ -x /usr/lib/dovecot/lmtp ] || {
	fail "no Dovecot LMTP server: dovecot-lmtpd (scripts/setup --test)"
	dv_finish
}
dv_run test -e /usr/lib/dovecot/modules/lib90_sieve_plugin.so || {
	fail "no Pigeonhole: dovecot-sieve (scripts/setup --test)"
	dv_finish
}
sink_start 2
OTHER=${SINK_PORTS[0]} # default_transport: forwards elsewhere
REPLY=${SINK_PORTS[1]} # Pigeonhole's submission_host: the replies
SMTP=$(free_port)
INTERVAL=8

cat >"$WORK/fixture.batch" <<END
customer add acme
offer add acme/basic
domain add d.test customer=acme storage=$DV_MAIL
domain-alias add a.test target=d.test
mailbox add v@d.test offer=acme/basic first_name=Vera last_name=Cance timezone=Europe/Paris extra=x@d.test
alias add info@d.test targets=v@d.test
alias add team@d.test targets=v@d.test,c@d.test
mailbox add c@d.test offer=acme/basic
mailbox add f@d.test offer=acme/basic forward=fwd@other.test forward_keep_copy=no
mailbox add w@d.test offer=acme/basic timezone=Europe/Paris
mailbox add p@d.test offer=acme/basic timezone=Europe/Paris
END
if ! ctl batch "$WORK/fixture.batch" >"$WORK/out" 2>"$WORK/err"; then
	fail "fixture: $(cat "$WORK/err")"
	dv_finish
fi
printf 'Back on Monday.\r\nUrgent: "help" \\ ${x} é\r\n' >"$WORK/body.txt"
autoreply() {
	ctl autoreply set "$@" >"$WORK/out" 2>&1 ||
		fail "autoreply set $*: $(cat "$WORK/out")"
}
autoreply v@d.test "subject=Out of office" "interval=${INTERVAL}s" \
	--body-file "$WORK/body.txt"
autoreply f@d.test "body=Forwarding, away"
autoreply w@d.test body=Later start=2999-01-01
autoreply p@d.test body=Gone end=2001-01-01

if [ "$DV_VERSION" = 2.4 ]; then
	DV_EXTRA="submission_host = 127.0.0.1:$REPLY
sieve_vacation_min_period = 1s"
else
	DV_EXTRA="submission_host = 127.0.0.1:$REPLY
plugin {
  sieve_vacation_min_period = 1s
}"
fi
DV_LMTP=yes
dv_mm_start
dv_start
pf_config "$SMTP" 9 "$OTHER"
postconf -c "$PF" -e "virtual_transport = lmtp:unix:private/dovecot-lmtp" \
	"in_flow_delay = 0"
pf_start
if ! pf_wait_smtpd "$SMTP"; then
	fail "smtpd on 127.0.0.1:$SMTP does not answer: $(tail -20 "$WORK/maillog")"
	dv_finish
fi

# send ID FROM TO [swaks options]: one message, Message-Id <ID@vac.test>
# and X-Test: ID; 0 if accepted.
send() {
	local id=$1 from=$2 to=$3
	shift 3
	timeout 60 swaks --server 127.0.0.1 --port "$SMTP" --timeout 30 \
		--from "$from" --to "$to" --header "Message-Id: <$id@vac.test>" \
		--header "X-Test: $id" "$@" >"$WORK/swaks.$id.out" 2>&1 ||
		fail "$id: not accepted: $(grep '<\*\*' "$WORK/swaks.$id.out")"
}

# replies ID: the replies the sink got to message ID, whole.
replies() {
	awk -v port="$REPLY" -v id="| In-Reply-To: <$1@vac.test>" '
		/^message / { n = 0; mine = ($2 == port); hit = 0 }
		{ block[n++] = $0 }
		$0 == id { hit = 1 }
		/^end$/ && mine && hit { for (i = 0; i < n; i++) print block[i] }
	' "$SINK_LOG" 2>/dev/null
}
reply_count() { replies "$1" | grep -c '^end$'; }

in_mailbox() {
	[ -n "$(timeout 30 "${DV_EXEC[@]}" doveadm -c "$DV_CONF" search -u "$1" \
		header X-Test "$2" 2>/dev/null)" ]
}

# delivered USER ID: the message reached the mailbox (then waits 2 s
# more: a reply would be sent within the same delivery).
delivered() {
	if wait_for 150 in_mailbox "$1" "$2"; then
		sleep 2
		return 0
	fi
	fail "$2: not delivered to $1"
	return 1
}

# expect_replies ID N WHAT
expect_replies() {
	local got
	got=$(reply_count "$1")
	if [ "$got" -eq "$2" ]; then pass "$3 ($got)"; else fail "$3: $got replies, want $2"; fi
}

# 1. A reply, and what it holds.
send m1 s1@sender.example v@d.test
if wait_for 150 eval '[ "$(reply_count m1)" -ge 1 ]'; then
	pass "m1: a reply came"
else
	fail "m1: no reply: $(tail -5 "$DV_LOG")"
fi
T1=$(date +%s)
replies m1 >"$WORK/reply1"
for want in "message $REPLY from " "rcpt $REPLY s1@sender.example" \
	"| From: Vera Cance <v@d.test>" "| To: <s1@sender.example>" \
	"| Subject: Out of office" "| Auto-Submitted: auto-replied (vacation)" \
	"| Back on Monday." "| Urgent: \"help\" \\ \${x} é"; do
	if grep -qxF -- "$want" "$WORK/reply1"; then
		pass "reply: $want"
	else
		fail "reply lacks '$want': $(cat "$WORK/reply1")"
	fi
done
expect_replies m1 1 "m1: exactly one reply"
delivered v@d.test m1 && pass "m1: delivered to v@d.test too"

# 2. Inside the interval: none; after it: one.
send m2 s1@sender.example v@d.test
delivered v@d.test m2
expect_replies m2 0 "m2, same sender inside ${INTERVAL}s: no reply"
sleep $((INTERVAL + 1 - ($(date +%s) - T1))) 2>/dev/null
send m3 s1@sender.example v@d.test
wait_for 150 eval '[ "$(reply_count m3)" -ge 1 ]'
expect_replies m3 1 "m3, after the interval: a reply again"

# 3. Other addresses of the mailbox; a list of two is not one.
send m4 s4@sender.example x@d.test
send m5 s5@sender.example v@a.test
send m6 s6@sender.example info@d.test
send m7 s7@sender.example team@d.test
for id in m4 m5 m6; do
	wait_for 150 eval '[ "$(reply_count $id)" -ge 1 ]'
done
expect_replies m4 1 "m4 to the extra address x@d.test: replied"
expect_replies m5 1 "m5 to the alias-domain address v@a.test: replied"
expect_replies m6 1 "m6 to the alias info@d.test: replied"
delivered v@d.test m7
expect_replies m7 0 "m7 to the list team@d.test: no reply"

# 4. Lists, bulk, auto-submitted, null sender: delivered, no reply.
send m8 s8@sender.example v@d.test --header "Precedence: list"
send m9 s9@sender.example v@d.test --header "List-Id: <talk.lists.example>"
send m10 s10@sender.example v@d.test --header "Auto-Submitted: auto-generated"
send m11 '<>' v@d.test
for id in m8 m9 m10 m11; do
	delivered v@d.test "$id"
done
expect_replies m8 0 "m8 Precedence: list: no reply"
expect_replies m9 0 "m9 List-Id: no reply"
expect_replies m10 0 "m10 Auto-Submitted: auto-generated: no reply"
expect_replies m11 0 "m11 null sender: no reply"

# 5. Before and after the window: delivered, no reply.
send m12 s12@sender.example w@d.test
send m13 s13@sender.example p@d.test
delivered w@d.test m12 && expect_replies m12 0 "m12 before the window: delivered, no reply"
delivered p@d.test m13 && expect_replies m13 0 "m13 after the window: delivered, no reply"

# 6. A new text, no reload: the next reply has it.
autoreply v@d.test "body=Now back on Tuesday."
send m14 s14@sender.example v@d.test
wait_for 150 eval '[ "$(reply_count m14)" -ge 1 ]'
if replies m14 | grep -qxF "| Now back on Tuesday."; then
	pass "m14: the reply has the new text"
else
	fail "m14: $(replies m14 | tail -5)"
fi

# 7. Forwarding without a copy: replied, forwarded, nothing stored.
send m15 s15@sender.example f@d.test
wait_for 150 eval '[ "$(reply_count m15)" -ge 1 ]'
expect_replies m15 1 "m15 to f@d.test (forwards without a copy): replied"
if wait_for 150 eval 'grep -q "^rcpt $OTHER fwd@other.test$" "$SINK_LOG"'; then
	pass "m15: forwarded to fwd@other.test"
else
	fail "m15: not forwarded: $(grep -E 'f@d.test|fwd@' "$WORK/maillog" | tail -3)"
fi
sleep 2
if in_mailbox f@d.test m15; then
	fail "m15: a copy was stored in f@d.test"
else
	pass "m15: no copy stored in f@d.test"
fi

if grep -qE 'status=(bounced|deferred)' "$WORK/maillog"; then
	fail "Postfix bounced or deferred: $(grep -E 'status=(bounced|deferred)' "$WORK/maillog" | head -3)"
else
	pass "no bounce and no deferral in Postfix's log"
fi
dv_check_log
dv_stop_check
mm_stop_check
dv_finish
