#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the pinned Jaeger v2 from the Go module proxy (jaeger/go.mod requires
# it as a tool) and caches the binary under ~/.cache/tracing-ref, keyed by the
# hash of go.mod and go.sum: a pin change rebuilds, anything else reuses it.
# usage: build-jaeger.sh OUT [COMMAND]; COMMAND is one of the module's cmd/
# programs: jaeger (the default) or tracegen, its load generator (make bench).
set -euo pipefail
out=$(realpath -m "$1")
cmd=${2:-jaeger}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top/jaeger"
key=$(cat go.mod go.sum | sha256sum | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tracing-ref/$cmd-$key
version=$(awk '$1 == "github.com/jaegertracing/jaeger" { print $2 }' go.mod)
mkdir -p "$(dirname "$out")"
if [ ! -x "$cache" ]; then
	command -v go >/dev/null || { echo "build-jaeger: Go is needed (https://go.dev/dl/)" >&2; exit 1; }
	echo "==> building Jaeger $version $cmd from the Go module proxy (first time: several minutes)"
	mkdir -p "$(dirname "$cache")"
	pkg=github.com/jaegertracing/jaeger
	CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w \
		-X $pkg/internal/version.latestVersion=$version \
		-X $pkg/internal/version.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		-o "$cache.tmp" $pkg/cmd/$cmd
	mv "$cache.tmp" "$cache"
fi
cp "$cache" "$out.tmp" && mv "$out.tmp" "$out"
echo "==> $cmd $version ready: $out"
