#!/usr/bin/env bash
# mailmapctl backup and restore while mailmapd serves socketmap, policy and
# dict clients without pause (see the .py): the backup is consistent (its
# MANIFEST's checksum), lookups keep answering (p99 before and during it
# printed, no failed request); a restore under the same load fails no
# request and the answers switch to the backup's data (a mailbox added
# after the backup goes); the restored store exports exactly as the
# store did at backup time. kill -9 of a backup midway leaves no backup
# under its name and the earlier one intact; of a restore midway, the
# store whole (the old or the restored one).
source "$(dirname "$0")/lib.bash"
: "${MAILMAPD:?set MAILMAPD to the mailmapd binary}"
python3 "$(dirname "$0")/backup_restore.py" "$MAILMAPD" "$MAILMAPCTL" "$WORK"
