/*
 * Internals of the InfluxDB 1.x store (backend_influxdb.c), one concern
 * per file so each can be tested without a store:
 *   influx_details.c  connectionDetails of an InfluxDB store
 *   influx_ql.c       conditions -> InfluxQL (quoting, escaping, FROM, WHERE)
 *   influx_parse.c    JSON answers of /query, chunked ones included
 *   influx_query.c    asking /query, and the field keys of a measurement
 *   influx_series.c   the series a metric query reads; telling series apart
 *   influx_points.c   its raw points
 *   influx_buckets.c  its buckets, where InfluxDB computes them (pushdown)
 *   influx_meta.c     field names and values (SHOW ...)
 * docs/INFLUXDB.md describes the mapping as users see it.
 */
#ifndef MIRROR_INFLUX_H
#define MIRROR_INFLUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "error.h"
#include "json/json_out.h"
#include "lists.h"
#include "query.h"
#include "series.h"
#include "store/allow.h"
#include "store/call.h"
#include "store/differ.h"
#include "store/http.h"
#include "store/store.h"

struct json_object;

/* The condition key (and field name) naming the measurement. */
#define MIRROR_INFLUX_MEASUREMENT "_measurement"

/* InfluxDB's timestamps are int64 nanoseconds: the range it can hold, ms. */
#define MIRROR_INFLUX_TIME_MIN_MS (-9223372036854LL)
#define MIRROR_INFLUX_TIME_MAX_MS 9223372036854LL

/* Ceiling on an InfluxQL statement we build; the request's own limits
 * (conditions, set values, string lengths) bound it long before. */
#define MIRROR_INFLUX_QL_MAX ((size_t)16 << 20)

/* --- influx_details.c ---------------------------------------------------- */

/* A store as connectionDetails describe it. Strings are borrowed from
 * q->details and live as long as the query. */
struct mirror_influx_target {
	char url[MIRROR_STORE_URL_MAX];  /* allowlisted base URL, no trailing '/' */
	const char *database;           /* required */
	const char *rp;                 /* retention policy, or NULL: the default */
	int64_t timeout_ms;             /* of one mirror call, all requests */
	struct mirror_http_auth auth;
	size_t group_min;               /* values above this are grouped; 0 never */
	int64_t chunk_points;           /* points per chunk of a chunked answer */
	size_t max_bytes;               /* ceiling on one store answer */
	bool gzip;
};

/*
 * Reads q->details into t, checking the URL against conf's allowlist.
 * Returns MIRROR_ERR_BAD_REQUEST (nothing is contacted) for a missing
 * url or database, a refused URL or a malformed key.
 */
enum mirror_err mirror_influx_target_read(const struct mirror_conf *conf,
					  const struct mirror_query *q,
					  struct mirror_influx_target *t,
					  struct mirror_error *err);

/* --- influx_ql.c --------------------------------------------------------- */

/* Appends s as an InfluxQL identifier: double-quoted, with '\', '"' and
 * line breaks escaped (the escapes influxql's scanner reads). */
void mirror_influx_ident(struct mirror_buf *b, const char *s);

/* Appends s as an InfluxQL string literal: single-quoted, likewise. */
void mirror_influx_string(struct mirror_buf *b, const char *s);

/* Appends /^<prefix>/: a regex literal matching values that start with
 * prefix, every ASCII character but [A-Za-z0-9] written as \xHH so that
 * neither RE2 nor the regex literal's own '/' and '\' rules see it. */
void mirror_influx_regex_prefix(struct mirror_buf *b, const char *prefix);

/* Appends "time >= <start>ms AND time < <end>ms". */
void mirror_influx_time(struct mirror_buf *b, int64_t start_ms, int64_t end_ms);

/* The series a query's conditions select, as InfluxQL clauses. */
struct mirror_influx_sel {
	char **names;          /* the measurements named by _measurement; owned */
	size_t nnames;         /* 0: no _measurement condition */
	struct mirror_buf from;  /* "rp"."m1","rp"."m2", or empty */
	struct mirror_buf where; /* ("k" = 'v') AND ("j" = 'a' OR "j" = 'b'), or empty */
	size_t ntags;          /* tag conditions in where */
	bool nothing;          /* the _measurement conditions exclude each other */
};

/*
 * Builds sel from q's conditions, leaving out the conditions on skip
 * (a field whose values are listed; NULL for none). Several _measurement
 * conditions keep the measurements all of them name. Returns
 * MIRROR_ERR_BAD_REQUEST for an empty InSetValue or a condition on "time".
 * Free with mirror_influx_sel_free (also after a failure).
 */
enum mirror_err mirror_influx_select(const struct mirror_query *q, const char *skip,
				     const char *rp, struct mirror_influx_sel *sel,
				     struct mirror_error *err);
void mirror_influx_sel_free(struct mirror_influx_sel *sel);

/* The condition's value as the text a tag holds ("8080", "true"). */
const char *mirror_influx_value_text(const struct mirror_condition *c,
				     char tmp[MIRROR_DOUBLE_TEXT_MAX]);

/* --- influx_parse.c ------------------------------------------------------ */

enum mirror_influx_vtype {
	MIRROR_INFLUX_NULL,
	MIRROR_INFLUX_NUMBER,
	MIRROR_INFLUX_BOOL,
	MIRROR_INFLUX_STRING,
	MIRROR_INFLUX_VTYPE_MAX
};

/* One cell of a row, as the answer wrote it. */
struct mirror_influx_value {
	enum mirror_influx_vtype type;
	double num;            /* NUMBER */
	bool is_int;           /* NUMBER written as an integer: i is exact */
	int64_t i;
	bool beyond;           /* an integer the parser could not hold exactly */
	bool b;                /* BOOL */
	const char *s;         /* STRING; borrowed for the callback */
};

/* The most cells of a row a sink is shown. */
#define MIRROR_INFLUX_COLS_MAX 4

/*
 * What an answer is told to, in order: series() at the start of each
 * series (or chunk of one) with its statement, measurement name and tags
 * (NULL for none; borrowed for the call), then row() for each of its
 * rows. Either returning an error stops the parse with it.
 */
struct mirror_influx_sink {
	void *ctx;
	enum mirror_err (*series)(void *ctx, size_t stmt, const char *name,
				  struct json_object *tags);
	enum mirror_err (*row)(void *ctx, const struct mirror_influx_value *cells,
			       size_t n);
};

/*
 * Reads an answer of /query: one JSON document, or one per line when
 * chunked. An "error" of the answer or of a statement is MIRROR_ERR_STORE
 * with InfluxDB's message; 401 and 403 are MIRROR_ERR_STORE_CONNECT
 * (the credentials do not open the database); an answer that is not
 * InfluxDB's JSON is MIRROR_ERR_STORE_CONNECT. When InfluxDB could not
 * encode a value it computed (an infinite sum: its JSON encoder fails
 * with "unsupported value: +Inf"), *infinite is set (may be NULL) and
 * MIRROR_ERR_STORE returned.
 */
enum mirror_err mirror_influx_parse(const struct mirror_http_resp *r,
				    const struct mirror_influx_sink *sink,
				    bool *infinite, struct mirror_error *err);

/* --- influx_query.c ------------------------------------------------------ */

/* What one store method needs to talk to its store. */
struct mirror_influx_job {
	struct mirror_store_call st;     /* http, base, auth, deadline */
	const struct mirror_influx_target *t;
	const struct mirror_conf *conf;
	const struct mirror_query *q;
	struct mirror_error *err;
};

/* Fills j from the call's state and t, and starts its deadline. */
void mirror_influx_job_start(struct mirror_influx_job *j, struct mirror_http *http,
			     const struct mirror_influx_target *t,
			     const struct mirror_conf *conf,
			     const struct mirror_query *q, struct mirror_error *err);

/*
 * Runs the InfluxQL ql (one or more statements) against the database,
 * with epoch=ms, chunked when chunked; the answer goes to sink.
 * *infinite as for mirror_influx_parse (may be NULL).
 */
enum mirror_err mirror_influx_query(const struct mirror_influx_job *j, const char *ql,
				    bool chunked, const struct mirror_influx_sink *sink,
				    bool *infinite);

/* A field key of a measurement: its name and type per SHOW FIELD KEYS. */
struct mirror_influx_field {
	char *name;                     /* owned */
	enum mirror_field_type type;    /* NUMBER, BOOLEAN or STRING */
	bool integer;                   /* NUMBER stored as integer */
};

struct mirror_influx_fields {
	struct mirror_influx_field *items;  /* owned */
	size_t len, cap;
};

void mirror_influx_fields_free(struct mirror_influx_fields *f);

/* The mirror's type of an InfluxDB field type ("float", "integer",
 * "unsigned" -> NUMBER, "boolean", "string"); MIRROR_FIELD_MAX if unknown. */
enum mirror_field_type mirror_influx_field_type(const char *influx, bool *integer);

/* Adds one [fieldKey, fieldType] row of SHOW FIELD KEYS to f, unless
 * the name is there already. MIRROR_ERR_STORE for a malformed row. */
enum mirror_err mirror_influx_fields_row(struct mirror_influx_fields *f,
					 const struct mirror_influx_value *c, size_t n);

/*
 * SHOW FIELD KEYS [FROM from] into *out, each name once (the first type
 * reported wins).
 */
enum mirror_err mirror_influx_field_keys(const struct mirror_influx_job *j,
					 const char *from,
					 struct mirror_influx_fields *out);

/* The field of a metric query: its name (borrowed from fields or q) and
 * type. */
struct mirror_influx_metric {
	const char *field;
	enum mirror_field_type type;
	bool integer;
};

/*
 * Chooses the field a metric query reads: q->metric_field, else the only
 * numeric field, else "value"; MIRROR_ERR_BAD_REQUEST listing the field
 * keys when there is no such field, MIRROR_ERR_UNSUPPORTED_TYPE for a
 * STRING field, MIRROR_ERR_BAD_REQUEST for a condition on a field key
 * (conditions select series by tags).
 */
enum mirror_err mirror_influx_metric_field(const struct mirror_query *q,
					   const struct mirror_influx_fields *f,
					   struct mirror_influx_metric *m,
					   struct mirror_error *err);

/* --- influx_series.c ----------------------------------------------------- */

/* The series a metric query reads. */
struct mirror_influx_series {
	struct mirror_influx_sel sel;
	struct mirror_influx_fields fields;
	struct mirror_influx_metric m;
	int64_t lo, hi;   /* the query's range, inside InfluxDB's (int64 ns) */
};

/*
 * Reads q's conditions, asks the measurement's field keys and chooses the
 * field (mirror_influx_metric_field). MIRROR_ERR_BAD_REQUEST without a
 * _measurement condition, MIRROR_ERR_METRIC_NOT_FOUND for no such
 * measurement. Free with mirror_influx_series_free (also after a failure).
 */
enum mirror_err mirror_influx_series_resolve(const struct mirror_influx_job *j,
					     struct mirror_influx_series *s);
void mirror_influx_series_free(struct mirror_influx_series *s);

/* Appends " FROM .. WHERE <tags> AND time >= lo AND time < hi". */
void mirror_influx_from_where(struct mirror_buf *b, const struct mirror_influx_series *s);

/* MIRROR_ERR_METRIC_NOT_FOUND, why, with the selection in err->metric
 * (`"cpu" WHERE "host" = 'a'`). */
enum mirror_err mirror_influx_not_found(const struct mirror_influx_job *j,
					const struct mirror_influx_series *s,
					const char *why);

/* The series an answer showed: the first, and up to the differ limit of
 * others, each as {"_measurement": name, tag: value, ...}. */
struct mirror_influx_seen {
	struct json_object *ids[MIRROR_STORE_DIFFER_MAX];
	size_t n;
	bool current_first;   /* the rows coming belong to ids[0] */
};

/* Notes a series (or another chunk of one) beginning. */
enum mirror_err mirror_influx_seen_series(struct mirror_influx_seen *s, const char *name,
					  struct json_object *tags);
/* MIRROR_ERR_BAD_REQUEST naming the tags that differ when several showed. */
enum mirror_err mirror_influx_seen_check(const struct mirror_influx_seen *s,
					 struct mirror_error *err);
void mirror_influx_seen_free(struct mirror_influx_seen *s);

/* A point's value: numbers as doubles, booleans as 1 and 0;
 * MIRROR_ERR_STORE for a string or a number the parser could not hold. */
enum mirror_err mirror_influx_point_value(const struct mirror_influx_value *c,
					  const struct mirror_influx_metric *m,
					  double *v, struct mirror_error *err);

/* An epoch=ms time cell; false when it is not an integer. */
bool mirror_influx_cell_time(const struct mirror_influx_value *c, int64_t *t);

/* --- influx_points.c ----------------------------------------------------- */

/*
 * The points of the one series q's conditions select, over [q->start_ms,
 * q->end_ms): MIRROR_ERR_METRIC_NOT_FOUND when no such series exists,
 * MIRROR_ERR_BAD_REQUEST naming the tags when several match.
 */
enum mirror_err mirror_influx_points(const struct mirror_influx_job *j,
				     struct mirror_series *out);

/* --- influx_buckets.c ---------------------------------------------------- */

/*
 * The aggregated answer computed by InfluxDB where it equals the
 * engine's (store.h, metric_buckets): MEAN, SUM(_NO_ZEROS), MIN, MAX and
 * EVENT_COUNT(_NO_ZEROS) of numeric fields. Declined (out->answered
 * false) otherwise, and when the series has no point in the range.
 */
enum mirror_err mirror_influx_buckets(const struct mirror_influx_job *j,
				      struct mirror_store_buckets *out);

/* --- influx_meta.c ------------------------------------------------------- */

enum mirror_err mirror_influx_field_names(const struct mirror_influx_job *j,
					  struct mirror_field_list *out);
enum mirror_err mirror_influx_field_values(const struct mirror_influx_job *j,
					   struct mirror_value_list *out);

#endif
