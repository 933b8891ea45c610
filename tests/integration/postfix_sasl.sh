#!/usr/bin/env bash
# SMTP AUTH: the real Postfix smtpd (private instance, postfix.bash) with
# smtpd_sasl_type = dovecot on the private Dovecot's auth socket
# (dovecot.bash: the samples' "service auth" listener, private/auth in the
# queue directory, as conf/postfix-main.cf has it), whose passdb is
# mailmapd's dict service; mailmapd's socketmaps and policy service
# behind smtpd; swaks with AUTH PLAIN; delivery over LMTP to the test's
# sink. An authenticated submission is accepted and delivered; a wrong
# password, a disabled account and a login=no account cannot
# authenticate; a plan without SMTP out is refused at RCPT; a plan limited
# to our domains is refused elsewhere; a message over the plan's size is
# refused at END-OF-MESSAGE; the sender login map
# (reject_sender_login_mismatch with mailmapd's "senders" socketmap)
# refuses an address the login does not own and an unauthenticated client
# using one of ours.
source "$(dirname "$0")/dovecot.bash"

need_tools
dv_need_tools
sink_start 3
IMAP1=${SINK_PORTS[0]}   # server imap1 (transport map): our mailboxes
OTHER=${SINK_PORTS[1]}   # default_transport: external addresses
VIRTUAL=${SINK_PORTS[2]} # virtual_transport
SMTP=$(free_port)

cat >"$WORK/fixture.batch" <<EOF
server add imap1 host=127.0.0.1 roles=imap,smtp-in lmtp_port=$IMAP1
customer add acme
offer add acme/basic max_message_size=2k
offer add acme/nosmtp smtp_out=no
offer add acme/local other_domains=no
domain add example.com customer=acme server=imap1
mailbox add sender@example.com offer=acme/basic extra=also@example.com password=secret
mailbox add nosmtp@example.com offer=acme/nosmtp password=secret
mailbox add local@example.com offer=acme/local password=secret
mailbox add off@example.com offer=acme/basic enabled=no password=secret
mailbox add nologin@example.com offer=acme/basic login=no password=secret
mailbox add rcpt@example.com offer=acme/basic
EOF
if ! ctl batch "$WORK/fixture.batch" >"$WORK/out" 2>"$WORK/err"; then
	fail "fixture: $(cat "$WORK/err")"
	dv_finish
fi

# Greylisting off: only the plan and login checks are under test here.
DV_MM_EXTRA='policy: { greylisting = false; };'
dv_mm_start
dv_start
if [ -S "$SASL_SOCK" ] && [ "$(stat -c '%U %G %a' "$SASL_SOCK")" = "postfix postfix 660" ]; then
	pass "Dovecot's SASL socket private/auth: postfix postfix 0660"
else
	fail "SASL socket $SASL_SOCK: $(stat -c '%U %G %a' "$SASL_SOCK" 2>&1)"
	dv_finish
fi

pf_config "$SMTP" "$VIRTUAL" "$OTHER"
# The SASL lines of conf/postfix-main.cf, without smtpd_tls_auth_only
# (no TLS here: AUTH PLAIN over loopback), and the policy service.
if ! "${PF_EXEC[@]}" postconf -c "$PF" -e \
	"smtpd_sasl_type = dovecot" \
	"smtpd_sasl_path = private/auth" \
	"smtpd_sasl_auth_enable = yes" \
	"smtpd_sasl_security_options = noanonymous" \
	"smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination" \
	"smtpd_sender_restrictions = reject_sender_login_mismatch" \
	"smtpd_recipient_restrictions = check_policy_service unix:$POLICY_SOCK" \
	"smtpd_end_of_data_restrictions = check_policy_service unix:$POLICY_SOCK" \
	"smtpd_policy_service_timeout = 10s" 2>"$WORK/err"; then
	fail "postconf -e: $(cat "$WORK/err")"
	dv_finish
fi
pf_start

smtpd_up() {
	timeout 5 swaks --server 127.0.0.1 --port "$SMTP" --timeout 4 \
		--quit-after EHLO >"$WORK/ehlo.out" 2>&1
}
if ! wait_for 50 smtpd_up; then
	fail "smtpd on 127.0.0.1:$SMTP does not answer: $(tail -20 "$WORK/maillog")"
	dv_finish
fi
if grep -qE '^<- +250[- ]AUTH PLAIN' "$WORK/ehlo.out"; then
	pass "smtpd offers AUTH PLAIN (Dovecot's mechanisms)"
else
	fail "EHLO: $(grep -E '^<-' "$WORK/ehlo.out" | tr '\n' ' ')"
fi

# ---- helpers ---------------------------------------------------------------

# smtp ID FROM TO [swaks options]: one session, header X-Test: ID,
# transcript in swaks.ID.out; swaks's exit status.
smtp() {
	local id=$1 from=$2 to=$3
	shift 3
	timeout 60 swaks --server 127.0.0.1 --port "$SMTP" --timeout 30 \
		--from "$from" --to "$to" --header "X-Test: $id" "$@" \
		>"$WORK/swaks.$id.out" 2>&1
}

# smtp_as USER ID FROM TO [swaks options]: smtp with AUTH PLAIN as USER,
# password "secret".
smtp_as() {
	local user=$1
	shift
	smtp "$1" "$2" "$3" --auth PLAIN --auth-user "$user" --auth-password secret "${@:4}"
}

# The server's reply to a command in transcript ID: reply_of ID 'RCPT TO:'.
reply_of() {
	awk -v cmd="$2" 'index($0, "-> " cmd) { getline; sub(/^<[*-]* +/, ""); print; exit }' \
		"$WORK/swaks.$1.out"
}
# The reply to AUTH (after the credentials), and to the end of the data.
auth_reply_of() {
	awk '/-> AUTH PLAIN/ { getline; sub(/^<[*-]* +/, ""); print; exit }' "$WORK/swaks.$1.out"
}
eom_reply_of() {
	awk '/^ *-> \.$/ { getline; sub(/^<[*-]* +/, ""); print; exit }' "$WORK/swaks.$1.out"
}

# expect ID WHAT GOT WANT-PREFIX
expect_reply() {
	if [[ $3 == "$4"* ]]; then
		pass "$1: $2: $3"
	else
		fail "$1: $2: '$3', want '$4...': $(grep -E '^ *<\*\*|^\*\*\*' "$WORK/swaks.$1.out" | head -3)"
	fi
}

# The recipients the sink got for message ID, "PORT address" lines.
delivered() {
	awk -v id="$1" '
		/^message / { n = 0; mine = 0 }
		/^rcpt / { r[++n] = $2 " " $3 }
		$0 == "| X-Test: " id { mine = 1 }
		/^end$/ && mine { for (i = 1; i <= n; i++) print r[i] }
	' "$SINK_LOG" 2>/dev/null | sort
}

# expect_delivered ID "PORT address": waits (at most 30 s) for it.
expect_delivered() {
	local got i
	for i in $(seq 300); do
		got=$(delivered "$1")
		[ "$got" = "$2" ] && break
		sleep 0.1
	done
	if [ "$got" = "$2" ]; then
		pass "$1: delivered to $got"
	else
		fail "$1: delivered to '$got', want '$2'"
	fi
}

# mm_logged WHAT TEXT: mailmapd logged a line containing TEXT.
mm_logged() {
	if grep -qF -- "$2" "$MM_LOG"; then
		pass "mailmapd logged $1"
	else
		fail "mailmapd did not log $1: $2"
	fi
}

# ---- sessions ----------------------------------------------------------------

echo "-- authentication"
smtp_as sender@example.com good sender@example.com rcpt@example.com
expect_reply good "AUTH as sender@example.com" "$(auth_reply_of good)" "235 2.7.0"
expect_reply good "authenticated submission, RCPT" "$(reply_of good 'RCPT TO:')" "250 2.1.5"
expect_reply good "authenticated submission, end of data" "$(eom_reply_of good)" "250 2.0.0 Ok: queued"
expect_delivered good "$IMAP1 rcpt@example.com"
smtp_as sender@example.com external sender@example.com friend@example.net
expect_reply external "authenticated client relays to another domain" "$(eom_reply_of external)" "250 2.0.0 Ok: queued"
expect_delivered external "$OTHER friend@example.net"
smtp_as sender@example.com extra also@example.com rcpt@example.com
expect_reply extra "sender: an extra address of the login" "$(eom_reply_of extra)" "250 2.0.0 Ok: queued"

# Each failed login from its own client address: Dovecot delays the
# answers to an address that keeps failing (auth penalty), and Postfix
# gives up waiting after 10 s ("Connection lost to authentication server").
smtp wrongpw sender@example.com rcpt@example.com --auth PLAIN \
	--auth-user sender@example.com --auth-password wrong --local-interface 127.0.0.11
expect_reply wrongpw "wrong password" "$(auth_reply_of wrongpw)" "535 5.7.8"
# Postfix's Dovecot SASL client ignores the passdb's nologin field: for
# service smtp, mailmapd must make the login fail.
smtp_as off@example.com disabled off@example.com rcpt@example.com --local-interface 127.0.0.12
expect_reply disabled "disabled account cannot authenticate" "$(auth_reply_of disabled)" "535 5.7.8"
smtp_as nologin@example.com nologin nologin@example.com rcpt@example.com --local-interface 127.0.0.13
expect_reply nologin "login=no cannot authenticate" "$(auth_reply_of nologin)" "535 5.7.8"
smtp unknown sender@example.com rcpt@example.com --auth PLAIN \
	--auth-user nobody@example.com --auth-password secret --local-interface 127.0.0.14
expect_reply unknown "unknown login" "$(auth_reply_of unknown)" "535 5.7.8"

echo "-- plan limits (policy service)"
smtp_as nosmtp@example.com nosmtp nosmtp@example.com rcpt@example.com
expect_reply nosmtp "AUTH as nosmtp@example.com" "$(auth_reply_of nosmtp)" "235 2.7.0"
expect_reply nosmtp "plan without SMTP out refused at RCPT" "$(reply_of nosmtp 'RCPT TO:')" "554 5.7.1"
mm_logged "the SMTP-out refusal" "sasl=nosmtp@example.com: REJECT"
smtp_as local@example.com localok local@example.com rcpt@example.com
expect_reply localok "plan limited to our domains, to our domain" "$(eom_reply_of localok)" "250 2.0.0 Ok: queued"
expect_delivered localok "$IMAP1 rcpt@example.com"
smtp_as local@example.com localext local@example.com friend@example.net
expect_reply localext "plan limited to our domains, elsewhere refused at RCPT" "$(reply_of localext 'RCPT TO:')" "554 5.7.1"
mm_logged "the other-domains refusal" "to=<friend@example.net> sasl=local@example.com: REJECT"

# 4 KiB of body, over the plan's 2k: swaks does not announce SIZE=, so
# RCPT passes and the policy service refuses at END-OF-MESSAGE.
body=$(head -c 3000 /dev/zero | tr '\0' 'x' | fold -w 76)
smtp_as sender@example.com big sender@example.com rcpt@example.com --body "$body$body"
expect_reply big "over the plan's size, RCPT passes" "$(reply_of big 'RCPT TO:')" "250 2.1.5"
expect_reply big "over the plan's size, refused at END-OF-MESSAGE" "$(eom_reply_of big)" "5"
if [[ $(eom_reply_of big) == *5.3.4* ]]; then
	pass "big: the size refusal says 5.3.4"
else
	fail "big: END-OF-MESSAGE reply '$(eom_reply_of big)' without 5.3.4"
fi
mm_logged "the size refusal" "policy END-OF-MESSAGE client=127.0.0.1 from=<sender@example.com> to=<rcpt@example.com> sasl=sender@example.com: REJECT"

echo "-- sender login map"
smtp_as sender@example.com mismatch local@example.com rcpt@example.com
expect_reply mismatch "address of another mailbox refused" "$(reply_of mismatch 'RCPT TO:')" \
	"553 5.7.1 <local@example.com>: Sender address rejected: not owned by user sender@example.com"
smtp anon sender@example.com rcpt@example.com
expect_reply anon "unauthenticated client using our address refused" "$(reply_of anon 'RCPT TO:')" \
	"553 5.7.1 <sender@example.com>: Sender address rejected: not logged in"

# ---- the end ---------------------------------------------------------------

echo "-- logs and stop"
if grep -qE "sasl_method=PLAIN, sasl_username=sender@example.com" "$WORK/maillog"; then
	pass "Postfix logged the SASL login of sender@example.com"
else
	fail "no sasl_username=sender@example.com in Postfix's log"
fi
if grep -qE 'smtp-login|auth: Error|auth-worker.*Error' "$DV_LOG"; then
	fail "Dovecot auth errors: $(grep -m3 -E 'auth: Error|auth-worker.*Error' "$DV_LOG")"
else
	pass "no auth errors in Dovecot's log"
fi
grep -E 'warning|fatal|panic' "$WORK/maillog" |
	grep -vE 'SASL (LOGIN|PLAIN) authentication failed' >"$WORK/warnings"
if [ ! -s "$WORK/warnings" ]; then
	pass "no Postfix warnings besides the failed authentications"
else
	fail "Postfix warnings: $(head -5 "$WORK/warnings")"
fi
dv_check_log
if grep -qE '^mailmapd: (error|warning):' "$MM_LOG"; then
	fail "mailmapd warnings: $(grep -m5 -E '^mailmapd: (error|warning):' "$MM_LOG")"
else
	pass "no mailmapd warnings"
fi
pf_stop
dv_stop_check
mm_stop_check
dv_finish
