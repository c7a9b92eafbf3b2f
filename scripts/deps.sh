#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages the build, the stack and the tests need, only
# when some are missing: apt-get as root, sudo otherwise, a clear message if
# neither can be used. Go (for Jaeger) and Node's npm (for the OTLP protos)
# are expected on the machine; their absence is reported, not installed.
set -euo pipefail
pkgs=(build-essential patch pkg-config kore libssl-dev libcurl4-openssl-dev libjansson-dev
	libncurses-dev libprotobuf-c-dev protobuf-c-compiler libyaml-dev zlib1g-dev libpq-dev
	postgresql postgresql-client python3 wrk jq tmux valgrind clang
	libclang-rt-14-dev docker-compose curl ca-certificates procps time prometheus
	python3-venv python3-yaml openjdk-17-jre-headless maven unzip
	groff-base man-db abigail-tools g++ debhelper devscripts lintian chromium fonts-dejavu-core)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "==> installing Debian packages: ${missing[*]}"
	if [ "$(id -u)" -eq 0 ]; then
		sudo=()
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		sudo=(sudo)
	else
		echo "deps: missing Debian packages: ${missing[*]}" >&2
		echo "deps: run as root or with sudo: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq
	# The packages' own daemons (Prometheus on *:9090, a PostgreSQL
	# cluster on 5432) stay stopped: the stack runs its own, on loopback.
	# A policy-rc.d that refuses every start, unless one is in place.
	policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
		"${sudo[@]}" chmod 755 "$policy"
	fi
	rc=0
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
	[ -z "$policy" ] || "${sudo[@]}" rm -f "$policy"
	[ "$rc" -eq 0 ] || exit "$rc"
fi
command -v go >/dev/null || { echo "deps: Go (1.24 or newer) is needed to build Jaeger: https://go.dev/dl/" >&2; exit 1; }
command -v npm >/dev/null || { echo "deps: npm is needed to fetch the OTLP .proto files" >&2; exit 1; }
exit 0
