#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The offline Kubernetes checks' tools, fetched once and cached under
# ~/.cache/tracing-ref by version: helm (built from the Go module proxy) and
# PyPI's kubernetes-validate (the Kubernetes JSON schemas, in a venv).
# usage: build-k8s-tools.sh; prints the two paths (helm, then the venv's
# kubernetes-validate).
set -euo pipefail
HELM_VERSION=v4.3.2
KV_VERSION=1.37.0
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tracing-ref
helm=$cache/helm-$HELM_VERSION
venv=$cache/kubernetes-validate-$KV_VERSION
mkdir -p "$cache"
if [ ! -x "$helm" ]; then
	command -v go >/dev/null || { echo "build-k8s-tools: Go is needed" >&2; exit 1; }
	echo "==> building helm $HELM_VERSION from the Go module proxy (first time: a few minutes)" >&2
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	CGO_ENABLED=0 GOBIN="$tmp" go install -trimpath -ldflags "-s -w" \
		"helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >&2
	mv "$tmp/helm" "$helm"
fi
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
	echo "==> installing kubernetes-validate $KV_VERSION from PyPI (once)" >&2
	rm -rf "$venv"
	python3 -m venv "$venv" >&2
	"$venv/bin/pip" install -q "kubernetes-validate==$KV_VERSION" >&2
fi
echo "$helm"
echo "$venv/bin/kubernetes-validate"
