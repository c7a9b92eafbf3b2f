#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Kubernetes suite of `make test` (TAP), offline: the Helm chart
# (deploy/helm/tracing-ref) linted and rendered with its defaults and with
# the production overlay, every object validated against the Kubernetes
# schemas (kubernetes-validate, strict), the chart's own rules checked on the
# rendered objects (probes, resources, hardening), the three Jaeger role
# configurations validated by the Jaeger we build, the chart refusing to
# render without its secrets, and a broken manifest refused by the check.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
chart=$top/deploy/helm/tracing-ref
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 fail=0
tap() {	# tap OK|FAIL "what" [file with details]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && [ -f "$3" ] && sed 's/^/#   /' "$3" | head -40
		fail=1
	fi
}

if ! tools=$(scripts/build-k8s-tools.sh 2>"$work/tools.log"); then
	tap FAIL "helm and kubernetes-validate are built or installed" "$work/tools.log"
	exit 1
fi
helm=$(echo "$tools" | sed -n 1p)
kv=$(echo "$tools" | sed -n 2p)
tap OK "helm ($("$helm" version --short 2>/dev/null)) and kubernetes-validate ready"

# Development secrets for rendering only (the production overlay names an
# existing Secret instead).
dev=(--set secrets.dbPassword=dev --set secrets.serviceAuthKey=k1:dev
	--set secrets.serviceAuthAccept=api-gateway/k1:dev)

if "$helm" lint "$chart" "${dev[@]}" >"$work/lint" 2>&1; then
	tap OK "helm lint: the chart with its defaults"
else
	tap FAIL "helm lint: the chart with its defaults" "$work/lint"
fi
if "$helm" lint "$chart" -f "$chart/values-production.yaml" --strict >"$work/lint-prod" 2>&1; then
	tap OK "helm lint --strict: the production overlay"
else
	tap FAIL "helm lint --strict: the production overlay" "$work/lint-prod"
fi

render() {	# render NAME helm-args...: into $work/NAME.yaml
	local name=$1
	shift
	"$helm" template tracing "$chart" "$@" >"$work/$name.yaml" 2>"$work/$name.err"
}
for v in default production; do
	if [ $v = default ]; then render $v "${dev[@]}"; else render $v -f "$chart/values-production.yaml"; fi
	if [ $? -eq 0 ]; then
		tap OK "helm template: $v values render"
	else
		tap FAIL "helm template: $v values render" "$work/$v.err"
		continue
	fi
	if "$kv" --strict "$work/$v.yaml" >"$work/$v.kv" 2>&1; then
		tap OK "kubernetes-validate --strict: every object of the $v rendering is valid ($(grep -c '^kind:' "$work/$v.yaml") objects)"
	else
		tap FAIL "kubernetes-validate --strict: every object of the $v rendering is valid" "$work/$v.kv"
	fi
	if python3 tests/k8s/check.py "$work/$v.yaml" "$v" >"$work/$v.check" 2>&1; then
		tap OK "the chart's rules hold for the $v rendering (probes, resources, hardening, wiring)"
	else
		tap FAIL "the chart's rules hold for the $v rendering" "$work/$v.check"
	fi
done

# The Jaeger roles' configurations, as rendered, validated by our Jaeger.
if [ -x bin/jaeger ]; then
	python3 tests/k8s/check.py "$work/default.yaml" jaeger-configs "$work" >"$work/cfg.log" 2>&1
	for role in collector ingester query; do
		if [ -s "$work/jaeger-$role.yaml" ] &&
		    OTEL_SDK_DISABLED=true bin/jaeger validate --config "$work/jaeger-$role.yaml" >"$work/v-$role" 2>&1; then
			tap OK "jaeger validate: the $role role's configuration"
		else
			cat "$work/cfg.log" >>"$work/v-$role" 2>/dev/null
			tap FAIL "jaeger validate: the $role role's configuration" "$work/v-$role"
		fi
	done
else
	n=$((n + 1))
	echo "ok $n - jaeger validate: the roles' configurations # SKIP no bin/jaeger (make jaeger)"
fi

# Without its secrets (and no existing Secret) the chart refuses to render.
if ! "$helm" template tracing "$chart" >"$work/nosecret" 2>&1 &&
    grep -q 'secrets.dbPassword (or secrets.existingSecret) is required' "$work/nosecret"; then
	tap OK "no secrets given: helm template refuses, naming what is missing"
else
	tap FAIL "no secrets given: helm template refuses, naming what is missing" "$work/nosecret"
fi

# Broken manifests are refused: a Deployment whose replicas is a string, and
# one whose container has a misspelt field.
python3 - "$work/default.yaml" "$work" <<'PY'
import copy, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
dep = next(d for d in docs if d["kind"] == "Deployment")
a = copy.deepcopy(dep)
a["spec"]["replicas"] = "two"
yaml.safe_dump(a, open(sys.argv[2] + "/broken-replicas.yaml", "w"))
b = copy.deepcopy(dep)
c = b["spec"]["template"]["spec"]["containers"][0]
c["imagePullPolcy"] = c.pop("imagePullPolicy")
yaml.safe_dump(b, open(sys.argv[2] + "/broken-field.yaml", "w"))
PY
for k in replicas:"'two' is not of type 'integer'" field:imagePullPolcy; do
	f=${k%%:*} want=${k#*:}
	if ! "$kv" --strict "$work/broken-$f.yaml" >"$work/broken-$f.kv" 2>&1 &&
	    grep -q "$want" "$work/broken-$f.kv"; then
		tap OK "a broken Deployment ($f) is refused, the fault named"
	else
		tap FAIL "a broken Deployment ($f) is refused, the fault named" "$work/broken-$f.kv"
	fi
done
# And the Jaeger check can fail: a role's configuration with a misspelt key.
if [ -x bin/jaeger ] && [ -s "$work/jaeger-collector.yaml" ]; then
	sed 's/partition_traces_by_id/partition_traces_by_idd/' "$work/jaeger-collector.yaml" >"$work/jaeger-bad.yaml"
	if ! OTEL_SDK_DISABLED=true bin/jaeger validate --config "$work/jaeger-bad.yaml" >"$work/v-bad" 2>&1 &&
	    grep -q 'partition_traces_by_idd' "$work/v-bad"; then
		tap OK "jaeger validate refuses a misspelt key in a role's configuration"
	else
		tap FAIL "jaeger validate refuses a misspelt key in a role's configuration" "$work/v-bad"
	fi
fi
if ! python3 tests/k8s/check.py <(python3 - "$work/default.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
dep = next(d for d in docs if d["kind"] == "Deployment")
del dep["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
print(yaml.safe_dump_all(docs))
PY
) default >"$work/norules" 2>&1 && grep -q 'readinessProbe' "$work/norules"; then
	tap OK "the chart's rules refuse a container without a readiness probe"
else
	tap FAIL "the chart's rules refuse a container without a readiness probe" "$work/norules"
fi
echo "1..$n"
exit $fail
