/* Store requests under one deadline (ask.h). */
#include "config.h"

#include "buf.h"
#include "clock.h"
#include "store/ask.h"

/* Ceiling on a URL we build; queries are bounded by the request's own
 * limits long before this. */
#define URL_MAX ((size_t)16 << 20)

void
mirror_store_start(struct mirror_store_target *t)
{
	t->deadline = (mirror_clock_us() / 1000) + t->timeout_ms;
}

enum mirror_err
mirror_store_ask(const struct mirror_store_target *t, const char *path,
		 const char *params, bool post, struct mirror_http_resp *resp,
		 struct mirror_error *err)
{
	struct mirror_http_req req = {0};
	struct mirror_buf url;
	enum mirror_err e;

	req.timeout_ms = t->deadline - (mirror_clock_us() / 1000);
	if (req.timeout_ms <= 0)
		return mirror_error_set(err, MIRROR_ERR_STORE_TIMEOUT, "%.200s did "
		    "not give all answers within %lld ms", t->base,
		    (long long)t->timeout_ms);
	mirror_buf_init(&url, URL_MAX);
	mirror_buf_adds(&url, t->base);
	mirror_buf_adds(&url, path);
	if (!post && *params != '\0') {
		mirror_buf_addc(&url, '?');
		mirror_buf_adds(&url, params);
	}
	if (url.err != MIRROR_OK) {
		mirror_buf_free(&url);
		return mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
	}
	req.url = url.data;
	req.form = post ? params : NULL;
	req.max_bytes = t->max_bytes;
	req.gzip = t->gzip;
	req.auth = t->auth;
	e = mirror_http_do(t->http, &req, resp, err);
	mirror_buf_free(&url);
	if (e == MIRROR_ERR_STORE_TIMEOUT)
		mirror_error_set(err, e, "no answer from %.200s within %lld ms",
		    t->base, (long long)t->timeout_ms);
	return e;
}
