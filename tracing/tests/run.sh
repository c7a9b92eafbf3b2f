#!/bin/sh
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
