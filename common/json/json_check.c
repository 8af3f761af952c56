#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "json_check.h"
#include "json_keys.h"
#include "utf8.h"

struct scan {
	const unsigned char *s;
	size_t n, i;
	int depth, max_depth;
	const char *why;   /* set on the first error */
	struct mirror_json_keys keys;   /* of the objects open */
	struct mirror_json_key dup;     /* a repeated key, when why says so */
};

static const char WHY_DUP[] = "a repeated key";
static const char WHY_NOMEM[] = "out of memory";
static const char WHY_NUL[] = "a key holding U+0000";

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

/* An object's key and its ':'; the key is remembered for close_container(). */
static bool
key(struct scan *sc)
{
	size_t at;

	skip_ws(sc);
	if (peek(sc) != '"')
		return fail(sc, "object keys are strings in double quotes");
	at = sc->i;
	if (!string(sc))
		return false;
	switch (mirror_json_keys_add(&sc->keys, sc->s + at + 1, sc->i - at - 2, at)) {
	case MIRROR_JSON_KEY_OK:
		break;
	case MIRROR_JSON_KEY_NUL:
		sc->i = at;
		return fail(sc, WHY_NUL);
	default:
		return fail(sc, WHY_NOMEM);
	}
	skip_ws(sc);
	if (peek(sc) != ':')
		return fail(sc, "':' expected");
	sc->i++;
	return true;
}

/* The end of a container; an object must not repeat a key. */
static bool
close_container(struct scan *sc, bool keyed, struct mirror_json_mark mark)
{
	sc->i++;
	sc->depth--;
	if (keyed && mirror_json_keys_close(&sc->keys, mark, &sc->dup)) {
		sc->i = sc->dup.at;
		return fail(sc, WHY_DUP);
	}
	return true;
}

/* Shared by objects and arrays: [ or { already seen. */
static bool
container(struct scan *sc, char end, bool keyed)
{
	struct mirror_json_mark mark = mirror_json_keys_mark(&sc->keys);

	/* json-c's meaning of depth: max_depth nested containers pass. */
	if (++sc->depth > sc->max_depth)
		return fail(sc, "too deep");
	sc->i++;
	skip_ws(sc);
	if (peek(sc) == end)
		return close_container(sc, keyed, mark);
	for (;;) {
		if (keyed && !key(sc))
			return false;
		if (!value(sc))
			return false;
		if (peek(sc) == end)
			break;
		if (peek(sc) != ',')
			return fail(sc, keyed ? "',' or '}' expected" : "',' or ']' expected");
		sc->i++;
	}
	return close_container(sc, keyed, mark);
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

/* A syntax error (or too deep a nesting), in err. */
static enum mirror_err
report_syntax(const struct scan *sc, int max_depth, struct mirror_error *err)
{
	if (strcmp(sc->why, "too deep") == 0)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the body nests JSON deeper than %d levels", max_depth);
	if (sc->i >= sc->n)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the body is not JSON: it ends too early");
	if (strcmp(sc->why, "data after the JSON value") == 0)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the body has data after the JSON value at byte %zu", sc->i);
	return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
	    "the body is not JSON: %s at byte %zu", sc->why, sc->i);
}

static enum mirror_err
report(const struct scan *sc, int max_depth, struct mirror_error *err)
{
	if (sc->why == WHY_NOMEM)
		return mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory checking JSON");
	/* json-c would cut such a key at the NUL, making it another key. */
	if (sc->why == WHY_NUL)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "the body has "
		    "an object key holding \\u0000 at byte %zu", sc->i);
	if (sc->why == WHY_DUP)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "the body repeats "
		    "the key \"%.64s\" in one object (at byte %zu); a key may appear "
		    "only once", mirror_json_keys_text(&sc->keys, &sc->dup), sc->dup.at);
	return report_syntax(sc, max_depth, err);
}

enum mirror_err
mirror_json_check(const char *s, size_t n, int max_depth, struct mirror_error *err)
{
	struct scan sc = {.s = (const unsigned char *)s, .n = n, .max_depth = max_depth};
	enum mirror_err e = MIRROR_OK;

	if (n == 0)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the body is not JSON: it is empty");
	mirror_json_keys_init(&sc.keys);
	if (value(&sc) && sc.i < n)
		fail(&sc, "data after the JSON value");
	if (sc.why != NULL)
		e = report(&sc, max_depth, err);
	mirror_json_keys_free(&sc.keys);
	return e;
}
