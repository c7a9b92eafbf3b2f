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

# The TAP lines of another script's output file, renumbered as ours.
retap() {		# retap PREFIX FILE
	while IFS= read -r line; do
		case $line in
		"ok "*"# SKIP"*) n=$((n + 1)); echo "ok $n - $1: ${line#ok * - }" ;;
		"ok "*) tap ok "$1: ${line#ok * - }" ;;
		"not ok "*) tap not-ok "$1: ${line#not ok * - }" ;;
		esac
	done <"$2"
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
lib="$out/libcotel.a"
if [ -n "$tests" ]; then
	extra=$(nm -g --defined-only "$lib" 2>&1 | awk 'NF == 3 { print $3 }' |
	    grep -v '^tracing_')
	if [ -f "$lib" ] && [ -z "$extra" ]; then
		tap ok "libcotel.a: no global symbol outside the tracing_* API"
	else
		echo "$extra" | head -20 >&2
		tap not-ok "libcotel.a: global symbols outside the tracing_* API"
	fi
	hdr="$src/include/tracing.h"
	missing=$(grep -oE '\btracing_[a-z0-9_]+\(' "$hdr" | tr -d '(' |
	    sort -u | while read -r f; do
		grep -qE "^typedef.*\b$f\(" "$hdr" && continue
		# static inline functions of the header are no symbols.
		grep -B1 -E "^$f\(" "$hdr" | grep -q '^static inline' && continue
		nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' |
		    grep -qx "$f" || echo "$f"
	done)
	if [ -z "$missing" ]; then
		tap ok "libcotel.a: every function tracing.h declares is defined"
	else
		tap not-ok "libcotel.a: declared but not defined:" $missing
	fi
fi

# COMPLIANCE.md: every + row names a unit test that passed in this run
# (its TAP log above) or a file that exists; every other row a reason.
if [ -n "$tests" ] && [ -f "$src/COMPLIANCE.md" ]; then
	python3 "$src/scripts/compliance-check.py" "$src/COMPLIANCE.md" \
	    "$logdir" "$src/.." >"$logdir/compliance.tap" \
	    2>"$logdir/compliance.err"
	retap compliance "$logdir/compliance.tap"
	sed 's/^/# /' "$logdir/compliance.err" | head -20 >&2
	grep -q '^ok' "$logdir/compliance.tap" ||
	    grep -q '^not ok' "$logdir/compliance.tap" ||
	    tap not-ok "compliance: the check did not run"
fi

# The product: the shared library's exports, its ABI against the baseline,
# and an install into a prefix that the examples, the README's usage
# example and the man pages are checked against (plain builds only).
if [ -n "$tests" ] && [ -z "$sanitize" ] && [ "${TRACING_PRODUCT_CHECKS:-1}" = 1 ]; then
	so=$(ls "$out"/libcotel.so.*.*.* 2>/dev/null | head -1)
	extra=$(nm -D --defined-only "$so" 2>&1 | awk 'NF == 3 { print $3 }' |
	    grep -v '^tracing_' | grep -v '^COTEL_')
	vers=$(objdump -T "$so" 2>/dev/null | awk '/ tracing_/ { print $(NF-1) }' |
	    sort -u | tr '\n' ' ')
	if [ -n "$so" ] && [ -z "$extra" ] && [ "$vers" = "COTEL_1.0 " ] &&
	    readelf -d "$so" | grep -q 'SONAME.*\[libcotel\.so\.1\]'; then
		tap ok "libcotel.so: soname libcotel.so.1, only tracing_* exported, all at COTEL_1.0"
	else
		echo "$extra" | head >&2
		tap not-ok "libcotel.so: soname or exports wrong (versions: $vers)"
	fi
	if ! command -v abidiff >/dev/null 2>&1; then
		skip "ABI against the baseline (abi/)" "abigail-tools missing"
	elif make -s -C "$src" abi-check >"$logdir/abi.log" 2>&1; then
		tap ok "ABI: libcotel.so.1 matches the baseline in abi/ (abidiff)"
	else
		sed 's/^/# /' "$logdir/abi.log" | head -40 >&2
		tap not-ok "ABI: libcotel.so.1 differs from the baseline in abi/ (abidiff; make abi-update if on purpose)"
	fi
	prefix=$(mktemp -d)
	if make -s -C "$src" install PREFIX="$prefix" >"$logdir/install.log" 2>&1 &&
	    [ -f "$prefix/lib/libcotel.so.1" ] && [ -f "$prefix/lib/libcotel.a" ] &&
	    [ -f "$prefix/include/cotel/tracing.h" ] &&
	    [ -f "$prefix/lib/pkgconfig/cotel.pc" ] &&
	    [ -f "$prefix/share/man/man3/cotel_span.3" ] &&
	    [ -f "$prefix/share/man/man3/tracing_span_start.3" ]; then
		tap ok "make install PREFIX=...: library, soname link, archive, header, cotel.pc, man pages and their links"
	else
		cat "$logdir/install.log" >&2
		tap not-ok "make install PREFIX=... is incomplete"
	fi
	"$src/examples/run.sh" "$prefix" >"$logdir/examples.tap" \
	    2>"$logdir/examples.err"
	retap examples "$logdir/examples.tap"
	grep -q '^ok' "$logdir/examples.tap" ||
	    { tail -20 "$logdir/examples.err" >&2; tap not-ok "examples: run.sh ran nothing"; }
	# The README's usage example, as written, against the install.
	readme=$(mktemp -d)
	awk '/^<!-- usage-example -->/ { on = 1; next }
	    on && /^```c/ { inb = 1; next }
	    inb && /^```/ { exit }
	    inb { print }' "$src/README.md" >"$readme/usage.c"
	if [ -s "$readme/usage.c" ] &&
	    PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cc -std=c11 -Wall -Wextra \
	    -Werror -o "$readme/usage" "$readme/usage.c" \
	    $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs cotel) \
	    2>"$logdir/usage.err" &&
	    LD_LIBRARY_PATH="$prefix/lib" OTEL_TRACES_EXPORTER=console \
	    "$readme/usage" >"$logdir/usage.out" 2>&1 &&
	    grep -q 'name="GET /orders/{id}"' "$logdir/usage.out"; then
		tap ok "README: the usage example compiles as written against the install and runs"
	else
		cat "$logdir/usage.err" "$logdir/usage.out" 2>/dev/null | head -20 >&2
		tap not-ok "README: the usage example does not compile or run"
	fi
	rm -rf "$readme"
	MANPATH="$prefix/share/man" man -w tracing_span_start >/dev/null 2>&1 &&
	    tap ok "man tracing_span_start finds its page in the install" ||
	    tap not-ok "man tracing_span_start finds no page in the install"
	"$src/man/check.sh" "$src/man" "$src/include/tracing.h" \
	    >"$logdir/man.tap" 2>"$logdir/man.err"
	retap man "$logdir/man.tap"
	make -s -C "$src" uninstall PREFIX="$prefix" >/dev/null 2>&1
	left=$(find "$prefix" -type f | head -5)
	[ -z "$left" ] && tap ok "make uninstall removes every installed file" ||
	    tap not-ok "make uninstall left: $left"
	rm -rf "$prefix"
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
