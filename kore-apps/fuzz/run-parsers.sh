#!/bin/sh
# Runs the parsers' fuzzer (fuzz_parsers.c: the fault configuration, the
# X-Fault header, route matching) for SECONDS from fuzz/parsers-seeds plus
# what earlier runs found (under build/), and prints one TAP line numbered
# N. A crash leaves its input under build/.
# usage: run-parsers.sh BINARY SECONDS N
bin=$1 secs=$2 n=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(dirname "$bin")
mkdir -p "$work/corpus"
if [ ! -x "$bin" ]; then
	echo "not ok $n - fuzz: the parsers' fuzzer was not built"
	exit 1
fi
if "$bin" -max_total_time="$secs" -max_len=8192 -artifact_prefix="$work/" \
    "$work/corpus" "$here/parsers-seeds" >"$work/fuzz.log" 2>&1; then
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/fuzz.log")
	echo "ok $n - fuzz: the fault configuration, X-Fault and route parsers for ${secs}s, no crash, results in bounds ($runs runs)"
else
	echo "not ok $n - fuzz: the fault configuration, X-Fault and route parsers for ${secs}s"
	tail -30 "$work/fuzz.log" | sed 's/^/#   /'
	exit 1
fi
