#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# secrets.sh: writes a .env for docker-compose from .env.example, with keys
# and passwords of its own (docker-compose.yml has no default for any of
# them and refuses to start without): SERVICE_AUTH_KEY (the gateway's keys,
# one per callee, 32 random bytes each) and SERVICE_AUTH_ACCEPT_<SERVICE>
# (each callee's own), DB_PASSWORD and
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
inv=$(rnd 32) ord=$(rnd 32) ntf=$(rnd 32)
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
chmod 600 "$tmp"
sed -e "s|^SERVICE_AUTH_KEY=.*|SERVICE_AUTH_KEY=inventory-service=k1:$inv,order-service=k1:$ord,notification-service=k1:$ntf|" \
    -e "s|^SERVICE_AUTH_ACCEPT_INVENTORY_SERVICE=.*|SERVICE_AUTH_ACCEPT_INVENTORY_SERVICE=api-gateway/k1:$inv|" \
    -e "s|^SERVICE_AUTH_ACCEPT_ORDER_SERVICE=.*|SERVICE_AUTH_ACCEPT_ORDER_SERVICE=api-gateway/k1:$ord|" \
    -e "s|^SERVICE_AUTH_ACCEPT_NOTIFICATION_SERVICE=.*|SERVICE_AUTH_ACCEPT_NOTIFICATION_SERVICE=api-gateway/k1:$ntf|" \
    -e "s|^DB_PASSWORD=.*|DB_PASSWORD=$(rnd 24)|" \
    -e "s|^PG_SUPERUSER_PASSWORD=.*|PG_SUPERUSER_PASSWORD=$(rnd 24)|" \
    .env.example >"$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "secrets.sh: wrote $out (mode 0600) with new service keys (one per callee) and database passwords"
