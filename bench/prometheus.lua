-- wrk script for bench/prometheus.sh: one request with a body and its type.
--   WRK_BODY    file holding the body (a form for Prometheus)
--   WRK_CTYPE   its Content-Type (default application/json)
--   WRK_METHOD  POST (default), or GET: no body, the query is in the URL
--   WRK_KEY     X-MIRROR-API-KEY to send (default api_key; Prometheus ignores it)
-- Like bench/wrk/post.lua, but Prometheus wants its query as a form.
local method = os.getenv("WRK_METHOD") or "POST"
wrk.method = method
if method ~= "GET" then
	local path = os.getenv("WRK_BODY")
	assert(path, "set WRK_BODY to a request body file")
	local f = assert(io.open(path, "rb"))
	wrk.body = f:read("*a")
	f:close()
	wrk.headers["Content-Type"] = os.getenv("WRK_CTYPE") or "application/json"
end
wrk.headers["X-MIRROR-API-KEY"] = os.getenv("WRK_KEY") or "api_key"
