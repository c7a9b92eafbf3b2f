#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in for the order gateway, for tracectl's command-line tests.

Answers POST /api/orders like the real api-gateway: 201 with
{"orderId", "traceId", "status", "total", "notification"}, continuing the
request's traceparent; SKU "SKU999" is out of stock (409 with a JSON error),
SKU "BOOM" fails (500), a missing traceparent is a 400.  With --otlp URL it
also exports each order's trace, shaped like the real stack's (feed.py),
under the caller's span, to that OTLP/HTTP endpoint, so `order submit
--wait` and e2e.sh have traces to find; POST /fault?delay_ms=N slows the
orders (and their traces) by N ms.  Prints its port on stdout, then serves until killed.
Standard library only.
"""

import argparse
import itertools
import json
import random
import re
import threading
import time
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import feed  # noqa: E402

TP = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
ORDER_IDS = itertools.count(1)
LOCK = threading.Lock()
DELAY_MS = [0.0]


def export(otlp, trace_id, parent, start_ns, fail, slow_ms):
    """The whole order flow of the real stack, under the caller's span."""
    t = feed.Trace(trace_id, start_ns, random.Random())
    feed.order_trace(t, client_root=False, parent=parent, fail=fail,
                     slow_ms=slow_ms)
    feed.post(otlp, t.resource_spans())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    otlp = None

    def log_message(self, *args):
        pass

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        start = time.time_ns()
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        if self.path.startswith("/fault"):
            # The fault knob: POST /fault?delay_ms=300 (0 turns it off).
            DELAY_MS[0] = float(self.path.partition("delay_ms=")[2] or 0)
            return self.answer(200, {"delay_ms": DELAY_MS[0]})
        if self.path != "/api/orders":
            return self.answer(404, {"error": {"code": "not_found",
                                               "message": self.path}})
        m = TP.match(self.headers.get("traceparent") or "")
        if not m:
            return self.answer(400, {"error": {"code": "no_traceparent",
                                               "message": "missing"}})
        trace_id, parent = m.group(1), m.group(2)
        try:
            order = json.loads(raw)
            items = order["items"]
            total = sum(i["quantity"] * i["price"] for i in items)
        except (ValueError, KeyError, TypeError) as e:
            return self.answer(400, {"error": {"code": "bad_request",
                                               "message": str(e)}})
        status, obj = 201, None
        for i in items:
            if i["sku"] == "SKU999" or i["quantity"] > 1000:
                status = 409
                obj = {"error": {"code": "out_of_stock",
                                 "message": "not enough stock",
                                 "sku": i["sku"]}}
            elif i["sku"] == "BOOM":
                status = 500
                obj = {"error": {"code": "internal",
                                 "message": "backend failed"}}
        if status == 201:
            with LOCK:
                oid = next(ORDER_IDS)
            obj = {"orderId": oid, "traceId": trace_id,
                   "status": "confirmed", "total": total,
                   "notification": {"status": "queued",
                                    "email": order.get("email")}}
        delay = DELAY_MS[0]
        if delay:
            time.sleep(delay / 1000)
        if self.otlp:
            export(self.otlp, trace_id, parent, start, status != 201, delay)
        self.answer(status, obj)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--otlp")
    a = ap.parse_args()
    Handler.otlp = a.otlp
    ThreadingHTTPServer.request_queue_size = 128
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
