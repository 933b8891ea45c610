#!/usr/bin/env bash
# mailmapctl export: a store holding every kind and every awkward value
# (quotes, backslashes, newlines and tabs in texts, a '#' at the start, UTF-8,
# addresses with atext specials, an IDN domain (exported as its A-label,
# as stored), UTF-8 local parts, dates and times, durations, sets,
# unlimited and inherit, password hashes of several schemes, long lists,
# a disabled catch-all, inactive domains) is exported, loaded with
# mailmapctl batch into a new store and exported again: the same bytes,
# and the same records in every table (mdb_dump). --json gives one JSON
# object per record, every field under its name, kinds first to last.
# Then the same round trip on 100 000 mailboxes (EXPORT_MAILBOXES).
source "$(dirname "$0")/lib.bash"

cat >"$WORK/edge.batch" <<'BATCH'
server add imap1 host=imap1.example.net roles=imap,smtp-in lmtp_port=2424
server add out1 host=192.0.2.25 roles=smtp-out
customer add acme display_name="Acme \"Quoted\" Corp"
customer add zed display_name='#not a comment'
offer add acme/basic display_name="Basic\\mail" quota=2G max_message_size=25M max_seats=50
offer add acme/odd quota=5000 max_attachment_size=1536 imap=no pop=no ssl=forbid drive=yes antivirus=no
offer add zed/unl
offer add zed/small quota=10M
domain add example.com customer=acme server=imap1 catchall=postmaster@example.com catchall_enabled=no storage=/srv/mail max_mailboxes=100
domain add zed.example customer=zed active=no antispam=no max_quota=1T
domain add éte.example customer=zed
domain-alias add example.org target=example.com
domain-alias add example.info target=example.com active=no
mailbox add postmaster@example.com offer=acme/basic first_name="Ann Marie" last_name="O'Neil" language=fr-CA timezone=America/Montreal
mailbox add jane@example.com offer=acme/basic password={SHA512-CRYPT}$6$abcdefgh$3rj1vTLX64btReFsM4MQ22otcD40l7vbtw7qCyr0dxc4kxNmgx53xVM8gWiLYbCqTHTbXFaVFU7ZT28pnvdyu0 extra=j@example.com,jane.d@example.com forward="jane@gmail.example,x'y@other.example" forward_keep_copy=no quota=inherit
mailbox add bob@example.com offer=acme/odd password={BLF-CRYPT}$2y$05$CcI7e6o4nx3VWVxhxvSizO02cN5HPbMRZzmLKx47y12iwR95Qhwku quota=unlimited server=imap1 enabled=no login=no maildir=custom/bob
mailbox add "a#b@example.com" offer=acme/basic autoreply=yes autoreply_subject="Away: \"back\" soon" autoreply_body="Hello,\n\tI am away.\nBest,\nA \\ B" autoreply_start=2026-12-24 autoreply_end=2027-01-02T18:30:00Z autoreply_interval=3h
mailbox add joe@zed.example offer=zed/small
mailbox add ünï@éte.example offer=zed/unl
alias add team@example.com targets=jane@example.com,bob@example.com,partner@ext.example send_check=login send_rules=allow:domain:example.com,deny:members,allow:account:boss@ext.example
alias add off@example.com targets=jane@example.com enabled=no
BATCH
if ! ctl batch "$WORK/edge.batch" >"$WORK/out" 2>"$WORK/err"; then
	fail "the edge store: $(cat "$WORK/err")"
	finish
fi

# round_trip LABEL STORE: export, batch into a new store, export again.
round_trip() {
	local label=$1 store=$2 t
	rm -rf "$WORK/copy"
	if ! "$MAILMAPCTL" --store "$store" export >"$WORK/e1" 2>"$WORK/err"; then
		fail "$label: export: $(cat "$WORK/err")"
		return
	fi
	if ! "$MAILMAPCTL" --store "$WORK/copy" batch "$WORK/e1" >/dev/null 2>"$WORK/err"; then
		fail "$label: the export does not load: $(head -3 "$WORK/err")"
		return
	fi
	"$MAILMAPCTL" --store "$WORK/copy" export >"$WORK/e2"
	if cmp -s "$WORK/e1" "$WORK/e2"; then
		pass "$label: export -> batch -> export: the same $(wc -c <"$WORK/e1") bytes"
	else
		fail "$label: exports differ: $(diff "$WORK/e1" "$WORK/e2" | head -5)"
	fi
	for t in customers offers domains addresses servers refs; do
		if cmp -s <(mdb_dump -p -s "$t" "$store/config") <(mdb_dump -p -s "$t" "$WORK/copy/config"); then
			pass "$label: table $t identical"
		else
			fail "$label: table $t differs"
		fi
	done
}

round_trip "edge store" "$WORK/store"
for word in 'display_name="Acme \"Quoted\" Corp"' "display_name=\"#not a comment\"" \
	'autoreply_body="Hello,\n\tI am away.\nBest,\nA \\ B"' 'a#b@example.com' \
	'autoreply_end=2027-01-02T18:30:00Z' 'quota=unlimited' '"ünï@xn--te-9ia.example"'; do
	if grep -qF -- "$word" "$WORK/e1"; then
		pass "exported as $word"
	else
		fail "not exported as $word: $(grep -m1 -F "${word%%=*}" "$WORK/e1")"
	fi
done

ctl export --json >"$WORK/json" 2>"$WORK/err" || fail "export --json: $(cat "$WORK/err")"
if python3 - "$WORK/json" <<'PY'; then
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
kinds = [r["kind"] for r in rows]
want = {"server": 2, "customer": 2, "offer": 4, "domain": 3,
        "domain-alias": 2, "mailbox": 6, "alias": 2}
assert {k: kinds.count(k) for k in want} == want, kinds
order = ["server", "customer", "offer", "domain", "domain-alias", "mailbox", "alias"]
assert kinds == sorted(kinds, key=order.index), "kinds out of order"
a = next(r for r in rows if r.get("address") == "a#b@example.com")
assert a["autoreply_body"] == "Hello,\n\tI am away.\nBest,\nA \\ B", a
assert a["autoreply_interval"] == 10800, a
j = next(r for r in rows if r.get("address") == "jane@example.com")
assert j["password"].startswith("{SHA512-CRYPT}$6$"), j
assert j["extra"] == ["j@example.com", "jane.d@example.com"], j
PY
	pass "export --json: one object per record, kinds in load order, values exact"
else
	fail "export --json: $(head -c 300 "$WORK/json")"
fi

# 100 000 mailboxes (pre-hashed passwords) in 100 domains.
n=${EXPORT_MAILBOXES:-100000}
hash='{SHA512-CRYPT}$6$abcdefgh$3rj1vTLX64btReFsM4MQ22otcD40l7vbtw7qCyr0dxc4kxNmgx53xVM8gWiLYbCqTHTbXFaVFU7ZT28pnvdyu0'
awk -v n="$n" -v h="$hash" 'BEGIN {
	print "customer add big"; print "offer add big/basic quota=1G";
	for (d = 0; d < 100; d++) print "domain add d" d ".example customer=big";
	for (i = 0; i < n; i++)
		printf "mailbox add u%d@d%d.example offer=big/basic password=\"%s\" first_name=User%d\n", i, i % 100, h, i;
	for (i = 0; i < n / 10; i++)
		printf "alias add list%d@d%d.example targets=u%d@d%d.example,u%d@d%d.example\n", i, i % 100, i, i % 100, i + 100, i % 100;
}' >"$WORK/big.batch"
start=$EPOCHREALTIME
if "$MAILMAPCTL" --store "$WORK/big" batch "$WORK/big.batch" >/dev/null 2>"$WORK/err"; then
	round_trip "$n mailboxes" "$WORK/big"
	echo "  ($n mailboxes: $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}') s for both loads and exports)"
else
	fail "the $n-mailbox store: $(head -3 "$WORK/err")"
fi
finish
