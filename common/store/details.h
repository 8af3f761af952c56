/*
 * connectionDetails keys every URL store reads the same way: the store's
 * URL (checked against MIRROR_STORE_ALLOW), its timeout, and basic-auth
 * credentials. The keys are those of the existing Python Prometheus
 * mirror, so a stream moved between stores keeps its details.
 */
#ifndef MIRROR_STORE_DETAILS_H
#define MIRROR_STORE_DETAILS_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "error.h"
#include "store/http.h"

struct json_object;

/* Longest credential string accepted. */
#define MIRROR_STORE_SECRET_MAX 8192

/*
 * connectionDetails.url, required: checked against conf's allowlist and
 * written normalised (mirror_store_allow) to norm. MIRROR_ERR_BAD_REQUEST
 * when absent, malformed or refused.
 */
enum mirror_err mirror_store_url(const struct mirror_conf *conf, struct json_object *details,
				 char *norm, size_t norm_size, struct mirror_error *err);

/*
 * The per-request store timeout in ms: connectionDetails.requestTimeout
 * (ms) or request_timeout_seconds, else conf's default; clamped to conf's
 * ceiling (MIRROR-API.md decision 6: our timeout stays under the front
 * server's, so the client gets our JSON error, not nginx's 504).
 * MIRROR_ERR_BAD_REQUEST for a malformed or non-positive value.
 */
enum mirror_err mirror_store_timeout(const struct mirror_conf *conf,
				     struct json_object *details, int64_t *ms,
				     struct mirror_error *err);

/*
 * connectionDetails.username and .password (optional strings, borrowed
 * from details) into auth. MIRROR_ERR_BAD_REQUEST for a wrong type or a
 * string over MIRROR_STORE_SECRET_MAX bytes.
 */
enum mirror_err mirror_store_basic_auth(struct json_object *details,
					struct mirror_http_auth *auth,
					struct mirror_error *err);

#endif
