/*
 * Typed errors of the mirror and their mapping to HTTP (MIRROR-API.md,
 * "Error bodies" and decision 6).
 *
 * Everything in common/ that can fail returns an enum mirror_err; the
 * human-readable detail travels in a caller-supplied struct mirror_error.
 */
#ifndef MIRROR_ERROR_H
#define MIRROR_ERROR_H

#include <stdarg.h>

enum mirror_err {
	MIRROR_OK = 0,
	MIRROR_ERR_BAD_REQUEST,     /* 400 RemoteMirrorError: invalid request */
	MIRROR_ERR_UNSUPPORTED_TYPE,/* 400 UnsupportedFieldTypeError */
	MIRROR_ERR_UNAUTHORIZED,    /* 401 RemoteMirrorError: missing/wrong key */
	MIRROR_ERR_NOT_FOUND,       /* 404 RemoteMirrorError: unknown path */
	MIRROR_ERR_METHOD,          /* 405 RemoteMirrorError: not POST */
	MIRROR_ERR_TOO_LARGE,       /* 413 RemoteMirrorError: body over cap */
	MIRROR_ERR_MEDIA_TYPE,      /* 415 RemoteMirrorError: body not JSON by Content-Type */
	MIRROR_ERR_STORE_CONNECT,   /* 502 MetricStoreConnectionError */
	MIRROR_ERR_STORE_TIMEOUT,   /* 504 MetricStoreConnectionError */
	MIRROR_ERR_STORE_CONNECT_TIMEOUT, /* 504 the same, before any connection */
	MIRROR_ERR_STORE_BUSY,      /* 503 RemoteMirrorError: too many calls to one store */
	MIRROR_ERR_METRIC_NOT_FOUND,/* 500 MetricNotFoundError */
	MIRROR_ERR_STORE,           /* 500 RemoteMirrorError from the store */
	MIRROR_ERR_NOMEM,           /* 500 RemoteMirrorError: out of memory */
	MIRROR_ERR_INTERNAL,        /* 500 RemoteMirrorError: a mirror bug */
	MIRROR_ERR_MAX
};

#define MIRROR_DETAILS_MAX 512
#define MIRROR_METRIC_MAX 256

/* Detail of one failure; filled by whoever detects it. */
struct mirror_error {
	enum mirror_err code;
	char details[MIRROR_DETAILS_MAX];
	/* The series or selector that was not found (MetricNotFoundError). */
	char metric[MIRROR_METRIC_MAX];
};

/* HTTP status for an error code (200 for MIRROR_OK). */
int mirror_err_status(enum mirror_err code);

/* JSON "_type" of the error body, e.g. "RemoteMirrorError". */
const char *mirror_err_type(enum mirror_err code);

/* Short fixed summary, e.g. "invalid request"; used as RemoteMirrorError.summary. */
const char *mirror_err_summary(enum mirror_err code);

/* Replaces control characters in s by spaces: text that ends up in logs
 * and JSON stays printable. */
void mirror_text_scrub(char *s);

/* Clears err (code MIRROR_OK, empty strings). */
void mirror_error_clear(struct mirror_error *err);

/*
 * Sets err->code and formats err->details (truncated, control characters
 * replaced). Returns code so callers can write `return mirror_error_set(...)`.
 */
enum mirror_err mirror_error_set(struct mirror_error *err, enum mirror_err code,
				 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
