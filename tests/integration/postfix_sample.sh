#!/usr/bin/env bash
# The sample conf/postfix-main.cf, appended as the README says to a main.cf
# that has only what Debian's "Internet Site" one sets, read by Debian
# 12's Postfix 3.7 (the host) and Debian 13's Postfix 3.10 (the Debian 13
# root, when it can be built): postconf -n and postfix check say nothing
# (no unused parameter, no compatibility warning), and every mailmap
# setting comes out as written.
source "$(dirname "$0")/postfix.bash"

need_tools
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
SAMPLE="$TESTS_DIR/../../conf/postfix-main.cf"

# check_sample LABEL: the sample under "${PF_EXEC[@]}" Postfix.
check_sample() {
	local label=$1 dir="$WORK/sample-$1" version out
	mkdir -p "$dir"
	cp "$WORK/base.cf" "$dir/main.cf"
	cat "$SAMPLE" >>"$dir/main.cf"
	"${PF_EXEC[@]}" cat /usr/share/postfix/master.cf.dist >"$dir/master.cf" 2>/dev/null ||
		"${PF_EXEC[@]}" cat /etc/postfix/master.cf >"$dir/master.cf"
	version=$("${PF_EXEC[@]}" postconf -c "$dir" -h mail_version 2>&1)
	out=$("${PF_EXEC[@]}" postconf -c "$dir" -n 2>&1 >"$dir/n.out")
	if [ -z "$out" ]; then
		pass "Postfix $version ($label): postconf -n says nothing"
	else
		fail "Postfix $version ($label): postconf -n: $out"
	fi
	# (Debian's postfix-script copies /etc files into the queue's
	# chroot on a fresh system and says so: "updating ...", not a
	# complaint about the configuration.)
	out=$("${PF_EXEC[@]}" postfix -c "$dir" check 2>&1 | grep -v '^updating ')
	if [ -z "$out" ]; then
		pass "Postfix $version ($label): postfix check says nothing"
	else
		fail "Postfix $version ($label): postfix check: $out"
	fi
	for key in virtual_mailbox_maps smtpd_recipient_restrictions smtpd_sasl_type; do
		want=$(sed -n "/^$key *=/,/^[^ ]/p" "$SAMPLE" | sed '$!b;/^[a-z]/d' |
			tr -s ' \n' ' ' | sed 's/^[^=]*= *//; s/ *$//')
		got=$(sed -n "s/^$key = //p" "$dir/n.out")
		if [ "$got" = "$want" ]; then
			pass "Postfix $version ($label): $key = $got"
		else
			fail "Postfix $version ($label): $key = '$got', want '$want'"
		fi
	done
}

# What Debian's postfix package writes for "Internet Site" (its postinst),
# with a test host name (and myorigin from it: a root has no /etc/mailname).
cat >"$WORK/base.cf" <<'BASE'
smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)
biff = no
append_dot_mydomain = no
readme_directory = no
compatibility_level = 3.6
smtpd_tls_cert_file = /etc/ssl/certs/ssl-cert-snakeoil.pem
smtpd_tls_key_file = /etc/ssl/private/ssl-cert-snakeoil.key
smtpd_tls_security_level = may
smtp_tls_CApath = /etc/ssl/certs
smtp_tls_security_level = may
smtp_tls_session_cache_database = btree:${data_directory}/smtp_scache
myhostname = mx.mailmap.test
alias_maps = hash:/etc/aliases
alias_database = hash:/etc/aliases
myorigin = $myhostname
mydestination = $myhostname, localhost
relayhost =
mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
mailbox_size_limit = 0
inet_interfaces = all
inet_protocols = all
BASE

check_sample debian12
pf_need_root "Postfix 3.10" && check_sample debian13
pf_finish
