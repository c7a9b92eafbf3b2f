#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make bench`, second part: our stack against the seed's own Node.js +
# Python stack (the benchmark peer in ../shared/peers/seed-stack, run from a
# copy under build/, never part of the project), on the same machine in
# the same run. Four stacks at once: ours traced and untraced (two sets of
# the four services, as the order-flow bench runs them), the peer traced
# (into the same Jaeger, service names seed-*) and untraced; wrk visits
# them in interleaved windows, on the seed's request (every order 2 of
# SKU123: one hot SKU) and, for ours, on the 100-SKU mix. Then each traced
# stack at half of the peer's maximum rate (tracectl's open-loop load).
# The peer missing or failing to install is said, and the bench goes on.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$TOP"

PEER_SRC=${SEED_STACK_DIR:-$TOP/../shared/peers/seed-stack}
PEER=$TOP/build/seed-stack
PEER_ROUNDS=${BENCH_PEER_ROUNDS:-3}
WINDOW=${BENCH_PEER_WINDOW:-8}
CONNS=${BENCH_CONNECTIONS:-32}
TWIN_OFFSET=${BENCH_TWIN_OFFSET:-1000}
TWIN_DIR=$RUN_DIR/bench-twin
PEER_T=9280 PEER_U=9380		# gateway ports of the peer, traced and untraced
log=$RUN_DIR/bench-peer.log
source scripts/bench-lib.sh

say() { echo "   $*"; }

# The peer, copied and set up once per version of its lock files.
peer_setup() {
	local stamp
	[ -x "$PEER_SRC/run.sh" ] || { say "peer: not found at $PEER_SRC: skipped"; return 1; }
	stamp=$(cat "$PEER_SRC/node/package-lock.json" "$PEER_SRC/python/requirements.txt" \
	    "$PEER_SRC"/node/*.js "$PEER_SRC"/python/*.py "$PEER_SRC/run.sh" 2>/dev/null | sha256sum | cut -c1-16)
	if [ "$(cat "$PEER/.stamp" 2>/dev/null)" != "$stamp" ]; then
		say "peer: setting up a copy in $PEER (npm ci, pip install; once)"
		rm -rf "$PEER" && mkdir -p "$PEER"
		(cd "$PEER_SRC" && tar --exclude=node_modules --exclude=.venv --exclude=run -cf - .) |
		    (cd "$PEER" && tar -xf -) &&
		    (cd "$PEER" && ./run.sh setup) >"$log" 2>&1 ||
			{ say "peer: setup failed (see $log): skipped"; return 1; }
		echo "$stamp" >"$PEER/.stamp"
	fi
}

peer() {	# traced|untraced, run.sh command
	local base=$PEER_T dis=false
	[ "$1" = untraced ] && base=$PEER_U dis=true
	# The SDKs' defaults: none of our OTEL_* settings (env.sh's) reach it.
	(cd "$PEER" && env $(env | sed -n 's/^\(OTEL_[A-Z_]*\)=.*/-u \1/p') \
	    RUN_DIR="$PEER/run-$1" GATEWAY_PORT=$base INVENTORY_PORT=$((base + 1)) \
	    ORDER_PORT=$((base + 2)) NOTIFICATION_PORT=$((base + 3)) OTEL_SDK_DISABLED=$dis \
	    OTEL_EXPORTER_OTLP_ENDPOINT="http://$JAEGER_HOST:${JAEGER_OTLP_GRPC_PORT:-4317}" ./run.sh "$2")
}

# Where a stack answers, and the pids of each of its four services.
port_of_stack() {
	case $1 in
	ours-traced) echo "$GATEWAY_PORT" ;;
	ours-untraced) echo $((GATEWAY_PORT + TWIN_OFFSET)) ;;
	peer-traced) echo $PEER_T ;;
	peer-untraced) echo $PEER_U ;;
	esac
}
service_pids() {	# stack, service (gateway|inventory|order|notification)
	case $1 in
	ours-traced) pid_tree "$RUN_DIR/$(ours_name "$2").pid" ;;
	ours-untraced) pid_tree "$TWIN_DIR/$(ours_name "$2").pid" ;;
	peer-*) pid_tree "$PEER/run-${1#peer-}/$2.pid" ;;
	esac
}
ours_name() { if [ "$1" = gateway ]; then echo api-gateway; else echo "$1-service"; fi; }
SVCS="gateway inventory order notification"

declare -A ops orders failed cpu p50 p99 p999 pss spans n
# One window of wrk on a stack and load; adds to its totals.
window() {	# stack, load (hot|mix)
	local k=$1,$2 s t0 a0 w=$RUN_DIR/bench-peer-wrk.log
	local -A c0
	for s in $SVCS; do c0[$s]=$(pid_ticks $(service_pids "$1" "$s")); done
	c0[db]=$(pid_ticks $(pg_pids))
	a0=$(accepted)
	if [ "$2" = hot ]; then
		BENCH_SKU=SKU123 BENCH_QTY=2 wrk -t2 -c"$CONNS" -d"${WINDOW}s" --timeout 10s -s bench/order.lua \
		    "http://$BIND_HOST:$(port_of_stack "$1")/api/orders" >"$w" 2>&1
	else
		wrk -t2 -c"$CONNS" -d"${WINDOW}s" --timeout 10s -s bench/order.lua \
		    "http://$BIND_HOST:$(port_of_stack "$1")/api/orders" >"$w" 2>&1
	fi
	grep -q '^BENCH' "$w" || { say "wrk failed on $1:"; sed 's/^/     /' "$w"; return; }
	for s in $SVCS; do
		cpu[$k,$s]=$(( ${cpu[$k,$s]:-0} + $(pid_ticks $(service_pids "$1" "$s")) - ${c0[$s]} ))
	done
	cpu[$k,db]=$(( ${cpu[$k,db]:-0} + $(pid_ticks $(pg_pids)) - ${c0[db]} ))
	orders[$k]=$(( ${orders[$k]:-0} + $(field "$w" orders) ))
	failed[$k]=$(( ${failed[$k]:-0} + $(field "$w" non201) + $(field "$w" errors) ))
	spans[$k]=$(( ${spans[$k]:-0} + $(accepted) - a0 ))
	ops[$k]+=" $(field "$w" orders_per_s)"
	p50[$k]+=" $(field "$w" p50_ms)"
	p99[$k]+=" $(field "$w" p99_ms)"
	p999[$k]+=" $(field "$w" p999_ms)"
	n[$k]=$(( ${n[$k]:-0} + 1 ))
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2; else print 0 }'; }

report() {	# load, stacks...
	local load=$1 k s hz row per sum u v
	shift
	hz=$(getconf CLK_TCK)
	printf "   %-14s %9s %8s %8s %9s %7s %34s %8s %6s\n" stack orders/s p50_ms p99_ms p99.9_ms failed \
	    "CPU us/order gw/inv/ord/not/db=all" "PSS MiB" spans
	for s in "$@"; do
		k=$s,$load
		[ -n "${n[$k]:-}" ] || continue
		per="" sum=0
		for v in $SVCS db; do
			u=$(awk -v c="${cpu[$k,$v]:-0}" -v o="${orders[$k]}" -v hz="$hz" \
			    'BEGIN { printf "%d", (o > 0 ? c * 1e6 / hz / o : 0) }')
			per+="$u/" sum=$((sum + u))
		done
		per="${per%/}=$sum"
		printf "   %-14s %9.1f %8.2f %8.2f %9.2f %7d %34s %8.1f %6s\n" "$s" \
		    "$(echo "${ops[$k]}" | median)" "$(echo "${p50[$k]}" | median)" \
		    "$(echo "${p99[$k]}" | median)" "$(echo "${p999[$k]}" | median)" "${failed[$k]}" "$per" \
		    "$(awk -v v="${pss[$s]:-0}" 'BEGIN { print v / 1024 }')" \
		    "$(awk -v a="${spans[$k]}" -v o="${orders[$k]}" -v t="$s" 'BEGIN {
			if (t ~ /untraced/) print "-"; else printf "%.1f", (o > 0 ? a / o : 0) }')"
	done
}
ratio() {	# what, a stack, b stack, load
	local a b
	a=$(echo "${ops[$2,$4]:-}" | median) b=$(echo "${ops[$3,$4]:-}" | median)
	awk -v a="$a" -v b="$b" -v w="$1" 'BEGIN { if (b > 0) printf "   %s: %.2fx\n", w, a / b }'
}

echo "== versus the seed's own stack (Express + FastAPI + the OpenTelemetry SDKs, in memory):"
echo "   wrk -t2 -c$CONNS, $PEER_ROUNDS rounds of ${WINDOW}s windows per stack, interleaved; medians of the windows"
bench_prepare || exit 1
peer_setup || exit 0
# The seed's request takes 2 units of SKU123 an order: lend it stock for
# the run, and take back what is left of the loan afterwards.
LOAN=100000000
loan() { scripts/pg.sh psql "$INVENTORY_DB" -c "UPDATE stock SET available = $1 WHERE sku = 'SKU123'" >/dev/null; }
finish() {
	local s
	peer traced down >/dev/null 2>&1
	peer untraced down >/dev/null 2>&1
	for s in api-gateway notification-service order-service inventory-service; do
		twin scripts/services.sh stop-service "$s" >/dev/null 2>&1
	done
	loan "GREATEST(available - $LOAN, 0)"
	scripts/services.sh start >/dev/null	# the stack as `make up` left it
	rm -rf "$RUN_DIR/bench-maildir" "$TWIN_DIR/maildir"
}
trap finish EXIT
peer traced up >"$log" 2>&1 && peer untraced up >>"$log" 2>&1 ||
	{ say "peer: did not start (see $log): skipped"; exit 0; }
loan "available + $LOAN"
OTEL_SDK_DISABLED=false MAILDIR="$RUN_DIR/bench-maildir" scripts/services.sh start >/dev/null
for s in inventory-service order-service notification-service api-gateway; do
	twin env OTEL_SDK_DISABLED=true scripts/services.sh start-service "$s" >/dev/null
done
STACKS="ours-traced peer-traced ours-untraced peer-untraced"
# Warm-up: connections, JIT, pools.
for st in $STACKS; do
	BENCH_SKU=SKU123 wrk -t2 -c"$CONNS" -d2s --timeout 10s -s bench/order.lua \
	    "http://$BIND_HOST:$(port_of_stack "$st")/api/orders" >/dev/null 2>&1
done
for r in $(seq "$PEER_ROUNDS"); do
	# Each round its own order, so that no stack always follows another.
	order=$(echo $STACKS | tr ' ' '\n' | awk -v r="$r" '{ a[NR] = $0 } END {
		for (i = 0; i < NR; i++) print a[(i + r - 1) % NR + 1] }')
	for st in $order; do window "$st" hot; done
	if [ "$r" = 1 ]; then
		for st in $STACKS; do	# the four services, after a round of load
			t=0
			for s in $SVCS; do t=$((t + $(pid_pss $(service_pids "$st" "$s")))); done
			pss[$st]=$t
		done
	fi
	window ours-traced mix
	window ours-untraced mix
done
echo "-- the seed's request (every order SKU123 x 2: one hot SKU; the peer's stock is a dict in memory)"
report hot $STACKS
ratio "orders/s ours/peer, traced (goal >= 10x)" ours-traced peer-traced hot
ratio "orders/s ours/peer, untraced (goal >= 5x)" ours-untraced peer-untraced hot
ratio "traced/untraced, ours" ours-traced ours-untraced hot
ratio "traced/untraced, peer" peer-traced peer-untraced hot
awk -v a="${pss[ours-traced]:-0}" -v b="${pss[peer-traced]:-0}" 'BEGIN {
	if (b > 0) printf "   memory (PSS) of the four services under load, ours/peer: %.2f (goal <= 0.25)\n", a / b }'
echo "-- our 100-SKU mix (the peer has no per-SKU lock to spread: its figure is the one above)"
report mix ours-traced ours-untraced
awk -v h="$(echo "${ops[ours-traced,hot]}" | median)" -v m="$(echo "${ops[ours-traced,mix]}" | median)" \
    'BEGIN { if (m > 0) printf "   hot SKU / mix, ours traced: %.2f\n", h / m }'

# Latency at a fixed rate: half of what the traced peer sustained, each
# traced stack in turn for PEER_ROUNDS windows of RATE_S seconds, after
# PostgreSQL's autovacuum of what the closed loops wrote is done (else the
# first stack measured pays for it).
RATE_S=${BENCH_PEER_RATE_SECONDS:-10}
settle() {
	local i
	for i in $(seq 60); do
		[ "$(scripts/pg.sh psql postgres -Atc "SELECT count(*) FROM pg_stat_activity
		    WHERE backend_type = 'autovacuum worker'" 2>/dev/null)" = 0 ] && break
		sleep 1
	done
	sleep 2
}
rate_window() {	# stack, rate, round
	"$BIN/tracectl" --gateway "http://$BIND_HOST:$(port_of_stack "$1")" order submit --sku SKU123 \
	    --qty 2 --price 50 --count $(($2 * RATE_S)) --concurrency 64 --rate "$2" --json \
	    >"$RUN_DIR/bench-peer-rate-$1-$3.json" 2>/dev/null
}
half=$(echo "${ops[peer-traced,hot]}" | median | awk '{ printf "%d", $1 / 2 }')
if [ "${half:-0}" -gt 0 ] && [ -x "$BIN/tracectl" ]; then
	echo "-- open loop at $half orders/s (half the traced peer's rate), $PEER_ROUNDS x ${RATE_S}s each, the seed's request"
	echo "   (tracectl order submit --rate $half --concurrency 64; medians of the windows, max and failed over all)"
	settle
	for r in $(seq "$PEER_ROUNDS"); do
		if [ $((r % 2)) = 1 ]; then set -- ours-traced peer-traced; else set -- peer-traced ours-traced; fi
		for st in "$@"; do rate_window "$st" "$half" "$r"; done
	done
	python3 - "$RUN_DIR" "$PEER_ROUNDS" <<'PY'
import json, statistics, sys
run, rounds = sys.argv[1], int(sys.argv[2])
p99 = {}
for st in ("ours-traced", "peer-traced"):
    ws = []
    for r in range(1, rounds + 1):
        try:
            ws.append(json.load(open("%s/bench-peer-rate-%s-%d.json" % (run, st, r))))
        except (OSError, ValueError):
            pass
    if not ws:
        print("   %-14s no figures (see %s/bench-peer-rate-%s-*.json)" % (st, run, st))
        continue
    errs = {}
    for w in ws:
        for k, v in w.get("errors", {}).items():
            errs[k] = errs.get(k, 0) + v
    p99[st] = statistics.median(w["p99Us"] for w in ws)
    print("   %-14s p50 %.2f ms, p99 %.2f ms, max %.2f ms, %d failed of %d%s" % (st,
          statistics.median(w["p50Us"] for w in ws) / 1000, p99[st] / 1000,
          max(w["maxUs"] for w in ws) / 1000, sum(w["failed"] for w in ws),
          sum(w["orders"] for w in ws),
          "" if not errs else " (" + ", ".join("%s: %d" % kv for kv in errs.items()) + ")"))
if p99.get("peer-traced"):
    print("   p99 at that rate, ours/peer: %.3f (goal <= 0.2)" % (p99["ours-traced"] / p99["peer-traced"]))
PY
fi
