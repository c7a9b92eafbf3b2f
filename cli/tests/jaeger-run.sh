#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Starts (or stops) a private Jaeger v2 for tracectl's fixture recording and
# benchmark, in the background, on 127.0.0.1 and non-default ports.
#   jaeger-run.sh start [BASEPORT]   prints the query URL and the OTLP URL
#   jaeger-run.sh stop  [BASEPORT]
# Ports: query BASE, query gRPC BASE+1, OTLP/HTTP BASE+2, health BASE+3.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cmd=${1:-start}
base=${2:-26686}
export TJ_QUERY_PORT=$base TJ_QUERY_GRPC_PORT=$((base + 1))
export TJ_OTLP_PORT=$((base + 2)) TJ_HEALTH_PORT=$((base + 3))
export TJ_MAX_TRACES=${TJ_MAX_TRACES:-50000}
state=${TMPDIR:-/tmp}/tracectl-jaeger-$base
jaeger=${JAEGER_BIN:-$top/bin/jaeger}

case $cmd in
start)
	[ -x "$jaeger" ] || { echo "jaeger-run.sh: no $jaeger" >&2; exit 3; }
	mkdir -p "$state"
	if [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then
		:
	else
		# Jaeger's own tracer would export to the default 4317: off.
		OTEL_TRACES_EXPORTER=none OTEL_SDK_DISABLED=true \
		    "$jaeger" --config "file:$here/jaeger-test.yaml" >"$state/log" 2>&1 &
		echo $! >"$state/pid"
	fi
	i=0
	until curl -sf "http://127.0.0.1:$TJ_HEALTH_PORT/status" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "jaeger-run.sh: not ready after 20 s; log:" >&2
			tail -20 "$state/log" >&2
			exit 3
		fi
		sleep 0.2
	done
	echo "http://127.0.0.1:$TJ_QUERY_PORT http://127.0.0.1:$TJ_OTLP_PORT"
	;;
stop)
	if [ -f "$state/pid" ]; then
		pid=$(cat "$state/pid")
		kill "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		rm -f "$state/pid"
	fi
	;;
*)
	echo "usage: jaeger-run.sh start|stop [BASEPORT]" >&2
	exit 2
	;;
esac
