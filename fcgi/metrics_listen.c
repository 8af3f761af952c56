/*
 * The plain-HTTP listener of MIRROR_METRICS_LISTEN. One thread serves one
 * connection at a time, the HTTP/1.0 way: read one request head (bounded
 * in bytes and time), answer, close. Only GET and HEAD of /metrics and
 * /healthz are answered, by mirror_handle() as through nginx, so both
 * doors give the same bytes; the mirror's four methods are not served
 * here (no TLS, no key check in front).
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "gateway.h"
#include "metrics_listen.h"
#include "mirror.h"
#include "num.h"

/* A request head is one short line and a few headers (RFC 9112 §3). */
#define HEAD_MAX 8192
/* A client gets this long to send its head and read the answer. */
#define CLIENT_MS 2000
/* How often the thread looks whether it should stop. */
#define TICK_MS 200

struct metrics_listener {
	int fd;
	pthread_t tid;
	bool started;
	atomic_bool stop;
	struct mirror_worker *worker;
};

/* Splits "HOST:PORT" / "[HOST]:PORT" into host and port. */
static enum mirror_err
split_addr(const char *addr, char *host, size_t size, const char **port,
	   struct mirror_error *err)
{
	const char *colon = strrchr(addr, ':');
	const char *h = addr, *end = colon;
	int64_t n;

	if (colon == NULL || !mirror_num_parse(colon + 1, 1, 65535, &n))
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "MIRROR_METRICS_LISTEN must be HOST:PORT (port 1 to 65535)");
	if (*h == '[' && end > h && end[-1] == ']') {
		h++;
		end--;
	}
	if (end <= h || (size_t)(end - h) >= size)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "MIRROR_METRICS_LISTEN must be HOST:PORT with a numeric host");
	memcpy(host, h, (size_t)(end - h));
	host[end - h] = '\0';
	*port = colon + 1;
	return MIRROR_OK;
}

static enum mirror_err
bind_addr(const char *addr, int *fd, struct mirror_error *err)
{
	struct addrinfo hints, *ai = NULL;
	char host[64];
	const char *port = NULL;
	int one = 1, rc;
	enum mirror_err e = split_addr(addr, host, sizeof host, &port, err);

	if (e != MIRROR_OK)
		return e;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	/* Numeric only: no name lookup decides where counters are served. */
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0)
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "MIRROR_METRICS_LISTEN %s: %s", addr, gai_strerror(rc));
	*fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd >= 0)
		setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (*fd < 0 || bind(*fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(*fd, 16) != 0) {
		e = mirror_error_set(err, MIRROR_ERR_INTERNAL,
		    "cannot listen on %s: %s", addr, strerror(errno));
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	freeaddrinfo(ai);
	return e;
}

/* Reads until the empty line ending the head; false on timeout, close,
 * or a head over HEAD_MAX. */
static bool
read_head(int c, char *buf, size_t size)
{
	int64_t deadline = mirror_clock_us() + CLIENT_MS * 1000;
	size_t got = 0;

	while (got + 1 < size) {
		struct pollfd p = {.fd = c, .events = POLLIN};
		int64_t left_ms = (deadline - mirror_clock_us()) / 1000;
		ssize_t n;

		if (left_ms <= 0 || poll(&p, 1, (int)left_ms) <= 0)
			return false;
		n = recv(c, buf + got, size - 1 - got, 0);
		if (n <= 0)
			return false;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
			return true;
	}
	return false;
}

static void
send_all(int c, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = send(c, p, n, MSG_NOSIGNAL)) > 0) {
		p += w;
		n -= (size_t)w;
	}
}

static void
send_answer(int c, const struct mirror_response *resp, bool head_only)
{
	struct mirror_buf b;
	char line[128];
	size_t i;

	mirror_buf_init(&b, HEAD_MAX);
	snprintf(line, sizeof line, "HTTP/1.0 %d %s\r\n", resp->status,
	    mirror_http_reason(resp->status));
	mirror_buf_adds(&b, line);
	for (i = 0; i < resp->nheaders; i++) {
		/* The key header is for StackState, not for a scraper. */
		if (strcmp(resp->headers[i].name, "X-MIRROR-API-KEY") == 0 ||
		    resp->headers[i].value == NULL)
			continue;
		snprintf(line, sizeof line, "%s: ", resp->headers[i].name);
		mirror_buf_adds(&b, line);
		mirror_buf_adds(&b, resp->headers[i].value);
		mirror_buf_adds(&b, "\r\n");
	}
	snprintf(line, sizeof line, "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    resp->body_len);
	mirror_buf_adds(&b, line);
	if (b.err == MIRROR_OK)
		send_all(c, b.data, b.len);
	if (!head_only && b.err == MIRROR_OK && resp->body_len > 0)
		send_all(c, resp->body, resp->body_len);
	mirror_buf_free(&b);
}

/* A fixed JSON error, for what this listener does not serve. */
static void
send_error(int c, int status, const char *summary, const char *details)
{
	struct mirror_response resp;
	char body[256];

	memset(&resp, 0, sizeof resp);
	resp.status = status;
	resp.headers[0].name = "Content-Type";
	resp.headers[0].value = "application/json";
	resp.nheaders = 1;
	if (status == 405) {
		resp.headers[1].name = "Allow";
		resp.headers[1].value = "GET, HEAD";
		resp.nheaders = 2;
	}
	resp.body_len = (size_t)snprintf(body, sizeof body,
	    "{\"_type\":\"RemoteMirrorError\",\"summary\":\"%s\",\"details\":\"%s\"}",
	    summary, details);
	resp.body = body;
	send_answer(c, &resp, false);
}

static void
answer(struct metrics_listener *l, int c)
{
	char head[HEAD_MAX], method[8], *sp, *path, *end;
	struct mirror_request req = {.content_length = -1};
	struct mirror_response resp;

	if (!read_head(c, head, sizeof head) || (sp = strchr(head, ' ')) == NULL ||
	    (size_t)(sp - head) >= sizeof method) {
		send_error(c, 400, "invalid request", "this listener could not parse the request");
		return;
	}
	memcpy(method, head, (size_t)(sp - head));
	method[sp - head] = '\0';
	path = sp + 1;
	end = path + strcspn(path, " ?\r\n");
	*end = '\0';
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		send_error(c, 405, "method not allowed", "use GET");
		return;
	}
	if (strcmp(path, "/metrics") != 0 && strcmp(path, "/healthz") != 0) {
		send_error(c, 404, "unknown path", "this listener answers GET /metrics and GET /healthz");
		return;
	}
	req.method = method;
	req.path = path;
	mirror_handle(l->worker, &req, &resp);
	send_answer(c, &resp, strcmp(method, "HEAD") == 0);
	mirror_response_free(&resp);
}

static void *
listener_main(void *arg)
{
	struct metrics_listener *l = arg;
	struct timeval tv = {.tv_sec = CLIENT_MS / 1000};

	while (!atomic_load(&l->stop)) {
		struct pollfd p = {.fd = l->fd, .events = POLLIN};
		int c;

		if (poll(&p, 1, TICK_MS) <= 0)
			continue;
		c = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		answer(l, c);
		close(c);
	}
	return NULL;
}

enum mirror_err
metrics_listener_new(const char *addr, const struct mirror_conf *conf,
		     struct metrics_listener **out, struct mirror_error *err)
{
	struct metrics_listener *l = calloc(1, sizeof *l);
	enum mirror_err e;

	*out = NULL;
	if (l == NULL)
		return mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
	l->fd = -1;
	atomic_init(&l->stop, false);
	e = bind_addr(addr, &l->fd, err);
	if (e == MIRROR_OK && (l->worker = mirror_worker_new(conf)) == NULL)
		e = mirror_error_set(err, MIRROR_ERR_NOMEM, "out of memory");
	if (e == MIRROR_OK && pthread_create(&l->tid, NULL, listener_main, l) != 0)
		e = mirror_error_set(err, MIRROR_ERR_INTERNAL,
		    "cannot start the metrics listener's thread");
	if (e != MIRROR_OK) {
		metrics_listener_free(l);
		return e;
	}
	l->started = true;
	*out = l;
	return MIRROR_OK;
}

void
metrics_listener_free(struct metrics_listener *l)
{
	if (l == NULL)
		return;
	atomic_store(&l->stop, true);
	if (l->started)
		pthread_join(l->tid, NULL);
	if (l->fd >= 0)
		close(l->fd);
	mirror_worker_free(l->worker);
	free(l);
}
