/*
 * The store allowlist: which URLs a request may make the mirror connect
 * to (MIRROR_STORE_ALLOW). connectionDetails come from the client, so
 * without this any client could point the mirror at internal services
 * (server-side request forgery). URLs are compared after libcurl's own parser
 * has read them, so there is no second opinion for an attacker to exploit
 * ("http://allowed@evil/", "http://host:9090.evil", encoded dots).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "allow.h"

/* A URL as libcurl reads it; strings owned (curl_free). */
struct parts {
	char *scheme;
	char *host;
	char *port;        /* always set: defaults made explicit */
	char *given_port;  /* NULL unless the URL names one */
	char *path;        /* without trailing '/', may be "" */
};

static void
parts_free(struct parts *p)
{
	curl_free(p->scheme);
	curl_free(p->host);
	curl_free(p->port);
	curl_free(p->given_port);
	curl_free(p->path);
	memset(p, 0, sizeof *p);
}

/* True when part is present in u (user, password, query, ...). */
static bool
has_part(CURLU *u, CURLUPart part)
{
	char *s = NULL;
	bool has = curl_url_get(u, part, &s, 0) == CURLUE_OK && s != NULL;

	curl_free(s);
	return has;
}

/* Why a URL cannot name a store, or NULL when it can. */
static const char *
refuse(CURLU *u, const struct parts *p)
{
	if (strcmp(p->scheme, "http") != 0 && strcmp(p->scheme, "https") != 0)
		return "only http and https URLs are allowed";
	if (has_part(u, CURLUPART_USER) || has_part(u, CURLUPART_PASSWORD) ||
	    has_part(u, CURLUPART_OPTIONS) || has_part(u, CURLUPART_ZONEID))
		return "user info in the URL is not allowed (use username/password)";
	if (has_part(u, CURLUPART_QUERY) || has_part(u, CURLUPART_FRAGMENT))
		return "the URL must not have a query or fragment";
	/* Encoded characters could hide "/../" from the prefix comparison
	 * and be decoded by the store's router. */
	if (strpbrk(p->path, "%\\") != NULL)
		return "the URL path must not contain '%' or '\\'";
	return NULL;
}

static enum mirror_err
parse(const char *url, struct parts *p, const char **why)
{
	CURLU *u = curl_url();
	bool ok;

	memset(p, 0, sizeof *p);
	*why = "it is not a valid absolute URL";
	if (u == NULL)
		return MIRROR_ERR_NOMEM;
	ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &p->scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &p->host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &p->port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &p->path, 0) == CURLUE_OK;
	if (ok) {
		curl_url_get(u, CURLUPART_PORT, &p->given_port, 0);
		*why = refuse(u, p);
		ok = *why == NULL;
	}
	curl_url_cleanup(u);
	if (!ok) {
		parts_free(p);
		return MIRROR_ERR_BAD_REQUEST;
	}
	while (*p->path != '\0' && p->path[strlen(p->path) - 1] == '/')
		p->path[strlen(p->path) - 1] = '\0';
	return MIRROR_OK;
}

/* The entry's path is the URL's, or a parent of it at a '/' boundary. */
static bool
path_within(const char *entry, const char *path)
{
	size_t n = strlen(entry);

	return strncmp(entry, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool
matches(const struct parts *entry, const struct parts *url)
{
	return strcmp(entry->scheme, url->scheme) == 0 &&
	    strcasecmp(entry->host, url->host) == 0 &&
	    strcmp(entry->port, url->port) == 0 &&
	    path_within(entry->path, url->path);
}

static bool
allowed(char *const *allow, size_t nallow, const struct parts *url)
{
	struct parts entry;
	const char *why;
	bool hit = false;
	size_t i;

	for (i = 0; i < nallow && !hit; i++) {
		/* A malformed entry allows nothing (conf.c keeps it verbatim). */
		if (parse(allow[i], &entry, &why) != MIRROR_OK)
			continue;
		hit = matches(&entry, url);
		parts_free(&entry);
	}
	return hit;
}

enum mirror_err
mirror_store_allow(char *const *allow, size_t nallow, const char *url,
		  char *norm, size_t norm_size, struct mirror_error *err)
{
	struct parts p;
	const char *why;
	enum mirror_err e;
	int n;

	if (nallow == 0)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "no store URL is allowed: the mirror's MIRROR_STORE_ALLOW is "
		    "empty; its operator must list the store URLs to allow");
	e = parse(url, &p, &why);
	if (e != MIRROR_OK)
		return e == MIRROR_ERR_NOMEM ? e : mirror_error_set(err, e,
		    "connectionDetails.url \"%.200s\" is refused: %s", url, why);
	if (!allowed(allow, nallow, &p)) {
		parts_free(&p);
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "connectionDetails.url \"%.200s\" is not in the mirror's "
		    "store allowlist (MIRROR_STORE_ALLOW)", url);
	}
	n = snprintf(norm, norm_size, "%s://%s%s%s%s", p.scheme, p.host,
	    p.given_port != NULL ? ":" : "", p.given_port != NULL ? p.given_port : "",
	    p.path);
	parts_free(&p);
	if (n < 0 || (size_t)n >= norm_size)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "connectionDetails.url is too long");
	return MIRROR_OK;
}
