#!/usr/bin/env bash
# mailmapctl killed with SIGKILL in the middle of a large batch: the store
# must be exactly the old state, and usable afterwards.
source "$(dirname "$0")/lib.bash"

ctl customer add acme >/dev/null
ctl offer add acme/basic >/dev/null
ctl domain add example.com customer=acme >/dev/null
ctl mailbox add before@example.com offer=acme/basic >/dev/null
dump >"$WORK/before.dump"

# 300000 mailboxes in 300 domains: several seconds of work.
awk 'BEGIN {
	for (d = 0; d < 300; d++) print "domain add d" d ".example.net customer=acme";
	for (i = 0; i < 300000; i++) print "mailbox add u" i "@d" (i % 300) ".example.net offer=acme/basic";
}' >"$WORK/big.batch"

"$MAILMAPCTL" --store "$WORK/store" batch "$WORK/big.batch" >/dev/null 2>&1 &
pid=$!
sleep 1
if kill -0 "$pid" 2>/dev/null; then
	kill -KILL "$pid"
	wait "$pid"
	status=$?
	[ "$status" -eq 137 ] && pass "batch killed mid-way (exit 137)" || fail "batch exit $status"
else
	wait "$pid"
	fail "batch finished before it could be killed: make it bigger"
fi

dump >"$WORK/after.dump"
if cmp -s "$WORK/before.dump" "$WORK/after.dump"; then
	pass "store is exactly the old state"
else
	fail "store changed: $(diff "$WORK/before.dump" "$WORK/after.dump" | head -5)"
fi
expect 0 "store readable after the kill" -- ctl mailbox show before@example.com
expect 2 "nothing of the batch is there" -- ctl domain show d1.example.net
expect 0 "store writable after the kill (lock released)" -- ctl mailbox add after@example.com offer=acme/basic
head -1000 "$WORK/big.batch" >"$WORK/small.batch"
expect 0 "a batch commits after the kill" -- ctl batch "$WORK/small.batch"
finish
