#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# cli.sh: tests of tracectl's command line that need no server: usage and
# exit codes, --help, bad flags, and an unreachable Jaeger or gateway (a
# port nobody listens on).  TAP, numbered from $1.  TRACECTL: the binary.
n=${1:-0}
T=${TRACECTL:?TRACECTL not set}
# tracectl traces its own requests: these are against stand-ins, and their
# spans (thousands, from the load runs) must not reach a Jaeger that other
# suites search (`make test` points OTEL_* at the stack's).
export OTEL_TRACES_EXPORTER=none
fail=0
# A closed port: bind-and-release would race; port 9 (discard) is not served.
DEAD=http://127.0.0.1:9

check() {	# check WANT_RC "what" cmd...
	want=$1 what=$2
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	n=$((n + 1))
	if [ "$rc" -eq "$want" ]; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what (exit $rc, want $want)"
		printf '%s\n' "$out" | sed 's/^/# /'
		fail=1
	fi
	LAST=$out
}

has() {		# has "what" PATTERN: the last output matches
	n=$((n + 1))
	if printf '%s\n' "$LAST" | grep -q -- "$2"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$LAST" | sed 's/^/# /'
		fail=1
	fi
}

check 4 "output that cannot be written (/dev/full) exits 4, not 3" sh -c "'$T' --help >/dev/full"
has "the failing output is named" "stdout"
check 0 "tracectl --help exits 0" "$T" --help
has "--help lists the commands" "tracectl slow"
check 0 "tracectl slow --help exits 0" "$T" slow --help
has "slow --help shows its synopsis" "usage: tracectl slow"
check 0 "tracectl order --help exits 0" "$T" order --help
check 2 "no command is a usage error" "$T"
check 2 "an unknown command is a usage error" "$T" frobnicate
has "the unknown command is named" "frobnicate: no such command"
check 2 "an unknown flag is a usage error" "$T" slow --bogus
check 2 "--ms wants a number" "$T" slow --ms fast
has "bad --ms says why" "not a number of milliseconds"
check 2 "--since wants a duration" "$T" slow --since yesterday
check 2 "--since and --start exclude each other" "$T" slow --since 1h \
    --start -2h
check 2 "--start after --end is refused" "$T" stats --start -1h --end -2h
check 2 "show wants one trace id" "$T" show
check 2 "show refuses a non-hex id" "$T" --jaeger "$DEAD" show xyz
check 2 "--timeout wants a duration" "$T" --timeout soon services
check 2 "--api wants auto, v3 or legacy" "$T" --api v9 services
check 2 "order without submit is a usage error" "$T" order
check 2 "--price needs a --sku first" "$T" order submit --price 3
check 2 "an item needs a price" "$T" order submit --sku A --qty 2
check 2 "--wait and --count exclude each other" "$T" order submit --wait \
    --count 3
check 2 "--rate wants orders per second" "$T" order submit --count 2 \
    --rate fast
check 0 "browse --help exits 0" "$T" browse --help
has "browse --help shows its synopsis" "usage: tracectl browse \[TRACE_ID\]"
check 2 "browse without a terminal is refused" "$T" browse
has "browse says it needs a terminal" "browse needs a terminal"
check 2 "browse --sort wants start or duration" "$T" browse --sort size
check 2 "browse --min-duration wants a duration" "$T" browse \
    --min-duration fast
has "bad --min-duration says why" "minimum duration: want a duration"
check 2 "browse --since wants a duration" "$T" browse --since never
check 2 "browse --refresh wants a duration of 1s or more" "$T" browse \
    --refresh 10ms
check 2 "browse wants at most one trace id" "$T" browse abc def
check 3 "Jaeger down: exit 3" "$T" --jaeger "$DEAD" --timeout 2s services
has "Jaeger down: the message names Jaeger and its URL" \
    "cannot reach Jaeger at $DEAD"
check 3 "Jaeger down: slow exits 3" "$T" --jaeger "$DEAD" slow --ms 200
check 3 "Jaeger down: show exits 3" "$T" show --jaeger "$DEAD" \
    4bf92f3577b34da6a3ce929d0e0e4736
TRACECTL_JAEGER_URL=$DEAD check 3 "TRACECTL_JAEGER_URL is used" "$T" \
    services
check 3 "gateway down: exit 3" "$T" --gateway "$DEAD" order submit
has "gateway down: the message names the gateway" \
    "cannot reach the gateway at $DEAD"
check 3 "gateway down: the load generator exits 3" "$T" --gateway "$DEAD" \
    order submit --count 3 --concurrency 2
check 2 "order --file of a missing file" "$T" order submit --file \
    /nonexistent/order.json
tmp=$(mktemp)
echo '{"userId": 1, "items": [' >"$tmp"
check 2 "order --file that is not JSON" "$T" order submit --file "$tmp"
has "bad JSON file: line and column" "not JSON"
rm -f "$tmp"

# Orders against a stand-in gateway (mock-gateway.py): no Jaeger needed.
here=$(cd "$(dirname "$0")" && pwd)
portf=$(mktemp)
python3 "$here/mock-gateway.py" --port 0 >"$portf" 2>/dev/null &
mock=$!
fj=""
fj2=""
trap 'kill $mock $fj $fj2 $fj3 2>/dev/null; rm -f "$portf" "$portf.j" "$portf.j2" "$portf.j3"' EXIT
i=0
while [ ! -s "$portf" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
GW=http://127.0.0.1:$(cat "$portf")
check 0 "order submit: 201 exits 0" "$T" --gateway "$GW" order submit
has "order submit prints the order id" "^order    1"
has "order submit prints status and total" "^total    100.00"
has "order submit prints the latency and HTTP status" "^latency .*(HTTP 201)"
check 0 "order submit --json" "$T" --gateway "$GW/" order submit --json \
    --sku A --qty 3 --price 2.5 --user 7 --email x@example.com
n=$((n + 1))
if printf '%s\n' "$LAST" | python3 -c '
import json, sys
d = json.load(sys.stdin)
tp = d["traceparent"].split("-")
r = d["response"]
assert d["httpStatus"] == 201 and r["total"] == 7.5, d
assert tp[0] == "00" and tp[3] == "01" and len(tp[1]) == 32, tp
assert tp[1] == d["traceId"] == r["traceId"], d
assert int(tp[2], 16) != 0 and int(tp[1], 16) != 0
'; then
	echo "ok $n - the gateway continues our traceparent (same trace id)"
else
	echo "not ok $n - the gateway continues our traceparent (same trace id)"
	fail=1
fi
# A traced shell script hands its context down in the environment.
for off in false true; do
	check 0 "order submit under TRACEPARENT (SDK disabled: $off)" env \
	    OTEL_SDK_DISABLED=$off \
	    TRACEPARENT=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 \
	    "$T" --gateway "$GW" order submit --json
	has "the order continues the environment's trace (SDK disabled: $off)" \
	    '"traceparent": *"00-4bf92f3577b34da6a3ce929d0e0e4736-'
done
check 1 "order rejected (409) exits 1" "$T" --gateway "$GW" order submit \
    --sku SKU999 --price 1
has "rejection shows the error code, message and sku" \
    "rejected: HTTP 409 out_of_stock: not enough stock (sku SKU999)"
check 3 "gateway failing (500) exits 3" "$T" --gateway "$GW" order submit \
    --sku BOOM --price 1
check 0 "order submit --file - reads stdin" sh -c "echo '{\"userId\":2,\"items\":[{\"sku\":\"F\",\"quantity\":1,\"price\":4}],\"email\":\"f@example.com\"}' |
    '$T' --gateway '$GW' order submit --file -"
has "the file's order is sent as is" "^total    4.00"
check 0 "load generator: 40 orders, 8 at a time" "$T" --gateway "$GW" \
    order submit --count 40 --concurrency 8 --json
n=$((n + 1))
if printf '%s\n' "$LAST" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["orders"] == 40 and d["ok"] == 40 and d["failed"] == 0, d
assert 0 < d["p50Us"] <= d["p90Us"] <= d["p99Us"] <= d["maxUs"], d
'; then
	echo "ok $n - load summary: counts and ordered percentiles"
else
	echo "not ok $n - load summary: counts and ordered percentiles"
	fail=1
fi
check 1 "load generator: failed orders exit 1" "$T" --gateway "$GW" \
    order submit --count 12 --concurrency 3 --sku SKU999 --price 1
has "errors are counted by kind" "HTTP 409 out_of_stock  *12"
check 0 "load generator: --rate paces the run" "$T" --gateway "$GW" \
    order submit --count 10 --concurrency 10 --rate 20 --json
n=$((n + 1))
if printf '%s\n' "$LAST" | python3 -c '
import json, sys
d = json.load(sys.stdin)
# 10 orders at 20/s: the last starts at 0.45 s.
assert d["elapsedUs"] >= 440000, d
'; then
	echo "ok $n - --rate 20 spreads 10 orders over 0.45 s or more"
else
	echo "not ok $n - --rate 20 spreads 10 orders over 0.45 s or more"
	fail=1
fi
check 0 "load generator: a closed loop at concurrency 1" "$T" --gateway "$GW" \
    order submit --count 20 --json
n=$((n + 1))
if printf '%s\n' "$LAST" | python3 -c '
import json, sys
d = json.load(sys.stdin)
# One order after the other: the run lasts what their answers take (each
# at most maxUs) plus a little per order, not a pause after each (it
# idled 100 ms after every answer).
assert d["ok"] == 20 and d["elapsedUs"] <= 20 * d["maxUs"] + 20 * 20000, d
'; then
	echo "ok $n - a closed-loop run is bounded by its latency, not by a sleep"
else
	echo "not ok $n - a closed-loop run is bounded by its latency, not by a sleep"
	printf '%s\n' "$LAST" | sed 's/^/# /'
	fail=1
fi

# A load run interrupted: the summary of what was done, a progress line
# every 5 s off a terminal, exit 130 as for any SIGINT.
"$T" --gateway "$GW" order submit --count 2000 --rate 100 >"$portf.lo" 2>"$portf.le" &
lgpid=$!
sleep 6.5
kill -INT $lgpid
wait $lgpid
rc=$?
n=$((n + 1))
if [ $rc -eq 130 ] && grep -q '^interrupted: [0-9]* of 2000 orders answered, [0-9]* abandoned in flight' "$portf.lo" &&
    grep -q '^latency of successful orders: p50' "$portf.lo" &&
    grep -q '^tracectl: [0-9]*/2000 orders, 0 failed, [0-9]*/s, 0:0[0-9] elapsed, 0:[0-9:]* left' "$portf.le"; then
	echo "ok $n - Ctrl-C: exit 130, the partial summary; progress lines off a terminal"
else
	echo "not ok $n - Ctrl-C: exit 130, the partial summary; progress lines off a terminal (exit $rc)"
	sed 's/^/# /' "$portf.lo" "$portf.le"
	fail=1
fi
"$T" --gateway "$GW" order submit --count 2000 --rate 200 --json >"$portf.lo" 2>/dev/null &
lgpid=$!
sleep 1
kill -TERM $lgpid
wait $lgpid
rc=$?
n=$((n + 1))
if [ $rc -eq 143 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["interrupted"] is True and 0 < d["completed"] < 2000 and d["ok"] == d["completed"], d
' "$portf.lo"; then
	echo "ok $n - SIGTERM: the JSON summary says interrupted, with what was completed"
else
	echo "not ok $n - SIGTERM: the JSON summary says interrupted, with what was completed (exit $rc)"
	sed 's/^/# /' "$portf.lo"
	fail=1
fi
rm -f "$portf.lo" "$portf.le"

# Windowed search against a stand-in Jaeger (fake-jaeger.py): 2500 traces,
# every 10th 200 ms long; answers hold at most --page traces.
python3 "$here/fake-jaeger.py" >"$portf.j" 2>/dev/null &
fj=$!
python3 "$here/fake-jaeger.py" --no-v3 >"$portf.j2" 2>/dev/null &
fj2=$!
python3 "$here/fake-jaeger.py" --traces 1 --no-metrics >"$portf.j3" 2>/dev/null &
fj3=$!
i=0
while { [ ! -s "$portf.j" ] || [ ! -s "$portf.j2" ] || [ ! -s "$portf.j3" ]; } && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
FJ=http://127.0.0.1:$(cat "$portf.j")
FJ2=http://127.0.0.1:$(cat "$portf.j2")
FJ3=http://127.0.0.1:$(cat "$portf.j3")
W="--start 2026-11-24T00:00:00Z --end 2026-11-25T00:00:00Z"
counts() {	# counts "what" MATCHED SCANNED: of the last slow --json
	n=$((n + 1))
	if printf '%s\n' "$LAST" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert (d["matched"], d["scanned"]) == (int(sys.argv[1]), int(sys.argv[2])), (d["matched"], d["scanned"])
ids = [t["traceId"] for t in d["traces"]]
assert len(ids) == len(set(ids)), "duplicates"
' "$2" "$3"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		fail=1
	fi
}
check 0 "v3 search, 100 a page, 2500 traces" "$T" --jaeger "$FJ" slow --ms 0 \
    --no-narrow --page 100 --limit 0 --json $W
counts "v3 paging: all 2500 traces, each once" 2500 2500
check 0 "legacy search, 100 a page" "$T" --jaeger "$FJ" --api legacy slow \
    --ms 0 --no-narrow --page 100 --limit 0 --json $W
counts "legacy paging: all 2500 traces, each once" 2500 2500
check 0 "slow --ms 150 narrows the search" "$T" --jaeger "$FJ" slow --ms 150 \
    --page 30 --limit 0 --json $W
counts "slow --ms 150: exactly the 250 slow traces, only they fetched" 250 250
check 0 "no /api/v3: auto falls back to the legacy API" "$T" --jaeger "$FJ2" \
    --verbose slow --ms 150 --page 7 --limit 0 --json $W
has "the fallback used /api/traces" "GET .*/api/traces?service=api-gateway"
check 3 "--api v3 against a Jaeger without it exits 3" "$T" --jaeger "$FJ2" \
    --api v3 slow --json $W
has "--api v3 said v3 was missing" "not served"
check 0 "stats pages too" "$T" --jaeger "$FJ" stats $W --json
n=$((n + 1))
if printf '%s\n' "$LAST" | python3 -c '
import json, sys
d = json.load(sys.stdin)
o = {(x["service"], x["operation"]): x for x in d["operations"]}
g = o[("api-gateway", "POST /api/orders")]
assert d["traces"] == 2500 and g["count"] == 2500, d["traces"]
assert (g["p50Us"], g["p90Us"], g["p99Us"]) == (20000, 20000, 200000), g
'; then
	echo "ok $n - stats: 2500 traces, nearest-rank p50/p90/p99 20/20/200 ms"
else
	echo "not ok $n - stats: 2500 traces, nearest-rank p50/p90/p99 20/20/200 ms"
	fail=1
fi

# Tables fit --width (a terminal's width by default), full off a terminal.
# The widest table line (the summary line after it is prose: it may wrap;
# then the viewer's URL of the slowest trace).
widest() { printf '%s\n' "$LAST" | grep -v '^view: ' | sed '$d' | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }'; }
check 0 "slow --width 80" "$T" --jaeger "$FJ" --color never slow --ms 0 --limit 5 --width 80 $W
n=$((n + 1))
if [ "$(widest)" -le 80 ] && printf '%s\n' "$LAST" | grep -q '^000000000abc09ba  .*api-gateway: P' &&
    ! printf '%s\n' "$LAST" | grep -q 'SERVICES'; then
	echo "ok $n - --width 80: every line fits, ids whole, names cut, SERVICES left out"
else
	echo "not ok $n - --width 80: every line fits, ids whole, names cut, SERVICES left out"
	printf '%s\n' "$LAST" | sed 's/^/# /'
	fail=1
fi
check 0 "slow off a terminal" "$T" --jaeger "$FJ" --color never slow --ms 0 --limit 5 $W
n=$((n + 1))
if [ "$(widest)" -gt 120 ] && printf '%s\n' "$LAST" | grep -q 'LARGEST SELF TIME'; then
	echo "ok $n - off a terminal the table is whole"
else
	echo "not ok $n - off a terminal the table is whole"
	fail=1
fi
check 0 "slow --width 80 --wide" "$T" --jaeger "$FJ" --color never slow --ms 0 --limit 5 --width 80 --wide $W
n=$((n + 1))
if [ "$(widest)" -gt 120 ]; then
	echo "ok $n - --wide: full width again"
else
	echo "not ok $n - --wide: full width again"
	fail=1
fi
check 2 "--width wants 40 columns or more" "$T" --width 10 services

# top: RED metrics from the stand-in's /api/metrics (Jaeger's SPM answers).
jsonok() {	# jsonok "what" PYTHON: asserts on d, the last output as JSON
	n=$((n + 1))
	if printf '%s\n' "$LAST" | python3 -c "import json, sys
d = json.load(sys.stdin)
$2"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$LAST" | sed 's/^/# /'
		fail=1
	fi
}
check 0 "top --once --json against Jaeger's metrics API" "$T" --jaeger "$FJ" top --once --json
jsonok "top: worst first (errors, then p99), idle operations counted, not listed" '
ops = [(x["service"], x["operation"]) for x in d["operations"]]
assert ops == [("order-service", "POST /v1/orders"), ("api-gateway", "POST /api/orders"),
               ("order-service", "POST /v1/orders/lookup")], ops
assert d["idle"] == 1 and d["windowS"] == 60 and d["spanKinds"] == ["server"], d
o = d["operations"][0]
assert (o["ratePerSecond"], o["errorRate"]) == (5.0, 0.2), o
assert (o["p50Us"], o["p95Us"], o["p99Us"]) == (1000, 3000, 250000), o
l = d["operations"][2]
assert l["p50Us"] is None and l["errorRate"] == 0, l'
check 0 "top --sort rate --service api-gateway" "$T" --jaeger "$FJ" top --once --json \
    --sort rate --service api-gateway --window 5m --span-kind server --span-kind client
jsonok "top: only the service asked for; --window and --span-kind reach the query" '
assert [x["operation"] for x in d["operations"]] == ["POST /api/orders"], d
assert d["windowS"] == 300 and d["spanKinds"] == ["server", "client"], d'
check 0 "top --verbose shows the metrics query" "$T" --jaeger "$FJ" --verbose top --once \
    --service api-gateway --window 5m --span-kind client
has "the query asks for rates over the window, the span kind, grouped by operation" \
    "metrics/calls?groupByOperation=true.*ratePer=300000.*service=api-gateway&spanKind=client"
check 0 "top as a table off a terminal" "$T" --jaeger "$FJ" --color never top
has "top's table: rate, error share and percentiles" \
    "order-service  *POST /v1/orders  *5.00  *20.0%  *1.00ms  *3.00ms  *250ms"
check 3 "top against a Jaeger without metrics storage exits 3" "$T" --jaeger "$FJ3" top --once
has "top says metrics storage is not configured, and how" "no metrics storage: run its query with conf/spm-query.yaml"
check 3 "top with Jaeger unreachable exits 3" "$T" --jaeger "$DEAD" top --once --service x
check 2 "top --window under two scrapes is refused" "$T" top --window 5s
check 2 "top --sort wants worst, rate, p99 or name" "$T" top --sort fast
check 2 "top --span-kind wants a kind" "$T" top --span-kind sideways
check 2 "top --once and --refresh exclude each other" "$T" top --once --refresh 2s

# deps: the service graph as a tree, same-service edges left out.
check 0 "deps draws the graph" env LC_ALL=C.UTF-8 "$T" --jaeger "$FJ" --color never deps
n=$((n + 1))
want='api-gateway
├─▶ inventory-service  10 calls
├─▶ notification-service  9 calls
│  └─▶ mailer  1 call
└─▶ order-service  9 calls
1 same-service edge left out'
if [ "$LAST" = "$want" ]; then
	echo "ok $n - deps: callees under callers, counts, the self edge left out"
else
	echo "not ok $n - deps: callees under callers, counts, the self edge left out"
	printf '%s\n' "$LAST" | sed 's/^/# /'
	fail=1
fi
check 0 "deps --table" "$T" --jaeger "$FJ" --color never deps --table
has "deps --table: one line per edge" "^notification-service  .*mailer  *1"

# logs: one trace's lines from every *.log, in time order.
ld=$(mktemp -d)
tid=4bf92f3577b34da6a3ce929d0e0e4736
cat >"$ld/api-gateway.log" <<LOG
[parent]: kore is starting up
{"time":"2026-11-24T10:00:00.100Z","level":"info","service":"api-gateway","trace_id":"$tid","span_id":"00f067aa0ba902b7","route":"/api/orders","status":201}
{"time":"2026-11-24T10:00:00.050Z","level":"info","service":"api-gateway","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","status":201}
LOG
cat >"$ld/inventory-service.log" <<LOG
{"time":"2026-11-24T10:00:00.020Z","level":"warn","service":"inventory-service","trace_id":"$tid","span_id":"53995c3f42cd8ad8","status":409}
{"time":"2026-11-24T10:00:00.090Z","level":"info","service":"inventory-service","trace_id":"$tid","span_id":"a2fb4a1d1a96d312","status":200}
LOG
echo '{"time":"2026-11-24T10:00:00.010Z","trace_id":"'$tid'"}' >"$ld/notes.txt"
check 0 "logs TRACE_ID --dir" "$T" --color never logs "$tid" --dir "$ld"
n=$((n + 1))
if [ "$(printf '%s\n' "$LAST" | wc -l)" -eq 3 ] &&
    printf '%s\n' "$LAST" | sed -n 1p | grep -q '^inventory-service .*"status":409' &&
    printf '%s\n' "$LAST" | sed -n 2p | grep -q '^inventory-service .*"status":200' &&
    printf '%s\n' "$LAST" | sed -n 3p | grep -q '^api-gateway .*"status":201'; then
	echo "ok $n - logs: the trace's lines of every .log, merged in time order, other traces and files left out"
else
	echo "not ok $n - logs: the trace's lines of every .log, merged in time order, other traces and files left out"
	printf '%s\n' "$LAST" | sed 's/^/# /'
	fail=1
fi
check 0 "logs --json" "$T" logs "${tid#0}" --dir "$ld" --json
jsonok "logs --json: the lines as JSON objects" '
assert [x["status"] for x in d] == [409, 200, 201], d'
check 1 "logs of a trace with no line exits 1" env TRACECTL_LOG_DIR="$ld" "$T" logs abc
check 2 "logs wants a trace id" "$T" logs xyz --dir "$ld"
check 3 "logs without the log directory exits 3" "$T" logs abc --dir "$ld/nosuch"
rm -rf "$ld"

# The man page and --help name the same options (docs drift).
LAST=$(python3 "$here/options-check.py" "$n" "$T" "$here/../tracectl.1") || fail=1
printf '%s\n' "$LAST" | grep -v '^# next '
n=$(printf '%s\n' "$LAST" | sed -n 's/^# next //p')
exit $fail
