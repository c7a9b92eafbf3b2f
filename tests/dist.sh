#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dist.sh: the library's release tarball as a packager meets it. `make dist`
# makes build/cotel-VERSION.tar.gz; it is unpacked in a fresh directory,
# built and tested (unit tests, fuzzers, valgrind, ABI, install, examples)
# with no network at all: in a network namespace of its own with only a
# loopback (unshare -n, as root), or plainly when that cannot be had. TAP on
# stdout.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
version=$(cat VERSION)
n=0
failed=0
tap() {
	n=$((n + 1))
	if [ "$1" = ok ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$top/build/cotel-$version.tar.gz
if make -s -C tracing dist >"$tmp/dist.log" 2>&1 && [ -s "$tarball" ]; then
	tap ok "make dist: cotel-$version.tar.gz ($(du -k "$tarball" | cut -f1) KiB)"
else
	cat "$tmp/dist.log" >&2
	tap not-ok "make dist failed"
	echo "1..$n"
	exit 1
fi
tar -tzf "$tarball" >"$tmp/list"
if grep -q "^cotel-$version/tracing/gen/opentelemetry/proto/trace/v1/trace.pb-c.c$" "$tmp/list" &&
    grep -q "^cotel-$version/LICENSE$" "$tmp/list" &&
    ! grep -q "^cotel-$version/kore-apps/" "$tmp/list"; then
	tap ok "the tarball holds the generated protobuf code and the LICENSE, and only the library"
else
	tap not-ok "the tarball's contents are wrong"
fi
tar -xzf "$tarball" -C "$tmp"
src=$tmp/cotel-$version
# The packager's build: no network (a namespace with a loopback alone).
run=(bash -c)
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
	run=(unshare -n bash -c)
	where="with no network (unshare -n)"
else
	where="(no network namespace here: plain)"
fi
"${run[@]}" "ip link set lo up 2>/dev/null; make -s -C '$src/tracing' test FUZZ_SECONDS=1" \
    >"$tmp/test.tap" 2>"$tmp/test.err"
rc=$?
pass=$(grep -c '^ok ' "$tmp/test.tap")
fail=$(grep -c '^not ok ' "$tmp/test.tap")
grep '^not ok' "$tmp/test.tap" | head -20 >&2
if [ $rc -eq 0 ] && [ "$fail" -eq 0 ] && [ "$pass" -gt 100 ]; then
	tap ok "the unpacked tarball builds and passes its $pass tests $where"
else
	tail -30 "$tmp/test.err" >&2
	tap not-ok "the unpacked tarball: $fail of $((pass + fail)) tests failed, status $rc $where"
fi
# The README's three commands, into a prefix of the test's (not /usr/local).
prefix=$tmp/prefix
if make -s -C "$src" install PREFIX="$prefix" >"$tmp/install.log" 2>&1 &&
    PKG_CONFIG_PATH=$prefix/lib/pkgconfig cc -o "$tmp/minimal" \
    "$src/tracing/examples/minimal.c" \
    $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs cotel) \
    >>"$tmp/install.log" 2>&1 &&
    LD_LIBRARY_PATH=$prefix/lib OTEL_TRACES_EXPORTER=console \
    "$tmp/minimal" >"$tmp/minimal.out" 2>&1 &&
    grep -q '^span ' "$tmp/minimal.out"; then
	tap ok "tarball to a running example in 3 commands: tar, make install, cc \$(pkg-config ...)"
else
	cat "$tmp/install.log" "$tmp/minimal.out" 2>/dev/null | tail -20 >&2
	tap not-ok "the README's three commands from the tarball do not give a running example"
fi
if [ ! -e "$src/build/tracing/proto" ]; then
	tap ok "its build fetched no .proto file (the shipped code was used)"
else
	tap not-ok "its build fetched the .proto files"
fi
echo "1..$n"
[ $failed -eq 0 ]
