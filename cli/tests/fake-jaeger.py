#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in for Jaeger's query API, for tracectl's paging and metrics tests.

Holds N synthetic two-span traces (api-gateway SERVER with an order-service
child), trace i starting at BASE + i ms; every 10th lasts 200 ms, the others
20 ms.  Answers searches like Jaeger's memory store: newest first, at most
`limit` traces, a trace matching when ONE span matches service, time window
and minDuration together.  Serves /api/v3 (OTLP JSON) unless --no-v3, and
the legacy /api always.  Prints its port, serves until killed.
"""

import argparse
import json
import re
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

BASE_US = 1_795_500_000_000_000
TRACES = []


def make(n):
    for i in range(n):
        start = BASE_US + i * 1000
        dur = 200_000 if i % 10 == 0 else 20_000
        tid = "%032x" % (0xabc0000 + i)
        TRACES.append({
            "id": tid,
            "spans": [
                ("%016x" % (2 * i + 1), None, "api-gateway",
                 "POST /api/orders", 2, start, dur),
                ("%016x" % (2 * i + 2), "%016x" % (2 * i + 1),
                 "order-service", "POST /v1/orders", 2, start + 1000,
                 dur - 2000),
            ]})


def go_duration_us(s):
    m = re.fullmatch(r"(\d+)(us|ms|s)", s)
    return int(m.group(1)) * {"us": 1, "ms": 1000, "s": 1_000_000}[m.group(2)]


def rfc3339_us(s):
    d = datetime.strptime(s.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
    return int(d.timestamp()) * 1_000_000 + d.microsecond


def search(service, start, end, min_us, limit):
    out = []
    for t in reversed(TRACES):
        if len(out) == limit:
            break
        for (_, _, svc, _, _, st, dur) in t["spans"]:
            if (not service or svc == service) and start <= st <= end \
                    and dur >= min_us:
                out.append(t)
                break
    return out


def legacy(t):
    procs = {"p1": {"serviceName": "api-gateway", "tags": []},
             "p2": {"serviceName": "order-service", "tags": []}}
    spans = []
    for (sid, parent, svc, op, kind, st, dur) in t["spans"]:
        spans.append({
            "traceID": t["id"], "spanID": sid, "operationName": op,
            "references": ([{"refType": "CHILD_OF", "traceID": t["id"],
                             "spanID": parent}] if parent else []),
            "startTime": st, "duration": dur, "tags": [
                {"key": "span.kind", "type": "string", "value": "server"}],
            "logs": [], "processID": "p1" if svc == "api-gateway" else "p2"})
    return {"traceID": t["id"], "spans": spans, "processes": procs}


def v3(traces):
    rs = []
    for t in traces:
        for (sid, parent, svc, op, kind, st, dur) in t["spans"]:
            span = {"traceId": t["id"], "spanId": sid, "name": op,
                    "kind": kind, "startTimeUnixNano": str(st * 1000),
                    "endTimeUnixNano": str((st + dur) * 1000), "status": {}}
            if parent:
                span["parentSpanId"] = parent
            rs.append({"resource": {"attributes": [{
                "key": "service.name", "value": {"stringValue": svc}}]},
                "scopeSpans": [{"scope": {}, "spans": [span]}]})
    return {"result": {"resourceSpans": rs}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    no_v3 = False
    no_metrics = False

    def log_message(self, *args):
        pass

    def answer(self, status, obj, ctype="application/json"):
        data = obj.encode() if isinstance(obj, str) else \
            json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def metrics(self, what, q):
        Handler.last_metrics = self.path
        if self.no_metrics:
            return self.answer(501, {"data": None, "errors": [{"code": 501,
                "msg": "metrics querying is currently disabled"}]})
        if "service" not in q:
            return self.answer(400, {"data": None, "errors": [{"code": 400,
                "msg": "please provide at least one service name"}]})
        rows = [(k, v) for k, v in sorted(METRICS.items()) if k[0] in q["service"]]
        if what == "calls":
            return self.answer(200, family("service_operation_call_rate", rows,
                                           lambda v: v[0]))
        if what == "errors":    # Jaeger lists only the operations with errors
            return self.answer(200, family("service_operation_error_rate",
                                           [r for r in rows if r[1][1] > 0],
                                           lambda v: v[1]))
        if what == "latencies":
            i = {"0.5": 0, "0.95": 1, "0.99": 2}[q["quantile"][0]]
            return self.answer(200, family("service_operation_latencies", rows,
                                           lambda v: v[2][i]))
        return self.answer(404, "404 page not found\n", "text/plain")

    def do_GET(self):
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        if u.path.startswith("/api/metrics/"):
            return self.metrics(u.path[len("/api/metrics/"):], parse_qs(u.query))
        if u.path.startswith("/api/v3/"):
            if self.no_v3:
                return self.answer(404, "404 page not found\n", "text/plain")
            if u.path == "/api/v3/services":
                return self.answer(200, {"services": ["api-gateway",
                                                      "order-service"]})
            if u.path == "/api/v3/traces":
                lim = int(q.get("query.num_traces", 20))
                mn = go_duration_us(q.get("query.duration_min", "0us"))
                got = search(q.get("query.service_name"),
                             rfc3339_us(q["query.start_time_min"]),
                             rfc3339_us(q["query.start_time_max"]), mn, lim)
                if not got:
                    return self.answer(404, {"error": {
                        "httpCode": 404, "message": "No traces found"}})
                return self.answer(200, v3(got))
        if u.path == "/api/dependencies":
            return self.answer(200, {"data": [
                {"parent": "api-gateway", "child": "inventory-service", "callCount": 10},
                {"parent": "api-gateway", "child": "order-service", "callCount": 9},
                {"parent": "order-service", "child": "order-service", "callCount": 3},
                {"parent": "api-gateway", "child": "notification-service", "callCount": 9},
                {"parent": "notification-service", "child": "mailer", "callCount": 1}]})
        if u.path == "/api/services":
            return self.answer(200, {"data": ["api-gateway",
                                              "order-service"]})
        if u.path == "/api/traces":
            if not q.get("service"):
                return self.answer(400, {"data": None, "errors": [{
                    "code": 400, "msg": "parameter 'service' is required"}]})
            got = search(q["service"], int(q["start"]), int(q["end"]),
                         go_duration_us(q.get("minDuration", "0us")),
                         int(q.get("limit", 100)))
            return self.answer(200, {"data": [legacy(t) for t in got]})
        return self.answer(404, "404 page not found\n", "text/plain")


# RED metrics as Jaeger's SPM API answers them (one family per call; NaN
# written as "NaN"): (service, operation) -> calls/s, error share, and the
# latency in ms at 0.5/0.95/0.99 (None: no data).
METRICS = {
    ("api-gateway", "POST /api/orders"): (10.0, 0.0, (2.5, 8.0, 12.0)),
    ("api-gateway", "GET /ready"): (0.0, 0.0, (None, None, None)),
    ("order-service", "POST /v1/orders"): (5.0, 0.2, (1.0, 3.0, 250.0)),
    ("order-service", "POST /v1/orders/lookup"): (0.5, 0.0, (None, None, None)),
}


def family(name, rows, key):
    out = []
    for (svc, op), v in rows:
        val = key(v)
        pt = {"gaugeValue": {"doubleValue": "NaN" if val is None else val},
              "timestamp": "2026-11-24T10:00:00Z"}
        out.append({"labels": [{"name": "service_name", "value": svc},
                               {"name": "operation", "value": op}],
                    "metricPoints": [pt, pt]})
    return {"name": name, "type": "GAUGE", "help": "", "metrics": out}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--traces", type=int, default=2500)
    ap.add_argument("--no-v3", action="store_true")
    ap.add_argument("--no-metrics", action="store_true")
    a = ap.parse_args()
    Handler.no_metrics = a.no_metrics
    make(a.traces)
    Handler.no_v3 = a.no_v3
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
