#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# SECONDS (default 20). Usage: tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
out=$(mktemp -d "${TMPDIR:-/tmp}/mailmap-fuzz.XXXXXX")
trap 'rm -rf "$out"' EXIT
flags=(-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=undefined -Imaps -Idaemon -Ipolicy -Iauth -Iconf)
maps=(maps/arena.c maps/codec.c maps/records.c maps/names.c maps/names_puny.c)

declare -A sources=(
	[netstring]="daemon/netstring.c"
	[records]="${maps[*]}"
	[names]="maps/names.c maps/names_puny.c"
	[policy_request]="policy/request.c"
	[dict]="auth/dict_codec.c auth/dict_session.c maps/arena.c"
)
status=0
for target in netstring records names policy_request dict; do
	# shellcheck disable=SC2086
	clang "${flags[@]}" tests/fuzz/fuzz_$target.c ${sources[$target]} \
		$(pkg-config --cflags --libs libidn2) -o "$out/$target"
	mkdir -p "$out/corpus_$target"
	if "$out/$target" -max_total_time="$seconds" -max_len=4096 \
		"$out/corpus_$target" >"$out/$target.log" 2>&1; then
		echo "fuzz $target: $(grep -Eo 'Done [0-9]+ runs' "$out/$target.log" || echo done)"
	else
		echo "fuzz $target: FAILED"
		tail -40 "$out/$target.log"
		status=1
	fi
done
exit $status
