#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The scale profile's engines and Jaeger roles (`make up STACK=scale`):
# Kafka (one KRaft node), an OpenSearch cluster (OPENSEARCH_NODES, three
# loopback addresses), SCALE_COLLECTORS collectors (OTLP in, Kafka out keyed
# by trace id), SCALE_INGESTERS ingesters in one consumer group (Kafka in,
# optional tail sampling, OpenSearch out) and one query process on the
# single-host Jaeger's ports; with CASSANDRA=on also Cassandra, an ingester
# of its own consumer group writing it and a query over it. Engines are
# fetched once (scripts/fetch-scale.sh); data, pid files and rendered configs
# live under $RUN_DIR/scale, logs under $RUN_DIR/log. Every start skips what
# already runs; `stop` stops what the pid files name.
# usage: scale.sh start|stop|status|summary|start-ROLE N|stop-ROLE N|kill-ROLE N|
#        clean-indices [DAYS [PREFIX]]|wait-opensearch [NODES [STATUS]]|partitions|
#        kafka-groups ARGS (Kafka's consumer-group tool)|collector-endpoint N|
#        collector-failover N|opensearch-urls|spanmetrics-targets|metrics-targets
#   ROLE is kafka, opensearch, collector, ingester, query, cassandra or
#   cassandra-roles (N numbers the instance from 1; kafka and query have one).
set -euo pipefail
source "$(dirname "$0")/env.sh"

S=$RUN_DIR/scale
LOG=$RUN_DIR/log
IFS=, read -r -a OS_HOSTS <<<"$OPENSEARCH_NODES"

alive() {
	local pid
	[ -f "$1" ] && pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

render() {
	perl -pe 's/\$\{(\w+)\}/exists $ENV{$1} ? $ENV{$1} : die "undefined: $1\n"/ge' "$1"
}

# wait_for WHAT SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
	local what=$1 secs=$2 i
	shift 2
	for i in $(seq 1 $((secs * 5))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "scale: $what is not ready after $secs s; see $LOG" >&2
	return 1
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }

# stop_pid PIDFILE NAME [SIGNAL]: TERM (or SIGNAL), then KILL after 60 s.
stop_pid() {
	local pidfile=$1 name=$2 sig=${3:-TERM} pid i
	alive "$pidfile" || { rm -f "$pidfile"; return 0; }
	pid=$(cat "$pidfile")
	echo "==> stopping $name (pid $pid${3:+, SIG$sig})"
	kill -"$sig" "$pid" 2>/dev/null || true
	for i in $(seq 1 600); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && { echo "==> $name did not stop: killing it"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; }
	rm -f "$pidfile"
}

# --- Kafka ---------------------------------------------------------------
# The JVM command line of every Kafka class we run (broker, tools): in
# KAFKA_JVM, an array, so that the broker can be started by nohup.
kafka_jvm() {
	KAFKA_JVM=(java -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC
		-Dlog4j2.configurationFile="$TOP/conf/scale/kafka-log4j2.yaml"
		-cp "$KAFKA_HOME/lib/*")
}
kafka_java() { kafka_jvm; "${KAFKA_JVM[@]}" "$@"; }

start_kafka() {
	KAFKA_HOME=$("$TOP/scripts/fetch-scale.sh" kafka)
	mkdir -p "$S/kafka/data"
	render "$TOP/conf/scale/kafka.properties" >"$S/kafka/server.properties"
	if alive "$S/kafka.pid"; then
		echo "==> Kafka: already running"
	else
		if [ ! -f "$S/kafka/data/meta.properties" ]; then
			echo "==> Kafka: formatting its log directory"
			kafka_java kafka.tools.StorageTool format -t "$(kafka_java kafka.tools.StorageTool random-uuid)" \
				-c "$S/kafka/server.properties" >>"$LOG/kafka.log" 2>&1
		fi
		echo "==> Kafka: starting on $BIND_HOST:$KAFKA_PORT"
		kafka_jvm
		nohup "${KAFKA_JVM[@]}" kafka.Kafka "$S/kafka/server.properties" >>"$LOG/kafka.log" 2>&1 &
		echo $! >"$S/kafka.pid"
	fi
	wait_for Kafka 90 kafka_topics --list
	if ! kafka_topics --list | grep -qx "$KAFKA_TOPIC"; then
		echo "==> Kafka: creating topic $KAFKA_TOPIC ($KAFKA_PARTITIONS partitions)"
		kafka_topics --create --if-not-exists --topic "$KAFKA_TOPIC" \
			--partitions "$KAFKA_PARTITIONS" --replication-factor 1 >/dev/null
	fi
}

# Kafka's own admin tools against the broker: topics and consumer groups.
kafka_tool() {
	local class=$1
	shift
	KAFKA_HOME=${KAFKA_HOME:-$("$TOP/scripts/fetch-scale.sh" kafka)}
	java -Xmx128m -Dlog4j2.level=WARN -cp "$KAFKA_HOME/lib/*" \
		"$class" --bootstrap-server "$BIND_HOST:$KAFKA_PORT" "$@"
}
kafka_topics() { kafka_tool org.apache.kafka.tools.TopicCommand "$@" 2>/dev/null; }
kafka_groups() { kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@"; }

# --- OpenSearch ------------------------------------------------------------
os_url() { echo "http://${OS_HOSTS[$(($1 - 1))]}:$OPENSEARCH_HTTP_PORT"; }

os_urls_yaml() {
	local i out=""
	for i in $(seq 1 ${#OS_HOSTS[@]}); do out="$out${out:+,}$(os_url "$i")"; done
	echo "[$out]"
}

# The distribution is copied out of the cache (under root's home, which
# the unprivileged uid cannot read) once per version.
os_home() {
	local cache home
	cache=$("$TOP/scripts/fetch-scale.sh" opensearch)
	home=$S/$(basename "$cache")
	if [ ! -f "$home/.complete" ]; then
		rm -rf "$home" && cp -a "$cache" "$home.tmp" && chmod -R a+rX "$home.tmp" && mv "$home.tmp" "$home"
	fi
	echo "$home"
}

start_opensearch() {
	local n=$1 home dir name seeds managers i
	home=$(os_home)
	dir=$S/opensearch-$n
	name=os-$n
	seeds=""; managers=""
	for i in $(seq 1 ${#OS_HOSTS[@]}); do
		seeds="$seeds${seeds:+, }${OS_HOSTS[$((i - 1))]}:$OPENSEARCH_TRANSPORT_PORT"
		managers="$managers${managers:+, }os-$i"
	done
	mkdir -p "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
	OS_NODE_NAME=$name OS_NODE_HOST=${OS_HOSTS[$((n - 1))]} OS_NODE_DIR=$dir \
		OS_SEED_HOSTS=$seeds OS_INITIAL_MANAGERS=$managers \
		render "$TOP/conf/scale/opensearch.yml" >"$dir/config/opensearch.yml"
	OS_NODE_DIR=$dir render "$TOP/conf/scale/opensearch-jvm.options" >"$dir/config/jvm.options"
	cp "$home/config/log4j2.properties" "$dir/config/"
	chown -R "$OPENSEARCH_UID:$OPENSEARCH_UID" "$dir"
	if alive "$S/$name.pid"; then
		echo "==> OpenSearch $name: already running"
		return 0
	fi
	echo "==> OpenSearch $name: starting on ${OS_HOSTS[$((n - 1))]}:$OPENSEARCH_HTTP_PORT (heap $OPENSEARCH_HEAP)"
	# OpenSearch refuses to run as root.
	OPENSEARCH_PATH_CONF=$dir/config OPENSEARCH_JAVA_HOME=${OPENSEARCH_JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")} \
		nohup setpriv --reuid="$OPENSEARCH_UID" --regid="$OPENSEARCH_UID" --clear-groups \
		"$home/bin/opensearch" >>"$LOG/opensearch-$n.log" 2>&1 &
	echo $! >"$S/$name.pid"
}

# Green: every node in, every shard and replica assigned.
wait_opensearch() {
	local want=${1:-${#OS_HOSTS[@]}} status=${2:-green}
	wait_for "OpenSearch ($want nodes, $status)" 180 \
		curl -fsS --max-time 5 "$(os_url 1)/_cluster/health?wait_for_nodes=$want&wait_for_status=$status&timeout=4s" \
		-o /dev/null
}

# The index cleaner, Jaeger's own (the minimal OpenSearch has no ISM):
# removes the daily indices created more than DAYS (default
# OPENSEARCH_RETENTION_DAYS) days before today, of PREFIX (default
# OPENSEARCH_INDEX_PREFIX). Run it daily (cron, a systemd timer).
clean_indices() {
	[ -x "$BIN/es-index-cleaner" ] || "$TOP/scripts/build-jaeger.sh" "$BIN/es-index-cleaner" es-index-cleaner
	"$BIN/es-index-cleaner" --index-prefix "${2:-$OPENSEARCH_INDEX_PREFIX}" "${1:-$OPENSEARCH_RETENTION_DAYS}" "$(os_url 1)"
}

# --- Jaeger roles ------------------------------------------------------------
collector_ports() {
	# collector N: OTLP gRPC, OTLP HTTP, health, metrics, span metrics.
	echo $((JAEGER_OTLP_GRPC_PORT + 10 * ($1 - 1))) $((JAEGER_OTLP_HTTP_PORT + 10 * ($1 - 1))) \
		$((SCALE_HEALTH_PORT_BASE + $1)) $((SCALE_METRICS_PORT_BASE + $1)) $((SCALE_METRICS_PORT_BASE + 5 + $1))
}

# What Prometheus scrapes in this profile (conf/prometheus.yml), as YAML
# list items: `prom_targets span` each collector's span metrics; `prom_targets
# roles` every Jaeger role's own metrics (query, collectors, ingesters).
prom_targets() {
	local i grpc http h m sm out=""
	[ "$1" = roles ] && out="\"$JAEGER_HOST:$JAEGER_METRICS_PORT\""
	for i in $(seq 1 "$SCALE_COLLECTORS"); do
		read -r grpc http h m sm < <(collector_ports "$i")
		[ "$1" = span ] && m=$sm
		out="$out${out:+, }\"$BIND_HOST:$m\""
	done
	if [ "$1" = roles ]; then
		for i in $(seq 1 "$SCALE_INGESTERS"); do
			out="$out, \"$BIND_HOST:$((SCALE_METRICS_PORT_BASE + 10 + i))\""
		done
	fi
	echo "$out"
}

metrics_targets() {
	local i grpc http h m sm out="\"$JAEGER_HOST:$JAEGER_METRICS_PORT\""
	for i in $(seq 1 "$SCALE_COLLECTORS"); do
		read -r grpc http h m sm < <(collector_ports "$i")
		out="$out, \"$BIND_HOST:$m\""
	done
	for i in $(seq 1 "$SCALE_INGESTERS"); do
		out="$out, \"$BIND_HOST:$((SCALE_METRICS_PORT_BASE + 10 + i))\""
	done
	echo "$out"
}

# Where service number N (0-based) sends its spans: the collectors dealt
# out in turn, so that every trace crosses more than one.
collector_endpoint() {
	local c grpc http h m sm
	c=$(( $1 % SCALE_COLLECTORS + 1 ))
	read -r grpc http h m sm < <(collector_ports "$c")
	if [ "$OTEL_EXPORTER_OTLP_PROTOCOL" = grpc ]; then
		echo "http://$BIND_HOST:$grpc"
	else
		echo "http://$BIND_HOST:$http"
	fi
}

# The other collectors, in turn after service N's own: its failovers
# (TRACING_OTLP_FAILOVER_ENDPOINTS, comma-separated).
collector_failover() {
	local i out=""
	for i in $(seq 1 $((SCALE_COLLECTORS - 1))); do
		out="$out${out:+,}$(collector_endpoint $(($1 + i)))"
	done
	echo "$out"
}

jaeger_role() {
	# jaeger_role NAME HEALTH_URL CONFIG...
	local name=$1 health=$2 args=() c
	shift 2
	for c; do args+=(--config "$c"); done
	if alive "$S/$name.pid"; then
		echo "==> $name: already running"
	else
		echo "==> $name: starting"
		# As in services.sh: Jaeger's own tracing stays off.
		OTEL_SDK_DISABLED=true OTEL_TRACES_EXPORTER=none \
			nohup "$BIN/jaeger" "${args[@]}" >>"$LOG/$name.log" 2>&1 &
		echo $! >"$S/$name.pid"
	fi
	wait_for "$name" 60 http_ok "$health"
}

# Collector N; with PROMETHEUS=on it also makes the span metrics of what
# it receives (conf/spanmetrics.yaml), on its own port.
start_collector() {
	local grpc http h m sm spm=()
	read -r grpc http h m sm < <(collector_ports "$1")
	[ "$PROMETHEUS" = on ] && spm=("$TOP/conf/spanmetrics.yaml" "$TOP/conf/scale/jaeger-collector-spm.yaml")
	COLLECTOR_OTLP_GRPC_PORT=$grpc COLLECTOR_OTLP_HTTP_PORT=$http COLLECTOR_HEALTH_PORT=$h COLLECTOR_METRICS_PORT=$m \
		JAEGER_HOST=$BIND_HOST SPANMETRICS_PORT=$sm \
		jaeger_role "collector-$1" "http://$BIND_HOST:$h/status" "$TOP/conf/scale/jaeger-collector.yaml" "${spm[@]}"
}

start_ingester() {
	local h=$((SCALE_HEALTH_PORT_BASE + 10 + $1)) m=$((SCALE_METRICS_PORT_BASE + 10 + $1)) tail=()
	[ "$TAIL_SAMPLING" = on ] && tail=("$TOP/conf/scale/jaeger-tail-sampling.yaml")
	OPENSEARCH_URLS=$(os_urls_yaml) INGESTER_NAME=ingester-$1 INGESTER_HEALTH_PORT=$h INGESTER_METRICS_PORT=$m \
		jaeger_role "ingester-$1" "http://$BIND_HOST:$h/status" "$TOP/conf/scale/jaeger-ingester.yaml" "${tail[@]}"
}

# The query; with PROMETHEUS=on its metrics API reads the collectors'
# span metrics from Prometheus (conf/spm-query.yaml).
start_query() {
	local spm=()
	[ "$PROMETHEUS" = on ] && spm=("$TOP/conf/spm-query.yaml")
	OPENSEARCH_URLS=$(os_urls_yaml) jaeger_role query "http://$JAEGER_HOST:$JAEGER_HEALTH_PORT/status" \
		"$TOP/conf/scale/jaeger-query.yaml" "${spm[@]}"
}

# --- Cassandra (CASSANDRA=on): the documented second storage -------------
start_cassandra() {
	local home dir opts
	home=$("$TOP/scripts/fetch-scale.sh" cassandra)
	dir=$S/cassandra
	mkdir -p "$dir/conf" "$dir/data" "$dir/commitlog" "$dir/saved_caches" "$dir/hints" "$dir/cdc"
	CASSANDRA_DIR=$dir render "$TOP/conf/scale/cassandra.yaml" >"$dir/conf/cassandra.yaml"
	CASSANDRA_DIR=$dir render "$TOP/conf/scale/cassandra-logback.xml" >"$dir/conf/logback.xml"
	if alive "$S/cassandra.pid"; then
		echo "==> Cassandra: already running"
	else
		echo "==> Cassandra: starting on $BIND_HOST:$CASSANDRA_PORT (heap $CASSANDRA_HEAP; about a minute)"
		# The module options of Cassandra's own conf/jvm17-server.options.
		opts=$(grep -v '^#' "$TOP/conf/scale/cassandra-jvm17.options" | tr '\n' ' ')
		# shellcheck disable=SC2086
		nohup java -Xms"$CASSANDRA_HEAP" -Xmx"$CASSANDRA_HEAP" -XX:+UseG1GC $opts \
			-Dcassandra.config="file://$dir/conf/cassandra.yaml" -Dlogback.configurationFile="$dir/conf/logback.xml" \
			-Dcassandra.storagedir="$dir" -Dcassandra-foreground=yes -Dcassandra.jmx.local.port="$CASSANDRA_JMX_PORT" \
			-cp "$dir/conf:$home/lib/*" org.apache.cassandra.service.CassandraDaemon >>"$LOG/cassandra.log" 2>&1 &
		echo $! >"$S/cassandra.pid"
	fi
	wait_for Cassandra 240 bash -c "exec 3<>/dev/tcp/$BIND_HOST/$CASSANDRA_PORT"
}

# A Cassandra-backed ingester (its own consumer group: it gets every span
# the OpenSearch ingesters get) and query (CASSANDRA_QUERY_PORT).
start_cassandra_roles() {
	local h=$((SCALE_HEALTH_PORT_BASE + 21))
	CASSANDRA_ROLE_HEALTH_PORT=$h CASSANDRA_ROLE_METRICS_PORT=$((SCALE_METRICS_PORT_BASE + 21)) \
		jaeger_role ingester-cassandra "http://$BIND_HOST:$h/status" "$TOP/conf/scale/jaeger-cassandra.yaml"
}

# --- all of it -------------------------------------------------------------
start_all() {
	local i
	mkdir -p "$S" "$LOG"
	[ "$SCALE_INGESTERS" -le "$KAFKA_PARTITIONS" ] ||
		{ echo "scale: SCALE_INGESTERS ($SCALE_INGESTERS) > KAFKA_PARTITIONS ($KAFKA_PARTITIONS): some would idle" >&2; exit 1; }
	[ -x "$BIN/es-index-cleaner" ] || "$TOP/scripts/build-jaeger.sh" "$BIN/es-index-cleaner" es-index-cleaner
	for i in $(seq 1 ${#OS_HOSTS[@]}); do start_opensearch "$i"; done
	start_kafka
	wait_opensearch
	for i in $(seq 1 "$SCALE_COLLECTORS"); do start_collector "$i"; done
	for i in $(seq 1 "$SCALE_INGESTERS"); do start_ingester "$i"; done
	start_query
	if [ "$CASSANDRA" = on ]; then
		start_cassandra
		start_cassandra_roles
	fi
}

stop_all() {
	local f
	stop_pid "$S/query.pid" query
	for f in "$S"/ingester-*.pid "$S"/collector-*.pid; do
		[ -e "$f" ] && stop_pid "$f" "$(basename "$f" .pid)"
	done
	stop_pid "$S/kafka.pid" Kafka
	for f in "$S"/os-*.pid; do
		[ -e "$f" ] && stop_pid "$f" "OpenSearch $(basename "$f" .pid)"
	done
	stop_pid "$S/cassandra.pid" Cassandra
	return 0
}

status() {
	local f
	for f in "$S"/*.pid; do
		[ -e "$f" ] || continue
		if alive "$f"; then echo "$(basename "$f" .pid) running (pid $(cat "$f"))"; else echo "$(basename "$f" .pid) stopped"; fi
	done
}

# What `make up` prints about the profile.
summary() {
	local i grpc http h m sm
	for i in $(seq 1 "$SCALE_COLLECTORS"); do
		read -r grpc http h m sm < <(collector_ports "$i")
		printf '  jaeger collector-%s    OTLP grpc :%s, http :%s   (health :%s, metrics :%s%s)\n' "$i" "$grpc" "$http" \
			"$h" "$m" "$([ "$PROMETHEUS" = on ] && echo ", span metrics :$sm")"
	done
	for i in $(seq 1 "$SCALE_INGESTERS"); do
		printf '  jaeger ingester-%s     Kafka group %s -> OpenSearch   (health :%s, tail sampling %s)\n' "$i" \
			"$KAFKA_GROUP_ID" $((SCALE_HEALTH_PORT_BASE + 10 + i)) "$TAIL_SAMPLING"
	done
	printf '  Kafka                 %s:%s   (topic %s, %s partitions)\n' "$BIND_HOST" "$KAFKA_PORT" "$KAFKA_TOPIC" "$KAFKA_PARTITIONS"
	printf '  OpenSearch            %s   (index prefix %s)\n' "$(os_urls_yaml)" "$OPENSEARCH_INDEX_PREFIX"
	[ "$CASSANDRA" = on ] && printf '  Cassandra             %s:%s; its query http://%s:%s\n' "$BIND_HOST" "$CASSANDRA_PORT" \
		"$BIND_HOST" "$CASSANDRA_QUERY_PORT"
	return 0
}

pidfile_of() {
	case $1 in
	kafka | query | cassandra | ingester-cassandra) echo "$S/$1.pid" ;;
	opensearch) echo "$S/os-$2.pid" ;;
	collector | ingester) echo "$S/$1-$2.pid" ;;
	*) echo "scale: unknown role '$1'" >&2; return 1 ;;
	esac
}

cmd=${1:-}
case $cmd in
start) start_all ;;
stop) stop_all ;;
status) status ;;
summary) summary ;;
wait-opensearch) wait_opensearch "${2:-}" "${3:-green}" ;;
clean-indices) clean_indices "${2:-}" "${3:-}" ;;
collector-endpoint) collector_endpoint "$2" ;;
spanmetrics-targets) prom_targets span ;;
metrics-targets) prom_targets roles ;;
collector-failover) collector_failover "$2" ;;
opensearch-urls) os_urls_yaml ;;
kafka-groups) shift; kafka_groups "$@" ;;
partitions) kafka_topics --describe --topic "$KAFKA_TOPIC" | sed -n 's/.*Partition: \([0-9]*\).*/\1/p' ;;
start-kafka) mkdir -p "$S" "$LOG"; start_kafka ;;
start-opensearch) mkdir -p "$S" "$LOG"; start_opensearch "$2" ;;
start-collector) start_collector "$2" ;;
start-ingester) start_ingester "$2" ;;
start-query) start_query ;;
start-cassandra) mkdir -p "$S" "$LOG"; start_cassandra; start_cassandra_roles ;;
stop-*) stop_pid "$(pidfile_of "${cmd#stop-}" "${2:-}")" "${cmd#stop-}${2:+-$2}" ;;
kill-*) stop_pid "$(pidfile_of "${cmd#kill-}" "${2:-}")" "${cmd#kill-}${2:+-$2}" KILL ;;
*)
	echo "usage: scale.sh start|stop|status|clean-indices|start-ROLE [N]|stop-ROLE [N]|kill-ROLE [N]" >&2
	exit 2
	;;
esac
