#!/bin/sh
# Replays the seed corpus through the fuzz harness (a `make check` test).
exec "${top_builddir:-.}/tests/fuzz/fuzz_request" "${srcdir:-.}"/tests/fuzz/corpus/*
