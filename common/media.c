/*
 * Content-Type = media-type = type "/" subtype *( OWS ";" OWS parameter ),
 * parameter = token "=" ( token / quoted-string ) (RFC 9110 §8.3.1, §5.6).
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "media.h"

/* tchar of RFC 9110 §5.6.2. */
static bool
tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *
ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Reads a token into [*start, return); NULL when there is none. */
static const char *
token(const char *p, const char **start)
{
	*start = p;
	while (tchar(*p))
		p++;
	return p > *start ? p : NULL;
}

static bool
word_is(const char *s, const char *end, const char *want)
{
	size_t n = (size_t)(end - s);

	return n == strlen(want) && strncasecmp(s, want, n) == 0;
}

/* A quoted-string or token value; *utf8 tells whether it reads "utf-8". */
static const char *
value(const char *p, bool *utf8)
{
	const char *s, *end;
	char text[8];
	size_t n = 0;

	if (*p != '"') {
		end = token(p, &s);
		*utf8 = end != NULL && word_is(s, end, "utf-8");
		return end;
	}
	for (p++; *p != '"'; p++) {
		if (*p == '\\')
			p++;
		if (*p == '\0' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return NULL;
		if (n < sizeof text)
			text[n++] = *p;
	}
	*utf8 = n == 5 && strncasecmp(text, "utf-8", 5) == 0;
	return p + 1;
}

/* The parameters after the subtype: NULL when malformed; *why set when a
 * charset is not UTF-8. */
static const char *
parameters(const char *p, const char **why)
{
	const char *name, *end;
	bool utf8;

	for (p = ows(p); *p == ';'; p = ows(p)) {
		p = ows(p + 1);
		if (*p == '\0' || *p == ';')
			continue;
		end = token(p, &name);
		if (end == NULL || *end != '=')
			return NULL;
		p = value(end + 1, &utf8);
		if (p == NULL)
			return NULL;
		if (word_is(name, end, "charset") && !utf8)
			*why = "JSON is UTF-8 (RFC 8259 §8.1): charset must be utf-8";
	}
	return p;
}

enum mirror_err
mirror_media_check(const char *ct, struct mirror_error *err)
{
	const char *type, *slash, *sub, *end = NULL, *why = NULL;

	if (ct == NULL)
		return MIRROR_OK;
	slash = token(ows(ct), &type);
	if (slash != NULL && *slash == '/')
		end = token(slash + 1, &sub);
	if (end == NULL || !word_is(type, slash, "application") ||
	    !word_is(sub, end, "json")) {
		why = "the body must be sent as application/json";
	} else {
		end = parameters(end, &why);
		if (end == NULL || *end != '\0')
			why = "its parameters are malformed";
	}
	if (why == NULL)
		return MIRROR_OK;
	return mirror_error_set(err, MIRROR_ERR_MEDIA_TYPE,
	    "Content-Type \"%.100s\" is refused: %s", ct, why);
}
