#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make up`: PostgreSQL (schema and seed), Jaeger and the four services,
# each step shown, each one skipped when already done; then what runs where.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$TOP/scripts/pg.sh" start
case "$STACK" in
single)
	# The scale profile's roles hold the same ports.
	"$TOP/scripts/scale.sh" stop >/dev/null
	;;
scale)
	# Collector 1 and the query take the single Jaeger's ports.
	"$TOP/scripts/services.sh" stop-jaeger
	"$TOP/scripts/scale.sh" start
	;;
*) echo "up: STACK is single or scale, not '$STACK'" >&2; exit 2 ;;
esac
"$TOP/scripts/services.sh" start
cat <<MSG

The stack is up:
  api-gateway           http://$BIND_HOST:$GATEWAY_PORT   (POST /api/orders, GET /api/orders/{id})
  inventory-service     http://$BIND_HOST:$INVENTORY_PORT
  order-service         http://$BIND_HOST:$ORDER_PORT
  notification-service  http://$BIND_HOST:$NOTIFICATION_PORT   (mail: $MAILDIR${SMTP_URL:+, SMTP $SMTP_URL})
$([ "${W3C_TEST_SERVICE:-off}" = on ] && echo "  w3c-test-service      http://$BIND_HOST:$W3C_TEST_PORT/test   (W3C trace-context harness)")
  PostgreSQL            $DB_HOST:$DB_PORT (databases $INVENTORY_DB, $ORDER_DB, $GATEWAY_DB)
  Jaeger API            http://$JAEGER_HOST:$JAEGER_QUERY_PORT/api/services   (OTLP: grpc :$JAEGER_OTLP_GRPC_PORT, http :$JAEGER_OTLP_HTTP_PORT)
$([ "$STACK" = scale ] && "$TOP/scripts/scale.sh" summary)
$([ "$PROMETHEUS" = on ] && echo "  Prometheus            http://$PROMETHEUS_HOST:$PROMETHEUS_PORT   (RED metrics from the spans: bin/tracectl top)")
  logs                  $RUN_DIR/log/

Try:  curl -s -X POST http://$BIND_HOST:$GATEWAY_PORT/api/orders -H 'content-type: application/json' \\
        -d '{"userId":1,"items":[{"sku":"SKU123","quantity":2,"price":50.0}],"email":"customer@example.com"}'
Stop: make down
MSG
