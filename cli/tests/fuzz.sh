#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/fuzz.sh BIN SECONDS N DIR: the JSON-to-model fuzzer (BIN, libFuzzer
# with ASan and UBSan) for SECONDS over the recorded fixtures, one TAP line
# numbered N + 1 (tests/fuzz-tap.sh); what it finds stays in DIR.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/../../tests/fuzz-tap.sh" "$1" "$2" $(($3 + 1)) "$4" \
    "the JSON-to-model parsers (legacy and v3)" "$here/fixtures"
