/*
 * The HTTP client the mirror uses to reach telemetry stores (libcurl).
 *
 * One struct mirror_http per worker thread: it keeps its easy handle, so
 * the connection to the store stays alive between requests (no TCP or
 * TLS handshake per request). A handle is never used by two threads at
 * once (libcurl-thread(3)). Every request is confined the same way: http
 * and https only, no redirects, connect and total timeouts, and a ceiling
 * on the answer's size enforced while it arrives: the URL comes from a
 * client, and libcurl would otherwise follow it to any protocol it speaks.
 */
#ifndef MIRROR_HTTP_H
#define MIRROR_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

/*
 * Once per process, before any thread starts (curl_global_init is not
 * thread-safe). Returns MIRROR_ERR_INTERNAL when libcurl cannot start or
 * is older than 7.85 (CURLOPT_PROTOCOLS_STR). Pair with
 * mirror_http_global_cleanup() after the last thread has stopped.
 */
enum mirror_err mirror_http_global_init(void);
void mirror_http_global_cleanup(void);

/* Optional credentials for one store; every member may be NULL. */
struct mirror_http_auth {
	const char *username;      /* basic auth, with password */
	const char *password;
	const char *bearer;        /* Authorization: Bearer <token> */
	const char *ca_file;       /* PEM bundle to verify the store's TLS */
	const char *ca_pem;        /* the same, inline */
	const char *aws_region;    /* SigV4 (Amazon Managed Prometheus) ... */
	const char *aws_service;   /* ... service, "aps" unless told */
	const char *aws_key_id;    /* static access key */
	const char *aws_secret;
	const char *aws_token;     /* session token of temporary keys */
};

/* One request. */
struct mirror_http_req {
	const char *url;           /* absolute http(s) URL, already allowlisted */
	const char *form;          /* POST body (x-www-form-urlencoded), or NULL: GET */
	int64_t timeout_ms;        /* connect + transfer, > 0; connecting alone
				    * gets at most MIRROR_STORE_CONNECT_TIMEOUT_MS */
	size_t max_bytes;          /* ceiling on the decoded answer */
	bool gzip;                 /* ask for a gzip-compressed answer */
	const struct mirror_http_auth *auth;  /* or NULL */
};

/* An answer; body is borrowed from the handle until its next request. */
struct mirror_http_resp {
	long status;               /* HTTP status */
	const char *body;          /* NUL-terminated */
	size_t len;
	const char *content_type;  /* or NULL; borrowed like body */
};

struct mirror_http;

/* Makes a client; *out is NULL on failure. Free with mirror_http_free. */
enum mirror_err mirror_http_new(struct mirror_http **out);

/* Closes the kept connections and frees; accepts NULL. */
void mirror_http_free(struct mirror_http *h);

/*
 * Performs one request and fills *resp (any HTTP status counts as an
 * answer). Fails with MIRROR_ERR_STORE_BUSY when the store's origin is at
 * its cap (bulkhead.h; nothing is sent), MIRROR_ERR_STORE_CONNECT_TIMEOUT
 * when no connection was made within the connect timeout
 * (MIRROR_STORE_CONNECT_TIMEOUT_MS, at most timeout_ms),
 * MIRROR_ERR_STORE_TIMEOUT when the store did not
 * answer within timeout_ms, MIRROR_ERR_STORE_CONNECT when it could not be
 * reached (refused, DNS, TLS, connection dropped), MIRROR_ERR_STORE when
 * the answer exceeded max_bytes; details in err name the URL's origin.
 */
enum mirror_err mirror_http_do(struct mirror_http *h, const struct mirror_http_req *req,
			       struct mirror_http_resp *resp, struct mirror_error *err);

/*
 * Appends name=value to an x-www-form-urlencoded body or query string,
 * with '&' before it unless b is empty. Everything but the RFC 3986
 * unreserved characters is percent-encoded with upper-case hex, which is
 * also the encoding AWS SigV4 canonical requests expect.
 */
void mirror_http_form_add(struct mirror_buf *b, const char *name, const char *value);

#endif
