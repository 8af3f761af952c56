/*
 * Request parsing and validation: the JSON body of one of the four
 * methods becomes a struct mirror_query, or a 400 with a precise reason.
 * This is the only place request JSON is read.
 */
#ifndef MIRROR_PARSE_H
#define MIRROR_PARSE_H

#include <stddef.h>

#include "conf.h"
#include "error.h"
#include "query.h"

struct json_object;

/*
 * Parses body (len bytes, not necessarily NUL-terminated) as a request
 * for method. On success fills *q (release with mirror_query_free); on
 * failure returns MIRROR_ERR_BAD_REQUEST (or MIRROR_ERR_NOMEM) with the
 * reason in err and leaves *q initialised and empty.
 */
enum mirror_err mirror_parse_request(const struct mirror_conf *conf,
				     enum mirror_method method, const char *body,
				     size_t len, struct mirror_query *q,
				     struct mirror_error *err);

/*
 * Parses query.conditions into q->conds (internal to the parser; exposed
 * for parse.c's split into files).
 */
enum mirror_err mirror_parse_conditions(const struct mirror_conf *conf,
					struct json_object *query,
					struct mirror_query *q,
					struct mirror_error *err);

/* *out = a copy of s (nothing when s is NULL); MIRROR_ERR_NOMEM in err
 * when out of memory. Internal to the parser, like the above. */
enum mirror_err mirror_parse_dup(const char *s, char **out, struct mirror_error *err);

#endif
