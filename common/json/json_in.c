#include "config.h"

#include <math.h>
#include <string.h>

#include <json.h>

#include "json_in.h"

static const char *
last_key(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot != NULL ? dot + 1 : path;
}

/* The member named by path's last component, or NULL for absent or null. */
static struct json_object *
member(struct json_object *obj, const char *path)
{
	struct json_object *v = NULL;

	if (obj == NULL || !json_object_object_get_ex(obj, last_key(path), &v))
		return NULL;
	return v;
}

/* Common prologue: handles absence; returns 1 when a value is there. */
static int
lookup(struct json_object *obj, const char *path, bool required,
       struct json_object **v, bool *present, enum mirror_err *e,
       struct mirror_error *err)
{
	*v = member(obj, path);
	if (present != NULL)
		*present = *v != NULL;
	*e = MIRROR_OK;
	if (*v != NULL)
		return 1;
	if (required)
		*e = mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "%s is required", path);
	return 0;
}

static enum mirror_err
wrong_type(const char *path, const char *what, struct mirror_error *err)
{
	return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "%s must be %s",
	    path, what);
}

enum mirror_err
mirror_jin_string_value(struct json_object *v, const char *path, size_t max,
			const char **out, struct mirror_error *err)
{
	size_t len;
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return wrong_type(path, "a string", err);
	len = (size_t)json_object_get_string_len(v);
	s = json_object_get_string(v);
	if (len > max)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "%s is longer than %zu bytes", path, max);
	if (strlen(s) != len)
		return wrong_type(path, "a string without NUL characters", err);
	*out = s;
	return MIRROR_OK;
}

enum mirror_err
mirror_jin_string(struct json_object *obj, const char *path, size_t max,
		  bool required, const char **out, bool *present,
		  struct mirror_error *err)
{
	struct json_object *v;
	enum mirror_err e;

	*out = NULL;
	if (!lookup(obj, path, required, &v, present, &e, err))
		return e;
	return mirror_jin_string_value(v, path, max, out, err);
}

/* Reads an integral number; false when v is not one or is out of int64. */
static bool
as_int64(struct json_object *v, int64_t *out)
{
	double d;

	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return true;
	}
	if (!json_object_is_type(v, json_type_double))
		return false;
	d = json_object_get_double(v);
	if (!(d >= -9.2e18 && d <= 9.2e18) || d != floor(d))
		return false;
	*out = (int64_t)d;
	return true;
}

enum mirror_err
mirror_jin_int(struct json_object *obj, const char *path, int64_t min,
	       int64_t max, bool required, int64_t *out, bool *present,
	       struct mirror_error *err)
{
	struct json_object *v;
	enum mirror_err e;
	int64_t n;

	if (!lookup(obj, path, required, &v, present, &e, err))
		return e;
	if (!as_int64(v, &n))
		return wrong_type(path, "an integer", err);
	/* json-c saturates integers beyond int64; the bounds catch those too. */
	if (n < min || n > max)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "%s must be from %lld to %lld", path, (long long)min,
		    (long long)max);
	*out = n;
	return MIRROR_OK;
}

enum mirror_err
mirror_jin_double(struct json_object *obj, const char *path, bool required,
		  double *out, bool *present, struct mirror_error *err)
{
	struct json_object *v;
	enum mirror_err e;
	double d;

	if (!lookup(obj, path, required, &v, present, &e, err))
		return e;
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return wrong_type(path, "a number", err);
	d = json_object_get_double(v);
	if (!isfinite(d))
		return wrong_type(path, "a finite number", err);
	*out = d;
	return MIRROR_OK;
}

enum mirror_err
mirror_jin_bool(struct json_object *obj, const char *path, bool required,
		bool *out, bool *present, struct mirror_error *err)
{
	struct json_object *v;
	enum mirror_err e;

	if (!lookup(obj, path, required, &v, present, &e, err))
		return e;
	if (!json_object_is_type(v, json_type_boolean))
		return wrong_type(path, "true or false", err);
	*out = json_object_get_boolean(v);
	return MIRROR_OK;
}

enum mirror_err
mirror_jin_object(struct json_object *obj, const char *path, bool required,
		  struct json_object **out, struct mirror_error *err)
{
	struct json_object *v;
	enum mirror_err e;

	*out = NULL;
	if (!lookup(obj, path, required, &v, NULL, &e, err))
		return e;
	if (!json_object_is_type(v, json_type_object))
		return wrong_type(path, "an object", err);
	*out = v;
	return MIRROR_OK;
}

enum mirror_err
mirror_jin_array(struct json_object *obj, const char *path, size_t max,
		 bool required, struct json_object **out, struct mirror_error *err)
{
	struct json_object *v;
	enum mirror_err e;

	*out = NULL;
	if (!lookup(obj, path, required, &v, NULL, &e, err))
		return e;
	if (!json_object_is_type(v, json_type_array))
		return wrong_type(path, "an array", err);
	if (json_object_array_length(v) > max)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "%s has more than %zu entries", path, max);
	*out = v;
	return MIRROR_OK;
}
