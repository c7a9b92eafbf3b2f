#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# e2e.sh: tracectl against the running stack (gateway, services, Jaeger):
# orders and their traces, show, slow, stats, errors, deps, ops, the load
# generator, the error paths (Jaeger down, unknown trace id), and browse
# under tmux (browse-e2e.sh).  TAP on stdout.  Skips when the stack is not
# up.
#
#   JAEGER_URL   Jaeger query API   (default http://127.0.0.1:16686)
#   GATEWAY_URL  order gateway      (default http://127.0.0.1:8080)
#   TRACECTL     the binary         (default bin/tracectl)
#   E2E_SLOW_ON / E2E_SLOW_OFF  shell commands that turn a fault knob on
#                and off (e.g. a 300 ms delay in a service); with them,
#                `slow --ms 200` must find exactly the orders sent meanwhile.
#   E2E_OOS_ITEM "--sku S --qty N --price P" of an order the stock refuses
#                (default: --sku OUT-OF-STOCK --qty 1 --price 1)
. "$(dirname "$0")/tap.sh"	# set -u, $here, $T, $J, $G, $work, tap, skip
OOS=${E2E_OOS_ITEM:---sku OUT-OF-STOCK --qty 1 --price 1}

run() {		# run WANT "what" args...: tracectl's exit code is WANT
	want=$1 what=$2
	shift 2
	"$T" --jaeger "$J" --gateway "$G" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	cat "$work/err" >>"$work/out.all" 2>/dev/null
	if [ "$rc" -eq "$want" ]; then
		tap OK "$what"
	else
		echo "exit $rc, want $want" >>"$work/err"
		cat "$work/out" >>"$work/err"
		tap FAIL "$what" "$work/err"
	fi
	return $rc
}
pycheck() {	# pycheck "what" 'python on json d (stdin = last output)'
	if python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
$2" "$work/out" 2>"$work/py"; then
		tap OK "$1"
	else
		cat "$work/out" >>"$work/py"
		tap FAIL "$1" "$work/py"
	fi
}

if [ ! -x "$T" ]; then
	skip "tracectl end to end" "no $T (make -C cli)"
	exit 0
fi
if ! curl -sf -o /dev/null --max-time 3 "$J/api/services" ||
    ! curl -s -o /dev/null --max-time 3 "$G/"; then
	skip "tracectl end to end" "stack not running (Jaeger $J, gateway $G)"
	exit 0
fi

# The window starts at the next whole second (times have second precision
# here), so orders from earlier suites in this second stay out of it.
t0=$(date -u -d "@$(($(date +%s) + 1))" +%Y-%m-%dT%H:%M:%SZ)
sleep 2

# One order, its whole trace.
run 0 "order submit --wait places an order and fetches its trace" \
    order submit --sku SKU123 --qty 1 --price 50 --wait --json
cp "$work/out" "$work/first.json"
pycheck "the trace is the order's (trace id of our traceparent)" '
assert d["traceId"] == d["traceparent"].split("-")[1], d["traceId"]
assert d["response"]["traceId"] == d["traceId"]
assert d["response"].get("orderId") is not None'
pycheck "the trace spans gateway, inventory, order and notification" '
svcs = set(d["trace"]["services"])
want = {"api-gateway", "inventory-service", "order-service", "notification-service"}
assert want <= svcs, svcs
ops = {(s["service"], s["operation"], s["kind"]) for s in d["trace"]["spans"]}
assert ("api-gateway", "POST /api/orders", "server") in ops, ops'
pycheck "the trace has a critical path through the gateway" '
cp = [s for s in d["trace"]["spans"] if s["criticalPath"]]
assert any(s["service"] == "api-gateway" for s in cp), cp'
pycheck "its sections: in time order, inside their spans, adding up to the critical time of each span" '
for s in d["trace"]["spans"]:
    secs = s["criticalSections"]
    assert sum(b - a for a, b in secs) == s["criticalUs"], s
    assert all(a < b for a, b in secs), s
    assert all(secs[i][1] <= secs[i + 1][0] for i in range(len(secs) - 1)), s
    assert all(s["offsetUs"] <= a and b <= s["offsetUs"] + s["durationUs"] for a, b in secs), s
total = sum(s["criticalUs"] for s in d["trace"]["spans"])
assert total > 0'
tid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["traceId"])' "$work/first.json" 2>/dev/null)

run 0 "show TRACE_ID prints the tree" show "$tid"
if grep -q "api-gateway POST /api/orders" "$work/out" &&
    grep -q "order-service" "$work/out" && grep -q '\*' "$work/out"; then
	tap OK "show: gateway and order spans, critical path marked"
else
	tap FAIL "show: gateway and order spans, critical path marked" "$work/out"
fi
run 0 "show --json" show "$tid" --json
pycheck "show --json: typed attribute values, the resource and links of each span" '
g = [s for s in d["spans"] if s["service"] == "api-gateway" and s["kind"] == "server"][0]
assert g["attributes"]["http.response.status_code"] == 201, g["attributes"]
assert isinstance(g["attributes"]["http.request.method"], str)
assert g["resource"]["service.name"] == "api-gateway", g["resource"]
assert all(isinstance(s["links"], list) for s in d["spans"])'
run 0 "show --attrs" show "$tid" --attrs
if grep -q '  http.request.method=POST' "$work/out" && grep -q 'event +' "$work/out"; then
	tap OK "show --attrs: attributes and events under the spans"
else
	tap FAIL "show --attrs: attributes and events under the spans" "$work/out"
fi
run 0 "show --stats" show "$tid" --stats
if grep -q '^api-gateway  *POST /api/orders  *1  *0 ' "$work/out" && grep -q 'SELF%' "$work/out"; then
	tap OK "show --stats: per service and operation, count, errors, times"
else
	tap FAIL "show --stats: per service and operation, count, errors, times" "$work/out"
fi
if [ -n "${RUN_DIR:-}" ]; then
	run 0 "logs of the order's trace" logs "$tid" --json
	pycheck "logs: a line of each of the four services, in time order" '
assert {x["service"] for x in d} >= {"api-gateway", "inventory-service", "order-service", "notification-service"}, d
assert [x["time"] for x in d] == sorted(x["time"] for x in d)'
else
	skip "logs of the order's trace" "RUN_DIR not set"
fi
run 1 "show of an unknown trace id exits 1" show 0123456789abcdef0123456789abcdef
if grep -q "not found" "$work/err"; then
	tap OK "unknown trace id: a clear message"
else
	tap FAIL "unknown trace id: a clear message" "$work/err"
fi
"$T" --jaeger http://127.0.0.1:9 --timeout 2s slow >"$work/out" 2>"$work/err"
if [ $? -eq 3 ] && grep -q "cannot reach Jaeger" "$work/err"; then
	tap OK "Jaeger down: exit 3 and a clear message"
else
	tap FAIL "Jaeger down: exit 3 and a clear message" "$work/err"
fi

# A batch of orders: counts must match.
sent=1
run 0 "load generator: 20 orders, 4 at a time" order submit --count 20 \
    --concurrency 4 --json
pycheck "load generator: all 20 orders succeeded" '
assert d["ok"] == 20 and d["failed"] == 0, d'
sent=$((sent + 20))

# An order the stock refuses: an error trace.
run 1 "an out-of-stock order exits 1" order submit $OOS --json
cp "$work/out" "$work/oos.json"
pycheck "the refusal is a JSON error with a code" '
assert 400 <= d["httpStatus"] < 500, d
assert d["response"]["error"]["code"], d'
oos=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["traceId"])' "$work/oos.json" 2>/dev/null)

# Spans are exported in batches (through Kafka in the scale profile, where
# a trace's spans may arrive seconds apart): give them time, then ask.
i=0
while [ $i -lt 60 ]; do
	"$T" --jaeger "$J" stats --service api-gateway --start "$t0" --json >"$work/out" 2>/dev/null
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
c = [o["count"] for o in d["operations"] if o["operation"] == "POST /api/orders"]
r = [o for o in d["operations"] if o["operation"] == "POST /v1/reservations"]
sys.exit(0 if c and c[0] >= int(sys.argv[2]) and r and r[0]["errors"] >= 1 else 1)' "$work/out" $((sent + 1)) && break
	sleep 1
	i=$((i + 1))
done
run 0 "stats over the test's window" stats --service api-gateway --start "$t0" --json
pycheck "stats: POST /api/orders counted once per order sent ($((sent + 1)))" "
c = [o for o in d['operations'] if o['service'] == 'api-gateway' and o['operation'] == 'POST /api/orders']
assert c and c[0]['count'] == $((sent + 1)), c
# The refused order: a business outcome at the root (400, not an error),
# an ERROR on the gateway's CLIENT span to inventory (409).
r = [o for o in d['operations'] if o['operation'] == 'POST /v1/reservations']
assert r and r[0]['errors'] >= 1, r
assert c[0]['p50Us'] <= c[0]['p90Us'] <= c[0]['p99Us'] <= c[0]['maxUs'], c"

# Each service exports on its own schedule: wait until the refused
# order's inventory span (the ERROR with the stock message; the gateway's
# and tracectl's spans carry only error.type) has arrived: up to 30 s.
i=0
while [ $i -lt 60 ]; do
	"$T" --jaeger "$J" errors --start "$t0" --json >"$work/out" 2>/dev/null
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
t = [x for x in d["traces"] if x["traceId"] == sys.argv[2]]
sys.exit(0 if t and any(e["service"] == "inventory-service" and e["message"] for e in t[0]["errors"]) else 1)' \
		"$work/out" "$oos" && break
	sleep 0.5
	i=$((i + 1))
done
run 0 "errors finds the refused order" errors --start "$t0" --json
pycheck "errors: the out-of-stock trace with a message" "
t = [x for x in d['traces'] if x['traceId'] == '$oos']
assert t, [x['traceId'] for x in d['traces']]
assert any(e['message'] for e in t[0]['errors']), t"

run 0 "errors groups the error spans (service, operation, error)" errors --start "$t0" --json
pycheck "errors: the refused reservation's group counts it, with its message and an example trace" "
g = [x for x in d['groups'] if x['service'] == 'inventory-service' and x['operation'] == 'POST /v1/reservations']
assert g and g[0]['spans'] >= 1 and g[0]['traces'] >= 1, d['groups']
assert g[0]['message'] != '(no message)' and len(g[0]['exampleTraceId']) == 32, g
assert sum(x['spans'] for x in d['groups']) == d['errorSpans'], d['groups']"
run 0 "errors --by-trace --limit 1 (text)" errors --start "$t0" --by-trace --limit 1
if grep -q "^$oos" "$work/out" || grep -q 'first 1 shown' "$work/out"; then
	tap OK "errors --by-trace: one line per error span, --limit bounds the traces"
else
	tap FAIL "errors --by-trace: one line per error span, --limit bounds the traces" "$work/out"
fi

# diff: an order against the refused one (no order, no notification).
run 0 "diff of a placed and a refused order" diff "$tid" "$oos" --json
pycheck "diff: the order and notification spans are in the placed order only" "
o = {(x['service'], x['operation']): x for x in d['operations']}
assert o[('order-service', 'POST /v1/orders')]['in'] == 'a', o
assert o[('notification-service', 'POST /v1/notifications')]['in'] == 'a', o
g = o[('api-gateway', 'POST /api/orders')]
assert g['in'] == 'both' and g['countA'] == g['countB'] == 1, g"
run 0 "diff (text)" diff "$tid" "$oos"
if grep -q 'A only' "$work/out" && grep -q 'operations* in A only' "$work/out"; then
	tap OK "diff (text): what is in one trace only is marked"
else
	tap FAIL "diff (text): what is in one trace only is marked" "$work/out"
fi

# --tag: the refused order by the outcome the gateway records on its span.
outcome=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["response"]["error"]["code"])' "$work/oos.json")
run 0 "slow --tag order.outcome=$outcome" slow --ms 0 --tag "order.outcome=$outcome" --start "$t0" --limit 0 --json
pycheck "slow --tag: exactly the refused order" "
got = {t['traceId'] for t in d['traces']}
assert got == {'$oos'}, got"
run 1 "slow --max-ms 0.001ms finds nothing (every order takes longer)" slow --ms 0 --max-ms 1us --start "$t0"
if grep -q "no trace took >= 0us, of [0-9]* searched (traces with a span of api-gateway in the window; at most 1us)" "$work/err"; then
	tap OK "nothing found: what was searched, filters included"
else
	tap FAIL "nothing found: what was searched, filters included" "$work/err"
fi
run 0 "slow --operation alone searches the service that has it" slow --ms 0 \
    --operation "SELECT reserve_stock_batch" --start "$t0" --limit 0 --json
pycheck "slow --operation: the inventory's database spans found without --service" "
assert d['service'] == 'inventory-service' and d['matched'] >= 20, (d['service'], d['matched'])"
run 1 "slow --service nosuch finds nothing" slow --service nosuch --start "$t0"
if grep -q 'Jaeger knows no service "nosuch"; it knows: .*api-gateway' "$work/err"; then
	tap OK "an unknown service: the services Jaeger knows are listed"
else
	tap FAIL "an unknown service: the services Jaeger knows are listed" "$work/err"
fi

# slow: exactly our traces at least as long as the threshold.
run 0 "slow over the test's window" slow --ms 0 --start "$t0" --limit 0 --json
cp "$work/out" "$work/all.json"
thr=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
ds = sorted(t["durationUs"] for t in d["traces"])
print(ds[len(ds) // 2] if ds else 0)' "$work/all.json")
run 0 "slow --ms at the median duration" slow --ms "${thr}us" --start "$t0" --limit 0 --json
pycheck "slow finds exactly the traces at or above the threshold" "
a = json.load(open('$work/all.json'))
want = {t['traceId'] for t in a['traces'] if t['durationUs'] >= $thr}
got = {t['traceId'] for t in d['traces']}
assert got == want, (len(got), len(want))
ds = [t['durationUs'] for t in d['traces']]
assert ds == sorted(ds, reverse=True), 'not slowest first'"

if [ -n "${E2E_SLOW_ON:-}" ] && [ -n "${E2E_SLOW_OFF:-}" ]; then
	t1=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	sleep 1
	"$T" --gateway "$G" order submit --count 5 --concurrency 5 >/dev/null 2>&1
	sh -c "$E2E_SLOW_ON"
	: >"$work/slow.ids"
	for k in 1 2 3; do
		"$T" --gateway "$G" order submit --json >"$work/o.json" 2>/dev/null
		python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["traceId"])' "$work/o.json" >>"$work/slow.ids"
	done
	sh -c "$E2E_SLOW_OFF"
	"$T" --gateway "$G" order submit --count 5 --concurrency 5 >/dev/null 2>&1
	sleep 5
	# The orders only: a sweep of held reservations meanwhile (its call to
	# the slowed inventory) is a slow trace of the gateway too.
	run 0 "slow --ms 200 with the fault knob" slow --ms 200 --operation "POST /api/orders" --start "$t1" --limit 0 --json
	pycheck "slow --ms 200 finds exactly the 3 slowed orders" "
want = set(open('$work/slow.ids').read().split())
got = {t['traceId'] for t in d['traces']}
assert got == want, (got, want)"
else
	skip "slow --ms 200 finds exactly the slowed orders" "E2E_SLOW_ON/E2E_SLOW_OFF not set"
fi

run 0 "deps shows the service graph" deps --since 1h --json
pycheck "deps: the gateway calls order-service" '
assert any(x["parent"] == "api-gateway" and x["child"] == "order-service" and x["callCount"] > 0 for x in d), d'
run 0 "services lists the stack" services --json
pycheck "services: all four" '
assert {"api-gateway", "inventory-service", "order-service", "notification-service"} <= set(d), d'
run 0 "ops api-gateway" ops api-gateway --json
pycheck "ops: the gateway serves POST /api/orders" '
assert any(o["name"] == "POST /api/orders" for o in d), d'
run 0 "legacy API gives the same trace" --api legacy show "$tid" --json
pycheck "legacy and v3: same span count" "
f = json.load(open('$work/first.json'))
assert d['spanCount'] == f['trace']['spanCount'], (d['spanCount'], f['trace']['spanCount'])"

# The curses browser in a real terminal (tmux), on the orders above.
. "$here/browse-e2e.sh"
exit $fail
