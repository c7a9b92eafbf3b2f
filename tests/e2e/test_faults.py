#!/usr/bin/env python3
"""A fault campaign against the real stack under a steady, bounded load
(loopback only): slow clients holding half a request head, one order
retried 50 times at once with one Idempotency-Key, and each service's
worker, then PostgreSQL's postmaster, killed with SIGKILL while orders
flow. Each test prints its figures and checks what must hold: nothing
answered 201 is missing, no stock is lost (available plus what
reservations hold equals the seed), the killed parts come back without a
restart by hand. Prints TAP."""

import concurrent.futures
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time

from tap import (GATEWAY, INVENTORY, ORDERS, TOP, env, ok, order_body, post_order, psql, request, run,
                 stock)
from test_http import parse

INVENTORY_DB = env("INVENTORY_DB", "inventory")
ORDER_DB = env("ORDER_DB", "orders")
RUN_DIR = env("RUN_DIR", os.path.join(TOP, ".run"))
if not os.path.isabs(RUN_DIR):
    RUN_DIR = os.path.join(TOP, RUN_DIR)
HOST = env("BIND_HOST", "127.0.0.1")


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p))] if v else None


def test_slow_heads():
    """500 connections send half a head and stall; a normal client's orders
    keep their pace, and each stalled one gets a JSON 408."""
    port = int(env("GATEWAY_PORT", "8080"))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1024 and hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    slow = []
    for _ in range(500):
        s = socket.create_connection((HOST, port), timeout=30)
        s.sendall(b"POST /api/orders HTTP/1.1\r\nHost: h\r\nContent-Type: appl")
        slow.append(s)
    t0 = time.monotonic()
    lat = []
    while time.monotonic() - t0 < 8:
        a = time.monotonic()
        r = post_order(order_body(qty=1))
        lat.append((time.monotonic() - a, r.status))
    p99 = percentile([x for x, _ in lat], 0.99)
    print("# slow heads: %d orders meanwhile, p50 %.0f ms, p99 %.0f ms" %
          (len(lat), percentile([x for x, _ in lat], 0.5) * 1000, p99 * 1000))
    ok(lat and all(s == 201 for _, s in lat) and p99 < 1.0,
       "500 stalled heads: a normal client's %d orders all 201, p99 %.0f ms (under 1 s)" % (len(lat), p99 * 1000))
    answers = {}

    def read(s):
        buf = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                buf += d
        except OSError:
            pass
        s.close()
        got, _ = parse(buf)
        return got[0][0] if got and json.loads(got[0][2]).get("error", {}).get("code") == "request_timeout" \
            else repr(buf[:60])

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        for st in pool.map(read, slow):
            answers[st] = answers.get(st, 0) + 1
    waited = time.monotonic() - t0
    ok(answers == {408: 500}, "the 500 stalled ones got a JSON 408 within %.0f s (http_header_timeout 10 s)" % waited,
       answers)


def test_idempotency_storm():
    """One order sent 50 times at once with one Idempotency-Key: one order."""
    key = "storm-" + secrets.token_hex(8)
    user = 700000000 + secrets.randbelow(1000000)
    body = order_body(qty=1, user=user)
    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        res = list(pool.map(lambda _: post_order(body, {"Idempotency-Key": key}, timeout=30), range(50)))
    ids = {r.json.get("orderId") for r in res if r.status == 201}
    statuses = sorted({r.status for r in res})
    n = psql(ORDER_DB, "SELECT count(*) FROM orders WHERE user_id = %d" % user)
    print("# idempotency storm: statuses %s" % statuses)
    ok(len(ids) == 1 and n == "1" and set(statuses) <= {201, 409},
       "50 concurrent retries of one Idempotency-Key: one order (%s in the database, answers %s)" % (n, statuses))


class Load:
    """Orders of one unit of a SKU of our own from 4 clients, each 201
    logged with its order id, until stopped."""

    def __init__(self, sku):
        self.sku, self.stop, self.ok, self.other = sku, threading.Event(), [], []
        self.threads = [threading.Thread(target=self.client) for _ in range(4)]

    def client(self):
        while not self.stop.is_set():
            try:
                r = post_order(order_body(sku=self.sku, qty=1), timeout=20)
                if r.status == 201:
                    self.ok.append(r.json.get("orderId"))
                else:
                    self.other.append(r.status)
            except Exception as e:
                self.other.append(type(e).__name__)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)


def held_units(sku):
    """Units the reservations of sku hold (confirmed orders and those whose
    order never came), and what is available."""
    held = psql(INVENTORY_DB, "SELECT coalesce(sum((i->>'quantity')::int), 0) FROM reservations r, "
                "jsonb_array_elements(r.items) i WHERE r.state = 'reserved' AND i->>'sku' = '%s'" % sku)
    return int(held), stock(sku)


def check_accepted(load, sku, seed, what):
    missing = []
    for oid in load.ok:
        g = request("GET", ORDERS + "/v1/orders/%s" % oid)
        if g.status != 200 or g.json.get("status") != "confirmed" or \
                [i.get("sku") for i in g.json.get("items", [])] != [sku]:
            missing.append((oid, g.status))
    held, avail = held_units(sku)
    print("# %s: %d orders answered 201, others %s; available %s + held %s = %s (seed %d)" %
          (what, len(load.ok), sorted(set(map(str, load.other))), avail, held, avail + held, seed))
    ok(load.ok and not missing, "%s: every order answered 201 (%d) exists, confirmed, with its item"
       % (what, len(load.ok)), missing[:5])
    ok(avail + held == seed, "%s: no stock lost: available %d + held by reservations %d = the seed %d"
       % (what, avail, held, seed))


def worker_pids(service):
    with open(os.path.join(RUN_DIR, "%s.pid" % service)) as f:
        parent = int(f.read().strip())
    kids = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout.split()
    return parent, [int(k) for k in kids]


def test_kill_workers():
    """Each service's worker killed mid-load in turn: Kore replaces it."""
    sku = "FAULT-" + secrets.token_hex(4).upper()
    seed = 100000
    psql(INVENTORY_DB, "INSERT INTO stock (sku, name, available) VALUES ('%s', 'fault campaign', %d)" % (sku, seed))
    services = [("inventory-service", INVENTORY), ("order-service", ORDERS),
                ("notification-service", env("NOTIFICATION_URL", "http://127.0.0.1:8083")),
                ("api-gateway", GATEWAY)]
    with Load(sku) as load:
        time.sleep(1.0)
        for name, base in services:
            parent, kids = worker_pids(name)
            os.kill(kids[0], signal.SIGKILL)
            time.sleep(1.5)
            _, after = worker_pids(name)
            h = request("GET", base + "/health")
            ok(parent and len(after) == len(kids) and kids[0] not in after and h.status == 200,
               "%s: a worker killed with SIGKILL mid-load is replaced by Kore (%d workers again)"
               % (name, len(after)), (kids, after, h))
        time.sleep(1.0)
    check_accepted(load, sku, seed, "workers killed")


def test_kill_postmaster():
    """PostgreSQL's postmaster killed with SIGKILL mid-load, started again."""
    sku = "FAULT-" + secrets.token_hex(4).upper()
    seed = 100000
    psql(INVENTORY_DB, "INSERT INTO stock (sku, name, available) VALUES ('%s', 'fault campaign', %d)" % (sku, seed))
    with Load(sku) as load:
        time.sleep(1.5)
        with open(os.path.join(RUN_DIR, "pg", "data", "postmaster.pid")) as f:
            os.kill(int(f.readline().strip()), signal.SIGKILL)
        time.sleep(1.0)
        started = None
        for _ in range(20):
            p = subprocess.run([os.path.join(TOP, "scripts", "pg.sh"), "start"], capture_output=True, text=True)
            if p.returncode == 0:
                started = time.time()
                break
            time.sleep(0.5)
        ok(started, "the postmaster killed with SIGKILL mid-load starts again", p.stderr[-300:])
        n0 = len(load.ok)
        deadline = time.time() + 20
        while time.time() < deadline and len(load.ok) < n0 + 20:
            time.sleep(0.2)
        ok(len(load.ok) >= n0 + 20, "orders succeed again without a restart of any service (%d more)"
           % (len(load.ok) - n0))
    check_accepted(load, sku, seed, "postmaster killed")


if __name__ == "__main__":
    sys.exit(run([test_slow_heads, test_idempotency_storm, test_kill_workers, test_kill_postmaster]))
