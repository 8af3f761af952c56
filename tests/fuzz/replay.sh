#!/bin/sh
# Replays each harness's seed corpus through it (a `make check` test):
# tests/fuzz/corpus/NAME/* through tests/fuzz/fuzz_NAME. A corpus without
# its harness fails: every surface keeps its replay.
top=${top_builddir:-.}
src=${srcdir:-.}
failed=0
for dir in "$src"/tests/fuzz/corpus/*/; do
	name=$(basename "$dir")
	bin=$top/tests/fuzz/fuzz_$name
	if [ ! -x "$bin" ]; then
		echo "replay: $bin is not built" >&2
		failed=1
		continue
	fi
	"$bin" "$dir"* || failed=1
done
exit $failed
