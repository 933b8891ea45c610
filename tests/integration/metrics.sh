#!/usr/bin/env bash
# mailmapd's metrics listener (daemon/metrics*.c): a scrape before and
# after a known set of socketmap, policy and dict requests (metrics.py)
# moves each counter by exactly those requests, outcome by outcome, and
# the duration histogram and the connection counters with them; the
# exposition passes `promtool check metrics` (Debian's prometheus); a
# client outside the listener's allow list gets 403, another path 404;
# the counters do not depend on the number of workers (2 here).
source "$(dirname "$0")/postfix.bash"

need_commands promtool curl python3
METRICS=$(free_port)
DENIED=$(free_port)
RUN="$SOCK_DIR"
cat >"$WORK/fixture.batch" <<'END'
customer add acme
offer add acme/basic
domain add example.org customer=acme
mailbox add jane@example.org offer=acme/basic
mailbox add off@example.org offer=acme/basic enabled=no
END
ctl batch "$WORK/fixture.batch" >/dev/null || { fail "fixture"; finish; }

mm_config() {
	cat >"$MM_CONF" <<END
store: { dir = "$WORK/store"; };
daemon: { user = "mailmap"; workers = 2; };
listeners = (
  { protocol = "socketmap"; path = "$RUN/sm.sock"; mode = "0666"; },
  { protocol = "policy"; path = "$RUN/policy.sock"; mode = "0666"; },
  { protocol = "dict"; path = "$RUN/dict.sock"; mode = "0666"; maps = [ "auth" ]; },
  { protocol = "metrics"; address = "127.0.0.1:$METRICS"; },
  { protocol = "metrics"; address = "127.0.0.1:$DENIED"; allow = [ "127.0.0.2/32" ]; }
);
END
}
SOCK="$RUN/sm.sock" mm_start

if PYTHONPATH="$(dirname "$0")" python3 "$(dirname "$0")/metrics.py" "$RUN" "$METRICS" \
	"$WORK/scrape" >"$WORK/py.out" 2>&1; then
	cat "$WORK/py.out"
	pass "every counter moved by exactly the requests sent"
else
	cat "$WORK/py.out"
	fail "metrics.py"
fi
if promtool check metrics <"$WORK/scrape.after" >"$WORK/promtool" 2>&1; then
	pass "promtool check metrics accepts the exposition ($(grep -c '^mailmap_' "$WORK/scrape.after") samples)"
else
	fail "promtool: $(head -5 "$WORK/promtool")"
fi
version=$(sed -n "s/^  version : '\(.*\)',$/\1/p" "$(dirname "$0")/../../meson.build")
grep -qx "mailmap_info{version=\"$version\"} 1" "$WORK/scrape.after" &&
	pass "mailmap_info carries the project's version ($version)" ||
	fail "mailmap_info: $(grep mailmap_info "$WORK/scrape.after"), want version $version"
code=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.1 "http://127.0.0.1:$DENIED/metrics")
[ "$code" = 403 ] && pass "a client outside the allow list: 403" || fail "outside the allow list: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS/other")
[ "$code" = 404 ] && pass "another path: 404" || fail "another path: $code"
# mailmapctl status reads the same listener.
if "$MAILMAPCTL" --config "$MM_CONF" status >"$WORK/status" 2>&1; then
	sed 's/^/  | /' "$WORK/status"
	grep -Eq '^socketmap +mailboxes +7 +found 5, notfound 2 ' "$WORK/status" &&
		pass "mailmapctl status: socketmap mailboxes 7 (found 5, notfound 2)" ||
		fail "mailmapctl status lacks the mailboxes row"
	grep -Eq '^policy +greylisting +1 +defer_if_permit 1 ' "$WORK/status" &&
		pass "mailmapctl status: policy greylisting 1 (defer_if_permit)" ||
		fail "mailmapctl status lacks the greylisting row"
else
	fail "mailmapctl status: $(cat "$WORK/status")"
fi
"$MAILMAPCTL" --config "$MM_CONF" status --json >"$WORK/status.json" 2>&1
python3 - "$WORK/status.json" >"$WORK/json.out" 2>&1 <<'PY' && pass "status --json: $(cat "$WORK/json.out")" || fail "status --json: $(cat "$WORK/json.out")"
import json, sys
doc = json.load(open(sys.argv[1]))
found = [s["value"] for s in doc["samples"] if s["name"] == "mailmap_requests_total"
         and s["labels"].get("name") == "mailboxes" and s["labels"].get("outcome") == "found"]
assert found == [5], found
print("%d samples, mailboxes found = %d" % (len(doc["samples"]), found[0]))
PY
mm_stop_check
code=0
"$MAILMAPCTL" --config "$MM_CONF" status >"$WORK/down" 2>&1 || code=$?
[ "$code" = 75 ] && pass "status with mailmapd stopped: exit 75 ($(cat "$WORK/down"))" ||
	fail "status with mailmapd stopped: exit $code"
finish
