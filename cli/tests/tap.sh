# SPDX-License-Identifier: Apache-2.0
# tap.sh: sourced by e2e.sh, and by browse-e2e.sh when it runs alone: the
# settings the end-to-end scripts share ($here, $top, $T, $J, $G, a $work
# directory removed on exit) and their TAP output (tap, skip; $n tests so
# far, $fail set on a failure).  The shell counterpart of tap.h.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
T=${TRACECTL:-$top/bin/tracectl}
J=${JAEGER_URL:-http://127.0.0.1:16686}
G=${GATEWAY_URL:-http://127.0.0.1:8080}
n=0
fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tap() {		# tap OK|FAIL "what" [diagnostics file]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && sed 's/^/# /' "$3" | head -60
		fail=1
	fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
