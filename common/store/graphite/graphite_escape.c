/*
 * What the client names literally, written so that graphite-web 1.1 reads
 * it literally: paths in /metrics/find patterns and render targets, tag
 * conditions in seriesByTag() and the tag database's expressions.
 *
 * A find pattern is split at '.', braces are expanded, and each part is
 * matched with fnmatch (graphite/finders/standard.py, __init__.py): a
 * one-character class "[*]" matches '*' alone. A target is read by a
 * pyparsing grammar first (graphite/render/grammar_unsafe.py), whose
 * symbols ( ) , ' " | = are escaped with '\' and whose quoted strings are
 * used verbatim, without unescaping (graphite/render/evaluator.py). A tag
 * expression is "tag=value" or "tag=~regex", the regex being Python's
 * (graphite/tags/localdatabase.py).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "json/json_out.h"
#include "graphite.h"

static bool
control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

enum mirror_err
mirror_graphite_check_path(const char *name, const char *what,
			   struct mirror_error *err)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p == '{' || *p == '}' || *p == '\\')
			return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "%s holds "
			    "'%c', which Graphite cannot match literally (it expands "
			    "braces and drops backslashes)", what, *p);
		if (*p == ' ' || control(*p))
			return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "%s holds "
			    "white space or a control character, which a Graphite "
			    "path cannot", what);
	}
	return MIRROR_OK;
}

/* One character of a path, literal for fnmatch. */
static void
glob_char(struct mirror_buf *b, char c)
{
	if (c == '*' || c == '?' || c == '[') {
		mirror_buf_addc(b, '[');
		mirror_buf_addc(b, c);
		mirror_buf_addc(b, ']');
	} else {
		mirror_buf_addc(b, c);
	}
}

void
mirror_graphite_glob(struct mirror_buf *b, const char *name)
{
	for (; *name != '\0'; name++)
		glob_char(b, *name);
}

void
mirror_graphite_target_path(struct mirror_buf *b, const char *name)
{
	for (; *name != '\0'; name++) {
		if (strchr("(),'\"|=", *name) != NULL)
			mirror_buf_addc(b, '\\');
		glob_char(b, *name);
	}
}

void
mirror_graphite_regex_escape(struct mirror_buf *b, const char *s)
{
	const unsigned char *p;

	/* Python's re reads "\" before any ASCII punctuation as that
	 * character; before a letter or digit it may mean something else. */
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x80 && *p > 0x20 && *p != 0x7f && *p != '_' &&
		    !((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z')))
			mirror_buf_addc(b, '\\');
		mirror_buf_addc(b, (char)*p);
	}
}

/* The condition's i-th value as the text a tag holds. */
static const char *
value_text(const struct mirror_condition *c, size_t i,
	   char tmp[MIRROR_DOUBLE_TEXT_MAX])
{
	switch (c->type) {
	case MIRROR_VALUE_DOUBLE:
		mirror_json_double_text(c->num, tmp);
		return tmp;
	case MIRROR_VALUE_BOOLEAN:
		return c->boolean ? "true" : "false";
	case MIRROR_VALUE_IN_SET:
		return c->set[i];
	default:
		return c->str;
	}
}

static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if (control((unsigned char)*s))
			return true;
	return false;
}

/* Tag names may not hold ; ! ^ = (graphite/tags/utils.py, TaggedSeries);
 * quotes and '\' could not be written inside seriesByTag's strings. */
static enum mirror_err
check_key(const char *key, struct mirror_error *err)
{
	if (*key == '\0' || strpbrk(key, ";!^=~'\"\\") != NULL || has_control(key))
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "condition key "
		    "\"%.64s\" is not a Graphite tag name (no ; ! ^ = ~ quotes, "
		    "backslashes or control characters)", key);
	return MIRROR_OK;
}

static enum mirror_err
check_value(const char *key, const char *v, struct mirror_error *err)
{
	if (strchr(v, ';') != NULL || has_control(v))
		return mirror_error_set(err, MIRROR_ERR_BAD_REQUEST, "the value of "
		    "condition \"%.64s\" holds ';' or a control character, which no "
		    "Graphite tag value can", key);
	return MIRROR_OK;
}

/* True when "key=v" says exactly v: no leading '~' (it would make the
 * expression a regex) and nothing seriesByTag's quotes cannot carry. */
static bool
plain(const char *v)
{
	return v[0] != '~' && strpbrk(v, "'\"\\") == NULL;
}

enum mirror_err
mirror_graphite_tag_expr(struct mirror_buf *b, const struct mirror_condition *c,
			 struct mirror_error *err)
{
	char tmp[MIRROR_DOUBLE_TEXT_MAX];
	size_t i, n = c->type == MIRROR_VALUE_IN_SET ? c->set_len : 1;
	enum mirror_err e = check_key(c->key, err);

	if (e == MIRROR_OK && n == 0)
		e = mirror_error_set(err, MIRROR_ERR_BAD_REQUEST,
		    "the InSetValue of condition \"%.64s\" is empty", c->key);
	for (i = 0; i < n && e == MIRROR_OK; i++)
		e = check_value(c->key, value_text(c, i, tmp), err);
	if (e != MIRROR_OK)
		return e;
	mirror_buf_adds(b, c->key);
	if (c->type != MIRROR_VALUE_IN_SET && plain(value_text(c, 0, tmp))) {
		mirror_buf_addc(b, '=');
		mirror_buf_adds(b, value_text(c, 0, tmp));
		return MIRROR_OK;
	}
	/* Anchored at both ends: graphite-web anchors only the start. */
	mirror_buf_adds(b, "=~^(?:");
	for (i = 0; i < n; i++) {
		if (i > 0)
			mirror_buf_addc(b, '|');
		mirror_graphite_regex_escape(b, value_text(c, i, tmp));
	}
	mirror_buf_adds(b, ")$");
	return MIRROR_OK;
}
