#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The scale profile's benchmark (part of `make bench`, BENCH_SCALE=0 skips
# it; run alone: about 6 minutes): bench/scale.py measures the single-host
# stack, then the scale profile (`make up STACK=scale`), then prints both
# side by side; the single-host stack is brought back at the end.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$TOP"
mkdir -p "$RUN_DIR"

measure() {	# stack
	echo "   ($1: make up STACK=$1, then measuring)"
	STACK=$1 scripts/up.sh >"$RUN_DIR/up-for-bench-scale.log" 2>&1 ||
		{ echo "bench-scale: make up STACK=$1 failed, see $RUN_DIR/up-for-bench-scale.log" >&2; return 1; }
	STACK=$1 python3 bench/scale.py measure "$1" "$RUN_DIR/bench-scale-$1.json"
}

echo "== the scale profile beside the single host (scripts/bench-scale.sh)"
rc=0
measure single && measure scale || rc=1
STACK=single scripts/up.sh >"$RUN_DIR/up-for-bench-scale.log" 2>&1 ||
	{ echo "bench-scale: could not bring the single-host stack back" >&2; rc=1; }
[ $rc = 0 ] && python3 bench/scale.py report "$RUN_DIR/bench-scale-single.json" "$RUN_DIR/bench-scale-scale.json"
exit $rc
