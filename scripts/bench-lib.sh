# SPDX-License-Identifier: Apache-2.0
# Sourced by scripts/bench.sh and scripts/bench-peer.sh: what both benches
# need to run the twin stack and to read processes, wrk and Jaeger.
# Expects env.sh to be sourced and TWIN_DIR and TWIN_OFFSET to be set.

# The stack up (as `make up` starts it), and the 100 SKUs of bench/order.lua's
# mix in stock.
bench_prepare() {
	mkdir -p "$RUN_DIR"
	scripts/up.sh >"$RUN_DIR/up-for-bench.log" 2>&1 ||
		{ echo "bench: make up failed, see $RUN_DIR/up-for-bench.log" >&2; return 1; }
	scripts/pg.sh psql "$INVENTORY_DB" -c "INSERT INTO stock (sku, name, available)
		SELECT format('BENCH-%s', lpad(i::text, 2, '0')), 'benchmark', 1000000000
		FROM generate_series(0, 99) i
		ON CONFLICT (sku) DO UPDATE SET available = 1000000000" >/dev/null
}

# Runs a command with the twin stack's settings: its own run directory
# (pid files, configurations, logs), ports and Maildir.
twin() {
	(
		export RUN_DIR="$TWIN_DIR" MAILDIR="$TWIN_DIR/maildir"
		export GATEWAY_PORT=$((GATEWAY_PORT + TWIN_OFFSET)) INVENTORY_PORT=$((INVENTORY_PORT + TWIN_OFFSET))
		export ORDER_PORT=$((ORDER_PORT + TWIN_OFFSET)) NOTIFICATION_PORT=$((NOTIFICATION_PORT + TWIN_OFFSET))
		export INVENTORY_URL="http://$BIND_HOST:$INVENTORY_PORT" ORDER_URL="http://$BIND_HOST:$ORDER_PORT"
		export NOTIFICATION_URL="http://$BIND_HOST:$NOTIFICATION_PORT"
		"$@"
	)
}

# A process and its children (a Kore parent and its workers), from a pid file.
pid_tree() {	# pid file
	local p
	p=$(cat "$1" 2>/dev/null) || return 0
	echo "$p $(pgrep -P "$p" | tr '\n' ' ')"
}

# CPU time (clock ticks, user + system, all threads) of processes.
pid_ticks() {	# pids...
	local t=0 p f
	for p in "$@"; do
		f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		set -- $f
		t=$((t + ${12} + ${13}))
	done
	echo $t
}

# Proportional set size (KiB) of processes: shared pages counted once.
pid_pss() {	# pids...
	local t=0 p v
	for p in "$@"; do
		v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
		t=$((t + ${v:-0}))
	done
	echo $t
}

# PostgreSQL's processes: the postmaster (first line of its pid file) and
# its backends.
pg_pids() {
	local p
	p=$(head -n 1 "$RUN_DIR/pg/data/postmaster.pid" 2>/dev/null) || return 0
	echo "$p $(pgrep -P "$p" | tr '\n' ' ')"
}

# Spans Jaeger's OTLP receiver accepted so far (its own metrics).
accepted() {
	curl -s "http://$JAEGER_HOST:$JAEGER_METRICS_PORT/metrics" |
	    awk '/^otelcol_receiver_accepted_spans/ { s += $2 } END { printf "%d\n", s }'
}

# A field of bench/order.lua's BENCH line in a wrk log.
field() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"; }
