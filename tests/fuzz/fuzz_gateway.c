/*
 * Fuzz harness for the gateway (common/gateway.c): the CGI meta-variables
 * or FastCGI params a web server sends, through to the header block the
 * door writes back, with mirror_handle in between.
 *
 * Input: byte 0 picks the configuration (bit 0: key check on with key
 * "k1"); then NAME=VALUE params separated by NUL bytes, an empty param,
 * and the body.
 *
 * Properties: the request read from the params has a path no longer than
 * the door's buffer and the declared length the params say (or -1); the
 * header block is "Status: NNN Reason", then "Name: value" lines with no
 * control character, one Content-Type, a Content-Length equal to the
 * body's, and the empty line; a JSON answer is valid JSON.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "fuzz.h"
#include "gateway.h"
#include "json/json_check.h"
#include "mirror.h"

#define MAX_PARAMS 32
#define PATH_MAX_BYTES 1024

struct params {
	const char *name[MAX_PARAMS], *value[MAX_PARAMS];
	size_t n;
};

static const char *
get(const char *name, void *ctx)
{
	const struct params *p = ctx;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->name[i], name) == 0)
			return p->value[i];
	return NULL;
}

static const char *
env_keys(const char *name)
{
	return strcmp(name, "MIRROR_API_KEY") == 0 ? "k1" : NULL;
}

static struct mirror_worker *
worker(bool keys)
{
	static struct mirror_conf conf[2];
	static struct mirror_worker *w[2];
	struct mirror_error err;

	if (w[keys] == NULL) {
		if (mirror_conf_load(&conf[keys], keys ? env_keys : fuzz_no_env,
		    &err) != MIRROR_OK)
			abort();
		conf[keys].max_range_ms = 7LL * 86400000;
		if ((w[keys] = mirror_worker_new(&conf[keys])) == NULL)
			abort();
	}
	return w[keys];
}

/* Splits text (NUL-terminated by the caller) into params; returns where
 * the body starts. */
static size_t
read_params(char *text, size_t size, struct params *p)
{
	size_t i = 0, len;
	char *eq;

	p->n = 0;
	while (i < size) {
		len = strlen(text + i);
		if (len == 0)
			return i + 1;
		eq = strchr(text + i, '=');
		if (eq != NULL && p->n < MAX_PARAMS) {
			*eq = '\0';
			p->name[p->n] = text + i;
			p->value[p->n++] = eq + 1;
		}
		i += len + 1;
	}
	return size;
}

static void
check_request(struct params *p, const struct mirror_request *req,
	      const char *path_buf, enum mirror_err e)
{
	const char *len = get("CONTENT_LENGTH", p);
	long long want = -1;
	char *end;

	if (req->path == NULL || req->method == NULL)
		fuzz_fail("no path or method");
	if (req->path == path_buf && strlen(req->path) >= PATH_MAX_BYTES)
		fuzz_fail("the path overflows the door's buffer");
	if (e != MIRROR_OK || len == NULL || *len == '\0')
		return;
	want = strtoll(len, &end, 10);
	if (*end != '\0' || want < 0 || req->content_length != want)
		fuzz_fail("CONTENT_LENGTH \"%s\" read as %lld", len, req->content_length);
}

/* "Status: NNN Reason\r\n", header lines, "\r\n". */
static void
check_head(const struct mirror_response *resp, const struct mirror_buf *h)
{
	char want[64], *line, *next;
	int ctypes = 0;
	bool length = false;

	snprintf(want, sizeof want, "Status: %d %s\r\n", resp->status,
	    mirror_http_reason(resp->status));
	if (h->err != MIRROR_OK || strncmp(h->data, want, strlen(want)) != 0)
		fuzz_fail("bad status line");
	if (h->len < 4 || strcmp(h->data + h->len - 4, "\r\n\r\n") != 0)
		fuzz_fail("the header block does not end with an empty line");
	for (line = h->data + strlen(want); *line != '\r'; line = next + 2) {
		next = strstr(line, "\r\n");
		for (char *c = line; c < next; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				fuzz_fail("control character in a header line");
		if (strchr(line, ':') == NULL || strchr(line, ':') > next)
			fuzz_fail("a header line without a name");
		ctypes += strncmp(line, "Content-Type: ", 14) == 0;
		if (strncmp(line, "Content-Length: ", 16) == 0)
			length = strtoull(line + 16, NULL, 10) == resp->body_len;
	}
	if (ctypes != 1 || !length)
		fuzz_fail("%d Content-Types, Content-Length right: %d", ctypes, length);
}

static void
answer(struct mirror_worker *w, struct params *p, const char *body,
       size_t body_len)
{
	struct mirror_request req;
	struct mirror_response resp;
	struct mirror_error err, jerr;
	struct mirror_buf head;
	char path[PATH_MAX_BYTES];
	enum mirror_err e;

	e = mirror_gateway_request(get, p, &req, path, sizeof path, &err);
	check_request(p, &req, path, e);
	if (e != MIRROR_OK) {
		mirror_handle_refused(w, &req, &err, &resp);
	} else {
		/* As the doors do: at most the declared length is read. */
		req.body = body;
		req.body_len = req.content_length >= 0 &&
		    (unsigned long long)req.content_length < body_len ?
		    (size_t)req.content_length : body_len;
		mirror_handle(w, &req, &resp);
	}
	mirror_buf_init(&head, 4096);
	mirror_gateway_head(&resp, &head);
	check_head(&resp, &head);
	if (strcmp(resp.headers[0].value, "application/json") == 0 &&
	    mirror_json_check(resp.body, resp.body_len, 64, &jerr) != MIRROR_OK)
		fuzz_fail("the answer is not JSON: %s", jerr.details);
	mirror_buf_free(&head);
	mirror_response_free(&resp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct params p;
	char *text;
	size_t body;

	if (size == 0)
		return 0;
	/* The params as C strings: a copy with a NUL after the last byte. */
	if ((text = malloc(size)) == NULL)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	body = read_params(text, size - 1, &p);
	answer(worker(data[0] & 1), &p, text + body, size - 1 - body);
	free(text);
	return 0;
}
