#!/usr/bin/env bash
# Multi-host mode over TLS with etcd authentication: one etcd member
# serving https only, client certificates required (--client-cert-auth),
# and users (auth enabled: root, and "mailmap" with a role of readwrite on
# /mailmap/ only). A mailmapd replica with replica.ca_file, cert_file,
# key_file, user and password_file fills its store and follows; mailmapctl
# commits through the same settings. Refused with a clear error: a wrong
# password, no client certificate, a CA that did not sign the member's
# certificate, a prefix the user may not write. A fresh CA and
# certificates are made with openssl in the test's directory. etcd's JSON
# gateway refuses a client certificate with a CommonName once
# authentication is on (it cannot pass the CN on as the user): mailmap's
# client certificate has none, and one that has is refused clearly.
source "$(dirname "$0")/lib.bash"

for c in etcd etcdctl openssl curl; do
	command -v "$c" >/dev/null || { fail "$c is not installed (scripts/setup --test)"; finish; }
done
[ "$(id -u)" -eq 0 ] || { fail "runs as root (the daemon drops to mailmap)"; finish; }
: "${MAILMAPD:?}"
IP=127.0.0.41 PORT=33791 PEER=33801
URL=https://$IP:$PORT
PKI=$WORK/pki
mkdir -p "$PKI"
chmod 755 "$WORK"

# ---- certificates: a CA, the member (IP SAN), a client; another CA -----
cert() { # NAME CA SUBJECT [EXT]
	openssl req -new -newkey rsa:2048 -nodes -subj "$3" \
		-keyout "$PKI/$1.key" -out "$PKI/$1.csr" 2>/dev/null
	openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$2.crt" -CAkey "$PKI/$2.key" \
		-CAcreateserial -days 2 -out "$PKI/$1.crt" ${4:+-extfile "$4"} 2>/dev/null
}
for ca in ca otherca; do
	openssl req -x509 -new -newkey rsa:2048 -nodes -days 2 -subj "/CN=$ca" \
		-keyout "$PKI/$ca.key" -out "$PKI/$ca.crt" 2>/dev/null
done
printf 'subjectAltName = IP:%s\nextendedKeyUsage = serverAuth, clientAuth\n' "$IP" >"$PKI/server.ext"
printf 'extendedKeyUsage = clientAuth\n' >"$PKI/client.ext"
cert server ca /CN=etcd "$PKI/server.ext"
cert client ca /O=mailmap "$PKI/client.ext"
cert named ca /CN=mailmap "$PKI/client.ext"
chgrp mailmap "$PKI"/*.key "$PKI"/*.crt
chmod 0640 "$PKI"/*.key
chmod 0755 "$PKI"

# ---- etcd: https only, client certificates, authentication --------------
etcd --name tls --data-dir "$WORK/etcd" \
	--listen-client-urls "$URL" --advertise-client-urls "$URL" \
	--listen-peer-urls "http://$IP:$PEER" --initial-advertise-peer-urls "http://$IP:$PEER" \
	--initial-cluster "tls=http://$IP:$PEER" \
	--cert-file "$PKI/server.crt" --key-file "$PKI/server.key" \
	--trusted-ca-file "$PKI/ca.crt" --client-cert-auth >"$WORK/etcd.log" 2>&1 &
ETCD_PID=$!
trap 'kill "$ETCD_PID" ${MM_PID:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
ectl() {
	etcdctl --endpoints "$URL" --cacert "$PKI/ca.crt" --cert "$PKI/client.crt" \
		--key "$PKI/client.key" "$@"
}
for i in $(seq 100); do ectl endpoint health >/dev/null 2>&1 && break; sleep 0.1; done
ectl user add root:rootpw >/dev/null &&
	ectl user add mailmap:s3cret >/dev/null &&
	ectl role add mailmap >/dev/null &&
	ectl role grant-permission mailmap --prefix=true readwrite /mailmap/ >/dev/null &&
	ectl user grant-role mailmap mailmap >/dev/null &&
	ectl auth enable >/dev/null && pass "etcd: TLS, client certificates, users" ||
	{ fail "etcd setup: $(tail -5 "$WORK/etcd.log")"; finish; }

echo s3cret >"$WORK/password"
echo wrong >"$WORK/wrong"
chgrp mailmap "$WORK/password" "$WORK/wrong"
chmod 0640 "$WORK/password" "$WORK/wrong"
mkdir -p "$WORK/store" "$WORK/run"
chown mailmap:mailmap "$WORK/store" "$WORK/run"
conf() { # FILE [NAME=VALUE...]: the replica settings, some replaced
	local -A r=([ca_file]="$PKI/ca.crt" [cert_file]="$PKI/client.crt"
		[key_file]="$PKI/client.key" [user]=mailmap
		[password_file]="$WORK/password" [prefix]=/mailmap/)
	local file=$1 kv k settings=""
	shift
	for kv in "$@"; do r[${kv%%=*}]=${kv#*=}; done
	for k in "${!r[@]}"; do settings+="$k = \"${r[$k]}\"; "; done
	cat >"$file" <<-END
	store: { dir = "$WORK/store"; };
	daemon: { user = "mailmap"; workers = 1; };
	replica: { etcd = "$URL"; $settings};
	listeners = ( { protocol = "socketmap"; path = "$WORK/run/sm.sock"; mode = "0666"; } );
	END
}
conf "$WORK/mm.conf"
"$MAILMAPD" --config "$WORK/mm.conf" --foreground >"$WORK/mm.log" 2>&1 &
MM_PID=$!
for i in $(seq 100); do grep -q "ready:" "$WORK/mm.log" && break; sleep 0.1; done
grep -q "replica filled from etcd" "$WORK/mm.log" && pass "mailmapd filled its replica over TLS, authenticated" ||
	fail "mailmapd did not start: $(cat "$WORK/mm.log")"

M=("$MAILMAPCTL" --config "$WORK/mm.conf")
if printf 'customer add acme\noffer add acme/basic\ndomain add example.org customer=acme\nmailbox add jane@example.org offer=acme/basic\n' |
	"${M[@]}" batch - >"$WORK/out" 2>&1 && grep -q "committed: etcd revision" "$WORK/out"; then
	pass "mailmapctl commits over TLS, authenticated: $(cat "$WORK/out")"
else
	fail "commit: $(cat "$WORK/out")"
fi
"${M[@]}" query mailboxes jane@example.org | grep -q "^OK" && pass "the replica holds it" ||
	fail "the replica does not hold jane@example.org"
"${M[@]}" replica check >"$WORK/out" 2>&1 && pass "$(cat "$WORK/out")" || fail "replica check: $(cat "$WORK/out")"

refused() { # WHAT WANT NAME=VALUE...
	local what=$1 want=$2
	shift 2
	conf "$WORK/bad.conf" "$@"
	if "$MAILMAPCTL" --config "$WORK/bad.conf" mailbox add "x$RANDOM@example.org" \
		offer=acme/basic >"$WORK/out" 2>&1; then
		fail "$what: accepted"
	elif grep -q "$want" "$WORK/out"; then
		pass "$what: $(head -1 "$WORK/out")"
	else
		fail "$what: want \"$want\": $(cat "$WORK/out")"
	fi
}
refused "a wrong password" "authentication failed" "password_file=$WORK/wrong"
refused "no client certificate" "etcd" cert_file= key_file=
refused "another CA" "SSL\|certificate" "ca_file=$PKI/otherca.crt"
refused "a prefix the user may not write" "permission denied" prefix=/other/
refused "a client certificate with a CommonName" "CommonName" \
	"cert_file=$PKI/named.crt" "key_file=$PKI/named.key"
"${M[@]}" mailbox list | grep -c "@example.org" | grep -qx 1 &&
	pass "nothing was written by the refused commands" || fail "a refused command wrote"

# A host whose replica was never filled waits for etcd without serving;
# SIGTERM still stops it (signals are blocked until the main loop runs).
mkdir -p "$WORK/lone/store" "$WORK/lone/run"
chown -R mailmap:mailmap "$WORK/lone"
cat >"$WORK/lone.conf" <<END
store: { dir = "$WORK/lone/store"; };
daemon: { user = "mailmap"; workers = 1; };
replica: { etcd = "http://127.0.0.41:9"; timeout_ms = 200; };
listeners = ( { protocol = "socketmap"; path = "$WORK/lone/run/sm.sock"; mode = "0666"; } );
END
"$MAILMAPD" --config "$WORK/lone.conf" --foreground >"$WORK/lone.log" 2>&1 &
LONE=$!
for i in $(seq 50); do grep -q "etcd does not answer" "$WORK/lone.log" && break; sleep 0.1; done
kill -TERM "$LONE"
for i in $(seq 40); do kill -0 "$LONE" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$LONE" 2>/dev/null; then
	kill -KILL "$LONE"
	fail "SIGTERM while waiting for etcd: still running after 4 s"
else
	pass "SIGTERM while waiting for etcd: stopped ($(tail -1 "$WORK/lone.log"))"
fi
finish
