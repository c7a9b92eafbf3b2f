#!/usr/bin/env bash
# `make bench`: prints figures, asserts nothing. The order flow under wrk
# (orders/s, p50/p90/p99, each service's resident memory under that load),
# then every component's own benchmark that is present.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$TOP"
mkdir -p "$RUN_DIR"

DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-32}

scripts/up.sh >"$RUN_DIR/up-for-bench.log" 2>&1 || { echo "bench: make up failed, see $RUN_DIR/up-for-bench.log" >&2; exit 1; }
scripts/pg.sh psql "$INVENTORY_DB" -c "INSERT INTO stock (sku, name, available)
	SELECT format('BENCH-%s', lpad(i::text, 2, '0')), 'benchmark', 1000000000 FROM generate_series(0, 99) i
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
	# $1: label, $2: seconds. Leaves the wrk summary in bench-wrk-$1.log and
	# each service's memory half-way through in the rss array.
	local wrkpid s
	taskset -c "$(wrk_cpus)" wrk -t2 -c"$CONNS" -d"$2s" --timeout 10s -s bench/order.lua \
		"http://$BIND_HOST:$GATEWAY_PORT/api/orders" >"$RUN_DIR/bench-wrk-$1.log" 2>&1 &
	wrkpid=$!
	sleep $(($2 / 2))
	for s in $SERVICES; do
		rss[$s]=$(rss_of "$s")
	done
	wait $wrkpid
}

# Spans Jaeger's OTLP receiver accepted so far (its own metrics).
accepted() {
	curl -s "http://$JAEGER_HOST:$JAEGER_METRICS_PORT/metrics" |
	    awk '/^otelcol_receiver_accepted_spans/ { s += $2 } END { printf "%d\n", s }'
}

field() { grep '^BENCH' "$RUN_DIR/bench-wrk-$1.log" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# CPU time (clock ticks, user + system) of a group of processes: a Kore
# service (parent and workers, threads included), Jaeger, PostgreSQL.
group_pids() {
	local pids
	case $1 in
	jaeger) cat "$RUN_DIR/jaeger.pid" 2>/dev/null ;;
	# The postmaster (first line of its pid file) and its backends.
	postgres) pids=$(head -n 1 "$RUN_DIR/pg/data/postmaster.pid" 2>/dev/null) &&
		echo "$pids $(pgrep -P "$pids")" ;;
	*) pids=$(cat "$RUN_DIR/$1.pid" 2>/dev/null) && echo "$pids $(pgrep -P "$pids")" ;;
	esac
}
ticks() {
	local t=0 p f
	for p in $(group_pids "$1"); do
		f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		set -- $f
		t=$((t + ${12} + ${13}))
	done
	echo $t
}

# Span counters the workers log when they stop (a restart flushes them).
span_counts() {
	local s
	for s in $SERVICES; do
		sed -n 's/.*tracing: \([0-9]*\) spans ended, \([0-9]*\) exported, \([0-9]*\) dropped.*/\1 \2 \3/p' \
		    "$RUN_DIR/log/$s.log" | tail -n "$SERVICE_WORKERS"
	done | awk '{ e += $1; x += $2; d += $3 } END { printf "%d %d %d\n", e, x, d }'
}

# Where the order flow runs. shared: everything on every core. pinned: wrk,
# the services and PostgreSQL on core 0, Jaeger alone on core 1, as a
# collector on its own machine would be: what is left is the cost of
# tracing inside the product.
place() {
	local p g
	[ "$SCENARIO" = pinned ] || return 0
	for g in $SERVICES postgres; do
		for p in $(group_pids "$g"); do taskset -a -cp 0 "$p" >/dev/null 2>&1; done
	done
	taskset -a -cp 1 "$(cat "$RUN_DIR/jaeger.pid")" >/dev/null 2>&1
}
unplace() {
	local p g
	for g in $SERVICES postgres jaeger; do
		for p in $(group_pids "$g"); do taskset -a -cp "0-$(($(nproc) - 1))" "$p" >/dev/null 2>&1; done
	done
}
wrk_cpus() { if [ "$SCENARIO" = pinned ]; then echo 0; else echo "0-$(($(nproc) - 1))"; fi; }

# Switch the services to a mode (a restart, as the environment changed),
# then warm up: connections to PostgreSQL and between services.
mode() {
	OTEL_SDK_DISABLED=$1 scripts/services.sh start >/dev/null
	place
	taskset -c "$(wrk_cpus)" wrk -t2 -c"$CONNS" -d2s --timeout 10s -s bench/order.lua \
		"http://$BIND_HOST:$GATEWAY_PORT/api/orders" >/dev/null 2>&1
}

SERVICES="api-gateway inventory-service order-service notification-service"
GROUPS_="$SERVICES postgres jaeger"
ROUNDS=${BENCH_ROUNDS:-3}

# One scenario: ROUNDS rounds of untraced then traced; the median ratio,
# the spans, and where the CPU went per order.
overhead() {
	local r m g n s ratio ratios="" ended=0 exported=0 dropped=0 hz line svc v
	local -A cpu orders rssline svcpg jspans t0
	SCENARIO=$1
	for r in $(seq "$ROUNDS"); do
		for m in untraced traced; do
			if [ $m = traced ]; then mode false; else mode true; fi
			for g in $GROUPS_; do t0[$g]=$(ticks "$g"); done
			a0=$(accepted)
			run_wrk "$SCENARIO-$m-$r" "$DURATION"
			sleep 1.5	# the last batches, sent within OTEL_BSP_SCHEDULE_DELAY
			jspans[$m]=$(( ${jspans[$m]:-0} + $(accepted) - a0 ))
			for g in $GROUPS_; do
				cpu[$m,$g]=$(( ${cpu[$m,$g]:-0} + $(ticks "$g") - ${t0[$g]} ))
			done
			n=$(field "$SCENARIO-$m-$r" requests)
			orders[$m]=$(( ${orders[$m]:-0} + ${n:-0} ))
			if [ "$r" = 1 ]; then
				for s in $SERVICES; do rssline[$m]+="$(printf ' %s %d' "${s%-service}" "${rss[$s]}")"; done
			fi
		done
		# The next switch stops the traced workers: they flush and log.
		mode true
		set -- $(span_counts)
		ended=$((ended + $1)) exported=$((exported + $2)) dropped=$((dropped + $3))
		ratio=$(awk -v a="$(field "$SCENARIO-traced-$r" orders_per_s)" \
		    -v b="$(field "$SCENARIO-untraced-$r" orders_per_s)" \
		    'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
		ratios="$ratios $ratio"
		printf '   round %d: untraced %s orders/s (p99 %s ms), traced %s orders/s (p99 %s ms): %s\n' "$r" \
		    "$(field "$SCENARIO-untraced-$r" orders_per_s)" "$(field "$SCENARIO-untraced-$r" p99_ms)" \
		    "$(field "$SCENARIO-traced-$r" orders_per_s)" "$(field "$SCENARIO-traced-$r" p99_ms)" "$ratio"
	done
	grep -hE 'Non-2xx|Socket errors' "$RUN_DIR"/bench-wrk-"$SCENARIO"-*.log | sed 's/^/   wrk: /'
	echo "   rss under load (KiB), untraced:${rssline[untraced]}"
	echo "   rss under load (KiB), traced:  ${rssline[traced]}"
	echo "$ratios" | tr ' ' '\n' | grep . | sort -n | awk -v s="$SCENARIO" '{ v[NR] = $1 } END {
		printf "   tracing overhead (%s): median %.3f of the untraced throughput over %d rounds (goal >= 0.97)\n",
		    s, v[int((NR + 1) / 2)], NR }'
	echo "   spans: $ended ended, $exported exported, $dropped dropped by the services in the traced rounds (goal: none lost)"
	# Where the CPU goes, per order: the services, PostgreSQL, Jaeger.
	hz=$(getconf CLK_TCK)
	for m in untraced traced; do
		line="" svc=0
		for g in $GROUPS_; do
			v=${cpu[$m,$g]}
			case $g in postgres|jaeger) ;; *) svc=$((svc + v)) ;; esac
			line="$line $(awk -v v="$v" -v n="${orders[$m]}" -v hz="$hz" -v g="${g%-service}" \
			    'BEGIN { printf "%s %.0f", g, (n > 0 ? v * 1e6 / hz / n : 0) }')"
		done
		echo "   CPU per order (us), $m:$line"
		svcpg[$m]=$(awk -v a="$svc" -v b="${cpu[$m,postgres]}" -v n="${orders[$m]}" -v hz="$hz" \
		    'BEGIN { printf "%.1f", (n > 0 ? (a + b) * 1e6 / hz / n : 0) }')
	done
	awk -v u="${svcpg[untraced]}" -v t="${svcpg[traced]}" -v j="${cpu[traced,jaeger]}" -v n="${orders[traced]}" \
	    -v hz="$hz" -v sp="${jspans[traced]}" 'BEGIN {
		printf "   the services and PostgreSQL: %.0f us per order untraced, %.0f traced: %.3f\n", u, t, (t > 0 ? u / t : 0)
		printf "   Jaeger: %.0f us per order, %.1f us per span (%.1f spans per order)\n",
		    (n > 0 ? j * 1e6 / hz / n : 0), (sp > 0 ? j * 1e6 / hz / sp : 0), (n > 0 ? sp / n : 0) }'
}

echo "== order flow: wrk -t2 -c$CONNS POST /api/orders (gateway -> inventory -> orders -> notification), 100 SKUs;"
echo "   the four services (SERVICE_WORKERS=$SERVICE_WORKERS each), PostgreSQL and Jaeger on $(nproc) cores;"
echo "   $ROUNDS rounds of ${DURATION}s untraced (OTEL_SDK_DISABLED=true) then traced (every request sampled)"
declare -A rss
# A fresh, empty Jaeger, as after `make up`: its cost per span grows with
# the heap its in-memory store holds (up to JAEGER_MAX_TRACES traces).
scripts/services.sh stop-service jaeger >/dev/null
scripts/services.sh start >/dev/null
for sc in ${BENCH_SCENARIOS:-shared pinned}; do
	case $sc in
	shared)
		echo "-- shared: wrk, the services, PostgreSQL and Jaeger on all cores"
		overhead shared ;;
	pinned)
		if [ "$(nproc)" -lt 2 ] || ! command -v taskset >/dev/null; then
			echo "-- pinned: skipped (needs 2 cores and taskset)"
			continue
		fi
		echo "-- pinned: wrk, the services and PostgreSQL on core 0; Jaeger alone on core 1 (a collector elsewhere)"
		overhead pinned
		unplace ;;
	esac
done
SCENARIO=shared
mode false

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
# the same number of spans of the same shape (traces of a root with 2
# attributes and 9 children with 10 each), counted by
# Jaeger's receiver metric, CPU (user + system) of the whole process.
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
		    l, n, got, t, (got > 0 ? t * 1e6 / got : 0) }'
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
