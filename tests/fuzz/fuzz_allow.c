/*
 * Fuzz harness for the store-URL allowlist (common/store/allow.c).
 *
 * Input: lines; the last is the URL a request names, the others are
 * MIRROR_STORE_ALLOW entries (at most 8).
 *
 * Property: a URL the allowlist admits never makes the mirror connect to
 * an origin (scheme, host, port) that is not listed. The check does not
 * trust allow.c's own reading: it takes the normalised URL allow.c hands
 * to the store, appends a path and query as prom_fetch.c does, parses that
 * with libcurl's URL parser using the flags libcurl's easy interface uses
 * for CURLOPT_URL, and compares its origin, and its path, with each
 * listed entry parsed the same way. Entries the start-up check
 * (mirror_store_allow_check) refuses must allow nothing.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "fuzz.h"
#include "store/allow.h"

#define MAX_ENTRIES 8

/* A URL's origin and path as libcurl reads it; strings owned by libcurl. */
struct origin {
	char *scheme, *host, *port, *path;
};

static void
origin_free(struct origin *o)
{
	curl_free(o->scheme);
	curl_free(o->host);
	curl_free(o->port);
	curl_free(o->path);
	memset(o, 0, sizeof *o);
}

static bool
read_origin(const char *url, unsigned flags, struct origin *o)
{
	CURLU *u = curl_url();
	bool ok;

	memset(o, 0, sizeof *o);
	if (u == NULL)
		abort();
	ok = curl_url_set(u, CURLUPART_URL, url, flags) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &o->scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &o->host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &o->path, 0) == CURLUE_OK;
	curl_url_cleanup(u);
	if (!ok)
		origin_free(o);
	return ok;
}

/* The entry's path, without trailing '/', is a prefix of path at a '/'. */
static bool
under(const char *entry, const char *path)
{
	size_t n = strlen(entry);

	while (n > 0 && entry[n - 1] == '/')
		n--;
	return strncmp(entry, path, n) == 0 && (path[n] == '\0' || path[n] == '/' ||
	    path[n] == '?');
}

static bool
listed(const struct origin *u, char *const *allow, size_t n)
{
	struct origin e;
	bool hit = false;
	size_t i;

	for (i = 0; i < n && !hit; i++) {
		if (!read_origin(allow[i], 0, &e))
			continue;
		hit = strcasecmp(e.scheme, u->scheme) == 0 &&
		    strcasecmp(e.host, u->host) == 0 && strcmp(e.port, u->port) == 0 &&
		    under(e.path, u->path);
		origin_free(&e);
	}
	return hit;
}

/* Splits data into lines; NULL when a line holds a NUL byte. */
static char **
split(const uint8_t *data, size_t size, size_t *n)
{
	char **lines = calloc(MAX_ENTRIES + 1, sizeof *lines);
	size_t i = 0, start = 0;

	if (lines == NULL)
		abort();
	*n = 0;
	if (memchr(data, 0, size) != NULL)
		return lines;
	for (i = 0; i <= size && *n <= MAX_ENTRIES; i++) {
		if (i < size && data[i] != '\n')
			continue;
		lines[*n] = strndup((const char *)data + start, i - start);
		if (lines[(*n)++] == NULL)
			abort();
		start = i + 1;
	}
	return lines;
}

static void
check(char **lines, size_t n)
{
	char norm[MIRROR_STORE_URL_MAX], full[MIRROR_STORE_URL_MAX + 64];
	const char *url = lines[n - 1];
	struct mirror_error err;
	struct origin u;
	size_t nallow = n - 1;

	if (mirror_store_allow(lines, nallow, url, norm, sizeof norm, &err) != MIRROR_OK)
		return;
	if (mirror_store_allow_check(lines, nallow, &err) != MIRROR_OK && nallow == 1)
		fuzz_fail("entry \"%s\", refused at start, admits \"%s\"", lines[0], url);
	/* What prom_fetch.c asks for, read the way CURLOPT_URL reads it. */
	snprintf(full, sizeof full, "%s/api/v1/query?query=up", norm);
	if (!read_origin(full, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME, &u))
		fuzz_fail("\"%s\" was admitted as \"%s\", which libcurl cannot read",
		    url, norm);
	if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0)
		fuzz_fail("\"%s\" was admitted with scheme %s", url, u.scheme);
	if (!listed(&u, lines, nallow))
		fuzz_fail("\"%s\" was admitted as \"%s\": %s://%s:%s%s is not listed",
		    url, norm, u.scheme, u.host, u.port, u.path);
	origin_free(&u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n, i;
	char **lines = split(data, size, &n);

	if (n >= 1)
		check(lines, n);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return 0;
}
