/*
 * Answers of the Prometheus HTTP API (prometheus.io/docs/prometheus/
 * latest/querying/api/): {"status":"success","data":...} or
 * {"status":"error","errorType":...,"error":...}. Everything read here
 * comes from outside, so every member's type is checked before use.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "store/answer.h"
#include "prom.h"

/* Prometheus answers nest five levels deep; leave room for others. */
#define ANSWER_DEPTH 32

/* A string member, or NULL. */
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
not_prometheus(const struct mirror_http_resp *r, struct mirror_error *err)
{
	return mirror_error_set(err, MIRROR_ERR_STORE_CONNECT,
	    "the store's answer (HTTP %ld, %.64s) is not Prometheus API JSON: "
	    "%.80s", r->status, r->content_type != NULL ? r->content_type :
	    "no content type", r->len > 0 ? r->body : "an empty body");
}

enum mirror_err
mirror_prom_answer(const struct mirror_http_resp *r, struct json_object **root,
		   struct json_object **data, struct mirror_error *err)
{
	struct json_object *obj = mirror_store_json(r->body, r->len, ANSWER_DEPTH);
	const char *status = obj != NULL ? str_member(obj, "status") : NULL;
	const char *etype, *msg;

	*root = *data = NULL;
	if (status == NULL) {
		json_object_put(obj);
		return not_prometheus(r, err);
	}
	if (strcmp(status, "success") == 0 &&
	    json_object_object_get_ex(obj, "data", data) && *data != NULL) {
		*root = obj;
		return MIRROR_OK;
	}
	etype = str_member(obj, "errorType");
	msg = str_member(obj, "error");
	mirror_error_set(err, MIRROR_ERR_STORE, "Prometheus answered HTTP %ld "
	    "(%.32s): %.400s", r->status, etype != NULL ? etype : status,
	    msg != NULL ? msg : "no error message");
	json_object_put(obj);
	*data = NULL;
	return MIRROR_ERR_STORE;
}

enum mirror_err
mirror_prom_strings(struct json_object *data,
		    enum mirror_err (*each)(const char *s, void *ctx), void *ctx,
		    struct mirror_error *err)
{
	size_t i, n;
	enum mirror_err e;

	if (!json_object_is_type(data, json_type_array))
		return mirror_error_set(err, MIRROR_ERR_STORE,
		    "the store's answer has no list where one was expected");
	n = json_object_array_length(data);
	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(data, i);

		if (!json_object_is_type(v, json_type_string))
			return mirror_error_set(err, MIRROR_ERR_STORE,
			    "the store's list holds something other than strings");
		e = each(json_object_get_string(v), ctx);
		if (e != MIRROR_OK)
			return mirror_error_set(err, e, "out of memory");
	}
	return MIRROR_OK;
}

bool
mirror_prom_value(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return false;
	v = strtod(s, &end);
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

bool
mirror_prom_time(struct json_object *t, int64_t *ms)
{
	double d;

	if (json_object_is_type(t, json_type_int)) {
		int64_t s = json_object_get_int64(t);

		if (s > INT64_MAX / 1000 || s < INT64_MIN / 1000)
			return false;
		*ms = s * 1000;
		return true;
	}
	if (!json_object_is_type(t, json_type_double))
		return false;
	d = json_object_get_double(t) * 1000.0;
	if (!(d > -9.0e18 && d < 9.0e18))
		return false;
	*ms = llround(d);
	return true;
}

void
mirror_prom_seen_free(struct mirror_prom_seen *s)
{
	json_object_put(s->labels);
	s->labels = NULL;
	s->nseries = 0;
	s->asked = false;
}

/* True when every object of objs has key with the same string value. */
static bool
agree(struct json_object *const *objs, size_t n, const char *key)
{
	const char *first = str_member(objs[0], key);
	size_t i;

	for (i = 1; i < n; i++) {
		const char *v = str_member(objs[i], key);

		if (first == NULL || v == NULL || strcmp(first, v) != 0)
			return false;
	}
	return first != NULL;
}

/* Adds the label names of objs[] that do not all agree to names[] (once). */
static size_t
differing(struct json_object *const *objs, size_t n, const char **names, size_t max)
{
	size_t i, k, count = 0;

	for (i = 0; i < n; i++) {
		json_object_object_foreach(objs[i], key, val) {
			(void)val;
			for (k = 0; k < count && strcmp(names[k], key) != 0; k++)
				;
			if (k == count && count < max && !agree(objs, n, key))
				names[count++] = key;
		}
	}
	qsort(names, count, sizeof *names, mirror_strcmp_ptr);
	return count;
}

/* The error for a query that selects more than one series. */
static enum mirror_err
several(struct json_object *const *objs, size_t n, struct mirror_error *err)
{
	const char *names[32];
	char list[MIRROR_DETAILS_MAX] = "";
	size_t i, count = differing(objs, n, names, 32), used = 0;

	for (i = 0; i < count && used + 4 < sizeof list; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s%s",
		    i > 0 ? ", " : "", names[i]);

		used += w > 0 ? (size_t)w : 0;
	}
	return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "the conditions "
	    "select more than one series; they differ in: %s. Add a condition "
	    "on these labels so that one series remains", count > 0 ? list :
	    "(no label)");
}

/* The "metric" object of each series; false when one is malformed. */
static bool
series_labels(struct json_object *result, struct json_object **objs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(result, i);

		if (!json_object_is_type(s, json_type_object) ||
		    !json_object_object_get_ex(s, "metric", &objs[i]) ||
		    !json_object_is_type(objs[i], json_type_object))
			return false;
	}
	return true;
}

/* Checks the answer holds one series, the same as earlier chunks held. */
static enum mirror_err
check_one(struct json_object *result, size_t n, struct mirror_prom_seen *seen,
	  struct mirror_error *err)
{
	struct json_object *objs[33];
	size_t k = seen->labels != NULL ? 1 : 0, m = n < 32 ? n : 32;

	objs[0] = seen->labels;
	if (!series_labels(result, objs + k, m))
		return mirror_error_set(err, MIRROR_ERR_STORE,
		    "the store's matrix has a series without labels");
	if (n > 1 || (k == 1 && !json_object_equal(objs[0], objs[1])))
		return several(objs, k + m, err);
	if (k == 0 && json_object_deep_copy(objs[0], &seen->labels, NULL) != 0)
		return mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
	seen->nseries = 1;
	return MIRROR_OK;
}

/* Appends one [t, "v"] pair when lo <= t < hi. */
static enum mirror_err
add_pair(struct json_object *pair, int64_t lo, int64_t hi,
	 struct mirror_series *out, struct mirror_error *err)
{
	struct json_object *tv, *vv;
	int64_t t;
	double v;

	if (!json_object_is_type(pair, json_type_array) ||
	    json_object_array_length(pair) != 2 ||
	    !mirror_prom_time(tv = json_object_array_get_idx(pair, 0), &t) ||
	    !json_object_is_type(vv = json_object_array_get_idx(pair, 1),
	    json_type_string) ||
	    !mirror_prom_value(json_object_get_string(vv), &v))
		return mirror_error_set(err, MIRROR_ERR_STORE,
		    "the store's matrix holds a malformed sample");
	if (t < lo || t >= hi)
		return MIRROR_OK;
	if (out->len > 0 && t <= out->pts[out->len - 1].t)
		return mirror_error_set(err, MIRROR_ERR_STORE,
		    "the store's samples are not in time order");
	if (mirror_series_push(out, t, v) != MIRROR_OK)
		return mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
	return MIRROR_OK;
}

enum mirror_err
mirror_prom_matrix(struct json_object *data, int64_t lo, int64_t hi,
		   struct mirror_prom_seen *seen, struct mirror_series *out,
		   struct mirror_error *err)
{
	struct json_object *result, *values;
	const char *type = json_object_is_type(data, json_type_object) ?
	    str_member(data, "resultType") : NULL;
	size_t i, n;
	enum mirror_err e;

	if (type == NULL || strcmp(type, "matrix") != 0 ||
	    !json_object_object_get_ex(data, "result", &result) ||
	    !json_object_is_type(result, json_type_array))
		return mirror_error_set(err, MIRROR_ERR_STORE, "the store did not "
		    "answer with a matrix (resultType %.32s)", type ? type : "missing");
	n = json_object_array_length(result);
	if (n == 0)
		return MIRROR_OK;
	e = check_one(result, n, seen, err);
	if (e != MIRROR_OK)
		return e;
	if (!json_object_object_get_ex(json_object_array_get_idx(result, 0),
	    "values", &values) || !json_object_is_type(values, json_type_array))
		return MIRROR_OK;  /* a histogram-only series has no float samples */
	n = json_object_array_length(values);
	for (i = 0; i < n && !out->truncated; i++) {
		e = add_pair(json_object_array_get_idx(values, i), lo, hi, out, err);
		if (e != MIRROR_OK)
			return e;
	}
	return MIRROR_OK;
}
