/*
 * One store call made of one or more HTTP requests, all within the
 * call's timeout: each request gets what is left of it, so a call of many
 * requests still ends on time (MIRROR_ERR_STORE_TIMEOUT).
 */
#ifndef MIRROR_STORE_CALL_H
#define MIRROR_STORE_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store/http.h"

struct mirror_store_call {
	struct mirror_http *http;            /* the worker's client */
	const char *base;                    /* allowlisted URL, no trailing '/' */
	const struct mirror_http_auth *auth; /* or NULL */
	size_t max_bytes;                    /* ceiling on one answer */
	bool gzip;                           /* ask for compressed answers */
	int64_t timeout_ms;                  /* the whole call's budget */
	int64_t deadline;                    /* monotonic ms; set by _start */
	struct mirror_error *err;
};

/* Starts the clock: the deadline is now + timeout_ms. */
void mirror_store_call_start(struct mirror_store_call *c);

/*
 * GET <base><path>?<params>, or POST <base><path> with params as the
 * x-www-form-urlencoded body when post (params may be empty). Any HTTP
 * status is an answer, in *resp (borrowed from the client until its next
 * request). Fails as mirror_http_do() does, with a timeout naming the
 * call's whole budget.
 */
enum mirror_err mirror_store_request(const struct mirror_store_call *c, const char *path,
				     const char *params, bool post,
				     struct mirror_http_resp *resp);

#endif
