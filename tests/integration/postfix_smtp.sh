#!/usr/bin/env bash
# The real Postfix smtpd, cleanup, trivial-rewrite, qmgr and lmtp wired to
# mailmapd's socketmaps (private instance on 127.0.0.1, see postfix.bash),
# driven by swaks, delivering over LMTP to the test's sink:
# recipients accepted or refused at RCPT (550 unknown, 554 not ours, 451
# when mailmapd cannot answer), and the envelope recipients each message
# reaches (extensions, extra addresses, alias domains, catch-all, lists,
# forwards with and without a copy, per-mailbox transport). The sender
# login map is checked with postmap (postfix_postmap.sh) until Postfix
# has SASL here (Dovecot).
source "$(dirname "$0")/postfix.bash"

need_tools
sink_start 4
IMAP1=${SINK_PORTS[0]}   # server imap1 (transport map)
IMAP2=${SINK_PORTS[1]}   # server imap2 (transport map)
OTHER=${SINK_PORTS[2]}   # default_transport: external addresses
VIRTUAL=${SINK_PORTS[3]} # virtual_transport: mailboxes without a server
SMTP=$(free_port)

fixture_load "$IMAP1" "$IMAP2"
mm_start
pf_config "$SMTP" "$VIRTUAL" "$OTHER"
pf_start

SENDER=someone@sender.example

# The reply to RCPT TO of one swaks session: "250", "550 5.1.1 ...".
rcpt_reply() {
	timeout 60 swaks --server 127.0.0.1 --port "$SMTP" --timeout 30 \
		--from "$SENDER" --to "$1" --quit-after RCPT 2>&1 |
		awk '/-> RCPT TO:/ { getline; sub(/^<[*-]* +/, ""); print; exit }'
}

# smtpd is up: at most 50 tries of at most 5 s each.
smtpd_up() {
	timeout 5 swaks --server 127.0.0.1 --port "$SMTP" --timeout 4 \
		--quit-after EHLO >/dev/null 2>&1
}
if ! wait_for 50 smtpd_up; then
	fail "smtpd on 127.0.0.1:$SMTP does not answer: $(tail -20 "$WORK/maillog")"
	pf_finish
fi

# rcpt ADDRESS CODE [TEXT]: RCPT TO:<ADDRESS> gets CODE (and TEXT).
rcpt() {
	local reply
	reply=$(rcpt_reply "$1")
	if [[ $reply == "$2"* && $reply == *"${3:-}"* ]]; then
		pass "RCPT $1 -> $reply"
	else
		fail "RCPT $1 -> '$reply', want $2 ${3:-}"
	fi
}

pf_log_mark
rcpt jane.doe@example.com 250
rcpt Jane.Doe@Example.COM 250
rcpt jane.doe+tag@example.com 250
rcpt jane@example.com 250
rcpt jane.doe@example.org 250
rcpt j.doe+x@example.org 250
rcpt team@example.com 250
rcpt team+news@example.org 250
rcpt custom@example.com 250
rcpt dan@noserver.example 250
rcpt eva@xn--bcher-kva.example 250 # IDNA (swaks cannot declare SMTPUTF8)
rcpt nobody@example.com 250        # catch-all
rcpt nobody+tag@example.org 250    # catch-all through the alias domain
rcpt nobody@nocatch.example 550 "User unknown in virtual mailbox table"
rcpt nobody@catchoff.example 550 "User unknown in virtual mailbox table"
rcpt nobody@catchoff-alias.example 550 "User unknown in virtual alias table"
rcpt ann@catchoff-alias.example 250
rcpt off@example.com 550 "User unknown"      # disabled mailbox
rcpt off+tag@example.com 550 "User unknown"
rcpt off-extra@example.com 550 "User unknown" # extra of a disabled one
rcpt paused@example.com 550 "User unknown"   # disabled alias
rcpt carl@closed.example 554 "Relay access denied" # inactive domain
rcpt jane.doe@closed-alias.example 554 "Relay access denied"
rcpt someone@unknown.example 554 "Relay access denied"
rcpt partner@example.net 554 "Relay access denied"

# A mailmapctl change is seen by the running Postfix and mailmapd.
rcpt newbie@nocatch.example 550 "User unknown"
ctl mailbox add newbie@nocatch.example offer=acme/basic >/dev/null
rcpt newbie@nocatch.example 250
ctl mailbox set newbie@nocatch.example enabled=no >/dev/null
rcpt newbie@nocatch.example 550 "User unknown"

# ---- deliveries ----------------------------------------------------------

# The recipients the sink got for the message with header X-Test: ID, as
# sorted "PORT address" lines.
delivered() {
	awk -v id="$1" '
		/^message / { n = 0; mine = 0 }
		/^rcpt / { r[++n] = $2 " " $3 }
		$0 == "| X-Test: " id { mine = 1 }
		/^end$/ && mine { for (i = 1; i <= n; i++) print r[i] }
	' "$SINK_LOG" 2>/dev/null | sort
}

# swaks_send ID RCPT,...: one message with header X-Test: ID; 0 if accepted.
swaks_send() {
	timeout 60 swaks --server 127.0.0.1 --port "$SMTP" --timeout 30 \
		--from "$SENDER" --to "$2" --header "X-Test: $1" \
		>"$WORK/swaks.$1.out" 2>&1
}

# expect_delivered ID WHAT "PORT addr;PORT addr;...": waits (at most 30 s)
# until the sink holds exactly those recipients for message ID.
expect_delivered() {
	local id=$1 what=$2 want i got
	want=$(tr ';' '\n' <<<"$3" | sort)
	for i in $(seq 300); do
		got=$(delivered "$id")
		[ "$got" = "$want" ] && break
		sleep 0.1
	done
	if [ "$got" = "$want" ]; then
		pass "$id: $what -> $(tr '\n' ' ' <<<"$got")"
	else
		fail "$id: $what -> '$(tr '\n' ' ' <<<"$got")', want '$(tr '\n' ' ' <<<"$want")'"
	fi
}

# send ID RCPT,... "PORT addr;...": sends and checks the delivery.
send() {
	if swaks_send "$1" "$2"; then
		expect_delivered "$1" "$2" "$3"
	else
		fail "$1: swaks to $2: $(grep '<\*\*' "$WORK/swaks.$1.out")"
	fi
}

send mailbox jane.doe@example.com \
	"$IMAP1 jane.doe@example.com;$OTHER jane.doe@gmail.com"
send mixed-case Jane.Doe@Example.COM \
	"$IMAP1 jane.doe@example.com;$OTHER jane.doe@gmail.com"
# the extension stays on the mailbox (Dovecot sees +tag), not on forwards
send extension jane.doe+tag@example.com \
	"$IMAP1 jane.doe+tag@example.com;$OTHER jane.doe@gmail.com"
send extension-extra-alias-domain jane+news@example.org \
	"$IMAP1 jane.doe+news@example.com;$OTHER jane.doe@gmail.com"
send extra-via-alias-domain j.doe@example.org \
	"$IMAP1 jane.doe@example.com;$OTHER jane.doe@gmail.com"
send forward-no-copy fwd@example.com "$OTHER away@example.net"
send catchall-target postmaster@example.com "$IMAP1 postmaster@example.com"
send catchall nobody@example.org "$IMAP1 postmaster@example.com"
send other-server custom@example.com "$IMAP2 custom@example.com"
send no-server dan@noserver.example "$VIRTUAL dan@noserver.example"
send idna eva@xn--bcher-kva.example "$IMAP1 eva@xn--bcher-kva.example"
send list team@example.com \
	"$IMAP1 jane.doe@example.com;$IMAP1 postmaster@example.com;$OTHER partner@example.net;$OTHER jane.doe@gmail.com"
send nested-list all@example.com \
	"$IMAP1 jane.doe@example.com;$IMAP1 postmaster@example.com;$OTHER partner@example.net;$OTHER jane.doe@gmail.com;$OTHER away@example.net;$IMAP1 bob@nocatch.example"
send several-rcpts jane@example.com,nobody@example.com,ann@catchoff-alias.example \
	"$IMAP1 jane.doe@example.com;$OTHER jane.doe@gmail.com;$IMAP1 postmaster@example.com;$IMAP1 ann@catchoff.example"

# Ten sessions at once (ten smtpd and several cleanup processes, each
# with its own mailmapd connection).
pids=()
for n in $(seq 10); do
	swaks_send "parallel-$n" "team+$n@example.org,nobody+$n@example.com" &
	pids+=($!)
done
accepted=0
for pid in "${pids[@]}"; do
	wait "$pid" && accepted=$((accepted + 1))
done
if [ "$accepted" -eq 10 ]; then
	pass "10 parallel sessions accepted"
else
	fail "$accepted of 10 parallel sessions accepted"
fi
for n in $(seq 10); do
	# postmaster@ twice: once per original recipient (Postfix keeps both)
	expect_delivered "parallel-$n" "team+$n@example.org,nobody+$n@example.com" \
		"$IMAP1 jane.doe@example.com;$IMAP1 postmaster@example.com;$IMAP1 postmaster@example.com;$OTHER partner@example.net;$OTHER jane.doe@gmail.com"
done

# Nothing deferred or bounced, and Postfix had nothing to say about the
# maps (no warnings) while mailmapd was up.
if postqueue -c "$PF" -p 2>&1 | grep -q 'Mail queue is empty'; then
	pass "queue empty: every message delivered"
else
	fail "queue not empty: $(postqueue -c "$PF" -p 2>&1 | head -20)"
fi
pf_log_since | grep -E 'warning|error|fatal|panic' >"$WORK/warnings"
if [ ! -s "$WORK/warnings" ]; then
	pass "no Postfix warnings"
else
	fail "Postfix warnings: $(head -10 "$WORK/warnings")"
fi

# A record mailmapd cannot read: TEMP, so 451 and never a bounce; Postfix
# logs mailmapd's reason.
pf_log_mark
fixture_corrupt broken@example.com
rcpt broken@example.com 451 "Temporary lookup failure"
if wait_for 50 eval 'pf_log_since | grep -q "temporary error: corrupt record"'; then
	pass "Postfix logged: socketmap server temporary error: corrupt record"
else
	fail "no TEMP reason in the log: $(pf_log_since | tail -5)"
fi

# mailmapd down: 451 (temporary), not 550; back up: 250 again, with the
# Postfix processes reconnecting by themselves. smtpd caches address
# resolutions, failed ones too, per (sender, recipient) for the life of
# the process: the check after the restart uses another sender.
mm_stop_check
rcpt jane.doe@example.com 451 "Temporary lookup failure"
mm_start
SENDER=other@sender.example
rcpt jane.doe@example.com 250
mm_stop_check

pf_finish
