#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make down`: stops exactly what `make up` started (by its pid files); the
# data stays in $RUN_DIR for the next `make up`.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$TOP/scripts/services.sh" stop
"$TOP/scripts/scale.sh" stop
"$TOP/scripts/pg.sh" stop
echo "==> down (data kept in $RUN_DIR; rm -rf it for a fresh start)"
