#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Records tests/fixtures/stack-*.json from our own running stack (`make up`):
# one confirmed order and one out-of-stock order placed by tracectl, each
# trace saved as Jaeger's legacy and v3 answers. The unit tests pin the
# trace ids they contain: update test_stack() in test_model.c after a new
# recording.
set -euo pipefail
cd "$(dirname "$0")/.."
J=${JAEGER_URL:-http://127.0.0.1:16686}
T=../bin/tracectl
id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["traceId"])'; }
ok=$("$T" order submit --sku SKU123 --qty 2 --price 50 --wait --json | id)
oos=$("$T" order submit --sku OUT-OF-STOCK --qty 1 --price 5 --wait --json | id)
sleep 2
for pair in "ok $ok" "oos $oos"; do
	set -- $pair
	curl -sf "$J/api/traces/$2" | python3 -m json.tool >"tests/fixtures/stack-$1.legacy.json"
	curl -sf "$J/api/v3/traces/$2" | python3 -m json.tool >"tests/fixtures/stack-$1.v3.json"
	echo "stack-$1: trace $2"
done
