#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Kubernetes suite of `make test` (TAP), offline: the Helm chart
# (deploy/helm/tracing-ref) linted and rendered with its defaults and with
# the production overlay, every object validated against the Kubernetes
# schemas (kubernetes-validate, strict), the chart's own rules checked on the
# rendered objects (probes, resources, hardening, a Secret per service, the
# network policies pair by pair), the three Jaeger role configurations
# validated by the Jaeger we build, the chart refusing to render without its
# secrets, and broken manifests refused by the checks.
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

# Development secrets for rendering only, a key per callee (the production
# overlay names an existing Secret per service instead).
dev=(--set secrets.apiGateway.dbPassword=dev-gw
	--set secrets.apiGateway.serviceAuthKey=inventory-service=k1:dev1\,order-service=k1:dev2\,notification-service=k1:dev3
	--set secrets.inventoryService.serviceAuthAccept=api-gateway/k1:dev1 --set secrets.inventoryService.dbPassword=dev-inv
	--set secrets.orderService.serviceAuthAccept=api-gateway/k1:dev2 --set secrets.orderService.dbPassword=dev-ord
	--set secrets.notificationService.serviceAuthAccept=api-gateway/k1:dev3)

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
# smtp: the notification service sends through an SMTP server with a login
# (its egress policy lets it reach that port, and its Secret holds the login).
for v in default production smtp; do
	case $v in
	default) render $v "${dev[@]}" ;;
	production) render $v -f "$chart/values-production.yaml" ;;
	smtp) render $v "${dev[@]}" --set smtp.url=smtp://mail.example.internal:587 \
		--set secrets.notificationService.smtpUser=shop --set secrets.notificationService.smtpPassword=pw ;;
	esac
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
	if python3 tests/k8s/check.py "$work/$v.yaml" "${v/smtp/default}" >"$work/$v.check" 2>&1; then
		tap OK "the chart's rules hold for the $v rendering (probes, resources, hardening, wiring, a Secret per service, network policies)"
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
    grep -q 'secrets.apiGateway.serviceAuthKey (or secrets.apiGateway.existingSecret) is required' "$work/nosecret"; then
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

# Each rule on secrets and network policies can fail: a rendering broken on
# purpose (by a value, or by editing the rendered objects) is refused by
# check.py, naming the breach.
refuse() {	# refuse "what" "expected message" FILE
	if ! python3 tests/k8s/check.py "$3" default >"$3.out" 2>&1 && grep -qF -- "$2" "$3.out"; then
		tap OK "the chart's rules refuse $1"
	else
		tap FAIL "the chart's rules refuse $1 (expected: $2)" "$3.out"
	fi
}
python3 - "$work/default.yaml" "$work" <<'PY'
import copy, sys, yaml
src, out = sys.argv[1], sys.argv[2]
base = [d for d in yaml.safe_load_all(open(src)) if d]
def named(docs, kind, name):
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)
def write(tag, docs):
    yaml.safe_dump_all(docs, open("%s/mut-%s.yaml" % (out, tag), "w"))
d = copy.deepcopy(base)   # the notification pods take the gateway's Secret
c = named(d, "Deployment", "tracing-notification-service")["spec"]["template"]["spec"]["containers"][0]
for e in c["envFrom"]:
    if "secretRef" in e:
        e["secretRef"]["name"] = "tracing-api-gateway-secrets"
write("shared-secret", d)
d = copy.deepcopy(base)   # the inventory's Secret holds the order service's key
named(d, "Secret", "tracing-inventory-service-secrets")["stringData"]["SERVICE_AUTH_ACCEPT_ORDER_SERVICE"] = "x"
write("foreign-key", d)
d = copy.deepcopy(base)   # the order service's pods have no egress policy
d = [x for x in d if not (x["kind"] == "NetworkPolicy" and x["metadata"]["name"] in
                          ("tracing-default-deny-egress", "tracing-order-service-egress"))]
write("no-egress", d)
d = copy.deepcopy(base)   # the notification's rule to the collector loses its ports
for r in named(d, "NetworkPolicy", "tracing-notification-service-egress")["spec"]["egress"]:
    if any("podSelector" in q and "namespaceSelector" not in q for q in r["to"]):
        del r["ports"]
write("wide-egress", d)
d = copy.deepcopy(base)   # the inventory service loses its ingress policy
d = [x for x in d if not (x["kind"] == "NetworkPolicy" and x["metadata"]["name"] == "tracing-inventory-service")]
write("no-ingress", d)
PY
refuse "a pod given another service's Secret" "tracing-notification-service/notification-service: its Secret tracing-api-gateway-secrets holds SERVICE_AUTH_KEY (api-gateway's)" "$work/mut-shared-secret.yaml"
refuse "a Secret holding another service's key" "holds SERVICE_AUTH_ACCEPT_ORDER_SERVICE (order-service's)" "$work/mut-foreign-key.yaml"
refuse "a pod with no egress policy" "order-service: no egress policy selects its pods" "$work/mut-no-egress.yaml"
refuse "an egress rule open on every port" "egress: notification-service may send to jaeger-collector:8888" "$work/mut-wide-egress.yaml"
refuse "an internal service open to every pod" "inventory-service: no ingress policy selects its pods" "$work/mut-no-ingress.yaml"
# And by values: the collectors open to any address; the query open to
# every namespace; none given for the query (then nobody reaches it).
render mut-otlp "${dev[@]}" --set-json 'networkPolicy.otlpFrom=[{"ipBlock":{"cidr":"0.0.0.0/0"}}]'
refuse "the collectors open to any address" "ingress: jaeger-collector takes traffic from outside the release on 4318" "$work/mut-otlp.yaml"
render mut-query "${dev[@]}" --set-json 'jaeger.query.allowFrom=[{"namespaceSelector":{}}]'
refuse "the query open to every namespace" "lets {'namespaceSelector': {}} reach the query, not a named ingress" "$work/mut-query.yaml"
render mut-noquery "${dev[@]}" --set-json 'jaeger.query.allowFrom=[]'
refuse "a query no ingress reaches" "ingress: jaeger-query takes nothing from outside the release on 16686" "$work/mut-noquery.yaml"
# The chart itself refuses the first version's single Secret, and a key in
# a service's values that is not that service's.
for k in "secrets.existingSecret=x:secrets.existingSecret is gone: each service has a Secret of its own" \
    "secrets.notificationService.dbPassword=x:secrets.notificationService.dbPassword: notification-service holds only"; do
	if ! "$helm" template tracing "$chart" "${dev[@]}" --set "${k%%:*}" >"$work/refused" 2>&1 &&
	    grep -qF -- "${k#*:}" "$work/refused"; then
		tap OK "helm template refuses --set ${k%%:*}, saying why"
	else
		tap FAIL "helm template refuses --set ${k%%:*}, saying why" "$work/refused"
	fi
done
echo "1..$n"
exit $fail
