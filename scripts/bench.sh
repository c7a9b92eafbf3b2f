#!/usr/bin/env bash
# `make bench`: prints figures, asserts nothing. The order flow under wrk
# (orders/s, p50/p90/p99, each service's resident memory under that load),
# then every component's own benchmark that is present.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$TOP"
mkdir -p "$RUN_DIR"

DURATION=${BENCH_DURATION:-15}
CONNS=${BENCH_CONNECTIONS:-32}

scripts/up.sh >"$RUN_DIR/up-for-bench.log" 2>&1 || { echo "bench: make up failed, see $RUN_DIR/up-for-bench.log" >&2; exit 1; }
scripts/pg.sh psql "$INVENTORY_DB" -c "INSERT INTO stock (sku, name, available) VALUES ('BENCH', 'benchmark', 1000000000)
	ON CONFLICT (sku) DO UPDATE SET available = 1000000000" >/dev/null

rss_of() {
	# Resident memory (KiB) of a Kore service: its parent and workers.
	local pid total=0 p
	pid=$(cat "$RUN_DIR/$1.pid" 2>/dev/null) || { echo 0; return; }
	for p in $pid $(pgrep -P "$pid"); do
		total=$((total + $(awk '/VmRSS/ { print $2 }' /proc/$p/status 2>/dev/null || echo 0)))
	done
	echo $total
}

run_wrk() {
	# $1: label. Prints the wrk summary and each service's memory under load.
	local wrkpid s
	wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s bench/order.lua \
		"http://$BIND_HOST:$GATEWAY_PORT/api/orders" >"$RUN_DIR/bench-wrk-$1.log" 2>&1 &
	wrkpid=$!
	sleep $((DURATION / 2))
	declare -A rss
	for s in api-gateway inventory-service order-service notification-service; do
		rss[$s]=$(rss_of "$s")
	done
	wait $wrkpid
	grep '^BENCH' "$RUN_DIR/bench-wrk-$1.log" | sed "s/^BENCH /   $1: /"
	grep -E 'Non-2xx|Socket errors' "$RUN_DIR/bench-wrk-$1.log" | sed 's/^/   /'
	for s in api-gateway inventory-service order-service notification-service; do
		printf '   rss under load: %-22s %6d KiB\n' "$s" "${rss[$s]}"
	done
}

field() { grep '^BENCH' "$RUN_DIR/bench-wrk-$1.log" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

echo "== order flow: wrk -t2 -c$CONNS -d${DURATION}s POST /api/orders (gateway -> inventory -> orders -> notification)"
echo "   $(nproc) cores shared by wrk, the four services (SERVICE_WORKERS=$SERVICE_WORKERS each), PostgreSQL and Jaeger"
run_wrk traced
# Restarting the services makes every worker flush and report its counters.
OTEL_SDK_DISABLED=true scripts/services.sh start >/dev/null
created=0 exported=0 dropped=0
for s in api-gateway inventory-service order-service notification-service; do
	while read -r e d; do
		exported=$((exported + e)) dropped=$((dropped + d))
	done < <(sed -n 's/.*tracing: \([0-9]*\) spans exported, \([0-9]*\) dropped.*/\1 \2/p' \
		"$RUN_DIR/log/$s.log" | tail -n "$SERVICE_WORKERS")
done
echo "   spans: $exported exported, $dropped dropped by the services during the traced run (goal: none lost)"
run_wrk untraced
OTEL_SDK_DISABLED=false scripts/services.sh start >/dev/null
awk -v a="$(field traced orders_per_s)" -v b="$(field untraced orders_per_s)" \
    -v pa="$(field traced p99_ms)" -v pb="$(field untraced p99_ms)" 'BEGIN {
	printf "   tracing overhead: %.1f vs %.1f orders/s = %.3f of the untraced throughput (goal >= 0.97); p99 %.2f vs %.2f ms\n",
	    a, b, (b > 0 ? a / b : 0), pa, pb }'

for part in tracing cli; do
	if [ -f "$part/Makefile" ] && grep -q '^bench:' "$part/Makefile"; then
		echo "== $part"
		make -s -C "$part" bench
	fi
done

if [ -x "$TOP/build/tracing/bench-export" ]; then
	echo "== tracing: export to the running Jaeger (build/tracing/bench-export)"
	otlp_http="http://$JAEGER_HOST:$JAEGER_OTLP_HTTP_PORT"
	otlp_grpc="http://$JAEGER_HOST:$JAEGER_OTLP_GRPC_PORT"
	"$TOP/build/tracing/bench-export" -n 50000 "$otlp_http" http/protobuf 2>&1 | sed 's/^/   /'
	"$TOP/build/tracing/bench-export" -n 50000 "$otlp_grpc" grpc 2>&1 | sed 's/^/   /'
	echo "   at 10,000 spans/s (the Collector's budget: 20% of a core):"
	"$TOP/build/tracing/bench-export" -n 50000 -r 10000 "$otlp_http" http/protobuf 2>&1 | sed 's/^/   /'
fi

# Jaeger's own load generator (OpenTelemetry Go SDK, built from the same
# pinned module) and ours, one after the other against the same Jaeger:
# the same number of spans of about the same shape (tracegen: a root with 2
# attributes and 9 children with 10 each; ours: 10 each), counted by
# Jaeger's receiver metric, CPU (user + system) of the whole process.
accepted() {
	curl -s "http://$JAEGER_HOST:$JAEGER_METRICS_PORT/metrics" |
	    awk '/^otelcol_receiver_accepted_spans/ { s += $2 } END { printf "%d\n", s }'
}
compare_cpu() {	# label, spans, command...
	local label=$1 n=$2 a b cpu
	shift 2
	a=$(accepted)
	cpu=$( { /usr/bin/time -f '%U %S' "$@" >/dev/null 2>"$RUN_DIR/bench-$label.err"; } 2>&1;
	    tail -1 "$RUN_DIR/bench-$label.err")
	sleep 2
	b=$(accepted)
	awk -v l="$label" -v n="$n" -v got=$((b - a)) -v cpu="$cpu" 'BEGIN {
		split(cpu, c, " "); t = c[1] + c[2]
		printf "   %-34s %7d spans, Jaeger accepted %7d: CPU %.2f s = %.2f us/span\n",
		    l, n, got, t, got > 0 ? t * 1e6 / got : 0 }'
}
if [ -x "$TOP/build/tracing/bench-export" ] && [ -x /usr/bin/time ] &&
    scripts/build-jaeger.sh "$BIN/tracegen" tracegen >"$RUN_DIR/build-tracegen.log" 2>&1; then
	echo "== CPU per exported span: ours vs Jaeger's tracegen (OpenTelemetry Go SDK), OTLP/HTTP, 200,000 spans"
	compare_cpu tracegen-go 200000 env OTEL_EXPORTER_OTLP_ENDPOINT="http://$JAEGER_HOST:$JAEGER_OTLP_HTTP_PORT" \
	    OTEL_BSP_MAX_QUEUE_SIZE=300000 "$BIN/tracegen" -traces 20000 -spans 9 -attrs 10 -pause 0s \
	    -trace-exporter otlp-http -service tracegen-bench
	compare_cpu tracing-c 200000 "$TOP/build/tracing/bench-export" -a 10 -n 200000 \
	    "http://$JAEGER_HOST:$JAEGER_OTLP_HTTP_PORT" http/protobuf
fi

if [ -x cli/bench/slow-bench.sh ] && [ "${BENCH_TRACECTL:-1}" = 1 ]; then
	echo "== tracectl slow vs curl+jq (cli/bench/slow-bench.sh, 10,000 stored traces)"
	bash cli/bench/slow-bench.sh
fi
