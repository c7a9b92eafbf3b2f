#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
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

from tap import (ADMIN, GATEWAY, INVENTORY, ORDERS, TOP, env, ok, order_body, post_order, psql, request, run,
                 stock)
from test_http import parse
from test_traces import set_fault

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
        self.answers = []       # (status, traceId, orderId, error code)
        self.threads = [threading.Thread(target=self.client) for _ in range(4)]

    def client(self):
        while not self.stop.is_set():
            try:
                r = post_order(order_body(sku=self.sku, qty=1), timeout=40)
                j = r.json if isinstance(r.json, dict) else {}
                err = j.get("error") if isinstance(j.get("error"), dict) else {}
                self.answers.append((r.status, j.get("traceId") or err.get("traceId"),
                                     j.get("orderId"), err.get("code")))
                if r.status == 201:
                    self.ok.append(j.get("orderId"))
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


def answers_match(answers, what):
    """Every answer is what the orders database holds, by the order's trace
    id (create_order stores it): a 201 has its order confirmed, any other
    answer has no confirmed order, but 503 order_outcome_unknown, which
    claims nothing. Waits for cancellations in flight to settle."""
    ids = [a[1] for a in answers if a[1]]
    confirmed = {}
    for _ in range(20):
        confirmed = {}
        for i in range(0, len(ids), 200):
            chunk = ",".join("'%s'" % t for t in ids[i:i + 200] if all(c in "0123456789abcdef" for c in t))
            if not chunk:
                continue
            out = psql(ORDER_DB, "SELECT trace_id, id FROM orders WHERE status = 'confirmed'"
                       " AND trace_id IN (%s)" % chunk)
            for line in out.splitlines():
                if "|" in line:
                    t, oid = line.split("|", 1)
                    confirmed[t] = oid
        wrong = [a for a in answers if a[1] and a[3] != "order_outcome_unknown" and
                 ((a[0] == 201) != (a[1] in confirmed) or (a[0] == 201 and confirmed.get(a[1]) != a[2]))]
        if not wrong:
            break
        time.sleep(0.5)
    unknown = sum(1 for a in answers if a[3] == "order_outcome_unknown")
    untraced = sum(1 for a in answers if not a[1])
    print("# %s: %d answers (%s), %d of them 'outcome unknown', %d without a trace id; %d confirmed orders" % (
        what, len(answers), sorted(set(a[0] for a in answers)), unknown, untraced, len(confirmed)))
    ok(answers and not wrong and untraced == 0,
       "%s: every answer (%d) is what the orders database holds: a 201's order confirmed, no order"
       " confirmed for any other answer" % (what, len(answers)), wrong[:5])
    return wrong


def test_lost_answers():
    """The order service commits and loses its answer (a fault knob) for
    half the creates: the gateway settles each unknown create before it
    answers, so every answer matches the database, and the orders whose
    first answer was lost are answered 201."""
    sku = "FAULT-" + secrets.token_hex(4).upper()
    seed = 100000
    psql(INVENTORY_DB, "INSERT INTO stock (sku, name, available) VALUES ('%s', 'fault campaign', %d)" % (sku, seed))
    answers = []
    try:
        set_fault("order-service", {"lose_answer_percent": 50})
        for _ in range(30):
            r = post_order(order_body(sku=sku, qty=1), timeout=40)
            j = r.json if isinstance(r.json, dict) else {}
            err = j.get("error") if isinstance(j.get("error"), dict) else {}
            answers.append((r.status, j.get("traceId") or err.get("traceId"), j.get("orderId"), err.get("code")))
    finally:
        set_fault("order-service", None)
    answers_match(answers, "half the order service's answers lost after the commit")
    ok(all(a[0] == 201 for a in answers),
       "each order whose create answer was lost is settled and answered 201 (%s)"
       % sorted(set(a[0] for a in answers)), [a for a in answers if a[0] != 201][:5])
    held, avail = held_units(sku)
    ok(held == 30 and avail + held == seed, "30 orders hold 30 units, none reserved twice or lost"
       " (held %d, available %d)" % (held, avail))


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
    answers_match(load.answers, what)


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


def gone(pids, secs):
    """Whether every pid has exited within secs."""
    deadline = time.time() + secs
    while time.time() < deadline:
        if not any(os.path.exists("/proc/%d" % p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def start_service(name, extra=None):
    script = os.path.join(TOP, "scripts", "services.sh")
    subprocess.run([script, "stop-service", name], capture_output=True, text=True, timeout=60)
    return subprocess.run([script, "start-service", name], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **(extra or {})))


def confirmed_units(sku):
    return int(psql(ORDER_DB, "SELECT coalesce(sum(i.quantity), 0) FROM orders o JOIN order_items i "
                    "ON i.order_id = o.id WHERE o.status = 'confirmed' AND i.sku = '%s'" % sku))


def test_kill_services():
    """Each service's Kore parent killed with SIGKILL mid-load: its workers
    notice, drain and exit, and the service starts again on its port. Then
    the whole gateway (parent and workers) killed mid-load: what its orders
    in flight held, its sweeper gives back once it runs again."""
    sku = "FAULT-" + secrets.token_hex(4).upper()
    seed = 100000
    psql(INVENTORY_DB, "INSERT INTO stock (sku, name, available) VALUES ('%s', 'fault campaign', %d)" % (sku, seed))
    services = ["inventory-service", "order-service", "notification-service", "api-gateway"]
    with Load(sku) as load:
        time.sleep(1.0)
        for name in services:
            parent, kids = worker_pids(name)
            t0 = time.time()
            os.kill(parent, signal.SIGKILL)
            left = gone(kids, 15)
            print("# %s: parent killed, its %d workers gone after %.1f s" % (name, len(kids), time.time() - t0))
            log = open(os.path.join(RUN_DIR, "log", "%s.log" % name), errors="replace").read()[-20000:]
            ok(left and "parent %d gone: stopping" % parent in log,
               "%s: its parent killed with SIGKILL, the workers stop by themselves" % name, kids)
            p = start_service(name)
            ok(p.returncode == 0, "%s: starts again on its port" % name, p.stderr[-300:])
            time.sleep(1.0)
        n0 = len(load.ok)
        time.sleep(2.0)
        ok(len(load.ok) > n0, "orders flow again after the four restarts (%d more)" % (len(load.ok) - n0))

        # The whole gateway, with orders in flight, while the order service
        # is slow: some reservations are made whose orders never come.
        set_fault("order-service", {"latency_ms": 400})
        parent, kids = worker_pids("api-gateway")
        for pid in [parent] + kids:
            os.kill(pid, signal.SIGKILL)
    set_fault("order-service", None)
    ok(gone([parent] + kids, 5), "the gateway is killed whole (parent and %d workers)" % len(kids))
    held, _ = held_units(sku)
    orphaned = held - confirmed_units(sku)
    print("# gateway killed whole: %d units held by reservations with no order" % orphaned)
    p = start_service("api-gateway", {"RESERVATION_SWEEP_S": "1", "RESERVATION_STALE_S": "10"})
    ok(p.returncode == 0, "the gateway starts again, sweeping every second", p.stderr[-300:])
    # Stale after RESERVATION_STALE_S (10 s), given back within two sweep
    # periods (1 s each), 3 s of slack for the clocks. (A bound of a whole
    # abandoned round, 40 s + 20, was once needed: a round's statement on
    # the gateway database stuck with its deadline unfired. Kore opened
    # connections with the blocking PQconnectdb, up to connect_timeout
    # (2 s) per try and 9 tries in one statement, during which no timer of
    # that worker could fire; connections are opened without blocking now
    # (Kore patch 0007).)
    t_back = time.time()
    deadline = t_back + 10 + 2 * 1 + 3
    while time.time() < deadline and held_units(sku)[0] != confirmed_units(sku):
        time.sleep(1)
    held, _ = held_units(sku)
    ok(orphaned > 0 and held == confirmed_units(sku),
       "its sweeper gives back the %d units of the orders that died with it within two sweep periods of"
       " their growing stale (%.1f s after it was back): held %d = confirmed %d"
       % (orphaned, time.time() - t_back, held, confirmed_units(sku)))
    p = start_service("api-gateway")
    ok(p.returncode == 0, "the gateway starts again with its usual settings", p.stderr[-300:])
    check_accepted(load, sku, seed, "services killed")


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


def pg_pids():
    with open(os.path.join(RUN_DIR, "pg", "data", "postmaster.pid")) as f:
        pm = int(f.readline().strip())
    kids = subprocess.run(["pgrep", "-P", str(pm)], capture_output=True, text=True).stdout.split()
    return [pm] + [int(k) for k in kids]


def test_postgres_hung():
    """PostgreSQL stopped (SIGSTOP: a hung server, the sockets still
    accept) for 8 s mid-load: no request waits past its deadline, no worker
    freezes for good, and orders flow again once it goes on (SIGCONT)."""
    sku = "FAULT-" + secrets.token_hex(4).upper()
    seed = 100000
    psql(INVENTORY_DB, "INSERT INTO stock (sku, name, available) VALUES ('%s', 'fault campaign', %d)" % (sku, seed))
    timings = []
    probes = {base: [] for base in SERVICE_URLS}
    probing = threading.Event()

    def prober(base):
        # /health of one service every 50 ms while the server hangs.
        while not probing.is_set():
            a = time.time()
            try:
                st = request("GET", base + "/health", timeout=30).status
            except Exception as e:
                st = type(e).__name__
            probes[base].append((time.time() - a, st))
            time.sleep(0.05)

    with Load(sku) as load:
        time.sleep(1.0)
        pids = pg_pids()
        t0 = time.time()
        for p in pids:
            os.kill(p, signal.SIGSTOP)
        threads = [threading.Thread(target=prober, args=(b,)) for b in SERVICE_URLS]
        for t in threads:
            t.start()
        try:
            n_stop = len(load.ok)
            while time.time() - t0 < 8:
                a = time.time()
                try:
                    r = post_order(order_body(sku=sku, qty=1), timeout=30)
                    timings.append((time.time() - a, r.status, r.json.get("error", {}).get("code")
                                    if isinstance(r.json, dict) else None))
                except Exception as e:
                    timings.append((time.time() - a, type(e).__name__, None))
            health = []
            for base in SERVICE_URLS:
                a = time.time()
                h = request("GET", base + "/health", timeout=30)
                health.append((h.status, round(time.time() - a, 2)))
        finally:
            probing.set()
            for p in pids:
                os.kill(p, signal.SIGCONT)
            for t in threads:
                t.join(60)
        t_cont = time.time()
        during = len(load.ok) - n_stop
        worst = max(t for t, _, _ in timings)
        print("# PostgreSQL hung 8 s: %d orders of the probe answered %s, the slowest in %.1f s; /health %s;"
              " %d orders of the load confirmed meanwhile" % (
                  len(timings), sorted(set(str(x[1]) for x in timings)), worst, health, during))
        ok(timings and all(st in (201, 503, 504) for _, st, _ in timings) and worst < 12,
           "while PostgreSQL hangs every order is answered (201, 503 or 504) within 12 s, none waits"
           " for the server (slowest %.1f s)" % worst, timings[:5])
        # No worker waits on PostgreSQL, connecting included (Kore patched:
        # pgsql-connect-async): /health never queues behind a connect, which
        # would take connect_timeout (2 s). The p100 is a figure (the goal
        # is 100 ms); the check is for a wait of the database's kind.
        worst_probe = {b.rsplit(":", 1)[-1]: round(max([t for t, _ in v] or [0]) * 1000, 1)
                       for b, v in probes.items()}
        n_probes = sum(len(v) for v in probes.values())
        print("# /health during the 8 s hang: %d probes, p100 by port (ms) %s" % (n_probes, worst_probe))
        ok(all(st == 200 and t < 10 for st, t in health) and n_probes > 40 and
           all(st == 200 and t < 1.0 for v in probes.values() for t, st in v),
           "every service answers /health every 50 ms through the hang, each within 1 s, no worker"
           " waiting on the database (p100 %s ms)" % worst_probe,
           [(b, x) for b, v in probes.items() for x in v if x[1] != 200 or x[0] >= 1.0][:5])
        n0 = len(load.ok)
        while time.time() - t_cont < 20 and len(load.ok) < n0 + 20:
            time.sleep(0.2)
        ok(len(load.ok) >= n0 + 20, "once it goes on, orders flow again within %.1f s, no restart"
           % (time.time() - t_cont))
    check_accepted(load, sku, seed, "PostgreSQL hung")


SERVICE_URLS = [GATEWAY, INVENTORY, ORDERS, env("NOTIFICATION_URL", "http://127.0.0.1:8083")]
JAEGER = "http://%s:%s" % (env("JAEGER_HOST", "127.0.0.1"), env("JAEGER_QUERY_PORT", "16686"))


def export_counters():
    """The tracing counters of every worker of the four services, summed
    (GET /metrics)."""
    total = {}
    for base in ADMIN.values():
        for line in request("GET", base + "/metrics").raw.splitlines():
            if line.startswith("tracing_"):
                name, value = line.split("{")[0], int(line.rsplit(" ", 1)[1])
                total[name] = total.get(name, 0) + value
    return total


def counters_add_up(c):
    """Every ended span is exported, dropped, rejected, queued or still in
    the spool (spooled, not yet replayed nor dropped from it)."""
    in_spool = c.get("tracing_spans_spooled_total", 0) - c.get("tracing_spans_replayed_total", 0) - \
        c.get("tracing_spool_dropped_total", 0)
    return c.get("tracing_spans_ended_total", -1) == in_spool + sum(c.get(k, 0) for k in (
        "tracing_spans_exported_total", "tracing_spans_dropped_total", "tracing_spans_rejected_total",
        "tracing_queue_length"))


def counters_add_up_since(before, after):
    """counters_add_up over a window: what ended between the two readings
    is exported, dropped, rejected, or still queued or spooled. (Totals
    since the stack started may be short by the spans a worker SIGKILLed
    earlier held in memory: those are lost with it, as documented.)"""
    def pending(c):
        return c.get("tracing_queue_length", 0) + c.get("tracing_spans_spooled_total", 0) - \
            c.get("tracing_spans_replayed_total", 0) - c.get("tracing_spool_dropped_total", 0)

    def d(k):
        return after.get(k, 0) - before.get(k, 0)
    return d("tracing_spans_ended_total") == d("tracing_spans_exported_total") + \
        d("tracing_spans_dropped_total") + d("tracing_spans_rejected_total") + pending(after) - pending(before)


SPOOL = env("TRACING_SPOOL", "on") == "on"


class PacedLoad:
    """Orders at a fixed rate (clients x per_s), each logged with when it
    started, how long it took, its status and its trace id."""

    def __init__(self, sku, clients=4, per_s=10):
        self.sku, self.per_s, self.stop, self.log = sku, per_s, threading.Event(), []
        self.threads = [threading.Thread(target=self.client, args=(i,)) for i in range(clients)]

    def client(self, i):
        nxt = time.monotonic() + i / (self.per_s * len(self.threads))
        while not self.stop.is_set():
            time.sleep(max(0, nxt - time.monotonic()))
            nxt += 1.0 / self.per_s
            t0, w0 = time.monotonic(), time.time()
            try:
                r = post_order(order_body(sku=self.sku, qty=1), timeout=20)
                tid = r.json.get("traceId") if isinstance(r.json, dict) else None
                self.log.append((w0, time.monotonic() - t0, r.status, tid))
            except Exception as e:
                self.log.append((w0, time.monotonic() - t0, type(e).__name__, None))

    def window(self, a, b):
        return [x for x in self.log if a <= x[0] < b]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)


def trace_shape(trace_id):
    """The (service, operation) pairs of a trace in Jaeger, sorted; [] if
    Jaeger does not have it."""
    try:
        r = request("GET", JAEGER + "/api/traces/" + trace_id, timeout=10)
    except OSError:
        return []
    if r.status != 200 or not r.json.get("data"):
        return []
    t = r.json["data"][0]
    return sorted((t["processes"][s["processID"]]["serviceName"], s["operationName"]) for s in t["spans"])


def test_jaeger_outage():
    """Jaeger killed for 60 s while orders flow at a steady rate: no order
    fails or slows down, the export counters account for every span, and
    once Jaeger is back new traces are complete again within 5 s, with the
    same running services. With the spool (TRACING_SPOOL=on, the default)
    no span is lost: every trace of the outage is whole once the spool has
    drained; without it, the counters say what was lost."""
    sku = "FAULT-" + secrets.token_hex(4).upper()
    psql(INVENTORY_DB, "INSERT INTO stock (sku, name, available) VALUES ('%s', 'fault campaign', 1000000)" % sku)
    outage = 60
    pidfile = os.path.join(RUN_DIR, "jaeger.pid")
    with PacedLoad(sku) as load:
        time.sleep(20)
        # The reference: a trace complete before the outage, which a
        # persistent Jaeger (badger, the native default) still has after it.
        ref, ref_id = [], None
        for x in load.window(time.time() - 15, time.time() - 5):
            ref, ref_id = (trace_shape(x[3]) if x[3] else []), x[3]
            if len({svc for svc, _ in ref}) == 4:
                break
        before = export_counters()
        with open(pidfile) as f:
            jpid = int(f.read().strip())
        t_kill = time.time()
        os.kill(jpid, signal.SIGKILL)
        time.sleep(outage)
        p = subprocess.run([os.path.join(TOP, "scripts", "services.sh"), "start-jaeger"],
                           capture_output=True, text=True, timeout=120)
        t_back = time.time()
        # From now on, when every service's spool is empty again (polled
        # beside the load; a file's header may stay: bytes).
        drained = []

        def watch_spool():
            while time.time() < t_back + 120 and SPOOL:
                c = export_counters()
                if c.get("tracing_spans_spooled_total", 0) > before.get("tracing_spans_spooled_total", 0) and \
                        c["tracing_spans_spooled_total"] == c.get("tracing_spans_replayed_total", 0) + \
                        c.get("tracing_spool_dropped_total", 0):
                    drained.append(time.time())
                    return
                time.sleep(0.25)
        watcher = threading.Thread(target=watch_spool)
        watcher.start()
        ok(p.returncode == 0, "Jaeger killed with SIGKILL starts again after %.0f s" % (t_back - t_kill),
           p.stderr[-300:])
        if env("JAEGER_STORAGE", "badger") == "badger":
            kept = trace_shape(ref_id) if ref_id else []
            ok(ref and kept == ref, "Jaeger (badger) killed and started again still has the traces of"
               " before: %s, %d spans" % (ref_id, len(kept)))
        time.sleep(15)
    base = load.window(0, t_kill)
    during = load.window(t_kill, t_back)
    after = load.window(t_back, time.time())
    # The baseline with Jaeger up: before the outage and once it has
    # caught up after it (the larger of the two: this machine drifts).
    p99_before = max(percentile([x[1] for x in base[len(base) // 4:]], 0.99),
                     percentile([x[1] for x in after if x[0] > t_back + 5], 0.99))
    p99_during = percentile([x[1] for x in during], 0.99)
    failed = [x[2] for x in during + after if x[2] != 201]
    print("# Jaeger outage: %d orders before (p99 %.1f ms, before and after), %d during (p99 %.1f ms), %d after;"
          " failed %s"
          % (len(base), p99_before * 1000, len(during), p99_during * 1000, len(after), failed[:5]))
    ok(during and after and not failed, "Jaeger down for %.0f s: not one order failed (%d during, %d after)"
       % (t_back - t_kill, len(during), len(after)), failed[:5])
    # What this guards: no order waits for the exporter while Jaeger is
    # away (that would cost the export timeout, seconds). A p99 of a few
    # milliseconds moves by tens of them with the scheduling of a 2-core
    # machine running the whole stack (seen in CI: 11.4 ms during against
    # 24.8 ms before, and 33.7 during against 17.5): twice the baseline or
    # 50 ms more is allowed; the figures are printed above either way.
    ok(p99_during <= max(2 * p99_before, p99_before + 0.050),
       "and they did not slow down: p99 %.1f ms during, %.1f ms with Jaeger up"
       % (p99_during * 1000, p99_before * 1000))

    # After Jaeger is back: from which order on is every trace complete?
    time.sleep(7)	# the last spans leave at the batch delay (5 s)
    shapes = [(x[0], trace_shape(x[3]) == ref if x[3] else False) for x in after]
    print("# incomplete after it, seconds after it was back: %s"
          % " ".join("%.1f" % (t - t_back) for t, good in shapes if not good)[:600])
    first_ok = None
    for i in range(len(shapes)):
        if all(good for _, good in shapes[i:]):
            first_ok = shapes[i][0]
            break
    print("# traces complete again %.1f s after Jaeger is back (%d of %d after it complete; %d spans each)"
          % ((first_ok - t_back) if first_ok else -1, sum(g for _, g in shapes), len(shapes), len(ref)))
    ok(len({svc for svc, _ in ref}) == 4 and first_ok is not None and first_ok - t_back <= 5.0,
       "new traces are complete in Jaeger within 5 s of it being back (%.1f s)"
       % ((first_ok - t_back) if first_ok else -1))

    # With the spool: wait until every service's spool is empty (the
    # replay), then count what Jaeger lacks of the outage's orders.
    watcher.join(130)
    drained = drained[0] if drained else None
    if SPOOL:
        print("# spool: every service's spool replayed %.1f s after Jaeger was back (counters read every 0.25 s,"
              " each worker's published once a second)" % ((drained - t_back) if drained else -1))
        time.sleep(2)
    # What was lost: the spans of the orders placed while Jaeger was down
    # that it does not have are among what the counters say was dropped.
    missing = sum(len(ref) - len(trace_shape(x[3])) for x in during if x[0] > t_kill + 1 and x[3])
    after_c = {}
    # Up to a minute: a batch may still be on its way (an export that
    # waits on a busy collector), counted once it is through.
    t_acc = time.time()
    for _ in range(60):
        time.sleep(1)
        after_c = export_counters()
        if counters_add_up_since(before, after_c):
            break
    print("# counters added up %.0f s after the check began" % (time.time() - t_acc))
    dropped = after_c.get("tracing_spans_dropped_total", 0) - before.get("tracing_spans_dropped_total", 0)
    print("# export counters: %d spans dropped, %d exported, %d export failures, %d retries from the kill on;"
          " %d spans of its orders missing in Jaeger" % (
              dropped, after_c.get("tracing_spans_exported_total", 0) - before.get("tracing_spans_exported_total", 0),
              after_c.get("tracing_export_failures_total", 0) - before.get("tracing_export_failures_total", 0),
              after_c.get("tracing_export_retries_total", 0) - before.get("tracing_export_retries_total", 0),
              missing))
    ok(counters_add_up_since(before, after_c), "the counters account for every span ended from the kill on:"
       " ended = exported + dropped + rejected"
       " + queued (%s)" % after_c)
    if SPOOL:
        spooled = after_c.get("tracing_spans_spooled_total", 0) - before.get("tracing_spans_spooled_total", 0)
        replayed = after_c.get("tracing_spans_replayed_total", 0) - before.get("tracing_spans_replayed_total", 0)
        print("# spool: %d spans spooled, %d replayed" % (spooled, replayed))
        ok(drained is not None and spooled > 0 and missing == 0 and dropped == 0,
           "with the spool no span is lost: %d spooled, %d replayed, %d dropped; every trace of the %d orders"
           " of the outage whole in Jaeger (%d spans missing)" % (spooled, replayed, dropped, len(during), missing))
    else:
        ok(missing > 0 and dropped >= missing,
           "the drop counters say what was lost: %d dropped, of which the %d spans Jaeger lacks"
           % (dropped, missing))


if __name__ == "__main__":
    sys.exit(run([test_slow_heads, test_idempotency_storm, test_lost_answers, test_kill_workers, test_kill_services,
                 test_kill_postmaster, test_postgres_hung, test_jaeger_outage]))
