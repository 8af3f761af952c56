/*
 * Fuzz harness for the request path: the first byte picks one of the
 * four methods and a Content-Type, the rest is the body. Everything
 * mirror_handle does to a hostile body (media type, strict JSON check,
 * parse, validate, pick a store, the sample store, aggregate, write JSON)
 * runs, so a sanitizer build catches memory errors anywhere on that path.
 * Prometheus details are read in full and then refused by the empty
 * allowlist: nothing is contacted.
 *
 * Properties: every answer has a status the error table knows and a body
 * that is one JSON value (json_check.c, as strict as RFC 8259).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"
#include "json/json_check.h"
#include "mirror.h"

static const char *const paths[] = {
	"/api/connection", "/api/field/name", "/api/field/value", "/api/metric",
};

static const char *const types[] = {
	NULL, "application/json", "application/json; charset=utf-8", "text/plain",
};

static struct mirror_worker *
worker(void)
{
	static struct mirror_conf conf;
	static struct mirror_worker *w;
	struct mirror_error err;

	if (w != NULL)
		return w;
	if (mirror_conf_load(&conf, fuzz_no_env, &err) != MIRROR_OK)
		abort();
	/* Keep single runs fast: a fuzzer wants many per second. */
	conf.max_range_ms = 7LL * 86400000;
	if ((w = mirror_worker_new(&conf)) == NULL)
		abort();
	return w;
}

static void
check(const struct mirror_response *resp)
{
	struct mirror_error err;

	if (resp->body == NULL || resp->nheaders < 1)
		fuzz_fail("status %d without a body", resp->status);
	if (mirror_err_status(resp->err) != resp->status)
		fuzz_fail("status %d for error %d", resp->status, (int)resp->err);
	if (mirror_json_check(resp->body, resp->body_len, 64, &err) != MIRROR_OK)
		fuzz_fail("the answer is not JSON (%s): %.*s", err.details,
		    (int)(resp->body_len > 200 ? 200 : resp->body_len), resp->body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mirror_response resp;
	struct mirror_request req = {.method = "POST", .content_length = -1};

	if (size == 0)
		return 0;
	req.path = paths[data[0] & 3];
	req.content_type = types[(data[0] >> 2) & 3];
	req.body = (const char *)data + 1;
	req.body_len = size - 1;
	mirror_handle(worker(), &req, &resp);
	check(&resp);
	mirror_response_free(&resp);
	return 0;
}
