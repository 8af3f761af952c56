-- wrk script for bench/prometheus.sh: POST one body with a content type.
--   WRK_BODY   file holding the body
--   WRK_CTYPE  its Content-Type (default application/json)
--   WRK_KEY    X-MIRROR-API-KEY to send (default api_key; Prometheus ignores it)
-- Like bench/wrk/post.lua, but Prometheus wants its query as a form.
local path = os.getenv("WRK_BODY")
assert(path, "set WRK_BODY to a request body file")
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("WRK_CTYPE") or "application/json"
wrk.headers["X-MIRROR-API-KEY"] = os.getenv("WRK_KEY") or "api_key"
