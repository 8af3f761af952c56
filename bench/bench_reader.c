/*
 * Speed of reading a Prometheus matrix answer into the points array: the
 * streaming reader (common/store/prometheus/prom_parse.c, fed in 16 KiB
 * pieces as libcurl's write callback delivers them) against the json-c
 * tree it replaced (bench/old_prom_parse.c), side by side in one run.
 *
 * Two answers, generated in memory:
 *   day    86 400 samples of a 1 s gauge, values with up to 3 decimals
 *          ("63.125"), ~1.98 MB: a day of raw samples (issue 11)
 *   big    4 176 000 samples 10 ms apart, values k/65536 written in full
 *          ("5.8652496337890625"), ~150 MB: tests/memory's largest answer
 *
 *   make bench && ./bench/bench_reader            (both answers, both parsers)
 *   ./bench/bench_reader new day 500              (one parser, for perf record)
 *
 * Times are the thread's CPU time (CLOCK_THREAD_CPUTIME_ID): "on one core"
 * even when other work shares the machine; wall-clock medians beside them.
 * Each timed parse runs in a child forked for it, with the answer already
 * in memory: a fresh heap every time, as neither parser leaves the other
 * its freed memory to trip over (json-c frees millions of small blocks).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "json/json_out.h"
#include "median.h"
#include "old_prom_parse.h"
#include "store/prometheus/prom.h"

#define PIECE 16384          /* CURL_MAX_WRITE_SIZE */
#define MAX_POINTS 5000000   /* MIRROR_MAX_STORE_POINTS' default */
#define START_MS 1704067200000LL

struct answer {
	const char *name;
	char *body;
	size_t len, samples;
};

/* Seconds as Prometheus writes them: "1704067200", "1704067200.01". */
static void
add_seconds(struct mirror_buf *b, int64_t ms)
{
	char num[32];
	int n = snprintf(num, sizeof num, "%lld.%03lld", (long long)(ms / 1000),
	    (long long)(ms % 1000));

	while (n > 0 && num[n - 1] == '0')
		n--;
	if (n > 0 && num[n - 1] == '.')
		n--;
	mirror_buf_add(b, num, (size_t)n);
}

static void
add_sample(struct mirror_buf *b, int64_t ms, double v, bool first)
{
	char num[MIRROR_DOUBLE_TEXT_MAX];
	size_t n = mirror_json_double_text(v, num);

	mirror_buf_adds(b, first ? "[" : ",[");
	add_seconds(b, ms);
	mirror_buf_adds(b, ",\"");
	mirror_buf_add(b, num, n);
	mirror_buf_adds(b, "\"]");
}

static struct answer
make_answer(const char *name, size_t samples, int64_t step_ms, bool dense)
{
	struct answer a = {name, NULL, 0, samples};
	struct mirror_buf b;
	size_t i;

	mirror_buf_init(&b, (size_t)1 << 30);
	mirror_buf_adds(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
	    "\"result\":[{\"metric\":{\"__name__\":\"gauge\",\"instance\":\"a:9100\","
	    "\"job\":\"bench\"},\"values\":[");
	for (i = 0; i < samples; i++) {
		double v = dense ? (double)((i / 100 % 97) * 38400 + (i % 100) * 385 +
		    i % 61) / 65536 : round((50 + 20 * sin((double)i / 600)) * 1000) / 1000;

		add_sample(&b, START_MS + (int64_t)i * step_ms, v, i == 0);
	}
	mirror_buf_adds(&b, "]}]}}");
	if (b.err != MIRROR_OK) {
		fprintf(stderr, "out of memory building %s\n", name);
		exit(1);
	}
	a.body = mirror_buf_steal(&b, &a.len);
	return a;
}

static bool
read_new(const struct answer *a, struct mirror_series *s)
{
	struct mirror_prom_want w = {
		.shape = MIRROR_PROM_SHAPE_MATRIX, .lo = INT64_MIN, .hi = INT64_MAX, .out = s,
	};
	struct mirror_prom_reader *r;
	struct mirror_error err;
	bool enough = false;
	size_t i, n;
	enum mirror_err e;

	if (mirror_prom_reader_new(&w, &r) != MIRROR_OK)
		return false;
	for (i = 0; i < a->len && !enough; i += n) {
		n = a->len - i < PIECE ? a->len - i : PIECE;
		mirror_prom_reader_feed(r, a->body + i, n, &enough);
	}
	e = mirror_prom_reader_end(r, 200, "application/json", &err);
	mirror_prom_reader_free(r);
	if (e != MIRROR_OK)
		fprintf(stderr, "%s: %s\n", a->name, err.details);
	return e == MIRROR_OK;
}

static double
cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds for one parse into a fresh series (freed after); *wall
 * gets the wall-clock seconds. */
static double
one_run(const struct answer *a, bool old, struct mirror_series *keep, double *wall)
{
	struct mirror_series s;
	int64_t t0;
	bool ok;
	double secs;

	mirror_series_init(&s, MAX_POINTS);
	t0 = mirror_clock_us();
	secs = cpu_seconds();
	ok = old ? old_prom_matrix(a->body, a->len, &s) : read_new(a, &s);
	secs = cpu_seconds() - secs;
	if (wall != NULL)
		*wall = (double)(mirror_clock_us() - t0) / 1e6;
	if (!ok || s.len != a->samples) {
		fprintf(stderr, "%s (%s): %zu of %zu samples\n", a->name,
		    old ? "json-c" : "stream", s.len, a->samples);
		exit(1);
	}
	if (keep != NULL)
		*keep = s;
	else
		mirror_series_free(&s);
	return secs;
}

/* Both parsers must give the same points, to the bit. */
static void
check_same(const struct answer *a)
{
	struct mirror_series o, n;

	one_run(a, true, &o, NULL);
	one_run(a, false, &n, NULL);
	if (memcmp(o.pts, n.pts, o.len * sizeof *o.pts) != 0) {
		fprintf(stderr, "%s: the parsers disagree\n", a->name);
		exit(1);
	}
	mirror_series_free(&o);
	mirror_series_free(&n);
}

/* one_run in a forked child: times[0] CPU, times[1] wall seconds. */
static void
child_run(const struct answer *a, bool old, double times[2])
{
	int fd[2], status;
	pid_t pid;

	if (pipe(fd) != 0 || (pid = fork()) < 0) {
		perror("bench_reader");
		exit(1);
	}
	if (pid == 0) {
		close(fd[0]);
		times[0] = one_run(a, old, NULL, &times[1]);
		_exit(write(fd[1], times, 2 * sizeof *times) == 2 * sizeof *times ? 0 : 1);
	}
	close(fd[1]);
	if (read(fd[0], times, 2 * sizeof *times) != 2 * sizeof *times ||
	    waitpid(pid, &status, 0) != pid || status != 0) {
		fprintf(stderr, "bench_reader: a child failed\n");
		exit(1);
	}
	close(fd[0]);
}

static void
row(const struct answer *a, const char *parser, double cpu, double wall)
{
	printf("| %s | %.2f | %zu | %s | %.1f | %.2f | %.2f | %.2f |\n", a->name,
	    (double)a->len / 1e6, a->samples, parser, (double)a->len / cpu / 1e6,
	    (double)a->samples / cpu / 1e6, cpu * 1e3, wall * 1e3);
}

static void
compare(const struct answer *a, int runs)
{
	double oc[15], nc[15], ow[15], nw[15], mo, mn;
	int i;

	check_same(a);
	for (i = 0; i < runs; i++) {
		double t[2];

		child_run(a, true, t);
		oc[i] = t[0];
		ow[i] = t[1];
		child_run(a, false, t);
		nc[i] = t[0];
		nw[i] = t[1];
	}
	mo = bench_median(oc, (size_t)runs);
	mn = bench_median(nc, (size_t)runs);
	row(a, "json-c tree", mo, bench_median(ow, (size_t)runs));
	row(a, "streaming reader", mn, bench_median(nw, (size_t)runs));
	printf("| %s | | | new / old | %.1f× | | | |\n", a->name, mo / mn);
}

int
main(int argc, char **argv)
{
	struct answer day = make_answer("day", 86400, 1000, false);
	struct answer big;
	int i, n;

	if (argc == 4) {   /* one parser, one answer, n times: for profiling */
		struct answer *a = &day;

		if (strcmp(argv[2], "big") == 0) {
			big = make_answer("big", 4176000, 10, true);
			a = &big;
		}
		n = atoi(argv[3]);
		for (i = 0; i < n; i++)
			one_run(a, strcmp(argv[1], "old") == 0, NULL, NULL);
		if (a != &day)
			free(a->body);
		free(day.body);
		return 0;
	}
	big = make_answer("big", 4176000, 10, true);
	printf("| answer | MB | samples | parser | MB/s | M samples/s | CPU ms | wall ms |\n");
	printf("|---|---:|---:|---|---:|---:|---:|---:|\n");
	compare(&day, 15);
	compare(&big, 3);
	free(day.body);
	free(big.body);
	return 0;
}
