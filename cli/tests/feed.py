#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Feeds a Jaeger with OTLP/HTTP JSON traces shaped like our order flow.

Owns the synthetic traffic behind tracectl's recorded fixtures and its
benchmark.  `feed.py fixtures URL` sends the named fixture traces (fixed
trace ids, see FIXTURES); `feed.py bulk URL N` sends N order traces, about
2 % of them slower than 200 ms, 1 % failing.  URL is the OTLP/HTTP base,
e.g. http://127.0.0.1:26688.  Standard library only.
"""

import json
import random
import sys
import time
import urllib.request

MS = 1_000_000  # nanoseconds

KIND = {"INTERNAL": 1, "SERVER": 2, "CLIENT": 3}

# Named fixture traces: name -> trace id.
FIXTURES = {
    "order-ok": "4bf92f3577b34da6a3ce929d0e0e4736",
    "order-error": "5af7183fb1d4cf5f9a2b3c4d5e6f7081",
    "order-slow": "6b1c2d3e4f5061728394a5b6c7d8e9f0",
    "order-skew": "7c2d3e4f5061728394a5b6c7d8e9f0a1",
    "order-orphan": "8d3e4f5061728394a5b6c7d8e9f0a1b2",
    "order-64bit": "0000000000000000a1b2c3d4e5f60718",
}


class Trace:
    """Collects spans of one trace, grouped by service for resourceSpans."""

    def __init__(self, trace_id, base_ns, rng):
        self.trace_id = trace_id
        self.base = base_ns
        self.rng = rng
        self.by_service = {}

    def span_id(self):
        return "%016x" % self.rng.getrandbits(64)

    def add(self, service, name, kind, start_ms, end_ms, parent=None,
            attrs=None, status=None, events=None, skew_ms=0.0, span_id=None):
        sid = span_id or self.span_id()
        span = {
            "traceId": self.trace_id,
            "spanId": sid,
            "name": name,
            "kind": KIND[kind],
            "startTimeUnixNano": str(int(self.base + (start_ms + skew_ms) * MS)),
            "endTimeUnixNano": str(int(self.base + (end_ms + skew_ms) * MS)),
            "attributes": [kv(k, v) for k, v in (attrs or {}).items()],
        }
        if parent:
            span["parentSpanId"] = parent
        if status:
            span["status"] = status
        if events:
            span["events"] = [{
                "timeUnixNano": str(int(self.base + (t + skew_ms) * MS)),
                "name": n,
                "attributes": [kv(k, v) for k, v in a.items()],
            } for (t, n, a) in events]
        self.by_service.setdefault(service, []).append(span)
        return sid

    def resource_spans(self):
        out = []
        for svc, spans in self.by_service.items():
            out.append({
                "resource": {"attributes": [
                    kv("service.name", svc),
                    kv("telemetry.sdk.language", "c"),
                    kv("host.name", "tracing-ref"),
                ]},
                "scopeSpans": [{"scope": {"name": "tracing", "version": "0.1"},
                                "spans": spans}],
            })
        return out


def kv(key, value):
    if isinstance(value, bool):
        v = {"boolValue": value}
    elif isinstance(value, int):
        v = {"intValue": str(value)}
    elif isinstance(value, float):
        v = {"doubleValue": value}
    else:
        v = {"stringValue": str(value)}
    return {"key": key, "value": v}


def http_attrs(method, route, status):
    return {"http.request.method": method, "url.path": route,
            "http.response.status_code": status}


def order_trace(t, *, slow_ms=0.0, fail=False, skew=None, orphan=False,
                client_root=True, scale=1.0, parent=None):
    """Builds the order flow; times in ms from the trace's base."""
    skew = skew or {}
    ok = {"code": 1}
    err = None
    root = None
    off = 0.0
    s = scale
    if client_root:
        total = (60 + slow_ms) * s if not fail else 16 * s
        root = t.add("tracectl", "POST /api/orders", "CLIENT", 0, total,
                     attrs={"http.request.method": "POST",
                            "url.full": "http://127.0.0.1:8080/api/orders",
                            "http.response.status_code": 409 if fail else 201})
        off = 1.0
    gw_end = off + ((57 + slow_ms) * s if not fail else 14 * s)
    gw = t.add("api-gateway", "POST /api/orders", "SERVER", off, gw_end,
               parent=root or parent,
               attrs=http_attrs("POST", "/api/orders", 409 if fail else 201),
               status={"code": 2, "message": "out_of_stock"} if fail else None)
    # inventory
    c1 = t.add("api-gateway", "POST /v1/reservations", "CLIENT",
               off + 1 * s, off + 11 * s, parent=gw,
               attrs=http_attrs("POST", "/v1/reservations", 409 if fail else 201))
    sk = skew.get("inventory-service", 0.0)
    inv = t.add("inventory-service", "POST /v1/reservations", "SERVER",
                off + 2 * s, off + 10 * s, parent=c1, skew_ms=sk,
                attrs=http_attrs("POST", "/v1/reservations", 409 if fail else 201),
                status=({"code": 2, "message": "out of stock: SKU999"}
                        if fail else None),
                events=([(off + 9 * s, "exception",
                          {"exception.type": "out_of_stock",
                           "exception.message": "out of stock: SKU999"})]
                        if fail else None))
    t.add("inventory-service", "UPDATE inventory", "CLIENT",
          off + 3 * s, off + 9 * s, parent=inv, skew_ms=sk,
          attrs={"db.system": "postgresql", "db.operation.name": "UPDATE",
                 "db.collection.name": "inventory"})
    if fail:
        return err
    # order
    c2 = t.add("api-gateway", "POST /v1/orders", "CLIENT",
               off + 12 * s, off + (44 + slow_ms) * s, parent=gw,
               attrs=http_attrs("POST", "/v1/orders", 201))
    sk = skew.get("order-service", 0.0)
    srv = t.add("order-service", "POST /v1/orders", "SERVER",
                off + 13 * s, off + (43 + slow_ms) * s, parent=c2, skew_ms=sk,
                attrs=http_attrs("POST", "/v1/orders", 201))
    po = t.add("order-service", "process_order", "INTERNAL",
               off + 14 * s, off + (42 + slow_ms) * s, parent=srv, skew_ms=sk,
               attrs={"order.items": 1})
    t.add("order-service", "INSERT orders", "CLIENT",
          off + 15 * s, off + (29 + slow_ms) * s, parent=po, skew_ms=sk,
          attrs={"db.system": "postgresql", "db.operation.name": "INSERT",
                 "db.collection.name": "orders"})
    t.add("order-service", "INSERT order_items", "CLIENT",
          off + (30 + slow_ms) * s, off + (41 + slow_ms) * s, parent=po,
          skew_ms=sk,
          attrs={"db.system": "postgresql", "db.operation.name": "INSERT",
                 "db.collection.name": "order_items"})
    # notification
    c3 = t.add("api-gateway", "POST /v1/notifications", "CLIENT",
               off + (45 + slow_ms) * s, off + (56 + slow_ms) * s, parent=gw,
               attrs=http_attrs("POST", "/v1/notifications", 202))
    sk = skew.get("notification-service", 0.0)
    parent = c3
    if orphan:
        parent = "deadbeefdeadbeef"  # a span that never arrives
    t.add("notification-service", "POST /v1/notifications", "SERVER",
          off + (46 + slow_ms) * s, off + (55 + slow_ms) * s, parent=parent,
          skew_ms=sk, attrs=http_attrs("POST", "/v1/notifications", 202),
          events=[(off + (50 + slow_ms) * s, "email queued",
                   {"email.to": "customer@example.com"})])
    return ok


def post(url, resource_spans):
    body = json.dumps({"resourceSpans": resource_spans}).encode()
    req = urllib.request.Request(url.rstrip("/") + "/v1/traces", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()


def fixtures(url):
    rng = random.Random(42)
    now = time.time_ns() - 120 * 1000 * MS
    shapes = {
        "order-ok": {},
        "order-error": {"fail": True},
        "order-slow": {"slow_ms": 300.0},
        "order-skew": {"skew": {"inventory-service": 80.0,
                                "notification-service": -30.0}},
        "order-orphan": {"orphan": True},
        "order-64bit": {"client_root": False},
    }
    rs = []
    for i, (name, tid) in enumerate(FIXTURES.items()):
        t = Trace(tid, now + i * 1000 * MS, rng)
        order_trace(t, **shapes[name])
        rs.extend(t.resource_spans())
    post(url, rs)


def bulk(url, n, seed=7):
    rng = random.Random(seed)
    now = time.time_ns()
    # Spread the traces over the last 50 minutes, oldest first.
    start = now - 50 * 60 * 1000 * MS
    step = (50 * 60 * 1000 * MS) // max(n, 1)
    batch = []
    slow = 0
    for i in range(n):
        tid = "%032x" % rng.getrandbits(128)
        t = Trace(tid, start + i * step, rng)
        r = rng.random()
        if r < 0.02:
            slow += 1
            order_trace(t, slow_ms=250.0 + rng.random() * 300)
        elif r < 0.03:
            order_trace(t, fail=True)
        else:
            order_trace(t, scale=0.5 + rng.random())
        batch.extend(t.resource_spans())
        if len(batch) >= 800:
            post(url, batch)
            batch = []
    if batch:
        post(url, batch)
    print("sent %d traces, %d slower than 200 ms" % (n, slow))


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: feed.py fixtures URL | feed.py bulk URL N")
    if sys.argv[1] == "fixtures":
        fixtures(sys.argv[2])
    elif sys.argv[1] == "bulk":
        bulk(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: feed.py fixtures URL | feed.py bulk URL N")


if __name__ == "__main__":
    main()
