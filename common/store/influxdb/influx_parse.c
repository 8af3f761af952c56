/*
 * Answers of InfluxDB 1.x's /query (docs.influxdata.com, "InfluxDB API
 * reference", /query): {"results":[{"statement_id":0,"series":[{"name":..,
 * "tags":{..},"columns":[..],"values":[[..],..]}],"error":..}]} or
 * {"error":".."}; with chunked=true, one such document per line, a series
 * spread over several of them. Everything read here comes from outside,
 * so every member's type is checked before use.
 *
 * This is the one file that knows the answer's syntax: it turns it into
 * calls of a mirror_influx_sink (series, then rows of typed cells). It
 * reads with json-c one document (one chunk) at a time, so a chunked
 * answer never becomes one big tree; a streaming tokenizer can replace it
 * without touching the callers.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "influx.h"

/* InfluxDB answers nest six levels deep; leave room. */
#define ANSWER_DEPTH 32

static bool
space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * The JSON document on the line at body[*off..len), or NULL (then *off is
 * unchanged) when that line is not one. InfluxDB ends every document
 * with a line break, and JSON strings cannot hold a raw one, so lines
 * are documents; each is parsed strictly, to its end.
 */
static struct json_object *
next_doc(const char *body, size_t len, size_t *off)
{
	const char *nl = memchr(body + *off, '\n', len - *off);
	size_t end = nl != NULL ? (size_t)(nl - body) : len, n = end - *off;
	struct json_tokener *tok;
	struct json_object *doc;

	if (n > INT_MAX)
		return NULL;
	tok = json_tokener_new_ex(ANSWER_DEPTH);
	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	doc = json_tokener_parse_ex(tok, body + *off, (int)n);
	if (doc != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == n) {
		*off = end;
	} else {
		json_object_put(doc);
		doc = NULL;
	}
	json_tokener_free(tok);
	return doc;
}

static const char *
str_member(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static enum mirror_err
malformed(struct mirror_error *err, const char *what)
{
	return mirror_error_set(err, MIRROR_ERR_STORE,
	    "the store's answer is malformed: %s", what);
}

/* An integer cell. json-c clamps integers beyond int64/uint64 to their
 * ends (InfluxDB writes floats below 1e21 without an exponent), so those
 * ends are marked: the caller knows whether its field holds integers. */
static void
int_cell(struct json_object *v, struct mirror_influx_value *c)
{
	int64_t i = json_object_get_int64(v);
	uint64_t u = json_object_get_uint64(v);

	c->type = MIRROR_INFLUX_NUMBER;
	if (i == INT64_MAX && u > (uint64_t)INT64_MAX) {
		c->num = (double)u;
		c->beyond = u == UINT64_MAX;
		return;
	}
	c->num = (double)i;
	c->is_int = true;
	c->i = i;
	c->beyond = i == INT64_MIN;
}

static bool
read_cell(struct json_object *v, struct mirror_influx_value *c)
{
	memset(c, 0, sizeof *c);
	switch (json_object_get_type(v)) {
	case json_type_null:
		c->type = MIRROR_INFLUX_NULL;
		return true;
	case json_type_boolean:
		c->type = MIRROR_INFLUX_BOOL;
		c->b = json_object_get_boolean(v);
		return true;
	case json_type_string:
		c->type = MIRROR_INFLUX_STRING;
		c->s = json_object_get_string(v);
		return true;
	case json_type_int:
		int_cell(v, c);
		return true;
	case json_type_double:
		c->type = MIRROR_INFLUX_NUMBER;
		c->num = json_object_get_double(v);
		c->beyond = !isfinite(c->num);
		return true;
	default:
		return false;
	}
}

static enum mirror_err
rows(struct json_object *values, const struct mirror_influx_sink *sink,
     struct mirror_error *err)
{
	struct mirror_influx_value cells[MIRROR_INFLUX_COLS_MAX];
	size_t i, k, n = json_object_array_length(values), m;
	enum mirror_err e;

	for (i = 0; i < n; i++) {
		struct json_object *row = json_object_array_get_idx(values, i);

		if (!json_object_is_type(row, json_type_array))
			return malformed(err, "a row is not a list");
		m = json_object_array_length(row);
		m = m < MIRROR_INFLUX_COLS_MAX ? m : MIRROR_INFLUX_COLS_MAX;
		for (k = 0; k < m; k++)
			if (!read_cell(json_object_array_get_idx(row, k), &cells[k]))
				return malformed(err, "a cell is a list or an object");
		e = sink->row(sink->ctx, cells, m);
		if (e != MIRROR_OK)
			return e;
	}
	return MIRROR_OK;
}

static enum mirror_err
one_series(struct json_object *s, size_t stmt, const struct mirror_influx_sink *sink,
	   struct mirror_error *err)
{
	struct json_object *tags = NULL, *values = NULL;
	const char *name;
	enum mirror_err e;

	if (!json_object_is_type(s, json_type_object))
		return malformed(err, "a series is not an object");
	name = str_member(s, "name");
	if (json_object_object_get_ex(s, "tags", &tags) && tags != NULL &&
	    !json_object_is_type(tags, json_type_object))
		return malformed(err, "a series' tags are not an object");
	if (json_object_object_get_ex(s, "values", &values) && values != NULL &&
	    !json_object_is_type(values, json_type_array))
		return malformed(err, "a series' values are not a list");
	e = sink->series(sink->ctx, stmt, name != NULL ? name : "", tags);
	if (e == MIRROR_OK && values != NULL)
		e = rows(values, sink, err);
	return e;
}

static enum mirror_err
one_result(struct json_object *res, size_t index, long status,
	   const struct mirror_influx_sink *sink, struct mirror_error *err)
{
	struct json_object *sid, *series;
	const char *msg;
	size_t stmt = index, i, n;
	enum mirror_err e = MIRROR_OK;

	if (!json_object_is_type(res, json_type_object))
		return malformed(err, "a result is not an object");
	if (json_object_object_get_ex(res, "statement_id", &sid) &&
	    json_object_is_type(sid, json_type_int) && json_object_get_int64(sid) >= 0)
		stmt = (size_t)json_object_get_int64(sid);
	msg = str_member(res, "error");
	if (msg != NULL)
		return mirror_error_set(err, MIRROR_ERR_STORE, "InfluxDB answered "
		    "HTTP %ld: %.400s", status, msg);
	if (!json_object_object_get_ex(res, "series", &series) || series == NULL)
		return MIRROR_OK;
	if (!json_object_is_type(series, json_type_array))
		return malformed(err, "series is not a list");
	n = json_object_array_length(series);
	for (i = 0; i < n && e == MIRROR_OK; i++)
		e = one_series(json_object_array_get_idx(series, i), stmt, sink, err);
	return e;
}

static enum mirror_err
not_influx(const struct mirror_http_resp *r, struct mirror_error *err)
{
	return mirror_error_set(err, MIRROR_ERR_STORE_CONNECT,
	    "the store's answer (HTTP %ld, %.64s) is not InfluxDB /query JSON: "
	    "%.80s", r->status, r->content_type != NULL ? r->content_type :
	    "no content type", r->len > 0 ? r->body : "an empty body");
}

static enum mirror_err
one_doc(struct json_object *doc, const struct mirror_http_resp *r,
	const struct mirror_influx_sink *sink, struct mirror_error *err)
{
	struct json_object *results;
	const char *msg = str_member(doc, "error");
	size_t i, n;
	enum mirror_err e = MIRROR_OK;

	if (msg != NULL)
		return mirror_error_set(err, MIRROR_ERR_STORE, "InfluxDB answered "
		    "HTTP %ld: %.400s", r->status, msg);
	if (!json_object_object_get_ex(doc, "results", &results) ||
	    !json_object_is_type(results, json_type_array))
		return not_influx(r, err);
	n = json_object_array_length(results);
	for (i = 0; i < n && e == MIRROR_OK; i++)
		e = one_result(json_object_array_get_idx(results, i), i, r->status,
		    sink, err);
	return e;
}

/* What stops a parse that is not at a document: the end, InfluxDB's
 * failure to encode a value (Go's encoding/json: "json: unsupported
 * value: +Inf", written where the next document would be), or junk. */
static enum mirror_err
after_docs(const struct mirror_http_resp *r, size_t off, size_t ndocs,
	   bool *infinite, struct mirror_error *err)
{
	const char *rest = r->body + off;

	if (off == r->len && ndocs > 0)
		return MIRROR_OK;
	if (strncmp(rest, "json: ", 6) == 0 && strstr(rest, "unsupported value: ") &&
	    strstr(rest, "Inf")) {
		if (infinite != NULL)
			*infinite = true;
		return mirror_error_set(err, MIRROR_ERR_STORE, "InfluxDB could not "
		    "write a value it computed (an infinite sum): %.200s", rest);
	}
	return ndocs == 0 ? not_influx(r, err) :
	    malformed(err, "text after its last document");
}

/* 401 and 403 come with {"error":"..."}: the credentials do not open the
 * database, so the store is as good as unreachable. */
static enum mirror_err
refused(const struct mirror_http_resp *r, struct mirror_error *err)
{
	size_t off = 0;
	struct json_object *doc = next_doc(r->body, r->len, &off);
	const char *msg = json_object_is_type(doc, json_type_object) ?
	    str_member(doc, "error") : NULL;

	mirror_error_set(err, MIRROR_ERR_STORE_CONNECT, "InfluxDB refused the "
	    "credentials (HTTP %ld): %.300s", r->status,
	    msg != NULL ? msg : "no reason given");
	json_object_put(doc);
	return MIRROR_ERR_STORE_CONNECT;
}

enum mirror_err
mirror_influx_parse(const struct mirror_http_resp *r,
		    const struct mirror_influx_sink *sink, bool *infinite,
		    struct mirror_error *err)
{
	struct json_object *doc;
	size_t off = 0, ndocs = 0;
	enum mirror_err e = MIRROR_OK;

	if (infinite != NULL)
		*infinite = false;
	if (r->status == 401 || r->status == 403)
		return refused(r, err);
	while (e == MIRROR_OK && off < r->len) {
		while (off < r->len && space(r->body[off]))
			off++;
		if (off == r->len)
			break;
		doc = next_doc(r->body, r->len, &off);
		if (doc == NULL)
			return after_docs(r, off, ndocs, infinite, err);
		if (!json_object_is_type(doc, json_type_object))
			e = not_influx(r, err);
		else
			e = one_doc(doc, r, sink, err);
		json_object_put(doc);
		ndocs++;
	}
	if (e == MIRROR_OK && (r->status < 200 || r->status > 299))
		return not_influx(r, err);
	return e != MIRROR_OK ? e : after_docs(r, off, ndocs, infinite, err);
}
