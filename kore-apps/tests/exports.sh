#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What each Kore module exports to the kore binary that loads it: exactly
# the hooks and the route handler (its configuration's svc_route) Kore looks
# up by name (kore-apps/exports.map), and so nothing of the tracing library
# linked inside it, which cannot clash with another copy in the host.
# Prints TAP.
set -u
bin=${1:?usage: exports.sh BIN_DIR}
n=0
for m in api-gateway inventory-service order-service notification-service w3c-test-service; do
	syms=$(nm -D --defined-only "$bin/$m.so" 2>/dev/null | awk 'NF == 3 { print $3 }')
	n=$((n + 1))
	missing=""
	for s in kore_parent_configure kore_worker_configure kore_worker_teardown kore_seccomp_hook svc_route; do
		grep -qx "$s" <<<"$syms" || missing="$missing $s"
	done
	# Exactly those, no more (exports.map): the hooks a module may omit
	# (teardown, daemonized) are allowed, nothing else.
	extra=$(grep -vxE 'kore_parent_(configure|teardown|daemonized)|kore_worker_(configure|teardown)|kore_seccomp_hook|svc_route' <<<"$syms" | head -5 | tr '\n' ' ')
	[ -z "$extra" ] || missing="$missing; exports more: $extra"
	if [ -n "$syms" ] && [ -z "$missing" ]; then
		echo "ok $n - $m.so exports exactly what Kore looks up (its hooks, svc_route: $(wc -w <<<"$syms") symbols)"
	else
		echo "not ok $n - $m.so exports what Kore looks up: missing$missing"
	fi
	n=$((n + 1))
	leak=$(grep -E '^(tracing_|tr_)' <<<"$syms" | head -5 | tr '\n' ' ')
	if [ -n "$syms" ] && [ -z "$leak" ]; then
		echo "ok $n - $m.so exports no symbol of the tracing library"
	else
		echo "not ok $n - $m.so exports no symbol of the tracing library: $leak"
	fi
done
