#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# deb.sh: the Debian packaging (debian/) end to end. Builds libcotel1,
# libcotel-dev and tracectl with dpkg-buildpackage -us -uc -b from a copy of
# the working tree (tracked and untracked files, not what .gitignore
# ignores) in a temporary directory, runs lintian, installs the three
# packages, builds tracing/examples/minimal.c against them with nothing but
# pkg-config and checks that its span reaches a fake OTLP receiver
# (tracing/examples/otlp_sink.py), checks the man pages and tracectl, and
# purges the packages again.
#
# TAP on stdout, diagnostics on stderr. Needs root (apt-get, dpkg) or
# password-less sudo; installs the build dependencies that are missing
# (apt-get, quietly). The build fetches the OTLP .proto files with npm.
#
# usage: tests/deb.sh [N]     (N: number the TAP lines from N+1)
#   DEB_SH_KEEP=1      keep the temporary directory (the .debs, logs)
#   DEB_SH_NOCHECK=1   build with DEB_BUILD_OPTIONS=nocheck (no unit tests)
set -u

n=${1:-0}
failed=0
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
pkgs="libcotel1 libcotel-dev tracectl"
tmp=
sink_pid=
installed=0
apt_updated=0

say() { echo "# $*" >&2; }

tap() {		# tap STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

skip() {	# skip DESCRIPTION REASON
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# The rest of the plan, skipped, when a step the others need failed.
skip_rest() {	# skip_rest REASON
	local d
	for d in "${rest[@]}"; do
		skip "$d" "$1"
	done
	rest=()
}

done_step() {	# done_step: the first of the remaining steps is done
	rest=("${rest[@]:1}")
}

rest=(
	"build dependencies are installed"
	"dpkg-buildpackage -us -uc -b builds libcotel1, libcotel-dev, tracectl"
	"lintian: no errors"
	"the three packages install"
	"pkg-config cotel: version of VERSION, libdir in the multiarch dir"
	"minimal.c builds with pkg-config's flags alone, against /usr's libcotel.so.1"
	"minimal runs and exits 0"
	"the sink got minimal's span"
	"man -w cotel_span finds the page"
	"man -w tracing_span_start finds the link page"
	"tracectl --version runs from /usr/bin"
	"dpkg -P removes the three packages and their files"
)

purge() {
	[ "$installed" -eq 1 ] || return 0
	$SUDO dpkg -P $pkgs >"$tmp/purge.log" 2>&1
	installed=0
}

cleanup() {
	if [ -n "$sink_pid" ]; then
		kill "$sink_pid" 2>/dev/null
		wait "$sink_pid" 2>/dev/null
	fi
	[ -n "$tmp" ] && purge
	if [ -n "$tmp" ]; then
		if [ "${DEB_SH_KEEP:-0}" = 1 ] || [ "$failed" -ne 0 ]; then
			say "kept $tmp"
		else
			rm -rf "$tmp"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 130' HUP INT TERM

finish() {
	echo "1..$n"
	exit "$failed"
}

# Root, or sudo without a password.
if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	skip_rest "not root and no password-less sudo: cannot install packages"
	finish
fi

apt_install() {		# apt_install PACKAGE...: quietly
	if [ "$apt_updated" -eq 0 ]; then
		$SUDO apt-get update -qq >&2 || return 1
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
	    --no-install-recommends "$@" >&2
}

missing_pkgs() {	# the packages of "$@" that are not installed
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q ' installed$' || echo "$p"
	done
}

# The tools, then the Build-Depends of debian/control.
tools=$(missing_pkgs dpkg-dev debhelper lintian build-essential \
    python3 pkg-config man-db)
if [ -n "$tools" ]; then
	say "installing: $tools"
	apt_install $tools || say "apt-get install $tools failed"
fi
if ! command -v dpkg-buildpackage >/dev/null 2>&1 ||
    ! command -v dh >/dev/null 2>&1; then
	skip_rest "dpkg-buildpackage (dpkg-dev, debhelper) missing and not installable"
	finish
fi
bd_ok=0
if ! unmet=$(cd "$repo" && dpkg-checkbuilddeps 2>&1); then
	say "$unmet"
	# apt-get build-dep on the directory: debian/control's Build-Depends.
	if [ "$apt_updated" -eq 0 ]; then
		$SUDO apt-get update -qq >&2
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get build-dep -y -qq \
	    --no-install-recommends "$repo" >&2
fi
unmet=$(cd "$repo" && dpkg-checkbuilddeps 2>&1) && bd_ok=1
[ "$bd_ok" -eq 1 ] || say "$unmet"
[ -z "$(missing_pkgs lintian python3 pkg-config)" ] || bd_ok=0
tap $((1 - bd_ok)) "${rest[0]}"
done_step
if [ "$bd_ok" -ne 1 ]; then
	skip_rest "build dependencies missing"
	finish
fi

# The working tree, as git sees it (tracked and untracked, less what
# .gitignore ignores, less deleted files), or without build/ and bin/.
tmp=$(mktemp -d /tmp/cotel-deb.XXXXXX) || exit 1
src=$tmp/cotel
mkdir -p "$src"
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$repo" ls-files -z --cached --others --exclude-standard |
	    while IFS= read -r -d '' f; do
		if [ -e "$repo/$f" ] || [ -L "$repo/$f" ]; then
			printf '%s\0' "$f"
		fi
	    done | tar -C "$repo" --null -T - -cf - | tar -C "$src" -xf -
else
	tar -C "$repo" --exclude=./build --exclude=./bin --exclude=./debian/tmp \
	    -cf - . | tar -C "$src" -xf -
fi
say "building in $src"

# The build: its log in $tmp/build.log, the tail of it here on failure.
opts="parallel=$(nproc 2>/dev/null || echo 2)"
[ "${DEB_SH_NOCHECK:-0}" = 1 ] && opts="$opts nocheck"
start=$(date +%s)
(cd "$src" && DEB_BUILD_OPTIONS="$opts" dpkg-buildpackage -us -uc -b) \
    >"$tmp/build.log" 2>&1
rc=$?
say "dpkg-buildpackage: exit $rc in $(($(date +%s) - start))s (DEB_BUILD_OPTIONS=$opts)"
debs=()
for p in $pkgs; do
	f=$(ls "$tmp"/"${p}"_*.deb 2>/dev/null | head -1)
	[ -n "$f" ] && debs+=("$f")
done
changes=$(ls "$tmp"/cotel_*.changes 2>/dev/null | head -1)
if [ $rc -eq 0 ] && [ ${#debs[@]} -eq 3 ] && [ -n "$changes" ]; then
	tap 0 "${rest[0]}"
	# Unit-test lines of the package build (dh_auto_test), as a count.
	t_ok=$(grep -c '^ok ' "$tmp/build.log")
	t_bad=$(grep -c '^not ok ' "$tmp/build.log")
	say "dh_auto_test: $t_ok ok, $t_bad not ok"
else
	tail -40 "$tmp/build.log" | sed 's/^/  /' >&2
	tap 1 "${rest[0]}"
fi
done_step
if [ ${#debs[@]} -ne 3 ]; then
	skip_rest "the packages were not built"
	finish
fi

# lintian: errors fail, the rest is shown.
lintian --tag-display-limit 0 -I "$changes" >"$tmp/lintian.out" 2>&1
grep -v 'running with root privileges' "$tmp/lintian.out" | sed 's/^/  lintian: /' >&2
! grep -q '^E: ' "$tmp/lintian.out"
tap $? "${rest[0]}"
done_step

# Install: apt-get resolves what libcotel-dev depends on.
for p in $pkgs; do
	if dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$'; then
		say "$p was installed before this run: it is purged at the end"
	fi
done
installed=1
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends "${debs[@]}" >"$tmp/install.log" 2>&1
rc=$?
[ $rc -eq 0 ] || sed 's/^/  /' "$tmp/install.log" >&2
tap $rc "${rest[0]}"
done_step
if [ $rc -ne 0 ]; then
	skip_rest "the packages did not install"
	purge
	finish
fi

# From here on, only what the packages installed: no project paths.
unset PKG_CONFIG_PATH LD_LIBRARY_PATH CPATH LIBRARY_PATH C_INCLUDE_PATH MANPATH
for v in $(compgen -e); do
	case $v in OTEL_*|TRACING_*) unset "$v" ;; esac
done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)
version=$(cat "$repo/VERSION")

pc_ver=$(pkg-config --modversion cotel 2>&1)
pc_lib=$(pkg-config --variable=libdir cotel 2>&1)
say "pkg-config cotel: version $pc_ver, libdir $pc_lib"
[ "$pc_ver" = "$version" ] && [ "$pc_lib" = "/usr/lib/$multiarch" ]
tap $? "${rest[0]}"
done_step

ex=$tmp/example
mkdir -p "$ex"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$ex/minimal" \
    "$src/tracing/examples/minimal.c" $(pkg-config --cflags --libs cotel) \
    >"$ex/cc.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	lib=$(ldd "$ex/minimal" | awk '$1 == "libcotel.so.1" { print $3 }')
	say "minimal uses $lib"
	# /lib is /usr/lib on a merged-/usr system: compare the files.
	[ -n "$lib" ] && [ "$(readlink -f "$lib")" = \
	    "$(readlink -f "/usr/lib/$multiarch/libcotel.so.1")" ] || rc=1
else
	sed 's/^/  /' "$ex/cc.log" >&2
fi
tap $rc "${rest[0]}"
done_step
built=$rc

# The sink, on an ephemeral port written to its port file.
python3 "$src/tracing/examples/otlp_sink.py" "$ex/sink.port" >&2 &
sink_pid=$!
port=
for _ in $(seq 100); do
	[ -s "$ex/sink.port" ] && break
	sleep 0.1
done
port=$(cat "$ex/sink.port" 2>/dev/null)
if [ "$built" -ne 0 ] || [ -z "$port" ]; then
	[ -z "$port" ] && say "otlp_sink.py did not start"
	skip "${rest[0]}" "no program or no sink"
	done_step
	skip "${rest[0]}" "no program or no sink"
	done_step
else
	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$port \
	    OTEL_BSP_SCHEDULE_DELAY=50 OTEL_EXPORTER_OTLP_TIMEOUT=5000 \
	    OTEL_SERVICE_NAME=deb-sh timeout 60 "$ex/minimal" \
	    >"$ex/minimal.out" 2>&1
	rc=$?
	sed 's/^/  minimal: /' "$ex/minimal.out" >&2
	tap $rc "${rest[0]} (got $rc)"
	done_step
	python3 - "$port" <<'EOF' >&2
import json, sys, urllib.request
with urllib.request.urlopen("http://127.0.0.1:%s/__log" % sys.argv[1],
                            timeout=10) as r:
    log = json.load(r)
names = [s["name"] for e in log if e.get("path") == "/v1/traces"
         for s in e.get("spans", [])]
print("  sink received: %s" % names)
sys.exit(0 if names == ["minimal"] else 1)
EOF
	tap $? "${rest[0]}"
	done_step
fi
kill "$sink_pid" 2>/dev/null
wait "$sink_pid" 2>/dev/null
sink_pid=

# Man pages: the dpkg configuration may keep them out (Docker images).
if grep -rqs '^path-exclude=/usr/share/man' /etc/dpkg/dpkg.cfg.d/; then
	skip "${rest[0]}" "dpkg excludes /usr/share/man here"
	done_step
	skip "${rest[0]}" "dpkg excludes /usr/share/man here"
	done_step
elif ! command -v man >/dev/null 2>&1; then
	skip "${rest[0]}" "man missing"
	done_step
	skip "${rest[0]}" "man missing"
	done_step
else
	for page in cotel_span tracing_span_start; do
		m=$(man -w 3 "$page" 2>&1)
		rc=$?
		say "man -w 3 $page: $m"
		case $m in /usr/share/man/man3/*) ;; *) rc=1 ;; esac
		# The link page leads to cotel_span(3)'s text.
		if [ $rc -eq 0 ] && [ "$page" = tracing_span_start ]; then
			MANWIDTH=80 man 3 "$page" 2>/dev/null |
			    grep -q 'tracing_span_start_child' || rc=1
		fi
		tap $rc "${rest[0]}"
		done_step
	done
fi

out=$(/usr/bin/tracectl --version 2>&1)
rc=$?
say "tracectl --version: $out"
case $out in tracectl*) ;; *) rc=1 ;; esac
[ "$out" = "tracectl $version" ] ||
    say "note: tracectl --version does not say VERSION ($version)"
tap $rc "${rest[0]}"
done_step

# Purge, and nothing of the packages left behind.
files=$(dpkg -L $pkgs 2>/dev/null | while read -r f; do
	[ -f "$f" ] || [ -L "$f" ] && echo "$f"
done)
purge
left=
for p in $pkgs; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
	case $st in ""|un*) ;; *) left="$left $p($st)" ;; esac
done
for f in $files; do
	{ [ -e "$f" ] || [ -L "$f" ]; } && left="$left $f"
done
[ -n "$left" ] && say "left after dpkg -P:$left"
[ -z "$left" ]
tap $? "${rest[0]}"
done_step

finish
