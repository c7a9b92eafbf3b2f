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

echo "== order flow: wrk -t2 -c$CONNS -d${DURATION}s POST /api/orders (gateway -> inventory -> orders -> notification)"
echo "   $(nproc) cores shared by wrk, the four services (SERVICE_WORKERS=$SERVICE_WORKERS each) and PostgreSQL"
wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s bench/order.lua \
	"http://$BIND_HOST:$GATEWAY_PORT/api/orders" >"$RUN_DIR/bench-wrk.log" 2>&1 &
wrkpid=$!
sleep $((DURATION / 2))
declare -A rss
for s in api-gateway inventory-service order-service notification-service; do
	rss[$s]=$(rss_of "$s")
done
wait $wrkpid
grep '^BENCH' "$RUN_DIR/bench-wrk.log" | sed 's/^BENCH /   /'
grep -E 'Non-2xx|Socket errors' "$RUN_DIR/bench-wrk.log" | sed 's/^/   /'
for s in api-gateway inventory-service order-service notification-service; do
	printf '   rss under load: %-22s %6d KiB\n' "$s" "${rss[$s]}"
done

for part in tracing cli; do
	if [ -f "$part/Makefile" ] && grep -q '^bench:' "$part/Makefile"; then
		echo "== $part"
		make -s -C "$part" bench
	fi
done
