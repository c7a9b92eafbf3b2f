#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs the parsers' fuzzer (fuzz_parsers.c: the fault configuration, the
# X-Fault header, route matching; each result checked against its bounds)
# for SECONDS from fuzz/parsers-seeds plus what earlier runs found (under
# build/), as one TAP line numbered N (tests/fuzz-tap.sh).
# usage: run-parsers.sh BINARY SECONDS N
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/../../tests/fuzz-tap.sh" "$1" "$2" "$3" "$(dirname "$1")" \
    "the fault configuration, X-Fault and route parsers (results in bounds)" \
    "$here/parsers-seeds"
