#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The scale profile's suite (`make test`, after tests/e2e.sh): brings the
# stack up as STACK=scale (collectors -> Kafka -> ingesters -> OpenSearch,
# query on the usual Jaeger ports), checks one order through it, runs the
# single-host trace suite and tracectl's end-to-end suite against its query
# unchanged, the RED metrics suite against the collectors' span metrics,
# then the profile's fault, sampling, index and Cassandra tests
# (tests/e2e/test_scale.py). Afterwards the single-host stack is brought
# back. Prints TAP; how long it took goes in a comment.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
mkdir -p "$RUN_DIR"
start=$(date +%s)
export STACK=scale W3C_TEST_SERVICE=on
if ! scripts/up.sh >"$RUN_DIR/up-scale-for-tests.log" 2>&1; then
	echo "not ok 1 - make up STACK=scale brought the scale profile up"
	sed 's/^/#   /' "$RUN_DIR/up-scale-for-tests.log" | tail -40
	scripts/scale.sh stop >/dev/null 2>&1
	exit 1
fi
echo "# the scale profile is up in $(( $(date +%s) - start )) s (see $RUN_DIR/up-scale-for-tests.log)"

rc=0
echo "# tests/e2e/test_scale.py: one order"
SCALE_TESTS=test_order_through_the_profile python3 tests/e2e/test_scale.py || rc=1
echo "# tests/e2e/test_traces.py against the scale profile's query"
python3 tests/e2e/test_traces.py || rc=1
echo "# tests/e2e/test_metrics.py: RED metrics from the collectors' span metrics"
python3 tests/e2e/test_metrics.py || rc=1
echo "# cli/tests/e2e.sh (tracectl) against the scale profile's query"
JAEGER_URL="http://$JAEGER_HOST:$JAEGER_QUERY_PORT" GATEWAY_URL="http://$BIND_HOST:$GATEWAY_PORT" \
	E2E_SLOW_ON="'$TOP/scripts/fault.sh' inventory-service '{\"latency_ms\":300}'" \
	E2E_SLOW_OFF="'$TOP/scripts/fault.sh' inventory-service clear" \
	bash cli/tests/e2e.sh || rc=1
echo "# tests/e2e/test_scale.py: faults, tail sampling, index cleaner, Cassandra"
SCALE_TESTS=test_ingester_stopped,test_opensearch_manager_killed,test_collector_stopped,test_tail_sampling,test_index_cleaner,test_cassandra \
	python3 tests/e2e/test_scale.py || rc=1

echo "# the scale suite took $(( $(date +%s) - start )) s; bringing the single-host stack back"
if ! STACK=single scripts/up.sh >"$RUN_DIR/up-for-tests.log" 2>&1; then
	echo "not ok 1 - make up brought the single-host stack back after the scale suite"
	sed 's/^/#   /' "$RUN_DIR/up-for-tests.log" | tail -20
	rc=1
fi
exit $rc
