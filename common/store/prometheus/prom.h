/*
 * Internals of the Prometheus backend (backend_prometheus.c), one concern
 * per file so each can be tested without a store:
 *   prom_details.c  connectionDetails of a Prometheus store
 *   prom_select.c   conditions -> PromQL selectors (MIRROR-API.md decision 7)
 *   prom_parse.c    JSON answers of the Prometheus HTTP API, as they stream in
 *   prom_labels.c   the label sets of an answer's series
 *   prom_number.c   sample values and timestamps
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
	bool nocache;                   /* nocache=1: VictoriaMetrics' cache off */
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

/* --- prom_parse.c, prom_labels.c, prom_number.c ------------------------- */

/* Series of one answer whose labels are kept: enough to name the labels
 * that differ when the conditions select several. */
#define MIRROR_PROM_SERIES_KEPT 32
/* Ceilings on the labels of one kept series. */
#define MIRROR_PROM_LABELS_MAX 1024
#define MIRROR_PROM_LABEL_BYTES ((size_t)64 << 10)

/* What an answer's "data" must be. */
enum mirror_prom_shape {
	MIRROR_PROM_SHAPE_ANY,      /* anything: only status and errors count */
	MIRROR_PROM_SHAPE_OBJECT,   /* an object (build info); contents skipped */
	MIRROR_PROM_SHAPE_ARRAY,    /* an array; contents skipped */
	MIRROR_PROM_SHAPE_STRINGS,  /* an array of strings, each given to each() */
	MIRROR_PROM_SHAPE_MATRIX,   /* resultType "matrix": samples of one series */
	MIRROR_PROM_SHAPE_VECTOR,   /* resultType "vector": the same, "value" */
	MIRROR_PROM_SHAPE_MAX
};

struct mirror_prom_labels;

/* What a chunked fetch has seen so far: the one series' labels. */
struct mirror_prom_seen {
	struct mirror_prom_labels *labels;  /* owned copy, or NULL before the first */
	size_t nseries;                 /* 0 or 1: more is an error */
	bool asked;                     /* a request was answered */
};

void mirror_prom_seen_free(struct mirror_prom_seen *s);

/* What the caller wants from one answer. */
struct mirror_prom_want {
	enum mirror_prom_shape shape;
	const char *what;               /* OBJECT, ARRAY: the path its error names */
	/* STRINGS: called with each string (NUL-terminated, borrowed); an
	 * error stops reading and is returned with details "out of memory". */
	enum mirror_err (*each)(const char *s, void *ctx);
	void *ctx;
	/* MATRIX, VECTOR: the samples with lo <= t < hi are appended to out;
	 * seen carries the series across the answers of one fetch. */
	int64_t lo, hi;
	struct mirror_series *out;
	struct mirror_prom_seen *seen;  /* may be NULL: no check across answers */
};

/*
 * Reads one answer as it streams in (the HTTP client's sink):
 * mirror_prom_reader_new, then mirror_prom_reader_feed with each piece,
 * then mirror_prom_reader_end with the HTTP status and content type.
 * Memory is bounded whatever the answer's size: the tokenizer's token
 * buffer, the labels of MIRROR_PROM_SERIES_KEPT series, and out.
 */
struct mirror_prom_reader;

/* Returns MIRROR_ERR_NOMEM or MIRROR_ERR_INTERNAL (bad shape); *out NULL then. */
enum mirror_err mirror_prom_reader_new(const struct mirror_prom_want *w,
				       struct mirror_prom_reader **out);

/* Accepts NULL. */
void mirror_prom_reader_free(struct mirror_prom_reader *r);

/*
 * A mirror_http_sink: reads n more bytes of the answer. Always returns
 * MIRROR_OK; sets *enough once the rest cannot change the outcome (a
 * syntax error, a ceiling reached, the caller's list full): stop sending.
 */
enum mirror_err mirror_prom_reader_feed(void *reader, const char *p, size_t n,
					bool *enough);

/*
 * The outcome, once the answer ended (or the reader had enough). JSON with
 * "status":"success" and data of the wanted shape is MIRROR_OK (samples
 * are in want.out: out->truncated when the points ceiling cut them). A
 * Prometheus error ({"status":"error"}) is MIRROR_ERR_STORE with the
 * store's errorType and message; anything that is not the Prometheus
 * API's JSON (HTML from a proxy, a login page, garbage, a cut answer) is
 * MIRROR_ERR_STORE_CONNECT quoting its first bytes, because the URL does
 * not lead to a working store; data of another shape is MIRROR_ERR_STORE
 * (MIRROR_ERR_STORE_CONNECT for OBJECT and ARRAY: a probe). A matrix or
 * vector with several series, or whose series differs from the one seen
 * in an earlier answer, is MIRROR_ERR_BAD_REQUEST naming the labels that
 * differ: the conditions must select one series.
 */
enum mirror_err mirror_prom_reader_end(struct mirror_prom_reader *r, long status,
				       const char *content_type,
				       struct mirror_error *err);

/* The same for an answer held whole (resp->body, resp->len). */
enum mirror_err mirror_prom_read(const struct mirror_prom_want *w,
				 const struct mirror_http_resp *resp,
				 struct mirror_error *err);

/* Reads a sample value as Prometheus writes it ("1.5", "NaN", "+Inf"):
 * all of s[0..len), s[len] == '\0'. Exact; strtod only off the fast path. */
bool mirror_prom_value(const char *s, size_t len, double *out);

/* Reads a sample timestamp, the JSON number text of float seconds, as
 * epoch ms: exact from the digits for up to 3 decimals ("1704153599.999"),
 * otherwise rounded; false when out of range. s[len] == '\0'. */
bool mirror_prom_time(const char *s, size_t len, int64_t *ms);

/* Label sets (prom_labels.c): names and values in document order, set
 * bad by a value that is not a string, a repeated name or a ceiling. */
enum mirror_err mirror_prom_labels_new(struct mirror_prom_labels **out);
void mirror_prom_labels_free(struct mirror_prom_labels *l);
void mirror_prom_labels_reset(struct mirror_prom_labels *l);
void mirror_prom_labels_spoil(struct mirror_prom_labels *l);
bool mirror_prom_labels_bad(const struct mirror_prom_labels *l);
/* A name, then its value; copies both. */
enum mirror_err mirror_prom_labels_name(struct mirror_prom_labels *l,
					const char *s, size_t n);
enum mirror_err mirror_prom_labels_value(struct mirror_prom_labels *l,
					 const char *s, size_t n);
/* After the last label: sorts by name, spots repeated names. */
enum mirror_err mirror_prom_labels_finish(struct mirror_prom_labels *l);
/* The value of name, or NULL. */
const char *mirror_prom_labels_get(const struct mirror_prom_labels *l, const char *name);
bool mirror_prom_labels_equal(const struct mirror_prom_labels *a,
			      const struct mirror_prom_labels *b);
enum mirror_err mirror_prom_labels_copy(struct mirror_prom_labels *dst,
					const struct mirror_prom_labels *src);

/* The MIRROR_ERR_BAD_REQUEST for n label sets that are not one series:
 * names the labels whose values differ (at most MIRROR_PROM_SERIES_KEPT). */
enum mirror_err mirror_prom_several(const struct mirror_prom_labels *const *sets,
				    size_t n, struct mirror_error *err);

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
 * chunks still ends within the timeout (MIRROR_ERR_STORE_TIMEOUT). The
 * answer is read as it streams in, as want says (mirror_prom_reader_end
 * gives the outcome). *status (may be NULL) receives the HTTP status, 0
 * when there was no answer.
 */
enum mirror_err mirror_prom_call(const struct mirror_prom_job *j, const char *path,
				 const char *params, bool post, long *status,
				 const struct mirror_prom_want *want);

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

/* The query engines whose range functions pushdown knows. */
enum mirror_prom_engine {
	MIRROR_PROM_ENGINE_OTHER,         /* unknown: nothing is pushed down */
	MIRROR_PROM_ENGINE_PROMETHEUS_2,  /* sel[R] holds [T - R, T] */
	MIRROR_PROM_ENGINE_PROMETHEUS_3,  /* sel[R] holds (T - R, T] */
	MIRROR_PROM_ENGINE_VICTORIA,      /* MetricsQL: (T - R, T], a result
					     cache, the newest samples hidden */
	MIRROR_PROM_ENGINE_MAX
};

/* What a store said it is: one store per worker, kept for
 * MIRROR_PROM_FLAVOUR_MS so an aggregation costs no extra round trip. */
struct mirror_prom_flavour {
	char url[MIRROR_STORE_URL_MAX];   /* "" before the first look */
	enum mirror_prom_engine engine;
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
