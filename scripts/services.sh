#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Starts and stops the native stack's processes: Prometheus, Jaeger and the
# four Kore services (with STACK=scale only the services: scripts/scale.sh
# runs Jaeger's roles). `services.sh start` renders each Kore configuration into
# $RUN_DIR/conf, starts what is not running (restarting a service whose
# module or configuration changed since it started) and waits until each
# answers its readiness check. `services.sh stop` stops exactly those
# processes, by the pid files it wrote. Logs go to $RUN_DIR/log.
set -euo pipefail
source "$(dirname "$0")/env.sh"

SERVICES="inventory-service order-service notification-service api-gateway"
# The W3C test service runs only when asked for (W3C_TEST_SERVICE=on).
[ "${W3C_TEST_SERVICE:-off}" = on ] && SERVICES="$SERVICES w3c-test-service"

svc_port() {
	if [ "$1" = w3c-test-service ]; then echo "$W3C_TEST_PORT"; else port_of "$1"; fi
}

alive() {
	local pid
	[ -f "$1" ] && pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

wait_http() {
	local url=$1 what=$2 tries=${3:-150}
	while [ "$tries" -gt 0 ]; do
		if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
			return 0
		fi
		sleep 0.2
		tries=$((tries - 1))
	done
	echo "services: $what is not ready ($url); see $RUN_DIR/log" >&2
	return 1
}

# Waits for a stopped process as long as its workers may drain
# (SHUTDOWN_DRAIN_MS) plus 5 s, then kills it.
stop_pidfile() {
	local pidfile=$1 name=$2 pid i secs
	alive "$pidfile" || { rm -f "$pidfile"; return 0; }
	pid=$(cat "$pidfile")
	secs=$(( (${SHUTDOWN_DRAIN_MS:-5000} + 999) / 1000 + 5 ))
	[ "$secs" -lt 10 ] && secs=10
	echo "==> stopping $name (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 $((secs * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "==> $name did not stop in $secs s: killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
}

render() {
	# ${NAME} -> value of NAME in the environment; a missing one is an error.
	perl -pe 's/\$\{(\w+)\}/exists $ENV{$1} ? $ENV{$1} : die "undefined: $1\n"/ge' "$1"
}

start_jaeger() {
	local conf="$TOP/conf/jaeger.yaml" spm=()
	# RED metrics: the spanmetrics pipeline and the SPM API over Prometheus.
	[ "$PROMETHEUS" = on ] && spm=(--config "$TOP/conf/spanmetrics.yaml" --config "$TOP/conf/spm-query.yaml"
		--config "$TOP/conf/jaeger-spm.yaml")
	[ "$JAEGER_STORAGE" = badger ] && conf="$TOP/conf/jaeger-badger.yaml" && mkdir -p "$JAEGER_BADGER_DIR"
	if alive "$RUN_DIR/jaeger.pid"; then
		echo "==> Jaeger: already running"
	else
		echo "==> Jaeger: starting ($JAEGER_STORAGE storage)"
		# Jaeger's own tracing stays off: it would read the OTEL_* settings
		# meant for the services and send its spans over gRPC to 4318.
		OTEL_SDK_DISABLED=true OTEL_TRACES_EXPORTER=none \
			nohup "$BIN/jaeger" --config "$conf" "${spm[@]}" >"$RUN_DIR/log/jaeger.log" 2>&1 &
		echo $! >"$RUN_DIR/jaeger.pid"
	fi
	wait_http "http://$JAEGER_HOST:$JAEGER_HEALTH_PORT/status" Jaeger
}

# Prometheus (unless PROMETHEUS=off): its configuration rendered from
# conf/prometheus.yml, its data under $RUN_DIR/prometheus, loopback only.
# What it scrapes depends on the stack: the single Jaeger, or the scale
# profile's collectors (span metrics) and every Jaeger role (their own).
start_prometheus() {
	[ "$PROMETHEUS" = on ] || return 0
	command -v prometheus >/dev/null ||
		{ echo "services: prometheus is not installed (scripts/deps.sh installs it; PROMETHEUS=off goes without)" >&2; return 1; }
	mkdir -p "$RUN_DIR/prometheus"
	if [ "$STACK" = scale ]; then
		SPANMETRICS_TARGETS=$("$TOP/scripts/scale.sh" spanmetrics-targets)
		JAEGER_TARGETS=$("$TOP/scripts/scale.sh" metrics-targets)
	else
		SPANMETRICS_TARGETS="\"$JAEGER_HOST:$SPANMETRICS_PORT\""
		JAEGER_TARGETS="\"$JAEGER_HOST:$JAEGER_METRICS_PORT\""
	fi
	SPANMETRICS_TARGETS=$SPANMETRICS_TARGETS JAEGER_TARGETS=$JAEGER_TARGETS \
		render "$TOP/conf/prometheus.yml" >"$RUN_DIR/conf/prometheus.yml"
	if alive "$RUN_DIR/prometheus.pid"; then
		echo "==> Prometheus: already running (reloading its configuration)"
		kill -HUP "$(cat "$RUN_DIR/prometheus.pid")"
	else
		echo "==> Prometheus: starting on $PROMETHEUS_HOST:$PROMETHEUS_PORT"
		nohup prometheus --config.file="$RUN_DIR/conf/prometheus.yml" \
			--storage.tsdb.path="$RUN_DIR/prometheus" \
			--storage.tsdb.retention.time="$PROMETHEUS_RETENTION" \
			--web.listen-address="$PROMETHEUS_HOST:$PROMETHEUS_PORT" \
			>"$RUN_DIR/log/prometheus.log" 2>&1 &
		echo $! >"$RUN_DIR/prometheus.pid"
	fi
	wait_http "http://$PROMETHEUS_HOST:$PROMETHEUS_PORT/-/ready" Prometheus
}

# A service restarts when anything it reads changed: its configuration, its
# module, Kore, or its environment, keys and passwords included (they enter
# the stamp hashed, never written out).
start_service() {
	local name=$1 conf stamp pidfile
	conf="$RUN_DIR/conf/$name.conf"
	pidfile="$RUN_DIR/$name.pid"
	render "$TOP/kore-apps/$name/conf/$name.conf" >"$conf.new"
	stamp=$( (cat "$conf.new"; cat "$BIN/$name.so" "$BIN/kore"; env | grep -E '^(OTEL_|TRACING_|MAIL|SMTP_|DB_|INVENTORY_|ORDER_|NOTIFICATION_|GATEWAY_|IDEMPOTENCY_|FAULTS_|UPSTREAM_|ACCESS_LOG|SERVICE_AUTH_|PG|TRACE_INCOMING)' | sort) | sha256sum | cut -c1-16)
	if alive "$pidfile" && [ "$(cat "$RUN_DIR/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
		echo "==> $name: already running"
		rm -f "$conf.new"
		return 0
	fi
	alive "$pidfile" && { echo "==> $name: changed since it started: restarting"; stop_pidfile "$pidfile" "$name"; }
	mv "$conf.new" "$conf"
	echo "$stamp" >"$RUN_DIR/$name.stamp"
	echo "==> $name: starting on $BIND_HOST:$(svc_port "$name")"
	# The tracing library's spool: a directory per service under
	# TRACING_SPOOL_DIR (default $RUN_DIR/spool), its workers' files in it.
	local spool=""
	if [ "$TRACING_SPOOL" = on ]; then
		spool="${TRACING_SPOOL_DIR:-$RUN_DIR/spool}/$name"
		mkdir -p "$spool" && chmod 700 "$spool"
	fi
	# Each service gets the keys it needs alone: the gateway its signing
	# keys, each callee the key it accepts (env.sh: one per callee).
	local drop=() v
	for v in $(compgen -e | grep -E '^SERVICE_AUTH_(KEY$|ACCEPT_)'); do
		case "$name:$v" in
		api-gateway:SERVICE_AUTH_KEY) ;;
		*:SERVICE_AUTH_ACCEPT_$(echo "$name" | tr 'a-z-' 'A-Z_')) ;;
		*) drop+=(-u "$v") ;;
		esac
	done
	# Kore writes its own pid file (the parent process).
	TRACING_SPOOL_DIR=$spool \
		nohup env "${drop[@]}" stdbuf -oL -eL "$BIN/kore" -f -n -r -c "$conf" >>"$RUN_DIR/log/$name.log" 2>&1 &
}

# The process answering on a service's port must be the one we started: a
# leftover from an earlier run (its pid file gone) would answer the
# readiness check while the new one failed to bind.
ours() {
	local i
	for i in $(seq 1 50); do
		alive "$RUN_DIR/$1.pid" && return 0
		sleep 0.1
	done
	echo "services: $1 did not start, yet port $(svc_port "$1") answers: another process holds it" \
	    "(see $RUN_DIR/log/$1.log; \`ss -ltnp\` shows which)" >&2
	return 1
}

# In the scale profile the services send their spans to the collectors,
# dealt out in turn (scripts/scale.sh), instead of the single Jaeger, and
# fail over to the other collectors when theirs is away.
start_service_in_stack() {
	if [ "$STACK" = scale ]; then
		OTEL_EXPORTER_OTLP_ENDPOINT=$("$TOP/scripts/scale.sh" collector-endpoint "$2") \
		TRACING_OTLP_FAILOVER_ENDPOINTS=$("$TOP/scripts/scale.sh" collector-failover "$2") \
			start_service "$1"
	else
		start_service "$1"
	fi
}

# Number of a service in $SERVICES, from 0.
service_index() {
	local i=0 s
	for s in $SERVICES; do
		[ "$s" = "$1" ] && { echo $i; return 0; }
		i=$((i + 1))
	done
	echo 0
}

case "${1:-}" in
start)
	mkdir -p "$RUN_DIR/conf" "$RUN_DIR/log" "$MAILDIR" "$FAULTS_DIR"
	start_prometheus
	if [ "$STACK" = single ]; then start_jaeger; fi
	i=0
	for s in $SERVICES; do start_service_in_stack "$s" $i; i=$((i + 1)); done
	for s in $SERVICES; do
		wait_http "http://$BIND_HOST:$(svc_port "$s")/ready" "$s"
		ours "$s"
	done
	;;
stop)
	for s in w3c-test-service api-gateway notification-service order-service inventory-service; do
		stop_pidfile "$RUN_DIR/$s.pid" "$s"
	done
	stop_pidfile "$RUN_DIR/jaeger.pid" Jaeger
	stop_pidfile "$RUN_DIR/prometheus.pid" Prometheus
	;;
stop-service)
	stop_pidfile "$RUN_DIR/$2.pid" "$2"
	;;
stop-jaeger)
	stop_pidfile "$RUN_DIR/jaeger.pid" Jaeger
	stop_pidfile "$RUN_DIR/prometheus.pid" Prometheus
	;;
start-jaeger)
	mkdir -p "$RUN_DIR/conf" "$RUN_DIR/log"
	start_jaeger
	;;
start-service)
	mkdir -p "$RUN_DIR/conf" "$RUN_DIR/log" "$MAILDIR" "$FAULTS_DIR"
	start_service_in_stack "$2" "$(service_index "$2")"
	wait_http "http://$BIND_HOST:$(svc_port "$2")/ready" "$2"
	ours "$2"
	;;
start-prometheus)
	mkdir -p "$RUN_DIR/conf" "$RUN_DIR/log"
	start_prometheus
	;;
*)
	echo "usage: services.sh start|stop|start-service NAME|stop-service NAME|start-jaeger|stop-jaeger|start-prometheus" >&2
	exit 2
	;;
esac
