#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
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
# Kore 4.1 as packaged is patched narrowly, each patch in
# scripts/kore-patches with what it fixes in its own comments (read them
# there); applied with no fuzz, so that a changed Kore source fails the
# build instead of running unpatched:
#   0001-epoll-del-not-watched: epoll_ctl(DEL) of a descriptor libcurl
#     already closed (curl #3597, #14976) is a notice, not fatal.
#   0002-http-framing: the request head and body as RFC 9110/9112 frame
#     them (field values with HTAB, empty ones, obs-text; 128 header fields
#     and 431 beyond; pipelining; chunked bodies; one Content-Length; no
#     Transfer-Encoding with it; case-sensitive methods) and every answer
#     Kore gives by itself as a JSON error.
#   0003-pgsql-conn-error: a statement bound to a callback hears that its
#     connection failed (it waited for good after a PostgreSQL crash); a
#     statement abandoned mid-flight closes its connection instead of a
#     blocking cancel (a worker froze when the server hung).
#   0004-curl-immediate-timeout: a call started from a finished call's
#     callback is driven at once, not at the next curl event.
#   0005-prune-before-http: the requests of a connection that went are
#     freed in the round that saw it go, not after the next wait.
#   0006-http-loose-corners: nothing is answered after a closing answer;
#     an idle connection closes silently (after the keep-alive timeout
#     its answers announce; 408 only for a request that came in part);
#     HTTP/1.0 without Host; answers say HTTP/1.1; absolute-form targets;
#     "close" anywhere in Connection.
#   0007-pgsql-connect-async: a connection for an asynchronous statement
#     is opened without blocking (PQconnectStart/PQconnectPoll, bounded by
#     connect_timeout); a broken one is closed, never PQreset.
patches=$(dirname "$0")/kore-patches
for p in "$patches"/*.patch; do
	patch -s -p1 --forward --batch --fuzz=0 --no-backup-if-mismatch \
	    -d "$src" -i "$(cd "$(dirname "$p")" && pwd)/$(basename "$p")" >"$src/patch.log" 2>&1 ||
		{ cat "$src/patch.log" >&2; echo "build-kore: $(basename "$p") does not apply to /usr/share/kore: not the Kore source these patches know" >&2; exit 1; }
done
# Never sanitized (SANITIZE= overrides what make passes down): bin/kore is
# shared by plain and sanitizer builds, the modules it loads are always
# built without sanitizers, and it runs under stdbuf (an LD_PRELOAD), which
# ASan refuses to follow.
flags=(CURL=1 PGSQL=1 TASKS=1 SANITIZE=)
# Kore's Makefile writes obj/version.c without depending on obj/: under -j
# that rule can run before the directory exists.
mkdir -p "$src/obj"
make -s -C "$src" platform.h obj/version.c kore "${flags[@]}" -j"$(nproc)" >"$src/build.log" 2>&1 ||
	{ tail -30 "$src/build.log" >&2; exit 1; }
cp "$src/kore" "$out.tmp" && mv "$out.tmp" "$out"
cp "$src/obj/features" "$(dirname "$out")/kore.features" 2>/dev/null ||
	echo "-DKORE_USE_CURL -DKORE_USE_PGSQL -DKORE_USE_TASKS" >"$(dirname "$out")/kore.features"
"$out" -v
