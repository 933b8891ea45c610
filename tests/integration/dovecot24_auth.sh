#!/usr/bin/env bash
# dovecot_auth.sh with the real Dovecot 2.4.1 of a Debian 13 root
# (scripts/trixie-root; skipped, saying why, where it cannot be built):
# the sample conf/dovecot-2.4.conf, Lua passdb/userdb (conf/mailmap-auth.lua),
# quota counted by Dovecot and cloned into mailmapd (quota_clone), last
# login; the same plan rules, logins, fields (in 2.4's names), iteration.
DV_VERSION=2.4 exec bash "$(dirname "$0")/dovecot_auth.sh"
