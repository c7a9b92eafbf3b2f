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
from existing Secrets and has disruption budgets.

Secrets: each Kore service's pod takes exactly one Secret, its own, and no
other pod takes it; a Secret the chart makes holds that service's keys only
(SECRET_KEYS) and the ones it needs; no ConfigMap holds a secret's key; the
Jaeger pods take no Secret.

NetworkPolicies, worked out pair by pair (a small evaluator of the
Kubernetes semantics: policies add up, a pod no policy selects for a
direction is open in it, a rule without peers or ports allows them all):
every pod has an egress policy; each pod may send to exactly the chart's
pods and ports it calls (EGRESS) and, elsewhere (outside the release: an
ipBlock or another namespace), to exactly DNS and the ports of its external
endpoints, read from the rendered configuration (DB_PORT, SMTP_URL, the
Kafka brokers, the OpenSearch URLs); the internal services take traffic
from the gateway only, the collectors from the four services only, the
query from nothing in the release and from elsewhere on 16686 only, through
peers that name a namespace and its pods (an ingress controller)."""

import sys

import yaml

KORE_CAPS = {"CHOWN", "SETUID", "SETGID", "SYS_CHROOT", "KILL"}
KORE = ("api-gateway", "inventory-service", "order-service", "notification-service")
CALLEES = KORE[1:]
# The keys each service's Secret may hold (templates/secret.yaml), and the
# ones it must.
SECRET_KEYS = {
    "api-gateway": {"SERVICE_AUTH_KEY", "DB_PASSWORD", "GATEWAY_DB_CONNINFO"},
    "inventory-service": {"SERVICE_AUTH_ACCEPT_INVENTORY_SERVICE", "SERVICE_AUTH_ACCEPT",
                          "DB_PASSWORD", "INVENTORY_DB_CONNINFO"},
    "order-service": {"SERVICE_AUTH_ACCEPT_ORDER_SERVICE", "SERVICE_AUTH_ACCEPT",
                      "DB_PASSWORD", "ORDER_DB_CONNINFO"},
    "notification-service": {"SERVICE_AUTH_ACCEPT_NOTIFICATION_SERVICE", "SERVICE_AUTH_ACCEPT",
                             "SMTP_USER", "SMTP_PASSWORD"},
}
NEEDED_KEYS = {
    "api-gateway": ["SERVICE_AUTH_KEY", "DB_PASSWORD"],
    "inventory-service": ["SERVICE_AUTH_ACCEPT_INVENTORY_SERVICE", "DB_PASSWORD"],
    "order-service": ["SERVICE_AUTH_ACCEPT_ORDER_SERVICE", "DB_PASSWORD"],
    "notification-service": ["SERVICE_AUTH_ACCEPT_NOTIFICATION_SERVICE"],
}
ALL_SECRET_KEYS = set().union(*SECRET_KEYS.values())
# Elsewhere: a destination or source outside the release's pods.
ELSEWHERE = None


def sel_match(sel, labels):
    """A LabelSelector against a pod's labels ({} selects every pod)."""
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        have, op, vals = e["key"] in labels, e["operator"], e.get("values") or []
        if op == "In" and not (have and labels[e["key"]] in vals):
            return False
        if op == "NotIn" and have and labels[e["key"]] in vals:
            return False
        if op == "Exists" and not have:
            return False
        if op == "DoesNotExist" and have:
            return False
    return True


def peer_match(peer, who):
    """Whether a NetworkPolicyPeer may be WHO: a pod of the release (its
    labels; a namespaceSelector might name the release's namespace, so only
    its podSelector decides; an ipBlock might hold pod addresses) or
    ELSEWHERE (outside the release: any ipBlock or namespaceSelector)."""
    if "ipBlock" in peer:
        return True
    if who is ELSEWHERE:
        return "namespaceSelector" in peer
    return sel_match(peer.get("podSelector") or {}, who)


def port_match(rule_ports, port, proto):
    if not rule_ports:
        return True
    for p in rule_ports:
        if p.get("protocol", "TCP") != proto:
            continue
        if isinstance(p.get("port"), str) or p.get("port") is None:
            return True     # a named port or every port: assume the worst
        if p["port"] <= port <= p.get("endPort", p["port"]):
            return True
    return False


def allowed(policies, pod, direction, other, port, proto="TCP"):
    """Whether POD may send to (Egress) or take from (Ingress) OTHER on PORT."""
    pols = [p["spec"] for p in policies
            if direction in p["spec"].get("policyTypes", ["Ingress"])
            and sel_match(p["spec"]["podSelector"], pod)]
    if not pols:
        return True
    key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    for spec in pols:
        for rule in spec.get(key) or []:
            peers = rule.get(peers_key)
            if (not peers or any(peer_match(q, other) for q in peers)) and \
                    port_match(rule.get("ports"), port, proto):
                return True
    return False


def url_port(url, default):
    hostport = url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    tail = hostport.rsplit(":", 1)
    return int(tail[1]) if len(tail) == 2 and tail[1].isdigit() else default


def named_peer(peer):
    """An ingress controller's pods: a namespace and pods, each named by
    labels (not {}), and no ipBlock."""
    ns, pods = peer.get("namespaceSelector"), peer.get("podSelector")
    return ("ipBlock" not in peer and ns is not None and pods is not None
            and any(ns.get(k) for k in ("matchLabels", "matchExpressions"))
            and any(pods.get(k) for k in ("matchLabels", "matchExpressions")))


def check_secrets(docs, deps, bad):
    secrets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
    users = {}
    for d in deps:
        labels = d["spec"]["template"]["metadata"]["labels"]
        svc = labels.get("app.kubernetes.io/name")
        kore = svc in KORE
        for c in d["spec"]["template"]["spec"]["containers"]:
            where = "%s/%s" % (d["metadata"]["name"], c["name"])
            refs = [e["secretRef"]["name"] for e in c.get("envFrom") or [] if "secretRef" in e]
            keyrefs = [(e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
                       for e in c.get("env") or [] if "secretKeyRef" in (e.get("valueFrom") or {})]
            for vol in d["spec"]["template"]["spec"].get("volumes") or []:
                if "secret" in vol:
                    refs.append(vol["secret"]["secretName"])
            for cm in (e["configMapRef"]["name"] for e in c.get("envFrom") or [] if "configMapRef" in e):
                cmd = next((x for x in docs if x["kind"] == "ConfigMap" and x["metadata"]["name"] == cm), None)
                for k in sorted(set((cmd or {}).get("data") or {}) & ALL_SECRET_KEYS):
                    bad.append("%s: the ConfigMap %s holds the secret %s" % (where, cm, k))
            if not kore:
                if refs or keyrefs:
                    bad.append("%s: a Jaeger pod takes a Secret (%s)" % (where, refs + keyrefs))
                continue
            if len(refs) != 1:
                bad.append("%s: takes %d Secrets (%s), not its own one" % (where, len(refs), refs))
            for name in refs:
                users.setdefault(name, set()).add(svc)
                sec = secrets.get(name)
                if sec is None:
                    continue    # an existing Secret, made outside the chart
                keys = set(sec.get("stringData") or {}) | set(sec.get("data") or {})
                for k in sorted(keys - SECRET_KEYS[svc]):
                    owners = [o for o in KORE if k in SECRET_KEYS[o]]
                    bad.append("%s: its Secret %s holds %s (%s)" % (
                        where, name, k, "%s's" % "/".join(owners) if owners else "not its own"))
                for k in NEEDED_KEYS[svc]:
                    if k not in keys and not (k.startswith("SERVICE_AUTH_ACCEPT") and "SERVICE_AUTH_ACCEPT" in keys):
                        bad.append("%s: its Secret %s lacks %s" % (where, name, k))
            for name, k in keyrefs:
                users.setdefault(name, set()).add(svc)
                if k not in SECRET_KEYS[svc]:
                    bad.append("%s: takes %s from the Secret %s (not its own key)" % (where, k, name))
    for name, svcs in sorted(users.items()):
        if len(svcs) > 1:
            bad.append("the Secret %s goes to %s: one Secret per service" % (name, ", ".join(sorted(svcs))))


def check_network(docs, deps, data, bad):
    pols = [d for d in docs if d["kind"] == "NetworkPolicy"]
    pods = {}
    for d in deps:
        labels = d["spec"]["template"]["metadata"]["labels"]
        ports = {p["containerPort"] for c in d["spec"]["template"]["spec"]["containers"]
                 for p in c.get("ports") or [] if p.get("protocol", "TCP") == "TCP"}
        pods[labels["app.kubernetes.io/name"]] = (labels, ports)
    jcm = next((d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-jaeger")), None)
    jcfg = {k: yaml.safe_load(v) for k, v in ((jcm or {}).get("data") or {}).items()}
    kafka = {url_port(b, 9092) for b in jcfg["collector.yaml"]["exporters"]["kafka"]["brokers"]}
    kafka_in = {url_port(b, 9092) for b in jcfg["ingester.yaml"]["receivers"]["kafka"]["brokers"]}
    osearch = set()
    for role in ("ingester.yaml", "query.yaml"):
        for u in jcfg[role]["extensions"]["jaeger_storage"]["backends"]["spans"]["opensearch"]["server_urls"]:
            osearch.add(url_port(u, 443 if u.startswith("https:") else 80))
    otlp = url_port(data["OTEL_EXPORTER_OTLP_ENDPOINT"], 4318)
    db = {int(data["DB_PORT"])}
    smtp = {url_port(data["SMTP_URL"], 465 if data["SMTP_URL"].startswith("smtps:") else 25)} \
        if data.get("SMTP_URL") else set()
    dns = {(53, "UDP"), (53, "TCP")}
    tcp = lambda ports: {(p, "TCP") for p in ports}
    svc_port = {n: url_port(data[k], 0) for n, k in (("inventory-service", "INVENTORY_URL"),
                                                     ("order-service", "ORDER_URL"),
                                                     ("notification-service", "NOTIFICATION_URL"))}
    # Who may send where: (the chart's pods and ports, elsewhere's ports).
    egress = {
        "api-gateway": ({("jaeger-collector", otlp)} | set(svc_port.items()), dns | tcp(db)),
        "inventory-service": ({("jaeger-collector", otlp)}, dns | tcp(db)),
        "order-service": ({("jaeger-collector", otlp)}, dns | tcp(db)),
        "notification-service": ({("jaeger-collector", otlp)}, dns | tcp(smtp)),
        "jaeger-collector": (set(), dns | tcp(kafka)),
        "jaeger-ingester": (set(), dns | tcp(kafka_in | osearch)),
        "jaeger-query": (set(), dns | tcp(osearch)),
    }
    # Who may reach whom: (the chart's pods and ports, elsewhere's ports);
    # None: no policy wanted (the gateway is the public door; the ingesters
    # listen for nothing but probes and metrics).
    ingress = {n: ({("api-gateway", p)}, set()) for n, p in svc_port.items()}
    ingress["jaeger-collector"] = ({(s, p) for s in KORE for p in (4317, 4318)}, set())
    ingress["jaeger-query"] = (set(), {(16686, "TCP")})
    universe = dns | {(p, "TCP") for p in {53, 80, 443, 22, 25, 465, 587, 5432, 6379, 9092, 9200, 9300,
                                            4317, 4318, 16685, 16686, 8888, 13133}
                      | db | smtp | kafka | kafka_in | osearch | {p for _, ps in pods.values() for p in ps}}
    for p in pols:
        for rule in (p["spec"].get("egress") or []) + (p["spec"].get("ingress") or []):
            for q in rule.get("ports") or []:
                if isinstance(q.get("port"), int):
                    universe.add((q["port"], q.get("protocol", "TCP")))
    for name, (labels, _) in sorted(pods.items()):
        if not any("Egress" in p["spec"].get("policyTypes", []) and sel_match(p["spec"]["podSelector"], labels)
                   for p in pols):
            bad.append("%s: no egress policy selects its pods" % name)
            continue
        want_pods, want_else = egress.get(name, (set(), dns))
        got_pods = {(o, port) for o, (ol, ops) in pods.items() for port in ops
                    if allowed(pols, labels, "Egress", ol, port)}
        got_else = {(port, proto) for port, proto in universe
                    if allowed(pols, labels, "Egress", ELSEWHERE, port, proto)}
        for o, port in sorted(got_pods - want_pods):
            bad.append("egress: %s may send to %s:%d" % (name, o, port))
        for o, port in sorted(want_pods - got_pods):
            bad.append("egress: %s may not send to %s:%d, which it calls" % (name, o, port))
        for port, proto in sorted(got_else - want_else):
            bad.append("egress: %s may send out of the release to %s/%d" % (name, proto, port))
        for port, proto in sorted(want_else - got_else):
            bad.append("egress: %s may not send out of the release to %s/%d, which it needs" % (name, proto, port))
    for name, (labels, ports) in sorted(pods.items()):
        if name not in ingress:
            continue
        want_pods, want_else = ingress[name]
        if not any("Ingress" in p["spec"].get("policyTypes", ["Ingress"])
                   and sel_match(p["spec"]["podSelector"], labels) for p in pols):
            bad.append("%s: no ingress policy selects its pods" % name)
            continue
        got_pods = {(o, port) for o, (ol, _) in pods.items() for port in ports
                    if allowed(pols, labels, "Ingress", ol, port)}
        got_else = {(port, "TCP") for port in ports if allowed(pols, labels, "Ingress", ELSEWHERE, port)}
        for o, port in sorted(got_pods - want_pods):
            bad.append("ingress: %s takes traffic from %s on %d" % (name, o, port))
        for o, port in sorted(want_pods - got_pods):
            bad.append("ingress: %s refuses %s on %d, which it serves" % (name, o, port))
        for port, _ in sorted(got_else - want_else):
            bad.append("ingress: %s takes traffic from outside the release on %d" % (name, port))
        for port, _ in sorted(want_else - got_else):
            bad.append("ingress: %s takes nothing from outside the release on %d" % (name, port))
    # The query's door: only peers that name an ingress controller.
    qlabels = pods.get("jaeger-query", ({}, set()))[0]
    for p in pols:
        if "Ingress" in p["spec"].get("policyTypes", ["Ingress"]) and sel_match(p["spec"]["podSelector"], qlabels):
            for rule in p["spec"].get("ingress") or []:
                if port_match(rule.get("ports"), 16686, "TCP"):
                    for q in rule.get("from") or [{}]:
                        if not named_peer(q):
                            bad.append("ingress: %s lets %s reach the query, not a named ingress" % (
                                p["metadata"]["name"], q or "anyone"))


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
    check_secrets(docs, deps, bad)
    check_network(docs, deps, data, bad)
    if mode == "production":
        if any(d["kind"] == "Secret" for d in docs):
            bad.append("production: the chart makes a Secret (it must use existing ones)")
        pdbs = [d for d in docs if d["kind"] == "PodDisruptionBudget"]
        if len(pdbs) < len(deps):
            bad.append("production: %d disruption budgets for %d deployments" % (len(pdbs), len(deps)))
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
