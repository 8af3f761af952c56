/*
 * The bulkhead (store/bulkhead.c): store origins, the cap per origin and
 * its bracket, the bounded origin table, the counters and their /metrics
 * text; then through the HTTP client against loopback sockets that hang
 * or drop SYNs, and through mirror_handle() (503, Retry-After, the
 * connection test's FAILURE).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "conf.h"
#include "mirror.h"
#include "store/bulkhead.h"
#include "store/http.h"
#include "suites.h"

#define NROWS(a) ((int)(sizeof (a) / sizeof (a)[0]))

/* --- origins --------------------------------------------------------- */

struct origin_row {
	const char *url;
	const char *want;
};

static const struct origin_row origin_rows[] = {
	{"http://127.0.0.1:9090", "http://127.0.0.1:9090"},
	{"http://127.0.0.1:9090/api/v1/query", "http://127.0.0.1:9090"},
	{"http://Prom.Example:9090/x", "http://prom.example:9090"},
	{"HTTPS://prom.example/prefix", "https://prom.example:443"},
	{"http://prom.example", "http://prom.example:80"},
	{"https://prom.example:8443?q=1", "https://prom.example:8443"},
	{"http://[::1]:9090/api", "http://[::1]:9090"},
	{"http://[::1]/api", "http://[::1]:80"},
	{"https://[FE80::1]", "https://[fe80::1]:443"},
	{"http://h#frag", "http://h:80"},
	/* Odd shapes the allowlist refuses anyway: still one origin each. */
	{"http://user:pw@h:5/p", "http://h:5"},
	{"http://a@b@h:6", "http://h:6"},
	{"http://h:/p", "http://h:80"},
	{"http://[::1", "http://[::1:80"},
	{"http://", "http://:80"},
	{"h:7/p", "://h:7"},
	{"", "://:80"},
};

START_TEST(test_origin)
{
	const struct origin_row *r = &origin_rows[_i];
	char out[MIRROR_ORIGIN_MAX];

	mirror_bulkhead_origin(r->url, out, sizeof out);
	ck_assert_str_eq(out, r->want);
}
END_TEST

/* An origin longer than the table keeps is cut, never overrun. */
START_TEST(test_origin_long)
{
	char url[1024], out[MIRROR_ORIGIN_MAX], small[12];

	memset(url, 'a', sizeof url - 1);
	url[sizeof url - 1] = '\0';
	memcpy(url, "http://", 7);
	mirror_bulkhead_origin(url, out, sizeof out);
	ck_assert_uint_eq(strlen(out), MIRROR_ORIGIN_MAX - 1);
	ck_assert(strncmp(out, "http://aaaa", 11) == 0);
	mirror_bulkhead_origin("http://h:9090/x", small, sizeof small);
	ck_assert_str_eq(small, "http://h:90");
}
END_TEST

/* --- the cap and the connect timeout --------------------------------- */

struct cap_row {
	int threads;
	size_t set;        /* MIRROR_STORE_MAX_INFLIGHT, 0: unset */
	size_t want;
};

static const struct cap_row cap_rows[] = {
	{4, 0, 2}, {8, 0, 4}, {9, 0, 4}, {3, 0, 1}, {2, 0, 1}, {1, 0, 1},
	{1024, 0, 512}, {4, 1, 1}, {4, 7, 7}, {1, 1024, 1024},
};

START_TEST(test_cap)
{
	const struct cap_row *r = &cap_rows[_i];
	struct mirror_conf c;

	ck_assert_int_eq(mirror_conf_defaults(&c), MIRROR_OK);
	c.threads = r->threads;
	c.store_max_inflight = r->set;
	ck_assert_uint_eq(mirror_bulkhead_cap(&c), r->want);
	mirror_conf_free(&c);
}
END_TEST

struct connect_row {
	bool bracket;
	int64_t connect_ms, timeout_ms, want;
};

static const struct connect_row connect_rows[] = {
	{true, 3000, 10000, 3000},
	{true, 3000, 3000, 3000},
	{true, 3000, 1000, 1000},   /* never above the whole timeout */
	{true, 100, 50000, 100},
	{false, 3000, 10000, 10000}, /* outside a bracket: the whole timeout */
	{false, 3000, 1, 1},
};

START_TEST(test_connect_ms)
{
	const struct connect_row *r = &connect_rows[_i];
	struct mirror_conf c;

	ck_assert_int_eq(mirror_conf_defaults(&c), MIRROR_OK);
	c.store_connect_timeout_ms = r->connect_ms;
	if (r->bracket)
		mirror_bulkhead_begin(&c);
	ck_assert_int_eq(mirror_bulkhead_connect_ms(r->timeout_ms), r->want);
	mirror_bulkhead_end();
	mirror_conf_free(&c);
}
END_TEST

/* --- kinds of failure --------------------------------------------------- */

struct fail_row {
	enum mirror_err e;
	long status;
	enum mirror_store_fail want;
	const char *label;
};

static const struct fail_row fail_rows[] = {
	{MIRROR_OK, 200, MIRROR_STORE_FAIL_NONE, "none"},
	{MIRROR_OK, 399, MIRROR_STORE_FAIL_NONE, "none"},
	{MIRROR_OK, 400, MIRROR_STORE_FAIL_HTTP_4XX, "http_4xx"},
	{MIRROR_OK, 422, MIRROR_STORE_FAIL_HTTP_4XX, "http_4xx"},
	{MIRROR_OK, 499, MIRROR_STORE_FAIL_HTTP_4XX, "http_4xx"},
	{MIRROR_OK, 500, MIRROR_STORE_FAIL_HTTP_5XX, "http_5xx"},
	{MIRROR_OK, 503, MIRROR_STORE_FAIL_HTTP_5XX, "http_5xx"},
	{MIRROR_ERR_STORE_TIMEOUT, 0, MIRROR_STORE_FAIL_TIMEOUT, "timeout"},
	{MIRROR_ERR_STORE_CONNECT_TIMEOUT, 0, MIRROR_STORE_FAIL_CONNECT_TIMEOUT,
	    "connect_timeout"},
	{MIRROR_ERR_STORE_CONNECT, 0, MIRROR_STORE_FAIL_CONNECT, "connect"},
	{MIRROR_ERR_STORE, 200, MIRROR_STORE_FAIL_TOO_LARGE, "too_large"},
	{MIRROR_ERR_NOMEM, 0, MIRROR_STORE_FAIL_OTHER, "other"},
	{MIRROR_ERR_INTERNAL, 0, MIRROR_STORE_FAIL_OTHER, "other"},
	{MIRROR_ERR_STORE_BUSY, 0, MIRROR_STORE_FAIL_OTHER, "other"},
	{MIRROR_ERR_MAX, 0, MIRROR_STORE_FAIL_OTHER, "other"},
};

START_TEST(test_fail_of)
{
	const struct fail_row *r = &fail_rows[_i];
	enum mirror_store_fail f = mirror_store_fail_of(r->e, r->status);

	ck_assert_int_eq(f, r->want);
	ck_assert_str_eq(mirror_store_fail_label(f), r->label);
}
END_TEST

START_TEST(test_fail_label_out_of_range)
{
	ck_assert_str_eq(mirror_store_fail_label(MIRROR_STORE_FAIL_MAX), "other");
	ck_assert_str_eq(mirror_store_fail_label((enum mirror_store_fail)-1), "other");
}
END_TEST

/* --- the table, seen through snapshots -------------------------------- */

static struct mirror_bulkhead_stats snap[MIRROR_BULKHEAD_ORIGINS];

/* The stats of origin in a fresh snapshot, or NULL. */
static const struct mirror_bulkhead_stats *
stats_of(const char *origin)
{
	size_t n = mirror_bulkhead_snapshot(snap, MIRROR_BULKHEAD_ORIGINS, NULL), i;

	for (i = 0; i < n; i++)
		if (strcmp(snap[i].origin, origin) == 0)
			return &snap[i];
	return NULL;
}

static struct mirror_conf conf;

static void
setup(void)
{
	ck_assert_int_eq(mirror_conf_defaults(&conf), MIRROR_OK);
	conf.threads = 4;          /* cap 2 */
	mirror_bulkhead_reset();
}

static void
teardown(void)
{
	mirror_bulkhead_end();
	mirror_bulkhead_reset();
	mirror_conf_free(&conf);
}

START_TEST(test_outside_bracket)
{
	struct mirror_error err;

	mirror_error_clear(&err);
	ck_assert_int_eq(mirror_bulkhead_enter("http://h:1/x", &err), MIRROR_OK);
	mirror_bulkhead_record(MIRROR_STORE_FAIL_NONE, 10, 10);
	ck_assert_uint_eq(mirror_bulkhead_snapshot(snap, MIRROR_BULKHEAD_ORIGINS, NULL), 0);
}
END_TEST

/* A request keeps one slot on its origin over all its chunks. */
START_TEST(test_chunks_hold_one_slot)
{
	struct mirror_error err;
	int i;

	mirror_bulkhead_begin(&conf);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(mirror_bulkhead_enter("http://H:1/api/v1/query", &err),
		    MIRROR_OK);
		mirror_bulkhead_record(MIRROR_STORE_FAIL_NONE, 1000, 100);
		ck_assert_uint_eq(stats_of("http://h:1")->in_flight, 1);
	}
	ck_assert_uint_eq(stats_of("http://h:1")->requests, 5);
	ck_assert_uint_eq(stats_of("http://h:1")->bytes, 500);
	mirror_bulkhead_end();
	ck_assert_uint_eq(stats_of("http://h:1")->in_flight, 0);
	/* Once ended, nothing more is counted on this thread. */
	mirror_bulkhead_record(MIRROR_STORE_FAIL_NONE, 1000, 100);
	ck_assert_uint_eq(stats_of("http://h:1")->requests, 5);
}
END_TEST

/* A call to another origin gives the first slot back. */
START_TEST(test_other_origin_releases)
{
	struct mirror_error err;

	mirror_bulkhead_begin(&conf);
	ck_assert_int_eq(mirror_bulkhead_enter("http://a:1", &err), MIRROR_OK);
	ck_assert_int_eq(mirror_bulkhead_enter("http://b:1", &err), MIRROR_OK);
	ck_assert_uint_eq(stats_of("http://a:1")->in_flight, 0);
	ck_assert_uint_eq(stats_of("http://b:1")->in_flight, 1);
	mirror_bulkhead_end();
	ck_assert_uint_eq(stats_of("http://b:1")->in_flight, 0);
}
END_TEST

/* --- holders: threads that each take a slot and wait ------------------ */

struct holder {
	pthread_t tid;
	const char *url;
	enum mirror_err e;
	struct mirror_error err;
	bool entered, release;
};

static pthread_mutex_t hlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hcond = PTHREAD_COND_INITIALIZER;

static void *
hold_main(void *arg)
{
	struct holder *h = arg;

	mirror_bulkhead_begin(&conf);
	h->e = mirror_bulkhead_enter(h->url, &h->err);
	pthread_mutex_lock(&hlock);
	h->entered = true;
	pthread_cond_broadcast(&hcond);
	while (!h->release)
		pthread_cond_wait(&hcond, &hlock);
	pthread_mutex_unlock(&hlock);
	mirror_bulkhead_end();
	return NULL;
}

/* Starts a holder on url and waits until it has entered; returns its result. */
static enum mirror_err
hold(struct holder *h, const char *url)
{
	memset(h, 0, sizeof *h);
	h->url = url;
	mirror_error_clear(&h->err);
	ck_assert_int_eq(pthread_create(&h->tid, NULL, hold_main, h), 0);
	pthread_mutex_lock(&hlock);
	while (!h->entered)
		pthread_cond_wait(&hcond, &hlock);
	pthread_mutex_unlock(&hlock);
	return h->e;
}

static void
unhold(struct holder *h, size_t n)
{
	size_t i;

	pthread_mutex_lock(&hlock);
	for (i = 0; i < n; i++)
		h[i].release = true;
	pthread_cond_broadcast(&hcond);
	pthread_mutex_unlock(&hlock);
	for (i = 0; i < n; i++)
		pthread_join(h[i].tid, NULL);
}

START_TEST(test_cap_refuses_at_once)
{
	struct holder h[4];

	ck_assert_int_eq(hold(&h[0], "http://s:9090/a"), MIRROR_OK);
	ck_assert_int_eq(hold(&h[1], "http://S:9090/b"), MIRROR_OK);
	ck_assert_int_eq(hold(&h[2], "http://s:9090"), MIRROR_ERR_STORE_BUSY);
	ck_assert_str_eq(h[2].err.details,
	    "store http://s:9090 busy: 2 requests already waiting on it");
	/* Another origin is not affected. */
	ck_assert_int_eq(hold(&h[3], "http://t:9090"), MIRROR_OK);
	ck_assert_uint_eq(stats_of("http://s:9090")->in_flight, 2);
	ck_assert_uint_eq(stats_of("http://s:9090")->refused, 1);
	ck_assert_uint_eq(stats_of("http://t:9090")->in_flight, 1);
	unhold(h, 4);
	ck_assert_uint_eq(stats_of("http://s:9090")->in_flight, 0);
	ck_assert_uint_eq(stats_of("http://t:9090")->in_flight, 0);
	/* The slots are free again. */
	ck_assert_int_eq(hold(&h[0], "http://s:9090"), MIRROR_OK);
	unhold(h, 1);
}
END_TEST

START_TEST(test_cap_configured)
{
	struct holder h[2];

	conf.store_max_inflight = 1;
	ck_assert_int_eq(hold(&h[0], "http://s:1"), MIRROR_OK);
	ck_assert_int_eq(hold(&h[1], "http://s:1"), MIRROR_ERR_STORE_BUSY);
	ck_assert_str_eq(h[1].err.details,
	    "store http://s:1 busy: 1 requests already waiting on it");
	unhold(h, 2);
}
END_TEST

/* --- a bounded table ------------------------------------------------- */

static void
touch(const char *url)
{
	struct mirror_error err;

	mirror_bulkhead_begin(&conf);
	ck_assert_int_eq(mirror_bulkhead_enter(url, &err), MIRROR_OK);
	mirror_bulkhead_end();
}

START_TEST(test_evicts_least_recently_used)
{
	char url[64];
	uint64_t evicted = 99;
	int i;

	for (i = 0; i < MIRROR_BULKHEAD_ORIGINS; i++) {
		snprintf(url, sizeof url, "http://h%d:1", i);
		touch(url);
	}
	ck_assert_uint_eq(mirror_bulkhead_snapshot(snap, MIRROR_BULKHEAD_ORIGINS,
	    &evicted), MIRROR_BULKHEAD_ORIGINS);
	ck_assert_uint_eq(evicted, 0);
	touch("http://h0:1");          /* h1 is now the least recent */
	touch("http://new:1");
	ck_assert_uint_eq(mirror_bulkhead_snapshot(snap, MIRROR_BULKHEAD_ORIGINS,
	    &evicted), MIRROR_BULKHEAD_ORIGINS);
	ck_assert_uint_eq(evicted, 1);
	ck_assert_ptr_null(stats_of("http://h1:1"));
	ck_assert_ptr_nonnull(stats_of("http://h0:1"));
	ck_assert_ptr_nonnull(stats_of("http://new:1"));
	ck_assert_uint_eq(stats_of("http://new:1")->refused, 0);
}
END_TEST

/* A busy origin is never evicted: with every row busy, a new origin is
 * refused rather than tracked. */
START_TEST(test_full_of_busy_origins)
{
	static struct holder h[MIRROR_BULKHEAD_ORIGINS + 1];
	static char urls[MIRROR_BULKHEAD_ORIGINS][32];
	int i;

	for (i = 0; i < MIRROR_BULKHEAD_ORIGINS; i++) {
		snprintf(urls[i], sizeof urls[i], "http://b%d:1", i);
		ck_assert_int_eq(hold(&h[i], urls[i]), MIRROR_OK);
	}
	ck_assert_int_eq(hold(&h[i], "http://late:1"), MIRROR_ERR_STORE_BUSY);
	ck_assert_str_eq(h[i].err.details, "store http://late:1 busy: the mirror "
	    "is waiting on 64 other store origins already");
	ck_assert_ptr_null(stats_of("http://late:1"));
	unhold(h, MIRROR_BULKHEAD_ORIGINS + 1);
	touch("http://late:1");
	ck_assert_ptr_nonnull(stats_of("http://late:1"));
}
END_TEST

/* --- counters and their text ------------------------------------------ */

START_TEST(test_record)
{
	const struct mirror_bulkhead_stats *s;
	struct mirror_error err;

	mirror_bulkhead_begin(&conf);
	ck_assert_int_eq(mirror_bulkhead_enter("http://r:1", &err), MIRROR_OK);
	mirror_bulkhead_record(MIRROR_STORE_FAIL_NONE, 900, 7);         /* le 0.001 */
	mirror_bulkhead_record(MIRROR_STORE_FAIL_TIMEOUT, 3000000, 0);  /* le 5 */
	mirror_bulkhead_record(MIRROR_STORE_FAIL_HTTP_5XX, 20000, 3);   /* le 0.025 */
	mirror_bulkhead_record(MIRROR_STORE_FAIL_MAX, 11000000, 0);     /* +Inf, other */
	mirror_bulkhead_record(MIRROR_STORE_FAIL_CONNECT, -5, 0);       /* le 0.001 */
	mirror_bulkhead_end();
	s = stats_of("http://r:1");
	ck_assert_uint_eq(s->requests, 5);
	ck_assert_uint_eq(s->bytes, 10);
	ck_assert_uint_eq(s->sum_us, 900 + 3000000 + 20000 + 11000000);
	ck_assert_uint_eq(s->fails[MIRROR_STORE_FAIL_NONE], 1);
	ck_assert_uint_eq(s->fails[MIRROR_STORE_FAIL_TIMEOUT], 1);
	ck_assert_uint_eq(s->fails[MIRROR_STORE_FAIL_HTTP_5XX], 1);
	ck_assert_uint_eq(s->fails[MIRROR_STORE_FAIL_OTHER], 1);
	ck_assert_uint_eq(s->fails[MIRROR_STORE_FAIL_CONNECT], 1);
	ck_assert_uint_eq(s->le[0], 2);
	ck_assert_uint_eq(s->le[4], 1);
	ck_assert_uint_eq(s->le[11], 1);
}
END_TEST

static const char *const metric_lines[] = {
	"# TYPE mirror_store_in_flight gauge\n"
	"mirror_store_in_flight{origin=\"http://m:9\"} 0\n"
	"mirror_store_in_flight{origin=\"http://q\\\"\\\\x:80\"} 0\n",
	"mirror_store_refused_total{origin=\"http://m:9\"} 0\n",
	"mirror_store_requests_total{origin=\"http://m:9\"} 2\n",
	"mirror_store_response_bytes_total{origin=\"http://m:9\"} 5\n",
	"mirror_store_errors_total{origin=\"http://m:9\",error=\"timeout\"} 1\n",
	"mirror_store_request_duration_seconds_bucket{origin=\"http://m:9\",le=\"0.001\"} 0\n"
	"mirror_store_request_duration_seconds_bucket{origin=\"http://m:9\",le=\"0.0025\"} 1\n",
	"mirror_store_request_duration_seconds_bucket{origin=\"http://m:9\",le=\"2.5\"} 1\n"
	"mirror_store_request_duration_seconds_bucket{origin=\"http://m:9\",le=\"5\"} 2\n"
	"mirror_store_request_duration_seconds_bucket{origin=\"http://m:9\",le=\"10\"} 2\n"
	"mirror_store_request_duration_seconds_bucket{origin=\"http://m:9\",le=\"+Inf\"} 2\n"
	"mirror_store_request_duration_seconds_sum{origin=\"http://m:9\"} 3.002000\n"
	"mirror_store_request_duration_seconds_count{origin=\"http://m:9\"} 2\n",
	"# TYPE mirror_store_origins_evicted_total counter\n"
	"mirror_store_origins_evicted_total 0\n",
};

START_TEST(test_metrics_text)
{
	struct mirror_error err;
	struct mirror_buf b;
	size_t i;

	mirror_bulkhead_begin(&conf);
	ck_assert_int_eq(mirror_bulkhead_enter("http://M:9/p", &err), MIRROR_OK);
	mirror_bulkhead_record(MIRROR_STORE_FAIL_NONE, 2000, 5);
	mirror_bulkhead_record(MIRROR_STORE_FAIL_TIMEOUT, 3000000, 0);
	/* Label values are escaped, whatever reaches the table. */
	ck_assert_int_eq(mirror_bulkhead_enter("http://q\"\\x/", &err), MIRROR_OK);
	mirror_bulkhead_end();
	mirror_buf_init(&b, 1 << 20);
	mirror_bulkhead_metrics_write(&b);
	ck_assert_int_eq(b.err, MIRROR_OK);
	for (i = 0; i < sizeof metric_lines / sizeof metric_lines[0]; i++)
		ck_assert_msg(strstr(b.data, metric_lines[i]) != NULL,
		    "missing:\n%s\nin:\n%s", metric_lines[i], b.data);
	/* Only kinds that happened, and never "none". */
	ck_assert_ptr_null(strstr(b.data, "error=\"none\""));
	ck_assert_ptr_null(strstr(b.data, "error=\"connect\""));
	mirror_buf_free(&b);
}
END_TEST

/* --- through the HTTP client: loopback sockets ------------------------ */

/* A listener on 127.0.0.1; its port in *port. */
static int
listener(int backlog, int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, backlog), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* A non-blocking connect to port; true when it completed within ms. */
static bool
connects(int port, int ms, int *out)
{
	struct sockaddr_in a;
	struct pollfd p;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), err = 0;
	socklen_t len = sizeof err;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	*out = fd;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
		return true;
	ck_assert_int_eq(errno, EINPROGRESS);
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, ms) != 1)
		return false;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err == 0;
}

/* A listener that never accepts, its queue full: Linux drops further
 * SYNs, as a store behind a firewall that drops packets would. */
struct dropper {
	int lfd, port, n;
	int fill[16];
};

static void
dropper_start(struct dropper *d)
{
	d->lfd = listener(0, &d->port);
	for (d->n = 0; d->n < 16; d->n++)
		if (!connects(d->port, 200, &d->fill[d->n]))
			break;
	ck_assert_int_lt(d->n, 16);
	d->n++;    /* the last, still connecting, is closed too */
}

static void
dropper_stop(struct dropper *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		close(d->fill[i]);
	close(d->lfd);
}

static enum mirror_err
get(struct mirror_http *h, int port, int64_t timeout_ms, struct mirror_error *err)
{
	struct mirror_http_resp resp;
	struct mirror_http_req req = {0};
	char url[64];

	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", port);
	req.url = url;
	req.timeout_ms = timeout_ms;
	req.max_bytes = 1 << 20;
	mirror_error_clear(err);
	return mirror_http_do(h, &req, &resp, err);
}

START_TEST(test_http_dropped_connect)
{
	struct mirror_http *h;
	struct mirror_error err;
	struct dropper d;
	char want[128], origin[64];

	conf.store_connect_timeout_ms = 200;
	dropper_start(&d);
	ck_assert_int_eq(mirror_http_new(&h), MIRROR_OK);
	mirror_bulkhead_begin(&conf);
	ck_assert_int_eq(get(h, d.port, 5000, &err), MIRROR_ERR_STORE_CONNECT_TIMEOUT);
	mirror_bulkhead_end();
	snprintf(want, sizeof want, "no connection to http://127.0.0.1:%d within "
	    "200 ms", d.port);
	ck_assert_str_eq(err.details, want);
	snprintf(origin, sizeof origin, "http://127.0.0.1:%d", d.port);
	ck_assert_uint_eq(stats_of(origin)->fails[MIRROR_STORE_FAIL_CONNECT_TIMEOUT], 1);
	ck_assert_uint_eq(stats_of(origin)->requests, 1);
	ck_assert_uint_eq(stats_of(origin)->in_flight, 0);
	mirror_http_free(h);
	dropper_stop(&d);
}
END_TEST

/* Connected (the kernel completes the handshake into the backlog) but
 * never answered: the whole timeout, not the connect timeout. */
START_TEST(test_http_never_answers)
{
	struct mirror_http *h;
	struct mirror_error err;
	char want[128], origin[64];
	int port, lfd = listener(16, &port);

	conf.store_connect_timeout_ms = 200;
	ck_assert_int_eq(mirror_http_new(&h), MIRROR_OK);
	mirror_bulkhead_begin(&conf);
	ck_assert_int_eq(get(h, port, 400, &err), MIRROR_ERR_STORE_TIMEOUT);
	mirror_bulkhead_end();
	snprintf(want, sizeof want, "no answer from http://127.0.0.1:%d within "
	    "400 ms", port);
	ck_assert_str_eq(err.details, want);
	snprintf(origin, sizeof origin, "http://127.0.0.1:%d", port);
	ck_assert_uint_eq(stats_of(origin)->fails[MIRROR_STORE_FAIL_TIMEOUT], 1);
	mirror_http_free(h);
	close(lfd);
}
END_TEST

/* A store that answers once, then hangs on the kept connection. */
struct once_store {
	pthread_t tid;
	int lfd, port;
};

/* Reads one request head (the test sends GETs without bodies). */
static bool
read_head(int fd)
{
	char buf[4096];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof buf - 1) {
		n = read(fd, buf + got, sizeof buf - 1 - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			return true;
	}
	return false;
}

static void *
once_main(void *arg)
{
	static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Content-Type: application/json\r\n\r\n{}";
	struct once_store *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	char buf[256];

	if (fd < 0)
		return NULL;
	if (read_head(fd) && write(fd, answer, sizeof answer - 1) > 0 && read_head(fd))
		while (read(fd, buf, sizeof buf) > 0)   /* until the client gives up */
			;
	close(fd);
	return NULL;
}

START_TEST(test_http_hang_on_kept_connection)
{
	struct once_store s;
	struct mirror_http *h;
	struct mirror_error err;
	char origin[64];

	conf.store_connect_timeout_ms = 200;
	s.lfd = listener(4, &s.port);
	ck_assert_int_eq(pthread_create(&s.tid, NULL, once_main, &s), 0);
	ck_assert_int_eq(mirror_http_new(&h), MIRROR_OK);
	mirror_bulkhead_begin(&conf);
	ck_assert_int_eq(get(h, s.port, 2000, &err), MIRROR_OK);
	/* Longer than the connect timeout, on the reused connection. */
	ck_assert_int_eq(get(h, s.port, 600, &err), MIRROR_ERR_STORE_TIMEOUT);
	mirror_bulkhead_end();
	snprintf(origin, sizeof origin, "http://127.0.0.1:%d", s.port);
	ck_assert_uint_eq(stats_of(origin)->requests, 2);
	ck_assert_uint_eq(stats_of(origin)->fails[MIRROR_STORE_FAIL_NONE], 1);
	ck_assert_uint_eq(stats_of(origin)->fails[MIRROR_STORE_FAIL_TIMEOUT], 1);
	ck_assert_uint_eq(stats_of(origin)->bytes, 2);
	mirror_http_free(h);
	pthread_join(s.tid, NULL);
	close(s.lfd);
}
END_TEST

/* --- through mirror_handle(): the answers a client sees ---------------- */

static const char *
env_prom(const char *name)
{
	if (strcmp(name, "MIRROR_STORE_ALLOW") == 0)
		return "http://127.0.0.1:1";
	if (strcmp(name, "MIRROR_STORE_MAX_INFLIGHT") == 0)
		return "1";
	return NULL;
}

#define DETAILS "{\"backend\":\"prometheus\",\"url\":\"http://127.0.0.1:1/\"}"
#define METRIC_REQ "{\"_type\":\"MetricsRequest\",\"connectionDetails\":" DETAILS \
	",\"query\":{\"_type\":\"MetricsQuery\",\"conditions\":[{\"key\":\"__name__\"," \
	"\"value\":{\"_type\":\"StringValue\",\"value\":\"up\"},\"_type\":" \
	"\"EqualityCondition\"}],\"startTime\":0,\"endTime\":60000}}"
#define CONN_REQ "{\"_type\":\"TestConnectionRequest\",\"connectionDetails\":" \
	DETAILS "}"
#define BUSY "store http://127.0.0.1:1 busy: 1 requests already waiting on it"

static void
ask(struct mirror_worker *w, const char *path, const char *body,
    struct mirror_response *resp)
{
	struct mirror_request req = {"POST", path, NULL, (long long)strlen(body),
	    body, strlen(body)};

	mirror_handle(w, &req, resp);
}

static const char *
header(const struct mirror_response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (strcmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

START_TEST(test_handle_busy)
{
	struct mirror_conf c;
	struct mirror_error err;
	struct mirror_worker *w;
	struct mirror_response resp;
	struct holder h;

	ck_assert_int_eq(mirror_conf_load(&c, env_prom, &err), MIRROR_OK);
	conf.store_max_inflight = 1;
	w = mirror_worker_new(&c);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(hold(&h, "http://127.0.0.1:1/"), MIRROR_OK);
	ask(w, "/api/metric", METRIC_REQ, &resp);
	ck_assert_int_eq(resp.status, 503);
	ck_assert_str_eq(resp.body, "{\"_type\":\"RemoteMirrorError\",\"summary\":"
	    "\"metric store busy\",\"details\":\"" BUSY "\"}");
	ck_assert_str_eq(header(&resp, "Retry-After"), "1");
	mirror_response_free(&resp);
	/* A connection test is answered, with the reason. */
	ask(w, "/api/connection", CONN_REQ, &resp);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "{\"status\":\"FAILURE\",\"error\":{\"_type\":"
	    "\"MetricStoreConnectionError\",\"details\":\"" BUSY "\"},\"_type\":"
	    "\"TestConnectionResponse\"}");
	ck_assert_ptr_null(header(&resp, "Retry-After"));
	mirror_response_free(&resp);
	ck_assert_uint_eq(stats_of("http://127.0.0.1:1")->refused, 2);
	ck_assert_uint_eq(stats_of("http://127.0.0.1:1")->requests, 0);
	unhold(&h, 1);
	/* Free again: the request reaches the (closed) port. */
	ask(w, "/api/metric", METRIC_REQ, &resp);
	ck_assert_int_eq(resp.status, 502);
	ck_assert_ptr_null(header(&resp, "Retry-After"));
	mirror_response_free(&resp);
	ck_assert_uint_eq(stats_of("http://127.0.0.1:1")->fails[MIRROR_STORE_FAIL_CONNECT], 1);
	ck_assert_uint_eq(stats_of("http://127.0.0.1:1")->in_flight, 0);
	mirror_worker_free(w);
	mirror_conf_free(&c);
}
END_TEST

Suite *
bulkhead_suite(void)
{
	Suite *s = suite_create("bulkhead");
	TCase *rows = tcase_create("rows");
	TCase *table = tcase_create("table");
	TCase *net = tcase_create("loopback");

	tcase_add_loop_test(rows, test_origin, 0, NROWS(origin_rows));
	tcase_add_test(rows, test_origin_long);
	tcase_add_loop_test(rows, test_cap, 0, NROWS(cap_rows));
	tcase_add_loop_test(rows, test_connect_ms, 0, NROWS(connect_rows));
	tcase_add_loop_test(rows, test_fail_of, 0, NROWS(fail_rows));
	tcase_add_test(rows, test_fail_label_out_of_range);
	suite_add_tcase(s, rows);

	tcase_add_checked_fixture(table, setup, teardown);
	tcase_add_test(table, test_outside_bracket);
	tcase_add_test(table, test_chunks_hold_one_slot);
	tcase_add_test(table, test_other_origin_releases);
	tcase_add_test(table, test_cap_refuses_at_once);
	tcase_add_test(table, test_cap_configured);
	tcase_add_test(table, test_evicts_least_recently_used);
	tcase_add_test(table, test_full_of_busy_origins);
	tcase_add_test(table, test_record);
	tcase_add_test(table, test_metrics_text);
	suite_add_tcase(s, table);

	tcase_add_checked_fixture(net, setup, teardown);
	tcase_add_test(net, test_http_dropped_connect);
	tcase_add_test(net, test_http_never_answers);
	tcase_add_test(net, test_http_hang_on_kept_connection);
	tcase_add_test(net, test_handle_busy);
	tcase_set_timeout(net, 30);
	suite_add_tcase(s, net);
	return s;
}
