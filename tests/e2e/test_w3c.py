#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The W3C trace-context test service (kore-apps/w3c-test-service) driven
the way the official harness (github.com/w3c/trace-context, test/) drives
it: POST /test with a list of {url, arguments}; the service must call each
url with the arguments as body and propagate the trace context. A local
HTTP server plays the harness's callback. The cases of data/w3c.cases go
over a raw socket, each header line as written. Prints TAP."""

import http.server
import json
import re
import secrets
import socket
import sys
import threading
import urllib.parse

from tap import env, ok, request, run, case_lines, unescape_bytes

SERVICE = "http://%s:%s" % (env("BIND_HOST", "127.0.0.1"), env("W3C_TEST_PORT", "8090"))
TP = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
received = []


class Callback(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        received.append({"traceparent": self.headers.get("traceparent"),
                         "tracestate": self.headers.get("tracestate"),
                         "traceparents": self.headers.get_all("traceparent") or [],
                         "tracestates": self.headers.get_all("tracestate") or [],
                         "path": self.path,
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


TID, PID = "12345678901234567890123456789012", "1234567890123456"
HEX32 = re.compile(r"[0-9a-fA-F]{32}")


def unescape(text):
    """TID and PID, {rep:N:text} and {seq:A:B:fmt}, then the byte escapes."""
    text = text.replace("TID", TID).replace("PID", PID)
    text = re.sub(r"\{rep:(\d+):([^{}]*)\}", lambda m: m.group(2) * int(m.group(1)), text)
    text = re.sub(r"\{seq:(\d+):(\d+):([^{}]*)\}",
                  lambda m: ",".join(m.group(3).replace("%02d", "%02d" % i)
                                     for i in range(int(m.group(1)), int(m.group(2)) + 1)), text)
    return unescape_bytes(text)


def load_cases():
    return [(n, parts[0].split(), parts[1], [unescape(h) for h in parts[2:] if h])
            for n, parts in case_lines("w3c.cases")]


def raw_post(lines, body):
    """POST /test with these header lines as written; the status line."""
    u = urllib.parse.urlsplit(SERVICE)
    head = [b"POST /test HTTP/1.1", b"Host: " + u.netloc.encode(), b"Content-Type: application/json",
            b"Content-Length: %d" % len(body), b"Connection: close"] + lines
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    try:
        s.sendall(b"\r\n".join(head) + b"\r\n\r\n" + body)
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    finally:
        s.close()
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def members(ts):
    out = []
    for m in (ts or "").split(","):
        m = m.strip(" \t")
        if m:
            k, _, v = m.partition("=")
            out.append((k, v))
    return out


def check(expect, lines, call):
    """The expectations that do not hold (an empty list: all hold)."""
    bad = []
    tps = call["traceparents"]
    if len(tps) != 1:
        return ["%d traceparent headers" % len(tps)]
    m = TP.match(tps[0])
    if not m:
        return ["traceparent %r is not version 00" % tps[0]]
    tid, pid, flags = m.group(1), m.group(2), int(m.group(3), 16)
    ts = ",".join(call["tracestates"]) if call["tracestates"] else None
    sent = b"\n".join(lines).decode("latin-1").lower()
    mem = members(ts)
    for e in expect:
        if e == "continue" and not (tid == TID and pid != PID):
            bad.append("expected trace %s with a new parent, got %s-%s" % (TID, tid, pid))
        elif e == "restart" and (tid in sent or tid == "0" * 32):
            bad.append("expected a new trace, got %s" % tid)
        elif e == "sampled" and not flags & 1:
            bad.append("expected sampled, flags %02x" % flags)
        elif e == "unsampled" and flags & 1:
            bad.append("expected unsampled, flags %02x" % flags)
        elif e == "random" and not flags & 2:
            bad.append("expected the random flag, flags %02x" % flags)
        elif e.startswith("ts="):
            want = e[3:]
            if want == "-":
                if ts is not None:
                    bad.append("expected no tracestate, got %r" % ts)
            elif ts != unescape(want).decode("latin-1"):
                bad.append("expected tracestate %r, got %r" % (unescape(want).decode("latin-1"), ts))
        elif e.startswith("has="):
            k, _, v = unescape(e[4:]).decode("latin-1").partition("=")
            if (k, v) not in mem:
                bad.append("expected member %s=%s in %r" % (k, v, ts))
        elif e.startswith("lacks="):
            if any(k == e[6:] for k, _ in mem):
                bad.append("expected no member %s in %r" % (e[6:], ts))
        elif e.startswith("members="):
            if len(mem) != int(e[8:]):
                bad.append("expected %s members, got %d" % (e[8:], len(mem)))
        elif e not in ("continue", "restart", "sampled", "unsampled", "random"):
            bad.append("unknown expectation %r" % e)
    return bad


def test_cases():
    """Every line of data/w3c.cases: header lines as written, over a raw socket."""
    for n, expect, what, lines in load_cases():
        del received[:]
        body = json.dumps([{"url": CB + "?case=%d" % n, "arguments": []}]).encode()
        status = raw_post(lines, body)
        got = [r for r in received if r["path"].endswith("?case=%d" % n)]
        if not got:
            ok(False, "w3c.cases:%d %s" % (n, what), "answer %r, no call made" % status)
            continue
        bad = check(expect, lines, got[0])
        ok(not bad and status.startswith("HTTP/1.1 200"), "w3c.cases:%d %s" % (n, what),
           "\n".join(bad + ["answer: " + status, "sent: %r" % lines,
                            "call: %r %r" % (got[0]["traceparents"], got[0]["tracestates"])]))


def test_multiple_calls():
    """As the harness's AdvancedTest: several calls from one request."""
    tp = "00-%s-%s-01" % (TID, PID)
    for what, headers, same in [("a valid traceparent", {"traceparent": tp}, True),
                                ("no traceparent", {}, False),
                                ("an invalid traceparent", {"traceparent": "00-%s-%s-01" % ("0" * 32, PID)}, False)]:
        r, got = drive(headers, [{"url": CB, "arguments": []}] * 3)
        ms = [TP.match(g["traceparent"] or "") for g in got]
        tids = {m.group(1) for m in ms if m}
        pids = {m.group(2) for m in ms if m}
        good = len(got) == 3 and all(ms) and len(pids) == 3 and len(tids) == 1
        good = good and ((TID in tids) if same else ("0" * 32 not in tids and TID not in tids))
        ok(good, "three calls, %s: one trace id, three parent ids" % what, got)


def test_bad_input():
    r = request("POST", SERVICE + "/test", {"url": CB}, {})
    ok(r.status == 400 and r.error().get("code") == "invalid_json", "not a list: 400 JSON error", r)
    r = request("POST", SERVICE + "/test", [{"url": "ftp://x"}], {})
    ok(r.status == 400, "a url that is not http: 400", r)
    for url in ["http://10.1.2.3/x", "http://example.com/", "http://127.0.0.1.example.com/",
                "http://[2001:db8::1]/", "http://localhost.example.com/", "http://127.0.0.1:80@example.com/"]:
        del received[:]
        r = request("POST", SERVICE + "/test", [{"url": CB, "arguments": []}, {"url": url, "arguments": []}], {})
        ok(r.status == 403 and r.error().get("code") == "host_not_allowed" and not received,
           "a url off loopback (%s): 403, no call made at all" % url, r)


if __name__ == "__main__":
    sys.exit(run([test_continue, test_unsampled, test_future_version, test_restart, test_cases,
                  test_multiple_calls, test_bad_input]))
