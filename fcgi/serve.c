#include "config.h"

#include <stdio.h>

#include "clock.h"
#include "gateway.h"
#include "log.h"
#include "serve.h"

static const char *
param(const char *name, void *ctx)
{
	return FCGX_GetParam(name, ((FCGX_Request *)ctx)->envp);
}

/* Reads up to want bytes (all of STDIN when want < 0), at most max + 1. */
static size_t
read_body(FCGX_Request *r, char *buf, size_t max, long long want)
{
	size_t got = 0, limit = max + 1;
	int n;

	if (want >= 0 && (unsigned long long)want < limit)
		limit = (size_t)want;
	while (got < limit) {
		n = FCGX_GetStr(buf + got, (int)(limit - got), r->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static void
write_response(FCGX_Request *r, const struct mirror_response *resp)
{
	struct mirror_buf head;

	mirror_buf_init(&head, 4096);
	mirror_gateway_head(resp, &head);
	/* A failed write means nginx went away; there is no one to tell. */
	if (head.err == MIRROR_OK &&
	    FCGX_PutStr(head.data, (int)head.len, r->out) == (int)head.len &&
	    resp->body_len > 0)
		(void)FCGX_PutStr(resp->body, (int)resp->body_len, r->out);
	mirror_buf_free(&head);
}

void
serve_request(struct serve_ctx *ctx, FCGX_Request *r)
{
	struct mirror_request req;
	struct mirror_response resp;
	struct mirror_error err;
	char path[1024];
	int64_t start = mirror_clock_us();
	enum mirror_err e;

	e = mirror_gateway_request(param, r, &req, path, sizeof path, &err);
	if (e == MIRROR_OK && req.content_length <= (long long)ctx->conf->max_body) {
		req.body = ctx->body;
		req.body_len = read_body(r, ctx->body, ctx->conf->max_body,
		    req.content_length);
	} else {
		/* 413 (or a bad length) without reading: the rest of STDIN
		 * stays unread, so this connection cannot be kept. */
		r->keepConnection = 0;
	}
	if (e != MIRROR_OK)
		mirror_handle_refused(ctx->worker, &req, &err, &resp);
	else
		mirror_handle(ctx->worker, &req, &resp);
	write_response(r, &resp);
	mirror_log_access(stderr, &req, &resp, mirror_clock_us() - start);
	mirror_response_free(&resp);
}
