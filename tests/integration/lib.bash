# Shared helpers of the integration tests (sourced).
set -uo pipefail

: "${MAILMAPCTL:?set MAILMAPCTL to the mailmapctl binary}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailmap-it.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILS=0

ctl() { "$MAILMAPCTL" --store "$WORK/store" "$@"; }

fail() {
	echo "  FAIL: $*"
	FAILS=$((FAILS + 1))
}

pass() { echo "  ok: $*"; }

# expect STATUS DESCRIPTION -- command...: checks the exit status.
expect() {
	local want=$1 what=$2
	shift 3
	"$@" >"$WORK/out" 2>"$WORK/err"
	local got=$?
	if [ "$got" -eq "$want" ]; then pass "$what"; else
		fail "$what: exit $got, want $want: $(cat "$WORK/err")"
	fi
}

# The whole config environment as text (every table, every record).
dump() { mdb_dump -a "$WORK/store/config"; }

finish() {
	[ "$FAILS" -eq 0 ] && echo "  all checks passed" && exit 0
	echo "  $FAILS checks failed"
	exit 1
}
