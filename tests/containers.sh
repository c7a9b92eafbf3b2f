#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The containers suite of `make test` (TAP): docker-compose.yml, the
# Dockerfile and the production Kore configurations, checked without a
# Docker engine. The checks themselves are in tests/containers/check.py:
# static ones on the compose file and the Dockerfile, the environment
# variables the services read (derived from their sources) against
# docker-compose.yml, .env.example and docs/configuration.md (which documents
# each variable of .env.example once), the Kore limits against
# docs/containers.md, and the production configuration run for real by bin/kore through docker/entrypoint.sh
# (privilege separation and chroot when run as root).
set -uo pipefail
cd "$(dirname "$0")/.."
exec python3 tests/containers/check.py "$@"
