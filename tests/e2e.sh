#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end suites against the real running stack (PostgreSQL, Jaeger and
# the four services, started here with `make up` if they are not running).
# Each suite prints TAP; the suites that restart things run last.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
mkdir -p "$RUN_DIR"

# The suites drive the W3C test service too.
export W3C_TEST_SERVICE=on
if ! scripts/up.sh >"$RUN_DIR/up-for-tests.log" 2>&1; then
	echo "not ok 1 - make up brought the stack up"
	sed 's/^/#   /' "$RUN_DIR/up-for-tests.log" | tail -40
	exit 1
fi
echo "# the stack is up (see $RUN_DIR/up-for-tests.log)"

rc=0
# call.c and db.c in one process with Kore, against the stack's PostgreSQL.
echo "# kore-apps I/O tests (call.c, db.c)"
if make -s -C kore-apps io-tests >"$RUN_DIR/io-tests-build.log" 2>&1; then
	LSAN_OPTIONS=use_unaligned=1:suppressions=$TOP/kore-apps/fuzz/lsan.supp \
		IO_DB_CONNINFO=$GATEWAY_DB_CONNINFO build/fuzz-front-door/io-tests || rc=1
else
	echo "not ok 1 - the I/O tests build"
	sed 's/^/#   /' "$RUN_DIR/io-tests-build.log" | tail -20
	rc=1
fi
for t in tests/e2e/test_orders.py tests/e2e/test_traces.py tests/e2e/test_w3c.py tests/e2e/test_http.py \
    tests/e2e/test_export.py tests/e2e/test_metrics.py tests/e2e/test_viewer.py; do
	echo "# $t"
	python3 "$t" || rc=1
done

echo "# cli/tests/e2e.sh (tracectl against the stack)"
JAEGER_URL="http://$JAEGER_HOST:$JAEGER_QUERY_PORT" GATEWAY_URL="http://$BIND_HOST:$GATEWAY_PORT" \
	E2E_SLOW_ON="'$TOP/scripts/fault.sh' inventory-service '{\"latency_ms\":300}'" \
	E2E_SLOW_OFF="'$TOP/scripts/fault.sh' inventory-service clear" \
	bash cli/tests/e2e.sh || rc=1

# Last: these restart services, PostgreSQL and the whole stack.
for t in tests/e2e/test_faults.py tests/e2e/test_auth.py tests/e2e/test_restart.py; do
	echo "# $t"
	python3 "$t" || rc=1
done
exit $rc
