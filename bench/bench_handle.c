/*
 * In-process cost of one request: mirror_handle() on the bodies in
 * bench/wrk/, with no HTTP, TLS or FastCGI around it. Separates the
 * mirror's own work (parse, sample store, aggregate, write JSON) from the
 * transport that bench/run.sh measures.
 *
 *   make bench && ./bench/bench_handle [iterations [case]]   (from the top directory)
 *
 * A case name runs that case alone (for perf record).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "conf.h"
#include "mirror.h"
#include "median.h"
#include "num.h"

#define REPEATS 7

struct bench_case {
	const char *name;    /* bench/wrk/<name>.json */
	const char *path;
};

static const struct bench_case cases[] = {
	{"connection", "/api/connection"},
	{"field_names", "/api/field/name"},
	{"raw_1h", "/api/metric"},
	{"mean_1d_1m", "/api/metric"},
	{"p95_1d_1m", "/api/metric"},
};

static const char *
no_env(const char *name)
{
	(void)name;
	return NULL;
}

/* CPU time this thread has used, in µs: steadier than the wall clock on
 * a machine other jobs share. */
static double
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Median microseconds per request over REPEATS runs of n requests, wall
 * clock; the median CPU time per request in *cpu. */
static double
measure(struct mirror_worker *w, const struct mirror_request *req, long n,
	size_t *bytes, double *cpu)
{
	struct mirror_response resp;
	double runs[REPEATS], cpus[REPEATS], t, c;
	long i;
	int r;

	for (r = 0; r < REPEATS; r++) {
		c = cpu_us();
		t = (double)mirror_clock_us() / 1e6;
		for (i = 0; i < n; i++) {
			mirror_handle(w, req, &resp);
			if (resp.status != 200) {
				fprintf(stderr, "status %d: %s\n", resp.status, resp.body);
				exit(1);
			}
			*bytes = resp.body_len;
			mirror_response_free(&resp);
		}
		runs[r] = ((double)mirror_clock_us() / 1e6 - t) / (double)n * 1e6;
		cpus[r] = (cpu_us() - c) / (double)n;
	}
	*cpu = bench_median(cpus, REPEATS);
	return bench_median(runs, REPEATS);
}

static size_t
load(const char *name, char *buf, size_t size)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "bench/wrk/%s.json", name);
	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	n = fread(buf, 1, size, f);
	fclose(f);
	return n;
}

int
main(int argc, char **argv)
{
	static char body[1 << 16];
	struct mirror_conf conf;
	struct mirror_error err;
	struct mirror_worker *w;
	int64_t n = 300;
	size_t i, bytes = 0;

	if (argc > 1 && !mirror_num_parse(argv[1], 1, 100000000, &n)) {
		fprintf(stderr, "usage: bench_handle [iterations [case]]\n");
		return 2;
	}
	/* As the responder starts (fcgi/main.c). */
	if (mirror_global_init() != MIRROR_OK ||
	    mirror_conf_load(&conf, no_env, &err) != MIRROR_OK ||
	    (w = mirror_worker_new(&conf)) == NULL)
		return 1;
	printf("| case | answer bytes | µs per request (median of %d) | CPU µs | requests/s, one core |\n"
	    "|---|---:|---:|---:|---:|\n", REPEATS);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mirror_request req = {.method = "POST", .path = cases[i].path,
					     .content_length = -1, .body = body};
		double us, cpu;

		if (argc > 2 && strcmp(argv[2], cases[i].name) != 0)
			continue;
		req.body_len = load(cases[i].name, body, sizeof body);
		us = measure(w, &req, (long)n, &bytes, &cpu);
		printf("| %s | %zu | %.1f | %.1f | %.0f |\n", cases[i].name, bytes,
		    us, cpu, 1e6 / us);
	}
	mirror_worker_free(w);
	mirror_conf_free(&conf);
	mirror_global_cleanup();
	return 0;
}
