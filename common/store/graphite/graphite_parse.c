/*
 * graphite-web's JSON answers, and the only code of the Graphite store
 * that sees JSON: /metrics/find (treejson), /tags/autoComplete (arrays of
 * strings) and /render?format=json. Everything here comes from outside,
 * so every member's type is checked before use. The answer is bounded by
 * MIRROR_STORE_MAX_BYTES (http.c) and the points kept by the series'
 * ceiling; a streaming reader can replace this file alone.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "store/answer.h"
#include "graphite.h"

/* graphite-web's answers nest four levels deep; leave room for others. */
#define ANSWER_DEPTH 16

static enum mirror_err
not_graphite(const struct mirror_http_resp *r, const char *what,
	     struct mirror_error *err)
{
	return mirror_error_set(err, MIRROR_ERR_STORE_CONNECT,
	    "the store's answer (HTTP %ld, %.64s) is not graphite-web's %s: %.80s",
	    r->status, r->content_type != NULL ? r->content_type :
	    "no content type", what, r->len > 0 ? r->body : "an empty body");
}

/* True when the body is the JSON literal null (json-c parses it to NULL,
 * which cannot be told from a failure). */
static bool
null_body(const struct mirror_http_resp *r)
{
	size_t a = 0, b = r->len;

	while (a < b && r->body[a] != '\0' && strchr(" \t\r\n", r->body[a]) != NULL)
		a++;
	while (b > a && r->body[b - 1] != '\0' &&
	    strchr(" \t\r\n", r->body[b - 1]) != NULL)
		b--;
	return b - a == 4 && memcmp(r->body + a, "null", 4) == 0;
}

/* The answer's root, which must be an array; JSON null too when null_ok
 * (*root is then NULL). */
static enum mirror_err
array_root(const struct mirror_http_resp *r, const char *what, bool null_ok,
	   struct json_object **root, struct mirror_error *err)
{
	*root = NULL;
	if (null_ok && null_body(r))
		return MIRROR_OK;
	*root = mirror_store_json(r->body, r->len, ANSWER_DEPTH);
	if (*root != NULL && json_object_is_type(*root, json_type_array))
		return MIRROR_OK;
	json_object_put(*root);
	*root = NULL;
	return not_graphite(r, what, err);
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

/* treejson's "leaf" is 0 or 1; other implementations write a boolean. */
static bool
leaf_member(struct json_object *obj, bool *leaf)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, "leaf", &v))
		return false;
	if (json_object_is_type(v, json_type_boolean)) {
		*leaf = json_object_get_boolean(v);
		return true;
	}
	if (!json_object_is_type(v, json_type_int))
		return false;
	*leaf = json_object_get_int64(v) != 0;
	return true;
}

enum mirror_err
mirror_graphite_read_nodes(const struct mirror_http_resp *r,
			   enum mirror_err (*each)(const char *id, bool leaf, void *ctx),
			   void *ctx, struct mirror_error *err)
{
	struct json_object *root;
	size_t i, n;
	enum mirror_err e = array_root(r, "/metrics/find answer", false, &root, err);

	n = e == MIRROR_OK ? json_object_array_length(root) : 0;
	for (i = 0; i < n && e == MIRROR_OK; i++) {
		struct json_object *node = json_object_array_get_idx(root, i);
		const char *id;
		bool leaf;

		if (!json_object_is_type(node, json_type_object) ||
		    (id = str_member(node, "id")) == NULL || !leaf_member(node, &leaf))
			e = mirror_error_set(err, MIRROR_ERR_STORE, "the store's "
			    "/metrics/find answer holds a node without id or leaf");
		else
			e = each(id, leaf, ctx);
	}
	json_object_put(root);
	return e;
}

enum mirror_err
mirror_graphite_read_strings(const struct mirror_http_resp *r,
			     enum mirror_err (*each)(const char *s, void *ctx),
			     void *ctx, struct mirror_error *err)
{
	struct json_object *root;
	size_t i, n;
	enum mirror_err e = array_root(r, "tag list", true, &root, err);

	n = e == MIRROR_OK && root != NULL ? json_object_array_length(root) : 0;
	for (i = 0; i < n && e == MIRROR_OK; i++) {
		struct json_object *v = json_object_array_get_idx(root, i);

		if (!json_object_is_type(v, json_type_string))
			e = mirror_error_set(err, MIRROR_ERR_STORE, "the store's tag "
			    "list holds something other than strings");
		else
			e = each(json_object_get_string(v), ctx);
	}
	json_object_put(root);
	return e;
}

void
mirror_graphite_render_free(struct mirror_graphite_render *rd)
{
	size_t i;

	for (i = 0; i < MIRROR_GRAPHITE_NAMED_MAX; i++) {
		free(rd->names[i]);
		rd->names[i] = NULL;
	}
	rd->nseries = 0;
}

/* A datapoint's time: integer epoch seconds (an integral double too). */
static bool
point_time(struct json_object *t, int64_t *ms)
{
	double d;
	int64_t s;

	if (json_object_is_type(t, json_type_int)) {
		s = json_object_get_int64(t);
	} else if (json_object_is_type(t, json_type_double)) {
		d = json_object_get_double(t);
		if (!(d > -9.0e15 && d < 9.0e15) || d != floor(d))
			return false;
		s = (int64_t)d;
	} else {
		return false;
	}
	if (s > INT64_MAX / 1000 || s < INT64_MIN / 1000)
		return false;
	*ms = s * 1000;
	return true;
}

/* Appends one [value|null, seconds] pair when lo <= t < hi. */
static enum mirror_err
add_point(struct json_object *pair, int64_t lo, int64_t hi,
	  struct mirror_series *out, int64_t *last, struct mirror_error *err)
{
	struct json_object *v;
	int64_t t;

	if (!json_object_is_type(pair, json_type_array) ||
	    json_object_array_length(pair) != 2 ||
	    !point_time(json_object_array_get_idx(pair, 1), &t))
		return mirror_error_set(err, MIRROR_ERR_STORE,
		    "the store's /render answer holds a malformed datapoint");
	v = json_object_array_get_idx(pair, 0);
	if (v != NULL && !json_object_is_type(v, json_type_double) &&
	    !json_object_is_type(v, json_type_int))
		return mirror_error_set(err, MIRROR_ERR_STORE,
		    "the store's /render answer holds a value that is not a number");
	if (t <= *last)
		return mirror_error_set(err, MIRROR_ERR_STORE,
		    "the store's datapoints are not in time order");
	*last = t;
	/* null is a step without a value: a missing point, not a zero. */
	if (v == NULL || t < lo || t >= hi)
		return MIRROR_OK;
	if (mirror_series_push(out, t, json_object_get_double(v)) != MIRROR_OK)
		return mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
	return MIRROR_OK;
}

static enum mirror_err
add_points(struct json_object *series, int64_t lo, int64_t hi,
	   struct mirror_series *out, struct mirror_error *err)
{
	struct json_object *dps;
	int64_t last = INT64_MIN;
	size_t i, n;
	enum mirror_err e = MIRROR_OK;

	if (!json_object_object_get_ex(series, "datapoints", &dps) ||
	    !json_object_is_type(dps, json_type_array))
		return mirror_error_set(err, MIRROR_ERR_STORE,
		    "the store's /render answer has a series without datapoints");
	n = json_object_array_length(dps);
	for (i = 0; i < n && e == MIRROR_OK && !out->truncated; i++)
		e = add_point(json_object_array_get_idx(dps, i), lo, hi, out, &last,
		    err);
	return e;
}

enum mirror_err
mirror_graphite_read_render(const struct mirror_http_resp *r, int64_t lo, int64_t hi,
			    struct mirror_graphite_render *rd,
			    struct mirror_series *out, struct mirror_error *err)
{
	struct json_object *root;
	size_t i, n;
	enum mirror_err e = array_root(r, "/render answer", false, &root, err);

	n = e == MIRROR_OK ? json_object_array_length(root) : 0;
	for (i = 0; i < n && e == MIRROR_OK; i++) {
		struct json_object *s = json_object_array_get_idx(root, i);
		const char *name = json_object_is_type(s, json_type_object) ?
		    str_member(s, "target") : NULL;

		if (name == NULL) {
			e = mirror_error_set(err, MIRROR_ERR_STORE, "the store's "
			    "/render answer has a series without a target");
			break;
		}
		if (rd->nseries < MIRROR_GRAPHITE_NAMED_MAX &&
		    (rd->names[rd->nseries] = strdup(name)) == NULL)
			e = mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
		/* Only the first series' points are kept: a second one makes
		 * the answer an error anyway. */
		if (e == MIRROR_OK && rd->nseries == 0)
			e = add_points(s, lo, hi, out, err);
		rd->nseries++;
	}
	json_object_put(root);
	return e;
}
