/*
 * The response buffer (buf.c): growth, the ceiling that latches an error,
 * hints that never latch, reset and steal. Each row is a short script of
 * operations on a fresh buffer and the state it must end in.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "suites.h"

#define NROWS(a) ((int)(sizeof (a) / sizeof (a)[0]))

enum op_kind {
	OP_END,
	OP_ADD,       /* mirror_buf_adds(arg) */
	OP_ADDC,      /* mirror_buf_addc(arg[0]) */
	OP_ADDN,      /* mirror_buf_add(arg, n) */
	OP_HINT,      /* mirror_buf_hint(n) */
	OP_RESERVE,   /* mirror_buf_reserve(n) must return ok */
	OP_RESET,
};

struct op {
	enum op_kind kind;
	const char *arg;
	size_t n;
	int ok;       /* OP_RESERVE: expected result */
};

#define OPS_MAX 8

struct buf_row {
	size_t max;
	struct op ops[OPS_MAX];
	const char *data;     /* expected contents; NULL: nothing allocated */
	size_t len;
	enum mirror_err err;
};

#define ADD(s) {OP_ADD, s, 0, 0}
#define ADDC(c) {OP_ADDC, c, 0, 0}
#define ADDN(s, n) {OP_ADDN, s, n, 0}
#define HINT(n) {OP_HINT, NULL, n, 0}
#define RESERVE(n, ok) {OP_RESERVE, NULL, n, ok}
#define RESET {OP_RESET, NULL, 0, 0}

#define TOO MIRROR_ERR_TOO_LARGE

static const struct buf_row rows[] = {
	/* Plain appends. */
	{100, {ADD("abc"), ADD("def")}, "abcdef", 6, MIRROR_OK},
	{100, {ADDC("x"), ADDC("y"), ADD("")}, "xy", 2, MIRROR_OK},
	/* Bytes after a NUL are appended too with the counted form. */
	{100, {ADDN("a\0b", 3), ADD("c")}, "a\0bc", 4, MIRROR_OK},
	{100, {ADD("")}, "", 0, MIRROR_OK},
	/* Filling the buffer exactly to its ceiling is allowed. */
	{10, {ADD("12345"), ADD("67890")}, "1234567890", 10, MIRROR_OK},
	{1, {ADDC("z")}, "z", 1, MIRROR_OK},
	/* Nothing added: nothing allocated. */
	{100, {RESET}, NULL, 0, MIRROR_OK},
	{100, {HINT(0)}, "", 0, MIRROR_OK},
	/* Hints clamp to the ceiling and never latch. */
	{100, {HINT(1000), ADD("ok")}, "ok", 2, MIRROR_OK},
	{100, {HINT(SIZE_MAX), ADD("ok")}, "ok", 2, MIRROR_OK},
	{4, {ADD("abcd"), HINT(10)}, "abcd", 4, MIRROR_OK},
	{4, {ADD("ab"), HINT(SIZE_MAX), ADD("cd")}, "abcd", 4, MIRROR_OK},
	/* Reservations that fit. */
	{10, {RESERVE(10, 1), ADD("0123456789")}, "0123456789", 10, MIRROR_OK},
	{10, {ADD("abc"), RESERVE(7, 1)}, "abc", 3, MIRROR_OK},
	/* Reset clears an error and the contents. */
	{4, {ADD("abcde"), RESET, ADD("xy")}, "xy", 2, MIRROR_OK},
	{100, {ADD("abc"), RESET}, "", 0, MIRROR_OK},

	/* Over the ceiling: the error latches and the contents stay. */
	{10, {ADD("12345"), ADD("678901")}, "12345", 5, TOO},
	{10, {ADD("12345"), ADD("678901"), ADD("a")}, "12345", 5, TOO},
	{10, {ADD("12345"), ADD("678901"), ADDC("a"), ADDN("b", 1)}, "12345", 5, TOO},
	/* The error survives a hint and a reservation that would fit. */
	{10, {ADD("12345678901"), HINT(1), ADD("x")}, NULL, 0, TOO},
	{10, {ADD("1"), ADD("1234567890"), RESERVE(1, 0)}, "1", 1, TOO},
	{0, {ADDC("a")}, NULL, 0, TOO},
	{1, {ADD("ab")}, NULL, 0, TOO},
	{5, {RESERVE(6, 0)}, NULL, 0, TOO},
	{5, {RESERVE(SIZE_MAX, 0), ADD("a")}, NULL, 0, TOO},
	{5, {ADD("abc"), RESERVE(3, 0)}, "abc", 3, TOO},
	/* One byte over, from a single add and from many. */
	{3, {ADD("abcd")}, NULL, 0, TOO},
	{3, {ADDC("a"), ADDC("b"), ADDC("c"), ADDC("d")}, "abc", 3, TOO},
	/* A counted add whose length would wrap around size_t. */
	{10, {ADD("ab"), ADDN("x", SIZE_MAX)}, "ab", 2, TOO},
	{10, {ADD("ab"), RESERVE(SIZE_MAX - 1, 0)}, "ab", 2, TOO},
	/* Reset then the ceiling again. */
	{4, {ADD("abcd"), RESET, ADD("abcde")}, "", 0, TOO},
	{4, {ADD("a"), RESET, ADD("bc"), ADD("def")}, "bc", 2, TOO},
};

static void
run_op(struct mirror_buf *b, const struct op *o)
{
	switch (o->kind) {
	case OP_ADD: mirror_buf_adds(b, o->arg); break;
	case OP_ADDC: mirror_buf_addc(b, o->arg[0]); break;
	case OP_ADDN: mirror_buf_add(b, o->arg, o->n); break;
	case OP_HINT: mirror_buf_hint(b, o->n); break;
	case OP_RESERVE: ck_assert_int_eq(mirror_buf_reserve(b, o->n), o->ok); break;
	case OP_RESET: mirror_buf_reset(b); break;
	case OP_END: break;
	}
}

START_TEST(test_buf_rows)
{
	const struct buf_row *r = &rows[_i];
	struct mirror_buf b;
	size_t i;

	mirror_buf_init(&b, r->max);
	for (i = 0; i < OPS_MAX && r->ops[i].kind != OP_END; i++)
		run_op(&b, &r->ops[i]);
	ck_assert_int_eq(b.err, r->err);
	ck_assert_uint_eq(b.len, r->len);
	ck_assert_uint_le(b.len, b.max);
	if (r->data == NULL) {
		ck_assert_ptr_null(b.data);
	} else {
		ck_assert_ptr_nonnull(b.data);
		ck_assert_mem_eq(b.data, r->data, r->len);
		/* NUL-terminated, inside the allocation. */
		ck_assert_uint_gt(b.cap, b.len);
		ck_assert_int_eq(b.data[b.len], '\0');
	}
	mirror_buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.max, r->max);
}
END_TEST

/* Many small appends: growth keeps every byte and the terminator. */
START_TEST(test_buf_growth)
{
	struct mirror_buf b;
	size_t i;

	mirror_buf_init(&b, 1 << 20);
	for (i = 0; i < 100000; i++)
		mirror_buf_addc(&b, (char)('a' + i % 26));
	ck_assert_int_eq(b.err, MIRROR_OK);
	ck_assert_uint_eq(b.len, 100000);
	ck_assert_uint_gt(b.cap, b.len);
	for (i = 0; i < 100000; i++)
		ck_assert_int_eq(b.data[i], 'a' + i % 26);
	ck_assert_int_eq(b.data[b.len], '\0');
	mirror_buf_free(&b);
}
END_TEST

/* A hint reserves in one go: later appends within it do not move data. */
START_TEST(test_buf_hint_reserves)
{
	struct mirror_buf b;
	char *p;

	mirror_buf_init(&b, 1 << 20);
	mirror_buf_hint(&b, 5000);
	ck_assert_int_eq(b.err, MIRROR_OK);
	ck_assert_uint_ge(b.cap, 5001);
	p = b.data;
	while (b.len < 5000)
		mirror_buf_adds(&b, "0123456789");
	ck_assert_ptr_eq(b.data, p);
	mirror_buf_free(&b);
}
END_TEST

/* Reset keeps the storage for reuse. */
START_TEST(test_buf_reset_keeps_storage)
{
	struct mirror_buf b;
	size_t cap;
	char *p;

	mirror_buf_init(&b, 100);
	mirror_buf_adds(&b, "hello");
	p = b.data;
	cap = b.cap;
	mirror_buf_reset(&b);
	ck_assert_ptr_eq(b.data, p);
	ck_assert_uint_eq(b.cap, cap);
	ck_assert_str_eq(b.data, "");
	mirror_buf_adds(&b, "again");
	ck_assert_str_eq(b.data, "again");
	mirror_buf_free(&b);
}
END_TEST

/* Steal hands the bytes over and leaves an empty, reusable buffer. */
START_TEST(test_buf_steal)
{
	struct mirror_buf b;
	size_t len = 99;
	char *p;

	mirror_buf_init(&b, 64);
	/* Nothing written yet: nothing to hand over. */
	p = mirror_buf_steal(&b, &len);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(len, 0);
	mirror_buf_adds(&b, "{\"a\":1}");
	p = mirror_buf_steal(&b, &len);
	ck_assert_str_eq(p, "{\"a\":1}");
	ck_assert_uint_eq(len, 7);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
	ck_assert_uint_eq(b.max, 64);
	ck_assert_int_eq(b.err, MIRROR_OK);
	free(p);
	/* len may be NULL. */
	mirror_buf_adds(&b, "x");
	p = mirror_buf_steal(&b, NULL);
	ck_assert_str_eq(p, "x");
	free(p);
	mirror_buf_free(&b);
}
END_TEST

Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("rows");

	tcase_add_loop_test(tc, test_buf_rows, 0, NROWS(rows));
	tcase_add_test(tc, test_buf_growth);
	tcase_add_test(tc, test_buf_hint_reserves);
	tcase_add_test(tc, test_buf_reset_keeps_storage);
	tcase_add_test(tc, test_buf_steal);
	suite_add_tcase(s, tc);
	return s;
}
