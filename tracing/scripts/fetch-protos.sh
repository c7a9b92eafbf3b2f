#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fetch-protos.sh: puts the OTLP .proto files (opentelemetry-proto v1.4.0)
# under DEST, from the npm registry package @elastic/mockotlpserver@0.10.0,
# which carries them unmodified. Reuses a copy already fetched into the
# non-sanitizer build tree. Nothing else from the package is used.
#
# usage: fetch-protos.sh DEST [CACHE]
set -eu

dest=$1
cache=${2:-}
pkg="@elastic/mockotlpserver@0.10.0"
files="common/v1/common.proto resource/v1/resource.proto trace/v1/trace.proto
collector/trace/v1/trace_service.proto"

have() {
	for f in $files; do
		[ -s "$1/opentelemetry/proto/$f" ] || return 1
	done
	return 0
}

have "$dest" && exit 0
mkdir -p "$dest"
if [ -n "$cache" ] && [ "$cache" != "$dest" ] && have "$cache"; then
	cp -R "$cache/opentelemetry" "$dest/"
	exit 0
fi

command -v npm >/dev/null 2>&1 || {
	echo "fetch-protos: npm is needed to fetch $pkg" >&2
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1) || {
	echo "fetch-protos: npm pack $pkg failed" >&2
	exit 1
}
for f in $files; do
	tar -xzf "$tmp"/*.tgz -C "$tmp" "package/opentelemetry/proto/$f"
	mkdir -p "$dest/opentelemetry/proto/$(dirname "$f")"
	cp "$tmp/package/opentelemetry/proto/$f" \
	    "$dest/opentelemetry/proto/$f"
done
have "$dest"
