#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PostgreSQL for the stack. `pg.sh start`: with PG_MANAGE=yes, a private
# cluster under $RUN_DIR/pg (initdb on first use, as the postgres user when
# run by root: PostgreSQL refuses root), started on DB_HOST:DB_PORT; then the
# role, one database per service that owns data, the schema and the seed.
# `pg.sh stop` stops the private cluster; its data stays for the next start.
# `pg.sh psql DB [args]` runs psql as the application role.
set -euo pipefail
source "$(dirname "$0")/env.sh"

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
data="$RUN_DIR/pg/data"
sock="$RUN_DIR/pg/sock"
log="$RUN_DIR/log/postgresql.log"

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

superuser_psql() {
	as_owner "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$DB_PORT" -d postgres "$@"
}

app_psql() {
	local db=$1
	shift
	PGOPTIONS="-c client_min_messages=warning" PGPASSWORD="$DB_PASSWORD" "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 \
		-h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$db" "$@"
}

running() {
	[ -f "$data/postmaster.pid" ] && as_owner "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

start_cluster() {
	mkdir -p "$RUN_DIR/pg" "$RUN_DIR/log" "$sock"
	touch "$log"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$RUN_DIR/pg" "$sock" "$log"
		# initdb and the server need to reach the run directory.
		d="$RUN_DIR"
		while [ "$d" != / ]; do
			chmod o+x "$d" 2>/dev/null || true
			d=$(dirname "$d")
		done
	fi
	if [ ! -f "$data/PG_VERSION" ]; then
		echo "==> PostgreSQL: creating a private cluster in $data"
		as_owner "$pgbin/initdb" -D "$data" --locale=C.UTF-8 -E UTF8 \
			-U postgres --auth-local=peer --auth-host=scram-sha-256 >"$RUN_DIR/pg/initdb.log"
		cat >>"$data/postgresql.conf" <<CONF
# Added by scripts/pg.sh for the tracing reference system.
listen_addresses = '$DB_HOST'
port = $DB_PORT
unix_socket_directories = '$sock'
max_connections = 200
synchronous_commit = on
log_min_messages = warning
CONF
	fi
	if running; then
		echo "==> PostgreSQL: already running on $DB_HOST:$DB_PORT"
	else
		echo "==> PostgreSQL: starting on $DB_HOST:$DB_PORT"
		as_owner "$pgbin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
			-o "-c listen_addresses=$DB_HOST -c port=$DB_PORT -c unix_socket_directories=$sock" \
			start >/dev/null
	fi
	echo "==> PostgreSQL: role $DB_USER and databases $INVENTORY_DB, $ORDER_DB, $GATEWAY_DB"
	superuser_psql -v user="$DB_USER" -v pass="$DB_PASSWORD" -v inventory_db="$INVENTORY_DB" \
		-v order_db="$ORDER_DB" -v gateway_db="$GATEWAY_DB" <"$TOP/conf/sql/bootstrap.sql"
}

stop_cluster() {
	if running; then
		echo "==> PostgreSQL: stopping"
		as_owner "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
	fi
}

apply_schema() {
	echo "==> PostgreSQL: applying the schema and seed"
	app_psql "$INVENTORY_DB" -f "$TOP/conf/sql/inventory.sql" -f "$TOP/conf/sql/seed.sql"
	app_psql "$ORDER_DB" -f "$TOP/conf/sql/orders.sql"
	app_psql "$GATEWAY_DB" -f "$TOP/conf/sql/gateway.sql"
}

case "${1:-}" in
start)
	if [ "$PG_MANAGE" = yes ]; then
		start_cluster
	else
		echo "==> PostgreSQL: using the server at $DB_HOST:$DB_PORT (PG_MANAGE=no)"
	fi
	apply_schema
	;;
stop)
	[ "$PG_MANAGE" = yes ] && stop_cluster
	;;
restart)
	[ "$PG_MANAGE" = yes ] || { echo "pg.sh: PG_MANAGE=no: not ours to restart" >&2; exit 1; }
	as_owner "$pgbin/pg_ctl" -D "$data" -l "$log" -m fast -w -t 60 restart >/dev/null
	;;
psql)
	shift
	db=$1
	shift
	app_psql "$db" "$@"
	;;
status)
	running
	;;
*)
	echo "usage: pg.sh start|stop|restart|status|psql DB [args]" >&2
	exit 2
	;;
esac
