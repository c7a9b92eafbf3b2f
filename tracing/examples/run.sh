#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh: builds the examples against an installed libcotel (with their
# Makefile, through pkg-config), runs each against otlp_sink.py, a fake
# OTLP/HTTP receiver, and checks what the receiver got. TAP on stdout,
# everything else on stderr; exits 1 if anything failed.
#
# usage: run.sh PREFIX [OUTDIR]    (STATIC=1 in the environment: libcotel.a)
#
# OUTDIR gets the programs and their output; without it, a temporary
# directory, removed when everything passed.
set -uo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: run.sh PREFIX [OUTDIR]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
prefix=$(cd "$1" && pwd) || exit 2
if [ $# -eq 2 ]; then
	mkdir -p "$2" && out=$(cd "$2" && pwd) || exit 2
	tmp=
else
	out=$(mktemp -d) || exit 2
	tmp=$out
fi

pc=$prefix/lib/pkgconfig
export PKG_CONFIG_PATH=$pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export LD_LIBRARY_PATH=$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# Only what is set below reaches the examples.
for v in $(compgen -e); do
	case $v in OTEL_*|TRACING_*) unset "$v" ;; esac
done

n=0
failed=0
sink_pid=

cleanup() {
	[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid"
	if [ -n "$tmp" ]; then
		if [ "$failed" -eq 0 ]; then
			rm -rf "$tmp"
		else
			echo "run.sh: output kept in $tmp" >&2
		fi
	fi
}
trap cleanup EXIT
trap 'exit 130' HUP INT TERM

# tap STATUS DESCRIPTION
tap() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

# The checks, against the sink's GET /__log: sinkctl CHECK [ARGS...].
checks='
import json, sys, urllib.request

base = "http://127.0.0.1:" + sys.argv[1]
what, args = sys.argv[2], sys.argv[3:]

def say(msg):
    print("  " + msg, file=sys.stderr)

if what == "reset":
    req = urllib.request.Request(base + "/__reset", data=b"", method="POST")
    urllib.request.urlopen(req, timeout=10).read()
    sys.exit(0)

with urllib.request.urlopen(base + "/__log", timeout=10) as r:
    log = json.load(r)
exports = [r for r in log if r["path"] == "/v1/traces"]
spans = [s for r in exports for s in r.get("spans", [])]
names = [s["name"] for s in spans]
conns = {r["peer_port"] for r in exports}
for r in log:
    if "error" in r:
        say("sink: undecodable request: " + r["error"])

if what == "span":                      # span NAME: that one span only
    say("received: %s" % names)
    ok = names == [args[0]]
elif what == "count":                   # count N: N spans
    say("received %d spans in %d requests, expected %s" %
        (len(spans), len(exports), args[0]))
    ok = args[0].isdigit() and len(spans) == int(args[0])
elif what == "parent":                  # every other span a child of the root
    roots = [s for s in spans if not s["parent_span_id"]]
    if len(roots) != 1:
        say("%d root spans, expected 1" % len(roots))
        sys.exit(1)
    root = roots[0]
    bad = [s for s in spans if s is not root and
           (s["parent_span_id"] != root["span_id"] or
            s["trace_id"] != root["trace_id"])]
    say("root %r: %d children, %d not under it; %d events, %d attributes" %
        (root["name"], len(spans) - 1 - len(bad), len(bad), root["events"],
         root["attributes"]))
    ok = not bad and len(spans) > 1
elif what == "workers":                 # workers K: parent and worker 0..K-1
    want = ["parent"] + ["worker %d" % i for i in range(int(args[0]))]
    missing = [w for w in want if w not in names]
    say("%d spans; missing: %s" % (len(spans), missing or "none"))
    ok = not missing
elif what == "connections":             # connections MIN: distinct TCP peers
    say("%d requests over %d connections (client ports %s), expected >= %s" %
        (len(exports), len(conns), sorted(conns), args[0]))
    ok = len(conns) >= int(args[0])
elif what == "echo":                    # echo TRACEPARENT: got it, of our span
    echoes = [r for r in log if r["path"] == "/__echo"]
    got = [r["traceparent"] for r in echoes]
    say("sent %s, received %s, baggage %s" %
        (args[0], got, [r["baggage"] for r in echoes]))
    parts = args[0].split("-")
    ok = len(parts) == 4 and got == [args[0]]
    if ok:
        mine = [s for s in spans if s["trace_id"] == parts[1] and
                s["span_id"] == parts[2]]
        say("exported spans with that trace and span id: %s" %
            [s["name"] for s in mine])
        ok = len(mine) == 1 and "example.user=alice" in echoes[0]["baggage"]
else:
    sys.exit("unknown check " + what)
sys.exit(0 if ok else 1)
'

sinkctl() {
	python3 -c "$checks" "$port" "$@"
}

# example NAME [ARGS...]: builds NAME and runs it against the emptied sink
# (its stdout in $out/NAME.out): two TAP lines. The checks of what the sink
# got follow it in any case.
example() {
	local name=$1 rc
	shift
	echo "# $name" >&2
	make -s -C "$here" OUT="$out" ${STATIC:+STATIC=$STATIC} "$out/$name" >&2
	tap $? "$name: builds"
	sinkctl reset
	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$port \
	    OTEL_BSP_SCHEDULE_DELAY=50 OTEL_EXPORTER_OTLP_TIMEOUT=5000 \
	    OTEL_SERVICE_NAME="example-$name" \
	    timeout 60 "$out/$name" "$@" >"$out/$name.out"
	rc=$?
	sed 's/^/  /' "$out/$name.out" >&2
	tap "$rc" "$name: exits 0 (got $rc)"
}

# The sink, on an ephemeral port.
rm -f "$out/sink.port"
python3 "$here/otlp_sink.py" "$out/sink.port" >&2 &
sink_pid=$!
for _ in $(seq 100); do
	[ -s "$out/sink.port" ] && break
	sleep 0.1
done
if ! port=$(cat "$out/sink.port" 2>/dev/null) || [ -z "$port" ]; then
	echo "Bail out! otlp_sink.py did not start"
	failed=1
	exit 1
fi
echo "# sink on 127.0.0.1:$port, prefix $prefix, output in $out" >&2

example minimal
sinkctl span minimal
tap $? "minimal: its span arrived"

example threaded 8
spans=$(sed -n 's/.* made \([0-9][0-9]*\) spans.*/\1/p' "$out/threaded.out")
sinkctl count "${spans:-unknown}"
tap $? "threaded: all ${spans:-?} spans arrived"
sinkctl parent
tap $? "threaded: every other span is a child of the shared parent"

workers=3
example forking "$workers"
sinkctl workers "$workers"
tap $? "forking: spans from the parent and $workers workers"
sinkctl connections $((workers + 1))
tap $? "forking: $((workers + 1))+ connections: no worker reuses the parent's"

example curl_client "http://127.0.0.1:$port/__echo"
tp=$(sed -n 's/^traceparent: //p' "$out/curl_client.out")
sinkctl echo "${tp:-none}"
tap $? "curl_client: the server got its span's traceparent and baggage"

example minimal_cpp
sinkctl span minimal_cpp
tap $? "minimal_cpp: its span arrived"

echo "1..$n"
exit "$failed"
