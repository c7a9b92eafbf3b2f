#!/usr/bin/env python3
"""End-to-end fault tests against the real stack: PostgreSQL restarted while
orders flow (JSON 503s meanwhile, every service recovers by itself), and an
accepted order surviving `make down && make up`. Prints TAP."""

import concurrent.futures
import os
import subprocess
import sys
import threading
import time

from tap import GATEWAY, INVENTORY, ORDERS, TOP, env, ok, order_body, post_order, request, run


def script(*args):
    return subprocess.run([os.path.join(TOP, "scripts", args[0])] + list(args[1:]),
                          capture_output=True, text=True, timeout=300)


def test_postgres_restart():
    stop = threading.Event()
    results = []

    def flow():
        while not stop.is_set():
            try:
                r = post_order(order_body(), timeout=20)
                results.append((r.status, r.error().get("code") if r.status != 201 else None,
                                r.headers.get("content-type", "")))
            except Exception as e:
                results.append((0, repr(e), ""))

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(4):
            pool.submit(flow)
        time.sleep(1.0)
        p = script("pg.sh", "restart")
        ok(p.returncode == 0, "PostgreSQL restarted while orders flow", p.stderr)
        time.sleep(2.0)
        stop.set()

    statuses = sorted(set(s for s, _, _ in results))
    ok(all(s in (201, 503) for s, _, _ in results),
       "during the restart every answer is 201 or 503 (%d requests, statuses %s)" % (len(results), statuses),
       [r for r in results if r[0] not in (201, 503)][:5])
    ok(all(c.startswith("application/json") for s, _, c in results if s == 503),
       "the 503s are JSON errors (%d of them)" % sum(1 for s, _, _ in results if s == 503))

    # Recovery without restarting any service: orders go through again.
    deadline = time.time() + 15
    first = None
    while time.time() < deadline:
        r = post_order(order_body())
        if r.status == 201:
            first = time.time()
            break
        time.sleep(0.2)
    ok(first is not None, "orders succeed again after the restart")
    later = [post_order(order_body()).status for _ in range(20)]
    ok(later.count(201) == 20, "and keep succeeding: 20 of 20 (got %s)" % later)
    for name, base in [("api-gateway", GATEWAY), ("inventory-service", INVENTORY), ("order-service", ORDERS)]:
        r = request("GET", base + "/ready")
        ok(r.status == 200, "%s ready again, without a restart" % name, r)


def test_persistence():
    r = post_order(order_body(sku="SKU456", qty=1, price=3.0))
    ok(r.status == 201, "an order is accepted", r)
    oid = r.json.get("orderId") if r.json else None
    d = script("down.sh")
    ok(d.returncode == 0, "make down", d.stderr[-400:])
    ok(subprocess.run(["curl", "-s", "-o", "/dev/null", "--max-time", "2", GATEWAY + "/health"]).returncode != 0,
       "after make down nothing answers on the gateway port")
    u = script("up.sh")
    ok(u.returncode == 0, "make up", (u.stdout + u.stderr)[-800:])
    g = request("GET", GATEWAY + "/api/orders/%s" % oid)
    ok(g.status == 200 and g.json.get("orderId") == oid and g.json.get("status") == "confirmed",
       "the accepted order survived make down && make up", g)


if __name__ == "__main__":
    sys.exit(run([test_postgres_restart, test_persistence]))
