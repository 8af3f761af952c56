/*
 * The bulkhead's origin table: one row per store origin, with its slots
 * in use and its counters (bulkhead.h says how the core and the HTTP
 * client use it). One mutex guards the table: it is taken twice per
 * mirror request and once per store request, never while waiting on a
 * store, so it is never held for more than a few hundred nanoseconds.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bulkhead.h"

struct row {
	struct mirror_bulkhead_stats s;   /* s.origin[0] == '\0': free */
	uint64_t used;                    /* tick of the last enter */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct row rows[MIRROR_BULKHEAD_ORIGINS];   /* guarded by lock */
static uint64_t ticks;                              /* guarded by lock */
static uint64_t evicted;                            /* guarded by lock */

/* The request this thread serves: its limits and the slot it holds. */
struct held {
	const struct mirror_conf *conf;   /* NULL outside a bracket */
	int row;                          /* -1: none */
};

static _Thread_local struct held cur = {NULL, -1};

static const char *const fail_labels[MIRROR_STORE_FAIL_MAX] = {
	[MIRROR_STORE_FAIL_TIMEOUT] = "timeout",
	[MIRROR_STORE_FAIL_CONNECT_TIMEOUT] = "connect_timeout",
	[MIRROR_STORE_FAIL_CONNECT] = "connect",
	[MIRROR_STORE_FAIL_TOO_LARGE] = "too_large",
	[MIRROR_STORE_FAIL_HTTP_4XX] = "http_4xx",
	[MIRROR_STORE_FAIL_HTTP_5XX] = "http_5xx",
	[MIRROR_STORE_FAIL_OTHER] = "other",
	[MIRROR_STORE_FAIL_NONE] = "none",
};

const char *
mirror_store_fail_label(enum mirror_store_fail f)
{
	return (unsigned)f < MIRROR_STORE_FAIL_MAX ? fail_labels[f] : "other";
}

enum mirror_store_fail
mirror_store_fail_of(enum mirror_err e, long status)
{
	switch (e) {
	case MIRROR_OK:
		if (status >= 500)
			return MIRROR_STORE_FAIL_HTTP_5XX;
		return status >= 400 ? MIRROR_STORE_FAIL_HTTP_4XX : MIRROR_STORE_FAIL_NONE;
	case MIRROR_ERR_STORE_TIMEOUT: return MIRROR_STORE_FAIL_TIMEOUT;
	case MIRROR_ERR_STORE_CONNECT_TIMEOUT: return MIRROR_STORE_FAIL_CONNECT_TIMEOUT;
	case MIRROR_ERR_STORE_CONNECT: return MIRROR_STORE_FAIL_CONNECT;
	case MIRROR_ERR_STORE: return MIRROR_STORE_FAIL_TOO_LARGE;
	default: return MIRROR_STORE_FAIL_OTHER;
	}
}

/* Appends n bytes of s to out (of size) at *len, lower-cased, cutting at
 * the end of out. */
static void
put_lower(char *out, size_t size, size_t *len, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && *len + 1 < size; i++)
		out[(*len)++] = (char)tolower((unsigned char)s[i]);
	out[*len] = '\0';
}

void
mirror_bulkhead_origin(const char *url, char *out, size_t size)
{
	const char *sep = strstr(url, "://");
	const char *host, *end, *at, *colon;
	size_t len = 0, slen;
	bool https;

	if (size == 0)
		return;
	out[0] = '\0';
	slen = sep != NULL ? (size_t)(sep - url) : 0;
	https = slen == 5 && strncasecmp(url, "https", 5) == 0;
	host = sep != NULL ? sep + 3 : url;
	end = host + strcspn(host, "/?#");
	/* Allowlisted URLs carry no user info; skip it all the same. */
	for (at = host; at < end; at++)
		if (*at == '@')
			host = at + 1;
	/* The port's ':' is the last one after an IPv6 literal's ']'. */
	colon = NULL;
	for (at = *host == '[' ? memchr(host, ']', (size_t)(end - host)) : host;
	    at != NULL && at < end; at++)
		if (*at == ':')
			colon = at;
	put_lower(out, size, &len, url, slen);
	put_lower(out, size, &len, "://", 3);
	put_lower(out, size, &len, host, (size_t)((colon != NULL ? colon : end) - host));
	if (colon != NULL && colon + 1 < end)
		put_lower(out, size, &len, colon, (size_t)(end - colon));
	else
		put_lower(out, size, &len, https ? ":443" : ":80", https ? 4 : 3);
}

size_t
mirror_bulkhead_cap(const struct mirror_conf *conf)
{
	if (conf->store_max_inflight > 0)
		return conf->store_max_inflight;
	return conf->threads > 1 ? (size_t)conf->threads / 2 : 1;
}

/* Under lock: the row of origin, a free one, or the least recently
 * used idle one (evicted); -1 when every row is busy. */
static int
find_row(const char *origin)
{
	int i, pick = -1;

	for (i = 0; i < MIRROR_BULKHEAD_ORIGINS; i++)
		if (strcmp(rows[i].s.origin, origin) == 0)
			return i;
	for (i = 0; i < MIRROR_BULKHEAD_ORIGINS; i++) {
		if (rows[i].s.origin[0] == '\0')
			return i;
		if (rows[i].s.in_flight == 0 &&
		    (pick < 0 || rows[i].used < rows[pick].used))
			pick = i;
	}
	if (pick >= 0) {
		memset(&rows[pick], 0, sizeof rows[pick]);
		evicted++;
	}
	return pick;
}

/* Under lock: gives back the slot this thread holds. */
static void
release(void)
{
	if (cur.row >= 0 && rows[cur.row].s.in_flight > 0)
		rows[cur.row].s.in_flight--;
	cur.row = -1;
}

void
mirror_bulkhead_begin(const struct mirror_conf *conf)
{
	cur.conf = conf;
	cur.row = -1;
}

void
mirror_bulkhead_end(void)
{
	if (cur.row >= 0) {
		pthread_mutex_lock(&lock);
		release();
		pthread_mutex_unlock(&lock);
	}
	cur.conf = NULL;
}

/* Under lock: takes a slot on origin for this thread. */
static enum mirror_err
take(const char *origin, size_t cap, struct mirror_error *err)
{
	int i = find_row(origin);
	struct row *r;

	if (i < 0)
		return mirror_error_set(err, MIRROR_ERR_STORE_BUSY, "store %s busy: "
		    "the mirror is waiting on %d other store origins already",
		    origin, MIRROR_BULKHEAD_ORIGINS);
	r = &rows[i];
	if (r->s.origin[0] == '\0')
		snprintf(r->s.origin, sizeof r->s.origin, "%s", origin);
	r->used = ++ticks;
	if (r->s.in_flight >= cap) {
		r->s.refused++;
		return mirror_error_set(err, MIRROR_ERR_STORE_BUSY, "store %s busy: "
		    "%llu requests already waiting on it", origin,
		    (unsigned long long)r->s.in_flight);
	}
	r->s.in_flight++;
	cur.row = i;
	return MIRROR_OK;
}

enum mirror_err
mirror_bulkhead_enter(const char *url, struct mirror_error *err)
{
	char origin[MIRROR_ORIGIN_MAX];
	enum mirror_err e;

	if (cur.conf == NULL)
		return MIRROR_OK;
	mirror_bulkhead_origin(url, origin, sizeof origin);
	pthread_mutex_lock(&lock);
	if (cur.row >= 0 && strcmp(rows[cur.row].s.origin, origin) == 0) {
		pthread_mutex_unlock(&lock);
		return MIRROR_OK;
	}
	release();
	e = take(origin, mirror_bulkhead_cap(cur.conf), err);
	pthread_mutex_unlock(&lock);
	return e;
}

int64_t
mirror_bulkhead_connect_ms(int64_t timeout_ms)
{
	int64_t c;

	if (cur.conf == NULL)
		return timeout_ms;
	c = cur.conf->store_connect_timeout_ms;
	return c > 0 && c < timeout_ms ? c : timeout_ms;
}

void
mirror_bulkhead_record(enum mirror_store_fail f, int64_t duration_us,
		       uint64_t bytes)
{
	struct mirror_bulkhead_stats *s;
	size_t b = mirror_metrics_bucket(duration_us);

	if (cur.row < 0)
		return;
	if ((unsigned)f >= MIRROR_STORE_FAIL_MAX)
		f = MIRROR_STORE_FAIL_OTHER;
	pthread_mutex_lock(&lock);
	/* The row cannot have been evicted: this thread holds a slot on it. */
	s = &rows[cur.row].s;
	s->requests++;
	s->fails[f]++;
	if (b < MIRROR_METRICS_BOUNDS)
		s->le[b]++;
	s->sum_us += duration_us > 0 ? (uint64_t)duration_us : 0;
	s->bytes += bytes;
	pthread_mutex_unlock(&lock);
}

size_t
mirror_bulkhead_snapshot(struct mirror_bulkhead_stats *out, size_t max,
			 uint64_t *evicted_out)
{
	size_t i, n = 0;

	pthread_mutex_lock(&lock);
	for (i = 0; i < MIRROR_BULKHEAD_ORIGINS && n < max; i++)
		if (rows[i].s.origin[0] != '\0')
			out[n++] = rows[i].s;
	if (evicted_out != NULL)
		*evicted_out = evicted;
	pthread_mutex_unlock(&lock);
	return n;
}

void
mirror_bulkhead_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(rows, 0, sizeof rows);
	ticks = evicted = 0;
	pthread_mutex_unlock(&lock);
	cur.row = -1;
}
