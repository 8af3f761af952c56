/*
 * A strict RFC 8259 syntax check of a request body, run before json-c
 * builds anything. json-c 0.16 accepts more than JSON even in strict
 * mode (NaN, Infinity, single quotes, "1.", raw control characters,
 * overlong and surrogate UTF-8), and what it accepts it turns into
 * values; this check refuses all of that up front, bounds nesting, and
 * refuses an object that repeats a key (json_keys.h).
 */
#ifndef MIRROR_JSON_CHECK_H
#define MIRROR_JSON_CHECK_H

#include <stddef.h>

#include "error.h"

/*
 * MIRROR_OK when s[0..n) is exactly one JSON value (surrounding white
 * space allowed) nested at most max_depth containers deep, with
 * strings in valid UTF-8 (RFC 3629) and no object repeating a key.
 * Otherwise MIRROR_ERR_BAD_REQUEST (MIRROR_ERR_NOMEM when out of memory),
 * with what and where (a byte offset) in err; a repeated key is named.
 */
enum mirror_err mirror_json_check(const char *s, size_t n, int max_depth,
				  struct mirror_error *err);

#endif
