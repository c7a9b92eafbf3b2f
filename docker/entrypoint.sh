#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The containers' entrypoint: starts one Kore service with its production
# configuration (kore-apps/<service>/conf/<service>.prod.conf), privilege
# separation and chroot on. It loads the settings exactly as `make up` does
# (scripts/env.sh: environment, then .env.example defaults, connection
# strings derived from DB_*), renders the template like scripts/services.sh,
# prepares the workers' chroot (KORE_ROOT) and execs kore in the foreground.
#
#   entrypoint.sh [SERVICE]  run it (default: KORE_SERVICE, set by the image)
#   entrypoint.sh health     exit 0 when the image's service answers /ready
#
# Its paths are relative to its own place (docker/ in the checkout,
# /opt/tracing-ref/docker/ in the image), so tests/containers.sh runs this
# very file against bin/ with a temporary KORE_ROOT and RUN_DIR.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Container defaults, before .env.example's (which are the native ones):
# listen on every interface of the container, pid files and rendered
# configuration under /run/kore, and the paths the workers use inside their
# chroot (MAILDIR and FAULTS_DIR are read after chroot: chroot-relative).
: "${BIND_HOST:=0.0.0.0}" "${RUN_DIR:=/run/kore}"
: "${KORE_ROOT:=/var/lib/kore}" "${KORE_USER:=kore}"
: "${MAILDIR:=/maildir}" "${FAULTS_DIR:=/faults}"
export BIND_HOST RUN_DIR KORE_ROOT KORE_USER MAILDIR FAULTS_DIR
# shellcheck source=../scripts/env.sh
source "$top/scripts/env.sh"

render() {
	# Same rule as scripts/services.sh: ${NAME} -> its value; unset is an error.
	perl -pe 's/\$\{(\w+)\}/exists $ENV{$1} ? $ENV{$1} : die "undefined: $1\n"/ge' "$1"
}

# The workers' view of the world after chroot(KORE_ROOT): name resolution
# (Docker writes resolv.conf and hosts at every start, so they are copied
# each time), CA certificates for smtps:// or an https OTLP endpoint, the
# time zone, the Maildir (written by the worker user) and the fault files
# (read only by the workers).
prepare_root() {
	local root=$1 user=$2 f
	case "$root" in /?*) ;; *) echo "entrypoint: KORE_ROOT must be an absolute path" >&2; return 1 ;; esac
	getent passwd "$user" >/dev/null || { echo "entrypoint: no user '$user'" >&2; return 1; }
	mkdir -p "$root/etc/ssl/certs" "$root$FAULTS_DIR" "$root$MAILDIR"
	for f in /etc/resolv.conf /etc/hosts /etc/nsswitch.conf /etc/host.conf /etc/gai.conf \
	    /etc/localtime /etc/ssl/certs/ca-certificates.crt; do
		if [ -e "$f" ]; then
			cp -L "$f" "$root$f.tmp" && chmod 0644 "$root$f.tmp" && mv "$root$f.tmp" "$root$f" ||
				{ echo "entrypoint: cannot copy $f into $root" >&2; return 1; }
		fi
	done
	chmod 0755 "$root" "$root/etc" "$root$FAULTS_DIR"
	# The Maildir is a volume: from the second start on it is already the
	# worker user's, and root without CAP_FOWNER (docker-compose.yml drops
	# it) may not chmod it again. chmod before chown, and only once.
	if [ "$(stat -c %U "$root$MAILDIR")" != "$user" ]; then
		chmod 0700 "$root$MAILDIR"
		chown "$user:" "$root$MAILDIR"
	fi
	# The tracing library's spool (a volume too), written by the workers.
	if [ "${TRACING_SPOOL:-on}" = on ] && [ -n "${TRACING_SPOOL_DIR:-}" ]; then
		mkdir -p "$root$TRACING_SPOOL_DIR"
		if [ "$(stat -c %U "$root$TRACING_SPOOL_DIR")" != "$user" ]; then
			chmod 0700 "$root$TRACING_SPOOL_DIR"
			chown "$user:" "$root$TRACING_SPOOL_DIR"
		fi
	else
		export TRACING_SPOOL_DIR=
	fi
}

case "${1:-${KORE_SERVICE:-}}" in
health)
	[ -n "${KORE_SERVICE:-}" ] || { echo "entrypoint: KORE_SERVICE is not set" >&2; exit 2; }
	exec curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:$(port_of "$KORE_SERVICE")/ready"
	;;
api-gateway | inventory-service | order-service | notification-service)
	svc=${1:-$KORE_SERVICE}
	;;
*)
	echo "usage: entrypoint.sh api-gateway|inventory-service|order-service|notification-service|health" >&2
	exit 2
	;;
esac

port_of "$svc" >/dev/null
template="$top/kore-apps/$svc/conf/$svc.prod.conf"
mkdir -p "$RUN_DIR"
render "$template" >"$RUN_DIR/$svc.conf.tmp"
mv "$RUN_DIR/$svc.conf.tmp" "$RUN_DIR/$svc.conf"
prepare_root "$KORE_ROOT" "$KORE_USER"
echo "entrypoint: $svc on $BIND_HOST:$(port_of "$svc"), workers chrooted in $KORE_ROOT as $KORE_USER"
# Kore's own log lines are block-buffered when stdout is not a terminal.
exec stdbuf -oL -eL "$BIN/kore" -f -c "$RUN_DIR/$svc.conf"
