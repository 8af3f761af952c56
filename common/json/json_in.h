/*
 * Typed, bounded reads from untrusted json-c objects. json-c's getters
 * coerce silently (a string reads as 0, a double as a truncated int), so
 * every read here checks the JSON type first and says which field was
 * wrong. `path` names the field in messages ("query.limit"); the key
 * looked up is its last dotted component.
 */
#ifndef MIRROR_JSON_IN_H
#define MIRROR_JSON_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct json_object;

/* Largest integer a double carries exactly; bounds epoch-ms fields. */
#define MIRROR_JSON_INT_MAX ((int64_t)9007199254740992)

/*
 * Each getter: absent or null -> *present false and MIRROR_OK, unless
 * required (then MIRROR_ERR_BAD_REQUEST). Wrong type or out of bounds ->
 * MIRROR_ERR_BAD_REQUEST with err->details naming path. `present` may be NULL.
 */

/* A string of at most max bytes with no NUL inside; *out is borrowed from
 * obj, and NULL when the member is absent. */
enum mirror_err mirror_jin_string(struct json_object *obj, const char *path,
				  size_t max, bool required, const char **out,
				  bool *present, struct mirror_error *err);

/* An integer in [min, max]; an integral JSON double is accepted too. */
enum mirror_err mirror_jin_int(struct json_object *obj, const char *path,
			       int64_t min, int64_t max, bool required,
			       int64_t *out, bool *present, struct mirror_error *err);

/* A finite number. */
enum mirror_err mirror_jin_double(struct json_object *obj, const char *path,
				  bool required, double *out, bool *present,
				  struct mirror_error *err);

enum mirror_err mirror_jin_bool(struct json_object *obj, const char *path,
				bool required, bool *out, bool *present,
				struct mirror_error *err);

/* An object; *out is borrowed from obj. */
enum mirror_err mirror_jin_object(struct json_object *obj, const char *path,
				  bool required, struct json_object **out,
				  struct mirror_error *err);

/* An array of at most max elements; *out is borrowed from obj. */
enum mirror_err mirror_jin_array(struct json_object *obj, const char *path,
				 size_t max, bool required, struct json_object **out,
				 struct mirror_error *err);

/* A string value (not a member) of at most max bytes; for array elements. */
enum mirror_err mirror_jin_string_value(struct json_object *v, const char *path,
					size_t max, const char **out,
					struct mirror_error *err);

#endif
