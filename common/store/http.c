/* The libcurl client: one kept-alive easy handle per worker thread. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "bulkhead.h"
#include "clock.h"
#include "http.h"

/* Answer storage a worker keeps between requests. */
#define KEEP_BYTES ((size_t)1 << 20)

struct mirror_http {
	CURL *curl;
	struct mirror_buf body;    /* the last answer */
	char errbuf[CURL_ERROR_SIZE];
};

enum mirror_err
mirror_http_global_init(void)
{
	const curl_version_info_data *v;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return MIRROR_ERR_INTERNAL;
	/* CURLOPT_PROTOCOLS_STR, our SSRF guard, appeared in 7.85.0. */
	v = curl_version_info(CURLVERSION_NOW);
	if (v == NULL || v->version_num < 0x075500) {
		curl_global_cleanup();
		return MIRROR_ERR_INTERNAL;
	}
	return MIRROR_OK;
}

void
mirror_http_global_cleanup(void)
{
	curl_global_cleanup();
}

enum mirror_err
mirror_http_new(struct mirror_http **out)
{
	struct mirror_http *h = calloc(1, sizeof *h);

	*out = NULL;
	if (h == NULL)
		return MIRROR_ERR_NOMEM;
	h->curl = curl_easy_init();
	if (h->curl == NULL) {
		free(h);
		return MIRROR_ERR_NOMEM;
	}
	mirror_buf_init(&h->body, 0);
	*out = h;
	return MIRROR_OK;
}

void
mirror_http_free(struct mirror_http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	mirror_buf_free(&h->body);
	free(h);
}

/* The ceiling is enforced here, as bytes arrive, not after the fact. */
static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct mirror_buf *b = arg;

	mirror_buf_add(b, p, n);
	return b->err == MIRROR_OK ? n : 0;
}

/* Options every request gets, whatever its store asks for. */
static bool
set_common(struct mirror_http *h, const struct mirror_http_req *r)
{
	CURL *c = h->curl;
	bool ok = true;

	ok &= curl_easy_setopt(c, CURLOPT_URL, r->url) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
	/* Worker threads: no SIGALRM for DNS timeouts (libcurl-thread(3)). */
	ok &= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)r->timeout_ms) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)mirror_bulkhead_connect_ms(r->timeout_ms)) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK;
	/* gzip saves transfer to a distant store but costs Prometheus ~0.2 ms
	 * per answer on a near one, hence opt-in. The ceiling applies to the
	 * decoded bytes, so a compression bomb stops at max_bytes too. */
	if (r->gzip)
		ok &= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip") == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_WRITEDATA, &h->body) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_USERAGENT, "stackstate-mirror") == CURLE_OK;
	if (r->form != NULL)
		ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->form) == CURLE_OK;
	return ok;
}

static bool
set_tls(CURL *c, const struct mirror_http_auth *a)
{
	struct curl_blob blob;
	bool ok = true;

	if (a->ca_file != NULL)
		ok &= curl_easy_setopt(c, CURLOPT_CAINFO, a->ca_file) == CURLE_OK;
	if (a->ca_pem != NULL) {
		blob.data = (void *)(uintptr_t)a->ca_pem;
		blob.len = strlen(a->ca_pem);
		blob.flags = CURL_BLOB_COPY;
		ok &= curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob) == CURLE_OK;
	}
	return ok;
}

/*
 * SigV4 with static keys; temporary keys also need their session token
 * as a header, which libcurl 7.88 does not add by itself
 * (argoproj/argo-rollouts#2458).
 */
static bool
set_sigv4(CURL *c, const struct mirror_http_auth *a, struct curl_slist **hdrs)
{
	char provider[160];
	struct curl_slist *l;
	char *line;
	bool ok = true;

	snprintf(provider, sizeof provider, "aws:amz:%s:%s", a->aws_region,
	    a->aws_service != NULL ? a->aws_service : "aps");
	ok &= curl_easy_setopt(c, CURLOPT_AWS_SIGV4, provider) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_USERNAME, a->aws_key_id) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_PASSWORD, a->aws_secret) == CURLE_OK;
	if (!ok || a->aws_token == NULL)
		return ok;
	line = malloc(strlen(a->aws_token) + 32);
	if (line == NULL)
		return false;
	snprintf(line, strlen(a->aws_token) + 32, "X-Amz-Security-Token: %s",
	    a->aws_token);
	l = curl_slist_append(*hdrs, line);
	free(line);
	if (l == NULL)
		return false;
	*hdrs = l;
	return true;
}

static bool
set_auth(CURL *c, const struct mirror_http_auth *a, struct curl_slist **hdrs)
{
	bool ok = set_tls(c, a);

	if (a->aws_region != NULL && a->aws_key_id != NULL && a->aws_secret != NULL)
		return ok && set_sigv4(c, a, hdrs);
	if (a->bearer != NULL) {
		ok &= curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BEARER) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, a->bearer) == CURLE_OK;
	} else if (a->username != NULL) {
		ok &= curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_USERNAME, a->username) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_PASSWORD,
		    a->password != NULL ? a->password : "") == CURLE_OK;
	}
	return ok;
}

/* Length of the URL's scheme://authority, for messages that must not
 * carry paths or query strings. */
static int
origin_len(const char *url)
{
	const char *p = strstr(url, "://");
	size_t n;

	p = p != NULL ? p + 3 : url;
	n = (size_t)(p - url) + strcspn(p, "/?#");
	return n > 200 ? 200 : (int)n;
}

/*
 * A timeout that fired in the connect phase: no connection made, and
 * nearer the connect timeout than the whole one. (libcurl reports a zero
 * connect time for a reused connection too, hence the clock; halfway,
 * because its times of a fired timeout are a little off either way.)
 */
static bool
connect_timed_out(CURL *c, const struct mirror_http_req *r)
{
	int64_t connect_ms = mirror_bulkhead_connect_ms(r->timeout_ms);
	curl_off_t connect_us = -1, total_us = -1;

	curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect_us);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &total_us);
	return connect_us == 0 && connect_ms < r->timeout_ms && total_us >= 0 &&
	    total_us < (curl_off_t)(connect_ms + r->timeout_ms) * 500;
}

static enum mirror_err
map_error(CURLcode rc, const struct mirror_http *h,
	  const struct mirror_http_req *r, struct mirror_error *err)
{
	const char *why = h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(rc);
	int n = origin_len(r->url);

	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		if (connect_timed_out(h->curl, r))
			return mirror_error_set(err, MIRROR_ERR_STORE_CONNECT_TIMEOUT,
			    "no connection to %.*s within %lld ms", n, r->url,
			    (long long)mirror_bulkhead_connect_ms(r->timeout_ms));
		return mirror_error_set(err, MIRROR_ERR_STORE_TIMEOUT,
		    "no answer from %.*s within %lld ms", n, r->url,
		    (long long)r->timeout_ms);
	case CURLE_WRITE_ERROR:
		if (h->body.err == MIRROR_ERR_NOMEM)
			return mirror_error_set(err, MIRROR_ERR_NOMEM,
			    "out of memory reading the store's answer");
		return mirror_error_set(err, MIRROR_ERR_STORE,
		    "the answer of %.*s exceeds the mirror's %zu-byte limit "
		    "(MIRROR_STORE_MAX_BYTES); ask for a shorter range", n,
		    r->url, r->max_bytes);
	case CURLE_OUT_OF_MEMORY:
		return mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
	default:
		return mirror_error_set(err, MIRROR_ERR_STORE_CONNECT,
		    "cannot reach %.*s: %s", n, r->url, why);
	}
}

/* The bulkhead's counters for one request (bulkhead.h). */
static void
account(const struct mirror_http *h, enum mirror_err e, int64_t start_us)
{
	curl_off_t bytes = 0;
	long status = 0;

	curl_easy_getinfo(h->curl, CURLINFO_SIZE_DOWNLOAD_T, &bytes);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	mirror_bulkhead_record(mirror_store_fail_of(e, status),
	    mirror_clock_us() - start_us, bytes > 0 ? (uint64_t)bytes : 0);
}

enum mirror_err
mirror_http_do(struct mirror_http *h, const struct mirror_http_req *r,
	       struct mirror_http_resp *resp, struct mirror_error *err)
{
	struct curl_slist *l;
	char *ctype = NULL;
	enum mirror_err e;
	int64_t start;
	CURLcode rc;

	memset(resp, 0, sizeof *resp);
	/* Before anything is sent: a slot on the store's origin, kept for the
	 * whole mirror request (bulkhead.h). A busy origin fails at once. */
	e = mirror_bulkhead_enter(r->url, err);
	if (e != MIRROR_OK)
		return e;
	/* Reset drops the last request's options but keeps the live
	 * connections and DNS cache: that is the point of the handle. */
	curl_easy_reset(h->curl);
	h->errbuf[0] = '\0';
	/* Keep a small answer's storage for the next one; give a big one back. */
	if (h->body.cap > KEEP_BYTES)
		mirror_buf_free(&h->body);
	mirror_buf_reset(&h->body);
	h->body.max = r->max_bytes;
	l = curl_slist_append(NULL, "Accept: application/json");
	if (l == NULL || !set_common(h, r) ||
	    (r->auth != NULL && !set_auth(h->curl, r->auth, &l)) ||
	    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, l) != CURLE_OK) {
		curl_slist_free_all(l);
		return mirror_error_set(err, MIRROR_ERR_INTERNAL,
		    "libcurl refused an option");
	}
	start = mirror_clock_us();
	rc = curl_easy_perform(h->curl);
	curl_slist_free_all(l);
	e = rc != CURLE_OK ? map_error(rc, h, r, err) : MIRROR_OK;
	account(h, e, start);
	if (e != MIRROR_OK)
		return e;
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &ctype);
	resp->content_type = ctype;
	resp->body = h->body.data != NULL ? h->body.data : "";
	resp->len = h->body.len;
	return MIRROR_OK;
}

static bool
unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
	    ch == '~';
}

static void
add_encoded(struct mirror_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char esc[3] = {'%', 0, 0};

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (unreserved(*p)) {
			mirror_buf_addc(b, (char)*p);
			continue;
		}
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 15];
		mirror_buf_add(b, esc, 3);
	}
}

void
mirror_http_form_add(struct mirror_buf *b, const char *name, const char *value)
{
	if (b->len > 0)
		mirror_buf_addc(b, '&');
	add_encoded(b, name);
	mirror_buf_addc(b, '=');
	add_encoded(b, value);
}
