#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_keys.h"

void
mirror_json_keys_init(struct mirror_json_keys *k)
{
	memset(k, 0, sizeof *k);
}

void
mirror_json_keys_free(struct mirror_json_keys *k)
{
	free(k->arena);
	free(k->v);
	mirror_json_keys_init(k);
}

struct mirror_json_mark
mirror_json_keys_mark(const struct mirror_json_keys *k)
{
	struct mirror_json_mark m = {k->n, k->alen};

	return m;
}

/* Room for n more arena bytes (plus a NUL) and one more entry. */
static bool
reserve(struct mirror_json_keys *k, size_t n)
{
	size_t cap;
	void *p;

	if (k->acap - k->alen < n + 1) {
		cap = k->acap ? k->acap : 256;
		while (cap - k->alen < n + 1)
			cap *= 2;
		p = realloc(k->arena, cap);
		if (p == NULL)
			return false;
		k->arena = p;
		k->acap = cap;
	}
	if (k->n == k->cap) {
		cap = k->cap ? 2 * k->cap : 16;
		p = realloc(k->v, cap * sizeof *k->v);
		if (p == NULL)
			return false;
		k->v = p;
		k->cap = cap;
	}
	return true;
}

static unsigned
hex4(const unsigned char *s)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned char c = s[i];

		v = v << 4 | (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

static size_t
put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static char
simple_escape(unsigned char c)
{
	switch (c) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return (char)c;   /* " \ / */
	}
}

/*
 * Decodes s[0..n) into out (at most n bytes: no escape is shorter than
 * what it stands for, and U+FFFD replaces a 6-byte escape). A high
 * surrogate pairs with a low one in the next \u escape; any other
 * surrogate becomes U+FFFD, as json-c 0.16 does. Returns the length, or
 * SIZE_MAX for \u0000.
 */
static size_t
decode(const unsigned char *s, size_t n, char *out)
{
	size_t i = 0, o = 0;
	unsigned cp, high = 0;

	while (i < n) {
		if (s[i] != '\\' || s[i + 1] != 'u') {
			if (high)
				o += put_utf8(out + o, 0xfffd);
			high = 0;
			if (s[i] == '\\') {
				out[o++] = simple_escape(s[i + 1]);
				i += 2;
			} else {
				out[o++] = (char)s[i++];
			}
			continue;
		}
		cp = hex4(s + i + 2);
		i += 6;
		if (cp == 0)
			return SIZE_MAX;
		if (high && cp >= 0xdc00 && cp <= 0xdfff) {
			o += put_utf8(out + o, 0x10000 + ((high - 0xd800) << 10) + (cp - 0xdc00));
			high = 0;
			continue;
		}
		if (high)
			o += put_utf8(out + o, 0xfffd);
		high = cp >= 0xd800 && cp <= 0xdbff ? cp : 0;
		if (!high)
			o += put_utf8(out + o, cp >= 0xdc00 && cp <= 0xdfff ? 0xfffd : cp);
	}
	if (high)
		o += put_utf8(out + o, 0xfffd);
	return o;
}

enum mirror_json_key_add
mirror_json_keys_add(struct mirror_json_keys *k, const unsigned char *s, size_t n,
		     size_t at)
{
	size_t len;

	if (!reserve(k, n))
		return MIRROR_JSON_KEY_NOMEM;
	len = decode(s, n, k->arena + k->alen);
	if (len == SIZE_MAX)
		return MIRROR_JSON_KEY_NUL;
	k->arena[k->alen + len] = '\0';
	k->v[k->n].off = k->alen;
	k->v[k->n].len = len;
	k->v[k->n].at = at;
	k->n++;
	k->alen += len + 1;
	return MIRROR_JSON_KEY_OK;
}

/* qsort's comparator needs the arena: one object is sorted at a time. */
static _Thread_local const char *sort_arena;

static int
by_text(const void *a, const void *b)
{
	const struct mirror_json_key *x = a, *y = b;
	int c;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	c = memcmp(sort_arena + x->off, sort_arena + y->off, x->len);
	if (c != 0)
		return c;
	return x->at < y->at ? -1 : x->at > y->at;
}

static bool
same(const struct mirror_json_keys *k, const struct mirror_json_key *x,
     const struct mirror_json_key *y)
{
	return x->len == y->len && memcmp(k->arena + x->off, k->arena + y->off, x->len) == 0;
}

bool
mirror_json_keys_close(struct mirror_json_keys *k, struct mirror_json_mark mark,
		       struct mirror_json_key *dup)
{
	struct mirror_json_key *v;
	size_t n = k->n - mark.n, i;
	bool found = false;

	if (n > 1) {
		v = k->v + mark.n;
		sort_arena = k->arena;
		qsort(v, n, sizeof *v, by_text);
		for (i = 1; i < n; i++) {
			if (same(k, &v[i - 1], &v[i]) && (!found || v[i].at < dup->at)) {
				*dup = v[i];
				found = true;
			}
		}
	}
	k->n = mark.n;
	/* The duplicate's text stays readable: the arena is only cut. */
	if (!found)
		k->alen = mark.alen;
	return found;
}

const char *
mirror_json_keys_text(const struct mirror_json_keys *k, const struct mirror_json_key *key)
{
	return k->arena + key->off;
}
