#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docker/db-init.sh: the compose stack's database set-up, run by the one-shot
# db-init container at every start, doing what scripts/pg.sh does natively:
# the application role (not a superuser), one database per service owned by
# it, then the schema and the seed as that role (all idempotent). The
# server is PGHOST:PGPORT; the SQL files are conf/sql, mounted at
# /opt/db-init/sql (or the directory given as the argument).
set -euo pipefail
sql=${1:-/opt/db-init/sql}

superuser_psql() {
	PGPASSWORD="$PG_SUPERUSER_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres "$@"
}
app_psql() {
	local db=$1
	shift
	PGOPTIONS="-c client_min_messages=warning" PGPASSWORD="$DB_PASSWORD" \
		psql -X -q -v ON_ERROR_STOP=1 -U "$DB_USER" -d "$db" "$@"
}

echo "db-init: role $DB_USER and databases $INVENTORY_DB, $ORDER_DB, $GATEWAY_DB"
superuser_psql -v user="$DB_USER" -v pass="$DB_PASSWORD" -v inventory_db="$INVENTORY_DB" \
	-v order_db="$ORDER_DB" -v gateway_db="$GATEWAY_DB" -f "$sql/bootstrap.sql"
echo "db-init: applying the schema and seed"
app_psql "$INVENTORY_DB" -f "$sql/inventory.sql" -f "$sql/seed.sql"
app_psql "$ORDER_DB" -f "$sql/orders.sql"
app_psql "$GATEWAY_DB" -f "$sql/gateway.sql"
echo "db-init: done"
