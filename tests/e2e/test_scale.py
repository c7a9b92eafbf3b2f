#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end tests of the scale profile (`make up STACK=scale`, started by
tests/scale.sh): the services -> two Jaeger collectors -> Kafka -> two
ingesters -> a three-node OpenSearch cluster -> Jaeger query, every engine
real. An order's whole trace is read back from query; an ingester stopped
for 30 s, the OpenSearch cluster manager killed and a collector stopped
under a steady order load lose no order, and every span the services ended
is stored (the services fail over to the other collector); tail sampling keeps
every error trace and every slowed one whole and the configured share of
the rest; Jaeger's index cleaner removes old indices; Cassandra stores and
serves a trace as the second storage. Prints TAP."""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.parse

from tap import TOP, env, ok, order_body, post_order, psql, request, run
from test_faults import PacedLoad, counters_add_up, export_counters
from test_traces import set_fault

SCALE = os.path.join(TOP, "scripts", "scale.sh")
JAEGER = "http://%s:%s" % (env("JAEGER_HOST", "127.0.0.1"), env("JAEGER_QUERY_PORT", "16686"))
OS_NODES = env("OPENSEARCH_NODES", "127.0.0.1,127.0.0.2,127.0.0.3").split(",")
OS_PORT = env("OPENSEARCH_HTTP_PORT", "9200")
PREFIX = env("OPENSEARCH_INDEX_PREFIX", "tracing-ref")
SPANS = PREFIX + "-jaeger-span-*"
INVENTORY_DB = env("INVENTORY_DB", "inventory")
HEALTH_BASE = int(env("SCALE_HEALTH_PORT_BASE", "13140"))
METRICS_BASE = int(env("SCALE_METRICS_PORT_BASE", "8870"))
BIND = env("BIND_HOST", "127.0.0.1")


def scale(*args, **kw):
    """scripts/scale.sh with args; its output on failure."""
    p = subprocess.run([SCALE] + list(args), capture_output=True, text=True, env=dict(os.environ, **kw))
    if p.returncode != 0:
        raise RuntimeError("scale.sh %s: %s%s" % (" ".join(args), p.stdout, p.stderr))
    return p.stdout


def os_get(path, node=None, method="GET", body=None, timeout=10):
    """A request to an OpenSearch node (by default any live one)."""
    nodes = [node] if node else OS_NODES
    last = None
    for n in nodes:
        try:
            return request(method, "http://%s:%s%s" % (n, OS_PORT, path), body, timeout=timeout)
        except OSError as e:
            last = e
    raise last


def stock_sku(n):
    sku = "SCALE-" + secrets.token_hex(4).upper()
    psql(INVENTORY_DB, "INSERT INTO stock (sku, name, available) VALUES ('%s', 'scale profile', %d)" % (sku, n))
    return sku


def trace(tid, want=1, timeout=30, base=JAEGER):
    """The trace from a Jaeger query once it has want spans, else what it
    has at the deadline (None: nothing)."""
    deadline = time.time() + timeout
    t = None
    while time.time() < deadline:
        try:
            r = request("GET", base + "/api/traces/" + tid, timeout=10)
        except OSError:
            r = None
        if r is not None and r.status == 200 and r.json and r.json.get("data"):
            t = r.json["data"][0]
            if len(t["spans"]) >= want:
                return t
        time.sleep(0.5)
    return t


def whole(t):
    """A trace is whole when it has one root (the gateway's server span)
    and every other span's parent is in it."""
    if not t:
        return False
    ids = {s["spanID"] for s in t["spans"]}
    roots = [s for s in t["spans"] if not any(r["refType"] == "CHILD_OF" and r["spanID"] in ids
                                              for r in s.get("references", []))]
    return len(roots) == 1 and t["processes"][roots[0]["processID"]]["serviceName"] == "api-gateway"


def services_of(t):
    return sorted({t["processes"][s["processID"]]["serviceName"] for s in t["spans"]}) if t else []


def stored(t0, t1):
    """The spans stored with a start time in [t0, t1) (seconds): the number
    of documents and the set of distinct (trace, span) ids."""
    os_get("/%s/_refresh" % SPANS, method="POST")
    q = {"size": 10000, "_source": ["traceID", "spanID", "operationName", "process.serviceName"],
         "track_total_hits": True,
         "query": {"range": {"startTimeMillis": {"gte": int(t0 * 1000), "lt": int(t1 * 1000)}}}}
    r = os_get("/%s/_search" % SPANS, method="POST", body=q, timeout=30)
    hits = r.json["hits"]
    if hits["total"]["value"] >= 10000:
        raise RuntimeError("more than 10000 spans in the window: shorten the test")
    return hits["total"]["value"], {(h["_source"]["traceID"], h["_source"]["spanID"],
                                     "%s %s" % (h["_source"].get("process", {}).get("serviceName"),
                                                h["_source"].get("operationName"))) for h in hits["hits"]}


def quiet(timeout=90):
    """Waits until every span the services ended is exported (or dropped)
    and nothing more arrives in OpenSearch; returns the counters."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        c = export_counters()
        n = os_get("/%s/_count" % SPANS).json.get("count") if counters_add_up(c) else None
        if n is not None and c.get("tracing_queue_length", 0) == 0 and last == (c["tracing_spans_ended_total"], n):
            return c
        last = (c.get("tracing_spans_ended_total"), n)
        time.sleep(3)
    return export_counters()


def metric(port, name):
    """Sum of a metric's samples on a Jaeger role's Prometheus endpoint."""
    total = 0.0
    for line in request("GET", "http://%s:%d/metrics" % (BIND, port)).raw.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


SERVICES = ("api-gateway", "inventory-service", "order-service", "notification-service")


def account(before, after, t0, t1, what, load=None, at_least_once=False):
    """Every span the services ended between the two counter readings
    (quiet() before t0 and before t1: nothing in flight at either) is
    stored (distinct ids), none twice, and none was dropped. On a mismatch
    the spans of traces other than the load's orders are listed."""
    ended = after["tracing_spans_ended_total"] - before["tracing_spans_ended_total"]
    dropped = after.get("tracing_spans_dropped_total", 0) - before.get("tracing_spans_dropped_total", 0)
    docs, ids = stored(t0, t1)
    # Only the four services' spans: anything else on this machine that
    # exports to the collectors' default port is not counted in theirs.
    foreign = {x for x in ids if x[2].split(" ", 1)[0] not in SERVICES}
    ids -= foreign
    docs -= len(foreign)
    orders = {x[3] for x in load.log if x[3]} if load else set()
    other = {}
    for tid, _, name in ids:
        if tid not in orders:
            other[name] = other.get(name, 0) + 1
    ok(dropped == 0 and ended == len(ids), "%s: spans ended by the services = spans stored (%d ended, %d stored, "
       "%d dropped)" % (what, ended, len(ids), dropped), sorted(other.items()))
    if docs == len(ids) or not at_least_once:
        ok(docs == len(ids), "%s: no span stored twice (%d documents, %d distinct)" % (what, docs, len(ids)))
        return
    # A node killed mid-bulk: Jaeger's OpenSearch writer sends the bulk
    # again, and the documents the dead node had taken are stored twice
    # (at least once, never lost). Query must still show each span once.
    seen, twice = set(), None
    for h in os_get("/%s/_search" % SPANS, method="POST", timeout=30, body={
            "size": 10000, "_source": ["traceID", "spanID"],
            "query": {"range": {"startTimeMillis": {"gte": int(t0 * 1000), "lt": int(t1 * 1000)}}}}).json["hits"]["hits"]:
        k = (h["_source"]["traceID"], h["_source"]["spanID"])
        if k in seen:
            twice = k[0]
            break
        seen.add(k)
    t = trace(twice, 1, timeout=30) if twice else None
    spans = [x["spanID"] for x in t["spans"]] if t else []
    ok(t is not None and len(spans) == len(set(spans)),
       "%s: %d of %d spans stored twice (at least once, the writer's retry of a bulk the killed node had "
       "taken); query shows each span of such a trace once (%d spans)" % (what, docs - len(ids), docs, len(spans)))


def check_orders(load, what, allowed=()):
    bad = [x for x in load.log if x[2] != 201 and x[2] not in allowed]
    slow = [x for x in load.log if x[1] > 2.0]
    ok(len(load.log) > 0 and not bad, "%s: every order placed during it succeeded (%d orders, %d failed)"
       % (what, len(load.log), len(bad)), bad[:5])
    ok(not slow, "%s: no order took over 2 s (slowest %.2f s)" % (what, max((x[1] for x in load.log), default=0)),
       slow[:5])


def test_order_through_the_profile():
    """One order: its trace from query, whole, across the four services,
    its spans received by both collectors."""
    c1 = metric(METRICS_BASE + 1, "otelcol_receiver_accepted_spans_total")
    c2 = metric(METRICS_BASE + 2, "otelcol_receiver_accepted_spans_total")
    r = post_order(order_body())
    ok(r.status == 201, "scale: an order is accepted", r)
    # The first span of the day creates the daily index: allow for it.
    t = trace(r.json.get("traceId", ""), 12, timeout=60)
    ok(t is not None and len(t["spans"]) == 12, "scale: its trace is read back whole from query (12 spans)",
       len(t["spans"]) if t else None)
    ok(whole(t), "scale: one root, every other span's parent in the trace")
    ok(services_of(t) == ["api-gateway", "inventory-service", "notification-service", "order-service"],
       "scale: the trace crosses the four services", services_of(t))
    d1 = metric(METRICS_BASE + 1, "otelcol_receiver_accepted_spans_total") - c1
    d2 = metric(METRICS_BASE + 2, "otelcol_receiver_accepted_spans_total") - c2
    ok(d1 > 0 and d2 > 0, "scale: its spans came through both collectors (%d and %d)" % (d1, d2))
    nodes = os_get("/_cat/nodes?h=name&format=json").json
    # A new daily index (the first order of the day) is green once its
    # replicas are initialised: wait for it.
    health = os_get("/_cluster/health?wait_for_status=green&timeout=60s", timeout=70).json
    ok(len(nodes) == len(OS_NODES) and health.get("status") == "green",
       "scale: OpenSearch has %d nodes, green (every shard replicated)" % len(OS_NODES), health)
    idx = os_get("/_cat/indices/%s?format=json" % SPANS).json
    ok(idx and all(int(i["rep"]) >= 1 for i in idx), "scale: the span indices have a replica per shard", idx)
    parts = scale("partitions").split()
    ok(len(parts) >= 2, "scale: the spans topic has %d partitions" % len(parts), parts)


def test_ingester_stopped():
    """Ingester 1 stopped for 30 s under a steady load: orders unaffected,
    ingester 2 takes its partitions, and afterwards every span is stored."""
    sku = stock_sku(100000)
    before = quiet()
    t0 = time.time()
    with PacedLoad(sku, clients=2, per_s=3) as load:
        time.sleep(5)
        scale("stop-ingester", "1")
        stopped = time.time()
        time.sleep(10)
        # An order placed now must be stored by ingester 2, which has
        # ingester 1's partitions since it left the group.
        r = post_order(order_body(sku=sku))
        t = trace(r.json.get("traceId", ""), 12, timeout=45) if r.status == 201 else None
        ok(t is not None and len(t["spans"]) == 12,
           "ingester stopped: a new order's trace is stored meanwhile (the other ingester took the partitions)")
        time.sleep(max(0, 30 - (time.time() - stopped)))
        scale("start-ingester", "1")
        time.sleep(5)
    t1 = time.time()
    check_orders(load, "ingester stopped")
    after = quiet()
    account(before, after, t0 - 1, time.time(), "ingester stopped", load)


def test_opensearch_manager_killed():
    """The cluster manager killed (SIGKILL) under load: ingest and query go
    on with the other two nodes; the node rejoins; every span is stored."""
    sku = stock_sku(100000)
    manager = os_get("/_cat/cluster_manager?format=json").json[0]["node"]
    n = manager.split("-")[1]
    before = quiet()
    t0 = time.time()
    with PacedLoad(sku, clients=2, per_s=3) as load:
        time.sleep(3)
        scale("kill-opensearch", n)
        killed = time.time()
        time.sleep(15)
        r = post_order(order_body(sku=sku))
        t = trace(r.json.get("traceId", ""), 12, timeout=60) if r.status == 201 else None
        ok(t is not None and len(t["spans"]) == 12,
           "OpenSearch %s killed: a new order is stored and read back from the other two nodes" % manager)
        live = [x for x in OS_NODES if x != OS_NODES[int(n) - 1]]
        m2 = os_get("/_cat/cluster_manager?format=json", node=live[0]).json
        ok(m2 and m2[0]["node"] != manager, "OpenSearch: another node is cluster manager (%s)"
           % (m2[0]["node"] if m2 else None))
        time.sleep(max(0, 20 - (time.time() - killed)))
        scale("start-opensearch", n)
    t1 = time.time()
    check_orders(load, "OpenSearch manager killed")
    try:
        scale("wait-opensearch", str(len(OS_NODES)), "green")
        rejoined = True
    except RuntimeError:
        rejoined = False
    ok(rejoined, "OpenSearch: the killed node rejoined, the cluster is green again (%.0f s after its restart)"
       % (time.time() - t1), os_get("/_cluster/health").json)
    after = quiet()
    account(before, after, t0 - 1, time.time(), "OpenSearch manager killed", load, at_least_once=True)


def test_collector_stopped():
    """Collector 2 stopped for 20 s under a steady load: the services that
    send to it fail over to collector 1 (TRACING_OTLP_FAILOVER_ENDPOINTS),
    no order fails or slows, nothing is dropped and every span is
    stored."""
    sku = stock_sku(100000)
    before = quiet()
    c1 = metric(METRICS_BASE + 1, "otelcol_receiver_accepted_spans_total")
    t0 = time.time()
    with PacedLoad(sku, clients=2, per_s=3) as load:
        time.sleep(3)
        scale("stop-collector", "2")
        down = export_counters()
        time.sleep(20)
        mid = export_counters()
        took = metric(METRICS_BASE + 1, "otelcol_receiver_accepted_spans_total") - c1
        scale("start-collector", "2")
        time.sleep(3)
    t1 = time.time()
    check_orders(load, "collector stopped")
    sent = mid["tracing_spans_exported_total"] - down["tracing_spans_exported_total"]
    ok(sent > 0 and took >= sent, "collector stopped: collector 1 took every span exported meanwhile "
       "(%d exported, %d received)" % (sent, took))
    after = quiet()
    account(before, after, t0 - 1, time.time(), "collector stopped", load)
    r = post_order(order_body(sku=sku))
    t = trace(r.json.get("traceId", ""), 12, timeout=60)
    ok(t is not None and len(t["spans"]) == 12, "collector back: the next order's trace is whole")


def test_tail_sampling():
    """Tail sampling on (restarted ingesters): every error trace and every
    slowed trace kept whole although their spans crossed both collectors;
    the share of the rest kept is the configured percentage, within
    tolerance."""
    pct, slower, wait = 20, 300, 3
    knobs = dict(TAIL_SAMPLING="on", TAIL_SAMPLING_PERCENT=str(pct), TAIL_SAMPLING_SLOWER_THAN_MS=str(slower),
                 TAIL_SAMPLING_DECISION_WAIT_S=str(wait))
    for i in ("1", "2"):
        scale("stop-ingester", i)
    for i in ("1", "2"):
        scale("start-ingester", i, **knobs)
    try:
        sku = stock_sku(100000)
        errors, slowed, plain = [], [], []
        for _ in range(10):
            r = post_order(order_body(sku="OUT-OF-STOCK"))
            errors.append(r.json.get("error", {}).get("traceId", ""))
        set_fault("inventory-service", {"latency_ms": slower + 100})
        try:
            for _ in range(10):
                r = post_order(order_body(sku=sku))
                slowed.append(r.json.get("traceId"))
        finally:
            set_fault("inventory-service", None)
        for _ in range(200):
            r = post_order(order_body(sku=sku))
            if r.status == 201:
                plain.append(r.json.get("traceId"))
        time.sleep(wait + 8)
        et = [trace(t, 1, timeout=60) for t in errors]
        ok(all(whole(t) and "inventory-service" in services_of(t) for t in et),
           "tail sampling: all 10 error traces kept whole (gateway and inventory, two collectors)",
           [len(t["spans"]) if t else None for t in et])
        st = [trace(t, 12, timeout=60) for t in slowed]
        ok(all(t and len(t["spans"]) == 12 and whole(t) for t in st),
           "tail sampling: all 10 traces slower than %d ms kept whole (12 spans)" % slower,
           [len(t["spans"]) if t else None for t in st])
        kept = []
        for tid in plain:
            r = request("GET", JAEGER + "/api/traces/" + tid)
            if r.status == 200 and r.json.get("data"):
                kept.append(r.json["data"][0])
        n, k = len(plain), len(kept)
        # Binomial(n, p): within 3.5 standard deviations.
        sd = (n * pct / 100 * (1 - pct / 100)) ** 0.5
        ok(n == 200 and abs(k - n * pct / 100) <= 3.5 * sd,
           "tail sampling: %d of %d ordinary traces kept, %d%% configured (%.0f expected, +-%.0f)"
           % (k, n, pct, n * pct / 100, 3.5 * sd))
        ok(all(len(t["spans"]) == 12 and whole(t) for t in kept), "tail sampling: every kept trace is whole",
           [len(t["spans"]) for t in kept])
    finally:
        for i in ("1", "2"):
            scale("stop-ingester", i)
        for i in ("1", "2"):
            scale("start-ingester", i, TAIL_SAMPLING="off")


def test_index_cleaner():
    """Jaeger's es-index-cleaner (scale.sh clean-indices): with the default
    retention today's indices stay; with 0 days every daily index of the
    prefix goes (a prefix of its own here), and no other prefix's."""
    scale("clean-indices")
    names = [i["index"] for i in os_get("/_cat/indices?format=json").json]
    today = "%s-jaeger-span-%s" % (PREFIX, time.strftime("%Y-%m-%d", time.gmtime()))
    ok(today in names, "index cleaner: with %s days' retention today's span index stays"
       % env("OPENSEARCH_RETENTION_DAYS", "7"), names)
    old = ["cleaner-test-jaeger-span-2020-01-01", "cleaner-test-jaeger-service-2020-01-01"]
    for i in old:
        os_get("/" + i, method="PUT", body={"settings": {"number_of_replicas": 0}})
    out = scale("clean-indices", "0", "cleaner-test")
    names = [i["index"] for i in os_get("/_cat/indices?format=json").json]
    ok(not set(old) & set(names) and today in names,
       "index cleaner: 0 days removes the prefix's daily indices, no other prefix's", (names, out))


def test_cassandra():
    """Cassandra, the documented second storage: one order's trace stored
    through its own ingester and read back from a Cassandra-backed query."""
    base = "http://%s:%s" % (BIND, env("CASSANDRA_QUERY_PORT", "16696"))
    try:
        # A new Cassandra ingester starts at Kafka's newest spans; one from
        # an earlier run would first catch up on everything since.
        subprocess.run([SCALE, "kafka-groups", "--delete", "--group",
                        env("KAFKA_GROUP_ID", "jaeger-ingester") + "-cassandra"], capture_output=True)
        scale("start-cassandra", CASSANDRA="on")
        r = post_order(order_body())
        t = trace(r.json.get("traceId", ""), 12, timeout=60, base=base)
        ok(t is not None and len(t["spans"]) == 12 and whole(t),
           "cassandra: the order's whole trace is read back from the Cassandra-backed query",
           len(t["spans"]) if t else None)
        ks = env("CASSANDRA_KEYSPACE", "tracing_ref")
        ok(request("GET", base + "/api/services").json.get("data"), "cassandra: its query lists the services")
        ok(os.path.isdir(os.path.join(env("RUN_DIR", os.path.join(TOP, ".run")), "scale", "cassandra", "data", ks)),
           "cassandra: Jaeger created its keyspace %s" % ks)
    finally:
        scale("stop-ingester-cassandra")
        scale("stop-cassandra")


if __name__ == "__main__":
    tests = [test_order_through_the_profile, test_ingester_stopped, test_opensearch_manager_killed,
             test_collector_stopped, test_tail_sampling, test_index_cleaner, test_cassandra]
    only = os.environ.get("SCALE_TESTS")
    if only:
        tests = [t for t in tests if t.__name__ in only.split(",")]
    sys.exit(run(tests))
