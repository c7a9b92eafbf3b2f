#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Turns a service's fault knobs on or off at run time, without a restart:
#   scripts/fault.sh inventory-service '{"latency_ms":[200,400]}'
#   scripts/fault.sh order-service '{"error_percent":30,"error_status":503}'
#   scripts/fault.sh notification-service '{"outage":true}'
#   scripts/fault.sh inventory-service clear
# It writes $FAULTS_DIR/<service>.json, which each worker reads within a
# second; it returns once the change is live.
set -euo pipefail
source "$(dirname "$0")/env.sh"
case "${1:-}" in
api-gateway|inventory-service|order-service|notification-service) ;;
*) echo "usage: fault.sh SERVICE JSON|clear" >&2; exit 2 ;;
esac
[ $# -eq 2 ] || { echo "usage: fault.sh SERVICE JSON|clear" >&2; exit 2; }
mkdir -p "$FAULTS_DIR"
if [ "$2" = clear ]; then
	rm -f "$FAULTS_DIR/$1.json"
else
	python3 -c 'import json,sys; json.loads(sys.argv[1])' "$2" 2>/dev/null ||
		{ echo "fault.sh: not JSON: $2" >&2; exit 2; }
	printf '%s\n' "$2" >"$FAULTS_DIR/$1.json.tmp"
	mv "$FAULTS_DIR/$1.json.tmp" "$FAULTS_DIR/$1.json"
fi
sleep 1.2
