#!/usr/bin/env bash
# dovecot_auth.sh again, with the real Dovecot 2.3's Lua passdb/userdb
# (conf/mailmap-auth.lua, the script Dovecot 2.4 needs) instead of its
# dict driver: the same plan rules, fields, iteration, IMAP/POP logins,
# quota and last login must come out of the same mailmapd.
DV_AUTH=lua exec bash "$(dirname "$0")/dovecot_auth.sh"
