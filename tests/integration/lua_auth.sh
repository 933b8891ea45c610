#!/usr/bin/env bash
# conf/mailmap-auth.lua (the Lua passdb/userdb for Dovecot 2.4, and 2.3's
# Lua driver) under plain lua5.4 + lua-socket + lua-cjson with a stub
# `dovecot` table (lua_auth_stub.lua), against a live mailmapd serving
# the Dovecot tests' store: every plan rule through the passdb, the
# userdb in 2.3's and 2.4's field names, the iteration, escaping, a
# connection mailmapd closed while idle, and mailmapd unreachable
# (internal failure, never "unknown user").
source "$(dirname "$0")/dovecot.bash"

need_tools
dv_need_tools
need_commands lua5.4

dv_fixture
DV_MM_DAEMON='idle_timeout = "1s";'
dv_mm_start
if lua5.4 "$TESTS_DIR/lua_auth_stub.lua" "$CONF_SRC/mailmap-auth.lua" \
	"$AUTH_SOCK" "$DV_MAIL" "$VMAIL" "$VMAIL" 1 >"$WORK/lua.out" 2>&1; then
	cat "$WORK/lua.out"
else
	cat "$WORK/lua.out"
	grep -q "FAIL:" "$WORK/lua.out" || fail "lua5.4 stopped: $(tail -3 "$WORK/lua.out")"
	FAILS=$((FAILS + $(grep -c "FAIL:" "$WORK/lua.out")))
fi
mm_stop_check
dv_finish
