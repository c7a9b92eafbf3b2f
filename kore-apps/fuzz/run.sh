#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the front-door fuzzer for SECONDS with service authentication off
# (inputs reach the handlers) and then on (the authorization header's
# parser), from the seeds in kore-apps/fuzz/corpus plus what earlier runs
# found (under build/). Prints TAP; the logs stay under build/.
#
# usage: run.sh BINARY SECONDS
set -u
bin=$1 secs=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(dirname "$bin")
n=0
status=0
for auth in off required; do
	n=$((n + 1))
	corpus=$work/corpus-$auth log=$work/fuzz-$auth.log
	mkdir -p "$corpus"
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz: the front door fuzzer was not built"
		status=1
		continue
	fi
	# Kore stores pointers at 4-byte offsets in its pools: LSan must look
	# at unaligned words too.
	LSAN_OPTIONS=use_unaligned=1:suppressions=$here/lsan.supp FUZZ_AUTH=$auth "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=16384 -detect_leaks=0 -artifact_prefix="$work/" "$corpus" "$here/corpus" >"$log" 2>&1
	if [ $? -eq 0 ]; then
		runs=$(sed -n 's/^#\([0-9]*\).*DONE.*/\1/p' "$log" | tail -1)
		echo "ok $n - fuzz: a worker's request path (authentication $auth) for ${secs}s:" \
		    "no crash, no leak, every answer parseable${runs:+ ($runs runs)}"
	else
		tail -40 "$log" | sed 's/^/#   /'
		echo "not ok $n - fuzz: the front door (authentication $auth) failed (see $log)"
		status=1
	fi
done
exit $status
