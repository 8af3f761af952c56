/*
 * The push tokenizer of stream.h. Two layers share one struct: a lexer
 * that may stop in the middle of any token when a chunk ends (it keeps
 * just enough state to resume: the token's bytes so far, an escape or
 * UTF-8 sequence in progress), and a grammar that knows what may come
 * next from one `expect` state and a stack of open containers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "stream.h"

/* What the grammar allows next. */
enum expect {
	X_VALUE,          /* top level, after ':' or after ',' in an array */
	X_VALUE_OR_END,   /* after '[' */
	X_KEY,            /* after ',' in an object */
	X_KEY_OR_END,     /* after '{' */
	X_COLON,
	X_COMMA_OR_END,   /* after a member or element */
	X_DONE            /* the top-level value is complete */
};

/* The token being read when a chunk ended. */
enum lex { L_NONE, L_STRING, L_NUMBER, L_LITERAL };

/* esc: not in an escape, after the backslash, or reading \u digits. */
#define ESC_NONE 0
#define ESC_BACKSLASH 1
#define ESC_HEX 2         /* 2..5: that many hex digits minus 2 read */

#define INITIAL_TOKEN 256

struct mirror_json_stream {
	struct mirror_json_stream_conf conf;
	unsigned char *stack;      /* '{' or '[' per open container */
	int depth;
	enum expect expect;
	enum lex lex;
	bool started, key, stopped;
	enum mirror_err failed;    /* MIRROR_OK while it has not */
	const char *why;           /* invalid JSON: what */
	uint64_t off;              /* bytes of the chunks before this one */
	const char *base;          /* the chunk being read */
	uint64_t err_off;          /* where the JSON turned invalid */
	uint64_t tok_off;          /* where the current token began */
	char *buf;                 /* the current token, NUL-terminated */
	size_t len, cap;
	unsigned char esc;
	uint32_t unit;             /* the \u code unit being read */
	uint32_t high;             /* a high surrogate awaiting its pair, or 0 */
	unsigned char need;        /* UTF-8 continuation bytes still due */
	unsigned char lo, hi;      /* the next continuation byte's range */
	const char *lit;           /* "true", "false" or "null" being matched */
	size_t lit_i;
	enum mirror_json_event_type lit_ev;
};

/* Byte classes: plain string text (no quote, backslash, control or
 * non-ASCII byte), a character of a number, white space (RFC 8259). */
#define C_PLAIN 1
#define C_NUM 2
#define C_WS 4

static const unsigned char cls[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 0, 0, 4, 0, 0,  /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x10 */
	5, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 3, 3, 1,  /* 0x20 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1,  /* 0x30 */
	1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,  /* 0x50 */
	1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x70 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x80 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x90 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xa0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xb0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xc0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xd0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xe0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xf0 */
};

static const char *const literals[] = {"true", "false", "null"};
static const enum mirror_json_event_type literal_ev[] = {
	MIRROR_JSON_TRUE, MIRROR_JSON_FALSE, MIRROR_JSON_NULL,
};

enum mirror_err
mirror_json_stream_new(const struct mirror_json_stream_conf *conf,
		       struct mirror_json_stream **out)
{
	struct mirror_json_stream *s;

	*out = NULL;
	if (conf->handler == NULL || conf->max_depth < 1 ||
	    conf->max_depth > MIRROR_JSON_STREAM_DEPTH_MAX ||
	    conf->max_token < 1 || conf->max_token > SIZE_MAX / 4)
		return MIRROR_ERR_INTERNAL;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return MIRROR_ERR_NOMEM;
	s->conf = *conf;
	if (s->conf.invalid == MIRROR_OK)
		s->conf.invalid = MIRROR_ERR_BAD_REQUEST;
	s->cap = conf->max_token < INITIAL_TOKEN ? conf->max_token + 1 : INITIAL_TOKEN;
	s->stack = malloc((size_t)conf->max_depth);
	s->buf = malloc(s->cap);
	if (s->stack == NULL || s->buf == NULL) {
		mirror_json_stream_free(s);
		return MIRROR_ERR_NOMEM;
	}
	mirror_json_stream_reset(s);
	*out = s;
	return MIRROR_OK;
}

void
mirror_json_stream_free(struct mirror_json_stream *s)
{
	if (s == NULL)
		return;
	free(s->stack);
	free(s->buf);
	free(s);
}

void
mirror_json_stream_reset(struct mirror_json_stream *s)
{
	s->depth = 0;
	s->expect = X_VALUE;
	s->lex = L_NONE;
	s->started = s->key = s->stopped = false;
	s->failed = MIRROR_OK;
	s->why = NULL;
	s->off = s->err_off = s->tok_off = 0;
	s->base = NULL;
	s->len = 0;
	s->esc = ESC_NONE;
	s->high = 0;
	s->need = 0;
}

void
mirror_json_stream_stop(struct mirror_json_stream *s)
{
	s->stopped = true;
}

bool
mirror_json_stream_stopped(const struct mirror_json_stream *s)
{
	return s->stopped;
}

const char *
mirror_json_stream_why(const struct mirror_json_stream *s)
{
	return s->why;
}

uint64_t
mirror_json_stream_offset(const struct mirror_json_stream *s)
{
	return s->why != NULL ? s->err_off : s->off;
}

/* --- failing and emitting ------------------------------------------------ */

static void
syntax_details(const struct mirror_json_stream *s, struct mirror_error *err)
{
	mirror_error_set(err, s->conf.invalid, "invalid JSON: %s at byte %llu",
	    s->why, (unsigned long long)s->err_off);
}

/* Invalid JSON at q (a pointer into the current chunk). Returns NULL. */
static const char *
fail_at(struct mirror_json_stream *s, const char *q, const char *why,
	struct mirror_error *err)
{
	s->why = why;
	s->err_off = s->off + (uint64_t)(q - s->base);
	s->failed = s->conf.invalid;
	syntax_details(s, err);
	return NULL;
}

/* The same, for functions that answer true or false. */
static bool
bad(struct mirror_json_stream *s, const char *q, const char *why,
    struct mirror_error *err)
{
	fail_at(s, q, why, err);
	return false;
}

static bool
emit(struct mirror_json_stream *s, enum mirror_json_event_type type,
     const char *text, size_t len, int depth, struct mirror_error *err)
{
	struct mirror_json_event ev = {type, text, len, depth};
	enum mirror_err e = s->conf.handler(s->conf.ctx, &ev, err);

	if (e != MIRROR_OK)
		s->failed = e;
	return e == MIRROR_OK;
}

/* What the grammar wanted, for the message about what came instead. */
static const char *
expected(const struct mirror_json_stream *s)
{
	bool object = s->depth > 0 && s->stack[s->depth - 1] == '{';

	switch (s->expect) {
	case X_KEY:
	case X_KEY_OR_END: return "object keys are strings in double quotes";
	case X_COLON: return "':' expected";
	case X_COMMA_OR_END: return object ? "',' or '}' expected" : "',' or ']' expected";
	case X_DONE: return "data after the JSON value";
	default: return "unexpected character";
	}
}

static bool
wants_value(const struct mirror_json_stream *s)
{
	return s->expect == X_VALUE || s->expect == X_VALUE_OR_END;
}

static void
after_value(struct mirror_json_stream *s)
{
	s->expect = s->depth == 0 ? X_DONE : X_COMMA_OR_END;
}

/* --- the token buffer ------------------------------------------------------ */

static bool
grow(struct mirror_json_stream *s, size_t need, struct mirror_error *err)
{
	size_t cap = s->cap * 2 > need ? s->cap * 2 : need;
	char *p;

	if (cap > s->conf.max_token + 1)
		cap = s->conf.max_token + 1;
	p = realloc(s->buf, cap);
	if (p == NULL) {
		s->failed = mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
		return false;
	}
	s->buf = p;
	s->cap = cap;
	return true;
}

/* A token above max_token: reported where it began, so at the same
 * offset however the input was split. */
static bool
too_long(struct mirror_json_stream *s, struct mirror_error *err)
{
	s->why = MIRROR_JSON_TOO_LONG;
	s->err_off = s->tok_off;
	s->failed = s->conf.invalid;
	syntax_details(s, err);
	return false;
}

/* Appends n bytes to the token. */
static bool
append(struct mirror_json_stream *s, const char *p, size_t n,
       struct mirror_error *err)
{
	if (n > s->conf.max_token - s->len)
		return too_long(s, err);
	if (s->len + n + 1 > s->cap && !grow(s, s->len + n + 1, err))
		return false;
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return true;
}

/* --- strings ------------------------------------------------------------- */

static bool
plain(unsigned char c)
{
	return (cls[c] & C_PLAIN) != 0;
}

static bool
put_utf8(struct mirror_json_stream *s, uint32_t cp, const char *q,
	 struct mirror_error *err)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return append(s, u, n, err);
}

/* A complete \u code unit: a character, or half of a surrogate pair. */
static bool
code_unit(struct mirror_json_stream *s, const char *q, struct mirror_error *err)
{
	uint32_t u = s->unit;

	s->esc = ESC_NONE;
	if (s->high != 0) {
		uint32_t h = s->high;

		s->high = 0;
		if (u < 0xdc00 || u > 0xdfff)
			return bad(s, q, "a lone UTF-16 surrogate in a string", err);
		return put_utf8(s, 0x10000 + ((h - 0xd800) << 10) + (u - 0xdc00), q, err);
	}
	if (u >= 0xd800 && u <= 0xdbff) {
		s->high = u;
		return true;
	}
	if (u >= 0xdc00 && u <= 0xdfff)
		return bad(s, q, "a lone UTF-16 surrogate in a string", err);
	return put_utf8(s, u, q, err);
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One byte of an escape: after the backslash, or a \u hex digit. */
static bool
escape_byte(struct mirror_json_stream *s, const char *q, struct mirror_error *err)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	unsigned char c = (unsigned char)*q;
	const char *hit;
	int h;

	if (s->esc >= ESC_HEX) {
		if ((h = hex_value(c)) < 0)
			return bad(s, q, "bad \\u escape in a string", err);
		s->unit = (s->unit << 4) | (uint32_t)h;
		return ++s->esc < ESC_HEX + 4 || code_unit(s, q, err);
	}
	if (c == 'u') {
		s->esc = ESC_HEX;
		s->unit = 0;
		return true;
	}
	if (s->high != 0)
		return bad(s, q, "a lone UTF-16 surrogate in a string", err);
	hit = c != '\0' ? strchr(from, c) : NULL;
	if (hit == NULL)
		return bad(s, q, "bad escape in a string", err);
	s->esc = ESC_NONE;
	return append(s, &to[hit - from], 1, err);
}

/* A byte >= 0x80: the lead of a UTF-8 sequence (RFC 3629 section 4),
 * or one of its continuation bytes. */
static bool
utf8_byte(struct mirror_json_stream *s, const char *q, struct mirror_error *err)
{
	unsigned char c = (unsigned char)*q;

	if (s->need > 0) {
		if (c < s->lo || c > s->hi)
			return bad(s, q, "invalid UTF-8 in a string", err);
		s->need--;
		s->lo = 0x80;
		s->hi = 0xbf;
		return append(s, q, 1, err);
	}
	if (c < 0xc2 || c > 0xf4)
		return bad(s, q, "invalid UTF-8 in a string", err);
	s->need = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
	/* The second byte's range excludes overlong forms, surrogates and
	 * code points above U+10FFFF. */
	s->lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
	s->hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
	return append(s, q, 1, err);
}

static bool
end_string(struct mirror_json_stream *s, struct mirror_error *err)
{
	s->lex = L_NONE;
	s->buf[s->len] = '\0';
	if (s->key) {
		s->expect = X_COLON;
		return emit(s, MIRROR_JSON_KEY, s->buf, s->len, s->depth, err);
	}
	after_value(s);
	return emit(s, MIRROR_JSON_STRING, s->buf, s->len, s->depth, err);
}

/* One byte that is not plain string text. */
static bool
string_byte(struct mirror_json_stream *s, const char *q, struct mirror_error *err)
{
	unsigned char c = (unsigned char)*q;

	if (s->esc != ESC_NONE)
		return escape_byte(s, q, err);
	if (s->need > 0 || c >= 0x80)
		return s->high == 0 ? utf8_byte(s, q, err) :
		    bad(s, q, "a lone UTF-16 surrogate in a string", err);
	if (c == '\\') {
		s->esc = ESC_BACKSLASH;
		return true;
	}
	if (s->high != 0)
		return bad(s, q, "a lone UTF-16 surrogate in a string", err);
	if (c == '"')
		return end_string(s, err);
	return bad(s, q, "control character in a string", err);
}

/* Reads string bytes from q; returns where it stopped, NULL on failure. */
static const char *
string_part(struct mirror_json_stream *s, const char *q, const char *end,
	    struct mirror_error *err)
{
	while (q < end && s->lex == L_STRING) {
		if (s->esc == ESC_NONE && s->need == 0 && s->high == 0) {
			const char *r = q;

			while (r < end && plain((unsigned char)*r))
				r++;
			if (r > q && !append(s, q, (size_t)(r - q), err))
				return NULL;
			q = r;
			if (q == end)
				break;
		}
		if (!string_byte(s, q, err))
			return NULL;
		q++;
	}
	return q;
}

/* --- numbers and literals -------------------------------------------------- */

static bool
digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
number_char(char c)
{
	return (cls[(unsigned char)c] & C_NUM) != 0;
}

/* Runs -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? over t[0..n);
 * returns how many bytes matched, with *why what was missing (NULL once
 * a whole number matched). */
static size_t
grammar(const char *t, size_t n, const char **why)
{
	size_t i = t[0] == '-', start;

	*why = "a number needs digits";
	if (i < n && t[i] == '0') {
		if (++i < n && digit(t[i])) {
			*why = "numbers have no leading zeros";
			return i;
		}
	} else {
		/* Epoch seconds: 8 digits at a time. */
		for (start = i; n - i >= 8 && mirror_decimal_all8(t + i); i += 8)
			;
		for (; i < n && digit(t[i]); i++)
			;
		if (i == start)
			return i;
	}
	if (i < n && t[i] == '.') {
		for (start = ++i; i < n && digit(t[i]); i++)
			;
		if (i == start)
			return i;
	}
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		i++;
		i += i < n && (t[i] == '+' || t[i] == '-');
		for (start = i; i < n && digit(t[i]); i++)
			;
		if (i == start)
			return i;
	}
	*why = NULL;
	return i;
}

/* Checks that all of t[0..n) is one number; returns why not and sets
 * *at, or NULL. */
static const char *
bad_number(const char *t, size_t n, size_t *at)
{
	const char *why;

	*at = grammar(t, n, &why);
	if (why == NULL && *at < n)
		why = "unexpected character";
	return why;
}

/* The number text t[0..n) is complete: check it, then emit it from
 * the token buffer. */
static bool
end_number(struct mirror_json_stream *s, const char *t, size_t n,
	   struct mirror_error *err)
{
	size_t at;
	const char *why = bad_number(t, n, &at);

	s->lex = L_NONE;
	if (why != NULL) {
		s->why = why;
		s->err_off = s->tok_off + at;
		s->failed = s->conf.invalid;
		syntax_details(s, err);
		return false;
	}
	s->buf[s->len] = '\0';
	after_value(s);
	return emit(s, MIRROR_JSON_NUMBER, s->buf, s->len, s->depth, err);
}

static const char *
number_part(struct mirror_json_stream *s, const char *q, const char *end,
	    struct mirror_error *err)
{
	const char *r = q;
	size_t n;

	while (r < end && number_char(*r))
		r++;
	n = (size_t)(r - q);
	if (n > 0 && !append(s, q, n, err))
		return NULL;
	if (r == end)
		return r;   /* it may go on in the next chunk */
	/* Whole in this chunk (the usual case): checked where it lies. */
	if (!end_number(s, s->len == n ? q : s->buf, s->len, err))
		return NULL;
	return r;
}

/* A whole token of n bytes at p, in this chunk: into the buffer at once
 * (a short one by a fixed 16-byte copy, when that many bytes are there). */
static bool
take(struct mirror_json_stream *s, const char *p, size_t n, const char *end,
     struct mirror_error *err)
{
	if (n <= 16 && end - p >= 16 && s->cap > 16) {
		memcpy(s->buf, p, 16);
		s->len = n;
		return n <= s->conf.max_token || too_long(s, err);
	}
	if (n > s->conf.max_token)
		return too_long(s, err);
	if (n + 1 > s->cap && !grow(s, n + 1, err))
		return false;
	memcpy(s->buf, p, n);
	s->len = n;
	return true;
}

/*
 * The usual tokens lie whole in one chunk: a string without escapes or
 * non-ASCII bytes, a number followed by its delimiter. They are read
 * here in one scan; anything else (and a token cut by the chunk's end)
 * goes the byte-wise way, which gives the same events and errors.
 */
static const char *
whole_string(struct mirror_json_stream *s, const char *q, const char *end,
	     struct mirror_error *err)
{
	const char *r = q + 1;

	while (r < end && plain((unsigned char)*r))
		r++;
	if (r == end || *r != '"')
		return string_part(s, q + 1, end, err);
	if (!take(s, q + 1, (size_t)(r - q - 1), end, err) || !end_string(s, err))
		return NULL;
	return r + 1;
}

/* A number checked as it is scanned; cut by the chunk's end, or invalid,
 * it goes the byte-wise way (which words the error). */
static const char *
whole_number(struct mirror_json_stream *s, const char *q, const char *end,
	     struct mirror_error *err)
{
	const char *why;
	size_t n = grammar(q, (size_t)(end - q), &why);

	if (why != NULL || q + n == end || number_char(q[n]))
		return number_part(s, q, end, err);
	if (!take(s, q, n, end, err))
		return NULL;
	s->lex = L_NONE;
	s->buf[n] = '\0';
	after_value(s);
	return emit(s, MIRROR_JSON_NUMBER, s->buf, n, s->depth, err) ? q + n : NULL;
}

static const char *
literal_part(struct mirror_json_stream *s, const char *q, const char *end,
	     struct mirror_error *err)
{
	for (; q < end && s->lit[s->lit_i] != '\0'; q++, s->lit_i++)
		if (*q != s->lit[s->lit_i])
			return fail_at(s, q, "unexpected character", err);
	if (s->lit[s->lit_i] != '\0')
		return q;
	s->lex = L_NONE;
	after_value(s);
	return emit(s, s->lit_ev, NULL, 0, s->depth, err) ? q : NULL;
}

/* --- structure ------------------------------------------------------------- */

static const char *
open_container(struct mirror_json_stream *s, const char *q, struct mirror_error *err)
{
	bool object = *q == '{';

	if (!wants_value(s))
		return fail_at(s, q, expected(s), err);
	s->started = true;
	/* json_check's meaning of depth: max_depth nested containers pass. */
	if (s->depth >= s->conf.max_depth)
		return fail_at(s, q, "too deep", err);
	if (!emit(s, object ? MIRROR_JSON_OBJECT_BEGIN : MIRROR_JSON_ARRAY_BEGIN,
	    NULL, 0, s->depth, err))
		return NULL;
	s->stack[s->depth++] = (unsigned char)*q;
	s->expect = object ? X_KEY_OR_END : X_VALUE_OR_END;
	return q + 1;
}

static const char *
close_container(struct mirror_json_stream *s, const char *q, struct mirror_error *err)
{
	bool object = *q == '}';
	unsigned char top = s->depth > 0 ? s->stack[s->depth - 1] : 0;
	bool ok = s->expect == X_COMMA_OR_END ||
	    s->expect == (object ? X_KEY_OR_END : X_VALUE_OR_END);

	if (!ok || top != (object ? '{' : '['))
		return fail_at(s, q, expected(s), err);
	s->depth--;
	after_value(s);
	return emit(s, object ? MIRROR_JSON_OBJECT_END : MIRROR_JSON_ARRAY_END,
	    NULL, 0, s->depth, err) ? q + 1 : NULL;
}

static const char *
separator(struct mirror_json_stream *s, const char *q, struct mirror_error *err)
{
	if (*q == ':' && s->expect == X_COLON)
		s->expect = X_VALUE;
	else if (*q == ',' && s->expect == X_COMMA_OR_END)
		s->expect = s->stack[s->depth - 1] == '{' ? X_KEY : X_VALUE;
	else
		return fail_at(s, q, expected(s), err);
	return q + 1;
}

/* The first byte of a string, number or literal. */
static const char *
start_token(struct mirror_json_stream *s, const char *q, const char *end,
	    struct mirror_error *err)
{
	size_t i;

	s->started = true;
	s->tok_off = s->off + (uint64_t)(q - s->base);
	s->len = 0;
	if (*q == '"') {
		s->key = s->expect == X_KEY || s->expect == X_KEY_OR_END;
		if (!s->key && !wants_value(s))
			return fail_at(s, q, expected(s), err);
		s->lex = L_STRING;
		return whole_string(s, q, end, err);
	}
	if (!wants_value(s))
		return fail_at(s, q, expected(s), err);
	if (*q == '-' || digit(*q)) {
		s->lex = L_NUMBER;
		return whole_number(s, q, end, err);
	}
	for (i = 0; i < 3 && *q != literals[i][0]; i++)
		;
	if (i == 3)
		return fail_at(s, q, "unexpected character", err);
	s->lex = L_LITERAL;
	s->lit = literals[i];
	s->lit_i = 0;
	s->lit_ev = literal_ev[i];
	return literal_part(s, q, end, err);
}

/*
 * Tokens one after the other, until one is cut by the chunk's end (a cut
 * token always reads to the end). A byte where the grammar wants no more
 * (X_DONE) fails in the token's own check, with expected()'s words.
 */
static const char *
between_tokens(struct mirror_json_stream *s, const char *q, const char *end,
	       struct mirror_error *err)
{
	while (q != NULL && q < end && !s->stopped) {
		switch (*q) {
		case ' ': case '\t': case '\n': case '\r': q++; break;
		case '{': case '[': q = open_container(s, q, err); break;
		case '}': case ']': q = close_container(s, q, err); break;
		case ',': case ':': q = separator(s, q, err); break;
		default: q = start_token(s, q, end, err); break;
		}
	}
	return q;
}

/* --- feeding ---------------------------------------------------------------- */

enum mirror_err
mirror_json_stream_feed(struct mirror_json_stream *s, const char *p, size_t n,
			struct mirror_error *err)
{
	const char *q = p, *end = p + n;

	if (s->failed != MIRROR_OK) {
		if (s->why != NULL)
			syntax_details(s, err);
		return s->failed;
	}
	s->base = p;
	while (q != NULL && q < end && !s->stopped) {
		switch (s->lex) {
		case L_STRING: q = string_part(s, q, end, err); break;
		case L_NUMBER: q = number_part(s, q, end, err); break;
		case L_LITERAL: q = literal_part(s, q, end, err); break;
		default: q = between_tokens(s, q, end, err); break;
		}
	}
	if (q != NULL)
		s->off += (uint64_t)(q - p);
	return s->failed;
}

enum mirror_err
mirror_json_stream_end(struct mirror_json_stream *s, struct mirror_error *err)
{
	const char *why = NULL;

	if (s->failed != MIRROR_OK && s->why != NULL)
		syntax_details(s, err);
	if (s->failed != MIRROR_OK || s->stopped)
		return s->failed;
	if (s->lex == L_NUMBER && !end_number(s, s->buf, s->len, err))
		return s->failed;
	if (s->stopped)
		return MIRROR_OK;
	if (!s->started)
		why = "it is empty";
	else if (s->lex != L_NONE || s->expect != X_DONE)
		why = "it ends too early";
	if (why == NULL)
		return MIRROR_OK;
	s->why = why;
	s->err_off = s->off;
	s->failed = s->conf.invalid;
	syntax_details(s, err);
	return s->failed;
}
