#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run.sh: runs the unit tests, the short fuzz passes and the valgrind leak
# check, and prints one TAP stream on stdout (lines renumbered across
# programs, plan at the end); everything else goes to stderr.
# Exits non-zero if anything failed.
#
# usage: run.sh OUT SRC FUZZ_SECONDS SANITIZE "TESTS" "FUZZERS"
set -u

out=$1
src=$2
fuzz_seconds=$3
sanitize=$4
tests=$5
fuzzers=$6

n=0
failed=0
export TRACING_TESTDATA="$src/tests/data"
export TRACING_TESTDIR="$src/tests"
logdir="$out/test-logs"
mkdir -p "$logdir"

tap() {		# tap ok|not-ok "description"
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

for t in $tests; do
	"$out/tests/$t" >"$logdir/$t.tap" 2>"$logdir/$t.err"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*)
			tap ok "$t: ${line#ok * - }" ;;
		"not ok "*)
			tap not-ok "$t: ${line#not ok * - }" ;;
		*)
			echo "$line" >&2 ;;
		esac
	done <"$logdir/$t.tap"
	if [ $rc -ne 0 ]; then
		grep -q '^not ok' "$logdir/$t.tap" ||
		    tap not-ok "$t: exited with status $rc"
		sed 's/^/# /' "$logdir/$t.err" | tail -20 >&2
	fi
done

for f in $fuzzers; do
	bin="$out/fuzz/$f"
	corpus="$out/fuzz/corpus/$f"
	mkdir -p "$corpus"
	if [ ! -x "$bin" ]; then
		tap not-ok "fuzz: $f was not built"
		continue
	fi
	"$bin" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
	    "$corpus" "$src/fuzz/corpus/$f" >"$logdir/$f.log" 2>&1
	if [ $? -eq 0 ]; then
		runs=$(sed -n 's/.*stat::number_of_executed_units: *//p; s/^#\([0-9]*\).*DONE.*/\1/p' \
		    "$logdir/$f.log" | tail -1)
		tap ok "fuzz: $f for ${fuzz_seconds}s, no crash${runs:+ ($runs runs)}"
	else
		tail -30 "$logdir/$f.log" >&2
		tap not-ok "fuzz: $f found a crash (see $logdir/$f.log)"
	fi
done

# The public archive: only the API in tracing.h is global, and all of it is
# there (export-check and bench-export, users of the public header alone,
# link it: a private symbol they used would fail the build).
lib="$out/libtracing.a"
if [ -n "$tests" ]; then
	extra=$(nm -g --defined-only "$lib" 2>&1 | awk 'NF == 3 { print $3 }' |
	    grep -v '^tracing_')
	if [ -f "$lib" ] && [ -z "$extra" ]; then
		tap ok "libtracing.a: no global symbol outside the tracing_* API"
	else
		echo "$extra" | head -20 >&2
		tap not-ok "libtracing.a: global symbols outside the tracing_* API"
	fi
	hdr="$src/include/tracing.h"
	missing=$(grep -oE '\btracing_[a-z0-9_]+\(' "$hdr" | tr -d '(' |
	    sort -u | while read -r f; do
		grep -qE "^typedef.*\b$f\(" "$hdr" && continue
		nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' |
		    grep -qx "$f" || echo "$f"
	done)
	if [ -z "$missing" ]; then
		tap ok "libtracing.a: every function tracing.h declares is defined"
	else
		tap not-ok "libtracing.a: declared but not defined:" $missing
	fi
fi

if [ -n "$tests" ]; then
	if [ -n "$sanitize" ]; then
		skip "valgrind leak check of the unit tests" \
		    "sanitizer build (valgrind cannot run ASan binaries)"
	elif ! command -v valgrind >/dev/null 2>&1; then
		skip "valgrind leak check of the unit tests" "valgrind missing"
	else
		bad=""
		for t in $tests; do
			TRACING_VALGRIND=1 valgrind -q --leak-check=full \
			    --errors-for-leak-kinds=definite,indirect \
			    --error-exitcode=99 "$out/tests/$t" \
			    >"$logdir/$t.vg.tap" 2>"$logdir/$t.vg.err"
			[ $? -eq 99 ] && bad="$bad $t"
		done
		if [ -z "$bad" ]; then
			tap ok "valgrind --leak-check=full: no leaks or errors in the unit tests"
		else
			for t in $bad; do tail -40 "$logdir/$t.vg.err" >&2; done
			tap not-ok "valgrind --leak-check=full: errors in$bad"
		fi
	fi
fi

echo "1..$n"
[ $failed -eq 0 ]
