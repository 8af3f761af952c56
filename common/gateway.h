/*
 * The CGI/1.1 gateway conventions (RFC 3875) that both doors share:
 * meta-variables in, a "Status:" header block out. FastCGI carries the
 * same meta-variables as params, so cgi/ and fcgi/ differ only in how
 * they look a variable up and move bytes.
 */
#ifndef MIRROR_GATEWAY_H
#define MIRROR_GATEWAY_H

#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "mirror.h"

/* Returns the meta-variable called name, or NULL; ctx is the adapter's. */
typedef const char *(*mirror_param_fn)(const char *name, void *ctx);

/*
 * Fills req's method, path, key, Content-Type and declared length from
 * meta-variables (body fields are left to the adapter). The path is DOCUMENT_URI when
 * the server sends it (nginx), else SCRIPT_NAME + PATH_INFO, else
 * REQUEST_URI without its query: routing only looks at the path's tail,
 * so any of them serves (RFC 3875 §4.1.5, §4.1.13). path_buf holds the
 * path when it must be assembled. Returns MIRROR_ERR_BAD_REQUEST for a
 * malformed CONTENT_LENGTH (RFC 3875 §4.1.2).
 */
enum mirror_err mirror_gateway_request(mirror_param_fn get, void *ctx,
				       struct mirror_request *req,
				       char *path_buf, size_t path_size,
				       struct mirror_error *err);

/*
 * Writes the response's header block: "Status: 200 OK", its headers and
 * Content-Length, each ending in CRLF, then the empty line (RFC 3875 §6.3).
 */
void mirror_gateway_head(const struct mirror_response *resp, struct mirror_buf *b);

/* HTTP reason phrase for a status, e.g. "Bad Request" (RFC 9110 §15). */
const char *mirror_http_reason(int status);

#endif
