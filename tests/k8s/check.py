#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The chart's own rules on a rendered manifest (helm template output):

  check.py RENDERED default|production   every rule; exit 1 with the breaches
  check.py RENDERED jaeger-configs DIR   writes DIR/jaeger-<role>.yaml, the
                                         Jaeger roles' configurations

Rules: every container has readiness and liveness probes (the Kore services
on /ready and /health), resource requests and limits, a read-only root, no
privilege escalation, all capabilities dropped (the Kore services add back
only what their chroot and privilege drop need, as docker-compose.yml), a
RuntimeDefault seccomp profile; every Service selects pods that exist; the
services reach the collectors, the internal services and the database by
the names the chart gives them; the production overlay takes its secrets
from an existing Secret and has disruption budgets."""

import sys

import yaml

KORE_CAPS = {"CHOWN", "SETUID", "SETGID", "SYS_CHROOT", "KILL"}


def main():
    docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
    mode = sys.argv[2]
    if mode == "jaeger-configs":
        cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-jaeger"))
        for role in ("collector", "ingester", "query"):
            with open("%s/jaeger-%s.yaml" % (sys.argv[3], role), "w") as f:
                f.write(cm["data"]["%s.yaml" % role])
        return 0
    bad = []
    deps = [d for d in docs if d["kind"] == "Deployment"]
    for d in deps:
        name = d["metadata"]["name"]
        spec = d["spec"]["template"]["spec"]
        labels = d["spec"]["template"]["metadata"]["labels"]
        kore = labels.get("app.kubernetes.io/component") == "service"
        if spec.get("automountServiceAccountToken") is not False:
            bad.append("%s: mounts a service account token" % name)
        for c in spec["containers"]:
            where = "%s/%s" % (name, c["name"])
            for p in ("readinessProbe", "livenessProbe"):
                if p not in c:
                    bad.append("%s: no %s" % (where, p))
            if kore:
                if c.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/ready":
                    bad.append("%s: readiness is not /ready" % where)
                if c.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/health":
                    bad.append("%s: liveness is not /health" % where)
            r = c.get("resources", {})
            for k in ("requests", "limits"):
                if not {"cpu", "memory"} <= set(r.get(k, {})):
                    bad.append("%s: no cpu and memory %s" % (where, k))
            sc = c.get("securityContext", {})
            if sc.get("readOnlyRootFilesystem") is not True:
                bad.append("%s: the root filesystem is writable" % where)
            if sc.get("allowPrivilegeEscalation") is not False:
                bad.append("%s: privilege escalation allowed" % where)
            caps = sc.get("capabilities", {})
            if caps.get("drop") != ["ALL"]:
                bad.append("%s: not every capability dropped" % where)
            added = set(caps.get("add", []))
            if added - (KORE_CAPS if kore else set()):
                bad.append("%s: capabilities added: %s" % (where, sorted(added)))
            if sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
                bad.append("%s: no RuntimeDefault seccomp profile" % where)
            if not kore and sc.get("runAsNonRoot") is not True:
                bad.append("%s: may run as root" % where)
    pods = [d["spec"]["template"]["metadata"]["labels"] for d in deps]
    names = {d["metadata"]["name"] for d in docs if d["kind"] == "Service"}
    for s in (d for d in docs if d["kind"] == "Service"):
        sel = s["spec"]["selector"]
        if not any(all(p.get(k) == v for k, v in sel.items()) for p in pods):
            bad.append("Service %s selects no pod" % s["metadata"]["name"])
    env = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-env"))
    data = env["data"]
    for key, port in (("INVENTORY_URL", None), ("ORDER_URL", None), ("NOTIFICATION_URL", None),
                      ("OTEL_EXPORTER_OTLP_ENDPOINT", 4318)):
        host = data[key].split("//", 1)[1].split(":", 1)[0]
        if host not in names:
            bad.append("%s names %s, which is no Service of the chart" % (key, host))
    if mode == "production":
        if any(d["kind"] == "Secret" for d in docs):
            bad.append("production: the chart makes a Secret (it must use an existing one)")
        pdbs = [d for d in docs if d["kind"] == "PodDisruptionBudget"]
        if len(pdbs) < len(deps):
            bad.append("production: %d disruption budgets for %d deployments" % (len(pdbs), len(deps)))
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
