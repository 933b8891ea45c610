#!/usr/bin/env bash
# The real Dovecot 2.3 (private instance, see dovecot.bash) with passdb,
# userdb, quota and last login from mailmapd's dict service, configured by
# the samples conf/dovecot.conf and conf/dovecot-dict-auth.conf.ext:
# doveadm auth test (right and wrong password, unknown, disabled, login
# disallowed, IMAP forbidden but POP allowed, TLS forced and forbidden,
# with and without %{secured}); doveadm user (home, mail, uid, gid, the
# quota rule of the offer, of an override, unlimited) and the iteration;
# real IMAP and POP3 logins (refusals with their reason, STARTTLS, a
# connection Dovecot does not count as secured); APPEND through the imap
# process with the quota plugin keeping the usage in mailmapd, refused
# over the limit; doveadm quota get and mailmapctl mailbox show agreeing;
# the last login recorded by IMAP and POP3 logins only.
source "$(dirname "$0")/dovecot.bash"

need_tools
dv_need_tools

# ---- the store ---------------------------------------------------------------

dv_fixture

dv_mm_start
dv_start

# ---- helpers -----------------------------------------------------------------

# auth USER PASSWORD [-x ...]: doveadm auth test; AUTH_OUT, AUTH_STATUS.
# no-penalty: without it Dovecot delays each answer after a run of
# failures (auth penalty: 2, 6, 10, 15 s...).
auth() {
	local user=$1 password=$2
	shift 2
	AUTH_OUT=$(timeout 60 "${DV_EXEC[@]}" doveadm -c "$DV_CONF" auth test -x no-penalty "$@" \
		"$user" "$password" 2>&1)
	AUTH_STATUS=$?
}

# auth_ok WHAT USER [-x ...]: the right password logs in (exit 0, no
# nologin field).
auth_ok() {
	local what=$1 user=$2
	shift 2
	auth "$user" secret "$@"
	if [ "$AUTH_STATUS" -eq 0 ] && grep -q "auth succeeded" <<<"$AUTH_OUT" &&
		! grep -q "^ *nologin" <<<"$AUTH_OUT"; then
		pass "$what"
	else
		fail "$what: exit $AUTH_STATUS: $(tr '\n' ' ' <<<"$AUTH_OUT")"
	fi
}

# auth_refused WHAT USER [-x ...]: the right password is refused with a
# reason: the passdb answers nologin + reason (doveadm auth test still
# says "auth succeeded" and exits 0: it only checks the password).
# AUTH_REASON: the reason.
auth_refused() {
	local what=$1 user=$2
	shift 2
	auth "$user" secret "$@"
	AUTH_REASON=$(sed -n 's/^ *reason=//p' <<<"$AUTH_OUT")
	if [ "$AUTH_STATUS" -eq 0 ] && grep -qE "^ *nologin(=y)?$" <<<"$AUTH_OUT" &&
		[ -n "$AUTH_REASON" ]; then
		pass "$what (reason: $AUTH_REASON)"
	else
		fail "$what: exit $AUTH_STATUS: $(tr '\n' ' ' <<<"$AUTH_OUT")"
	fi
}

# auth_failed WHAT USER PASSWORD [-x ...]: exit 77, "auth failed", and no
# reason given away.
auth_failed() {
	local what=$1 user=$2 password=$3
	shift 3
	auth "$user" "$password" "$@"
	if [ "$AUTH_STATUS" -eq 77 ] && grep -q "auth failed" <<<"$AUTH_OUT" &&
		! grep -q "reason=" <<<"$AUTH_OUT"; then
		pass "$what"
	else
		fail "$what: exit $AUTH_STATUS, want 77: $(tr '\n' ' ' <<<"$AUTH_OUT")"
	fi
}

# reason_of USER [-x ...]: the reason the passdb gives for refusing USER.
reason_of() {
	local user=$1
	shift
	auth "$user" secret "$@"
	sed -n 's/^ *reason=//p' <<<"$AUTH_OUT"
}

# user_field USER FIELD: one field of doveadm user.
user_field() { timeout 60 "${DV_EXEC[@]}" doveadm -c "$DV_CONF" user -f "$2" "$1" 2>&1; }

# check_field USER FIELD WANT
check_field() {
	local got
	got=$(user_field "$1" "$2")
	if [ "$got" = "$3" ]; then
		pass "doveadm user $1: $2 $got"
	else
		fail "doveadm user $1: $2 '$got', want '$3'"
	fi
}

# mailbox_state ADDRESS: "<storage bytes> <messages> <last login>" from
# mailmapctl --json mailbox show (the state part B's show adds).
mailbox_state() {
	ctl --json mailbox show "$1" 2>"$WORK/err" | python3 -c '
import json, sys
m = json.load(sys.stdin)
def get(*names):
    for n in names:
        if n in m:
            return m[n]
        for v in m.values():
            if isinstance(v, dict) and n in v:
                return v[n]
    return None
def show(v):
    return "none" if v is None else str(v).lower()
print(show(get("quota_used", "usage_storage", "storage")),
      show(get("quota_messages", "usage_messages", "messages")),
      show(get("last_login")))'
}

# quota_get USER: "STORAGE <KiB> <limit> MESSAGE <n> <limit>" from doveadm.
quota_get() {
	timeout 60 "${DV_EXEC[@]}" doveadm -c "$DV_CONF" -f tab quota get -u "$1" 2>&1 |
		awk -F'\t' '$2 == "STORAGE" || $2 == "MESSAGE" { printf "%s%s %s %s", sep, $2, $3, $4; sep = " " } END { print "" }'
}

# counted USER BYTES: what the quota counts of the BYTES appended to USER:
# the bytes themselves (2.3's dict quota), or the messages' virtual size
# (2.4's count driver: lines end in CRLF).
counted() {
	if [ "$DV_VERSION" = 2.4 ]; then
		timeout 60 "${DV_EXEC[@]}" doveadm -c "$DV_CONF" -f flow \
			mailbox status -u "$1" vsize INBOX 2>&1 | sed -n 's/.*vsize=//p'
	else
		echo "$2"
	fi
}

# ---- passdb: doveadm auth test ---------------------------------------------------

echo "-- passdb"
auth_ok "right password (service doveadm)" user@example.com
auth_ok "right password, IMAP" user@example.com -x service=imap
auth_ok "right password, POP3" user@example.com -x service=pop3
auth_ok "any case in the login (auth_username_format = %Lu)" USER@Example.COM -x service=imap
auth_failed "wrong password: auth failed, exit 77" user@example.com wrong -x service=imap
auth_failed "unknown user: auth failed, exit 77" nobody@example.com secret -x service=imap
auth_failed "unknown domain: auth failed, exit 77" user@nowhere.example secret -x service=imap
auth_refused "disabled mailbox refused" off@example.com -x service=imap
auth_failed "disabled mailbox, wrong password: no reason given" off@example.com wrong -x service=imap
auth_refused "login=no refused" nologin@example.com -x service=imap
auth_refused "login=no refused for POP3 too" nologin@example.com -x service=pop3
# Postfix's SASL client (service smtp) ignores nologin: the login must fail.
auth_ok "SMTP AUTH (service smtp)" user@example.com -x service=smtp
auth_failed "disabled mailbox, service smtp: auth failed" off@example.com secret -x service=smtp
auth_failed "login=no, service smtp: auth failed" nologin@example.com secret -x service=smtp
auth_refused "IMAP forbidden by the offer: IMAP refused" popper@example.com -x service=imap
auth_ok "IMAP forbidden by the offer: POP3 allowed" popper@example.com -x service=pop3
auth_refused "POP forbidden by the offer: POP3 refused" imapper@example.com -x service=pop3
auth_ok "POP forbidden by the offer: IMAP allowed" imapper@example.com -x service=imap
auth_refused "TLS forced, connection not secured: refused" tls@example.com -x service=imap
auth_ok "TLS forced, -x secured (%{secured} = secured)" tls@example.com -x service=imap -x secured
auth_ok "TLS forced, -x secured=tls (%{secured} = TLS)" tls@example.com -x service=imap -x secured=tls
auth_refused "TLS forced, POP3 not secured: refused" tls@example.com -x service=pop3
auth_refused "TLS forbidden, TLS connection: refused" plain@example.com -x service=imap -x secured=tls
auth_ok "TLS forbidden, plaintext connection: allowed" plain@example.com -x service=imap

# ---- userdb: doveadm user ----------------------------------------------------------

echo "-- userdb"
check_field user@example.com uid "$VMAIL_UID"
check_field user@example.com gid "$VMAIL_GID"
check_field user@example.com home "$DV_MAIL/example.com/user"
if [ "$DV_VERSION" = 2.4 ]; then # the Lua userdb, in 2.4's names
	check_field user@example.com mail_driver maildir
	check_field user@example.com mail_path "$DV_MAIL/example.com/user/Maildir"
	check_field user@example.com quota_storage_size 5000
	check_field big@example.com quota_storage_size 20480
	check_field free@example.com quota_storage_size unlimited
else
	check_field user@example.com mail "maildir:$DV_MAIL/example.com/user/Maildir"
	check_field user@example.com quota_rule "*:storage=5000B"
	check_field big@example.com quota_rule "*:storage=20480B"
	check_field free@example.com quota_rule "*:storage=0"
fi
check_field Mixed.Case@example.net home "$DV_MAIL/example.net/mixed.case"
out=$(timeout 60 "${DV_EXEC[@]}" doveadm -c "$DV_CONF" user nobody@example.com 2>&1)
status=$?
if [ "$status" -eq 67 ] && grep -q "doesn't exist" <<<"$out"; then
	pass "doveadm user of an unknown user: exit 67"
else
	fail "doveadm user nobody@example.com: exit $status, want 67: $out"
fi

got=$(timeout 60 "${DV_EXEC[@]}" doveadm -c "$DV_CONF" user '*' 2>&1 | sort)
if [ "$got" = "$DV_USERS" ]; then
	pass "doveadm user '*': the $(wc -l <<<"$got") mailboxes"
else
	fail "doveadm user '*': $(tr '\n' ' ' <<<"$got")"
fi
got=$(timeout 60 "${DV_EXEC[@]}" doveadm -c "$DV_CONF" user '*@example.net' 2>&1 | sort)
if [ "$got" = "$(printf 'mixed.case@example.net\nother@example.net')" ]; then
	pass "doveadm user '*@example.net': its 2 mailboxes"
else
	fail "doveadm user '*@example.net': $(tr '\n' ' ' <<<"$got")"
fi

# ---- IMAP and POP3 logins ----------------------------------------------------------

echo "-- IMAP and POP3"
# The last login is recorded by IMAP and POP3 logins only (last_login is
# in protocol imap and pop3 of the sample): doveadm has run on
# user@example.com above, and nothing may be recorded yet.
state=$(mailbox_state user@example.com)
if [ "${state##* }" = none ] || [ "${state##* }" = never ]; then
	pass "no last login after doveadm commands alone"
else
	fail "last login after doveadm commands alone: $state"
fi

before=$(date +%s)
check_out "IMAP LOGIN (plaintext from 127.0.0.1, secured)" "LOGIN OK" -- \
	imap user@example.com secret
check_out "IMAP LOGIN, wrong password" \
	"LOGIN NO [AUTHENTICATIONFAILED] Authentication failed." -- \
	imap user@example.com wrong
check_out "IMAP LOGIN of a disabled mailbox shows the reason" \
	"LOGIN NO [CONTACTADMIN] $(reason_of off@example.com -x service=imap)" -- \
	imap off@example.com secret
check_out "IMAP LOGIN with login=no shows the reason" \
	"LOGIN NO [CONTACTADMIN] $(reason_of nologin@example.com -x service=imap)" -- \
	imap nologin@example.com secret
check_out "IMAP LOGIN refused when the offer forbids IMAP" \
	"LOGIN NO [CONTACTADMIN] $(reason_of popper@example.com -x service=imap)" -- \
	imap popper@example.com secret
check_out "POP3 login allowed when the offer forbids only IMAP" "LOGIN OK 0 0" -- \
	pop3 popper@example.com secret
check_out "POP3 login refused when the offer forbids POP" \
	"LOGIN ERR [AUTH] $(reason_of imapper@example.com -x service=pop3)" -- \
	pop3 imapper@example.com secret
check_out "TLS forced: plaintext IMAP from 127.0.0.2 (not secured) refused" \
	"LOGIN NO [CONTACTADMIN] $(reason_of tls@example.com -x service=imap)" -- \
	imap tls@example.com secret --source 127.0.0.2
check_out "TLS forced: IMAP STARTTLS from 127.0.0.2 allowed" "LOGIN OK" -- \
	imap tls@example.com secret --source 127.0.0.2 --starttls
check_out "TLS forced: POP3 STLS allowed" "LOGIN OK 0 0" -- \
	pop3 tls@example.com secret --source 127.0.0.2 --stls
check_out "TLS forbidden: IMAP STARTTLS refused" \
	"LOGIN NO [CONTACTADMIN] $(reason_of plain@example.com -x service=imap -x secured=tls)" -- \
	imap plain@example.com secret --starttls
check_out "TLS forbidden: plaintext IMAP from 127.0.0.2 allowed" "LOGIN OK" -- \
	imap plain@example.com secret --source 127.0.0.2

# Which %{secured} each login had, as imap-login logged it.
if grep -qE "imap-login: Info: (Login|Logged in): user=<tls@example.com>, .*rip=127.0.0.2, lip=127.0.0.1, .*TLS" "$DV_LOG" &&
	grep -qE "imap-login: Info: (Login|Logged in): user=<user@example.com>, .*rip=127.0.0.1, lip=127.0.0.1, .*secured" "$DV_LOG"; then
	pass "imap-login logged the STARTTLS login as TLS, the 127.0.0.1 one as secured"
else
	fail "imap-login log: $(grep 'imap-login: Info: Login' "$DV_LOG" | head -5)"
fi

# ---- last login ----------------------------------------------------------------

echo "-- last login"
after=$(date +%s)
state=$(mailbox_state user@example.com)
last=${state##* }
if [[ "$last" =~ ^[0-9]+$ ]] && [ "$last" -ge "$before" ] && [ "$last" -le "$after" ]; then
	pass "last login of user@example.com recorded by the IMAP login ($last)"
else
	fail "last login of user@example.com: '$last' (mailbox show: $state), want $before..$after"
fi
state=$(mailbox_state popper@example.com)
last=${state##* }
if [[ "$last" =~ ^[0-9]+$ ]] && [ "$last" -ge "$before" ]; then
	pass "last login of popper@example.com recorded by the POP3 login"
else
	fail "last login of popper@example.com: '$last' (mailbox show: $state)"
fi
state=$(mailbox_state off@example.com)
if [ "${state##* }" = none ] || [ "${state##* }" = never ]; then
	pass "no last login for the refused login of off@example.com"
else
	fail "last login of off@example.com after a refused login: $state"
fi

# ---- quota -------------------------------------------------------------------------

echo "-- quota"
# user@example.com: 5000 bytes. 1000 + 3000 fit, 1500 more do not.
check_out "APPEND of 1000 bytes" "LOGIN OK|APPEND OK|QUOTA 1 5" -- \
	eval 'imap user@example.com secret --append 1000 --quota | paste -sd"|"'
check_out "APPEND of 3000 bytes more" "LOGIN OK|APPEND OK|QUOTA 4 5" -- \
	eval 'imap user@example.com secret --append 3000 --quota | paste -sd"|"'
got=$(imap user@example.com secret --append 1500 | paste -sd"|")
if [[ "$got" == "LOGIN OK|APPEND NO [OVERQUOTA]"* ]]; then
	pass "APPEND over the 5000-byte quota refused (${got#*|APPEND NO })"
else
	fail "APPEND over the quota: '$got'"
fi
check_out "doveadm quota get: 4000 bytes (4 KiB) of 5000, 2 messages" \
	"STORAGE 4 5 MESSAGE 2 -" -- quota_get user@example.com
check_out "mailmapctl mailbox show: 4000 bytes, 2 messages (as counted: $(counted user@example.com 4000))" \
	"$(counted user@example.com 4000) 2" -- \
	eval 'mailbox_state user@example.com | cut -d" " -f1,2'
# The 20k override and the unlimited offer, through IMAP.
check_out "quota override: 20 KiB" "LOGIN OK|QUOTA 0 20" -- \
	eval 'imap big@example.com secret --quota | paste -sd"|"'
check_out "unlimited offer: 10000 bytes stored, no limit" "LOGIN OK|APPEND OK|QUOTA none" -- \
	eval 'imap free@example.com secret --append 10000 --quota | paste -sd"|"'
check_out "doveadm quota get, unlimited: 10 KiB, no limit" \
	"STORAGE 10 - MESSAGE 1 -" -- quota_get free@example.com
check_out "mailmapctl mailbox show, unlimited: 10000 bytes, 1 message (as counted: $(counted free@example.com 10000))" \
	"$(counted free@example.com 10000) 1" -- \
	eval 'mailbox_state free@example.com | cut -d" " -f1,2'
# A recalculation (doveadm quota recalc: unset, set) gives the same.
timeout 60 "${DV_EXEC[@]}" doveadm -c "$DV_CONF" quota recalc -u user@example.com >"$WORK/out" 2>&1 ||
	fail "doveadm quota recalc: $(cat "$WORK/out")"
check_out "after doveadm quota recalc: still 4000 bytes, 2 messages" \
	"$(counted user@example.com 4000) 2" -- \
	eval 'mailbox_state user@example.com | cut -d" " -f1,2'

# ---- the end -----------------------------------------------------------------------

echo "-- logs and stop"
# Refused logins and the over-quota APPEND are Info lines; nothing else
# may be an error.
dv_check_log
if grep -qE '^mailmapd: (error|warning):' "$MM_LOG"; then
	fail "mailmapd warnings: $(grep -m5 -E '^mailmapd: (error|warning):' "$MM_LOG")"
else
	pass "no mailmapd warnings"
fi
if grep -qE '\$[0-9a-z]+\$|\{SHA512-CRYPT\}|\{BLF-CRYPT\}' "$MM_LOG"; then
	fail "a password hash in mailmapd's log"
else
	pass "no password hash in mailmapd's log"
fi
dv_stop_check
if ! alive "$MM_PID"; then
	fail "mailmapd died: $(tail -5 "$MM_LOG")"
fi
mm_stop_check
dv_finish
