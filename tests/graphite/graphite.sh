# shellcheck shell=bash
# tests/graphite/graphite.sh: start and stop a private Graphite, i.e.
# Debian's carbon-cache and graphite-web (under gunicorn, a WSGI server
# from Debian), on loopback ports, with their configuration, whisper
# files, tag database and logs in one directory. Nothing under /etc or
# /var is read or written; both processes are children of the calling
# shell and are stopped by PID. Sourced by tests/graphite/run.sh and
# bench/graphite.sh; it defines functions and variables only.
#
# Set before graphite_start:
#   GRAPHITE_DIR      the directory (created)
#   GRAPHITE_PORT     graphite-web's HTTP port (127.0.0.1)
#   CARBON_LINE_PORT, CARBON_PICKLE_PORT, CARBON_QUERY_PORT   carbon's
#                     plaintext, pickle and cache-query (CarbonLink) ports
#   GRAPHITE_WORKERS  gunicorn worker processes (default 2)
# Set by graphite_start: GRAPHITE_WEB_PID, CARBON_PID, GRAPHITE_URL.
# GRAPHITE_PY is the Debian interpreter the packages are installed for.
# shellcheck disable=SC2034

GRAPHITE_PY=/usr/bin/python3
GRAPHITE_WEB_PID=""
CARBON_PID=""
GRAPHITE_URL=""

graphite_say() { printf 'graphite: %s\n' "$*" >&2; }

graphite_tail() {
	[ -s "$1" ] || return 0
	printf 'graphite: last lines of %s:\n' "$1" >&2
	tail -n 20 "$1" | sed 's/^/    /' >&2
}

# graphite-web's settings, read through GRAPHITE_SETTINGS_MODULE instead
# of /etc/graphite/local_settings.py.
graphite_settings() {
	local d=$GRAPHITE_DIR
	cat >"$d/conf/mirror_graphite_settings.py" <<PY
SECRET_KEY = 'stackstate-mirror-test-only'
TIME_ZONE = 'UTC'
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
GRAPHITE_ROOT = '/usr/share/graphite-web'
STATIC_ROOT = '/usr/share/graphite-web/static'
CONF_DIR = '$d/conf'
STORAGE_DIR = '$d/storage'
WHISPER_DIR = '$d/storage/whisper'
STANDARD_DIRS = ['$d/storage/whisper']
INDEX_FILE = '$d/storage/index'
LOG_DIR = '$d/log/webapp'
LOG_ROTATION = False
DEFAULT_XFILES_FACTOR = 0
CARBONLINK_HOSTS = ['127.0.0.1:$CARBON_QUERY_PORT:a']
TAGDB = 'graphite.tags.localdatabase.LocalDatabaseTagDB'
DATABASES = {'default': {'NAME': '$d/storage/graphite.db',
                         'ENGINE': 'django.db.backends.sqlite3'}}
PY
}

graphite_carbon_conf() {
	local d=$GRAPHITE_DIR
	cat >"$d/conf/carbon.conf" <<CONF
[cache]
STORAGE_DIR = $d/storage/
LOCAL_DATA_DIR = $d/storage/whisper/
WHITELISTS_DIR = $d/storage/lists/
CONF_DIR = $d/conf/
LOG_DIR = $d/log/carbon/
PID_DIR = $d/run/
DATABASE = whisper
ENABLE_LOGROTATION = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $CARBON_LINE_PORT
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $CARBON_PICKLE_PORT
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $CARBON_QUERY_PORT
CARBON_METRIC_INTERVAL = 0
WHISPER_AUTOFLUSH = False
WHISPER_FALLOCATE_CREATE = False
ENABLE_TAGS = True
GRAPHITE_URL = http://127.0.0.1:$GRAPHITE_PORT
CONF
	# Tagged series that carbon creates: 10 s for 8 hours, then 1 minute
	# (tests/graphite/data.py); many small ones for value grouping.
	printf '%s\n' '[groups]' 'pattern = ^grp\.' 'retentions = 1m:2h' '' \
		'[tagged]' 'pattern = ;' 'retentions = 10s:8h,1m:7d' '' \
		'[default]' 'pattern = .*' 'retentions = 1m:1d' >"$d/conf/storage-schemas.conf"
	printf '[default]\npattern = .*\nxFilesFactor = 0\naggregationMethod = average\n' \
		>"$d/conf/storage-aggregation.conf"
}

# Polls until url answers HTTP 200, pid staying alive; secs is the deadline.
graphite_wait_http() {
	local url=$1 pid=$2 secs=$3 log=$4 i
	for ((i = 0; i < secs * 10; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			graphite_tail "$log"
			graphite_say "pid $pid exited"
			return 1
		fi
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url")" = 200 ] && return 0
		sleep 0.1
	done
	graphite_tail "$log"
	graphite_say "$url did not answer within $secs s"
	return 1
}

# Polls until something listens on 127.0.0.1:port.
graphite_wait_port() {
	local port=$1 pid=$2 secs=$3 log=$4 i
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	graphite_tail "$log"
	graphite_say "nothing listens on port $port (pid $pid)"
	return 1
}

# graphite-web's environment: the private settings module.
graphite_env() {
	GRAPHITE_ENV=(PYTHONPATH="$GRAPHITE_DIR/conf"
		GRAPHITE_SETTINGS_MODULE=mirror_graphite_settings
		DJANGO_SETTINGS_MODULE=graphite.settings)
}

# Starts graphite-web alone (the tag database must exist).
graphite_web_start() {
	local d=$GRAPHITE_DIR
	graphite_env
	# env execs gunicorn, so $! is gunicorn's master process.
	env "${GRAPHITE_ENV[@]}" /usr/bin/gunicorn --bind "127.0.0.1:$GRAPHITE_PORT" \
		--workers "${GRAPHITE_WORKERS:-2}" --timeout 120 --chdir "$d" \
		--pid "$d/run/gunicorn.pid" graphite.wsgi:application \
		>>"$d/log/gunicorn.log" 2>&1 &
	GRAPHITE_WEB_PID=$!
	GRAPHITE_URL=http://127.0.0.1:$GRAPHITE_PORT
	graphite_wait_http "$GRAPHITE_URL/metrics/find?query=*" "$GRAPHITE_WEB_PID" 60 \
		"$d/log/gunicorn.log"
}

graphite_carbon_start() {
	local d=$GRAPHITE_DIR
	"$GRAPHITE_PY" /usr/bin/carbon-cache --config="$d/conf/carbon.conf" \
		--pidfile="$d/run/carbon.pid" --logdir="$d/log/carbon" --nodaemon start \
		>>"$d/log/carbon.out" 2>&1 &
	CARBON_PID=$!
	graphite_wait_port "$CARBON_LINE_PORT" "$CARBON_PID" 60 "$d/log/carbon.out"
}

graphite_start() {
	: "${GRAPHITE_DIR:?}" "${GRAPHITE_PORT:?}" "${CARBON_LINE_PORT:?}" \
		"${CARBON_PICKLE_PORT:?}" "${CARBON_QUERY_PORT:?}"
	local d=$GRAPHITE_DIR
	mkdir -p "$d/conf" "$d/storage/whisper" "$d/storage/lists" "$d/log/webapp" \
		"$d/log/carbon" "$d/run"
	graphite_settings
	graphite_carbon_conf
	graphite_env
	env "${GRAPHITE_ENV[@]}" "$GRAPHITE_PY" /usr/bin/django-admin migrate --noinput >"$d/log/migrate.log" 2>&1 || {
		graphite_tail "$d/log/migrate.log"
		return 1
	}
	graphite_web_start && graphite_carbon_start
}

# graphite_kill PID: SIGTERM, wait, SIGKILL after 20 s.
graphite_kill() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

graphite_web_stop() {
	graphite_kill "$GRAPHITE_WEB_PID"
	GRAPHITE_WEB_PID=""
}

graphite_stop() {
	graphite_kill "$CARBON_PID"
	CARBON_PID=""
	graphite_web_stop
}
