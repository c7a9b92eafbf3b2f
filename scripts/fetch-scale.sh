#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The scale profile's engines, fetched once from Maven Central and cached
# under ~/.cache/tracing-ref by name and version, like the Jaeger binary:
# Kafka (broker + tools, a log4j2 binding), the minimal OpenSearch
# distribution and Cassandra. A version change fetches anew; anything else
# reuses the cache. usage: fetch-scale.sh kafka|opensearch|cassandra...;
# prints each one's directory.
set -euo pipefail
KAFKA_VERSION=4.1.1
LOG4J_VERSION=2.24.3
OPENSEARCH_VERSION=2.19.0
CASSANDRA_VERSION=5.0.5
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tracing-ref
mkdir -p "$cache"

# Maven, quiet: its output is shown only when it fails.
mvn_quiet() {
	local log
	log=$(mktemp)
	if ! mvn -q -B "$@" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
}

# A throwaway pom listing the artifacts; Maven copies them and everything
# they depend on into DIR/lib (the classpath).
mvn_copy() {	# dir deps
	local dir=$1 deps=$2 tmp
	tmp=$(mktemp -d)
	cat >"$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.tracing-ref</groupId>
  <artifactId>fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>$deps</dependencies>
</project>
POM
	mvn_quiet -f "$tmp/pom.xml" dependency:copy-dependencies \
		-DoutputDirectory="$dir/lib" -DincludeScope=runtime
	rm -rf "$tmp"
}

dep() { printf '<dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version>%s</dependency>' \
	"$1" "$2" "$3" "${4:-}"; }

# cached NAME VERSION LABEL FILLER ARGS...: the cache directory
# NAME-VERSION, filled once by FILLER DIR.tmp ARGS... and moved into place
# only when complete.
cached() {
	local dir=$cache/$1-$2 label=$3 filler=$4
	shift 4
	if [ ! -f "$dir/.complete" ]; then
		echo "==> fetching $label from Maven Central (once)" >&2
		rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
		"$filler" "$dir.tmp" "$@"
		touch "$dir.tmp/.complete"
		rm -rf "$dir" && mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}

# The minimal distribution's zip, unpacked into DIR.
unpack_zip() {	# dir artifact
	local tmp
	tmp=$(mktemp -d)
	mvn_quiet dependency:copy -Dartifact="$2" -DoutputDirectory="$tmp"
	unzip -q "$tmp"/*.zip -d "$tmp/x"
	mv "$tmp"/x/*/* "$1"/
	rm -rf "$tmp"
}

fetch_kafka() {
	cached kafka $KAFKA_VERSION "Kafka $KAFKA_VERSION" mvn_copy \
		"$(dep org.apache.kafka kafka_2.13 $KAFKA_VERSION)$(dep org.apache.kafka kafka-tools $KAFKA_VERSION)$(dep org.apache.logging.log4j log4j-core $LOG4J_VERSION)$(dep org.apache.logging.log4j log4j-slf4j-impl $LOG4J_VERSION)"
}

fetch_opensearch() {
	cached opensearch $OPENSEARCH_VERSION "OpenSearch $OPENSEARCH_VERSION (minimal distribution)" unpack_zip \
		"org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION:zip"
}

fetch_cassandra() {
	cached cassandra $CASSANDRA_VERSION "Cassandra $CASSANDRA_VERSION" mvn_copy \
		"$(dep org.apache.cassandra cassandra-all $CASSANDRA_VERSION)"
}

[ $# -gt 0 ] || { echo "usage: fetch-scale.sh kafka|opensearch|cassandra..." >&2; exit 2; }
command -v mvn >/dev/null || { echo "fetch-scale: Maven is needed (scripts/deps.sh installs it)" >&2; exit 1; }
for what; do
	case $what in
	kafka) fetch_kafka ;;
	opensearch) fetch_opensearch ;;
	cassandra) fetch_cassandra ;;
	*) echo "fetch-scale: unknown engine '$what'" >&2; exit 2 ;;
	esac
done
