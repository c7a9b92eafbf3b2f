#!/usr/bin/env bash
# Builds the kore binary the services run on: Debian's Kore 4.1 source from
# /usr/share/kore, with the async curl client (CURL=1) on top of the packaged
# pgsql and tasks features. Modules must be compiled with the same -D flags
# (kore-apps/Makefile reads them from the features file written here).
set -euo pipefail
src=$1 out=$2
[ -f /usr/share/kore/RELEASE ] || { echo "build-kore: Debian package 'kore' is missing (make deps)" >&2; exit 1; }
echo "==> building kore with async curl from /usr/share/kore"
rm -rf "$src"
mkdir -p "$src" "$(dirname "$out")"
cp -r /usr/share/kore/. "$src/"
# Never sanitized (SANITIZE= overrides what make passes down): bin/kore is
# shared by plain and sanitizer builds, the modules it loads are always
# built without sanitizers, and it runs under stdbuf (an LD_PRELOAD), which
# ASan refuses to follow.
flags=(CURL=1 PGSQL=1 TASKS=1 SANITIZE=)
make -s -C "$src" platform.h obj/version.c kore "${flags[@]}" -j"$(nproc)" >"$src/build.log" 2>&1 ||
	{ tail -30 "$src/build.log" >&2; exit 1; }
cp "$src/kore" "$out.tmp" && mv "$out.tmp" "$out"
cp "$src/obj/features" "$(dirname "$out")/kore.features" 2>/dev/null ||
	echo "-DKORE_USE_CURL -DKORE_USE_PGSQL -DKORE_USE_TASKS" >"$(dirname "$out")/kore.features"
"$out" -v
