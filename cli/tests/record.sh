#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Records tracectl's unit-test fixtures from a real Jaeger: starts a private
# Jaeger (jaeger-run.sh), feeds it the order-flow traces of feed.py, and saves
# its legacy (/api) and v3 (/api/v3) answers under fixtures/.  Re-run it after
# changing feed.py; pass a base port to avoid a clash (default 26686).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
base=${1:-26686}
urls=$("$here/jaeger-run.sh" start "$base")
q=${urls% *}
otlp=${urls#* }
python3 "$here/feed.py" fixtures "$otlp"
sleep 2	# the batch processor flushes every second
fx=$here/fixtures
mkdir -p "$fx"
ids=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import feed
for n, t in feed.FIXTURES.items(): print(n, t)' "$here")
echo "$ids" | while read -r name id; do
	curl -sf "$q/api/traces/$id" | python3 -m json.tool --indent 1 >"$fx/$name.legacy.json"
	curl -sf "$q/api/v3/traces/$id" | python3 -m json.tool --indent 1 >"$fx/$name.v3.json"
done
now=$(date +%s)
curl -sf "$q/api/traces?service=api-gateway&limit=100&start=$(((now - 3600) * 1000000))&end=$((now * 1000000))" |
	python3 -m json.tool --indent 1 >"$fx/search-gateway.legacy.json"
curl -sf "$q/api/v3/traces?query.service_name=api-gateway&query.start_time_min=$(date -u -d @$((now - 3600)) +%Y-%m-%dT%H:%M:%SZ)&query.start_time_max=$(date -u -d @"$now" +%Y-%m-%dT%H:%M:%SZ)&query.num_traces=100" |
	python3 -m json.tool --indent 1 >"$fx/search-gateway.v3.json"
curl -sf "$q/api/services" >"$fx/services.legacy.json"
curl -sf "$q/api/v3/services" >"$fx/services.v3.json"
curl -sf "$q/api/services/order-service/operations" >"$fx/ops-order-service.legacy.json"
curl -sf "$q/api/v3/operations?service=order-service" >"$fx/ops-order-service.v3.json"
curl -sf "$q/api/dependencies?endTs=$((now * 1000))&lookback=86400000" >"$fx/dependencies.legacy.json"
curl -s "$q/api/traces/00000000000000000000000000000bad" >"$fx/notfound.legacy.json"
curl -s "$q/api/v3/traces/00000000000000000000000000000bad" >"$fx/notfound.v3.json"
ls "$fx"
