/*
 * Request bodies: the envelope ("_type", "connectionDetails", "query")
 * and the query's fields, one table row per field (MIRROR-API.md,
 * "Common query fields" and the four methods).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json.h>

#include "json/json_check.h"
#include "json/json_in.h"
#include "methods.h"
#include "parse.h"

#define BIT(m) (1u << (m))
#define NAMES BIT(MIRROR_METHOD_FIELD_NAMES)
#define VALUES BIT(MIRROR_METHOD_FIELD_VALUES)
#define METRIC BIT(MIRROR_METHOD_METRIC)

/* What every field reader gets. */
struct pctx {
	const struct mirror_conf *conf;
	struct json_object *query;
	struct mirror_query *q;
	struct mirror_error *err;
};

enum mirror_err
mirror_parse_dup(const char *s, char **out, struct mirror_error *err)
{
	if (s == NULL)
		return MIRROR_OK;
	*out = strdup(s);
	if (*out == NULL)
		return mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
	return MIRROR_OK;
}

static enum mirror_err
read_conditions(struct pctx *c)
{
	return mirror_parse_conditions(c->conf, c->query, c->q, c->err);
}

/* startTime/endTime: required for metrics, optional (as a pair) otherwise. */
static enum mirror_err
read_range(struct pctx *c)
{
	struct mirror_query *q = c->q;
	bool need = q->method == MIRROR_METHOD_METRIC, has_start, has_end;
	enum mirror_err e;

	e = mirror_jin_int(c->query, "query.startTime", -MIRROR_JSON_INT_MAX,
	    MIRROR_JSON_INT_MAX, need, &q->start_ms, &has_start, c->err);
	if (e == MIRROR_OK)
		e = mirror_jin_int(c->query, "query.endTime", -MIRROR_JSON_INT_MAX,
		    MIRROR_JSON_INT_MAX, need, &q->end_ms, &has_end, c->err);
	if (e != MIRROR_OK)
		return e;
	if (has_start != has_end)
		return mirror_error_set(c->err, MIRROR_ERR_BAD_REQUEST,
		    "query.startTime and query.endTime go together");
	q->has_range = has_start;
	if (!q->has_range)
		return MIRROR_OK;
	if (q->end_ms < q->start_ms)
		return mirror_error_set(c->err, MIRROR_ERR_BAD_REQUEST,
		    "query.endTime is before query.startTime");
	if (q->end_ms - q->start_ms > c->conf->max_range_ms)
		return mirror_error_set(c->err, MIRROR_ERR_BAD_REQUEST,
		    "query spans more than %lld ms", (long long)c->conf->max_range_ms);
	return MIRROR_OK;
}

static enum mirror_err
read_limit(struct pctx *c)
{
	return mirror_jin_int(c->query, "query.limit", 1, INT64_MAX, false,
	    &c->q->limit, NULL, c->err);
}

/* latestFirst, also spelled lastFirst by some clients. */
static enum mirror_err
read_latest_first(struct pctx *c)
{
	bool present;
	enum mirror_err e;

	e = mirror_jin_bool(c->query, "query.latestFirst", false,
	    &c->q->latest_first, &present, c->err);
	if (e != MIRROR_OK || present)
		return e;
	return mirror_jin_bool(c->query, "query.lastFirst", false,
	    &c->q->latest_first, NULL, c->err);
}

static enum mirror_err
read_field(struct pctx *c)
{
	struct mirror_field *f = &c->q->field;
	struct json_object *obj;
	const char *name, *type = NULL;
	enum mirror_err e;

	e = mirror_jin_object(c->query, "query.field", true, &obj, c->err);
	if (e == MIRROR_OK)
		e = mirror_jin_string(obj, "query.field.fieldName",
		    c->conf->max_string, true, &name, NULL, c->err);
	if (e == MIRROR_OK)
		e = mirror_jin_string(obj, "query.field.fieldType", 16, false,
		    &type, NULL, c->err);
	if (e == MIRROR_OK)
		e = mirror_jin_bool(obj, "query.field.classified", false,
		    &f->classified, NULL, c->err);
	if (e != MIRROR_OK)
		return e;
	if (type != NULL && (f->type = mirror_field_type_parse(type)) == MIRROR_FIELD_MAX)
		return mirror_error_set(c->err, MIRROR_ERR_BAD_REQUEST,
		    "query.field.fieldType must be STRING, NUMBER or BOOLEAN");
	return mirror_parse_dup(name, &f->name, c->err);
}

static enum mirror_err
read_prefix(struct pctx *c)
{
	const char *s = NULL;
	enum mirror_err e;

	e = mirror_jin_string(c->query, "query.fieldValuePrefix",
	    c->conf->max_string, false, &s, NULL, c->err);
	return e != MIRROR_OK ? e : mirror_parse_dup(s, &c->q->prefix, c->err);
}

static enum mirror_err
read_offset(struct pctx *c)
{
	return mirror_jin_int(c->query, "query.offset", 0, INT64_MAX, false,
	    &c->q->offset, NULL, c->err);
}

static enum mirror_err
read_metric_field(struct pctx *c)
{
	const char *s = NULL;
	enum mirror_err e;

	e = mirror_jin_string(c->query, "query.metricField", c->conf->max_string,
	    false, &s, NULL, c->err);
	return e != MIRROR_OK ? e : mirror_parse_dup(s, &c->q->metric_field, c->err);
}

/* Runs after read_range: the bucket count depends on the range. */
static enum mirror_err
read_aggregation(struct pctx *c)
{
	struct mirror_query *q = c->q;
	struct json_object *obj;
	const char *name;
	enum mirror_err e;
	uint64_t span;

	e = mirror_jin_object(c->query, "query.aggregation", false, &obj, c->err);
	if (e != MIRROR_OK || obj == NULL)
		return e;
	e = mirror_jin_string(obj, "query.aggregation.method", 64, true, &name,
	    NULL, c->err);
	if (e == MIRROR_OK)
		e = mirror_jin_int(obj, "query.aggregation.bucketSizeMillis", 1,
		    MIRROR_JSON_INT_MAX, true, &q->bucket_ms, NULL, c->err);
	if (e != MIRROR_OK)
		return e;
	if ((q->agg = mirror_agg_parse(name)) == MIRROR_AGG_MAX)
		return mirror_error_set(c->err, MIRROR_ERR_BAD_REQUEST,
		    "unknown aggregation method \"%.64s\"", name);
	q->aggregated = true;
	span = mirror_agg_bucket_count(q->start_ms, q->end_ms, q->bucket_ms);
	if (span > c->conf->max_span_buckets)
		return mirror_error_set(c->err, MIRROR_ERR_BAD_REQUEST,
		    "the query asks for %llu buckets; at most %llu are allowed",
		    (unsigned long long)span,
		    (unsigned long long)c->conf->max_span_buckets);
	return MIRROR_OK;
}

/* The query's fields, in the order they are read. */
static const struct {
	unsigned methods;
	enum mirror_err (*read)(struct pctx *);
} query_fields[] = {
	{NAMES | VALUES | METRIC, read_conditions},
	{NAMES | VALUES | METRIC, read_range},
	{NAMES | VALUES | METRIC, read_limit},
	{NAMES | VALUES | METRIC, read_latest_first},
	{VALUES, read_field},
	{VALUES, read_prefix},
	{VALUES, read_offset},
	{METRIC, read_metric_field},
	{METRIC, read_aggregation},
};

static enum mirror_err
check_type(struct json_object *obj, const char *path, const char *want,
	   bool required, struct mirror_error *err)
{
	const char *s = NULL;
	enum mirror_err e;

	e = mirror_jin_string(obj, path, 64, required, &s, NULL, err);
	if (e == MIRROR_OK && s != NULL && strcmp(s, want) != 0)
		e = mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "%s must be %s for this path", path, want);
	return e;
}

static enum mirror_err
read_query(const struct mirror_conf *conf, struct json_object *root,
	   struct mirror_query *q, struct mirror_error *err)
{
	struct pctx c = {conf, NULL, q, err};
	enum mirror_err e;
	size_t i;

	e = mirror_jin_object(root, "query", true, &c.query, err);
	if (e == MIRROR_OK)
		e = check_type(c.query, "query._type",
		    mirror_method(q->method)->query_type, false, err);
	for (i = 0; e == MIRROR_OK && i < sizeof query_fields / sizeof query_fields[0]; i++)
		if (query_fields[i].methods & BIT(q->method))
			e = query_fields[i].read(&c);
	return e;
}

/* connectionDetails: any object; the generic keys are read here. */
static enum mirror_err
read_details(const struct mirror_conf *conf, struct json_object *root,
	     struct mirror_query *q, struct mirror_error *err)
{
	struct json_object *details;
	const char *nan = NULL;
	enum mirror_err e;

	e = mirror_jin_object(root, "connectionDetails", true, &details, err);
	if (e != MIRROR_OK)
		return e;
	q->details = json_object_get(details);
	e = mirror_jin_string(details, "connectionDetails.backend", 64, false,
	    &q->backend, NULL, err);
	if (e == MIRROR_OK)
		e = mirror_jin_bool(details, "connectionDetails.pushdown", false,
		    &q->pushdown, NULL, err);
	if (e == MIRROR_OK)
		e = mirror_jin_string(details, "connectionDetails.nan_interpretation",
		    16, false, &nan, NULL, err);
	if (e != MIRROR_OK || nan == NULL)
		return e;
	/* Decision 5: NaN is skipped unless the details ask for zeros. */
	if (strcasecmp(nan, "ZERO") == 0)
		q->nan_as_zero = true;
	else if (strcasecmp(nan, "SKIP") != 0)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "connectionDetails.nan_interpretation must be ZERO or SKIP");
	return MIRROR_OK;
}

/* The first byte that is not white space, or 0. */
static char
first_byte(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' ||
	    body[i] == '\n'))
		i++;
	return i < len ? body[i] : 0;
}

/* Strict syntax first (json_check.c), then json-c builds the tree. */
static enum mirror_err
tokenize(const struct mirror_conf *conf, const char *body, size_t len,
	 struct json_object **root, struct mirror_error *err)
{
	struct json_tokener *tok;
	enum mirror_err e;

	*root = NULL;
	e = mirror_json_check(body, len, conf->json_depth, err);
	if (e != MIRROR_OK)
		return e;
	if (first_byte(body, len) != '{')
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the body must be a JSON object");
	/* One level of slack: the check above already bounded nesting. */
	tok = json_tokener_new_ex(conf->json_depth + 1);
	if (tok == NULL)
		return mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	*root = json_tokener_parse_ex(tok, body, (int)len);
	/* After the check, json-c can only fail for want of memory. */
	if (*root == NULL)
		e = mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory parsing: %s",
		    json_tokener_error_desc(json_tokener_get_error(tok)));
	json_tokener_free(tok);
	return e;
}

static enum mirror_err
read_envelope(const struct mirror_conf *conf, struct json_object *root,
	      struct mirror_query *q, struct mirror_error *err)
{
	enum mirror_err e;

	e = check_type(root, "_type", mirror_method(q->method)->request_type, true, err);
	if (e == MIRROR_OK)
		e = read_details(conf, root, q, err);
	if (e == MIRROR_OK && q->method != MIRROR_METHOD_CONNECTION)
		e = read_query(conf, root, q, err);
	return e;
}

enum mirror_err
mirror_parse_request(const struct mirror_conf *conf, enum mirror_method method,
		     const char *body, size_t len, struct mirror_query *q,
		     struct mirror_error *err)
{
	struct json_object *root;
	enum mirror_err e;

	mirror_query_init(q);
	mirror_error_clear(err);
	if ((unsigned)method >= MIRROR_METHOD_MAX)
		return mirror_error_set(err, MIRROR_ERR_INTERNAL, "no such method");
	if (len > (size_t)INT32_MAX)
		return mirror_error_set(err, MIRROR_ERR_TOO_LARGE, "body too large");
	q->method = method;
	e = tokenize(conf, body, len, &root, err);
	if (e == MIRROR_OK)
		e = read_envelope(conf, root, q, err);
	json_object_put(root);
	if (e != MIRROR_OK) {
		mirror_query_free(q);
		q->method = method;
	}
	return e;
}
