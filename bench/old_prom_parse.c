/*
 * The Prometheus answer parse as it was before the streaming reader
 * (common/store/prometheus/prom_parse.c at commit baf6b90): json-c builds
 * the whole answer as a tree, then the matrix is walked. Kept here, and
 * only here, so bench/bench_reader.c can measure old and new side by side
 * in one run. Label checks across chunks are left out (one answer, one
 * series); everything a sample costs is as it was.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "old_prom_parse.h"

#define ANSWER_DEPTH 32

static struct json_object *
tokenize(const char *body, size_t len)
{
	struct json_tokener *tok;
	struct json_object *root;
	size_t end;
	bool ok;

	if (len > (size_t)INT_MAX)
		return NULL;
	tok = json_tokener_new_ex(ANSWER_DEPTH);
	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, body, (int)len);
	ok = root != NULL && json_tokener_get_error(tok) == json_tokener_success;
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (ok && end < len && body[end] != '\0' && strchr(" \t\r\n", body[end]))
		end++;
	if (!ok || end != len) {
		json_object_put(root);
		return NULL;
	}
	return root;
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

static bool
old_value(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || *s == ' ')
		return false;
	v = strtod(s, &end);
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

static bool
old_time(struct json_object *t, int64_t *ms)
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

static bool
add_pair(struct json_object *pair, struct mirror_series *out)
{
	struct json_object *tv, *vv;
	int64_t t;
	double v;

	if (!json_object_is_type(pair, json_type_array) ||
	    json_object_array_length(pair) != 2 ||
	    !old_time(tv = json_object_array_get_idx(pair, 0), &t) ||
	    !json_object_is_type(vv = json_object_array_get_idx(pair, 1),
	    json_type_string) ||
	    !old_value(json_object_get_string(vv), &v))
		return false;
	if (out->len > 0 && t <= out->pts[out->len - 1].t)
		return false;
	return mirror_series_push(out, t, v) == MIRROR_OK;
}

bool
old_prom_matrix(const char *body, size_t len, struct mirror_series *out)
{
	struct json_object *root = tokenize(body, len), *data, *result, *values, *s;
	const char *status = root != NULL ? str_member(root, "status") : NULL;
	size_t i, n;
	bool ok = false;

	if (status == NULL || strcmp(status, "success") != 0 ||
	    !json_object_object_get_ex(root, "data", &data) ||
	    !json_object_object_get_ex(data, "result", &result) ||
	    json_object_array_length(result) != 1)
		goto done;
	s = json_object_array_get_idx(result, 0);
	if (!json_object_object_get_ex(s, "values", &values))
		goto done;
	n = json_object_array_length(values);
	for (i = 0; i < n && !out->truncated; i++)
		if (!add_pair(json_object_array_get_idx(values, i), out))
			goto done;
	ok = true;
done:
	json_object_put(root);
	return ok;
}
