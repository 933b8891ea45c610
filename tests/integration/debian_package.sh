#!/usr/bin/env bash
# The Debian package (debian/): dpkg-buildpackage -us -uc -b on a copy of
# the source, lintian (printed; no error allowed), then `apt-get install
# ./mailmap_*.deb` on this machine: the mailmap user and group, the store
# directory's owner and mode, the conffile, the unit, the man pages;
# mailmapd --check-config on the installed configuration; a store made
# with the installed mailmapctl, the installed mailmapd started on the
# installed configuration (its sockets in /run/mailmap) and a lookup
# through Postfix's postmap; then a purge: programs, configuration and
# unit gone, the store with its data kept (and its user). DEB_RELEASE=13
# (debian_package13.sh): the same in the Debian 13 root, built there.
#
# Refuses to run where mailmap is installed already or a store exists in
# /var/lib/mailmap (it would change them).
source "$(dirname "$0")/postfix.bash"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
RUN=()
if [ "${DEB_RELEASE:-12}" = 13 ]; then
	pf_need_root "the Debian 13 package" mailmap || exit 77
	RUN=(chroot "$PF_ROOT")
fi
TOP=${PF_ROOT:-}
in_root() { "${RUN[@]}" "$@"; }

need_commands dpkg-buildpackage
if in_root dpkg -s mailmap >/dev/null 2>&1 || [ -e "$TOP/var/lib/mailmap/config/data.mdb" ]; then
	fail "mailmap is installed, or a store exists in $TOP/var/lib/mailmap: not touching them"
	finish
fi
made_vmail=""
if ! in_root getent group vmail >/dev/null; then
	in_root groupadd --system vmail && made_vmail=yes
fi
MMD=""
# Whatever happens, the machine (or the root) is left as it was: no
# package, no store, no daemon.
pkg_cleanup() {
	[ -n "$MMD" ] && kill "$MMD" 2>/dev/null
	if in_root dpkg -s mailmap >/dev/null 2>&1; then
		in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q mailmap >/dev/null 2>&1
	fi
	rm -rf "$TOP/var/lib/mailmap" "$TOP/run/mailmap"
	[ -n "$made_vmail" ] && in_root groupdel vmail
	pf_cleanup
}
trap pkg_cleanup EXIT

# ---- build -----------------------------------------------------------------

mkdir -p "$WORK/src"
if [ -d "$SRC/.git" ]; then
	git -C "$SRC" ls-files -z | (cd "$SRC" && tar --null -cf - -T -) | tar -xf - -C "$WORK/src"
else
	tar -C "$SRC" --exclude='./build*' -cf - . | tar -xf - -C "$WORK/src"
fi
if (cd "$WORK/src" && in_root sh -c "cd '$WORK/src' && dpkg-buildpackage -us -uc -b") \
	>"$WORK/build.log" 2>&1; then
	pass "dpkg-buildpackage -us -uc -b: $(cd "$WORK" && ls mailmap_*.deb)"
else
	fail "dpkg-buildpackage: $(tail -20 "$WORK/build.log")"
	finish
fi
DEB=$(ls "$WORK"/mailmap_*.deb)
if [ -z "$TOP" ]; then
	need_commands lintian
	lintian "$WORK"/mailmap_*.changes >"$WORK/lintian" 2>&1
	sed 's/^/  | /' "$WORK/lintian"
	if grep -q "^E:" "$WORK/lintian"; then
		fail "lintian reports errors"
	else
		pass "lintian: no error ($(grep -c '^[WIP]:' "$WORK/lintian") warnings and notes)"
	fi
fi
dpkg-deb -c "$DEB" >"$WORK/contents"
if grep -q ' ./usr/sbin/mailmapd$' "$WORK/contents" &&
	dpkg-deb -I "$DEB" conffiles | grep -x /etc/mailmap/mailmapd.conf >/dev/null; then
	pass "the package holds /usr/sbin/mailmapd and the conffile /etc/mailmap/mailmapd.conf"
else
	fail "package contents: $(head -5 "$WORK/contents")"
fi

# ---- install -----------------------------------------------------------------

if in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$DEB" \
	>"$WORK/install.log" 2>&1; then
	pass "apt-get install ./$(basename "$DEB")"
else
	fail "apt-get install: $(tail -10 "$WORK/install.log")"
	finish
fi
check_path() { # PATH "OWNER GROUP MODE"
	local got
	got=$(stat -c '%U %G %a' "$TOP$1" 2>/dev/null)
	[ "$got" = "$2" ] && pass "$1: $got" || fail "$1: '$got', want $2"
}
in_root getent passwd mailmap >/dev/null && pass "user mailmap exists" || fail "no user mailmap"
check_path /var/lib/mailmap "root mailmap 2770"
check_path /var/lib/mailmap/config "root mailmap 2770"
check_path /etc/mailmap/mailmapd.conf "root root 644"
for f in /lib/systemd/system/mailmapd.service /usr/share/man/man8/mailmapd.8.gz \
	/usr/share/man/man5/mailmapd.conf.5.gz /usr/share/doc/mailmap/examples/dovecot.conf; do
	[ -e "$TOP$f" ] || [ -e "$TOP/usr$f" ] && pass "installed $f" || fail "missing $f"
done
unit=$TOP/lib/systemd/system/mailmapd.service
[ -e "$unit" ] || unit=$TOP/usr/lib/systemd/system/mailmapd.service
grep -q "^ExecStart=/usr/sbin/mailmapd --config /etc/mailmap/mailmapd.conf --foreground" "$unit" &&
	pass "the unit runs /usr/sbin/mailmapd with /etc/mailmap/mailmapd.conf" ||
	fail "the unit: $(grep ExecStart "$unit")"
for f in /usr/share/man/man8/mailmapctl.8.gz /usr/share/man/man7/mailmap-dovecot.7.gz \
	/usr/share/doc/mailmap/examples/postfix-main.cf /usr/share/doc/mailmap/examples/dovecot-2.4.conf \
	/usr/share/doc/mailmap/examples/mailmap-auth.lua; do
	[ -e "$TOP$f" ] && pass "installed $f" || fail "missing $f"
done
if in_root /usr/sbin/mailmapd --check-config >"$WORK/check" 2>&1; then
	pass "$(cat "$WORK/check")"
else
	fail "mailmapd --check-config: $(cat "$WORK/check")"
fi

# ---- a store, the daemon, a lookup --------------------------------------------

ok_ctl() { in_root /usr/sbin/mailmapctl "$@" >>"$WORK/ctl.log" 2>&1 || fail "mailmapctl $*: $(tail -1 "$WORK/ctl.log")"; }
ok_ctl customer add acme
ok_ctl offer add acme/basic
ok_ctl domain add example.org customer=acme
ok_ctl mailbox add jane@example.org offer=acme/basic
in_root install -d -m 0755 /run/mailmap
"${RUN[@]}" /usr/sbin/mailmapd --foreground >"$WORK/mailmapd.log" 2>&1 &
MMD=$!
if wait_for 100 test -S "$TOP/run/mailmap/socketmap.sock"; then
	pass "the installed mailmapd listens on /run/mailmap/socketmap.sock"
else
	fail "mailmapd: $(tail -5 "$WORK/mailmapd.log")"
fi
mkdir -p "$WORK/pf"
echo "compatibility_level = 3.6" >"$WORK/pf/main.cf"
got=$(in_root postmap -c "$WORK/pf" -q jane@example.org \
	socketmap:unix:/run/mailmap/socketmap.sock:mailboxes 2>&1)
[ "$got" = "example.org/jane/" ] && pass "postmap -q jane@example.org -> $got" ||
	fail "postmap: '$got'"
kill "$MMD"
wait "$MMD" && pass "mailmapd stopped, exit 0" || fail "mailmapd exit $?"
MMD=""

# ---- purge -------------------------------------------------------------------

if in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q mailmap \
	>"$WORK/purge.log" 2>&1; then
	pass "apt-get purge mailmap"
else
	fail "purge: $(tail -5 "$WORK/purge.log")"
fi
for f in /usr/sbin/mailmapd /usr/sbin/mailmapctl /etc/mailmap /lib/systemd/system/mailmapd.service /run/mailmap; do
	[ ! -e "$TOP$f" ] && pass "purged: $f" || fail "left after purge: $f"
done
[ -s "$TOP/var/lib/mailmap/config/data.mdb" ] && pass "the store with its data is kept" ||
	fail "the store was removed"
in_root getent passwd mailmap >/dev/null && pass "user mailmap kept with the store" ||
	fail "user mailmap removed while the store holds its files"
finish
