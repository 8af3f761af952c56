-- wrk script for bench/influxdb.sh: a plain GET of the URL given to wrk
-- (the query InfluxDB is asked directly, in its query string), with the
-- Accept header the mirror sends.
wrk.method = "GET"
wrk.headers["Accept"] = "application/json"
