/*
 * mirror.cgi: the mirror as a CGI/1.1 program (RFC 3875).
 *
 * One request per process: meta-variables from the environment, exactly
 * CONTENT_LENGTH bytes of body from stdin (§4.2), a "Status:" header
 * block and the JSON body on stdout (§6.3).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gateway.h"
#include "mirror.h"
#include "store/store.h"

static const char *
env(const char *name)
{
	return getenv(name);
}

static const char *
param(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

/* Reads exactly want bytes (or to EOF when want < 0), at most max + 1. */
static size_t
read_body(char *buf, size_t max, long long want)
{
	size_t got = 0, limit = max + 1;
	ssize_t n;

	if (want >= 0 && (unsigned long long)want < limit)
		limit = (size_t)want;
	while (got < limit) {
		n = read(STDIN_FILENO, buf + got, limit - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static int
write_response(const struct mirror_response *resp)
{
	struct mirror_buf head;
	int ok;

	mirror_buf_init(&head, 4096);
	mirror_gateway_head(resp, &head);
	ok = head.err == MIRROR_OK &&
	    fwrite(head.data, 1, head.len, stdout) == head.len &&
	    fwrite(resp->body, 1, resp->body_len, stdout) == resp->body_len &&
	    fflush(stdout) == 0;
	mirror_buf_free(&head);
	return ok;
}

static int
answer(const struct mirror_conf *conf, char *body)
{
	struct mirror_worker *w = mirror_worker_new(conf);
	struct mirror_request req;
	struct mirror_response resp;
	struct mirror_error err;
	char path[1024];
	int ok;

	if (w == NULL)
		return 0;
	if (mirror_gateway_request(param, NULL, &req, path, sizeof path, &err) != MIRROR_OK) {
		mirror_handle_refused(w, &req, &err, &resp);
	} else {
		if (req.content_length <= (long long)conf->max_body) {
			req.body = body;
			req.body_len = read_body(body, conf->max_body,
			    req.content_length);
		}
		mirror_handle(w, &req, &resp);
	}
	ok = write_response(&resp);
	mirror_response_free(&resp);
	mirror_worker_free(w);
	return ok;
}

/* The configuration, checked as the responder checks it at start. */
static enum mirror_err
load(struct mirror_conf *conf, struct mirror_error *err)
{
	enum mirror_err e = mirror_conf_load(conf, env, err);

	if (e != MIRROR_OK)
		return e;
	e = mirror_store_check(conf, err);
	if (e != MIRROR_OK)
		mirror_conf_free(conf);
	return e;
}

int
main(void)
{
	struct mirror_conf conf;
	struct mirror_error err;
	char *body;
	int ok;

	if (load(&conf, &err) != MIRROR_OK) {
		/* Misconfiguration is the operator's to fix: say it in the log. */
		fprintf(stderr, "mirror.cgi: %s\n", err.details);
		fputs("Status: 500 Internal Server Error\r\nContent-Type: application/json\r\n\r\n"
		    "{\"_type\":\"RemoteMirrorError\",\"summary\":\"internal error\","
		    "\"details\":\"the mirror is misconfigured; see the server log\"}", stdout);
		return 1;
	}
	body = malloc(conf.max_body + 1);
	ok = body != NULL && mirror_global_init() == MIRROR_OK &&
	    answer(&conf, body);
	mirror_global_cleanup();
	free(body);
	mirror_conf_free(&conf);
	return ok ? 0 : 1;
}
