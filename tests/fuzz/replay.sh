#!/bin/sh
# Replays the seed corpora through the fuzz harnesses (a `make check` test).
"${top_builddir:-.}/tests/fuzz/fuzz_request" "${srcdir:-.}"/tests/fuzz/corpus/* || exit 1
exec "${top_builddir:-.}/tests/fuzz/fuzz_prom_answer" "${srcdir:-.}"/tests/fuzz/prom-corpus/*
