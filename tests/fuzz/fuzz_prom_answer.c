/*
 * Fuzz harness for the store answer reader (common/store/prometheus/
 * prom_parse.c on common/json/stream.c). The first byte picks the shape
 * asked for, the second seeds how the rest (the answer) is cut into
 * pieces, as libcurl's write callback would cut it. Checked on every
 * input, beside the sanitizers' own checks:
 *   - the outcome and its words do not depend on the cuts: the answer
 *     read whole gives the same as read in pieces;
 *   - the points kept are ascending and within the ceiling;
 *   - the tokenizer calls JSON what the strict check (json_check.c)
 *     calls JSON, but for the lone \u surrogates only it refuses.
 *
 * With --enable-fuzz (clang) it links libFuzzer:
 *   tests/fuzz/fuzz_prom_answer -dict=tests/fuzz/dict/prom_answer.dict \
 *       tests/fuzz/corpus/prom_answer
 * otherwise main() below replays the files named on the command line
 * with eight ways of cutting each, which `make check` does over
 * tests/fuzz/corpus/prom_answer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json_check.h"
#include "json/stream.h"
#include "store/prometheus/prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_POINTS 64
#define DEPTH 32

static enum mirror_err
count_string(const char *s, void *ctx)
{
	size_t *n = ctx;

	(void)s;
	/* A full list, now and then: the reader must stop cleanly. */
	return ++*n > 40 ? MIRROR_ERR_NOMEM : MIRROR_OK;
}

struct outcome {
	enum mirror_err e;
	char details[MIRROR_DETAILS_MAX];
	struct mirror_series s;
};

/* Reads body as an answer of shape, in pieces from seed (0: whole). */
static void
read_answer(enum mirror_prom_shape shape, const char *body, size_t len,
	    unsigned seed, struct outcome *o)
{
	struct mirror_prom_seen seen = {NULL, 0, false};
	size_t strings = 0, i, n;
	struct mirror_prom_want w = {
		.shape = shape, .what = "/p", .each = count_string, .ctx = &strings,
		.lo = INT64_MIN, .hi = INT64_MAX, .out = &o->s, .seen = &seen,
	};
	struct mirror_prom_reader *r;
	struct mirror_error err;
	bool enough = false;
	uint32_t x = seed * 2654435761u + 1;

	mirror_series_init(&o->s, MAX_POINTS);
	mirror_error_clear(&err);
	if (mirror_prom_reader_new(&w, &r) != MIRROR_OK)
		abort();
	for (i = 0; i < len && !enough; i += n) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		n = seed == 0 ? len : 1 + x % (seed < 4 ? 4 : 97);
		if (n > len - i)
			n = len - i;
		mirror_prom_reader_feed(r, body + i, n, &enough);
	}
	o->e = mirror_prom_reader_end(r, 200, "application/json", &err);
	snprintf(o->details, sizeof o->details, "%s", err.details);
	mirror_prom_reader_free(r);
	mirror_prom_seen_free(&seen);
}

static void
check_points(const struct mirror_series *s)
{
	size_t i;

	if (s->len > MAX_POINTS)
		abort();
	for (i = 1; i < s->len; i++)
		if (s->pts[i].t <= s->pts[i - 1].t)
			abort();
}

static enum mirror_err
ignore(void *ctx, const struct mirror_json_event *ev, struct mirror_error *err)
{
	(void)ctx, (void)ev, (void)err;
	return MIRROR_OK;
}

/* The tokenizer's verdict against json_check's, on the same bytes. */
static void
check_tokenizer(const char *body, size_t len)
{
	struct mirror_json_stream_conf conf = {
		.max_depth = DEPTH, .max_token = (size_t)1 << 30, .handler = ignore,
	};
	struct mirror_json_stream *js;
	struct mirror_error err;
	enum mirror_err e;
	const char *why;
	bool ours, theirs;

	if (mirror_json_stream_new(&conf, &js) != MIRROR_OK)
		abort();
	e = mirror_json_stream_feed(js, body, len, &err);
	if (e == MIRROR_OK)
		e = mirror_json_stream_end(js, &err);
	why = mirror_json_stream_why(js);
	ours = e == MIRROR_OK;
	theirs = mirror_json_check(body, len, DEPTH, &err) == MIRROR_OK;
	/* The request check also refuses a repeated key and a key holding
	 * \u0000, which are syntax the tokenizer accepts (the reader judges
	 * keys itself). */
	if (!theirs && (strstr(err.details, "repeats") != NULL ||
	    strstr(err.details, "key holding") != NULL))
		theirs = ours;
	if (ours != theirs && !(theirs && why != NULL && strstr(why, "surrogate") != NULL))
		abort();
	mirror_json_stream_free(js);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, cut;
	enum mirror_prom_shape shape;
	const char *body;
	size_t len;

	if (size < 2)
		return 0;
	shape = (enum mirror_prom_shape)(data[0] % MIRROR_PROM_SHAPE_MAX);
	body = (const char *)data + 2;
	len = size - 2;
	read_answer(shape, body, len, 0, &whole);
	read_answer(shape, body, len, 1u + data[1], &cut);
	if (whole.e != cut.e || strcmp(whole.details, cut.details) != 0 ||
	    whole.s.len != cut.s.len ||
	    (whole.s.len > 0 && memcmp(whole.s.pts, cut.s.pts,
	    whole.s.len * sizeof *whole.s.pts) != 0))
		abort();
	check_points(&whole.s);
	mirror_series_free(&whole.s);
	mirror_series_free(&cut.s);
	check_tokenizer(body, len);
	return 0;
}

#ifndef MIRROR_LIBFUZZER
static int
replay(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;
	int cut;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	/* Each seed file is tried with eight ways of cutting it. */
	for (cut = 0; cut < 8 && n >= 2; cut++) {
		buf[1] = (uint8_t)(buf[1] + 37);
		LLVMFuzzerTestOneInput(buf, n);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int i, failed = 0;

	for (i = 1; i < argc; i++)
		failed |= replay(argv[i]);
	printf("fuzz_prom_answer: replayed %d inputs\n", argc - 1);
	return failed;
}
#endif
