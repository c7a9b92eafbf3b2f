# SPDX-License-Identifier: Apache-2.0
"""Traces made up for the viewer's browser test and benchmark, as OTLP JSON
posted to Jaeger's OTLP/HTTP receiver: the two example orders' shape (for a
Jaeger without the services in front of it: `VIEWER_FEED=otlp`) and a big
trace of N spans (8 services, up to 12 levels deep, attributes, events,
some errors, like cli/bench/browse-bench.c's)."""

import json
import os
import random
import time
import urllib.request


def _id(n):
    return os.urandom(n).hex()


def _attrs(d):
    out = []
    for k, v in d.items():
        if isinstance(v, bool):
            out.append({"key": k, "value": {"boolValue": v}})
        elif isinstance(v, int):
            out.append({"key": k, "value": {"intValue": str(v)}})
        else:
            out.append({"key": k, "value": {"stringValue": str(v)}})
    return out


class Builder:
    def __init__(self, trace_id=None):
        self.trace_id = trace_id or _id(16)
        self.by_service = {}

    def span(self, service, name, start_ns, end_ns, parent=None, kind=2, attrs=None, error=None, events=()):
        sid = _id(8)
        s = {"traceId": self.trace_id, "spanId": sid, "name": name, "kind": kind,
             "startTimeUnixNano": str(start_ns), "endTimeUnixNano": str(end_ns),
             "attributes": _attrs(attrs or {}),
             "events": [{"timeUnixNano": str(t), "name": n, "attributes": _attrs(a)} for t, n, a in events],
             "status": {"code": 2, "message": error} if error else {}}
        if parent:
            s["parentSpanId"] = parent
        self.by_service.setdefault(service, []).append(s)
        return sid

    def resource_spans(self):
        return [{"resource": {"attributes": _attrs({"service.name": svc, "service.version": "test"})},
                 "scopeSpans": [{"scope": {"name": "viewer-test"}, "spans": spans}]}
                for svc, spans in self.by_service.items()]


def order_trace(out_of_stock, t0_ns=None):
    """A trace shaped like one of the seed's example orders."""
    b = Builder()
    t = t0_ns or time.time_ns() - 2_000_000_000
    ms = 1_000_000
    status = 400 if out_of_stock else 201
    root = b.span("api-gateway", "POST /api/orders", t, t + (9 if out_of_stock else 42) * ms, kind=2,
                  attrs={"http.request.method": "POST", "http.route": "/api/orders",
                         "http.response.status_code": status,
                         "order.outcome": "out_of_stock" if out_of_stock else "confirmed"})
    call = b.span("api-gateway", "POST /v1/reservations", t + 1 * ms, t + 6 * ms, parent=root, kind=3,
                  attrs={"http.request.method": "POST", "server.address": "127.0.0.1"})
    inv = b.span("inventory-service", "POST /v1/reservations", t + 1 * ms + 300_000, t + 5 * ms + 700_000,
                 parent=call, kind=2,
                 attrs={"http.response.status_code": 409 if out_of_stock else 201},
                 error="out of stock: OUT-OF-STOCK" if out_of_stock else None,
                 events=[(t + 4 * ms, "out_of_stock", {"inventory.sku": "OUT-OF-STOCK", "requested": 1,
                                                       "available": 0})] if out_of_stock else ())
    b.span("inventory-service", "reserve stock", t + 2 * ms, t + 5 * ms, parent=inv, kind=1,
           attrs={"db.system": "postgresql"})
    if out_of_stock:
        return b
    c2 = b.span("api-gateway", "POST /v1/orders", t + 7 * ms, t + 20 * ms, parent=root, kind=3)
    o = b.span("order-service", "POST /v1/orders", t + 7 * ms + 400_000, t + 19 * ms + 500_000, parent=c2)
    b.span("order-service", "insert order", t + 8 * ms, t + 18 * ms, parent=o, kind=1,
           attrs={"db.system": "postgresql"})
    c3 = b.span("api-gateway", "POST /v1/notifications", t + 21 * ms, t + 41 * ms, parent=root, kind=3)
    n = b.span("notification-service", "POST /v1/notifications", t + 21 * ms + 300_000, t + 40 * ms,
               parent=c3)
    b.span("notification-service", "render_email", t + 22 * ms, t + 25 * ms, parent=n, kind=1)
    b.span("notification-service", "deliver_email", t + 25 * ms, t + 39 * ms, parent=n, kind=3)
    return b


def big_trace(n=5000, seed=7):
    """One trace of n spans: 8 services, up to 12 levels, some errors."""
    rnd = random.Random(seed)
    b = Builder()
    services = ["api-gateway", "inventory-service", "order-service", "notification-service",
                "pricing", "search", "recommendations", "billing"]
    t0 = time.time_ns() - 60_000_000_000
    root = b.span(services[0], "GET /big", t0, t0 + 2_000_000_000, attrs={"big.spans": n})
    nodes = [(root, t0, t0 + 2_000_000_000, 0)]
    for i in range(1, n):
        pid, ps, pe, depth = rnd.choice(nodes)
        if depth >= 11:
            pid, ps, pe, depth = nodes[0]
        length = max(1000, int((pe - ps) * rnd.uniform(0.05, 0.6)))
        start = ps + rnd.randint(0, max(0, pe - ps - length))
        svc = services[rnd.randrange(len(services))]
        err = "failed %d" % i if rnd.random() < 0.01 else None
        sid = b.span(svc, "op-%d" % rnd.randrange(40), start, start + length, parent=pid,
                     kind=rnd.choice([1, 2, 3]), attrs={"i": i, "key.%d" % (i % 5): "v%d" % i},
                     error=err, events=[(start + length // 2, "tick", {"n": i})] if i % 7 == 0 else ())
        nodes.append((sid, start, start + length, depth + 1))
    return b


def post(otlp_http, builder, batch=1000):
    """Posts a trace's spans to OTLP/HTTP in batches; returns its id."""
    rs = builder.resource_spans()
    flat = [(r["resource"], s) for r in rs for s in r["scopeSpans"][0]["spans"]]
    for i in range(0, len(flat), batch):
        part = {}
        for res, s in flat[i:i + batch]:
            key = json.dumps(res, sort_keys=True)
            part.setdefault(key, (res, []))[1].append(s)
        body = {"resourceSpans": [{"resource": res, "scopeSpans": [{"scope": {"name": "viewer-test"},
                                                                      "spans": spans}]}
                                  for res, spans in part.values()]}
        req = urllib.request.Request(otlp_http.rstrip("/") + "/v1/traces", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
    return builder.trace_id
