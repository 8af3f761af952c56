/* Store calls bounded by one deadline (call.h). */
#include "config.h"

#include "buf.h"
#include "clock.h"
#include "store/call.h"

/* Ceiling on a URL we build; selectors are bounded by the request's own
 * limits long before this. */
#define URL_MAX ((size_t)16 << 20)

static int64_t
now_ms(void)
{
	return mirror_clock_us() / 1000;
}

void
mirror_store_call_start(struct mirror_store_call *c)
{
	c->deadline = now_ms() + c->timeout_ms;
}

enum mirror_err
mirror_store_request(const struct mirror_store_call *c, const char *path,
		     const char *params, bool post, struct mirror_http_resp *resp)
{
	struct mirror_http_req req = {0};
	struct mirror_buf url;
	enum mirror_err e;

	req.timeout_ms = c->deadline - now_ms();
	if (req.timeout_ms <= 0)
		return mirror_error_set(c->err, MIRROR_ERR_STORE_TIMEOUT, "%.200s did "
		    "not give all answers within %lld ms", c->base,
		    (long long)c->timeout_ms);
	mirror_buf_init(&url, URL_MAX);
	mirror_buf_adds(&url, c->base);
	mirror_buf_adds(&url, path);
	if (!post && *params != '\0') {
		mirror_buf_addc(&url, '?');
		mirror_buf_adds(&url, params);
	}
	if (url.err != MIRROR_OK) {
		mirror_buf_free(&url);
		return mirror_error_set(c->err, MIRROR_ERR_NOMEM, "out of memory");
	}
	req.url = url.data;
	req.form = post ? params : NULL;
	req.max_bytes = c->max_bytes;
	req.gzip = c->gzip;
	req.auth = c->auth;
	e = mirror_http_do(c->http, &req, resp, c->err);
	mirror_buf_free(&url);
	if (e == MIRROR_ERR_STORE_TIMEOUT)
		mirror_error_set(c->err, e, "no answer from %.200s within %lld ms",
		    c->base, (long long)c->timeout_ms);
	return e;
}
