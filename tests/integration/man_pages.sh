#!/usr/bin/env bash
# The man pages as built (scdoc, doc/meson.build): each renders with
# groff -ww without a warning and through man -l; mailmapd(8) has every
# option `mailmapd --help` prints. That every setting and mailmapctl
# command is documented is tests/unit/test_man_pages.c; where `meson
# install` puts the pages and the rest, debian_package.sh (the package is
# that install).
source "$(dirname "$0")/lib.bash"

: "${MAILMAPD:?set MAILMAPD}"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$(dirname "$MAILMAPD")/.." && pwd)

for tool in groff man; do
	command -v "$tool" >/dev/null || { fail "no $tool (scripts/setup --test)"; finish; }
done
for page in mailmapd.8 mailmapctl.8 mailmapd.conf.5 mailmap-dovecot.7; do
	file="$BUILD/doc/$page"
	if [ ! -s "$file" ]; then
		fail "$page: not built ($file)"
		continue
	fi
	if LC_ALL=C.UTF-8 groff -ww -z -man -Tutf8 "$file" >"$WORK/groff" 2>&1 &&
		[ ! -s "$WORK/groff" ]; then
		pass "$page: groff -ww renders it without a warning"
	else
		fail "$page: groff -ww: $(head -5 "$WORK/groff")"
	fi
	if MANWIDTH=80 man -l "$file" >"$WORK/man" 2>"$WORK/man.err" &&
		[ ! -s "$WORK/man.err" ] && grep -q "^NAME" "$WORK/man"; then
		pass "$page: man -l shows it ($(wc -l <"$WORK/man") lines)"
	else
		fail "$page: man -l: $(head -3 "$WORK/man.err")"
	fi
done

"$MAILMAPD" --help >"$WORK/help" 2>&1
for option in $(grep -o -- '--[a-z-]*' "$WORK/help" | sort -u) --help; do
	if grep -qF -- "*$option*" "$SRC/doc/mailmapd.8.scd"; then
		pass "mailmapd(8) documents $option"
	else
		fail "mailmapd(8) lacks $option"
	fi
done

finish
