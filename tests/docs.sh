#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The docs suite of `make test` (TAP): README.md stays a front page of at
# most 250 lines with its required parts, and every relative link (and
# anchor) of README.md and docs/*.md names a file (and heading) that exists.
# The checks are in tests/docs/check.py.
set -uo pipefail
cd "$(dirname "$0")/.."
exec python3 tests/docs/check.py "$@"
