#!/usr/bin/env bash
# vacation.sh with the real Dovecot 2.4.1 and Pigeonhole of a Debian 13
# root (scripts/trixie-root; skipped, saying why, where it cannot be
# built): the sample conf/dovecot-2.4.conf's sieve_script block (driver
# dict) and the same cases.
DV_VERSION=2.4 exec bash "$(dirname "$0")/vacation.sh"
