#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/fuzz-tap.sh BIN SECONDS N WORK WHAT SEEDS...: runs a libFuzzer
# binary for SECONDS over WORK/corpus (kept between runs) and the SEEDS
# directories, and prints one TAP line numbered N saying WHAT was fuzzed;
# a crash leaves its input in WORK and the log's tail in the diagnostics.
bin=$1 secs=$2 n=$3 work=$4 what=$5
shift 5
mkdir -p "$work/corpus"
if [ ! -x "$bin" ]; then
	echo "not ok $n - fuzz: $what: the fuzzer was not built"
	exit 1
fi
if "$bin" -max_total_time="$secs" -max_len=65536 -artifact_prefix="$work/" \
    "$work/corpus" "$@" >"$work/fuzz.log" 2>&1; then
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/fuzz.log")
	echo "ok $n - fuzz: $what for ${secs}s, no crash ($runs runs)"
else
	echo "not ok $n - fuzz: $what for ${secs}s"
	tail -30 "$work/fuzz.log" | sed 's/^/#   /'
	exit 1
fi
