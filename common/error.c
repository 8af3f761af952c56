/* Error table: one row per enum mirror_err (MIRROR-API.md decision 6). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

struct err_row {
	int status;
	const char *type;
	const char *summary;
};

static const struct err_row rows[MIRROR_ERR_MAX] = {
	[MIRROR_OK] = {200, "", "ok"},
	[MIRROR_ERR_BAD_REQUEST] = {400, "RemoteMirrorError", "invalid request"},
	[MIRROR_ERR_UNSUPPORTED_TYPE] = {400, "UnsupportedFieldTypeError",
					 "unsupported field type"},
	[MIRROR_ERR_UNAUTHORIZED] = {401, "RemoteMirrorError",
				     "missing or wrong API key"},
	[MIRROR_ERR_NOT_FOUND] = {404, "RemoteMirrorError", "unknown path"},
	[MIRROR_ERR_METHOD] = {405, "RemoteMirrorError", "method not allowed"},
	[MIRROR_ERR_TOO_LARGE] = {413, "RemoteMirrorError",
				  "request body too large"},
	[MIRROR_ERR_MEDIA_TYPE] = {415, "RemoteMirrorError",
				   "unsupported media type"},
	[MIRROR_ERR_STORE_CONNECT] = {502, "MetricStoreConnectionError",
				      "metric store unreachable"},
	[MIRROR_ERR_STORE_TIMEOUT] = {504, "MetricStoreConnectionError",
				      "metric store timed out"},
	[MIRROR_ERR_STORE_CONNECT_TIMEOUT] = {504, "MetricStoreConnectionError",
					      "metric store timed out connecting"},
	[MIRROR_ERR_STORE_BUSY] = {503, "RemoteMirrorError", "metric store busy"},
	[MIRROR_ERR_METRIC_NOT_FOUND] = {500, "MetricNotFoundError",
					 "metric not found"},
	[MIRROR_ERR_STORE] = {500, "RemoteMirrorError", "metric store error"},
	[MIRROR_ERR_NOMEM] = {500, "RemoteMirrorError", "out of memory"},
	[MIRROR_ERR_INTERNAL] = {500, "RemoteMirrorError", "internal error"},
	/* handle.c falls back on it; reaching a client would be a bug. */
};

static const struct err_row *
row(enum mirror_err code)
{
	if ((unsigned)code >= MIRROR_ERR_MAX)
		code = MIRROR_ERR_INTERNAL;
	return &rows[code];
}

int
mirror_err_status(enum mirror_err code)
{
	return row(code)->status;
}

const char *
mirror_err_type(enum mirror_err code)
{
	return row(code)->type;
}

const char *
mirror_err_summary(enum mirror_err code)
{
	return row(code)->summary;
}

void
mirror_error_clear(struct mirror_error *err)
{
	err->code = MIRROR_OK;
	err->details[0] = '\0';
	err->metric[0] = '\0';
}

void
mirror_text_scrub(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

enum mirror_err
mirror_error_set(struct mirror_error *err, enum mirror_err code,
		 const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->details, sizeof err->details, fmt, ap);
	va_end(ap);
	mirror_text_scrub(err->details);
	return code;
}
