#include "config.h"

#include <string.h>
#include <time.h>

#include "log.h"

/* Copies s into out (size bytes), replacing control bytes and spaces. */
static void
clean(char *out, size_t size, const char *s)
{
	size_t i;

	if (s == NULL)
		s = "-";
	for (i = 0; i + 1 < size && s[i] != '\0'; i++)
		out[i] = (unsigned char)s[i] <= 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
}

void
mirror_log_access(FILE *f, const struct mirror_request *req,
		  const struct mirror_response *resp, int64_t duration_us)
{
	char method[16], path[256], stamp[32];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	clean(method, sizeof method, req->method);
	clean(path, sizeof path, req->path);
	fprintf(f, "%s %s %s %d %zu %lldus backend=%s%s%s\n", stamp, method,
	    path, resp->status, resp->body_len, (long long)duration_us,
	    resp->store != NULL ? resp->store : "-",
	    resp->err != MIRROR_OK ? " error=" : "",
	    resp->err != MIRROR_OK ? mirror_err_type(resp->err) : "");
}
