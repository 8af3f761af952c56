#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gateway.h"
#include "json/json_out.h"
#include "num.h"

static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

static const char *
pick_path(mirror_param_fn get, void *ctx, char *buf, size_t size)
{
	const char *doc = nonempty(get("DOCUMENT_URI", ctx));
	const char *info = nonempty(get("PATH_INFO", ctx));
	const char *uri = nonempty(get("REQUEST_URI", ctx));
	const char *script = get("SCRIPT_NAME", ctx);
	size_t n;

	if (doc != NULL)
		return doc;
	/* A path too long for buf is answered as unknown ("/"), never cut:
	 * a cut path could end in a route's tail. */
	if (info != NULL) {
		n = (size_t)snprintf(buf, size, "%s%s", script != NULL ? script : "", info);
		return n < size ? buf : "/";
	}
	if (uri == NULL)
		return "/";
	n = strcspn(uri, "?");
	if (n >= size)
		return "/";
	memcpy(buf, uri, n);
	buf[n] = '\0';
	return buf;
}

enum mirror_err
mirror_gateway_request(mirror_param_fn get, void *ctx, struct mirror_request *req,
		       char *path_buf, size_t path_size, struct mirror_error *err)
{
	const char *len = nonempty(get("CONTENT_LENGTH", ctx));
	int64_t n = -1;

	memset(req, 0, sizeof *req);
	mirror_error_clear(err);
	req->method = nonempty(get("REQUEST_METHOD", ctx));
	if (req->method == NULL)
		req->method = "GET";
	req->path = pick_path(get, ctx, path_buf, path_size);
	req->api_key = get("HTTP_X_MIRROR_API_KEY", ctx);
	/* nginx's stock fastcgi_params send an empty CONTENT_TYPE when the
	 * request has none (RFC 3875 §4.1.3: it is then NULL or unset). */
	req->content_type = nonempty(get("CONTENT_TYPE", ctx));
	req->content_length = -1;
	if (len != NULL && !mirror_num_parse(len, 0, INT64_MAX, &n))
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "CONTENT_LENGTH is not a length");
	req->content_length = n;
	return MIRROR_OK;
}

void
mirror_gateway_head(const struct mirror_response *resp, struct mirror_buf *b)
{
	size_t i;

	mirror_buf_adds(b, "Status: ");
	mirror_json_int(b, resp->status);
	mirror_buf_addc(b, ' ');
	mirror_buf_adds(b, mirror_http_reason(resp->status));
	mirror_buf_adds(b, "\r\n");
	for (i = 0; i < resp->nheaders; i++) {
		mirror_buf_adds(b, resp->headers[i].name);
		mirror_buf_adds(b, ": ");
		mirror_buf_adds(b, resp->headers[i].value);
		mirror_buf_adds(b, "\r\n");
	}
	mirror_buf_adds(b, "Content-Length: ");
	mirror_json_int(b, (int64_t)resp->body_len);
	mirror_buf_adds(b, "\r\n\r\n");
}

const char *
mirror_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}
