#!/bin/sh
# Stands in for the unit suites when configure found no Check library.
echo "make check: the unit suites need the Check library (>= 0.10)." >&2
echo "Debian: apt-get install check libsubunit-dev, then run ./configure again." >&2
exit 99
