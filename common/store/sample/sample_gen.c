/*
 * The sample store's generator. Every point is a pure function of the
 * series and its step index k (t = k * 10 s): a daily cycle, smooth noise
 * and jitter drawn from splitmix64 hashes of (series id, k), counters in
 * closed form. So any range, past or future, costs O(points), a sub-range
 * is exactly a slice of a bigger one, and nothing is kept between calls.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "num.h"
#include "sample.h"

#define STEP MIRROR_SAMPLE_STEP_MS
#define DAY_MS ((int64_t)86400000)
#define TWO_PI 6.283185307179586

#define GAP_WINDOW 1080   /* steps (3 h): one gap in each */
#define GAP_MIN 6         /* steps: 1 min */
#define GAP_SPREAD 25     /* gaps last GAP_MIN to GAP_MIN + 24 steps (5 min) */
#define NAN_WINDOW 2160   /* steps (6 h): one NaN stretch in each */
#define NAN_STEPS 90      /* steps (15 min) */
#define KNOT 30           /* steps (5 min) between smooth-noise knots */
#define SPIKE_RATE 0.004  /* share of spiky points that are outliers */
#define DAY_STEPS (DAY_MS / STEP)

/* Independent noise streams of one series. */
#define SALT_SMOOTH 0x736d6f6f74680001ULL
#define SALT_JITTER 0x6a69747465720002ULL
#define SALT_GAP 0x6761707300000003ULL
#define SALT_NAN 0x6e616e7300000004ULL
#define SALT_SPIKE 0x7370696b65000005ULL
#define SALT_SIZE 0x73697a6500000006ULL

/* A window of steps with one hole [lo, hi) in it, cached per call. */
struct hole {
	int64_t w;        /* window index; INT64_MIN: nothing cached */
	int64_t lo, hi;   /* step indices */
};

/* The two smooth-noise knots around a step, cached per call. */
struct knots {
	int64_t knot;     /* the lower knot's index; INT64_MIN: nothing cached */
	double a, b;      /* its value and the next one's */
};

/* One generation run: the series, its ids and caches. Lives on the stack. */
struct gen {
	const struct mirror_sample_host *host;
	const struct mirror_sample_metric *m;
	uint64_t id;
	const struct mirror_sample_metric *part[2];
	uint64_t part_id[2];
	int64_t epoch;    /* counter restart epoch cached in sin0 */
	double sin0;
	int64_t peak_steps;   /* host's peak in steps; -1: not on the step grid */
	struct hole gap, nan;
	struct knots knots[3];    /* the series', then its parts' */
};

/*
 * cos and sin of the daily phase at each step of a day, and the
 * smoothstep at each step between two knots. Filled once with the very
 * expressions phase() and smooth_noise() evaluate, so a look-up gives the
 * bits a call would (tests/check_sample.c pins them): the 1-day answers
 * spent a fifth of their time in cos() before (docs/PERFORMANCE.md).
 */
static double day_cos[DAY_STEPS], day_sin[DAY_STEPS], knot_f[KNOT];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* splitmix64's output function (Steele, Lea, Flood 2014). */
static uint64_t
mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The k-th output of a splitmix64 stream seeded with id. */
static uint64_t
hash(uint64_t id, int64_t k)
{
	return mix(id + ((uint64_t)k + 1) * 0x9e3779b97f4a7c15ULL);
}

/* Uniform in [0, 1). */
static double
unit(uint64_t h)
{
	return (double)(h >> 11) * 0x1.0p-53;
}

/* FNV-1a over "host/metric": ids survive catalogue reordering. */
static uint64_t
series_id(const char *host, const char *metric)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *p;

	for (p = host; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = (h ^ '/') * 0x100000001b3ULL;
	for (p = metric; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return mix(h);
}

static int64_t
ceil_div(int64_t a, int64_t b)
{
	return mirror_floor_div(a, b) + (mirror_floor_mod(a, b) != 0 ? 1 : 0);
}

/* Phase of t in the host's day, 0 at its busiest moment, in radians. */
static double
phase(int64_t t, const struct mirror_sample_host *h)
{
	int64_t x = mirror_floor_mod(mirror_floor_mod(t, DAY_MS) - h->peak_ms, DAY_MS);

	return TWO_PI * (double)x / (double)DAY_MS;
}

/* The smoothstep of smooth_noise() at j steps past a knot. */
static double
knot_step(int64_t j)
{
	double f = (double)j / KNOT;

	return f * f * (3 - 2 * f);
}

static void
tables_init(void)
{
	int64_t i;

	for (i = 0; i < DAY_STEPS; i++) {
		double ph = TWO_PI * (double)(i * STEP) / (double)DAY_MS;

		day_cos[i] = cos(ph);
		day_sin[i] = sin(ph);
	}
	for (i = 0; i < KNOT; i++)
		knot_f[i] = knot_step(i);
}

/* Step k's place in the host's day (phase() / STEP), 0 at the peak. */
static int64_t
day_step(const struct gen *g, int64_t k)
{
	int64_t r = (k - g->peak_steps) % DAY_STEPS;

	return r < 0 ? r + DAY_STEPS : r;
}

/* cos and sin of the phase at step k: looked up when the host's peak is
 * on the step grid (every host of sample_data.c is), else computed. */
static double
day_cos_at(const struct gen *g, int64_t k)
{
	if (g->peak_steps < 0)
		return cos(phase(k * STEP, g->host));
	return day_cos[day_step(g, k)];
}

static double
day_sin_at(const struct gen *g, int64_t k)
{
	if (g->peak_steps < 0)
		return sin(phase(k * STEP, g->host));
	return day_sin[day_step(g, k)];
}

/* Value noise in [-1, 1]: hashed knots every KNOT steps, smoothstepped. */
static double
smooth_noise(uint64_t id, int64_t k, struct knots *c)
{
	int64_t knot = k / KNOT - (k % KNOT < 0 ? 1 : 0);

	if (knot != c->knot) {
		c->knot = knot;
		c->a = unit(hash(id ^ SALT_SMOOTH, knot));
		c->b = unit(hash(id ^ SALT_SMOOTH, knot + 1));
	}
	return 2 * (c->a + (c->b - c->a) * knot_f[k - knot * KNOT]) - 1;
}

/*
 * round(x), inline: the library call was a twentieth of a one-day answer.
 * Below 2^52 truncation is exact and so is the fraction x - r; from 2^52
 * up every double is an integer. Adding 0 or 1 to an integer below 2^52
 * is exact; copysign keeps round()'s -0.0 for -0.5 < x <= -0.
 */
static double
round_half_away(double x)
{
	double r, f;

	if (!(fabs(x) < 4503599627370496.0))
		return x;
	r = (double)(int64_t)x;
	f = x - r;
	/* Without branches: which way a fraction goes is a coin toss, and a
	 * mispredicted branch per point cost more than the rest of it. */
	r += (double)(f >= 0.5) - (double)(f <= -0.5);
	return copysign(r, x);
}

static double
clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Scale of a metric's values: a share of memory, or as written. */
static double
scale(const struct mirror_sample_metric *m, const struct mirror_sample_host *h)
{
	return m->mem ? h->mem_bytes : 1.0;
}

/* A gauge at step k, where day is cos(phase): 1 at the daily peak. */
static double
gauge(const struct mirror_sample_metric *m, const struct mirror_sample_host *h,
      uint64_t id, int64_t k, double day, struct knots *c)
{
	double v = h->load * (m->base + m->amp * day);

	v += m->smooth * smooth_noise(id, k, c);
	v += m->jitter * (2 * unit(hash(id ^ SALT_JITTER, k)) - 1);
	if (m->spikes && unit(hash(id ^ SALT_SPIKE, k)) < SPIKE_RATE)
		v *= 3 + 2 * unit(hash(id ^ SALT_SIZE, k));
	v = clamp(v, m->lo, m->hi) * scale(m, h);
	return round_half_away(v * m->round) / m->round;
}

/* hi minus its parts (cpu.idle, mem.free): consistent with them at every k. */
static double
rest(struct gen *g, int64_t k, double day)
{
	double s = scale(g->m, g->host);
	double v = g->m->hi * s;
	int i;

	for (i = 0; i < 2 && g->part[i] != NULL; i++)
		v -= gauge(g->part[i], g->host, g->part_id[i], k, day, &g->knots[i + 1]);
	v = clamp(v, g->m->lo * s, g->m->hi * s);
	return round_half_away(v * g->m->round) / g->m->round;
}

/*
 * A counter: the integral since the host's last restart of a rate
 * R * (1 + amp * cos(phase)), in closed form, plus a jitter smaller than
 * the smallest 10 s increment, floored to a whole count. Strictly rising
 * between restarts, back near 0 after each.
 */
static double
counter(struct gen *g, int64_t t, int64_t k, double sin_ph)
{
	const struct mirror_sample_host *h = g->host;
	int64_t p = h->restart_every_ms;
	int64_t r = mirror_floor_mod(t, p), since = mirror_floor_mod(r - h->restart_at_ms, p);
	int64_t epoch = mirror_floor_div(t, p) - (r < h->restart_at_ms ? 1 : 0);
	double rate = g->m->rate * h->load, a = g->m->amp;
	double v, step_min = rate * (STEP / 1000.0) * (1 - a);

	if (epoch != g->epoch) {
		int64_t t0 = mirror_floor_mod(mirror_floor_mod(t, DAY_MS) - mirror_floor_mod(since, DAY_MS),
		    DAY_MS);

		g->epoch = epoch;
		g->sin0 = sin(phase(t0, h));
	}
	v = rate * ((double)since / 1000.0 +
	    a * (DAY_MS / 1000.0) / TWO_PI * (sin_ph - g->sin0));
	v += 0.5 * step_min * unit(hash(g->id ^ SALT_JITTER, k));
	return floor(v);
}

/* True when step k falls in the hole of its window (len steps, hashed). */
static bool
in_hole(struct hole *c, uint64_t id, int64_t k, int64_t window, int64_t min,
	int64_t spread)
{
	/* Inline floor division: window is a constant at each call. */
	int64_t w = k / window - (k % window < 0 ? 1 : 0);

	if (w != c->w) {
		uint64_t h = hash(id, w);
		int64_t len = min + (int64_t)(h % (uint64_t)spread);

		c->w = w;
		c->lo = w * window + (int64_t)((h >> 20) % (uint64_t)(window - len));
		c->hi = c->lo + len;
	}
	return k >= c->lo && k < c->hi;
}

static void
gen_init(struct gen *g, const struct mirror_sample_series *s)
{
	int i;

	memset(g, 0, sizeof *g);
	g->host = s->host;
	g->m = s->metric;
	g->id = series_id(s->host->name, s->metric->name);
	for (i = 0; i < 2 && g->m->parts[i] != NULL; i++) {
		g->part[i] = mirror_sample_metric_find(g->m->parts[i]);
		g->part_id[i] = series_id(s->host->name, g->m->parts[i]);
	}
	g->epoch = INT64_MIN;
	g->gap.w = INT64_MIN;
	g->nan.w = INT64_MIN;
	for (i = 0; i < 3; i++)
		g->knots[i].knot = INT64_MIN;
	g->peak_steps = -1;
	if (g->host->peak_ms >= 0 && g->host->peak_ms < DAY_MS &&
	    g->host->peak_ms % STEP == 0)
		g->peak_steps = g->host->peak_ms / STEP;
	pthread_once(&tables_once, tables_init);
}

/*
 * The point at step k: false in a gap; NaN in a NaN stretch (which wins
 * over gaps, so every stretch shows). The metric's value unless constant.
 */
static bool
point(struct gen *g, const struct mirror_sample_gen *r, int64_t k, double *v)
{
	int64_t t = k * STEP;

	if (g->m->nan && in_hole(&g->nan, g->id ^ SALT_NAN, k, NAN_WINDOW,
	    NAN_STEPS, 1)) {
		*v = r->constant ? r->value : NAN;
		return true;
	}
	if (in_hole(&g->gap, g->id ^ SALT_GAP, k, GAP_WINDOW, GAP_MIN, GAP_SPREAD))
		return false;
	if (r->constant) {
		*v = r->value;
		return true;
	}
	if (g->m->kind == MIRROR_SAMPLE_COUNTER)
		*v = counter(g, t, k, day_sin_at(g, k));
	else if (g->m->kind == MIRROR_SAMPLE_REST)
		*v = rest(g, k, day_cos_at(g, k));
	else
		*v = gauge(g->m, g->host, g->id, k, day_cos_at(g, k), &g->knots[0]);
	return true;
}

/* First and last step with start <= k * STEP < end; false when none. */
static bool
step_range(int64_t start, int64_t end, int64_t *k0, int64_t *k1)
{
	if (end <= start)
		return false;
	*k0 = ceil_div(start, STEP);
	*k1 = ceil_div(end, STEP) - 1;
	return *k0 <= *k1;
}

static void
reverse(struct mirror_point *p, size_t n)
{
	size_t i;

	for (i = 0; i < n / 2; i++) {
		struct mirror_point tmp = p[i];

		p[i] = p[n - 1 - i];
		p[n - 1 - i] = tmp;
	}
}

enum mirror_err
mirror_sample_generate(const struct mirror_sample_series *s,
		       const struct mirror_sample_gen *r, struct mirror_series *out)
{
	int64_t k0, k1, k, dir = r->backward ? -1 : 1;
	size_t first = out->len;
	uint64_t counted = 0;
	enum mirror_err e;
	struct gen g;
	double v;

	if (!step_range(r->start_ms, r->end_ms, &k0, &k1) || r->cap == 0)
		return MIRROR_OK;
	gen_init(&g, s);
	e = mirror_series_reserve(out, (uint64_t)(k1 - k0) < r->cap ?
	    (size_t)(k1 - k0) + 1 : (size_t)r->cap);
	if (e != MIRROR_OK)
		return e;
	for (k = r->backward ? k1 : k0; k >= k0 && k <= k1; k += dir) {
		if (!point(&g, r, k, &v))
			continue;
		e = mirror_series_push(out, k * STEP, v);
		if (e != MIRROR_OK)
			return e;
		if (out->truncated)
			break;
		if ((!isnan(v) || r->nan_counts) && ++counted >= r->cap)
			break;
	}
	if (r->backward)
		reverse(out->pts + first, out->len - first);
	return MIRROR_OK;
}
