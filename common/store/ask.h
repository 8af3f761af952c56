/*
 * One store call, as the URL stores make them: requests to a base URL
 * that share one deadline, so a call of many requests still ends within
 * the timeout the client asked for.
 */
#ifndef MIRROR_STORE_ASK_H
#define MIRROR_STORE_ASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store/http.h"

struct mirror_store_target {
	struct mirror_http *http;             /* the worker's client */
	const char *base;                     /* allowlisted URL, no trailing '/' */
	const struct mirror_http_auth *auth;  /* or NULL */
	int64_t timeout_ms;                   /* of the whole call */
	int64_t deadline;                     /* monotonic ms; see _start */
	size_t max_bytes;                     /* ceiling on one answer */
	bool gzip;
};

/* Sets t->deadline to now + t->timeout_ms. */
void mirror_store_start(struct mirror_store_target *t);

/*
 * GET <base><path>?<params> (no '?' when params is empty), or POST with
 * params as the form body when post. The request gets what is left of
 * the deadline: none left, or no answer in time, is
 * MIRROR_ERR_STORE_TIMEOUT naming the base URL and the whole timeout;
 * other failures as mirror_http_do. *resp is borrowed from t->http until
 * its next request.
 */
enum mirror_err mirror_store_ask(const struct mirror_store_target *t, const char *path,
				 const char *params, bool post,
				 struct mirror_http_resp *resp, struct mirror_error *err);

#endif
