/*
 * mirror-fcgi: the persistent FastCGI responder.
 *
 * Runs under spawn-fcgi (the listening socket arrives on fd 0) or on its
 * own socket (--listen). N worker threads each own one FCGX_Request and
 * call FCGX_Accept_r with no accept mutex: Accept_r also waits for the
 * next request on a kept connection, so a shared mutex would stall every
 * thread behind one idle connection. SIGTERM/SIGINT
 * stop accepting, let in-flight requests finish, and exit 0: threads
 * blocked in accept() are woken by connections to our own socket
 * (wake.c); threads parked on a kept connection are left to _exit once
 * nothing has moved for a while.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "conf.h"
#include "metrics_info.h"
#include "metrics_listen.h"
#include "mirror.h"
#include "num.h"
#include "serve.h"
#include "wake.h"

/* How long in-flight requests get to finish after SIGTERM. */
#define DRAIN_SECONDS 30
/* With no request in flight, how long nothing must move before exiting. */
#define QUIET_MS 1000

struct worker {
	pthread_t tid;
	bool started;
	bool idle;             /* in FCGX_Accept_r; guarded by lock */
	bool done;
	FCGX_Request req;
	struct serve_ctx ctx;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool stopping;          /* guarded by lock */
static unsigned long moves;    /* changes of any worker's state; guarded by lock */
static int listen_fd;

/* Marks the worker idle or busy; returns false once shutdown has begun. */
static bool
set_idle(struct worker *w, bool idle)
{
	bool go;

	pthread_mutex_lock(&lock);
	moves += w->idle != idle;
	w->idle = idle;
	go = !stopping;
	pthread_mutex_unlock(&lock);
	return go;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	int rc;

	while (set_idle(w, true)) {
		rc = FCGX_Accept_r(&w->req);
		set_idle(w, false);
		if (rc < 0) {
			if (!set_idle(w, false))
				break;
			/* A failed accept (e.g. EMFILE) must not spin. */
			usleep(10000);
			continue;
		}
		serve_request(&w->ctx, &w->req);
		FCGX_Finish_r(&w->req);
	}
	FCGX_Finish_r(&w->req);
	pthread_mutex_lock(&lock);
	w->done = true;
	moves++;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: mirror-fcgi [--listen HOST:PORT|PATH] [--threads N]\n"
	    "Without --listen, serves the socket on fd 0 (spawn-fcgi).\n"
	    "Configuration comes from MIRROR_* environment variables; see README.md.\n");
}

static const char *
env(const char *name)
{
	return getenv(name);
}

/* Command-line options override the environment. */
static int
parse_args(int argc, char **argv, struct mirror_conf *conf)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"threads", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int64_t n;
	int c;

	while ((c = getopt_long(argc, argv, "l:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			free(conf->listen);
			if ((conf->listen = strdup(optarg)) == NULL)
				return -1;
			break;
		case 't':
			if (!mirror_num_parse(optarg, 1, 1024, &n)) {
				fprintf(stderr, "mirror-fcgi: --threads takes 1 to 1024\n");
				return -1;
			}
			conf->threads = (int)n;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static int
open_listener(const struct mirror_conf *conf)
{
	int fd;

	if (conf->listen == NULL) {
		if (FCGX_IsCGI()) {
			fprintf(stderr, "mirror-fcgi: fd 0 is not a socket; run it under "
			    "spawn-fcgi or pass --listen\n");
			return -1;
		}
		return 0;
	}
	fd = FCGX_OpenSocket(conf->listen, 128);
	if (fd < 0)
		fprintf(stderr, "mirror-fcgi: cannot listen on %s\n", conf->listen);
	return fd;
}

static int
start_workers(struct worker *ws, const struct mirror_conf *conf)
{
	int i;

	for (i = 0; i < conf->threads; i++) {
		struct worker *w = &ws[i];

		w->ctx.conf = conf;
		w->ctx.worker = mirror_worker_new(conf);
		w->ctx.body = malloc(conf->max_body + 1);
		if (w->ctx.worker == NULL || w->ctx.body == NULL ||
		    FCGX_InitRequest(&w->req, listen_fd, 0) != 0)
			return -1;
		if (pthread_create(&w->tid, NULL, worker_main, w) != 0)
			return -1;
		w->started = true;
	}
	return 0;
}

/* Under lock: counts idle and busy workers still in their loops. */
static void
census(const struct worker *ws, int n, int *idle, int *busy)
{
	int i;

	*idle = *busy = 0;
	for (i = 0; i < n; i++) {
		if (!ws[i].started || ws[i].done)
			continue;
		if (ws[i].idle)
			(*idle)++;
		else
			(*busy)++;
	}
}

/*
 * Lets busy workers finish and wakes the idle ones. Returns true when
 * every worker has left its loop; false when only idle workers remain
 * and nothing has moved for QUIET_MS (they are parked on kept
 * connections, with no request), or when DRAIN_SECONDS ran out.
 */
static bool
drain(struct worker *ws, int n)
{
	time_t deadline = time(NULL) + DRAIN_SECONDS;
	unsigned long seen = (unsigned long)-1;
	int idle, busy, quiet_ms = 0, i;

	while (time(NULL) < deadline) {
		pthread_mutex_lock(&lock);
		census(ws, n, &idle, &busy);
		quiet_ms = moves == seen && busy == 0 ? quiet_ms + 50 : 0;
		seen = moves;
		pthread_mutex_unlock(&lock);
		if (idle + busy == 0)
			return true;
		if (quiet_ms >= QUIET_MS)
			return false;
		for (i = 0; i < idle; i++)
			if (wake_listener(listen_fd) != 0)
				break;
		usleep(50000);
	}
	return false;
}

static void
free_workers(struct worker *ws, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (ws[i].started)
			pthread_join(ws[i].tid, NULL);
		mirror_worker_free(ws[i].ctx.worker);
		free(ws[i].ctx.body);
	}
	free(ws);
}

/* Blocks the stop signals in every thread; main waits for them with sigwait. */
static void
setup_signals(sigset_t *stop)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(stop);
	sigaddset(stop, SIGTERM);
	sigaddset(stop, SIGINT);
	sigaddset(stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, stop, NULL);
}

static int
serve(struct mirror_conf *conf)
{
	struct worker *ws = calloc((size_t)conf->threads, sizeof *ws);
	sigset_t stop;
	int sig = 0, ok;

	if (ws == NULL)
		return 1;
	setup_signals(&stop);
	ok = start_workers(ws, conf) == 0;
	if (ok) {
		fprintf(stderr, "mirror-fcgi: serving with %d threads, default backend %s\n",
		    conf->threads, conf->default_backend);
		sigwait(&stop, &sig);
		fprintf(stderr, "mirror-fcgi: signal %d, finishing in-flight requests\n", sig);
	}
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_mutex_unlock(&lock);
	FCGX_ShutdownPending();
	if (!drain(ws, conf->threads)) {
		/* Threads still in libfcgi hold no request: leave them. */
		fprintf(stderr, "mirror-fcgi: no request in flight; exiting\n");
		_exit(ok ? 0 : 1);
	}
	free_workers(ws, conf->threads);
	return ok ? 0 : 1;
}

/* Set-ups that work but that an operator should know about. */
static void
warn_setup(const struct mirror_conf *conf)
{
	if (geteuid() == 0)
		fprintf(stderr, "mirror-fcgi: warning: running as root; give it a user "
		    "of its own (spawn-fcgi -u, systemd User=)\n");
	if (!conf->key_check)
		fprintf(stderr, "mirror-fcgi: warning: the key check is off "
		    "(MIRROR_API_KEY unset or MIRROR_KEY_CHECK=off): only the web "
		    "server's check guards this responder\n");
}

/* The plain-HTTP /metrics of MIRROR_METRICS_LISTEN, when configured. */
static int
start_metrics(const struct mirror_conf *conf, struct metrics_listener **l)
{
	struct mirror_error err;

	*l = NULL;
	if (conf->metrics_listen == NULL)
		return 0;
	if (metrics_listener_new(conf->metrics_listen, conf, l, &err) != MIRROR_OK) {
		fprintf(stderr, "mirror-fcgi: %s\n", err.details);
		return -1;
	}
	fprintf(stderr, "mirror-fcgi: metrics on http://%s/metrics\n", conf->metrics_listen);
	return 0;
}

int
main(int argc, char **argv)
{
	struct metrics_listener *metrics;
	struct mirror_conf conf;
	struct mirror_error err;
	int rc;

	if (mirror_conf_load(&conf, env, &err) != MIRROR_OK) {
		fprintf(stderr, "mirror-fcgi: %s\n", err.details);
		return 2;
	}
	if (parse_args(argc, argv, &conf) != 0 || FCGX_Init() != 0 ||
	    (listen_fd = open_listener(&conf)) < 0) {
		mirror_conf_free(&conf);
		return 2;
	}
	/* The stores' process-wide state, before any worker thread exists. */
	if (mirror_global_init() != MIRROR_OK) {
		fprintf(stderr, "mirror-fcgi: cannot initialise the stores\n");
		mirror_conf_free(&conf);
		return 2;
	}
	mirror_metrics_mark_start();
	if (start_metrics(&conf, &metrics) != 0) {
		mirror_global_cleanup();
		mirror_conf_free(&conf);
		return 2;
	}
	warn_setup(&conf);
	rc = serve(&conf);
	metrics_listener_free(metrics);
	mirror_global_cleanup();
	mirror_conf_free(&conf);
	return rc;
}
