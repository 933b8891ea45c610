#!/usr/bin/env bash
# postfix_sasl.sh with Debian 13's Postfix 3.10 and Dovecot 2.4.1 (the
# Lua passdb of conf/dovecot-2.4.conf on the SASL socket), both from the
# Debian 13 root (scripts/trixie-root; skipped, saying why, where it
# cannot be built): the same plan scenarios.
DV_VERSION=2.4 exec bash "$(dirname "$0")/postfix_sasl.sh"
