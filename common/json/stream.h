/*
 * A strict, bounded, incremental (push) JSON tokenizer.
 *
 * Feed it a document in chunks of any size, split anywhere (as libcurl's
 * write callback delivers a store's answer); it calls a handler with one
 * event per token: object and array begin/end, keys, strings, numbers
 * (as text), true, false, null. Nothing is built: the caller keeps what it
 * needs, so a 200 MB answer costs the caller's data, not a tree of it.
 *
 * Strict like common/json/json_check.c (RFC 8259): exactly one value,
 * surrounded by optional white space; no NaN, Infinity, comments, single
 * quotes, leading zeros, "1." or "+1"; strings in well-formed UTF-8
 * (RFC 3629: no overlong forms, surrogates or code points above
 * U+10FFFF) without raw control characters. Stricter than json_check in
 * one way: a \u escape of a lone UTF-16 surrogate is refused, so every
 * decoded string is valid UTF-8. Nesting is bounded (max_depth), and so
 * is each string and number (max_token).
 *
 * Memory: O(max_depth + longest token), allocated by _new and reused for
 * every token (the token buffer grows by doubling up to max_token + 1);
 * nothing is allocated per value.
 *
 * Usage, e.g. summing every number of ["1", 2, {"a": 3.5}] read in chunks:
 *
 *	static enum mirror_err
 *	on_event(void *ctx, const struct mirror_json_event *ev,
 *		 struct mirror_error *err)
 *	{
 *		double *sum = ctx;
 *
 *		if (ev->type == MIRROR_JSON_NUMBER)
 *			*sum += strtod(ev->text, NULL);
 *		return MIRROR_OK;
 *	}
 *
 *	struct mirror_json_stream_conf conf = {
 *		.max_depth = 32, .max_token = 65536,
 *		.invalid = MIRROR_ERR_STORE, .handler = on_event, .ctx = &sum,
 *	};
 *	struct mirror_json_stream *js;
 *	enum mirror_err e = mirror_json_stream_new(&conf, &js);
 *
 *	while (e == MIRROR_OK && (n = read_some(buf, sizeof buf)) > 0)
 *		e = mirror_json_stream_feed(js, buf, n, &err);
 *	if (e == MIRROR_OK)
 *		e = mirror_json_stream_end(js, &err);   // the document is complete
 *	mirror_json_stream_free(js);
 *
 * A handler that has seen enough calls mirror_json_stream_stop(): the
 * rest is ignored and feed/end return MIRROR_OK (check
 * mirror_json_stream_stopped()). A handler that returns an error stops
 * the stream with that error.
 */
#ifndef MIRROR_JSON_STREAM_H
#define MIRROR_JSON_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* mirror_json_stream_why() for a string or number above max_token. */
#define MIRROR_JSON_TOO_LONG "a string or number is longer than the limit"

/* Ceiling on max_depth. */
#define MIRROR_JSON_STREAM_DEPTH_MAX 1024

enum mirror_json_event_type {
	MIRROR_JSON_OBJECT_BEGIN,
	MIRROR_JSON_OBJECT_END,
	MIRROR_JSON_ARRAY_BEGIN,
	MIRROR_JSON_ARRAY_END,
	MIRROR_JSON_KEY,        /* an object member's name; its value follows */
	MIRROR_JSON_STRING,
	MIRROR_JSON_NUMBER,
	MIRROR_JSON_TRUE,
	MIRROR_JSON_FALSE,
	MIRROR_JSON_NULL,
	MIRROR_JSON_EVENT_MAX
};

struct mirror_json_event {
	enum mirror_json_event_type type;
	/*
	 * KEY and STRING: the decoded string (escapes resolved, valid UTF-8;
	 * it may hold U+0000, so len, not strlen, is its length). NUMBER: the
	 * number as written, valid RFC 8259 grammar ("-12.5e3"). Both are
	 * NUL-terminated and borrowed: valid until the handler returns.
	 * NULL (len 0) for the other events.
	 */
	const char *text;
	size_t len;
	/*
	 * Containers around the event: 0 for the top-level value, 1 for the
	 * members of a top-level object, ... A container's END has the depth
	 * of its BEGIN; a KEY has the depth of its value.
	 */
	int depth;
};

/*
 * Called once per event, in document order. Return MIRROR_OK to go on;
 * any other value stops the stream, and feed/end return it (set err's
 * details before returning: err is the one passed to feed/end).
 */
typedef enum mirror_err (*mirror_json_handler)(void *ctx,
					       const struct mirror_json_event *ev,
					       struct mirror_error *err);

struct mirror_json_stream_conf {
	int max_depth;          /* nested containers allowed, 1..DEPTH_MAX (json_check's meaning) */
	size_t max_token;       /* longest string (decoded bytes) or number, >= 1 */
	enum mirror_err invalid;  /* what invalid JSON returns; MIRROR_OK means MIRROR_ERR_BAD_REQUEST */
	mirror_json_handler handler;
	void *ctx;              /* passed to handler */
};

struct mirror_json_stream;

/*
 * Makes a tokenizer for one document. Returns MIRROR_ERR_NOMEM, or
 * MIRROR_ERR_INTERNAL for a conf out of range or without handler; *out
 * is NULL then. The conf is copied. Free with mirror_json_stream_free.
 */
enum mirror_err mirror_json_stream_new(const struct mirror_json_stream_conf *conf,
				       struct mirror_json_stream **out);

/* Accepts NULL. */
void mirror_json_stream_free(struct mirror_json_stream *s);

/* Makes s ready for a new document with the same conf, keeping its memory. */
void mirror_json_stream_reset(struct mirror_json_stream *s);

/*
 * Tokenizes the next n bytes (any split, n may be 0). Returns MIRROR_OK,
 * a handler's error, or conf.invalid for invalid JSON with details
 * "invalid JSON: <what> at byte <offset>" (what: also
 * mirror_json_stream_why). Once it failed, every later call returns the
 * same error without reading; once stopped, MIRROR_OK without reading.
 */
enum mirror_err mirror_json_stream_feed(struct mirror_json_stream *s, const char *p,
					size_t n, struct mirror_error *err);

/*
 * The document ends: completes a top-level number, and fails (conf.invalid,
 * "it ends too early" or "it is empty") unless exactly one value was read.
 * Returns as feed does.
 */
enum mirror_err mirror_json_stream_end(struct mirror_json_stream *s,
				       struct mirror_error *err);

/* From a handler: ignore the rest of the document. */
void mirror_json_stream_stop(struct mirror_json_stream *s);

/* True once stop was called. */
bool mirror_json_stream_stopped(const struct mirror_json_stream *s);

/* Why the JSON is invalid (a static string), or NULL while it is not. */
const char *mirror_json_stream_why(const struct mirror_json_stream *s);

/* Bytes read so far: the offset of an error, or of the next byte. */
uint64_t mirror_json_stream_offset(const struct mirror_json_stream *s);

#endif
