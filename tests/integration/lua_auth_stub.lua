-- conf/mailmap-auth.lua under plain lua5.4 + lua-socket, with a stub of
-- the `dovecot` table Dovecot's Lua driver gives, against a live
-- mailmapd (lua_auth.sh starts it with the Dovecot tests' store).
--
--   lua5.4 lua_auth_stub.lua SCRIPT SOCKET HOME_ROOT UID GID IDLE
--
-- IDLE: seconds after which mailmapd closes an idle connection (its
-- idle_timeout): the script's kept connection is then gone under it.
--
-- Prints "ok: ..." or "FAIL: ..." per check; exits 1 on a failure.
local script, socket_path, home_root, uid, gid, idle = table.unpack(arg)
local fails = 0

local function check(cond, what)
	print((cond and "  ok: " or "  FAIL: ") .. what)
	if not cond then
		fails = fails + 1
	end
end

-- The constants of Dovecot's db-lua.c (their values do not matter here,
-- only that they are told apart).
dovecot = {
	auth = {
		PASSDB_RESULT_INTERNAL_FAILURE = -1,
		PASSDB_RESULT_USER_UNKNOWN = -3,
		PASSDB_RESULT_OK = 1,
		USERDB_RESULT_INTERNAL_FAILURE = -1,
		USERDB_RESULT_USER_UNKNOWN = -2,
		USERDB_RESULT_OK = 1,
	},
	i_error = function(msg)
		print("  (dovecot.i_error: " .. msg .. ")")
	end,
}
local A = dovecot.auth

dofile(script)

local function fmt(fields)
	if type(fields) ~= "table" then
		return tostring(fields)
	end
	local keys = {}
	for k in pairs(fields) do
		keys[#keys + 1] = k
	end
	table.sort(keys)
	local out = {}
	for _, k in ipairs(keys) do
		out[#out + 1] = k .. "=" .. fields[k]
	end
	return table.concat(out, " ")
end

-- A request as Dovecot 2.3 builds it (service), or 2.4 (protocol).
local function req(user, service, secured)
	if dovecot.tabescape ~= nil then
		return { user = user, protocol = service, secured = secured or "" }
	end
	return { user = user, service = service, secured = secured or "" }
end

-- passdb WHAT USER SERVICE SECURED: code and fields.
local function passdb(user, service, secured)
	return auth_passdb_lookup(req(user, service, secured))
end

local function passdb_ok(what, user, service, secured)
	local code, f = passdb(user, service, secured)
	check(
		code == A.PASSDB_RESULT_OK
			and f.password:match("^{SHA512%-CRYPT}%$6%$")
			and f.user == user:lower()
			and f.nologin == nil,
		what .. ": " .. fmt(f):gsub("password=%S+", "password=<hash>")
	)
end

local function passdb_refused(what, user, service, secured)
	local code, f = passdb(user, service, secured)
	check(
		code == A.PASSDB_RESULT_OK and f.password ~= nil and f.nologin == "y" and f.reason ~= nil,
		what .. " (reason: " .. tostring(f.reason) .. ")"
	)
end

local function passdb_unknown(what, user, service, secured)
	local code, f = passdb(user, service, secured)
	check(code == A.PASSDB_RESULT_USER_UNKNOWN and type(f) == "string", what .. ": " .. tostring(code))
end

check(script_init() == 0, "script_init() returns 0 (Dovecot 2.3 requires it)")
script_init({ socket_path = socket_path })

for _, version in ipairs({ "2.3", "2.4" }) do
	print("-- as Dovecot " .. version)
	dovecot.tabescape = version == "2.4" and function(s)
		return s
	end or nil
	passdb_ok("right user, imap", "user@example.com", "imap", "secured")
	passdb_ok("upper case login, the canonical name back", "USER@Example.COM", "imap", "TLS")
	passdb_ok("smtp (Postfix SASL)", "user@example.com", "smtp", "")
	passdb_unknown("unknown user", "nobody@example.com", "imap")
	passdb_refused("disabled mailbox, imap", "off@example.com", "imap", "TLS")
	passdb_unknown("disabled mailbox, smtp: refused outright", "off@example.com", "smtp")
	passdb_refused("login=no, pop3", "nologin@example.com", "pop3", "TLS")
	passdb_unknown("login=no, smtp: refused outright", "nologin@example.com", "smtp")
	passdb_refused("offer without IMAP, imap", "popper@example.com", "imap", "TLS")
	passdb_ok("offer without IMAP, pop3", "popper@example.com", "pop3", "TLS")
	passdb_refused("offer without POP, pop3", "imapper@example.com", "pop3", "TLS")
	passdb_refused("TLS forced, plaintext", "tls@example.com", "imap", "")
	passdb_ok("TLS forced, secured", "tls@example.com", "imap", "secured")
	passdb_ok("TLS forced, TLS", "tls@example.com", "imap", "TLS")
	passdb_refused("TLS forbidden, TLS", "plain@example.com", "imap", "TLS")
	passdb_ok("TLS forbidden, plaintext", "plain@example.com", "imap", "")

	local code, f = auth_userdb_lookup(req("user@example.com", "imap"))
	local home = home_root .. "/example.com/user"
	if version == "2.3" then
		check(
			code == A.USERDB_RESULT_OK
				and fmt(f)
					== ("gid=" .. gid .. " home=" .. home .. " host=127.0.0.1 mail=maildir:" .. home .. "/Maildir quota_rule=*:storage=5000B uid=" .. uid),
			"userdb, 2.3 names: " .. fmt(f)
		)
	else
		check(
			code == A.USERDB_RESULT_OK
				and fmt(f)
					== ("gid=" .. gid .. " home=" .. home .. " host=127.0.0.1 mail_driver=maildir mail_path=" .. home .. "/Maildir quota_storage_size=5000 uid=" .. uid),
			"userdb, 2.4 names: " .. fmt(f)
		)
		code, f = auth_userdb_lookup(req("free@example.com", "imap"))
		check(f.quota_storage_size == "unlimited", "userdb, 2.4: no limit is 'unlimited': " .. fmt(f))
	end
	code, f = auth_userdb_lookup(req("nobody@example.com", "imap"))
	check(code == A.USERDB_RESULT_USER_UNKNOWN, "userdb of an unknown user: " .. tostring(code))

	local users = auth_userdb_iterate()
	table.sort(users)
	check(#users == 11 and users[1] == "big@example.com" and users[11] == "user@example.com", "iteration: " .. #users .. " users")
end

-- Escaping: a user with a TAB travels escaped and comes back unknown
-- (no such mailbox), the connection still in step.
local code = auth_passdb_lookup(req("a\tb@example.com", "imap"))
check(code == A.PASSDB_RESULT_USER_UNKNOWN, "a TAB in the user name: unknown, no protocol error")
passdb_ok("the next lookup on the same connection", "user@example.com", "imap", "TLS")

-- mailmapd closed the worker's idle connection: the next lookup connects
-- again and is answered.
os.execute("sleep " .. (tonumber(idle) + 1))
passdb_ok("after mailmapd closed the idle connection: answered on a new one", "user@example.com", "imap", "TLS")

-- mailmapd gone: internal failure, not "unknown user"; back when it is.
script_init({ socket_path = socket_path .. ".nothere" })
script_deinit()
code = auth_passdb_lookup(req("user@example.com", "imap"))
check(code == A.PASSDB_RESULT_INTERNAL_FAILURE, "no mailmapd at the socket: internal failure")
code = auth_userdb_lookup(req("user@example.com", "imap"))
check(code == A.USERDB_RESULT_INTERNAL_FAILURE, "userdb, no mailmapd: internal failure")
local ok = pcall(auth_userdb_iterate)
check(not ok, "iteration, no mailmapd: fails (an error, not an empty list)")
script_init({ socket_path = socket_path })
passdb_ok("mailmapd reachable again", "user@example.com", "imap", "TLS")

os.exit(fails == 0 and 0 or 1)
