/*
 * The bulkhead: a cap on the mirror requests that use one store origin
 * (scheme://host:port) at once, so that one slow or sick store cannot
 * hold every worker thread and starve the other stores, the sample store,
 * /healthz and /metrics (docs/PROMETHEUS.md, "Slow and sick stores").
 *
 * How it is wired, so that every URL store gets it with no code of its
 * own:
 *   - the core (handle.c) brackets each request's store call with
 *     mirror_bulkhead_begin() and mirror_bulkhead_end();
 *   - the HTTP client (http.c) calls mirror_bulkhead_enter() before
 *     every store request and mirror_bulkhead_record() after it.
 * The first enter of a request takes a slot on the URL's origin, and the
 * request keeps it, whatever number of HTTP requests it makes there (a
 * Prometheus fetch in chunks is many), until end. A request that finds
 * its origin at the cap is refused at once (MIRROR_ERR_STORE_BUSY, 503):
 * it never waits, so it never holds a thread for long.
 *
 * The link between the two is thread-local: a worker thread serves one
 * mirror request at a time, and its store calls run on that thread.
 * Outside a bracket (benchmarks, unit tests of a store) there is no cap
 * and nothing is counted.
 *
 * The origin table also holds each origin's counters for /metrics. It
 * tracks at most MIRROR_BULKHEAD_ORIGINS origins (only allowlisted URLs
 * get this far, but a long allowlist must not grow /metrics without
 * bound): a new origin takes a free row or the least recently used idle
 * one, whose counters are dropped (mirror_store_origins_evicted_total).
 */
#ifndef MIRROR_STORE_BULKHEAD_H
#define MIRROR_STORE_BULKHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "error.h"
#include "metrics.h"

/* Origins tracked at once. */
#define MIRROR_BULKHEAD_ORIGINS 64

/* Longest origin kept; a longer one (no DNS name is) is cut, so at worst
 * two such origins share one cap. */
#define MIRROR_ORIGIN_MAX 300

/* Retry-After of a refused request, in seconds: a refusal costs almost
 * nothing, and a slot frees the moment one call ends (at once after a
 * burst on a healthy store, at the latest after the store timeout). */
#define MIRROR_BULKHEAD_RETRY_AFTER "1"

/*
 * Writes url's origin to out: "scheme://host:port", scheme and host in
 * lower case, the scheme's default port made explicit (80, 443), an IPv6
 * host in brackets. url is an allowlisted absolute http(s) URL
 * (allow.c); out is always NUL-terminated.
 */
void mirror_bulkhead_origin(const char *url, char *out, size_t size);

/* The cap per origin: MIRROR_STORE_MAX_INFLIGHT when set, else half the
 * worker threads (at least 1). */
size_t mirror_bulkhead_cap(const struct mirror_conf *conf);

/* The core, around the store calls of one request on this thread. conf
 * is borrowed until end. end releases the slot taken, if any. */
void mirror_bulkhead_begin(const struct mirror_conf *conf);
void mirror_bulkhead_end(void);

/*
 * Before each store request to url: takes a slot on its origin, or keeps
 * the one this request holds there (a slot on another origin is given
 * back first). MIRROR_ERR_STORE_BUSY with details "store <origin> busy:
 * N requests already waiting on it" when the origin is at its cap (or
 * the table is full of busy origins). MIRROR_OK outside a bracket.
 */
enum mirror_err mirror_bulkhead_enter(const char *url, struct mirror_error *err);

/* The connect timeout for a request whose whole timeout is timeout_ms:
 * MIRROR_STORE_CONNECT_TIMEOUT_MS, never above timeout_ms (timeout_ms
 * itself outside a bracket). */
int64_t mirror_bulkhead_connect_ms(int64_t timeout_ms);

/* Kinds of failed store requests, as /metrics labels them. */
enum mirror_store_fail {
	MIRROR_STORE_FAIL_TIMEOUT,          /* no (whole) answer in time */
	MIRROR_STORE_FAIL_CONNECT_TIMEOUT,  /* no connection in time */
	MIRROR_STORE_FAIL_CONNECT,          /* refused, DNS, TLS, reset */
	MIRROR_STORE_FAIL_TOO_LARGE,        /* over MIRROR_STORE_MAX_BYTES */
	MIRROR_STORE_FAIL_HTTP_4XX,         /* an answer with status 4xx */
	MIRROR_STORE_FAIL_HTTP_5XX,         /* an answer with status 5xx */
	MIRROR_STORE_FAIL_OTHER,            /* out of memory, libcurl options */
	MIRROR_STORE_FAIL_NONE,             /* not a failure */
	MIRROR_STORE_FAIL_MAX
};

/* The /metrics label of a kind ("timeout", ...). */
const char *mirror_store_fail_label(enum mirror_store_fail f);

/* The kind of a store request's outcome: e from mirror_http_do, status
 * the HTTP status of its answer (when e is MIRROR_OK). */
enum mirror_store_fail mirror_store_fail_of(enum mirror_err e, long status);

/* After each store request: its outcome on the origin of the slot this
 * thread holds (nothing outside a bracket). */
void mirror_bulkhead_record(enum mirror_store_fail f, int64_t duration_us,
			    uint64_t bytes);

/* One origin's counters, as copied out for /metrics. */
struct mirror_bulkhead_stats {
	char origin[MIRROR_ORIGIN_MAX];
	uint64_t in_flight;                 /* requests holding a slot now */
	uint64_t refused;                   /* answered busy */
	uint64_t requests;                  /* HTTP requests sent */
	uint64_t fails[MIRROR_STORE_FAIL_MAX];
	uint64_t le[MIRROR_METRICS_BOUNDS]; /* per bucket, not cumulative */
	uint64_t sum_us;
	uint64_t bytes;                     /* answer bytes received */
};

/* Copies the tracked origins' counters to out (at most max, in table
 * order); returns how many. *evicted (may be NULL) receives the number
 * of origins dropped to make room. */
size_t mirror_bulkhead_snapshot(struct mirror_bulkhead_stats *out, size_t max,
				uint64_t *evicted);

/* Writes the per-origin counters in Prometheus text format (metrics.c). */
void mirror_bulkhead_metrics_write(struct mirror_buf *b);

/* Forgets every origin. For tests, with no request in flight. */
void mirror_bulkhead_reset(void);

#endif
