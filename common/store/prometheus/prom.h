/*
 * Internals of the Prometheus backend (backend_prometheus.c), one concern
 * per file so each can be tested without a store:
 *   prom_details.c  connectionDetails of a Prometheus store
 *   prom_select.c   conditions -> PromQL selectors (MIRROR-API.md decision 7)
 *   prom_parse.c    JSON answers of the Prometheus HTTP API
 *   prom_fetch.c    samples of one series, fetched in chunks
 * See docs/PROMETHEUS.md for the conventions as users see them.
 */
#ifndef MIRROR_PROM_H
#define MIRROR_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "error.h"
#include "store/allow.h"
#include "store/http.h"
#include "lists.h"
#include "query.h"
#include "series.h"

struct json_object;

/* The condition keys of the existing Prometheus mirror. */
#define MIRROR_PROM_GAUGE "__gauge__"
#define MIRROR_PROM_COUNTER "__counter__"
#define MIRROR_PROM_EXPR "~"
#define MIRROR_PROM_NAME "__name__"

/* The window, and evaluation step, of a counter's increase: 60 s. */
#define MIRROR_PROM_COUNTER_MS 60000

/* Prometheus refuses query_range answers above 11,000 points per series
 * (prometheus/prometheus#1968). */
#define MIRROR_PROM_MAX_STEPS 11000

/* --- prom_details.c ---------------------------------------------------- */

enum mirror_prom_counter {
	MIRROR_PROM_COUNTER_INCREASE,  /* increase(sel[60s]): per minute */
	MIRROR_PROM_COUNTER_RATE,      /* rate(sel[60s]): per second */
	MIRROR_PROM_COUNTER_MAX
};

/* A store as connectionDetails describe it. Strings are borrowed from
 * q->details and live as long as the query. */
struct mirror_prom_target {
	char url[MIRROR_STORE_URL_MAX];  /* allowlisted base URL, no trailing '/' */
	int64_t timeout_ms;             /* per store request */
	struct mirror_http_auth auth;
	bool sigv4;                     /* AWS SigV4: probe with api/v1/labels */
	int64_t chunk_ms;               /* raw samples: range per store request */
	int64_t step_ms;                /* evaluation step of "~" expressions */
	enum mirror_prom_counter counter;
	size_t group_min;               /* values above this are grouped; 0 never */
	size_t max_bytes;               /* ceiling on one store answer */
	bool gzip;                      /* ask for compressed answers */
};

/*
 * Reads q->details into t, checking the URL against conf's allowlist.
 * Returns MIRROR_ERR_BAD_REQUEST (nothing is contacted) for a missing or
 * refused URL or a malformed key.
 */
enum mirror_err mirror_prom_target_read(const struct mirror_conf *conf,
					const struct mirror_query *q,
					struct mirror_prom_target *t,
					struct mirror_error *err);

/* --- prom_select.c ----------------------------------------------------- */

enum mirror_prom_kind {
	MIRROR_PROM_KIND_NONE,     /* no condition at all */
	MIRROR_PROM_KIND_GAUGE,    /* a selector; its samples are the points */
	MIRROR_PROM_KIND_COUNTER,  /* a selector of a counter (__counter__) */
	MIRROR_PROM_KIND_EXPR,     /* a raw PromQL expression (~) */
	MIRROR_PROM_KIND_MAX
};

/*
 * Builds the selector of q's conditions into out (emptied first), leaving
 * out the conditions on `skip` (a field whose values are being listed;
 * NULL for none; the name keys count as one field). For KIND_EXPR, out
 * holds the expression as sent. Returns MIRROR_ERR_BAD_REQUEST for keys
 * that are not label names, two metric names, an empty InSetValue, or a
 * "~" beside other conditions.
 */
enum mirror_err mirror_prom_selector(const struct mirror_query *q, const char *skip,
				     enum mirror_prom_kind *kind, struct mirror_buf *out,
				     struct mirror_error *err);

/* Appends s as a PromQL double-quoted string literal. */
void mirror_prom_quote(struct mirror_buf *b, const char *s);

/* Appends s with every RE2 metacharacter escaped (regexp.QuoteMeta). */
void mirror_prom_regex_escape(struct mirror_buf *b, const char *s);

/* True when s is a Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*. */
bool mirror_prom_label_name(const char *s);

/* True when the key is one of __gauge__, __counter__, ~ and __name__. */
bool mirror_prom_reserved(const char *key);

/* --- prom_parse.c ------------------------------------------------------ */

/*
 * Parses a store answer: JSON with "status":"success" yields *root (the
 * caller puts it) and *data (borrowed from root). A Prometheus error
 * ({"status":"error"}) is MIRROR_ERR_STORE with the store's errorType and
 * message; anything that is not the Prometheus API's JSON (HTML from a
 * proxy, a login page, garbage) is MIRROR_ERR_STORE_CONNECT, because the
 * URL does not lead to a working store.
 */
enum mirror_err mirror_prom_answer(const struct mirror_http_resp *r,
				   struct json_object **root,
				   struct json_object **data,
				   struct mirror_error *err);

/* Calls each(s, ctx) for every string of data, which must be an array of
 * strings (labels, label values). Stops at the first error. */
enum mirror_err mirror_prom_strings(struct json_object *data,
				    enum mirror_err (*each)(const char *s, void *ctx),
				    void *ctx, struct mirror_error *err);

/* Reads a sample value as Prometheus writes it ("1.5", "NaN", "+Inf"). */
bool mirror_prom_value(const char *s, double *out);

/* Reads a sample timestamp (float seconds) as epoch ms, rounded. */
bool mirror_prom_time(struct json_object *t, int64_t *ms);

/* What a chunked fetch has seen so far: the one series' labels. */
struct mirror_prom_seen {
	struct json_object *labels;     /* owned copy, or NULL before the first */
	size_t nseries;                 /* 0 or 1: more is an error */
	bool asked;                     /* a request was answered */
};

void mirror_prom_seen_free(struct mirror_prom_seen *s);

/*
 * Appends the samples with lo <= t < hi of a "matrix" answer to out. A
 * matrix with several series, or one whose labels differ from those seen
 * in an earlier chunk, is MIRROR_ERR_BAD_REQUEST naming the labels that
 * differ: the conditions must select one series.
 */
enum mirror_err mirror_prom_matrix(struct json_object *data, int64_t lo, int64_t hi,
				   struct mirror_prom_seen *seen,
				   struct mirror_series *out, struct mirror_error *err);

/* --- prom_fetch.c ------------------------------------------------------ */

/* What one backend call needs to talk to its store. */
struct mirror_prom_job {
	struct mirror_http *http;
	const struct mirror_prom_target *t;
	const struct mirror_conf *conf;
	const struct mirror_query *q;
	struct mirror_error *err;
	int64_t deadline;          /* monotonic ms: the timeout covers the call */
};

/* Sets j->deadline to now + the target's timeout. */
void mirror_prom_job_start(struct mirror_prom_job *j);

/*
 * Asks the store: GET <base><path>?<params>, or POST with params as the
 * form body when post: libcurl 7.88 signs a query string unsorted, which
 * breaks SigV4 (curl/curl#9717), so signed calls send a form. params may be
 * empty. The request gets what is left of the job's time: a call of many
 * chunks still ends within the timeout (MIRROR_ERR_STORE_TIMEOUT). On success *root and *data as for mirror_prom_answer. *status
 * (may be NULL) receives the HTTP status, 0 when there was no answer.
 */
enum mirror_err mirror_prom_call(const struct mirror_prom_job *j, const char *path,
				 const char *params, bool post, long *status,
				 struct json_object **root, struct json_object **data);

/* Formats epoch ms as the API's seconds ("1704067200.250"). */
void mirror_prom_seconds(int64_t ms, char *out, size_t size);

/*
 * The points of the one series sel selects over [q->start_ms, q->end_ms):
 * the stored samples for KIND_GAUGE, a step-wise evaluation for COUNTER
 * and EXPR. Zero series is MIRROR_ERR_METRIC_NOT_FOUND naming sel.
 */
enum mirror_err mirror_prom_fetch(const struct mirror_prom_job *j,
				  enum mirror_prom_kind kind, const char *sel,
				  struct mirror_series *out);

/* --- prom_pushdown.c --------------------------------------------------- */

/* What a store's build info said it is: one store per worker, kept for
 * MIRROR_PROM_FLAVOUR_MS so an aggregation costs no extra round trip. */
struct mirror_prom_flavour {
	char url[MIRROR_STORE_URL_MAX];   /* "" before the first look */
	int major;                        /* Prometheus major version; 0: other */
	int64_t until_ms;                 /* monotonic ms */
};

#define MIRROR_PROM_FLAVOUR_MS 60000

struct mirror_store_buckets;

/*
 * The metric_buckets of store.h for the selector sel (KIND_GAUGE): the
 * buckets wholly inside j->q's range that the store's flavour computes
 * exactly as agg.c does, evaluated with query_range so that each
 * evaluation's window is one bucket. Leaves out->answered false (and
 * MIRROR_OK) when the store, method or range does not allow it.
 */
enum mirror_err mirror_prom_buckets(const struct mirror_prom_job *j,
				    struct mirror_prom_flavour *flavour,
				    const char *sel, struct mirror_store_buckets *out);

#endif
