# Shared helpers of the Postfix integration tests (postfix_*.sh source it;
# it sources lib.bash).
#
# Everything runs in $WORK: the store, mailmapd with its socketmap socket,
# a private Postfix instance (postfix -c $PF: own queue, loopback only,
# chroot off, log in $WORK/maillog) and the LMTP sink. The system's Postfix
# instance is never used: every postfix/postmap/postconf call names -c $PF.
# Every process started here is stopped by PID on exit (pf_cleanup, in the
# trap), and every wait is bounded.
#
# Needs: MAILMAPCTL, MAILMAPD; root (Postfix master runs as root, mailmapd
# drops to the "mailmap" user, created here if missing); postfix, swaks,
# mdb_load (scripts/setup --test installs them); lmtp_sink from the build
# (LMTP_SINK, default: next to MAILMAPD's build directory).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"

# The build dir holds lmtp_sink (tests/integration/meson.build).
BUILD_DIR=${BUILD_DIR:-$(cd "$(dirname "$MAILMAPD")/.." && pwd)}
LMTP_SINK=${LMTP_SINK:-$BUILD_DIR/tests/integration/lmtp_sink}

SOCK_DIR="$WORK/run"
SOCK="$SOCK_DIR/socketmap.sock"
MAP="socketmap:unix:$SOCK"
MM_CONF="$WORK/mailmapd.conf"
MM_LOG="$WORK/mailmapd.log"
MM_PID=""
MM_STATUS=0
PF="$WORK/postfix"    # config_directory (postfix -c): only main.cf, master.cf
PF_QUEUE="$WORK/postfix-queue"
PF_DATA="$WORK/postfix-data"
PF_MASTER_PID=""
SINK_LOG="$WORK/sink.log"
SINK_PID=""
# Postfix's programs run through this: empty for the host's Postfix,
# "chroot PF_ROOT" for the Debian 13 root's (pf_need_root).
PF_EXEC=()
PF_ROOT=""

# Stops everything this test started (runs in the EXIT trap).
pf_cleanup() {
	pf_stop
	sink_stop
	mm_stop
	if [ -n "$PF_ROOT" ] && mountpoint -q "$PF_ROOT$WORK"; then
		umount "$PF_ROOT$WORK" || umount -l "$PF_ROOT$WORK"
		rmdir "$PF_ROOT$WORK" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap pf_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Is PID running (a zombie, exited but not reaped, is not)?
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ]
}

# Kills PID (TERM, then KILL after 5 s); its exit status if it is ours
# (125, or the status it left, when it had already exited).
kill_pid() {
	local pid=$1 i status
	[ -n "$pid" ] || return 0
	if ! kill "$pid" 2>/dev/null; then
		# Gone before it was asked to stop: not a clean stop, whatever
		# status it left (a crash must not pass for one).
		wait "$pid" 2>/dev/null
		status=$?
		echo "process $pid had already exited (status $status)" >&2
		return $((status == 0 ? 125 : status))
	fi
	for i in $(seq 50); do
		alive "$pid" || break
		sleep 0.1
	done
	alive "$pid" && kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# Runs "$@" up to N times, 0.1 s apart, until it succeeds.
wait_for() {
	local n=$1 i
	shift
	for i in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# A free TCP port on 127.0.0.1 (the kernel's pick; free when asked), never
# one this test was already given: a port asked for but not yet bound (by
# Postfix or Dovecot) is free again, and the kernel may pick it twice.
free_port() {
	local port
	while :; do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		grep -qx "$port" "$WORK/ports.given" 2>/dev/null || break
	done
	echo "$port" >>"$WORK/ports.given"
	echo "$port"
}

# need_commands CMD...: each is on PATH, or the test ends failed (what
# scripts/setup --test installs).
need_commands() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || {
			fail "$t is not installed (scripts/setup --test)"
			pf_finish
		}
	done
}

need_tools() {
	need_commands postfix postmap postconf postqueue swaks python3 mdb_load
	[ -x "$LMTP_SINK" ] || {
		fail "no $LMTP_SINK (build with -Dtests=true)"
		pf_finish
	}
	[ "$(id -u)" -eq 0 ] || {
		fail "the Postfix tests run as root (postfix start)"
		pf_finish
	}
}

# ---- mailmapd ------------------------------------------------------------

# Makes the store and the socket directory usable by the mailmap user,
# and $WORK traversable by it and by postfix.
mm_permissions() {
	id mailmap >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin mailmap
	mkdir -p "$SOCK_DIR"
	chmod 0755 "$WORK"
	chgrp -R mailmap "$WORK/store" "$SOCK_DIR"
	chmod -R g+rwX "$WORK/store" "$SOCK_DIR"
	chmod 0755 "$SOCK_DIR"
}

# Writes mailmapd.conf: one socketmap listener serving every map.
mm_config() {
	cat >"$MM_CONF" <<EOF
store: { dir = "$WORK/store"; };
lookup: { recipient_delimiter = "+"; };
daemon: { user = "mailmap"; workers = 2; log_level = "debug"; };
listeners = (
  { protocol = "socketmap"; path = "$SOCK"; mode = "0666"; }
);
EOF
}

mm_start() {
	mm_config
	mm_permissions
	rm -f "$SOCK" # a stale socket must not pass for the new one
	"$MAILMAPD" --config "$MM_CONF" --foreground >>"$MM_LOG" 2>&1 &
	MM_PID=$!
	wait_for 100 eval 'test -S "$SOCK" || ! alive "$MM_PID"'
	if ! alive "$MM_PID" || ! test -S "$SOCK"; then
		fail "mailmapd did not create $SOCK: $(tail -5 "$MM_LOG")"
		pf_finish
	fi
}

# Checks mailmapd dropped root for daemon.user and made its socket 0666.
mm_check_privileges() {
	local uid mode
	mm_uid() { awk '/^Uid:/ { print $2 }' "/proc/$MM_PID/status" 2>/dev/null; }
	wait_for 50 eval '[ "$(mm_uid)" = "$(id -u mailmap)" ]'
	uid=$(mm_uid)
	if [ -n "$uid" ] && [ "$uid" = "$(id -u mailmap)" ]; then
		pass "mailmapd runs as user mailmap"
	else
		fail "mailmapd runs as uid '$uid', want mailmap"
	fi
	mode=$(stat -c %a "$SOCK")
	if [ "$mode" = 666 ]; then
		pass "socket mode 0666"
	else
		fail "socket mode $mode, want 0666"
	fi
}

mm_stop() {
	kill_pid "$MM_PID"
	MM_STATUS=$?
	MM_PID=""
}

# Stops mailmapd and checks it went cleanly: exit 0 on SIGTERM, and no
# sanitizer report, crash or leak in its log.
mm_stop_check() {
	mm_stop
	if [ "$MM_STATUS" -eq 0 ]; then
		pass "mailmapd stopped on SIGTERM, exit 0"
	else
		fail "mailmapd exit $MM_STATUS on SIGTERM: $(tail -5 "$MM_LOG")"
	fi
	if grep -qE 'Sanitizer|runtime error:|Segmentation|Aborted' "$MM_LOG"; then
		fail "mailmapd log: $(grep -m5 -E 'Sanitizer|runtime error:' "$MM_LOG")"
	else
		pass "mailmapd log has no sanitizer report"
	fi
}

# ---- LMTP sink -------------------------------------------------------------

# Starts the sink on N free ports; SINK_PORTS gets them, in order.
sink_start() {
	local n=$1 args=() i
	for i in $(seq "$n"); do args+=(-l 0); done
	rm -f "$WORK/sink.ready"
	"$LMTP_SINK" -o "$SINK_LOG" -r "$WORK/sink.ready" "${args[@]}" \
		-i 300 -t 900 2>>"$WORK/sink.err" &
	SINK_PID=$!
	if ! wait_for 100 test -s "$WORK/sink.ready"; then
		fail "lmtp_sink did not start: $(cat "$WORK/sink.err")"
		pf_finish
	fi
	mapfile -t SINK_PORTS <"$WORK/sink.ready"
}

sink_stop() {
	kill_pid "$SINK_PID"
	SINK_PID=""
}

# ---- Postfix ---------------------------------------------------------------

# Writes $PF/main.cf and $PF/master.cf. SMTP_PORT: smtpd's port (none:
# postmap only); VIRTUAL_PORT and OTHER_PORT: where virtual_transport and
# default_transport deliver (the sink).
# pf_root_chown passwd|group OLD NEW: the root's files of id OLD change
# hands to id NEW (-xdev: not into $WORK).
pf_root_chown() {
	local opt=-uid own=chown
	[ "$1" = group ] && opt=-gid own=chgrp
	find "$PF_ROOT" -xdev "$opt" "$2" -exec "$own" -h "$3" {} +
}

# pf_need_root WHAT [USER...]: the Debian 13 root (scripts/trixie-root)
# in PF_ROOT, Postfix's programs from it (PF_EXEC), and $WORK
# bind-mounted at the same path inside it, so every path here means the
# same on both sides. The mail users (postfix, dovecot, dovenull, vmail)
# and the USERs get the host's uids and gids in the root, all of them
# every time (a part alone could clash with the others' ids there);
# postdrop stays the root's: only its own setgid programs use it. Where
# the root cannot be had, says so ("SKIPPED: WHAT ...") and returns 1.
pf_need_root() {
	local what=$1 u line
	shift
	PF_ROOT=$("$(dirname "${BASH_SOURCE[0]}")/../../scripts/trixie-root" 2>"$WORK/root.err") || {
		PF_ROOT=""
		echo "  SKIPPED: $what: no Debian 13 root: $(tail -1 "$WORK/root.err")"
		return 1
	}
	PF_EXEC=(chroot "$PF_ROOT")
	mkdir -p "$PF_ROOT$WORK"
	mount --bind "$WORK" "$PF_ROOT$WORK" || {
		fail "cannot bind-mount $WORK into $PF_ROOT"
		pf_finish
	}
	# Two steps: every id that changes goes to a free one first, so one
	# user's new id being another's old id moves no file twice.
	local moves=() n=0 old id tmp db move
	for u in postfix dovecot dovenull vmail "$@"; do
		for db in passwd group; do
			line=$(getent "$db" "$u") || continue
			id=$(cut -d: -f3 <<<"$line")
			old=$(grep "^$u:" "$PF_ROOT/etc/$db" | cut -d: -f3)
			if [ -n "$old" ] && [ "$old" != "$id" ]; then
				tmp=$((3000000000 + n))
				n=$((n + 1))
				pf_root_chown "$db" "$old" "$tmp"
				moves+=("$db $tmp $id")
			fi
			sed -i "/^$u:/d" "$PF_ROOT/etc/$db"
			echo "$line" >>"$PF_ROOT/etc/$db"
		done
	done
	for move in "${moves[@]}"; do
		read -r db tmp id <<<"$move"
		pf_root_chown "$db" "$tmp" "$id"
	done
	if cut -d: -f3 "$PF_ROOT/etc/passwd" | sort | uniq -d | grep -q . ||
		cut -d: -f3 "$PF_ROOT/etc/group" | sort | uniq -d | grep -q .; then
		fail "the root's users or groups clash with the host's ids"
		pf_finish
	fi
}

pf_config() {
	local smtp_port=${1:-} virtual_port=${2:-9} other_port=${3:-9}
	# The queue and data directories lie outside the config directory,
	# whose whole tree postfix-script wants owned by root.
	mkdir -p "$PF" "$PF_QUEUE" "$PF_DATA"
	chown postfix "$PF_DATA"
	cat >"$PF/main.cf" <<EOF
# A private test instance: loopback only, its own queue, no chroot.
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.mailmap.test
mydomain = mailmap.test
myorigin = \$myhostname
mydestination =
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps =
alias_database =
relayhost =
biff = no
maillog_file = $WORK/maillog
maillog_file_prefixes = $WORK
smtpd_peername_lookup = no
smtpd_relay_restrictions = reject_unauth_destination
delay_warning_time = 0
lmtp_connection_cache_on_demand = no

# mailmap (protocols.md 1.6, design.md "Lookups")
mailmap = $MAP
virtual_mailbox_domains = \${mailmap}:domains
virtual_alias_domains = \${mailmap}:alias_domains
virtual_mailbox_maps = \${mailmap}:mailboxes
virtual_alias_maps = \${mailmap}:aliases
transport_maps = \${mailmap}:transport
smtpd_sender_login_maps = \${mailmap}:senders
recipient_delimiter = +

# Delivery goes to the test's LMTP sink: mailboxes through transport_maps
# (their server's lmtp_port), anything else through these.
virtual_transport = lmtp:inet:127.0.0.1:$virtual_port
default_transport = lmtp:inet:127.0.0.1:$other_port
EOF
	{
		if [ -n "$smtp_port" ]; then
			echo "127.0.0.1:$smtp_port inet n - n - - smtpd"
		fi
		cat <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	} >"$PF/master.cf"
}

# postmap -q KEY MAP: the instance's own configuration (never /etc/postfix).
pm() { "${PF_EXEC[@]}" postmap -c "$PF" -q "$1" "$MAP:$2"; }

pf_master_alive() {
	[ -n "$PF_MASTER_PID" ] && alive "$PF_MASTER_PID"
}

pf_start() {
	local pidfile="$PF_QUEUE/pid/master.pid"
	if ! "${PF_EXEC[@]}" postfix -c "$PF" start >"$WORK/postfix-start.out" 2>&1; then
		fail "postfix start: $(cat "$WORK/postfix-start.out")"
		pf_finish
	fi
	if ! wait_for 100 test -s "$pidfile"; then
		fail "no $pidfile: $(cat "$WORK/postfix-start.out")"
		pf_finish
	fi
	PF_MASTER_PID=$(tr -d ' ' <"$pidfile")
	# postconf and postfix-script's checks had nothing to say
	"${PF_EXEC[@]}" postconf -c "$PF" -n >/dev/null 2>"$WORK/postconf.err"
	if [ -s "$WORK/postconf.err" ] ||
		grep -qE 'warning|fatal' "$WORK/maillog" "$WORK/postfix-start.out"; then
		fail "Postfix start: $(cat "$WORK/postconf.err"; grep -hE 'warning|fatal' "$WORK/maillog" "$WORK/postfix-start.out")"
	else
		pass "private Postfix $("${PF_EXEC[@]}" postconf -c "$PF" -h mail_version) started (master $PF_MASTER_PID), no warnings"
	fi
}

# smtpd answers EHLO on 127.0.0.1:PORT (at most 50 tries of at most 5 s).
smtpd_up() {
	timeout 5 swaks --server 127.0.0.1 --port "$1" --timeout 4 \
		--quit-after EHLO >/dev/null 2>&1
}
pf_wait_smtpd() { wait_for 50 smtpd_up "$1"; }

# The processes whose parent is PID (the master's children).
children_of() {
	local stat line fields
	for stat in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$stat" || continue
		read -r -a fields <<<"${line##*) }"
		[ "${fields[1]}" = "$1" ] && basename "$(dirname "$stat")"
	done
	return 0
}

pf_stop() {
	local kids pid
	[ -n "$PF_MASTER_PID" ] || return 0
	kids=$(children_of "$PF_MASTER_PID")
	"${PF_EXEC[@]}" postfix -c "$PF" stop >/dev/null 2>&1
	wait_for 100 eval '! pf_master_alive'
	pf_master_alive && kill -9 "$PF_MASTER_PID" 2>/dev/null
	for pid in $kids; do
		kill -9 "$pid" 2>/dev/null
	done
	PF_MASTER_PID=""
}

# ---- checks ----------------------------------------------------------------

# finish, with the logs' last lines when a check failed.
pf_finish() {
	# MAILMAP_TEST_KEEP=DIR: keep the logs there for a closer look.
	if [ -n "${MAILMAP_TEST_KEEP:-}" ]; then
		mkdir -p "$MAILMAP_TEST_KEEP"
		cp "$MM_LOG" "$WORK/maillog" "$SINK_LOG" "$MAILMAP_TEST_KEEP/" 2>/dev/null
	fi
	if [ "$FAILS" -ne 0 ]; then
		echo "  --- mailmapd log (last 20 lines)"
		tail -n 20 "$MM_LOG" 2>/dev/null | sed 's/^/  | /'
		echo "  --- Postfix log (last 30 lines)"
		tail -n 30 "$WORK/maillog" 2>/dev/null | sed 's/^/  | /'
	fi
	finish
}


# Log lines since the mark (pf_log_mark): what Postfix said about one step.
pf_log_mark() { PF_LOG_MARK=$(wc -l <"$WORK/maillog" 2>/dev/null || echo 0); }
pf_log_since() { tail -n +"$((PF_LOG_MARK + 1))" "$WORK/maillog" 2>/dev/null; }

# ---- the store -------------------------------------------------------------

# Loads the store both tests use. IMAP1_PORT, IMAP2_PORT: the LMTP ports
# of the two mail servers (the transport map answers them).
fixture_load() {
	cat >"$WORK/fixture.batch" <<EOF2
server add imap1 host=127.0.0.1 roles=imap,smtp-in lmtp_port=$1
server add imap2 host=127.0.0.1 roles=imap lmtp_port=$2
customer add acme
offer add acme/basic

# example.com: catch-all; example.org mirrors it
domain add example.com customer=acme server=imap1 catchall=postmaster@example.com
domain-alias add example.org target=example.com
# no catch-all; a catch-all switched off; an inactive domain; no server
domain add nocatch.example customer=acme server=imap1
domain add catchoff.example customer=acme server=imap1 catchall=ann@catchoff.example catchall_enabled=no
domain-alias add catchoff-alias.example target=catchoff.example
domain add closed.example customer=acme server=imap1 catchall=carl@closed.example active=no
domain-alias add closed-alias.example target=example.com active=no
domain-alias add to-closed.example target=closed.example
domain add noserver.example customer=acme
domain add bücher.example customer=acme server=imap1

mailbox add jane.doe@example.com offer=acme/basic extra=jane@example.com,j.doe@example.com forward=jane.doe@gmail.com forward_keep_copy=yes
mailbox add fwd@example.com offer=acme/basic forward=away@example.net forward_keep_copy=no
mailbox add postmaster@example.com offer=acme/basic
mailbox add off@example.com offer=acme/basic enabled=no extra=off-extra@example.com
mailbox add custom@example.com offer=acme/basic server=imap2 maildir=special/custom/
mailbox add bob@nocatch.example offer=acme/basic
mailbox add ann@catchoff.example offer=acme/basic
mailbox add carl@closed.example offer=acme/basic
mailbox add dan@noserver.example offer=acme/basic
mailbox add eva@bücher.example offer=acme/basic

alias add team@example.com targets=jane.doe@example.com,postmaster@example.com,partner@example.net
alias add all@example.com targets=team@example.com,fwd@example.com,bob@nocatch.example,jane@example.com
alias add paused@example.com targets=postmaster@example.com enabled=no
alias add ext@example.com targets=partner@example.net
EOF2
	if ! ctl batch "$WORK/fixture.batch" >"$WORK/out" 2>"$WORK/err"; then
		fail "fixture: $(cat "$WORK/err")"
		pf_finish
	fi
}

# Stores a record that does not decode under ADDRESS, behind mailmapctl's
# back (mdb_load): mailmapd must answer TEMP for it, never NOTFOUND.
fixture_corrupt() {
	printf '%s\n%s\n' "$1" 'not a record' |
		mdb_load -T -s addresses "$WORK/store/config" 2>"$WORK/err" ||
		fail "mdb_load: $(cat "$WORK/err")"
}
