# SPDX-License-Identifier: Apache-2.0
# Sourced by the scripts: loads the configuration. Precedence: environment,
# then .env, then the defaults in .env.example. Exports everything and the
# derived values (absolute RUN_DIR, connection strings).
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

load_env_file() {
	local line name value
	[ -f "$1" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in ''|'#'*) continue ;; esac
		name=${line%%=*}
		value=${line#*=}
		[[ "$name" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
		# Already set (by the environment or an earlier file): keep it.
		[ -n "${!name+x}" ] && continue
		export "$name=$value"
	done <"$1"
}

load_env_file "$top/.env"
load_env_file "$top/.env.example"

case "$RUN_DIR" in /*) ;; *) RUN_DIR="$top/$RUN_DIR" ;; esac
[ -n "$MAILDIR" ] || MAILDIR="$RUN_DIR/maildir"
case "$MAILDIR" in /*) ;; *) MAILDIR="$top/$MAILDIR" ;; esac
[ -n "$JAEGER_BADGER_DIR" ] || JAEGER_BADGER_DIR="$RUN_DIR/jaeger-badger"
[ -n "$FAULTS_DIR" ] || FAULTS_DIR="$RUN_DIR/faults"
case "$FAULTS_DIR" in /*) ;; *) FAULTS_DIR="$top/$FAULTS_DIR" ;; esac
# The web trace viewer Jaeger's query serves (conf/jaeger*.yaml: ui.assets_path).
[ -n "${JAEGER_UI_DIR:-}" ] || JAEGER_UI_DIR="$top/viewer"
export RUN_DIR MAILDIR JAEGER_BADGER_DIR FAULTS_DIR JAEGER_UI_DIR TOP="$top" BIN="$top/bin"

# The gateway's keys for its calls to the other services, one per callee,
# and what each callee accepts (its own key only): made once per checkout
# (in $RUN_DIR/secrets, mode 0600) unless SERVICE_AUTH_KEY and
# SERVICE_AUTH_ACCEPT are given (one key for all, as before).
secret_file() {
	local f="$RUN_DIR/secrets/$1"
	if [ ! -s "$f" ]; then
		mkdir -p "$RUN_DIR/secrets"
		chmod 700 "$RUN_DIR/secrets"
		(umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$f")
	fi
	cat "$f"
}
if [ -z "${SERVICE_AUTH_KEY:-}" ] && [ -z "${SERVICE_AUTH_ACCEPT:-}" ]; then
	SERVICE_AUTH_KEY=""
	for callee in inventory-service order-service notification-service; do
		secret=$(secret_file "service-auth-$callee.key")
		SERVICE_AUTH_KEY="${SERVICE_AUTH_KEY:+$SERVICE_AUTH_KEY,}$callee=k1:$secret"
		var="SERVICE_AUTH_ACCEPT_$(echo "$callee" | tr 'a-z-' 'A-Z_')"
		[ -n "${!var:-}" ] || export "$var=api-gateway/k1:$secret"
	done
	unset callee secret var
elif [ -z "${SERVICE_AUTH_KEY:-}" ] || [ -z "${SERVICE_AUTH_ACCEPT:-}" ]; then
	secret=$(secret_file service-auth.key)
	[ -n "${SERVICE_AUTH_KEY:-}" ] || SERVICE_AUTH_KEY="k1:$secret"
	[ -n "${SERVICE_AUTH_ACCEPT:-}" ] || SERVICE_AUTH_ACCEPT="api-gateway/k1:$secret"
	unset secret
fi
export SERVICE_AUTH_KEY SERVICE_AUTH_ACCEPT

# The database password: made once per checkout, like the key, unless
# DB_PASSWORD is given (PG_MANAGE=no users give their server's).
if [ -z "${DB_PASSWORD:-}" ]; then
	pwfile="$RUN_DIR/secrets/db.password"
	if [ ! -s "$pwfile" ]; then
		mkdir -p "$RUN_DIR/secrets"
		chmod 700 "$RUN_DIR/secrets"
		(umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$pwfile")
	fi
	DB_PASSWORD=$(cat "$pwfile")
fi
export DB_PASSWORD

# A libpq keyword/value string, each value single-quoted and escaped.
pgq() { local v=${1//\\/\\\\}; v=${v//\'/\\\'}; printf "'%s'" "$v"; }
conninfo() {
	printf 'host=%s port=%s dbname=%s user=%s password=%s connect_timeout=%s gssencmode=disable application_name=%s' \
		"$(pgq "$DB_HOST")" "$(pgq "$DB_PORT")" "$(pgq "$1")" "$(pgq "$DB_USER")" \
		"$(pgq "$DB_PASSWORD")" "$(pgq "$DB_CONNECT_TIMEOUT")" "$2"
}
# Each service's connection string: built from the DB_* settings unless
# given whole (then DB_* do not apply to that service).
[ -n "${INVENTORY_DB_CONNINFO:-}" ] || INVENTORY_DB_CONNINFO="$(conninfo "$INVENTORY_DB" inventory-service)"
[ -n "${ORDER_DB_CONNINFO:-}" ] || ORDER_DB_CONNINFO="$(conninfo "$ORDER_DB" order-service)"
[ -n "${GATEWAY_DB_CONNINFO:-}" ] || GATEWAY_DB_CONNINFO="$(conninfo "$GATEWAY_DB" api-gateway)"
export INVENTORY_DB_CONNINFO ORDER_DB_CONNINFO GATEWAY_DB_CONNINFO

# The port one of the four services listens on (scripts/services.sh adds
# the W3C test service, which only the native stack runs).
port_of() {
	case $1 in
	api-gateway) echo "$GATEWAY_PORT" ;;
	inventory-service) echo "$INVENTORY_PORT" ;;
	order-service) echo "$ORDER_PORT" ;;
	notification-service) echo "$NOTIFICATION_PORT" ;;
	*) echo "unknown service '$1'" >&2; return 1 ;;
	esac
}
