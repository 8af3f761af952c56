/*
 * The harnesses' own main() when libFuzzer is not linked: runs each file
 * named on the command line through LLVMFuzzerTestOneInput once, as
 * libFuzzer does with file arguments. `make check` replays the seed
 * corpora this way (tests/fuzz/replay.sh).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: property broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

const char *
fuzz_no_env(const char *name)
{
	(void)name;
	return NULL;
}

#ifndef MIRROR_LIBFUZZER
/* Largest input replayed; the harnesses bound theirs below this. */
#define REPLAY_MAX (2L << 20)

/* Each input in a buffer of exactly its size, as libFuzzer hands it over,
 * so a sanitizer sees a read one byte past the end. */
static int
replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n = -1;
	uint8_t *buf = NULL;
	int rc = 1;

	if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    n <= REPLAY_MAX && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc(n > 0 ? (size_t)n : 1)) != NULL &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		LLVMFuzzerTestOneInput(buf, (size_t)n);
		rc = 0;
	} else {
		perror(path);
	}
	free(buf);
	if (f != NULL)
		fclose(f);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, failed = 0;

	for (i = 1; i < argc; i++)
		failed |= replay(argv[i]);
	printf("%s: replayed %d inputs\n", argv[0], argc - 1);
	return failed;
}
#endif
