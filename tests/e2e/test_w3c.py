#!/usr/bin/env python3
"""The W3C trace-context test service (kore-apps/w3c-test-service) driven
the way the official harness (github.com/w3c/trace-context, test/) drives
it: POST /test with a list of {url, arguments}; the service must call each
url with the arguments as body and propagate the trace context. A local
HTTP server plays the harness's callback. Prints TAP."""

import http.server
import json
import re
import secrets
import sys
import threading

from tap import env, ok, request, run

SERVICE = "http://%s:%s" % (env("BIND_HOST", "127.0.0.1"), env("W3C_TEST_PORT", "8090"))
TP = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
received = []


class Callback(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        received.append({"traceparent": self.headers.get("traceparent"),
                         "tracestate": self.headers.get("tracestate"),
                         "body": json.loads(body) if body else None})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Callback)
threading.Thread(target=server.serve_forever, daemon=True).start()
CB = "http://127.0.0.1:%d/callback" % server.server_address[1]


def drive(headers, entries):
    del received[:]
    r = request("POST", SERVICE + "/test", entries, headers)
    return r, list(received)


def test_continue():
    tid, pid = secrets.token_hex(16), secrets.token_hex(8)
    r, got = drive({"traceparent": "00-%s-%s-01" % (tid, pid), "tracestate": "foo=1,bar=2"},
                   [{"url": CB, "arguments": [1, "a"]}, {"url": CB, "arguments": {"x": 2}}])
    ok(r.status == 200 and len(got) == 2, "harness: both calls made, in order", r)
    ok([g["body"] for g in got] == [[1, "a"], {"x": 2}], "harness: arguments sent as the bodies", got)
    m = [TP.match(g["traceparent"] or "") for g in got]
    ok(all(m) and all(x.group(1) == tid and x.group(2) != pid and x.group(3) == "01" for x in m),
       "traceparent: same trace id, a new parent id, sampled", got)
    ok(len({x.group(2) for x in m if x}) == 2, "traceparent: each call has its own parent id")
    ok(all((g["tracestate"] or "").startswith("foo=1,bar=2") for g in got), "tracestate: carried on", got)


def test_unsampled():
    tid = secrets.token_hex(16)
    r, got = drive({"traceparent": "00-%s-%s-00" % (tid, secrets.token_hex(8))}, [{"url": CB, "arguments": []}])
    m = TP.match(got[0]["traceparent"] or "") if got else None
    ok(m and m.group(1) == tid and m.group(3) == "00", "traceparent: an unsampled caller stays unsampled", got)


def test_future_version():
    tid = secrets.token_hex(16)
    r, got = drive({"traceparent": "cc-%s-%s-01-what-the-future-holds" % (tid, secrets.token_hex(8))},
                   [{"url": CB, "arguments": []}])
    m = TP.match(got[0]["traceparent"] or "") if got else None
    ok(m and m.group(1) == tid, "traceparent: a future version is parsed, answered in version 00", got)


def test_restart():
    tid = secrets.token_hex(16)
    for what, tp in [("uppercase", "00-%s-%s-01" % (tid.upper(), "a" * 16)),
                     ("all-zero trace id", "00-%s-%s-01" % ("0" * 32, "a" * 16)),
                     ("version ff", "ff-%s-%s-01" % (tid, "a" * 16)),
                     ("version 00 with more fields", "00-%s-%s-01-extra" % (tid, "a" * 16)),
                     ("garbage", "not a traceparent")]:
        r, got = drive({"traceparent": tp, "tracestate": "foo=1"}, [{"url": CB, "arguments": []}])
        m = TP.match(got[0]["traceparent"] or "") if got else None
        ok(r.status == 200 and m and m.group(1) not in (tid, tid.upper(), "0" * 32)
           and not (got[0]["tracestate"] or "").startswith("foo=1"),
           "invalid traceparent (%s): a new trace, its tracestate dropped" % what, got)


def test_bad_input():
    r = request("POST", SERVICE + "/test", {"url": CB}, {})
    ok(r.status == 400 and r.error().get("code") == "invalid_json", "not a list: 400 JSON error", r)
    r = request("POST", SERVICE + "/test", [{"url": "ftp://x"}], {})
    ok(r.status == 400, "a url that is not http: 400", r)


if __name__ == "__main__":
    sys.exit(run([test_continue, test_unsampled, test_future_version, test_restart, test_bad_input]))
