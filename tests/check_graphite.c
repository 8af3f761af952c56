/*
 * The pure parts of the Graphite store: what Graphite can address, the
 * escaping of paths, patterns and tag expressions, conditions -> render
 * targets, the fetch window, and parsing canned graphite-web answers.
 * Nothing here talks to a store (tests/graphite/ does).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "store/graphite/graphite.h"
#include "store/group.h"
#include "check_query.h"
#include "suites.h"

/* --- paths ---------------------------------------------------------------- */

static const struct path_row {
	const char *s;
	bool ok;
} path_rows[] = {
	{"servers.web-1.cpu", true}, {"", true}, {"a*b?c[d]", true},
	{"a(b),c'd\"e|f=g", true}, {"disk.used;dc=ams", true}, {"h\xc3\xa9llo", true},
	{"a{b", false}, {"a}b", false}, {"a\\b", false}, {"a b", false},
	{"a\tb", false}, {"a\nb", false}, {"a\x7f", false}, {"{a,b}", false},
};

START_TEST(test_check_path)
{
	struct mirror_error err;
	enum mirror_err e;

	mirror_error_clear(&err);
	e = mirror_graphite_check_path(path_rows[_i].s, "fieldValuePrefix", &err);
	ck_assert_int_eq(e, path_rows[_i].ok ? MIRROR_OK : MIRROR_ERR_BAD_REQUEST);
	if (!path_rows[_i].ok)
		ck_assert_ptr_nonnull(strstr(err.details, "fieldValuePrefix holds"));
}
END_TEST

static const struct esc_row {
	const char *in, *glob, *target, *regex;
} esc_rows[] = {
	{"servers.web-1", "servers.web-1", "servers.web-1", "servers\\.web\\-1"},
	{"a*b", "a[*]b", "a[*]b", "a\\*b"},
	{"a?b", "a[?]b", "a[?]b", "a\\?b"},
	{"a[1]", "a[[]1]", "a[[]1]", "a\\[1\\]"},
	{"a(b)", "a(b)", "a\\(b\\)", "a\\(b\\)"},
	{"x,y", "x,y", "x\\,y", "x\\,y"},
	{"it's", "it's", "it\\'s", "it\\'s"},
	{"a\"b", "a\"b", "a\\\"b", "a\\\"b"},
	{"a|b", "a|b", "a\\|b", "a\\|b"},
	{"disk.used;dc=ams", "disk.used;dc=ams", "disk.used;dc\\=ams",
	 "disk\\.used\\;dc\\=ams"},
	{"x_y9Z", "x_y9Z", "x_y9Z", "x_y9Z"},
	{"h\xc3\xa9 l", "h\xc3\xa9 l", "h\xc3\xa9 l", "h\xc3\xa9 l"},
	{"^$~", "^$~", "^$~", "\\^\\$\\~"},
	{"", "", "", ""},
};

START_TEST(test_escape)
{
	const struct esc_row *r = &esc_rows[_i];
	struct mirror_buf b;

	mirror_buf_init(&b, 1 << 16);
	mirror_graphite_glob(&b, r->in);
	ck_assert_str_eq(b.data != NULL ? b.data : "", r->glob);
	mirror_buf_reset(&b);
	mirror_graphite_target_path(&b, r->in);
	ck_assert_str_eq(b.data != NULL ? b.data : "", r->target);
	mirror_buf_reset(&b);
	mirror_graphite_regex_escape(&b, r->in);
	ck_assert_str_eq(b.data != NULL ? b.data : "", r->regex);
	mirror_buf_free(&b);
}
END_TEST

/* --- tag expressions --------------------------------------------------------- */

static const struct expr_row {
	const char *cond;
	const char *expr;   /* NULL: refused */
} expr_rows[] = {
	{"dc=ams", "dc=ams"},
	{"name=disk.used", "name=disk.used"},
	{"n:d=1.5", "n=1.5"},
	{"ok:b=true", "ok=true"},
	{"q=a,b(c) d", "q=a,b(c) d"},
	{"q=a=b", "q=a=b"},
	{"q=", "q="},
	{"q=it's", "q=~^(?:it\\'s)$"},
	{"q=a\"b", "q=~^(?:a\\\"b)$"},
	{"q=~x", "q=~^(?:\\~x)$"},
	{"q=a\\b", "q=~^(?:a\\\\b)$"},
	{"path:set=a.b|axb", "path=~^(?:a\\.b|axb)$"},
	{"path:set=web-1", "path=~^(?:web\\-1)$"},
	{"a;b=x", NULL}, {"a!b=x", NULL}, {"a^b=x", NULL}, {"a~b=x", NULL},
	{"a'b=x", NULL}, {"a\"b=x", NULL}, {"a\\b=x", NULL}, {"a\tb=x", NULL},
	{"=x", NULL}, {"q=a;b", NULL}, {"q=a\nb", NULL}, {"q:set=", NULL},
	{"q:set=a|b;c", NULL},
};

START_TEST(test_tag_expr)
{
	const struct expr_row *r = &expr_rows[_i];
	const char *conds[] = {r->cond, NULL};
	struct mirror_query q;
	struct mirror_error err;
	struct mirror_buf b;
	enum mirror_err e;

	check_query_make(&q, conds);
	mirror_error_clear(&err);
	mirror_buf_init(&b, 1 << 16);
	e = mirror_graphite_tag_expr(&b, &q.conds[0], &err);
	if (r->expr != NULL) {
		ck_assert_msg(e == MIRROR_OK, "row %d: %s", _i, err.details);
		ck_assert_str_eq(b.data, r->expr);
	} else {
		ck_assert_int_eq(e, MIRROR_ERR_BAD_REQUEST);
		ck_assert(err.details[0] != '\0');
	}
	mirror_buf_free(&b);
	mirror_query_free(&q);
}
END_TEST

/* --- conditions -> targets ------------------------------------------------------ */

static const struct target_row {
	const char *conds[4];
	enum mirror_err e;
	enum mirror_graphite_kind kind;
	const char *form, *what;
} target_rows[] = {
	{{"name=servers.a.b", NULL}, MIRROR_OK, MIRROR_GRAPHITE_KIND_PATHS,
	 "target=servers.a.b", "servers.a.b"},
	{{"name=a*b", NULL}, MIRROR_OK, MIRROR_GRAPHITE_KIND_PATHS,
	 "target=a%5B%2A%5Db", "a*b"},
	{{"name=w.a(b)", NULL}, MIRROR_OK, MIRROR_GRAPHITE_KIND_PATHS,
	 "target=w.a%5C%28b%5C%29", "w.a(b)"},
	{{"name:set=a.b|c.d", NULL}, MIRROR_OK, MIRROR_GRAPHITE_KIND_PATHS,
	 "target=a.b&target=c.d", "a.b, c.d"},
	{{"name:d=42", NULL}, MIRROR_OK, MIRROR_GRAPHITE_KIND_PATHS,
	 "target=42", "42"},
	{{"dc=ams", "host=web-1", NULL}, MIRROR_OK, MIRROR_GRAPHITE_KIND_TAGS,
	 "target=seriesByTag%28%27dc%3Dams%27%2C%27host%3Dweb-1%27%29",
	 "seriesByTag('dc=ams','host=web-1')"},
	{{"name=disk.used", "q=it's", NULL}, MIRROR_OK, MIRROR_GRAPHITE_KIND_TAGS,
	 NULL, "seriesByTag('name=disk.used','q=~^(?:it\\'s)$')"},
	{{"name:set=a|b", "dc:set=x", NULL}, MIRROR_OK, MIRROR_GRAPHITE_KIND_TAGS,
	 NULL, "seriesByTag('name=~^(?:a|b)$','dc=~^(?:x)$')"},
	{{NULL}, MIRROR_ERR_BAD_REQUEST, MIRROR_GRAPHITE_KIND_NONE, NULL, NULL},
	{{"name=a", "name=b", NULL}, MIRROR_ERR_BAD_REQUEST, 0, NULL, NULL},
	{{"name=", NULL}, MIRROR_ERR_BAD_REQUEST, 0, NULL, NULL},
	{{"name=a{b}", NULL}, MIRROR_ERR_BAD_REQUEST, 0, NULL, NULL},
	{{"name=a b", NULL}, MIRROR_ERR_BAD_REQUEST, 0, NULL, NULL},
	{{"name:set=", NULL}, MIRROR_ERR_BAD_REQUEST, 0, NULL, NULL},
	{{"name:set=a|b\\c", NULL}, MIRROR_ERR_BAD_REQUEST, 0, NULL, NULL},
	{{"dc=a;b", NULL}, MIRROR_ERR_BAD_REQUEST, 0, NULL, NULL},
	{{"name=x", "a=b", "c!=d", NULL}, MIRROR_ERR_BAD_REQUEST, 0, NULL, NULL},
};

START_TEST(test_targets)
{
	const struct target_row *r = &target_rows[_i];
	struct mirror_query q;
	struct mirror_error err;
	struct mirror_buf form, what;
	enum mirror_graphite_kind kind;
	enum mirror_err e;

	check_query_make(&q, r->conds);
	mirror_error_clear(&err);
	mirror_buf_init(&form, 1 << 16);
	mirror_buf_init(&what, 1 << 16);
	e = mirror_graphite_targets(&q, &kind, &form, &what, &err);
	ck_assert_msg(e == r->e, "row %d: %d (%s)", _i, e, err.details);
	if (e == MIRROR_OK) {
		ck_assert_int_eq(kind, r->kind);
		ck_assert_str_eq(what.data, r->what);
		if (r->form != NULL)
			ck_assert_str_eq(form.data, r->form);
	} else {
		ck_assert(err.details[0] != '\0');
	}
	mirror_buf_free(&form);
	mirror_buf_free(&what);
	mirror_query_free(&q);
}
END_TEST

START_TEST(test_exprs)
{
	const char *conds[] = {"name=disk.used", "dc=ams", "host:set=a|b", NULL};
	struct mirror_query q;
	struct mirror_error err;
	struct mirror_buf b;
	size_t n;

	check_query_make(&q, conds);
	mirror_buf_init(&b, 1 << 16);
	ck_assert_int_eq(mirror_graphite_exprs(&q, "dc", &b, &n, &err), MIRROR_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(b.data, "expr=name%3Ddisk.used&expr=host%3D~%5E%28%3F%3Aa%7Cb%29%24");
	mirror_buf_free(&b);
	mirror_query_free(&q);
}
END_TEST

/* --- the fetch window -------------------------------------------------------------- */

static const struct window_row {
	int64_t start, end, from, until;
} window_rows[] = {
	{1000000, 2000000, 999, 1999},
	{1000001, 2000001, 1000, 2000},
	{999999, 1999999, 999, 1999},
	{0, 1000, -1, 0},
	{-1500, 500, -2, 0},
	{-2000, -1000, -3, -2},
	{1796119200000, 1796119260000, 1796119199, 1796119259},
};

START_TEST(test_window)
{
	const struct window_row *r = &window_rows[_i];
	int64_t from, until;

	mirror_graphite_window(r->start, r->end, &from, &until);
	ck_assert_int_eq(from, r->from);
	ck_assert_int_eq(until, r->until);
}
END_TEST

static const struct prefix_row {
	const char *s;
	size_t n;
} prefix_rows[] = {
	{"servers.*", 8}, {"servers.", 8}, {"", 0}, {"*", 0}, {"a**", 2}, {"a*b", 3},
};

START_TEST(test_prefix_len)
{
	ck_assert_uint_eq(mirror_store_prefix_len(prefix_rows[_i].s), prefix_rows[_i].n);
}
END_TEST

/* --- answers ---------------------------------------------------------------------- */

static struct mirror_http_resp
resp(const char *body)
{
	struct mirror_http_resp r = {200, body, strlen(body), "application/json"};

	return r;
}

static void
append(char *out, size_t size, const char *s)
{
	size_t n = strlen(out);

	snprintf(out + n, size - n, "%s%s", n > 0 ? "," : "", s);
}

static enum mirror_err
on_node(const char *id, bool leaf, void *ctx)
{
	char one[256];

	snprintf(one, sizeof one, "%s:%s", id, leaf ? "L" : "B");
	append(ctx, 1024, one);
	return MIRROR_OK;
}

static const struct nodes_row {
	const char *body;
	enum mirror_err e;
	const char *nodes;
} nodes_rows[] = {
	{"[{\"id\":\"a.b\",\"leaf\":1,\"text\":\"b\",\"expandable\":0},"
	 "{\"id\":\"a.c\",\"leaf\":0,\"text\":\"c\"}]", MIRROR_OK, "a.b:L,a.c:B"},
	{" [ ]\n", MIRROR_OK, ""},
	{"[{\"id\":\"a\",\"leaf\":true}]", MIRROR_OK, "a:L"},
	{"<html>not graphite</html>", MIRROR_ERR_STORE_CONNECT, NULL},
	{"{\"id\":\"a\",\"leaf\":1}", MIRROR_ERR_STORE_CONNECT, NULL},
	{"null", MIRROR_ERR_STORE_CONNECT, NULL},
	{"", MIRROR_ERR_STORE_CONNECT, NULL},
	{"[{\"id\":\"a\",\"leaf\":1}] x", MIRROR_ERR_STORE_CONNECT, NULL},
	{"[{\"leaf\":1}]", MIRROR_ERR_STORE, NULL},
	{"[{\"id\":\"a\",\"leaf\":\"1\"}]", MIRROR_ERR_STORE, NULL},
	{"[{\"id\":7,\"leaf\":1}]", MIRROR_ERR_STORE, NULL},
	{"[1]", MIRROR_ERR_STORE, NULL},
};

START_TEST(test_nodes)
{
	const struct nodes_row *r = &nodes_rows[_i];
	struct mirror_http_resp hr = resp(r->body);
	struct mirror_error err;
	char got[1024] = "";
	enum mirror_err e;

	mirror_error_clear(&err);
	e = mirror_graphite_read_nodes(&hr, on_node, got, &err);
	ck_assert_msg(e == r->e, "row %d: %d (%s)", _i, e, err.details);
	if (r->nodes != NULL)
		ck_assert_str_eq(got, r->nodes);
	if (e == MIRROR_ERR_STORE_CONNECT)
		ck_assert_ptr_nonnull(strstr(err.details, "is not graphite-web's"));
}
END_TEST

static enum mirror_err
on_string(const char *s, void *ctx)
{
	append(ctx, 1024, s);
	return MIRROR_OK;
}

static const struct strings_row {
	const char *body;
	enum mirror_err e;
	const char *list;
} strings_rows[] = {
	{"[\"dc\",\"host\"]", MIRROR_OK, "dc,host"},
	{"null", MIRROR_OK, ""},
	{" null\n", MIRROR_OK, ""},
	{"[]", MIRROR_OK, ""},
	{"[1]", MIRROR_ERR_STORE, NULL},
	{"[\"a\",null]", MIRROR_ERR_STORE, NULL},
	{"{\"tag\":\"dc\"}", MIRROR_ERR_STORE_CONNECT, NULL},
	{"nul", MIRROR_ERR_STORE_CONNECT, NULL},
	{"nullnull", MIRROR_ERR_STORE_CONNECT, NULL},
};

START_TEST(test_strings)
{
	const struct strings_row *r = &strings_rows[_i];
	struct mirror_http_resp hr = resp(r->body);
	struct mirror_error err;
	char got[1024] = "";
	enum mirror_err e;

	mirror_error_clear(&err);
	e = mirror_graphite_read_strings(&hr, on_string, got, &err);
	ck_assert_msg(e == r->e, "row %d: %d (%s)", _i, e, err.details);
	if (r->list != NULL)
		ck_assert_str_eq(got, r->list);
}
END_TEST

static const struct render_row {
	const char *body;
	int64_t lo, hi;
	enum mirror_err e;
	const char *points;     /* "v@t_ms,..." */
	size_t nseries;
	const char *names;
} render_rows[] = {
	{"[{\"target\":\"x\",\"tags\":{\"name\":\"x\"},\"datapoints\":"
	 "[[1.5,10],[null,20],[2,30],[1e9999,40],[-1e9999,50]]}]", 0, 100000,
	 MIRROR_OK, "1.5@10000,2@30000,inf@40000,-inf@50000", 1, "x"},
	{"[{\"target\":\"x\",\"datapoints\":[[1.5,10],[null,20],[2,30],[3,40]]}]",
	 20000, 40000, MIRROR_OK, "2@30000", 1, "x"},
	{"[{\"target\":\"a\",\"datapoints\":[[1,10]]},"
	 "{\"target\":\"b\",\"datapoints\":[[2,10]]}]", 0, 100000, MIRROR_OK,
	 "1@10000", 2, "a,b"},
	{"[]", 0, 100000, MIRROR_OK, "", 0, ""},
	{"[{\"target\":\"x\",\"datapoints\":[]}]", 0, 100000, MIRROR_OK, "", 1, "x"},
	{"[{\"target\":\"x\",\"datapoints\":[[1,10.0]]}]", 0, 100000, MIRROR_OK,
	 "1@10000", 1, "x"},
	{"[{\"datapoints\":[]}]", 0, 1, MIRROR_ERR_STORE, NULL, 0, NULL},
	{"[{\"target\":\"x\"}]", 0, 1, MIRROR_ERR_STORE, NULL, 0, NULL},
	{"[{\"target\":\"x\",\"datapoints\":[[1,\"10\"]]}]", 0, 1, MIRROR_ERR_STORE,
	 NULL, 0, NULL},
	{"[{\"target\":\"x\",\"datapoints\":[[1,20],[2,10]]}]", 0, 100000,
	 MIRROR_ERR_STORE, NULL, 0, NULL},
	{"[{\"target\":\"x\",\"datapoints\":[[1,20],[2,20]]}]", 0, 100000,
	 MIRROR_ERR_STORE, NULL, 0, NULL},
	{"[{\"target\":\"x\",\"datapoints\":[[\"1\",10]]}]", 0, 1, MIRROR_ERR_STORE,
	 NULL, 0, NULL},
	{"[{\"target\":\"x\",\"datapoints\":[[1]]}]", 0, 1, MIRROR_ERR_STORE, NULL,
	 0, NULL},
	{"[{\"target\":\"x\",\"datapoints\":[[1,10.5]]}]", 0, 1, MIRROR_ERR_STORE,
	 NULL, 0, NULL},
	{"[{\"target\":\"x\",\"datapoints\":[[1,9223372036854775807]]}]", 0, 1,
	 MIRROR_ERR_STORE, NULL, 0, NULL},
	{"[\"x\"]", 0, 1, MIRROR_ERR_STORE, NULL, 0, NULL},
	{"<html>Server Error</html>", 0, 1, MIRROR_ERR_STORE_CONNECT, NULL, 0, NULL},
	/* json-c reads NaN even in strict mode; the core then applies
	 * decision 5 (graphite-web writes NaN as null anyway). */
	{"[{\"target\":\"x\",\"datapoints\":[[NaN,10]]}]", 0, 100000,
	 MIRROR_OK, "nan@10000", 1, "x"},
};

static void
points_text(const struct mirror_series *s, char *out, size_t size)
{
	char one[64];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < s->len; i++) {
		snprintf(one, sizeof one, "%g@%lld", s->pts[i].v, (long long)s->pts[i].t);
		append(out, size, one);
	}
}

START_TEST(test_render)
{
	const struct render_row *r = &render_rows[_i];
	struct mirror_http_resp hr = resp(r->body);
	struct mirror_graphite_render rd = {0};
	struct mirror_series s;
	struct mirror_error err;
	char got[1024], names[1024] = "";
	size_t i;
	enum mirror_err e;

	mirror_error_clear(&err);
	mirror_series_init(&s, 1000);
	e = mirror_graphite_read_render(&hr, r->lo, r->hi, &rd, &s, &err);
	ck_assert_msg(e == r->e, "row %d: %d (%s)", _i, e, err.details);
	if (r->points != NULL) {
		points_text(&s, got, sizeof got);
		ck_assert_str_eq(got, r->points);
		ck_assert_uint_eq(rd.nseries, r->nseries);
		for (i = 0; i < rd.nseries && i < MIRROR_GRAPHITE_NAMED_MAX; i++)
			append(names, sizeof names, rd.names[i]);
		ck_assert_str_eq(names, r->names);
	}
	mirror_graphite_render_free(&rd);
	mirror_series_free(&s);
}
END_TEST

/* The series' ceiling stops reading: the answer is partial, not an error. */
START_TEST(test_render_ceiling)
{
	struct mirror_http_resp hr = resp("[{\"target\":\"x\",\"datapoints\":"
	    "[[1,10],[2,20],[3,30]]}]");
	struct mirror_graphite_render rd = {0};
	struct mirror_series s;
	struct mirror_error err;

	mirror_series_init(&s, 2);
	ck_assert_int_eq(mirror_graphite_read_render(&hr, 0, 100000, &rd, &s, &err),
	    MIRROR_OK);
	ck_assert_uint_eq(s.len, 2);
	ck_assert(s.truncated);
	mirror_graphite_render_free(&rd);
	mirror_series_free(&s);
}
END_TEST

/* Many series: the first MIRROR_GRAPHITE_NAMED_MAX are named, all counted. */
START_TEST(test_render_many)
{
	char body[4096] = "[";
	struct mirror_graphite_render rd = {0};
	struct mirror_http_resp hr;
	struct mirror_series s;
	struct mirror_error err;
	int i;

	for (i = 0; i < 20; i++)
		snprintf(body + strlen(body), sizeof body - strlen(body),
		    "%s{\"target\":\"s%d\",\"datapoints\":[[%d,10]]}", i ? "," : "", i, i);
	strcat(body, "]");
	hr = resp(body);
	mirror_series_init(&s, 100);
	ck_assert_int_eq(mirror_graphite_read_render(&hr, 0, 100000, &rd, &s, &err),
	    MIRROR_OK);
	ck_assert_uint_eq(rd.nseries, 20);
	ck_assert_str_eq(rd.names[MIRROR_GRAPHITE_NAMED_MAX - 1], "s7");
	ck_assert_uint_eq(s.len, 1);
	mirror_graphite_render_free(&rd);
	mirror_series_free(&s);
}
END_TEST

#define LOOP(tc, fn, rows) \
	tcase_add_loop_test(tc, fn, 0, (int)(sizeof rows / sizeof rows[0]))

Suite *
graphite_suite(void)
{
	Suite *s = suite_create("graphite");
	TCase *tc = tcase_create("escape");

	LOOP(tc, test_check_path, path_rows);
	LOOP(tc, test_escape, esc_rows);
	LOOP(tc, test_tag_expr, expr_rows);
	LOOP(tc, test_targets, target_rows);
	tcase_add_test(tc, test_exprs);
	LOOP(tc, test_window, window_rows);
	LOOP(tc, test_prefix_len, prefix_rows);
	suite_add_tcase(s, tc);
	tc = tcase_create("answers");
	LOOP(tc, test_nodes, nodes_rows);
	LOOP(tc, test_strings, strings_rows);
	LOOP(tc, test_render, render_rows);
	tcase_add_test(tc, test_render_ceiling);
	tcase_add_test(tc, test_render_many);
	suite_add_tcase(s, tc);
	return s;
}
