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
# Kore 4.1 treats any failure of epoll_ctl(EPOLL_CTL_DEL) as fatal. Its curl
# layer removes a socket when libcurl reports it removed, and libcurl can do
# so after it has closed the socket (curl issues #3597 and #14976 describe
# the class): EBADF, and the worker died with every request it held (a few
# times in some two million benchmark requests, when wrk hung up with orders
# in flight). A descriptor that is closed (EBADF) or not watched
# (ENOENT) is already out of the epoll set, which is what the removal is
# for: those two are logged, not fatal. Checked, so that a changed Kore
# source fails the build instead of running unpatched.
perl -0pi -e 's/(kore_platform_disable_read\(int fd\)\n\{\n)\tif \(epoll_ctl\(efd, EPOLL_CTL_DEL, fd, NULL\) == -1\)\n\t\tfatal\("kore_platform_disable_read: %s", errno_s\);\n/$1\tif (epoll_ctl(efd, EPOLL_CTL_DEL, fd, NULL) == -1) {\n\t\tif (errno != EBADF && errno != ENOENT)\n\t\t\tfatal("kore_platform_disable_read: %s", errno_s);\n\t\tkore_log(LOG_NOTICE, "epoll_ctl(DEL, %d): %s: not watched",\n\t\t    fd, errno_s);\n\t}\n/' "$src/src/linux.c"
grep -q 'errno != EBADF && errno != ENOENT' "$src/src/linux.c" ||
	{ echo "build-kore: kore_platform_disable_read in $src/src/linux.c is not the one this script knows" >&2; exit 1; }
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
