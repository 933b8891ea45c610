-- mailmap: Dovecot passdb and userdb from mailmapd, for Dovecot 2.4
-- (which has no dict passdb/userdb) and Dovecot 2.3 alike.
--
-- Install as /etc/dovecot/mailmap-auth.lua, with the Debian packages
-- dovecot-auth-lua, lua-socket and lua-cjson. conf/dovecot-2.4.conf (and,
-- on 2.3, conf/dovecot-lua-2.3.conf) name it for both the passdb and the
-- userdb.
--
-- The script holds no rule of its own: it asks mailmapd's dict listener
-- for the "auth" dict over a unix socket, the same questions Dovecot
-- 2.3's dict passdb/userdb ask (docs/dovecot-notes.md), and hands the
-- answers to Dovecot. The plan's rules (IMAP/POP allowed, TLS forced or
-- forbidden, disabled accounts, SMTP AUTH) are applied by mailmapd.
--
-- The socket: lua_settings { socket_path = ... } (Dovecot 2.4), else the
-- environment variable MAILMAP_AUTH_SOCKET (import_environment), else
-- /run/mailmap/auth.sock. Auth workers run the script (use_worker, the
-- default for Lua), one request at a time: each keeps one connection to
-- mailmapd and opens it again when mailmapd has closed it.

-- socket (LuaSocket's core) ignores SIGPIPE, so a write to a connection
-- mailmapd has closed is an error to handle, not the end of the process.
require("socket")
local socket_unix = require("socket.unix")
local cjson = require("cjson.safe")

local socket_path = "/run/mailmap/auth.sock"
local timeout = 10 -- seconds per answer; Dovecot's own dict client waits 30
local conn = nil

-- Dovecot 2.4 renamed request variables (service -> protocol) and the
-- userdb fields (mail -> mail_driver + mail_path, quota_rule ->
-- quota_storage_size); only 2.4 has dovecot.tabescape.
local function dovecot_24()
	return dovecot.tabescape ~= nil
end

---- the dict protocol (docs/dovecot-notes.md) ----------------------------

local escapes = { ["\1"] = "\0011", ["\t"] = "\001t", ["\r"] = "\001r", ["\n"] = "\001n" }
local unescapes = { ["1"] = "\1", t = "\t", r = "\r", n = "\n", ["0"] = "\0" }

local function escape(s)
	return (s:gsub("[\1\t\r\n]", escapes))
end

local function unescape(s)
	return (s:gsub("\1(.)", function(c)
		return unescapes[c] or c
	end))
end

local function disconnect()
	if conn ~= nil then
		conn:close()
		conn = nil
	end
end

local function connect()
	local c = socket_unix()
	c:settimeout(timeout)
	local ok, err = c:connect(socket_path)
	if not ok then
		c:close()
		return nil, "cannot connect to mailmapd at " .. socket_path .. ": " .. tostring(err)
	end
	-- Major version 3 is served to every Dovecot; no reply to H.
	ok, err = c:send("H3\t2\t0\t\tauth\n")
	if not ok then
		c:close()
		return nil, "mailmapd: " .. tostring(err)
	end
	conn = c
	return c
end

-- Sends one command and returns the first reply line, on a connection
-- that mailmapd may have closed since the last request (it closes idle
-- ones): then once more on a new one. Lookups change nothing, so a second
-- try is safe.
local function ask(line)
	local err
	for _ = 1, 2 do
		local c = conn
		if c == nil then
			c, err = connect()
			if c == nil then
				return nil, err
			end
		end
		local ok
		ok, err = c:send(line)
		if ok then
			local reply
			reply, err = c:receive("*l")
			if reply ~= nil then
				return reply
			end
		end
		disconnect()
	end
	return nil, "mailmapd: " .. tostring(err)
end

-- L<key>\t<user>: the value, false when not found, or nil and an error.
local function lookup(key, user)
	local reply, err = ask("L" .. escape(key) .. "\t" .. escape(user) .. "\n")
	if reply == nil then
		return nil, err
	end
	local code, rest = reply:sub(1, 1), reply:sub(2)
	if code == "O" then
		return unescape(rest)
	elseif code == "N" then
		return false
	elseif code == "F" then
		return nil, "mailmapd: " .. unescape(rest)
	end
	disconnect()
	return nil, "mailmapd: unexpected reply " .. reply:sub(1, 40)
end

-- A flat JSON object as Dovecot fields (numbers as integers, as
-- Dovecot's dict passdb/userdb read them).
local function json_fields(value)
	local object, err = cjson.decode(value)
	if type(object) ~= "table" then
		return nil, "mailmapd: bad JSON: " .. tostring(err)
	end
	local fields = {}
	for k, v in pairs(object) do
		if type(v) == "number" then
			v = math.tointeger(v) or v
		end
		if v ~= cjson.null then
			fields[k] = tostring(v)
		end
	end
	return fields
end

-- The result of a lookup: code, fields (or the error: a string, which
-- Dovecot 2.3 requires even for an unknown user).
local function answer(value, err, ok, unknown, failure)
	if value == nil then
		return failure, err
	elseif value == false then
		return unknown, "no such user"
	end
	local fields, jerr = json_fields(value)
	if fields == nil then
		return failure, jerr
	end
	return ok, fields
end

---- userdb fields in Dovecot 2.4's names ---------------------------------

-- 2.3's mail location parameters and the 2.4 settings that replaced them.
local location_params = {
	LAYOUT = "mailbox_list_layout",
	INDEX = "mail_index_path",
	CONTROL = "mail_control_path",
	INBOX = "mail_inbox_path",
	VOLATILEDIR = "mail_volatile_path",
	ALT = "mail_alt_path",
	DIRNAME = "mailbox_directory_name",
}

-- mail=DRIVER:PATH[:KEY=VALUE...] -> mail_driver, mail_path, ...
local function mail_location_24(fields, location)
	local parts = {}
	for part in (location .. ":"):gmatch("([^:]*):") do
		parts[#parts + 1] = part
	end
	fields.mail_driver = parts[1]
	if parts[2] ~= nil and parts[2] ~= "" then
		fields.mail_path = parts[2]
	end
	for i = 3, #parts do
		local key, value = parts[i]:match("^([A-Z]+)=(.*)$")
		if key ~= nil and location_params[key] ~= nil then
			fields[location_params[key]] = value
		end
	end
end

local function userdb_fields_24(fields)
	if fields.mail ~= nil then
		mail_location_24(fields, fields.mail)
		fields.mail = nil
	end
	if fields.quota_rule ~= nil then
		-- "*:storage=<bytes>B"; 0 is no limit.
		local bytes = fields.quota_rule:match("^%*:storage=(%d+)B?$")
		if bytes == "0" then
			fields.quota_storage_size = "unlimited"
		elseif bytes ~= nil then
			fields.quota_storage_size = bytes
		end
		fields.quota_rule = nil
	end
	return fields
end

---- what Dovecot calls ----------------------------------------------------

function script_init(args)
	if type(args) == "table" and args.socket_path ~= nil then
		socket_path = args.socket_path
	elseif os.getenv("MAILMAP_AUTH_SOCKET") ~= nil then
		socket_path = os.getenv("MAILMAP_AUTH_SOCKET")
	end
	return 0
end

function script_deinit()
	disconnect()
end

-- The answer depends on the service and on the connection's security
-- ("", "secured" or "TLS"), which mailmapd reads from the key.
function auth_passdb_lookup(req)
	local service = req.service or req.protocol or ""
	local key = "shared/passdb/" .. service .. "/" .. (req.secured or "") .. "/" .. req.user
	local value, err = lookup(key, req.user)
	return answer(
		value,
		err,
		dovecot.auth.PASSDB_RESULT_OK,
		dovecot.auth.PASSDB_RESULT_USER_UNKNOWN,
		dovecot.auth.PASSDB_RESULT_INTERNAL_FAILURE
	)
end

function auth_userdb_lookup(req)
	local value, err = lookup("shared/userdb/" .. req.user, req.user)
	local code, fields = answer(
		value,
		err,
		dovecot.auth.USERDB_RESULT_OK,
		dovecot.auth.USERDB_RESULT_USER_UNKNOWN,
		dovecot.auth.USERDB_RESULT_INTERNAL_FAILURE
	)
	if code == dovecot.auth.USERDB_RESULT_OK and dovecot_24() then
		fields = userdb_fields_24(fields)
	end
	return code, fields
end

-- doveadm user '*' and doveadm -A: every mailbox (doveadm applies the
-- mask). Rows until an empty line; F instead of it, or a lost
-- connection, fails the iteration (a Lua error: doveadm exits 75) rather
-- than return a short list.
function auth_userdb_iterate()
	local prefix = "shared/userdb/"
	local users = {}
	local reply, err = ask("I0\t0\t" .. prefix .. "\t*\n")
	while reply ~= nil and reply ~= "" do
		if reply:sub(1, 1) ~= "O" then
			err = "mailmapd: " .. unescape(reply:sub(2))
			break
		end
		local key = unescape(reply:sub(2):match("^[^\t]*"))
		users[#users + 1] = key:sub(#prefix + 1)
		reply, err = conn:receive("*l")
	end
	if reply ~= "" then
		disconnect()
		error("mailmap: user iteration failed: " .. tostring(err))
	end
	return users
end
