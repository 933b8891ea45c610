#!/usr/bin/env bash
# kill -9 of mailmapd, 5 times at random moments, under load from a real
# Postfix smtpd (private instance, postfix.bash) asking its socketmaps and
# its policy service (greylisting on, 1 s delay): 520 messages to existing
# and unknown recipients from kill9_load.py, a sending MTA that tries a 4xx
# again. mailmapd is started again after each kill, as systemd would.
# Every message smtpd accepted must be delivered to the sink exactly once,
# none lost, none refused that had a recipient, and nothing left in the
# queue; Postfix's own retries (smtpd_policy_service_try_limit, the
# socketmap reconnect) and the sender's carry the load over the gaps.
source "$(dirname "$0")/postfix.bash"

POLICY_SOCK="$SOCK_DIR/policy.sock"
MESSAGES=520
SESSIONS=8
KILLS=5

mm_config() {
	cat >"$MM_CONF" <<EOF
store: { dir = "$WORK/store"; };
lookup: { recipient_delimiter = "+"; };
daemon: { user = "mailmap"; workers = 2; log_level = "info"; };
policy: { greylisting = true; greylist_delay = "1s"; };
listeners = (
  { protocol = "socketmap"; path = "$SOCK"; mode = "0666"; },
  { protocol = "policy"; path = "$POLICY_SOCK"; mode = "0666"; }
);
EOF
}

need_tools
sink_start 4
IMAP1=${SINK_PORTS[0]}
IMAP2=${SINK_PORTS[1]}
OTHER=${SINK_PORTS[2]}
VIRTUAL=${SINK_PORTS[3]}
SMTP=$(free_port)

fixture_load "$IMAP1" "$IMAP2"
mm_start
wait_for 100 test -S "$POLICY_SOCK" || {
	fail "mailmapd did not create $POLICY_SOCK"
	pf_finish
}
pf_config "$SMTP" "$VIRTUAL" "$OTHER"
cat >>"$PF/main.cf" <<EOF
smtpd_recipient_restrictions = reject_unauth_destination,
    reject_unlisted_recipient, check_policy_service unix:$POLICY_SOCK
smtpd_policy_service_timeout = 10s
in_flow_delay = 0
EOF
pf_start
pf_wait_smtpd "$SMTP" || {
	fail "smtpd does not answer: $(tail -20 "$WORK/maillog")"
	pf_finish
}

timeout 300 python3 "$(dirname "$0")/kill9_load.py" 127.0.0.1 "$SMTP" \
	"$MESSAGES" "$SESSIONS" 240 >"$WORK/load.out" 2>"$WORK/load.err" &
LOAD=$!

# Five kill -9 at random moments while the load runs, each followed by a
# new mailmapd.
for i in $(seq "$KILLS"); do
	sleep "$(python3 -c 'import random; print(round(random.uniform(0.5, 2.0), 2))')"
	kill -9 "$MM_PID"
	wait "$MM_PID" 2>/dev/null
	MM_PID=""
	mm_start
done
pass "$KILLS times kill -9 and a new mailmapd, under load"
wait "$LOAD"
status=$?
[ "$status" -eq 0 ] || fail "the load client: exit $status: $(tail -3 "$WORK/load.err")"

# A message whose delivery met a gap (trivial-rewrite's transport lookup)
# was deferred: still in the queue, as accepted mail must be. Flush it now
# rather than wait out the retry time.
queue_empty() { postqueue -c "$PF" -p 2>/dev/null | grep -q "Mail queue is empty"; }
deferred=$(postqueue -c "$PF" -p 2>/dev/null | grep -cE '^[0-9A-F]+\*? ')
echo "  in the queue when the load ended: $deferred messages; flushing"
postqueue -c "$PF" -f 2>/dev/null
wait_for 600 queue_empty || fail "queue not empty: $(postqueue -c "$PF" -p | tail -3)"

# What the sink got: "ID address" per delivery.
awk '
	/^message / { n = 0 }
	/^rcpt / { r[++n] = $3 }
	/^\| X-Test: kill9-/ { id = $3 }
	/^end$/ && id != "" { for (i = 1; i <= n; i++) print id, r[i]; id = "" }
' "$SINK_LOG" | sort >"$WORK/delivered"
python3 - "$WORK/load.out" "$WORK/delivered" <<'EOF' >"$WORK/verdict"
import collections, json, sys
results = [json.loads(line) for line in open(sys.argv[1])]
delivered = collections.Counter(tuple(l.split()) for l in open(sys.argv[2]))
accepted = [r for r in results if r["result"] == "accepted"]
lost = [r["id"] for r in accepted if delivered[(r["id"], r["rcpt"])] == 0]
dup = [k for k, v in delivered.items() if v > 1]
unknown = ("nobody@nocatch.example", "ghost@nocatch.example")
wrong_refusals = [r["id"] for r in results if r["result"] == "refused" and r["rcpt"] not in unknown]
wrong_accepts = [r["id"] for r in accepted if r["rcpt"] in unknown]
gave_up = [r["id"] for r in results if r["result"] == "gave up"]
tries = sum(r["tries"] for r in results)
print(f"sent {len(results)} messages in {tries} SMTP attempts; accepted {len(accepted)}, "
      f"refused {len(results) - len(accepted) - len(gave_up)} (unknown recipients), "
      f"gave up {len(gave_up)}; delivered {sum(delivered.values())}; lost {len(lost)}, "
      f"duplicated {len(dup)}")
print("problems:", {"lost": lost[:5], "duplicated": dup[:5], "wrong refusals": wrong_refusals[:5],
                    "wrong accepts": wrong_accepts[:5], "gave up": gave_up[:5]})
ok = len(results) == int(sys.argv[3] if len(sys.argv) > 3 else len(results)) and not (
    lost or dup or wrong_refusals or wrong_accepts or gave_up)
sys.exit(0 if ok else 1)
EOF
verdict=$?
sed 's/^/  /' "$WORK/verdict"
lines=$(wc -l <"$WORK/load.out")
if [ "$verdict" -eq 0 ] && [ "$lines" -eq "$MESSAGES" ]; then
	pass "every accepted message delivered once, none lost, no wrong answer"
else
	fail "after $KILLS kills: see the counts above ($lines of $MESSAGES messages reported)"
fi
kills_seen=$(grep -c "ready:" "$MM_LOG")
if [ "$kills_seen" -eq $((KILLS + 1)) ]; then
	pass "mailmapd started $kills_seen times (1 + $KILLS after each kill)"
else
	fail "mailmapd became ready $kills_seen times, want $((KILLS + 1))"
fi
gaps=$(grep -cE 'lookup error|problem talking to server|status=deferred' "$WORK/maillog")
echo "  Postfix warnings of the gaps (lookup errors, policy retries, deferrals): $gaps"
mm_stop_check
pf_finish
