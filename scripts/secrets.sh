#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# secrets.sh: writes a .env for docker-compose from .env.example, with keys
# and passwords of its own (docker-compose.yml has no default for any of
# them and refuses to start without): SERVICE_AUTH_KEY and
# SERVICE_AUTH_ACCEPT (the gateway's key, 32 random bytes), DB_PASSWORD and
# PG_SUPERUSER_PASSWORD (24 random bytes each). The file is made mode 0600;
# an existing one is left alone unless --force.
#
# usage: scripts/secrets.sh [--force] [FILE]     (FILE: .env by default)
set -euo pipefail
cd "$(dirname "$0")/.."

force=0
if [ "${1:-}" = --force ]; then
	force=1
	shift
fi
out=${1:-.env}
if [ -e "$out" ] && [ $force -eq 0 ]; then
	echo "secrets.sh: $out exists; --force to replace it" >&2
	exit 1
fi
rnd() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
key=$(rnd 32)
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
chmod 600 "$tmp"
sed -e "s|^SERVICE_AUTH_KEY=.*|SERVICE_AUTH_KEY=k1:$key|" \
    -e "s|^SERVICE_AUTH_ACCEPT=.*|SERVICE_AUTH_ACCEPT=api-gateway/k1:$key|" \
    -e "s|^DB_PASSWORD=.*|DB_PASSWORD=$(rnd 24)|" \
    -e "s|^PG_SUPERUSER_PASSWORD=.*|PG_SUPERUSER_PASSWORD=$(rnd 24)|" \
    .env.example >"$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "secrets.sh: wrote $out (mode 0600) with a new service key and database passwords"
