/*
 * The effect of keeping one libcurl handle per worker: the latency of a
 * worker's first Prometheus request (new handle, new TCP connection to
 * the store) against the same request on a warm worker (kept-alive
 * connection). Calls mirror_handle() directly, so nginx and FastCGI are
 * out of the picture.
 *
 *   prometheus_reuse PROMETHEUS_URL BODY_FILE [N]
 *
 * BODY_FILE is a MetricsRequest whose connectionDetails.url is
 * PROMETHEUS_URL. Prints one line per mode: p50, p99 and mean in us.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/http.h"
#include "mirror.h"

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	if (f == NULL || buf == NULL)
		exit(2);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* One request; exits when the answer is not a 200. */
static double
timed(struct mirror_worker *w, const char *body, size_t len)
{
	struct mirror_request req = {.method = "POST", .path = "/api/metric",
	    .content_length = (long long)len, .body = body, .body_len = len};
	struct mirror_response resp;
	double t0 = now_us(), dt;

	mirror_handle(w, &req, &resp);
	dt = now_us() - t0;
	if (resp.status != 200) {
		fprintf(stderr, "status %d: %.300s\n", resp.status, resp.body);
		exit(1);
	}
	mirror_response_free(&resp);
	return dt;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
report(const char *mode, double *v, int n)
{
	double sum = 0;
	int i;

	qsort(v, (size_t)n, sizeof *v, cmp);
	for (i = 0; i < n; i++)
		sum += v[i];
	printf("%s %d %.0f %.0f %.0f\n", mode, n, v[n / 2], v[(n * 99) / 100],
	    sum / n);
}

int
main(int argc, char **argv)
{
	struct mirror_conf conf;
	struct mirror_worker *w;
	char *allow[1];
	size_t len;
	char *body;
	int i, n = argc > 3 ? atoi(argv[3]) : 500;
	double *first, *steady;

	if (argc < 3 || n < 1 || mirror_http_global_init() != MIRROR_OK ||
	    mirror_conf_defaults(&conf) != MIRROR_OK)
		return 2;
	body = slurp(argv[2], &len);
	allow[0] = argv[1];
	conf.store_allow = allow;
	conf.nstore_allow = 1;
	conf.key_check = false;
	first = calloc((size_t)n, sizeof *first);
	steady = calloc((size_t)n, sizeof *steady);
	/* First request of a fresh worker, n times. */
	for (i = 0; i < n; i++) {
		w = mirror_worker_new(&conf);
		first[i] = timed(w, body, len);
		mirror_worker_free(w);
	}
	/* The same request on one warm worker. */
	w = mirror_worker_new(&conf);
	for (i = 0; i < 20; i++)
		timed(w, body, len);
	for (i = 0; i < n; i++)
		steady[i] = timed(w, body, len);
	mirror_worker_free(w);
	report("first", first, n);
	report("steady", steady, n);
	conf.store_allow = NULL;
	conf.nstore_allow = 0;
	mirror_conf_free(&conf);
	free(first);
	free(steady);
	free(body);
	mirror_http_global_cleanup();
	return 0;
}
