# A PostfixAdmin database for the migration test and the end-to-end
# benchmark (sourced; it sources postfix.bash): a private MariaDB in
# $WORK/db, on a unix socket only (skip-networking), run as the mysql
# user and stopped by PID; database "postfix", user "postfix" (password
# "pfapass"); PostfixAdmin's own schema made by Debian's postfixadmin
# (its upgrade.php, run with a private /etc/postfixadmin bind-mounted in a
# mount namespace, so the system's is never read or written); and the
# Postfix mysql: map files of PostfixAdmin's POSTFIX_CONF.txt, pointed at
# that socket.
#
# Needs root, mariadb-server, postfixadmin, php-cli, php-mysql,
# postfix-mysql (scripts/setup --test installs them).
source "$(dirname "${BASH_SOURCE[0]}")/postfix.bash"

DB="$WORK/db"
DB_SOCK="$DB/db.sock" # the mysql user writes only there
DB_PID=""
PFA_UPGRADE=/usr/share/postfixadmin/public/upgrade.php

pfa_db_stop() {
	[ -n "$DB_PID" ] && kill_pid "$DB_PID" >/dev/null 2>&1
	DB_PID=""
}
trap 'pfa_db_stop; pf_cleanup' EXIT

sql() { mariadb --no-defaults -S "$DB_SOCK" -u root "$@"; }

pfa_need_tools() {
	need_commands mariadb-install-db mariadbd mariadb php unshare
	[ -f "$PFA_UPGRADE" ] || {
		fail "no $PFA_UPGRADE (postfixadmin)"
		pf_finish
	}
}

# Starts MariaDB, makes the database and its user, and PostfixAdmin's
# schema.
pfa_db_start() {
	chmod 0755 "$WORK"
	mkdir -p "$DB"
	chown mysql:mysql "$DB"
	if ! mariadb-install-db --no-defaults --datadir="$DB" --user=mysql \
		--auth-root-authentication-method=socket --skip-test-db >"$WORK/db-install.log" 2>&1; then
		fail "mariadb-install-db: $(tail -3 "$WORK/db-install.log")"
		pf_finish
	fi
	mariadbd --no-defaults --datadir="$DB" --socket="$DB_SOCK" \
		--pid-file="$DB/db.pid" --skip-networking --user=mysql \
		${PFA_DB_OPTIONS:-} >"$WORK/db.log" 2>&1 &
	DB_PID=$!
	if ! wait_for 150 test -S "$DB_SOCK"; then
		fail "mariadbd did not start: $(tail -5 "$WORK/db.log")"
		pf_finish
	fi
	sql -e "CREATE DATABASE postfix; CREATE USER postfix@localhost IDENTIFIED BY 'pfapass';
		GRANT ALL ON postfix.* TO postfix@localhost;" || fail "database and user"
	pass "private MariaDB $(sql -N -e 'SELECT VERSION()') on $DB_SOCK"
	pfa_schema
}

pfa_schema() {
	local version
	mkdir -p "$WORK/pfa-etc"
	cp /etc/postfixadmin/config.inc.php "$WORK/pfa-etc/"
	cat >"$WORK/pfa-etc/dbconfig.inc.php" <<PHP
<?php
\$dbuser='postfix'; \$dbpass='pfapass'; \$basepath=''; \$dbname='postfix';
\$dbserver='localhost'; \$dbport=''; \$dbtype='mysqli';
PHP
	cat >"$WORK/pfa-etc/config.local.php" <<PHP
<?php
\$CONF['database_socket'] = '$DB_SOCK';
PHP
	unshare -m sh -c "mount --bind '$WORK/pfa-etc' /etc/postfixadmin &&
		cd /usr/share/postfixadmin/public && php upgrade.php" >"$WORK/upgrade.out" 2>&1
	version=$(sql -N postfix -e "SELECT value FROM config WHERE name='version'" 2>/dev/null)
	if [ "${version:-0}" -gt 1800 ]; then
		pass "PostfixAdmin's schema, version $version ($(sql -N postfix -e 'SHOW TABLES' | wc -l) tables)"
	else
		fail "PostfixAdmin's upgrade.php: $(tail -c 300 "$WORK/upgrade.out")"
		pf_finish
	fi
}

# pfa_map_files DIR: the mysql_*.cf files of POSTFIX_CONF.txt in DIR, on
# the private MariaDB.
pfa_map_files() {
	mkdir -p "$1"
	zcat /usr/share/doc/postfixadmin/DOCUMENTS/POSTFIX_CONF.txt.gz |
		awk -v dir="$1" -v sock="$DB_SOCK" '
		/^mysql_.*\.cf:$/ { file = dir "/" substr($0, 1, length($0) - 1); next }
		file != "" && /^query/ { sub(/^query *= */, ""); q = $0;
			printf "user = postfix\npassword = pfapass\nhosts = unix:%s\ndbname = postfix\nquery = %s\n", sock, q > file;
			close(file); file = "" }'
}
