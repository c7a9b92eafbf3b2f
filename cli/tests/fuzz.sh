#!/bin/sh
# tests/fuzz.sh BIN SECONDS N DIR: runs the JSON-to-model fuzzer (BIN,
# libFuzzer with ASan and UBSan) for SECONDS over the recorded fixtures
# (copied into DIR/corpus, which keeps what it finds), and prints one TAP
# line numbered N + 1. A crash leaves its input in DIR.
bin=$1 secs=$2 n=$(($3 + 1)) dir=$4
fixtures=$(dirname "$0")/fixtures
mkdir -p "$dir/corpus"
cp "$fixtures"/*.json "$dir/corpus/"
if "$bin" -max_total_time="$secs" -max_len=65536 -artifact_prefix="$dir/" \
    "$dir/corpus" >"$dir/run.log" 2>&1; then
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$dir/run.log")
	echo "ok $n - fuzz: the JSON-to-model parsers (legacy and v3) for ${secs}s, no crash ($runs runs)"
else
	echo "not ok $n - fuzz: the JSON-to-model parsers (legacy and v3) for ${secs}s"
	tail -30 "$dir/run.log" | sed 's/^/#   /'
	exit 1
fi
