-- wrk script: POST one mirror request body, with the API key header.
--   WRK_BODY  file holding the JSON body (one of bench/wrk/*.json)
--   WRK_KEY   the X-MIRROR-API-KEY to send (default api_key)
-- bench/run.sh uses it for the mirror and for nginx's static twin, so both
-- receive byte-identical requests. No response() callback: it would make
-- wrk hand every answer to Lua and slow the client down; bench/run.sh
-- reads wrk's "Non-2xx or 3xx responses" line instead.
local path = os.getenv("WRK_BODY")
assert(path, "set WRK_BODY to a request body file")
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-MIRROR-API-KEY"] = os.getenv("WRK_KEY") or "api_key"
