#!/usr/bin/env bash
# mailmapctl import (see the .py): the hosting guide's user spreadsheet
# from CSV (comma, semicolon, tab; BOM; CRLF; quoted separators, quotes
# and newlines) and XLSX (written by openpyxl: shared strings, numbers,
# booleans, dates; and by hand: inline strings, rich text, the 1904 date
# system, a custom date format, a row gap); every fault reported with its
# row and column and nothing written; --check writes nothing.
source "$(dirname "$0")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"
# Debian's python3: openpyxl is its package (python3-openpyxl).
/usr/bin/python3 "$(dirname "$0")/import_sheet.py" "$MAILMAPD" "$MAILMAPCTL" "$WORK"
