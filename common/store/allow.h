/*
 * The store allowlist (MIRROR_STORE_ALLOW), shared by every store that
 * connects to a URL named in connectionDetails.
 */
#ifndef MIRROR_STORE_ALLOW_H
#define MIRROR_STORE_ALLOW_H

#include <stddef.h>

#include "error.h"

/* Longest store URL accepted in connectionDetails. */
#define MIRROR_STORE_URL_MAX 2048

/*
 * Checks url against the allowlist entries (URL prefixes) and writes the
 * URL as libcurl will use it, without a trailing '/', to norm. Both sides
 * are parsed by libcurl's URL parser, so the check sees exactly what a
 * request would connect to: same scheme, same host (case-insensitive),
 * same port (defaults made explicit), and the entry's path is the URL's
 * path or a parent of it at a '/' boundary. A URL with user info, a query
 * or a fragment is refused. Returns MIRROR_ERR_BAD_REQUEST with the reason
 * in err when refused (also for an empty allowlist).
 */
enum mirror_err mirror_store_allow(char *const *allow, size_t nallow, const char *url,
				   char *norm, size_t norm_size, struct mirror_error *err);

/*
 * Checks each allowlist entry at start: an entry the URL parser cannot
 * read, or that fails the rules above (http/https, no user info, query,
 * fragment or '%'), would silently allow nothing. Returns
 * MIRROR_ERR_BAD_REQUEST naming the first such entry and the fix.
 */
enum mirror_err mirror_store_allow_check(char *const *allow, size_t nallow,
					 struct mirror_error *err);

#endif
