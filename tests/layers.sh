#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The layers suite of `make test` (TAP): kore-apps/common is built in layers
# that only call downward (docs/development.md, "The layers of
# kore-apps/common"): no include or call cycle among its files, no call or
# include of a layer above, each header naming its layer; and the check
# catches a synthetic cycle. The checks are in tests/layers/check.py.
set -uo pipefail
cd "$(dirname "$0")/.."
exec python3 tests/layers/check.py "$@"
