#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each.
#
#   tests/fuzz/run.sh [SECONDS]            each target SECONDS (default 20),
#                                          from the kept corpus (CI's run)
#   tests/fuzz/run.sh --long [RUNS [TARGET...]]
#                                          each target (or those named)
#                                          RUNS executions (default
#                                          10 000 000, at most two hours),
#                                          two at a time, then the new
#                                          inputs merged into the kept
#                                          corpus, tests/fuzz/corpus/TARGET
#
# The kept corpus only seeds a run: a short run never writes to it, so a
# clean clone stays clean. Prints "fuzz TARGET: Done N runs" per target.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=20 runs=0
targets=(netstring records names policy_request dict)
if [ "${1:-}" = "--long" ]; then
	runs=${2:-10000000} seconds=7200
	[ $# -gt 2 ] && targets=("${@:3}")
elif [ $# -gt 0 ]; then
	seconds=$1
fi
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

# fuzz TARGET: builds and runs it; its log in $out/TARGET.log.
fuzz() {
	local target=$1 kept=tests/fuzz/corpus/$1 limit=()
	# shellcheck disable=SC2086
	clang "${flags[@]}" tests/fuzz/fuzz_$target.c ${sources[$target]} \
		$(pkg-config --cflags --libs libidn2) -o "$out/$target"
	mkdir -p "$out/corpus_$target"
	[ "$runs" -gt 0 ] && limit=(-runs="$runs")
	# new inputs go to the first directory; the kept corpus seeds
	"$out/$target" -max_total_time="$seconds" "${limit[@]}" -max_len=4096 \
		"$out/corpus_$target" $([ -d "$kept" ] && echo "$kept") \
		>"$out/$target.log" 2>&1
}

report() { # report TARGET STATUS
	if [ "$2" -eq 0 ]; then
		echo "fuzz $1: $(grep -Eo 'Done [0-9]+ runs' "$out/$1.log" || echo done)"
	else
		echo "fuzz $1: FAILED"
		tail -40 "$out/$1.log"
	fi
}

status=0
if [ "$runs" -eq 0 ]; then
	for target in "${targets[@]}"; do
		rc=0
		fuzz "$target" || rc=$?
		report "$target" "$rc"
		[ "$rc" -eq 0 ] || status=1
	done
	exit $status
fi

# --long: two at a time (two cores), then the corpus kept, minimised.
declare -A pids
for target in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge 2 ]; do sleep 1; done
	fuzz "$target" &
	pids[$target]=$!
done
for target in "${targets[@]}"; do
	rc=0
	wait "${pids[$target]}" || rc=$?
	report "$target" "$rc"
	[ "$rc" -eq 0 ] || status=1
done
[ "$status" -eq 0 ] || exit $status
for target in "${targets[@]}"; do
	kept=tests/fuzz/corpus/$target
	mkdir -p "$kept" "$out/merged_$target"
	"$out/$target" -merge=1 -max_len=4096 "$out/merged_$target" "$kept" \
		"$out/corpus_$target" >"$out/$target.merge.log" 2>&1
	rm -rf "$kept"
	mv "$out/merged_$target" "$kept"
	echo "corpus $target: $(find "$kept" -type f | wc -l) inputs kept"
done
