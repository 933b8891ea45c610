#!/usr/bin/env bash
# The delivery rule end to end (docs/delivery.md): the real Postfix smtpd,
# cleanup, trivial-rewrite, qmgr and lmtp on mailmapd's socketmaps
# (private instance, postfix.bash), delivering our mailboxes over LMTP
# into the private Dovecot (dovecot.bash, the samples' LMTP socket and
# mailmapd's userdb) and addresses elsewhere to the test's LMTP sink.
# A list with a disabled member, an address in a suspended domain and an
# external member, a list nesting it, and a mailbox forwarding (without a
# copy) to a disabled mailbox: each message reaches every recipient that
# takes mail, Postfix's log has no bounce, and its queue ends empty. A
# list whose only member is disabled is refused at RCPT instead.
source "$(dirname "$0")/dovecot.bash"

need_tools
dv_need_tools
[ -x /usr/lib/dovecot/lmtp ] || {
	fail "no Dovecot LMTP server: dovecot-lmtpd (scripts/setup --test)"
	dv_finish
}
sink_start 1
OTHER=${SINK_PORTS[0]} # default_transport: addresses elsewhere
SMTP=$(free_port)
LMTP="lmtp:unix:private/dovecot-lmtp" # the sample's socket, in the queue

cat >"$WORK/fixture.batch" <<END
customer add acme
offer add acme/basic
domain add d.test customer=acme storage=$DV_MAIL
domain add e.test customer=acme storage=$DV_MAIL
mailbox add a@d.test offer=acme/basic
mailbox add b@d.test offer=acme/basic enabled=no
mailbox add c@d.test offer=acme/basic
mailbox add x@e.test offer=acme/basic
mailbox add f@d.test offer=acme/basic forward=b@d.test forward_keep_copy=no
alias add list@d.test targets=a@d.test,b@d.test,x@e.test,ext@other.test
alias add nested@d.test targets=list@d.test,c@d.test
alias add only@d.test targets=b@d.test
domain set e.test active=no
END
if ! ctl batch "$WORK/fixture.batch" >"$WORK/out" 2>"$WORK/err"; then
	fail "fixture: $(cat "$WORK/err")"
	dv_finish
fi

DV_LMTP=yes
dv_mm_start
dv_start
if [ -S "$PF_QUEUE/private/dovecot-lmtp" ]; then
	pass "Dovecot's LMTP socket private/dovecot-lmtp is there"
else
	fail "no LMTP socket $PF_QUEUE/private/dovecot-lmtp: $(tail -5 "$DV_LOG")"
	dv_finish
fi
pf_config "$SMTP" 9 "$OTHER"
postconf -c "$PF" -e "virtual_transport = $LMTP" "in_flow_delay = 0"
pf_start

if ! pf_wait_smtpd "$SMTP"; then
	fail "smtpd on 127.0.0.1:$SMTP does not answer: $(tail -20 "$WORK/maillog")"
	dv_finish
fi

# send ID RCPT: one message with header X-Test: ID; 0 if accepted.
send() {
	timeout 60 swaks --server 127.0.0.1 --port "$SMTP" --timeout 30 \
		--from someone@sender.example --to "$2" --header "X-Test: $1" \
		>"$WORK/swaks.$1.out" 2>&1
}

# in_mailbox USER ID: Dovecot holds the message X-Test: ID for USER.
in_mailbox() {
	[ -n "$(timeout 30 "${DV_EXEC[@]}" doveadm -c "$DV_CONF" search -u "$1" \
		header X-Test "$2" 2>/dev/null)" ]
}

# at_sink ADDRESS ID: the sink got the message X-Test: ID for ADDRESS.
at_sink() {
	awk -v id="$2" -v who="$1" '
		/^message / { hit = 0; mine = 0 }
		/^rcpt / && $3 == who { hit = 1 }
		$0 == "| X-Test: " id { mine = 1 }
		/^end$/ && hit && mine { found = 1 }
		END { exit !found }
	' "$SINK_LOG" 2>/dev/null
}

queue_empty() {
	postqueue -c "$PF" -p 2>/dev/null | grep -q "Mail queue is empty"
}

if send list list@d.test && send nested nested@d.test &&
	send forward f@d.test; then
	pass "smtpd accepted list@d.test, nested@d.test and f@d.test"
else
	fail "swaks: $(grep -h '<\*\*' "$WORK"/swaks.*.out)"
fi
if wait_for 300 queue_empty; then
	pass "the queue is empty"
else
	fail "the queue is not empty: $(postqueue -c "$PF" -p | head -20)"
fi

# expect WHAT -- check...: the check holds (within 10 s).
expect() {
	local what=$1
	shift 2
	if wait_for 100 "$@"; then pass "$what"; else fail "$what"; fi
}
expect "list: a@d.test has it in Dovecot" -- in_mailbox a@d.test list
expect "list: ext@other.test got it (relayed)" -- at_sink ext@other.test list
expect "nested: a@d.test and c@d.test have it" -- \
	eval 'in_mailbox a@d.test nested && in_mailbox c@d.test nested'
expect "nested: ext@other.test got it" -- at_sink ext@other.test nested
expect "forward to a disabled mailbox: f@d.test keeps the message" -- \
	in_mailbox f@d.test forward
for who in x@e.test b@d.test; do
	if at_sink "$who" list || at_sink "$who" nested; then
		fail "$who (suspended or disabled) was relayed the message"
	else
		pass "$who (suspended or disabled) was not relayed anything"
	fi
done
for id in list nested forward; do
	if in_mailbox b@d.test "$id"; then
		fail "$id: the disabled mailbox b@d.test got the message"
	else
		pass "$id: the disabled mailbox b@d.test got nothing"
	fi
done

if grep -qE 'status=(bounced|deferred)|sender non-delivery' "$WORK/maillog"; then
	fail "Postfix bounced or deferred: $(grep -E 'status=(bounced|deferred)|non-delivery' "$WORK/maillog" | head -5)"
else
	pass "no bounce and no deferral in Postfix's log"
fi
left=$(find "$PF_QUEUE/deferred" "$PF_QUEUE/active" "$PF_QUEUE/incoming" \
	-type f 2>/dev/null | wc -l)
if [ "$left" -eq 0 ]; then
	pass "deferred, active and incoming queues are empty"
else
	fail "$left messages left in the queue directories"
fi

# Nothing left behind a list: refused at RCPT, never accepted.
reply=$(timeout 60 swaks --server 127.0.0.1 --port "$SMTP" --timeout 30 \
	--from someone@sender.example --to only@d.test --quit-after RCPT 2>&1 |
	awk '/-> RCPT TO:/ { getline; sub(/^<[*-]* +/, ""); print; exit }')
if [[ $reply == 550* ]]; then
	pass "only@d.test (its one member disabled) -> $reply"
else
	fail "only@d.test -> '$reply', want 550"
fi

dv_check_log
dv_stop_check
mm_stop_check
dv_finish
