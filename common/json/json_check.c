#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "json_check.h"
#include "utf8.h"

struct scan {
	const unsigned char *s;
	size_t n, i;
	int depth, max_depth;
	const char *why;   /* set on the first error */
};

static bool value(struct scan *sc);

static bool
fail(struct scan *sc, const char *why)
{
	if (sc->why == NULL)
		sc->why = why;
	return false;
}

static int
peek(const struct scan *sc)
{
	return sc->i < sc->n ? sc->s[sc->i] : -1;
}

static void
skip_ws(struct scan *sc)
{
	while (sc->i < sc->n && strchr(" \t\r\n", sc->s[sc->i]) != NULL &&
	    sc->s[sc->i] != '\0')
		sc->i++;
}

static bool
literal(struct scan *sc, const char *word)
{
	size_t len = strlen(word);

	if (sc->n - sc->i < len || memcmp(sc->s + sc->i, word, len) != 0)
		return fail(sc, "unexpected character");
	sc->i += len;
	return true;
}

static bool
digits(struct scan *sc)
{
	size_t start = sc->i;

	while (sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9')
		sc->i++;
	return sc->i > start || fail(sc, "a number needs digits");
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
number(struct scan *sc)
{
	if (peek(sc) == '-')
		sc->i++;
	if (peek(sc) == '0') {
		sc->i++;
		if (peek(sc) >= '0' && peek(sc) <= '9')
			return fail(sc, "numbers have no leading zeros");
	} else if (!digits(sc)) {
		return false;
	}
	if (peek(sc) == '.') {
		sc->i++;
		if (!digits(sc))
			return false;
	}
	if (peek(sc) == 'e' || peek(sc) == 'E') {
		sc->i++;
		if (peek(sc) == '+' || peek(sc) == '-')
			sc->i++;
		if (!digits(sc))
			return false;
	}
	return true;
}

static bool
escape(struct scan *sc)
{
	int c = peek(sc);
	int k;

	sc->i++;
	if (c != -1 && strchr("\"\\/bfnrt", c) != NULL && c != '\0')
		return true;
	if (c != 'u')
		return fail(sc, "bad escape in a string");
	for (k = 0; k < 4; k++, sc->i++)
		if (!(sc->i < sc->n && strchr("0123456789abcdefABCDEF",
		    sc->s[sc->i]) != NULL && sc->s[sc->i] != '\0'))
			return fail(sc, "bad \\u escape in a string");
	return true;
}

static bool
string(struct scan *sc)
{
	size_t len;

	sc->i++;	/* the opening quote */
	while (sc->i < sc->n) {
		unsigned char c = sc->s[sc->i];

		if (c == '"') {
			sc->i++;
			return true;
		}
		if (c < 0x20)
			return fail(sc, "control character in a string");
		if (c == '\\') {
			sc->i++;
			if (!escape(sc))
				return false;
		} else if (c < 0x80) {
			sc->i++;
		} else if ((len = mirror_utf8_len(sc->s + sc->i, sc->n - sc->i)) == 0) {
			return fail(sc, "invalid UTF-8 in a string");
		} else {
			sc->i += len;
		}
	}
	return fail(sc, "unterminated string");
}

/* Shared by objects and arrays: [ or { already seen. */
static bool
container(struct scan *sc, char close, bool keyed)
{
	/* json-c's meaning of depth: max_depth nested containers pass. */
	if (++sc->depth > sc->max_depth)
		return fail(sc, "too deep");
	sc->i++;
	skip_ws(sc);
	if (peek(sc) == close) {
		sc->i++;
		sc->depth--;
		return true;
	}
	for (;;) {
		if (keyed) {
			skip_ws(sc);
			if (peek(sc) != '"')
				return fail(sc, "object keys are strings in double quotes");
			if (!string(sc))
				return false;
			skip_ws(sc);
			if (peek(sc) != ':')
				return fail(sc, "':' expected");
			sc->i++;
		}
		if (!value(sc))
			return false;
		if (peek(sc) == close)
			break;
		if (peek(sc) != ',')
			return fail(sc, keyed ? "',' or '}' expected" : "',' or ']' expected");
		sc->i++;
	}
	sc->i++;
	sc->depth--;
	return true;
}

static bool
value(struct scan *sc)
{
	bool ok;

	skip_ws(sc);
	switch (peek(sc)) {
	case '{': ok = container(sc, '}', true); break;
	case '[': ok = container(sc, ']', false); break;
	case '"': ok = string(sc); break;
	case 't': ok = literal(sc, "true"); break;
	case 'f': ok = literal(sc, "false"); break;
	case 'n': ok = literal(sc, "null"); break;
	case -1: return fail(sc, "it ends too early");
	default:
		ok = peek(sc) == '-' || (peek(sc) >= '0' && peek(sc) <= '9') ?
		    number(sc) : fail(sc, "unexpected character");
	}
	skip_ws(sc);
	return ok;
}

enum mirror_err
mirror_json_check(const char *s, size_t n, int max_depth, struct mirror_error *err)
{
	struct scan sc = {(const unsigned char *)s, n, 0, 0, max_depth, NULL};

	if (n == 0)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the body is not JSON: it is empty");
	if (value(&sc) && sc.i < n)
		fail(&sc, "data after the JSON value");
	if (sc.why == NULL)
		return MIRROR_OK;
	if (strcmp(sc.why, "too deep") == 0)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the body nests JSON deeper than %d levels", max_depth);
	if (sc.i >= n)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the body is not JSON: it ends too early");
	if (strcmp(sc.why, "data after the JSON value") == 0)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the body has data after the JSON value at byte %zu", sc.i);
	return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
	    "the body is not JSON: %s at byte %zu", sc.why, sc.i);
}
