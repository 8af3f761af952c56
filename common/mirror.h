/*
 * The mirror's single entry point, independent of any transport.
 *
 * An adapter (cgi/, fcgi/) turns what its transport delivers into a
 * struct mirror_request, calls mirror_handle(), and writes out the
 * struct mirror_response. Nothing in common/ knows about CGI or FastCGI.
 */
#ifndef MIRROR_MIRROR_H
#define MIRROR_MIRROR_H

#include <stddef.h>

#include "conf.h"
#include "error.h"

/* A request as the adapter received it; all strings borrowed. */
struct mirror_request {
	const char *method;        /* "POST", ... */
	const char *path;          /* URI path without the query string */
	const char *api_key;       /* X-MIRROR-API-KEY request header, or NULL */
	long long content_length;  /* declared body length, -1 if absent */
	const char *body;          /* may be NULL when body_len is 0 */
	size_t body_len;
};

#define MIRROR_RESPONSE_HEADERS_MAX 4

struct mirror_header {
	const char *name;          /* static */
	const char *value;         /* borrowed from conf or static */
};

struct mirror_response {
	int status;                /* HTTP status */
	struct mirror_header headers[MIRROR_RESPONSE_HEADERS_MAX];
	size_t nheaders;           /* Content-Type is always headers[0] */
	char *body;                /* owned; JSON */
	size_t body_len;
	enum mirror_err err;       /* MIRROR_OK for success answers */
	const char *store;         /* static name of the store used, or NULL */
};

/*
 * Once per process, before any worker thread starts: the allocator's
 * settings (alloc.h) and each store's own set-up (libcurl's global init,
 * which is not thread-safe). Returns
 * MIRROR_ERR_INTERNAL when a store cannot start. Pair with
 * mirror_global_cleanup() after the last worker has stopped.
 */
enum mirror_err mirror_global_init(void);
void mirror_global_cleanup(void);

/* Per-thread state of the mirror: each store's state for this thread. */
struct mirror_worker;

/*
 * Makes the state one worker thread needs. conf is borrowed and must
 * outlive the worker. Returns NULL when out of memory. Free with
 * mirror_worker_free (which accepts NULL).
 */
struct mirror_worker *mirror_worker_new(const struct mirror_conf *conf);
void mirror_worker_free(struct mirror_worker *w);

/*
 * Answers one request. Always fills resp, errors included (a JSON error
 * body with the status of MIRROR-API.md decision 6); never exits. The
 * caller frees resp with mirror_response_free.
 */
void mirror_handle(struct mirror_worker *w, const struct mirror_request *req,
		   struct mirror_response *resp);

/*
 * Answers a request the adapter could not read as one (e.g. a malformed
 * CONTENT_LENGTH): err's status and JSON body, with the usual headers
 * (a 401 instead when the key check refuses the request). The caller
 * frees resp with mirror_response_free.
 */
void mirror_handle_refused(struct mirror_worker *w, const struct mirror_request *req,
			   const struct mirror_error *err,
			   struct mirror_response *resp);

/* Frees the body; accepts a zeroed response. */
void mirror_response_free(struct mirror_response *resp);

#endif
