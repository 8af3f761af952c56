/* Naming the labels in which several series differ (differ.h). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "lists.h"
#include "store/differ.h"

static const char *
str_member(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
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

/* Adds the keys of objs[] that do not all agree to names[] (once). */
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

enum mirror_err
mirror_store_several(struct json_object *const *objs, size_t n, const char *noun,
		     struct mirror_error *err)
{
	const char *names[MIRROR_STORE_DIFFER_MAX];
	char list[MIRROR_DETAILS_MAX] = "";
	size_t i, used = 0, count;

	if (n > MIRROR_STORE_DIFFER_MAX)
		n = MIRROR_STORE_DIFFER_MAX;
	count = differing(objs, n, names, MIRROR_STORE_DIFFER_MAX);
	for (i = 0; i < count && used + 4 < sizeof list; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s%s",
		    i > 0 ? ", " : "", names[i]);

		used += w > 0 ? (size_t)w : 0;
	}
	return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "the conditions "
	    "select more than one series; they differ in: %s. Add a condition "
	    "on these %s so that one series remains", count > 0 ? list :
	    "(nothing)", noun);
}
