#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
mirror_buf_init(struct mirror_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->err = MIRROR_OK;
}

void
mirror_buf_free(struct mirror_buf *b)
{
	free(b->data);
	mirror_buf_init(b, b->max);
}

void
mirror_buf_reset(struct mirror_buf *b)
{
	b->len = 0;
	b->err = MIRROR_OK;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int
mirror_buf_reserve(struct mirror_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (b->err != MIRROR_OK)
		return 0;
	/* One byte more than asked keeps room for the terminating NUL. */
	if (n > b->max - b->len) {
		b->err = MIRROR_ERR_TOO_LARGE;
		return 0;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 1;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (p == NULL) {
		b->err = MIRROR_ERR_NOMEM;
		return 0;
	}
	b->data = p;
	b->data[b->len] = '\0';
	b->cap = cap;
	return 1;
}

void
mirror_buf_hint(struct mirror_buf *b, size_t n)
{
	size_t room = b->max - b->len;

	if (b->err == MIRROR_OK && room > 0)
		mirror_buf_reserve(b, n < room ? n : room - 1);
}

void
mirror_buf_add(struct mirror_buf *b, const void *p, size_t n)
{
	if (!mirror_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
mirror_buf_adds(struct mirror_buf *b, const char *s)
{
	mirror_buf_add(b, s, strlen(s));
}

void
mirror_buf_addc(struct mirror_buf *b, char c)
{
	mirror_buf_add(b, &c, 1);
}

char *
mirror_buf_steal(struct mirror_buf *b, size_t *len)
{
	char *p = b->data;

	if (len != NULL)
		*len = b->len;
	mirror_buf_init(b, b->max);
	return p;
}
