#!/usr/bin/env bash
# mailmapctl import postfixadmin against a real PostfixAdmin database: a
# private MariaDB (unix socket only) given PostfixAdmin's own schema by
# Debian's postfixadmin (its upgrade.php, run with a private
# /etc/postfixadmin in a mount namespace), loaded with a realistic data set
# (domains with limits, mailboxes with every kind of hash, forwards with
# and without a copy, lists, catch-alls, alias domains, vacations, and the
# odd cases: a backup MX, a relay transport, a password of no scheme, a
# catch-all with two targets, an alias in an alias domain). The import
# refuses while something cannot map, lists each with its reason, and
# with --skip imports the rest; then, for every address of the data set
# (and their alias-domain forms, unknown local parts, other domains),
# where mail ends up by PostfixAdmin's own Postfix maps (postmap on its
# mysql: tables, POSTFIX_CONF.txt's queries) and by mailmap's agrees,
# except the documented differences (postfixadmin_expected.txt).
source "$(dirname "$0")/postfixadmin.bash"

need_tools
pfa_need_tools
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
pfa_db_start

# ---- the data set -----------------------------------------------------------------

H6='$6$abcdefgh$3rj1vTLX64btReFsM4MQ22otcD40l7vbtw7qCyr0dxc4kxNmgx53xVM8gWiLYbCqTHTbXFaVFU7ZT28pnvdyu0'
HB='$2y$05$CcI7e6o4nx3VWVxhxvSizO02cN5HPbMRZzmLKx47y12iwR95Qhwku'
{
	echo "INSERT INTO domain (domain, description, aliases, mailboxes, maxquota, quota, transport, backupmx, active) VALUES
 ('ALL','',0,0,0,0,'',0,1),
 ('example.com','Example',10,50,1024,4096,'virtual',0,1),
 ('example.net','Net',0,0,0,0,'',0,1),
 ('shop.example','Shop',0,20,0,0,'virtual',0,1),
 ('off.example','Inactive',0,0,0,0,'virtual',0,0),
 ('alias.example','',0,0,0,0,'virtual',0,1),
 ('old-alias.example','',0,0,0,0,'virtual',0,1),
 ('backup.example','Backup',0,0,0,0,'',1,1),
 ('relay.example','Relay',0,0,0,0,'smtp:[192.0.2.1]',0,1);"
	echo "INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain, active) VALUES"
	for i in $(seq 1 30); do
		echo " ('user$i@shop.example','{SHA512-CRYPT}$H6','User $i','shop.example/user$i/',$((i * 1048576)),'user$i','shop.example',1),"
	done
	echo " ('alice@example.com','{SHA512-CRYPT}$H6','Alice Martin','example.com/alice/',104857600,'alice','example.com',1),
 ('bob@example.com','$H6','Bob','example.com/bob/',0,'bob','example.com',1),
 ('carol@example.com','{PLAIN}secret','Carol de la Fontaine','example.com/carol/',0,'carol','example.com',0),
 ('frank@example.com','{BLF-CRYPT}$HB','Frank','example.com/frank/',0,'frank','example.com',1),
 ('dave@example.net','0123456789abcdef0123456789abcdef','','example.net/dave/',0,'dave','example.net',1),
 ('erin@off.example','{SHA512-CRYPT}$H6','Erin','off.example/erin/',0,'erin','off.example',1),
 ('weird@example.net','nohashhere','Weird','example.net/weird/',0,'weird','example.net',1);"
	echo "INSERT INTO alias (address, goto, domain, active) VALUES"
	for i in $(seq 1 30); do
		echo " ('user$i@shop.example','user$i@shop.example','shop.example',1),"
	done
	echo " ('alice@example.com','alice@example.com,alice@gmail.example','example.com',1),
 ('bob@example.com','bob@example.com,bob#example.com@autoreply.example.com','example.com',1),
 ('carol@example.com','carol@example.com','example.com',1),
 ('frank@example.com','frank@example.com','example.com',1),
 ('dave@example.net','friend@elsewhere.example','example.net',1),
 ('erin@off.example','erin@off.example','off.example',1),
 ('weird@example.net','weird@example.net','example.net',1),
 ('team@example.com','alice@example.com,bob@example.com,partner@ext.example','example.com',1),
 ('sales@shop.example','user1@shop.example,user2@shop.example,team@example.com','shop.example',1),
 ('old@example.com','bob@example.com','example.com',0),
 ('@example.net','dave@example.net','example.net',1),
 ('@shop.example','user3@shop.example','shop.example',1),
 ('@example.com','alice@example.com,bob@example.com','example.com',1),
 ('info@alias.example','alice@example.com','alias.example',1);"
	echo "INSERT INTO alias_domain (alias_domain, target_domain, active) VALUES
 ('alias.example','example.com',1), ('old-alias.example','example.com',0);"
	echo "INSERT INTO vacation (email, subject, body, cache, domain, active, activefrom, activeuntil, interval_time) VALUES
 ('bob@example.com','Away','I am away until Monday.\nBob','','example.com',1,'2026-12-20 00:00:00','2027-01-05 00:00:00',86400),
 ('user5@shop.example','Holidays','Back soon','','shop.example',0,'2000-01-01 00:00:00','2038-01-18 00:00:00',0);"
} >"$WORK/data.sql"
sql postfix <"$WORK/data.sql" || { fail "loading the data set"; pf_finish; }
pass "data set: $(sql -N postfix -e 'SELECT COUNT(*) FROM mailbox') mailboxes, $(sql -N postfix -e 'SELECT COUNT(*) FROM alias') alias rows, $(sql -N postfix -e 'SELECT COUNT(*) FROM domain') domain rows"

# ---- the import ---------------------------------------------------------------------

echo pfapass >"$WORK/db.pw"
pfa_import() {
	ctl import postfixadmin --socket "$DB_SOCK" --user postfix \
		--password-file "$WORK/db.pw" --database postfix "$@"
}
echo wrong >"$WORK/bad.pw"
ctl import postfixadmin --socket "$DB_SOCK" --user postfix \
	--password-file "$WORK/bad.pw" --database postfix >"$WORK/out" 2>"$WORK/err"
status=$?
if [ "$status" -eq 75 ] && grep -q "import postfixadmin: database: Access denied" "$WORK/err"; then
	pass "a wrong database password: exit 75, $(cat "$WORK/err")"
else
	fail "a wrong database password: exit $status: $(cat "$WORK/err")"
fi
pfa_import >"$WORK/out" 2>"$WORK/err"
status=$?
unmapped=$(grep -c "cannot map:" "$WORK/err")
if [ "$status" -eq 1 ] && [ "$unmapped" -eq 5 ] && [ -z "$(ctl export | grep -v '^#')" ]; then
	pass "without --skip: refused, the 5 that cannot map listed, nothing written"
else
	fail "without --skip: exit $status, $unmapped listed: $(cat "$WORK/err")"
fi
for what in "domain backup.example: a backup MX" "domain relay.example: transport" \
	"mailbox weird@example.net: its password" "alias @example.com: a catch-all with several" \
	"alias info@alias.example: an address of an alias domain"; do
	grep -qF "cannot map: $what" "$WORK/err" && pass "listed: $what" || fail "not listed: $what"
done
if pfa_import --skip >"$WORK/out" 2>"$WORK/err"; then
	pass "with --skip: $(cat "$WORK/out")"
else
	fail "with --skip: $(cat "$WORK/err")"
	pf_finish
fi
for check in "bob@example.com autoreply_subject Away" "carol@example.com enabled no" \
	"frank@example.com password (set)" "alice@example.com quota 100M" \
	"bob@example.com quota 1G" "user5@shop.example autoreply no"; do
	read -r obj field want <<<"$check"
	got=$(ctl mailbox show "$obj" | sed -n "s/^$field: *//p")
	[ "$got" = "$want" ] && pass "$obj $field: $got" || fail "$obj $field: '$got', want '$want'"
done
got=$(ctl query senders carol@example.com 2>/dev/null; ctl mailbox show dave@example.net | sed -n 's/^password: *//p')
[[ "$got" == *"(set)"* ]] && pass "a PLAIN-MD5 hash kept ({PLAIN-MD5})" || fail "dave's password: $got"

# ---- where mail ends up: PostfixAdmin's maps against mailmap's ------------------------

pf_config
pfa_map_files "$WORK/sql"
if "${PF_EXEC[@]}" postconf -c "$PF" -m | grep -qx mysql; then
	pass "Postfix's mysql table type (postfix-mysql), $(ls "$WORK/sql" | wc -l) map files from POSTFIX_CONF.txt"
else
	fail "no mysql table type in postfix (postfix-mysql)"
	pf_finish
fi
{
	sql -N postfix -e "SELECT username FROM mailbox; SELECT address FROM alias WHERE address NOT LIKE '@%'"
	for d in example.com example.net shop.example off.example; do
		echo "nobody@$d"
	done
	for l in alice bob carol frank team nobody; do
		echo "$l@alias.example"
		echo "$l@old-alias.example"
	done
	echo "someone@elsewhere.example"
	echo "x@backup.example"
} | sort -u >"$WORK/addresses"
cp "$TESTS_DIR/postfixadmin_expected.txt" "$WORK/expected"
python3 "$TESTS_DIR/postfixadmin_compare.py" "$PF" "$WORK/sql" "$MAILMAPCTL" \
	"$WORK/store" "$WORK/addresses" "$WORK/expected" >"$WORK/compare.out" 2>&1
status=$?
cat "$WORK/compare.out"
[ "$status" -eq 0 ] && pass "every address: the same outcome, or the documented difference" ||
	fail "the outcomes differ (above)"
pfa_db_stop
pf_finish
