#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "num.h"

bool
mirror_num_parse(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	/* Digits only, with a '-' where negatives are allowed: strtoll alone
	 * would also take leading blanks, '+' and "-0" for an unsigned field. */
	if (s == NULL || !(isdigit((unsigned char)s[0]) ||
	    (s[0] == '-' && min < 0 && isdigit((unsigned char)s[1]))))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int64_t
mirror_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b < 0) ? q - 1 : q;
}

int64_t
mirror_floor_mod(int64_t a, int64_t b)
{
	int64_t r = a % b;

	return r < 0 ? r + b : r;
}
