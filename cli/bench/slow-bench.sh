#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# slow-bench.sh: times `tracectl slow --ms 200` against the curl+jq pipeline
# it replaces (the old analyze-traces.sh: one legacy /api/traces search with
# a big limit, jq computing each trace's duration), on the same Jaeger data,
# with wall time and peak memory from /usr/bin/time -v; checks both find the
# same traces.  Prints both.
#
#   JAEGER_URL=http://127.0.0.1:16686 slow-bench.sh   use a running Jaeger
#   slow-bench.sh                                     start a private one
#                                                     (tests/jaeger-run.sh)
#                                                     and feed it traces
# BENCH_TRACES (default 10000) traces are fed when the Jaeger is private;
# BENCH_RUNS (default 3) runs each, the median is reported.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cli=$(cd "$here/.." && pwd)
top=$(cd "$cli/.." && pwd)
T=${TRACECTL:-$top/bin/tracectl}
N=${BENCH_TRACES:-10000}
RUNS=${BENCH_RUNS:-3}
MS=${BENCH_MS:-200}
SERVICE=${BENCH_SERVICE:-api-gateway}
LIMIT=${BENCH_LIMIT:-50000}
work=$(mktemp -d)
started=""
cleanup() {
	[ -n "$started" ] && "$cli/tests/jaeger-run.sh" stop 27686 >/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

for tool in jq curl python3; do
	command -v $tool >/dev/null || { echo "slow-bench: needs $tool" >&2; exit 3; }
done
[ -x /usr/bin/time ] || { echo "slow-bench: needs /usr/bin/time (apt-get install time)" >&2; exit 3; }
[ -x "$T" ] || { echo "slow-bench: no $T (make -C cli)" >&2; exit 3; }

if [ -z "${JAEGER_URL:-}" ]; then
	urls=$(TJ_MAX_TRACES=$LIMIT "$cli/tests/jaeger-run.sh" start 27686)
	started=yes
	JAEGER_URL=${urls% *}
	echo "# private Jaeger at $JAEGER_URL; feeding $N traces"
	python3 "$cli/tests/feed.py" bulk "${urls#* }" "$N" | sed 's/^/# /'
	sleep 3
fi

now=$(date +%s)
start_us=$(((now - 3600) * 1000000))
end_us=$((now * 1000000))

# The old way: one legacy search, every trace of the hour, jq decides.
cat >"$work/curljq.sh" <<EOS
curl -sf "$JAEGER_URL/api/traces?service=$SERVICE&limit=$LIMIT&start=$start_us&end=$end_us" |
jq -r --argjson min $((MS * 1000)) '.data[] |
    (([.spans[] | .startTime + .duration] | max) - ([.spans[].startTime] | min)) as \$d |
    select(\$d >= \$min) | "\(.traceID) \(\$d)"' | sort -k2,2nr
EOS
# The same with Jaeger's minDuration narrowing the search first.
sed "s|&limit=|\&minDuration=${MS}ms\&limit=|" "$work/curljq.sh" >"$work/curljq-narrow.sh"
st=$(date -u -d @$((start_us / 1000000)) +%Y-%m-%dT%H:%M:%SZ)
en=$(date -u -d @$((end_us / 1000000)) +%Y-%m-%dT%H:%M:%SZ)
cat >"$work/tracectl.sh" <<EOS
"$T" --jaeger "$JAEGER_URL" slow --ms $MS --service $SERVICE --start $st --end $en --limit 0 --json
EOS

stored=$(curl -sf "$JAEGER_URL/api/traces?service=$SERVICE&limit=$LIMIT&start=$start_us&end=$end_us" | jq '.data | length')
echo "# traces of $SERVICE stored in the last hour: $stored"
if [ "$stored" -lt 10000 ]; then
	echo "# warning: fewer than 10000 traces; figures are not the benchmark's"
fi

measure() {	# measure NAME SCRIPT: median wall seconds and max RSS (KiB)
	name=$1 script=$2
	: >"$work/$name.runs"
	i=0
	while [ $i -lt "$RUNS" ]; do
		/usr/bin/time -v -o "$work/$name.time" sh "$script" >"$work/$name.out" 2>"$work/$name.err" || {
			echo "slow-bench: $name failed:" >&2
			cat "$work/$name.err" >&2
			exit 1
		}
		wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + p[k]; print s }' "$work/$name.time")
		rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/$name.time")
		echo "$wall $rss" >>"$work/$name.runs"
		i=$((i + 1))
	done
	sort -n "$work/$name.runs" | awk -v n="$RUNS" 'NR == int((n + 1) / 2) { print }'
}

set -- $(measure tracectl "$work/tracectl.sh"); t_wall=$1 t_rss=$2
set -- $(measure curljq "$work/curljq.sh"); c_wall=$1 c_rss=$2
set -- $(measure curljq-narrow "$work/curljq-narrow.sh"); n_wall=$1 n_rss=$2

jq -r '.traces[] | .traceId' "$work/tracectl.out" | sort >"$work/ids.tracectl"
awk '{ print $1 }' "$work/curljq.out" | sort >"$work/ids.curljq"
awk '{ print $1 }' "$work/curljq-narrow.out" | sort >"$work/ids.narrow"
found=$(wc -l <"$work/ids.tracectl")
if cmp -s "$work/ids.tracectl" "$work/ids.curljq"; then
	same="same $found traces"
else
	same="DIFFERENT: tracectl $found, curl+jq $(wc -l <"$work/ids.curljq")"
fi

awk -v tw="$t_wall" -v tr="$t_rss" -v cw="$c_wall" -v cr="$c_rss" \
    -v nw="$n_wall" -v nr="$n_rss" -v ms="$MS" -v n="$stored" -v same="$same" 'BEGIN {
	printf "%-36s %10s %14s\n", "slow --ms " ms " over " n " traces", "wall (s)", "peak RSS (MiB)"
	printf "%-36s %10.3f %14.1f\n", "tracectl slow", tw, tr / 1024
	printf "%-36s %10.3f %14.1f\n", "curl+jq (old analyze-traces.sh)", cw, cr / 1024
	printf "%-36s %10.3f %14.1f\n", "curl+jq with minDuration", nw, nr / 1024
	printf "speed-up vs old way: %.1fx; memory: %.1fx less; results: %s\n", cw / tw, cr / tr, same
}'
if ! cmp -s "$work/ids.narrow" "$work/ids.tracectl"; then
	echo "note: curl+jq with minDuration found $(wc -l <"$work/ids.narrow") (Jaeger's minDuration matches a span, and the service filter the same span)"
fi
