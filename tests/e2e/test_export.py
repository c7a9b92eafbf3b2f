#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The tracing library against the real Jaeger: a trace with every kind of
field (span kinds, every attribute type and arrays, events, links, status,
exceptions, resource, scope) exported over OTLP/HTTP (plain and gzip) and
OTLP/gRPC by build/tracing/export-check, read back through Jaeger's v3
query API and compared field by field. Then Jaeger unreachable: ending
spans stays immediate and the loss is counted; and one provider whose
collector was down (a second Jaeger, on its own ports, not yet started)
exports again, without a restart, once that Jaeger comes up. Prints TAP."""

import json
import os
import socket
import subprocess
import sys
import time

from tap import TOP, env, ok, request, run

JAEGER = "http://%s:%s" % (env("JAEGER_HOST", "127.0.0.1"), env("JAEGER_QUERY_PORT", "16686"))
# `make test SANITIZE=...` builds the tracing library and its programs under
# build/san (the variable reaches us through make's environment).
CHECK = os.path.join(TOP, "build", "san" if os.environ.get("SANITIZE") else "", "tracing", "export-check")
# Jaeger's badger store (the native default) keeps spans in Jaeger's v1
# model: an array attribute comes back as its JSON text, and a link as a
# reference without its attributes. The memory store keeps both as sent.
BADGER = env("JAEGER_STORAGE", "badger") == "badger"
ARRAYS = {"strs": ["a", "b"], "ints": [1, 2, 3], "dbls": [0.5, 1.5], "bools": [True, False]}


def export(endpoint, protocol, extra_env=None, spans=None):
    e = dict(os.environ)
    e.update(extra_env or {})
    args = [CHECK, endpoint, protocol] + ([str(spans)] if spans else [])
    p = subprocess.run(args, capture_output=True, text=True, env=e, timeout=60)
    try:
        return json.loads(p.stdout), p
    except ValueError:
        return None, p


def value(v):
    for k in ("stringValue", "boolValue", "doubleValue"):
        if k in v:
            return v[k]
    if "intValue" in v:
        return int(v["intValue"])
    if "arrayValue" in v:
        return [value(x) for x in v["arrayValue"].get("values", [])]
    return None


def attrs(lst):
    return {a["key"]: value(a["value"]) for a in lst or []}


def fetch(tid):
    for _ in range(40):
        r = request("GET", JAEGER + "/api/v3/traces/" + tid)
        if r.status == 200 and r.json:
            spans = []
            for rs in r.json["result"]["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    for s in ss["spans"]:
                        spans.append((rs, ss, s))
            if len(spans) >= 2:
                return spans
        time.sleep(0.25)
    return []


def check(label, endpoint, protocol, extra_env=None):
    sent, p = export(endpoint, protocol, extra_env)
    ok(sent is not None and sent["exported"] == 3 and sent["dropped"] == 0,
       "%s: 3 spans exported, none dropped" % label, p.stderr or p.stdout)
    if sent is None:
        return
    got = fetch(sent["trace_id"])
    by = {s["spanId"]: (rs, ss, s) for rs, ss, s in got}
    ok(sent["root"] in by and sent["child"] in by, "%s: Jaeger has the trace" % label, got)
    if sent["root"] not in by or sent["child"] not in by:
        return
    rs, ss, root = by[sent["root"]]
    _, _, child = by[sent["child"]]
    t0 = sent["start_us"] * 1000
    ok(root["name"] == "check-root" and root["kind"] == 2 and int(root["startTimeUnixNano"]) == t0
       and int(root["endTimeUnixNano"]) == t0 + 10000000 and not root.get("parentSpanId"),
       "%s: root name, SERVER kind, exact start and end, no parent" % label, root)
    want = {"str": "hello", "flag": True, "count": 42, "ratio": 0.25}
    want.update({k: json.dumps(v, separators=(",", ":")) for k, v in ARRAYS.items()} if BADGER else ARRAYS)
    ok(attrs(root.get("attributes")) == want,
       "%s: every attribute type, arrays included, with its value%s" % (
           label, " (badger: arrays as their JSON text)" if BADGER else ""), root.get("attributes"))
    ev = root.get("events", [])
    ok(len(ev) == 1 and ev[0]["name"] == "something happened" and int(ev[0]["timeUnixNano"]) == t0 + 1000000
       and attrs(ev[0].get("attributes")) == {"ev.key": "ev-value", "ev.n": 7},
       "%s: the event with its time and attributes" % label, ev)
    ln = root.get("links", [])
    ok(len(ln) == 1 and ln[0]["traceId"] == sent["linked_trace"] and ln[0]["spanId"] == sent["linked_span"]
       and (BADGER or attrs(ln[0].get("attributes")) == {"ev.key": "ev-value"}),
       "%s: the link%s" % (label, " (badger keeps no link attributes)" if BADGER else ", with its attributes"), ln)
    ok(root.get("status", {}).get("code") in (2, "STATUS_CODE_ERROR") and root["status"].get("message") == "it broke",
       "%s: status ERROR with its description" % label, root.get("status"))
    cev = child.get("events", [])
    ok(child.get("parentSpanId") == sent["root"] and child["kind"] == 3 and len(cev) == 1
       and cev[0]["name"] == "exception"
       and attrs(cev[0]["attributes"]) == {"exception.type": "IOError", "exception.message": "disk on fire"},
       "%s: child CLIENT span under the root, with its exception event" % label, child)
    res = attrs(rs["resource"]["attributes"])
    ok(res.get("service.name") == "export-check" and res.get("telemetry.sdk.language") == "c"
       and "service.instance.id" in res and "host.name" in res and "process.pid" in res,
       "%s: resource attributes" % label, res)
    ok(ss["scope"].get("name") == "export-check" and ss["scope"].get("version") == "1.2.3",
       "%s: instrumentation scope" % label, ss["scope"])


def test_http():
    check("OTLP/HTTP", "http://%s:%s" % (env("JAEGER_HOST", "127.0.0.1"), env("JAEGER_OTLP_HTTP_PORT", "4318")),
          "http/protobuf")


def test_http_gzip():
    check("OTLP/HTTP gzip", "http://%s:%s" % (env("JAEGER_HOST", "127.0.0.1"), env("JAEGER_OTLP_HTTP_PORT", "4318")),
          "http/protobuf", {"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"})


def test_grpc():
    check("OTLP/gRPC", "http://%s:%s" % (env("JAEGER_HOST", "127.0.0.1"), env("JAEGER_OTLP_GRPC_PORT", "4317")),
          "grpc")


def test_unreachable():
    # Port 9 (discard) on loopback: nothing listens, connections refused.
    out, p = export("http://127.0.0.1:9", "http/protobuf",
                    {"OTEL_BSP_MAX_QUEUE_SIZE": "512", "OTEL_BSP_SCHEDULE_DELAY": "100",
                     "OTEL_EXPORTER_OTLP_TIMEOUT": "300", "OTEL_LOG_LEVEL": "none"}, spans=20000)
    ok(out is not None and out["exported"] == 0 and out["dropped"] > 0 and out["dropped"] <= 20000,
       "collector unreachable: nothing exported, the loss counted (%s dropped)" % (out or {}).get("dropped"),
       p.stderr or p.stdout)
    if out:
        print("# worst span end while the collector was unreachable: %.1f us" % (out["worst_end_ns"] / 1000.0))
    # And a provider talking to the live Jaeger again exports as usual.
    out, p = export("http://%s:%s" % (env("JAEGER_HOST", "127.0.0.1"), env("JAEGER_OTLP_HTTP_PORT", "4318")),
                    "http/protobuf", {"OTEL_BSP_MAX_QUEUE_SIZE": "8192"}, spans=5000)
    ok(out is not None and out["exported"] == 5000 and out["dropped"] == 0,
       "collector reachable: 5000 of 5000 spans exported", p.stderr or p.stdout)


# A second, private Jaeger for the outage test: same binary and config,
# every listener moved so the running stack is untouched.
SPARE = {"JAEGER_OTLP_HTTP_PORT": "14318", "JAEGER_OTLP_GRPC_PORT": "14317",
         "JAEGER_QUERY_PORT": "16687", "JAEGER_QUERY_GRPC_PORT": "16695",
         "JAEGER_HEALTH_PORT": "13134", "JAEGER_METRICS_PORT": "18888",
         "JAEGER_LOG_LEVEL": "warn"}


def start_spare_jaeger():
    e = dict(os.environ)
    e.update(SPARE)
    log = open(os.path.join(env("RUN_DIR", os.path.join(TOP, ".run")), "jaeger-spare.log"), "w")
    j = subprocess.Popen([os.path.join(TOP, "bin", "jaeger"), "--config", os.path.join(TOP, "conf", "jaeger.yaml")],
                         env=e, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(240):
        try:
            if request("GET", "http://127.0.0.1:%s/status" % SPARE["JAEGER_HEALTH_PORT"], timeout=2).status == 200:
                return j
        except OSError:
            pass
        time.sleep(0.25)
    return j


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
        return True
    except OSError:
        return False


def resume(protocol, port):
    label = "OTLP/HTTP" if protocol == "http/protobuf" else "OTLP/gRPC"
    if not ok(not listening(SPARE[port]), "%s: nothing listens on the spare port %s yet" % (label, SPARE[port])):
        return
    e = dict(os.environ)
    e.update({"OTEL_BSP_SCHEDULE_DELAY": "100", "OTEL_EXPORTER_OTLP_TIMEOUT": "500",
              "OTEL_LOG_LEVEL": "none"})
    p = subprocess.Popen([CHECK, "http://127.0.0.1:%s" % SPARE[port], protocol, "resume", "200"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
    j = None
    try:
        down = json.loads(p.stdout.readline() or "null")
        ok(down is not None and down["exported"] == 0 and down["dropped"] == 200,
           "%s, collector down: 200 spans dropped and counted, none exported" % label, down)
        j = start_spare_jaeger()
        p.stdin.write("go\n")
        p.stdin.flush()
        up = json.loads(p.stdout.readline() or "null")
        p.wait(timeout=30)
        ok(up is not None and p.returncode == 0 and up["exported"] >= 200 and up["flush"] == 0,
           "%s, collector back: the same provider exported the next 200 spans" % label, (up, p.stderr.read()))
        got = []
        for _ in range(40):
            r = request("GET", "http://127.0.0.1:%s/api/v3/traces/%s" % (SPARE["JAEGER_QUERY_PORT"],
                                                                         (up or {}).get("trace_id", "0")))
            if r.status == 200 and r.json:
                got = [s for rs in r.json["result"]["resourceSpans"] for ss in rs["scopeSpans"]
                       for s in ss["spans"]]
                if len(got) >= 200:
                    break
            time.sleep(0.25)
        ok(len(got) == 200, "%s, collector back: Jaeger holds all 200 spans of the trace" % label, len(got))
    finally:
        if p.poll() is None:
            p.kill()
        if j:
            j.terminate()
            j.wait(timeout=30)


def test_resume_http():
    resume("http/protobuf", "JAEGER_OTLP_HTTP_PORT")


def test_resume_grpc():
    resume("grpc", "JAEGER_OTLP_GRPC_PORT")


if __name__ == "__main__":
    sys.exit(run([test_http, test_http_gzip, test_grpc, test_unreachable, test_resume_http, test_resume_grpc]))
