/*
 * query.conditions: a list of EqualityConditions, ANDed (MIRROR-API.md,
 * "Common query fields").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "json/json_in.h"
#include "parse.h"

struct value_kind {
	const char *type;             /* the value's "_type" */
	enum mirror_value_type kind;
};

static const struct value_kind value_kinds[] = {
	{"StringValue", MIRROR_VALUE_STRING},
	{"DoubleValue", MIRROR_VALUE_DOUBLE},
	{"BooleanValue", MIRROR_VALUE_BOOLEAN},
	{"InSetValue", MIRROR_VALUE_IN_SET},
};

static enum mirror_err
value_kind(const char *type, const char *path, enum mirror_value_type *out,
	   struct mirror_error *err)
{
	size_t i;

	for (i = 0; i < sizeof value_kinds / sizeof value_kinds[0]; i++) {
		if (strcmp(value_kinds[i].type, type) == 0) {
			*out = value_kinds[i].kind;
			return MIRROR_OK;
		}
	}
	return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
	    "%s must be StringValue, DoubleValue, BooleanValue or InSetValue",
	    path);
}

static enum mirror_err
parse_set(const struct mirror_conf *conf, struct json_object *value,
	  const char *path, struct mirror_condition *c, struct mirror_error *err)
{
	struct json_object *arr;
	enum mirror_err e;
	const char *s;
	size_t i, n;

	e = mirror_jin_array(value, path, conf->max_set_values, true, &arr, err);
	if (e != MIRROR_OK)
		return e;
	n = json_object_array_length(arr);
	if (n > 0 && (c->set = calloc(n, sizeof *c->set)) == NULL)
		return mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		e = mirror_jin_string_value(json_object_array_get_idx(arr, i),
		    path, conf->max_string, &s, err);
		if (e == MIRROR_OK)
			e = mirror_parse_dup(s, &c->set[i], err);
		if (e != MIRROR_OK)
			return e;
		c->set_len++;
	}
	return MIRROR_OK;
}

/* Reads value.value according to the kind named by value._type. */
static enum mirror_err
parse_value(const struct mirror_conf *conf, struct json_object *value,
	    const char *base, struct mirror_condition *c, struct mirror_error *err)
{
	char path[64];
	const char *s;
	enum mirror_err e;

	snprintf(path, sizeof path, "%s.value._type", base);
	e = mirror_jin_string(value, path, 64, true, &s, NULL, err);
	if (e == MIRROR_OK)
		e = value_kind(s, path, &c->type, err);
	if (e != MIRROR_OK)
		return e;
	snprintf(path, sizeof path, "%s.value.value", base);
	switch (c->type) {
	case MIRROR_VALUE_STRING:
		e = mirror_jin_string(value, path, conf->max_string, true, &s,
		    NULL, err);
		return e != MIRROR_OK ? e : mirror_parse_dup(s, &c->str, err);
	case MIRROR_VALUE_DOUBLE:
		return mirror_jin_double(value, path, true, &c->num, NULL, err);
	case MIRROR_VALUE_BOOLEAN:
		return mirror_jin_bool(value, path, true, &c->boolean, NULL, err);
	default:
		return parse_set(conf, value, path, c, err);
	}
}

static enum mirror_err
parse_condition(const struct mirror_conf *conf, struct json_object *obj,
		size_t idx, struct mirror_condition *c, struct mirror_error *err)
{
	char base[48], path[64];
	struct json_object *value;
	const char *s;
	enum mirror_err e;

	snprintf(base, sizeof base, "query.conditions[%zu]", idx);
	if (!json_object_is_type(obj, json_type_object))
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "%s must be an object", base);
	snprintf(path, sizeof path, "%s._type", base);
	e = mirror_jin_string(obj, path, 64, false, &s, NULL, err);
	if (e == MIRROR_OK && s != NULL && strcmp(s, "EqualityCondition") != 0)
		e = mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "%s must be EqualityCondition", path);
	snprintf(path, sizeof path, "%s.key", base);
	s = NULL;
	if (e == MIRROR_OK)
		e = mirror_jin_string(obj, path, conf->max_string, true, &s, NULL, err);
	if (e == MIRROR_OK && *s == '\0')
		e = mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "%s is empty", path);
	if (e == MIRROR_OK)
		e = mirror_parse_dup(s, &c->key, err);
	snprintf(path, sizeof path, "%s.value", base);
	if (e == MIRROR_OK)
		e = mirror_jin_object(obj, path, true, &value, err);
	return e != MIRROR_OK ? e : parse_value(conf, value, base, c, err);
}

enum mirror_err
mirror_parse_conditions(const struct mirror_conf *conf, struct json_object *query,
			struct mirror_query *q, struct mirror_error *err)
{
	struct json_object *arr;
	enum mirror_err e;
	size_t i, n;

	e = mirror_jin_array(query, "query.conditions", conf->max_conditions,
	    false, &arr, err);
	if (e != MIRROR_OK || arr == NULL)
		return e;
	n = json_object_array_length(arr);
	if (n == 0)
		return MIRROR_OK;
	q->conds = calloc(n, sizeof *q->conds);
	if (q->conds == NULL)
		return mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		/* Count it first so mirror_query_free releases a half-parsed one. */
		q->nconds++;
		e = parse_condition(conf, json_object_array_get_idx(arr, i), i,
		    &q->conds[i], err);
		if (e != MIRROR_OK)
			return e;
	}
	return MIRROR_OK;
}
