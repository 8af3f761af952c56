/*
 * The error for a metric query whose conditions select several series
 * (README, "Choices the contract leaves open"): a 400 naming the labels
 * (or tags) whose values differ, so the user knows which condition to add.
 */
#ifndef MIRROR_STORE_DIFFER_H
#define MIRROR_STORE_DIFFER_H

#include <stddef.h>

#include "error.h"

struct json_object;

/* Series whose labels are compared, at most; more are not looked at. */
#define MIRROR_STORE_DIFFER_MAX 32

/*
 * objs[0..n) are the series' labels as JSON objects of strings. Returns
 * MIRROR_ERR_BAD_REQUEST with details "the conditions select more than one
 * series; they differ in: a, b. Add a condition on these <noun> so that
 * one series remains", the keys sorted; a key missing from some series
 * differs too.
 */
enum mirror_err mirror_store_several(struct json_object *const *objs, size_t n,
				     const char *noun, struct mirror_error *err);

#endif
