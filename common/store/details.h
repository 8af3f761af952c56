/*
 * connectionDetails keys that every store reaching a URL reads the same
 * way: the request timeout and optional credential strings.
 */
#ifndef MIRROR_STORE_DETAILS_H
#define MIRROR_STORE_DETAILS_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "error.h"

struct json_object;

/* Longest credential or certificate string accepted. */
#define MIRROR_STORE_SECRET_MAX 8192

/*
 * The timeout of a store call in ms: connectionDetails.requestTimeout
 * (integer ms >= 1) or request_timeout_seconds (number > 0), the former
 * winning; conf's default when neither is given. A larger value than
 * MIRROR_STORE_TIMEOUT_MAX_MS is lowered to it, not refused (decision 6:
 * the store's timeout stays under the front server's, so the client gets
 * the mirror's JSON error rather than nginx's 504). Returns
 * MIRROR_ERR_BAD_REQUEST for a malformed value.
 */
enum mirror_err mirror_store_timeout(const struct mirror_conf *conf,
				     struct json_object *details, int64_t *timeout_ms,
				     struct mirror_error *err);

/*
 * Reads the n optional strings paths[i] (dotted, as in messages; at most
 * MIRROR_STORE_SECRET_MAX bytes) of obj into *outs[i], borrowed from obj;
 * each stays NULL when absent.
 */
enum mirror_err mirror_store_strings(struct json_object *obj, const char *const *paths,
				     const char **const *outs, size_t n,
				     struct mirror_error *err);

#endif
