/*
 * A store that is far away: a Prometheus-shaped HTTP/1.1 server on
 * loopback that answers every request after a fixed delay, using almost
 * no CPU itself, so that a benchmark measures the mirror waiting on a
 * store and not the store working (bench/threads.sh).
 *
 *   cc -O2 -o slow_store bench/slow_store.c
 *   ./slow_store PORT DELAY_US        (prints "ready" once listening)
 *
 * GET /api/v1/labels answers a label list, anything else a build info
 * object: enough for the mirror's connection test and field names.
 * Connections are kept alive; one request at a time per connection (no
 * pipelining), as libcurl sends them. Loopback only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 4096
#define IN_MAX 65536
#define QUEUE_MAX 8192

static const char info_body[] =
	"{\"status\":\"success\",\"data\":{\"version\":\"2.42.0\",\"revision\":\"slow\"}}";
static const char labels_body[] =
	"{\"status\":\"success\",\"data\":[\"__name__\",\"instance\",\"job\"]}";

struct conn {
	unsigned gen;             /* bumped when the fd is closed */
	size_t len;
	char in[IN_MAX];
};

struct due {
	int fd;
	unsigned gen;
	int labels;
	uint64_t at_ns;
};

static struct conn *conns[MAX_FDS];
static struct due queue[QUEUE_MAX];
static size_t q_head, q_len;
static unsigned gens[MAX_FDS];

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
arm(int tfd)
{
	struct itimerspec it = {{0, 0}, {0, 0}};

	if (q_len > 0) {
		uint64_t at = queue[q_head].at_ns;

		it.it_value.tv_sec = (time_t)(at / 1000000000u);
		it.it_value.tv_nsec = (long)(at % 1000000000u);
	}
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &it, NULL);
}

static void
drop(int ep, int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(conns[fd]);
	conns[fd] = NULL;
	gens[fd]++;
}

/* Length of one complete request at the start of c->in, or 0. */
static size_t
complete(const struct conn *c)
{
	const char *end = memmem(c->in, c->len, "\r\n\r\n", 4), *p, *nl;
	size_t head, body = 0;

	if (end == NULL)
		return 0;
	head = (size_t)(end - c->in) + 4;
	for (p = c->in; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (strncasecmp(p, "content-length:", 15) == 0)
			body = strtoul(p + 15, NULL, 10);
		if (nl == NULL)
			break;
	}
	return c->len >= head + body ? head + body : 0;
}

static void
readable(int ep, int fd, uint64_t delay_ns, int tfd)
{
	struct conn *c = conns[fd];
	ssize_t n = read(fd, c->in + c->len, IN_MAX - c->len);
	size_t used;

	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		drop(ep, fd);
		return;
	}
	c->len += (size_t)n;
	while ((used = complete(c)) > 0 && q_len < QUEUE_MAX) {
		struct due *d = &queue[(q_head + q_len++) % QUEUE_MAX];

		d->fd = fd;
		d->gen = gens[fd];
		d->labels = strncmp(c->in, "GET /api/v1/labels", 18) == 0 ||
		    strncmp(c->in, "POST /api/v1/labels", 19) == 0;
		d->at_ns = now_ns() + delay_ns;
		memmove(c->in, c->in + used, c->len - used);
		c->len -= used;
		if (q_len == 1)
			arm(tfd);
	}
	if (c->len == IN_MAX)
		drop(ep, fd);
}

static void
answer(const struct due *d)
{
	const char *body = d->labels ? labels_body : info_body;
	char out[512];
	int n = snprintf(out, sizeof out, "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);

	if (gens[d->fd] == d->gen && conns[d->fd] != NULL)
		(void)!write(d->fd, out, (size_t)n);
}

static void
fire(int tfd)
{
	uint64_t expirations, now = now_ns();

	(void)!read(tfd, &expirations, sizeof expirations);
	while (q_len > 0 && queue[q_head].at_ns <= now) {
		answer(&queue[q_head]);
		q_head = (q_head + 1) % QUEUE_MAX;
		q_len--;
	}
	arm(tfd);
}

static int
listen_on(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1024) != 0) {
		perror("slow_store: bind");
		exit(1);
	}
	return fd;
}

static void
accept_all(int ep, int lfd)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		if (fd >= MAX_FDS || (conns[fd] = calloc(1, sizeof *conns[fd])) == NULL) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		ev.data.fd = fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	}
}

int
main(int argc, char **argv)
{
	struct epoll_event ev = {.events = EPOLLIN}, evs[256];
	int lfd, ep, tfd, n, i;
	uint64_t delay_ns;

	if (argc != 3) {
		fprintf(stderr, "usage: slow_store PORT DELAY_US\n");
		return 2;
	}
	delay_ns = strtoull(argv[2], NULL, 10) * 1000u;
	lfd = listen_on(atoi(argv[1]));
	ep = epoll_create1(0);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd)
				accept_all(ep, lfd);
			else if (fd == tfd)
				fire(tfd);
			else if (conns[fd] != NULL)
				readable(ep, fd, delay_ns, tfd);
		}
	}
}
