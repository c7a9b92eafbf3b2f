#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The scale profile's benchmark, run by scripts/bench-scale.sh once per
stack (single: one Jaeger with memory storage; scale: two collectors ->
Kafka -> two ingesters -> three OpenSearch nodes -> query) and then to print
both side by side. Figures, no assertions:

- spans/s through the whole path: build/tracing/bench-export sends
  BENCH_SCALE_SPANS spans, half to each collector (both halves to the one
  Jaeger on the single host), and the clock stops when the last writer
  (Jaeger's storage exporter, in the ingesters for scale) has sent them all
  to storage; CPU (share of a core and microseconds per span) and PSS of
  every role over that window;
- lag from an order's answer (its root span ends just before) to its trace
  being queryable: BENCH_SCALE_PROBES orders (the trace id their 201 names),
  under a paced load of BENCH_SCALE_RATE orders/s, each polled on the query
  API every 50 ms: when its root span is there, and when its last span came
  (the count then stayed put for 2 s). This includes the services' own
  export delay (OTEL_BSP_SCHEDULE_DELAY).

usage: scale.py measure single|scale OUT.json; scale.py report A.json B.json
"""

import glob
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from tap import TOP, env, order_body, post_order, psql, request  # noqa: E402
from test_faults import PacedLoad  # noqa: E402

RUN_DIR = env("RUN_DIR", os.path.join(TOP, ".run"))
BIND = env("BIND_HOST", "127.0.0.1")
JAEGER_HOST = env("JAEGER_HOST", "127.0.0.1")
QUERY = "http://%s:%s" % (JAEGER_HOST, env("JAEGER_QUERY_PORT", "16686"))
OTLP_HTTP_PORT = int(env("JAEGER_OTLP_HTTP_PORT", "4318"))
METRICS_BASE = int(env("SCALE_METRICS_PORT_BASE", "8870"))
SPANS = int(env("BENCH_SCALE_SPANS", "200000"))
PROBES = int(env("BENCH_SCALE_PROBES", "60"))
RATE = float(env("BENCH_SCALE_RATE", "40"))
TICK = os.sysconf("SC_CLK_TCK")


def pid_tree(pidfile):
    """A role's processes: the pid in its file and that pid's children."""
    try:
        pid = int(open(pidfile).read().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [int(k) for k in kids]


def roles(stack):
    """Role name -> its processes; and the Prometheus ports of the roles
    that write to storage."""
    if stack == "single":
        return {"jaeger": pid_tree(os.path.join(RUN_DIR, "jaeger.pid"))}, \
            [int(env("JAEGER_METRICS_PORT", "8888"))]
    s = os.path.join(RUN_DIR, "scale")
    r = {}
    for f in sorted(glob.glob(os.path.join(s, "*.pid"))):
        name = os.path.basename(f)[:-4]
        if name.startswith("os-"):
            name = "opensearch-" + name[3:]
        r[name] = pid_tree(f)
    writers = [METRICS_BASE + 10 + n for n in (1, 2) if ("ingester-%d" % n) in r]
    return {k: v for k, v in r.items() if v}, writers


def ticks(pids):
    t = 0
    for p in pids:
        try:
            f = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
            t += int(f[11]) + int(f[12])
        except (OSError, IndexError, ValueError):
            pass
    return t


def pss_kib(pids):
    t = 0
    for p in pids:
        try:
            for line in open("/proc/%d/smaps_rollup" % p):
                if line.startswith("Pss:"):
                    t += int(line.split()[1])
        except OSError:
            pass
    return t


def sent_to_storage(ports):
    """Spans Jaeger's storage exporter has written (its own counter)."""
    total = 0.0
    for port in ports:
        r = request("GET", "http://%s:%d/metrics" % (BIND, port), timeout=10)
        for line in r.raw.splitlines():
            if line.startswith("otelcol_exporter_sent_spans") and "jaeger_storage_exporter" in line:
                total += float(line.rsplit(" ", 1)[1])
    return total


def throughput(stack):
    procs, writers = roles(stack)
    endpoints = ["http://%s:%d" % (JAEGER_HOST, OTLP_HTTP_PORT)] * 2
    if stack == "scale":
        endpoints = ["http://%s:%d" % (BIND, OTLP_HTTP_PORT + 10 * i) for i in (0, 1)]
    base = sent_to_storage(writers)
    t0 = {k: ticks(v) for k, v in procs.items()}
    start = time.monotonic()
    gens = [subprocess.Popen([os.path.join(TOP, "build", "tracing", "bench-export"), "-n", str(SPANS // 2),
                              e, "http/protobuf"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for e in endpoints]
    sent, done = 0.0, None
    while time.monotonic() - start < 600:
        sent = sent_to_storage(writers) - base
        if sent >= SPANS // 2 * 2:
            done = time.monotonic()
            break
        time.sleep(0.25)
    gen_out = [g.communicate(timeout=120)[0].strip() for g in gens]
    end = done or time.monotonic()
    t1 = {k: ticks(v) for k, v in procs.items()}
    secs = end - start
    per_role = {k: {"core": (t1[k] - t0[k]) / TICK / secs,
                    "us_per_span": (t1[k] - t0[k]) / TICK * 1e6 / max(sent, 1),
                    "pss_mib": pss_kib(procs[k]) / 1024.0} for k in procs}
    return {"spans": SPANS // 2 * 2, "stored": sent, "seconds": secs, "complete": done is not None,
            "spans_per_s": sent / secs, "roles": per_role, "generators": gen_out}


def probe(results, n):
    """Places orders with their own trace ids and times them into query."""
    for _ in range(n):
        r = post_order(order_body(sku=SKU, qty=1), timeout=20)
        t_end = time.time()
        tid = r.json.get("traceId") if isinstance(r.json, dict) else None
        if r.status != 201 or not tid:
            results.append({"status": r.status})
            continue
        t_root, t_last, count, deadline = None, None, 0, t_end + 60
        while time.time() < deadline:
            q = request("GET", QUERY + "/api/traces/" + tid, timeout=10)
            now = time.time()
            if q.status == 200 and q.json and q.json.get("data"):
                spans = q.json["data"][0]["spans"]
                if t_root is None and any(not s.get("references") for s in spans):
                    t_root = now
                if len(spans) != count:
                    count, t_last = len(spans), now
            if t_root is not None and now - t_last >= 2.0:
                break
            time.sleep(0.05)
        results.append({"status": 201, "root": t_root and t_root - t_end, "whole": t_last and t_last - t_end,
                        "spans": count})


def lag():
    results, threads = [], []
    with PacedLoad(SKU, clients=4, per_s=RATE / 4) as load:
        time.sleep(3)
        for i in range(3):
            t = threading.Thread(target=probe, args=(results, PROBES // 3))
            t.start()
            threads.append(t)
            time.sleep(0.3)
        for t in threads:
            t.join()
    bad = [x for x in load.log if x[2] != 201]
    return {"probes": results, "load_orders": len(load.log), "load_failed": len(bad), "rate": RATE}


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))] if xs else float("nan")


def report(files):
    runs = [json.load(open(f)) for f in files]
    print("   whole path: %d spans from build/tracing/bench-export, half to each collector" % runs[0]["tp"]["spans"])
    print("   %-7s %10s %9s %s" % ("stack", "spans/s", "seconds", ""))
    for r in runs:
        tp = r["tp"]
        print("   %-7s %10.0f %9.1f %s" % (r["stack"], tp["spans_per_s"], tp["seconds"],
                                         "" if tp["complete"] else "(not all stored: %d)" % tp["stored"]))
    print("   per role over that window: share of one core, CPU per span, PSS")
    for r in runs:
        for k, v in sorted(r["tp"]["roles"].items()):
            print("   %-7s %-20s %5.0f%% %8.1f us/span %8.0f MiB" % (r["stack"], k, 100 * v["core"],
                                                                   v["us_per_span"], v["pss_mib"]))
        tot = r["tp"]["roles"].values()
        print("   %-7s %-20s %5.0f%% %8.1f us/span %8.0f MiB" % (
            r["stack"], "all", 100 * sum(v["core"] for v in tot), sum(v["us_per_span"] for v in tot),
            sum(v["pss_mib"] for v in tot)))
    print("   lag from an order's 201 to its trace in query, under %.0f orders/s "
          "(includes the services' OTEL_BSP_SCHEDULE_DELAY)" % runs[0]["lag"]["rate"])
    print("   %-7s %7s %14s %14s %s" % ("stack", "probes", "root p50/p99", "whole p50/p99", "load"))
    for r in runs:
        pr = [p for p in r["lag"]["probes"] if p.get("status") == 201]
        roots = [p["root"] for p in pr if p["root"] is not None]
        wh = [p["whole"] for p in pr if p["whole"] is not None]
        print("   %-7s %7d %6.2f/%5.2f s %6.2f/%5.2f s %d orders, %d failed%s" % (
            r["stack"], len(pr), pct(roots, 50), pct(roots, 99), pct(wh, 50), pct(wh, 99),
            r["lag"]["load_orders"], r["lag"]["load_failed"],
            "" if len(roots) == len(pr) == len(r["lag"]["probes"]) else
            ", %d probes failed or never seen" % (len(r["lag"]["probes"]) - len(roots))))


SKU = None

if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "measure":
        SKU = "BENCH-SCALE"
        psql(env("INVENTORY_DB", "inventory"), "INSERT INTO stock (sku, name, available) VALUES "
             "('%s', 'scale bench', 1000000000) ON CONFLICT (sku) DO UPDATE SET available = 1000000000" % SKU)
        out = {"stack": sys.argv[2], "tp": throughput(sys.argv[2])}
        time.sleep(2)
        out["lag"] = lag()
        json.dump(out, open(sys.argv[3], "w"))
    elif len(sys.argv) >= 3 and sys.argv[1] == "report":
        report(sys.argv[2:])
    else:
        sys.exit(__doc__.rsplit("usage: ", 1)[1])
