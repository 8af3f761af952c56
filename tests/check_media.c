/*
 * The request's Content-Type (media.c): JSON in any spelling RFC 9110
 * allows, with a UTF-8 charset or none; nothing else.
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "media.h"
#include "suites.h"

#define NROWS(a) ((int)(sizeof (a) / sizeof (a)[0]))

static const char *const good[] = {
	NULL,
	"application/json",
	"APPLICATION/JSON",
	"Application/Json",
	"application/json; charset=utf-8",
	"application/json;charset=UTF-8",
	"application/json ; charset=\"utf-8\"",
	"application/json;\tcharset=Utf-8",
	"application/json; odata=verbose",
	"application/json; charset=utf-8; v=1",
	"application/json;",
	"application/json; ;charset=utf-8",
	"  application/json",
	"application/json; p=\"a\\\"b\"",
};

/* Each with the reason after "is refused: ". */
static const struct bad_row {
	const char *ct;
	const char *why;
} bad[] = {
	{"", "the body must be sent as application/json"},
	{"text/plain", "the body must be sent as application/json"},
	{"text/json", "the body must be sent as application/json"},
	{"application/x-www-form-urlencoded", "the body must be sent as application/json"},
	{"multipart/form-data; boundary=x", "the body must be sent as application/json"},
	{"application/jsonx", "the body must be sent as application/json"},
	{"application/json-patch+json", "the body must be sent as application/json"},
	{"application/problem+json", "the body must be sent as application/json"},
	{"application", "the body must be sent as application/json"},
	{"application/", "the body must be sent as application/json"},
	{"/json", "the body must be sent as application/json"},
	{"application /json", "the body must be sent as application/json"},
	{"*/*", "the body must be sent as application/json"},
	{"application/*", "the body must be sent as application/json"},
	{"application/json; charset=latin1",
	 "JSON is UTF-8 (RFC 8259 §8.1): charset must be utf-8"},
	{"application/json; charset=\"utf-16\"",
	 "JSON is UTF-8 (RFC 8259 §8.1): charset must be utf-8"},
	{"application/json; CHARSET=utf8",
	 "JSON is UTF-8 (RFC 8259 §8.1): charset must be utf-8"},
	{"application/json; charset=", "its parameters are malformed"},
	{"application/json; charset", "its parameters are malformed"},
	{"application/json; =utf-8", "its parameters are malformed"},
	{"application/json x", "its parameters are malformed"},
	{"application/json, text/plain", "its parameters are malformed"},
	{"application/json; p=\"open", "its parameters are malformed"},
	{"application/json; p=\"a\rb\"", "its parameters are malformed"},
	{"application/json; p=a b", "its parameters are malformed"},
	{"application/json\x7f", "its parameters are malformed"},
};

START_TEST(test_media_good)
{
	struct mirror_error err;

	mirror_error_clear(&err);
	ck_assert_msg(mirror_media_check(good[_i], &err) == MIRROR_OK, "%s: %s",
	    good[_i] != NULL ? good[_i] : "(none)", err.details);
}
END_TEST

START_TEST(test_media_bad)
{
	const struct bad_row *r = &bad[_i];
	struct mirror_error err;
	const char *why;

	mirror_error_clear(&err);
	ck_assert_int_eq(mirror_media_check(r->ct, &err), MIRROR_ERR_MEDIA_TYPE);
	ck_assert_int_eq(err.code, MIRROR_ERR_MEDIA_TYPE);
	why = strstr(err.details, "is refused: ");
	ck_assert_msg(why != NULL && strcmp(why + 12, r->why) == 0, "%s: %s", r->ct,
	    err.details);
	ck_assert_msg(strncmp(err.details, "Content-Type \"", 14) == 0, "%s", err.details);
}
END_TEST

Suite *
media_suite(void)
{
	Suite *s = suite_create("media");
	TCase *tc = tcase_create("content-type");

	tcase_add_loop_test(tc, test_media_good, 0, NROWS(good));
	tcase_add_loop_test(tc, test_media_bad, 0, NROWS(bad));
	suite_add_tcase(s, tc);
	return s;
}
