# Shared helpers of the Dovecot integration tests (dovecot_*.sh and
# postfix_sasl.sh source it; it sources postfix.bash for mailmapd, Postfix
# and the process helpers).
#
# A private Dovecot 2.3 instance in $WORK: `dovecot -F -c $DV/dovecot.conf`
# with its own base_dir, state_dir and log file, IMAP and POP3 on
# 127.0.0.1 high ports (no 143/110/993/995), LMTP when DV_LMTP is set (the
# sample's unix socket private/dovecot-lmtp in the test Postfix's queue
# directory, where Postfix's virtual_transport finds it), STARTTLS with a
# throwaway self-signed certificate, mail under $WORK/mail owned by the
# vmail user (created here if missing). Its mailmap settings are the
# samples conf/dovecot.conf and conf/dovecot-dict-auth.conf.ext with only
# their paths replaced (/run/mailmap/ -> mailmapd's test sockets,
# /etc/dovecot/ -> $DV, /var/spool/postfix/ -> the test Postfix's queue),
# so the samples are what is tested. The system's Dovecot, if any, is
# never used: every dovecot/doveadm/doveconf call names -c.
#
# mailmapd (postfix.bash's mm_start) listens on the dict sockets the
# samples name: auth.sock (dict "auth", root only) and dict.sock ("quota"
# and "lastlogin", group vmail). Dovecot is stopped by PID on exit (its
# master, then any child left), and the stop is checked.
#
# Needs: MAILMAPCTL, MAILMAPD; root (Dovecot's master and auth-worker run
# as root, as in production); dovecot-core, -imapd, -pop3d, openssl,
# python3 (scripts/setup --test installs them).
source "$(dirname "${BASH_SOURCE[0]}")/postfix.bash"

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONF_SRC=$(cd "$TESTS_DIR/../../conf" && pwd)
DV_CLIENT="$TESTS_DIR/dovecot_client.py"

DV="$WORK/dovecot"          # config: dovecot.conf, local.conf, the .ext, cert
DV_CONF="$DV/dovecot.conf"
DV_RUN="$WORK/dvrun"        # base_dir
DV_STATE="$WORK/dvstate"    # state_dir
DV_LOG="$WORK/dovecot.log"
DV_MAIL="$WORK/mail"        # the mailboxes' homes (owned by vmail)
DV_PID=""
DV_KIDS=""
AUTH_SOCK="$SOCK_DIR/auth.sock" # /run/mailmap/auth.sock in the samples
DICT_SOCK="$SOCK_DIR/dict.sock" # /run/mailmap/dict.sock
SASL_SOCK="$PF_QUEUE/private/auth" # /var/spool/postfix/private/auth
VMAIL=vmail

# Dovecot 2.4 (DV_VERSION=2.4): the same private instance, run from the
# Debian 13 root (postfix.bash's pf_need_root: $WORK at the same path
# inside it; mailmapd on the host, Dovecot in the root, meeting on the
# sockets in $WORK).
DV_VERSION=${DV_VERSION:-2.3}
DV_EXEC=() # "chroot ROOT" for 2.4

dv_cleanup() {
	dv_stop
	pf_cleanup
}
trap dv_cleanup EXIT

# doveadm of the private instance; dv_run: any program of its Dovecot.
dv_run() { "${DV_EXEC[@]}" "$@"; }
dva() { dv_run doveadm -c "$DV_CONF" "$@"; }

# The Debian 13 root for Dovecot 2.4 and Postfix 3.10, or exit 77.
dv_need_root() {
	pf_need_root "Dovecot 2.4" "$VMAIL" || exit 77
	DV_EXEC=(chroot "$PF_ROOT")
	pass "Dovecot $(dv_run dovecot --version | cut -d' ' -f1) from $PF_ROOT"
}

dv_need_tools() {
	need_commands dovecot doveadm doveconf openssl python3
	[ "$(id -u)" -eq 0 ] || {
		fail "the Dovecot tests run as root (Dovecot's master)"
		dv_finish
	}
	if ! id dovecot >/dev/null 2>&1 || ! id dovenull >/dev/null 2>&1; then
		fail "no dovecot/dovenull users: is dovecot-core installed?"
		dv_finish
	fi
	id "$VMAIL" >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin "$VMAIL"
	id postfix >/dev/null 2>&1 || {
		fail "no postfix user (the SASL socket belongs to it): scripts/setup --test"
		dv_finish
	}
	VMAIL_UID=$(id -u "$VMAIL")
	VMAIL_GID=$(id -g "$VMAIL")
	[ "$DV_VERSION" = 2.4 ] && dv_need_root
	return 0
}

# ---- the store of the auth tests -----------------------------------------

# Offers: one per IMAP/POP/TLS variant; a 5000-byte quota; unlimited.
# Mailboxes: one per case, their homes under $DV_MAIL (the domains'
# storage). Every password is "secret" (hashed by mailmapctl,
# SHA512-CRYPT). dv_fixture writes and loads it; DV_USERS lists the
# mailboxes as the user iteration gives them, sorted.
DV_USERS="big@example.com
free@example.com
imapper@example.com
mixed.case@example.net
nologin@example.com
off@example.com
other@example.net
plain@example.com
popper@example.com
tls@example.com
user@example.com"
dv_fixture() {
	cat >"$WORK/fixture.batch" <<EOF
server add imap1 host=127.0.0.1 roles=imap,smtp-in lmtp_port=24
customer add acme
offer add acme/basic quota=5000
offer add acme/unlimited
offer add acme/noimap imap=no quota=5000
offer add acme/nopop pop=no quota=5000
offer add acme/tls ssl=force quota=5000
offer add acme/notls ssl=forbid quota=5000
domain add example.com customer=acme server=imap1 storage=$DV_MAIL
domain add example.net customer=acme server=imap1 storage=$DV_MAIL

mailbox add user@example.com offer=acme/basic password=secret
mailbox add big@example.com offer=acme/basic quota=20k password=secret
mailbox add free@example.com offer=acme/unlimited password=secret
mailbox add off@example.com offer=acme/basic enabled=no password=secret
mailbox add nologin@example.com offer=acme/basic login=no password=secret
mailbox add popper@example.com offer=acme/noimap password=secret
mailbox add imapper@example.com offer=acme/nopop password=secret
mailbox add tls@example.com offer=acme/tls password=secret
mailbox add plain@example.com offer=acme/notls password=secret
mailbox add other@example.net offer=acme/basic password=secret
mailbox add Mixed.Case@example.net offer=acme/basic password=secret
EOF
	if ! ctl batch "$WORK/fixture.batch" >"$WORK/out" 2>"$WORK/err"; then
		fail "fixture: $(cat "$WORK/err")"
		dv_finish
	fi
}

# ---- mailmapd --------------------------------------------------------------

# The mailmapd.conf of the Dovecot tests: the socketmap and policy
# listeners of postfix.bash (postfix_sasl.sh uses them), the two dict
# listeners the samples name, and the dovecot group (uid, gid, mail: the
# homes are the domains' storage, $DV_MAIL in the fixtures, and the
# mailbox's path).
# DV_MM_EXTRA: more settings (a policy group); DV_MM_DAEMON: more of the
# daemon group.
POLICY_SOCK="$SOCK_DIR/policy.sock"
mm_config() {
	cat >"$MM_CONF" <<EOF
store: { dir = "$WORK/store"; };
lookup: { recipient_delimiter = "+"; };
daemon: { user = "mailmap"; workers = 2; log_level = "debug";${DV_MM_DAEMON:+ $DV_MM_DAEMON} };
dovecot: {
  uid = "$VMAIL";
  gid = "$VMAIL";
  mail = "maildir:%h/Maildir";
};
${DV_MM_EXTRA:-}
listeners = (
  { protocol = "socketmap"; path = "$SOCK"; mode = "0666"; },
  { protocol = "policy"; path = "$POLICY_SOCK"; mode = "0666"; },
  { protocol = "dict"; path = "$AUTH_SOCK"; owner = "root"; mode = "0600";
    maps = [ "auth" ]; },
  { protocol = "dict"; path = "$DICT_SOCK"; group = "$VMAIL"; mode = "0660";
    maps = [ "quota", "lastlogin", "sieve" ]; }
);
EOF
}

# Checks and starts mailmapd with mm_config; waits for every socket.
dv_mm_start() {
	local s
	mm_config
	if ! "$MAILMAPD" --config "$MM_CONF" --check-config >"$WORK/check.out" 2>&1; then
		fail "mailmapd --check-config: $(cat "$WORK/check.out")"
		dv_finish
	fi
	mm_start
	for s in "$POLICY_SOCK" "$AUTH_SOCK" "$DICT_SOCK"; do
		if ! wait_for 100 test -S "$s"; then
			fail "mailmapd did not create $s: $(tail -5 "$MM_LOG")"
			dv_finish
		fi
	done
	mm_check_privileges
	dv_check_socket "$AUTH_SOCK" "root root 600"
	dv_check_socket "$DICT_SOCK" "root $VMAIL 660"
}

# dv_check_socket PATH "OWNER GROUP MODE"
dv_check_socket() {
	local got
	got=$(stat -c '%U %G %a' "$1")
	if [ "$got" = "$2" ]; then
		pass "$(basename "$1"): $got"
	else
		fail "$(basename "$1"): $got, want $2"
	fi
}

# ---- Dovecot ---------------------------------------------------------------

# Writes the instance's configuration. IMAP_PORT, POP3_PORT: its
# listeners on 127.0.0.1.
dv_config() {
	local subst=(-e "s|/run/mailmap/|$SOCK_DIR/|g" -e "s|/etc/dovecot/|$DV/|g"
		-e "s|/var/spool/postfix/|$PF_QUEUE/|g")
	mkdir -p "$DV" "$DV_RUN" "$DV_STATE" "$DV_MAIL" "$PF_QUEUE/private"
	chown "$VMAIL:$VMAIL" "$DV_MAIL"
	chmod 0755 "$WORK" "$DV_RUN" # base_dir: reached by every process
	# The SASL socket's directory, as Postfix has it (postfix-script keeps
	# private/ owned by postfix, mode 0700).
	chown postfix "$PF_QUEUE/private"
	chmod 0700 "$PF_QUEUE/private"
	sed "${subst[@]}" "$CONF_SRC/mailmap-auth.lua" >"$DV/mailmap-auth.lua"
	dv_certificate
	if [ "$DV_VERSION" = 2.4 ]; then
		sed "${subst[@]}" "$CONF_SRC/dovecot-2.4.conf" >"$DV/local.conf"
		dv_main_config
		return
	fi
	sed "${subst[@]}" "$CONF_SRC/dovecot.conf" >"$DV/local.conf"
	sed "${subst[@]}" "$CONF_SRC/dovecot-dict-auth.conf.ext" \
		>"$DV/dovecot-dict-auth.conf.ext"
	if [ "${DV_AUTH:-dict}" = lua ]; then
		# Dovecot 2.3's Lua driver instead of its dict driver, on the
		# same sample otherwise (dovecot_auth_lua.sh).
		sed -i "s|^  driver = dict$|  driver = lua|
			s|^  args = $DV/dovecot-dict-auth.conf.ext$|  args = file=$DV/mailmap-auth.lua blocking=yes|" \
			"$DV/local.conf"
		grep -q "driver = lua" "$DV/local.conf" ||
			fail "the sample's passdb/userdb not found to make them Lua"
	fi
	dv_main_config
}

# A throwaway self-signed certificate for STARTTLS.
dv_certificate() {
	[ -s "$DV/cert.pem" ] && return
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 2 -subj /CN=localhost -keyout "$DV/key.pem" \
		-out "$DV/cert.pem" >"$WORK/openssl.out" 2>&1 ||
		fail "openssl: $(cat "$WORK/openssl.out")"
}

# The instance's dovecot.conf around the samples (local.conf), in the
# syntax of DV_VERSION: 2.4 wants its version lines first and renamed the
# TLS, cleartext, mail location and listener address settings.
dv_main_config() {
	local head="" tls cleartext location addr=address
	tls="ssl_cert = <$DV/cert.pem
ssl_key = <$DV/key.pem"
	cleartext="disable_plaintext_auth = no"
	location="mail_location = maildir:~/Maildir"
	if [ "$DV_VERSION" = 2.4 ]; then
		head="dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0"
		tls="ssl_server_cert_file = $DV/cert.pem
ssl_server_key_file = $DV/key.pem"
		cleartext="auth_allow_cleartext = yes"
		location="mail_driver = maildir
mail_path = ~/Maildir"
		addr=listen
	fi
	cat >"$DV_CONF" <<EOF
$head
# A private test instance: loopback only, its own directories and log.
base_dir = $DV_RUN
state_dir = $DV_STATE
instance_name = mailmap-test
log_path = $DV_LOG
protocols = imap pop3${DV_LMTP:+ lmtp}
listen = 127.0.0.1
ssl = yes
$tls
# Plaintext LOGIN from 127.0.0.2 (not "secured") reaches the passdb, which
# decides (offers with ssl = force).
$cleartext
auth_mechanisms = plain login
auth_verbose = yes
first_valid_uid = $VMAIL_UID
last_valid_uid = $VMAIL_UID
# The userdb's mail fields name the location; this is only a fallback.
$location
service imap-login {
  inet_listener imap {
    $addr = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    $addr = 127.0.0.1
    port = $POP3_PORT
  }
  inet_listener pop3s {
    port = 0
  }
}

# The samples (conf/dovecot.conf and conf/dovecot-dict-auth.conf.ext, or
# conf/dovecot-2.4.conf), paths replaced.
!include local.conf
${DV_EXTRA:-}
EOF
}

dv_alive() { [ -n "$DV_PID" ] && alive "$DV_PID"; }

# Starts the instance (after doveconf has read its configuration without
# a complaint) and waits for the IMAP and POP3 greetings.
dv_start() {
	IMAP_PORT=${IMAP_PORT:-$(free_port)}
	POP3_PORT=${POP3_PORT:-$(free_port)}
	dv_config
	if ! dv_run doveconf -c "$DV_CONF" -n >"$WORK/doveconf.out" 2>"$WORK/doveconf.err" ||
		[ -s "$WORK/doveconf.err" ]; then
		fail "doveconf: $(cat "$WORK/doveconf.err")"
		dv_finish
	fi
	pass "doveconf reads the samples without a warning"
	# Not through dv_run: a function in the background is a subshell,
	# and $! must be the master (chroot execs it).
	"${DV_EXEC[@]}" dovecot -F -c "$DV_CONF" >>"$WORK/dovecot.out" 2>&1 &
	DV_PID=$!
	if ! wait_for 50 eval 'test -s "$DV_RUN/master.pid" || ! dv_alive' ||
		! dv_alive; then
		fail "dovecot did not start: $(cat "$WORK/dovecot.out"; tail -5 "$DV_LOG")"
		dv_finish
	fi
	if python3 "$DV_CLIENT" greeting "$IMAP_PORT" >"$WORK/greet.out" &&
		python3 "$DV_CLIENT" greeting "$POP3_PORT" >>"$WORK/greet.out"; then
		pass "private Dovecot started (master $DV_PID), IMAP on $IMAP_PORT, POP3 on $POP3_PORT"
	else
		fail "Dovecot does not greet: $(cat "$WORK/greet.out"; tail -5 "$DV_LOG")"
		dv_finish
	fi
}

# Stops the instance by its master's PID (SIGTERM; SIGKILL after 5 s),
# then kills any of its processes still there.
dv_stop() {
	local pid
	[ -n "$DV_PID" ] || return 0
	DV_KIDS=$(children_of "$DV_PID")
	kill_pid "$DV_PID"
	for pid in $DV_KIDS; do
		alive "$pid" && kill -9 "$pid" 2>/dev/null
	done
	DV_PID=""
}

# dv_stop, checked: the master and every process it had are gone.
dv_stop_check() {
	local pid master=$DV_PID left=""
	dv_stop
	for pid in $master $DV_KIDS; do
		alive "$pid" && left="$left $pid"
	done
	if [ -z "$left" ] && [ -n "$master" ]; then
		pass "Dovecot stopped: master $master and its $(wc -w <<<"$DV_KIDS") processes gone"
	else
		fail "Dovecot processes left after the stop:$left"
	fi
}

# Nothing went wrong in Dovecot that the checks did not ask for: no
# panic, fatal error or crash, no dict or auth error. EXPECTED: an
# extended regex of the error lines a test provoked on purpose.
dv_check_log() {
	local expected=${1:-'^$'}
	grep -E 'Panic|Fatal|Error|killed with signal|segfault' "$DV_LOG" |
		grep -vE "$expected" >"$WORK/dv.errors"
	if [ ! -s "$WORK/dv.errors" ]; then
		pass "no unexpected errors in Dovecot's log"
	else
		fail "Dovecot log: $(head -5 "$WORK/dv.errors")"
	fi
}

# Dovecot's log lines since the mark.
dv_log_mark() { DV_LOG_MARK=$(wc -l <"$DV_LOG" 2>/dev/null || echo 0); }
dv_log_since() { tail -n +"$((DV_LOG_MARK + 1))" "$DV_LOG" 2>/dev/null; }

# pf_finish, with Dovecot's log too.
dv_finish() {
	if [ -n "${MAILMAP_TEST_KEEP:-}" ]; then
		mkdir -p "$MAILMAP_TEST_KEEP"
		cp "$DV_LOG" "$DV_CONF" "$DV/local.conf" "$MAILMAP_TEST_KEEP/" 2>/dev/null
	fi
	if [ "$FAILS" -ne 0 ]; then
		echo "  --- Dovecot log (last 30 lines)"
		tail -n 30 "$DV_LOG" 2>/dev/null | sed 's/^/  | /'
	fi
	pf_finish
}

# ---- checks ----------------------------------------------------------------

# check_out DESCRIPTION WANT -- command...: the command's first line of
# output (stdout and stderr) is exactly WANT. The command bounds its own
# time (imap, pop3 and doveadm calls here all run under timeout).
check_out() {
	local what=$1 want=$2 got
	shift 3
	got=$("$@" 2>&1 | head -n 1)
	if [ "$got" = "$want" ]; then
		pass "$what"
	else
		fail "$what: got '$got', want '$want'"
	fi
}

# imap USER PASSWORD [dovecot_client.py options]: its output lines.
imap() { timeout 60 python3 "$DV_CLIENT" imap "$IMAP_PORT" "$@" 2>&1; }
pop3() { timeout 60 python3 "$DV_CLIENT" pop3 "$POP3_PORT" "$@" 2>&1; }
