/*
 * The push tokenizer (common/json/stream.c): every row is read whole,
 * split in two at every byte, and byte by byte, and must give the same
 * events (or the same error at the same offset) each time; its verdict
 * must agree with the strict check of common/json/json_check.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "json/json_check.h"
#include "json/stream.h"
#include "suites.h"

/* Events as text: { } [ ] k<key> s<string> n<number> t f z(null), each
 * followed by a space; bytes outside printable ASCII as \xHH. */
struct trace {
	struct mirror_buf b;
	int stop_after;        /* > 0: stop once this many events were seen */
	int fail_after;        /* > 0: fail with MIRROR_ERR_STORE there */
	int events;
	int depths[64];
};

static void
add_text(struct mirror_buf *b, const char *s, size_t n)
{
	char hex[8];
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f) {
			mirror_buf_addc(b, (char)c);
		} else {
			snprintf(hex, sizeof hex, "\\x%02x", c);
			mirror_buf_adds(b, hex);
		}
	}
}

static struct mirror_json_stream *stream_of_trace;

static enum mirror_err
on_event(void *ctx, const struct mirror_json_event *ev, struct mirror_error *err)
{
	static const char marks[] = "{}[]ksntfz";
	struct trace *t = ctx;

	if (t->events < 64)
		t->depths[t->events] = ev->depth;
	t->events++;
	mirror_buf_addc(&t->b, marks[ev->type]);
	if (ev->text != NULL) {
		ck_assert(ev->text[ev->len] == '\0');
		add_text(&t->b, ev->text, ev->len);
	}
	mirror_buf_addc(&t->b, ' ');
	if (t->stop_after > 0 && t->events == t->stop_after)
		mirror_json_stream_stop(stream_of_trace);
	if (t->fail_after > 0 && t->events == t->fail_after)
		return mirror_error_set(err, MIRROR_ERR_STORE, "the handler refused");
	return MIRROR_OK;
}

static const struct mirror_json_stream_conf base_conf = {
	.max_depth = 4, .max_token = 16, .invalid = MIRROR_ERR_STORE_CONNECT,
	.handler = on_event,
};

/* Feeds doc in pieces cut at cut1 and cut2 (or byte by byte). */
static enum mirror_err
run(const char *doc, size_t len, size_t cut1, size_t cut2, bool bytewise,
    struct trace *t, struct mirror_error *err, uint64_t *offset)
{
	struct mirror_json_stream_conf conf = base_conf;
	struct mirror_json_stream *s;
	enum mirror_err e = MIRROR_OK;
	size_t i;

	conf.ctx = t;
	ck_assert_int_eq(mirror_json_stream_new(&conf, &s), MIRROR_OK);
	stream_of_trace = s;
	mirror_error_clear(err);
	if (bytewise) {
		for (i = 0; i < len && e == MIRROR_OK; i++)
			e = mirror_json_stream_feed(s, doc + i, 1, err);
	} else {
		e = mirror_json_stream_feed(s, doc, cut1, err);
		if (e == MIRROR_OK)
			e = mirror_json_stream_feed(s, doc + cut1, cut2 - cut1, err);
		if (e == MIRROR_OK)
			e = mirror_json_stream_feed(s, doc + cut2, len - cut2, err);
	}
	if (e == MIRROR_OK)
		e = mirror_json_stream_end(s, err);
	*offset = mirror_json_stream_offset(s);
	mirror_json_stream_free(s);
	return e;
}

static const struct row {
	const char *doc;
	size_t len;           /* 0: strlen(doc) */
	const char *trace;    /* the events, or NULL: invalid */
	const char *why;      /* invalid: a substring of the details */
	bool check_differs;   /* json_check accepts it (a lone \u surrogate) */
} rows[] = {
	{"{\"a\":[1,-2.5e3,true,false,null,\"x\"]}", 0,
	 "{ ka [ n1 n-2.5e3 t f z sx ] } ", NULL, false},
	{" 0 ", 0, "n0 ", NULL, false},
	{"-0", 0, "n-0 ", NULL, false},
	{"1e+10", 0, "n1e+10 ", NULL, false},
	{"0.5E-3", 0, "n0.5E-3 ", NULL, false},
	{"[]", 0, "[ ] ", NULL, false},
	{"{}", 0, "{ } ", NULL, false},
	{"\t[\r\n{ } ,[ ]\n]\r\n", 0, "[ { } [ ] ] ", NULL, false},
	{"[[[[]]]]", 0, "[ [ [ [ ] ] ] ] ", NULL, false},
	{"{\"\":\"\"}", 0, "{ k s } ", NULL, false},
	{"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 0, "s\"\\/\\x08\\x0c\\x0a\\x0d\\x09 ", NULL, false},
	{"\"\\u00e9\\u20AC\"", 0, "s\\xc3\\xa9\\xe2\\x82\\xac ", NULL, false},
	{"\"\\ud83d\\ude00\"", 0, "s\\xf0\\x9f\\x98\\x80 ", NULL, false},
	{"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 0,
	 "s\\xc3\\xa9\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80 ", NULL, false},
	{"\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"", 0, "s\\xef\\xbf\\xbf\\xf4\\x8f\\xbf\\xbf ", NULL, false},
	{"\"a\\u0000b\"", 0, "sa\\x00b ", NULL, false},
	{"\"0123456789abcdef\"", 0, "s0123456789abcdef ", NULL, false},
	{"[true,false,null]", 0, "[ t f z ] ", NULL, false},
	/* Invalid: the grammar. */
	{"", 0, NULL, "it is empty", false},
	{"  \n", 0, NULL, "it is empty", false},
	{"[1,]", 0, NULL, "unexpected character at byte 3", false},
	{"[1 2]", 0, NULL, "',' or ']' expected at byte 3", false},
	{"{\"a\" 1}", 0, NULL, "':' expected at byte 5", false},
	{"{\"a\":1 \"b\":2}", 0, NULL, "',' or '}' expected at byte 7", false},
	{"{1:2}", 0, NULL, "object keys are strings", false},
	{"{\"a\":1,}", 0, NULL, "object keys are strings", false},
	{"[1}", 0, NULL, "',' or ']' expected at byte 2", false},
	{"{\"a\":1]", 0, NULL, "',' or '}' expected", false},
	{"]", 0, NULL, "unexpected character at byte 0", false},
	{",", 0, NULL, "unexpected character at byte 0", false},
	{"[1]x", 0, NULL, "data after the JSON value at byte 3", false},
	{"{}{}", 0, NULL, "data after the JSON value at byte 2", false},
	{"[1]]", 0, NULL, "data after the JSON value", false},
	{"1 2", 0, NULL, "data after the JSON value at byte 2", false},
	{"[1", 0, NULL, "it ends too early", false},
	{"{\"a\":", 0, NULL, "it ends too early", false},
	{"'a'", 0, NULL, "unexpected character", false},
	/* A container where no value may stand (found by fuzz_prom_answer). */
	{"{\"a\"[]}", 0, NULL, "':' expected at byte 4", false},
	{"{\"a\"{}}", 0, NULL, "':' expected at byte 4", false},
	{"[1[2]]", 0, NULL, "',' or ']' expected at byte 2", false},
	{"{[]:1}", 0, NULL, "object keys are strings", false},
	{"{}[]", 0, NULL, "data after the JSON value at byte 2", false},
	/* Numbers. */
	{"01", 0, NULL, "no leading zeros at byte 1", false},
	{"-01", 0, NULL, "no leading zeros at byte 2", false},
	{"1.", 0, NULL, "a number needs digits at byte 2", false},
	{"-", 0, NULL, "a number needs digits", false},
	{"[-]", 0, NULL, "a number needs digits at byte 2", false},
	{".5", 0, NULL, "unexpected character at byte 0", false},
	{"+1", 0, NULL, "unexpected character at byte 0", false},
	{"1e", 0, NULL, "a number needs digits", false},
	{"1e+", 0, NULL, "a number needs digits", false},
	{"[1.5.3]", 0, NULL, "unexpected character at byte 4", false},
	{"[1-2]", 0, NULL, "unexpected character at byte 2", false},
	{"NaN", 0, NULL, "unexpected character", false},
	{"-Infinity", 0, NULL, "a number needs digits", false},
	{"[Infinity]", 0, NULL, "unexpected character", false},
	{"nul", 0, NULL, "it ends too early", false},
	{"tru", 0, NULL, "it ends too early", false},
	{"trUe", 0, NULL, "unexpected character at byte 2", false},
	{"[truex]", 0, NULL, "',' or ']' expected at byte 5", false},
	/* Strings. */
	{"\"a", 0, NULL, "it ends too early", false},
	{"\"\x01\"", 0, NULL, "control character in a string at byte 1", false},
	{"\"\t\"", 0, NULL, "control character", false},
	{"\"a\0b\"", 5, NULL, "control character in a string at byte 2", false},
	{"\"\\x\"", 0, NULL, "bad escape in a string at byte 2", false},
	{"\"\\u12g4\"", 0, NULL, "bad \\u escape in a string at byte 5", false},
	{"\"\\u12\"", 0, NULL, "bad \\u escape", false},
	{"\"\\ud800\"", 0, NULL, "lone UTF-16 surrogate", true},
	{"\"\\udc00\"", 0, NULL, "lone UTF-16 surrogate", true},
	{"\"\\ud800\\u0041\"", 0, NULL, "lone UTF-16 surrogate", true},
	{"\"\\ud800x\"", 0, NULL, "lone UTF-16 surrogate", true},
	{"\"\\ud800\\n\"", 0, NULL, "lone UTF-16 surrogate", true},
	{"\"\xc0\xaf\"", 0, NULL, "invalid UTF-8 in a string at byte 1", false},
	{"\"\xe0\x80\xaf\"", 0, NULL, "invalid UTF-8 in a string at byte 2", false},
	{"\"\xed\xa0\x80\"", 0, NULL, "invalid UTF-8", false},
	{"\"\xf4\x90\x80\x80\"", 0, NULL, "invalid UTF-8", false},
	{"\"\xf5\x80\x80\x80\"", 0, NULL, "invalid UTF-8", false},
	{"\"\x80\"", 0, NULL, "invalid UTF-8", false},
	{"\"\xc3\"", 0, NULL, "invalid UTF-8", false},
	{"\"\xe2\x82\"", 0, NULL, "invalid UTF-8", false},
	/* Bounds: 4 containers, 16 bytes a token. */
	{"[[[[[]]]]]", 0, NULL, "too deep at byte 4", false},
	{"{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}", 0, NULL, "too deep", false},
	{"\"0123456789abcdefg\"", 0, NULL, "longer than the limit", false},
	{"12345678901234567", 0, NULL, "longer than the limit", false},
	{"\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"", 0,
	 NULL, "longer than the limit", false},
};

static size_t
row_len(const struct row *r)
{
	return r->len > 0 ? r->len : strlen(r->doc);
}

/* One way of feeding the row; checks it against the row. */
static void
check_run(const struct row *r, int i, size_t cut1, size_t cut2, bool bytewise,
	  char **first_details, uint64_t *first_offset)
{
	struct trace t = {.stop_after = 0};
	struct mirror_error err;
	uint64_t off;
	enum mirror_err e;

	mirror_buf_init(&t.b, 1 << 16);
	mirror_buf_adds(&t.b, "");
	e = run(r->doc, row_len(r), cut1, cut2, bytewise, &t, &err, &off);
	if (r->trace != NULL) {
		ck_assert_msg(e == MIRROR_OK, "row %d (%zu, %zu): %s", i, cut1, cut2,
		    err.details);
		ck_assert_str_eq(t.b.data, r->trace);
	} else {
		ck_assert_msg(e == MIRROR_ERR_STORE_CONNECT, "row %d (%zu, %zu): %d",
		    i, cut1, cut2, e);
		ck_assert_msg(strstr(err.details, r->why) != NULL, "row %d: %s", i,
		    err.details);
		if (*first_details == NULL) {
			*first_details = strdup(err.details);
			*first_offset = off;
		}
		ck_assert_str_eq(err.details, *first_details);
		ck_assert_uint_eq(off, *first_offset);
	}
	mirror_buf_free(&t.b);
}

START_TEST(test_rows)
{
	const struct row *r = &rows[_i];
	size_t len = row_len(r), a, b;
	char *details = NULL;
	uint64_t offset = 0;
	struct mirror_error err;

	/* Whole, cut in two at every byte, cut in three, byte by byte. */
	for (a = 0; a <= len; a++)
		check_run(r, _i, a, a, false, &details, &offset);
	for (a = 1, b = len / 2 + 1; b < len; a++, b++)
		check_run(r, _i, a, b, false, &details, &offset);
	check_run(r, _i, 0, 0, true, &details, &offset);
	free(details);
	/* The strict request check says the same (but for lone surrogates,
	 * which it lets through and the tokenizer does not). */
	if (strstr(r->why != NULL ? r->why : "", "longer than") == NULL &&
	    strstr(r->why != NULL ? r->why : "", "too deep") == NULL)
		ck_assert_int_eq(mirror_json_check(r->doc, len, 4, &err) == MIRROR_OK,
		    r->trace != NULL || r->check_differs);
}
END_TEST

START_TEST(test_depths)
{
	struct trace t = {.stop_after = 0};
	struct mirror_error err;
	uint64_t off;

	mirror_buf_init(&t.b, 4096);
	/* { "a" [ 1 ] "b" 2 } */
	ck_assert_int_eq(run("{\"a\":[1],\"b\":2}", 15, 5, 9, false, &t, &err, &off),
	    MIRROR_OK);
	ck_assert_str_eq(t.b.data, "{ ka [ n1 ] kb n2 } ");
	ck_assert_int_eq(t.events, 8);
	ck_assert_mem_eq(t.depths, ((const int[]){0, 1, 1, 2, 1, 1, 1, 0}),
	    8 * sizeof(int));
	ck_assert_uint_eq(off, 15);
	mirror_buf_free(&t.b);
}
END_TEST

START_TEST(test_stop)
{
	struct trace t = {.stop_after = 2};
	struct mirror_error err;
	uint64_t off;

	mirror_buf_init(&t.b, 4096);
	/* Garbage after the stop is never looked at. */
	ck_assert_int_eq(run("{\"a\":1, garbage", 15, 3, 8, false, &t, &err, &off),
	    MIRROR_OK);
	ck_assert_str_eq(t.b.data, "{ ka ");
	mirror_buf_free(&t.b);
}
END_TEST

START_TEST(test_handler_error)
{
	struct trace t = {.fail_after = 3};
	struct mirror_error err;
	uint64_t off;

	mirror_buf_init(&t.b, 4096);
	ck_assert_int_eq(run("[1,2,3,4]", 9, 4, 4, false, &t, &err, &off),
	    MIRROR_ERR_STORE);
	ck_assert_str_eq(err.details, "the handler refused");
	ck_assert_str_eq(t.b.data, "[ n1 n2 ");
	mirror_buf_free(&t.b);
}
END_TEST

START_TEST(test_reuse)
{
	struct mirror_json_stream_conf conf = base_conf;
	struct trace t = {.stop_after = 0};
	struct mirror_json_stream *s;
	struct mirror_error err;

	mirror_buf_init(&t.b, 4096);
	conf.ctx = &t;
	ck_assert_int_eq(mirror_json_stream_new(&conf, &s), MIRROR_OK);
	stream_of_trace = s;
	ck_assert_int_eq(mirror_json_stream_feed(s, "[1", 2, &err), MIRROR_OK);
	ck_assert_int_eq(mirror_json_stream_feed(s, "x", 1, &err), MIRROR_ERR_STORE_CONNECT);
	/* A failed stream stays failed, with the same words. */
	ck_assert_int_eq(mirror_json_stream_feed(s, "]", 1, &err), MIRROR_ERR_STORE_CONNECT);
	ck_assert_str_eq(err.details, "invalid JSON: ',' or ']' expected at byte 2");
	ck_assert_str_eq(mirror_json_stream_why(s), "',' or ']' expected");
	mirror_json_stream_reset(s);
	mirror_buf_reset(&t.b);
	ck_assert_int_eq(mirror_json_stream_feed(s, "[\"ab", 4, &err), MIRROR_OK);
	ck_assert_int_eq(mirror_json_stream_feed(s, "c\"]", 3, &err), MIRROR_OK);
	ck_assert_int_eq(mirror_json_stream_end(s, &err), MIRROR_OK);
	ck_assert_str_eq(t.b.data, "[ sabc ] ");
	ck_assert_ptr_null(mirror_json_stream_why(s));
	mirror_json_stream_free(s);
	mirror_json_stream_free(NULL);
	mirror_buf_free(&t.b);
}
END_TEST

START_TEST(test_conf)
{
	struct mirror_json_stream_conf conf = base_conf;
	struct mirror_json_stream *s = (void *)&conf;

	conf.max_depth = 0;
	ck_assert_int_eq(mirror_json_stream_new(&conf, &s), MIRROR_ERR_INTERNAL);
	ck_assert_ptr_null(s);
	conf.max_depth = MIRROR_JSON_STREAM_DEPTH_MAX + 1;
	ck_assert_int_eq(mirror_json_stream_new(&conf, &s), MIRROR_ERR_INTERNAL);
	conf = base_conf;
	conf.max_token = 0;
	ck_assert_int_eq(mirror_json_stream_new(&conf, &s), MIRROR_ERR_INTERNAL);
	conf = base_conf;
	conf.handler = NULL;
	ck_assert_int_eq(mirror_json_stream_new(&conf, &s), MIRROR_ERR_INTERNAL);
	/* invalid left at MIRROR_OK means 400. */
	conf = base_conf;
	conf.invalid = MIRROR_OK;
	ck_assert_int_eq(mirror_json_stream_new(&conf, &s), MIRROR_OK);
	ck_assert_int_eq(mirror_json_stream_end(s, &(struct mirror_error){0}),
	    MIRROR_ERR_BAD_REQUEST);
	mirror_json_stream_free(s);
}
END_TEST

/* A long document in uneven chunks: the token buffer grows and is
 * reused; offsets count every byte. */
START_TEST(test_long)
{
	struct mirror_json_stream_conf conf = base_conf;
	struct trace t = {.stop_after = 0};
	struct mirror_json_stream *s;
	struct mirror_error err;
	struct mirror_buf doc;
	size_t i, n;

	mirror_buf_init(&doc, 1 << 22);
	mirror_buf_addc(&doc, '[');
	for (i = 0; i < 20000; i++) {
		char item[64];

		snprintf(item, sizeof item, "%s[%zu.%03zu,\"%zu\"]", i ? "," : "",
		    1704067200 + i, i % 1000, i * 7);
		mirror_buf_adds(&doc, item);
	}
	mirror_buf_addc(&doc, ']');
	mirror_buf_init(&t.b, 1 << 22);
	conf.ctx = &t;
	conf.max_depth = 2;
	ck_assert_int_eq(mirror_json_stream_new(&conf, &s), MIRROR_OK);
	stream_of_trace = s;
	for (i = 0; i < doc.len; i += n) {
		n = 1 + (i * 7919) % 97;
		if (n > doc.len - i)
			n = doc.len - i;
		ck_assert_int_eq(mirror_json_stream_feed(s, doc.data + i, n, &err), MIRROR_OK);
	}
	ck_assert_int_eq(mirror_json_stream_end(s, &err), MIRROR_OK);
	ck_assert_uint_eq(mirror_json_stream_offset(s), doc.len);
	ck_assert_int_eq(t.events, 2 + 20000 * 4);
	ck_assert_ptr_nonnull(strstr(t.b.data, "[ n1704087199.999 s139993 ] ] "));
	mirror_json_stream_free(s);
	mirror_buf_free(&t.b);
	mirror_buf_free(&doc);
}
END_TEST

Suite *
json_stream_suite(void)
{
	Suite *s = suite_create("json_stream");
	TCase *tc = tcase_create("tokenizer");

	tcase_set_timeout(tc, 60);

	tcase_add_loop_test(tc, test_rows, 0, (int)(sizeof rows / sizeof rows[0]));
	tcase_add_test(tc, test_depths);
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_handler_error);
	tcase_add_test(tc, test_reuse);
	tcase_add_test(tc, test_conf);
	tcase_add_test(tc, test_long);
	suite_add_tcase(s, tc);
	return s;
}
