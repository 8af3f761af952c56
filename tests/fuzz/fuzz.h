/*
 * What the fuzz harnesses of tests/fuzz/ share. Each harness defines
 * LLVMFuzzerTestOneInput; with --enable-fuzz libFuzzer drives it, in a
 * normal build replay_main.c runs it over the files it is given (the seed
 * corpus, for `make check`). A harness reports a broken property with
 * fuzz_fail(), which aborts: libFuzzer and the replayer both see a crash.
 */
#ifndef MIRROR_FUZZ_H
#define MIRROR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "fuzz: property broken: ..." and aborts. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* An environment without MIRROR_* variables: the built-in defaults. */
const char *fuzz_no_env(const char *name);

#endif
