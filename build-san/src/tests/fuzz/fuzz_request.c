/*
 * Fuzz harness for the request path: the first byte picks one of the
 * four methods, the rest is the body. Everything mirror_handle does to a
 * hostile body (parse, validate, the sample store, aggregate, write JSON)
 * runs, so a sanitizer build catches memory errors anywhere on that path.
 *
 * With --enable-fuzz (clang) it links libFuzzer; otherwise main() below
 * replays the files named on the command line, which `make check` does
 * over tests/fuzz/corpus.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "mirror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
	"/api/connection", "/api/field/name", "/api/field/value", "/api/metric",
};

static const char *
no_env(const char *name)
{
	(void)name;
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mirror_conf conf;
	static struct mirror_worker *w;
	struct mirror_error err;
	struct mirror_response resp;
	struct mirror_request req = {.method = "POST", .content_length = -1};

	if (w == NULL) {
		if (mirror_conf_load(&conf, no_env, &err) != MIRROR_OK)
			abort();
		/* Keep single runs fast: a fuzzer wants many per second. */
		conf.max_range_ms = 7LL * 86400000;
		if ((w = mirror_worker_new(&conf)) == NULL)
			abort();
	}
	if (size == 0)
		return 0;
	req.path = paths[data[0] % 4];
	req.body = (const char *)data + 1;
	req.body_len = size - 1;
	mirror_handle(w, &req, &resp);
	/* The one promise checked here: a status and a body, always. */
	if (resp.status < 200 || resp.body == NULL)
		abort();
	mirror_response_free(&resp);
	return 0;
}

#ifndef MIRROR_LIBFUZZER
static int
replay(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, failed = 0;

	for (i = 1; i < argc; i++)
		failed |= replay(argv[i]);
	printf("fuzz_request: replayed %d inputs\n", argc - 1);
	return failed;
}
#endif
