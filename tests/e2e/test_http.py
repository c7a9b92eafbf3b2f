#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The HTTP front door of all four services over raw sockets: every case of
data/http.cases sent as bytes to each service, the answers parsed as a
client would (status line, headers, Content-Length body), checked for
status, order, JSON bodies and whether the connection closed. Then what
one write of 20 orders does at the gateway. Prints TAP."""

import json
import os
import re
import socket
import sys
import time

from tap import GATEWAY, env, ok, order_body, run, case_lines, unescape_bytes

HOST = env("BIND_HOST", "127.0.0.1")
SERVICES = [("api-gateway", int(env("GATEWAY_PORT", "8080"))),
            ("inventory-service", int(env("INVENTORY_PORT", "8081"))),
            ("order-service", int(env("ORDER_PORT", "8082"))),
            ("notification-service", int(env("NOTIFICATION_PORT", "8083")))]


def unescape(text):
    """{num:N:text} and {rep:N:text} (nested), then the byte escapes."""
    text = re.sub(r"\{num:(\d+):([^{}]*)\}",
                  lambda m: "".join(m.group(2).replace("%d", str(i)) for i in range(int(m.group(1)))), text)
    while True:
        t = re.sub(r"\{rep:(\d+):([^{}]*)\}", lambda m: m.group(2) * int(m.group(1)), text)
        if t == text:
            break
        text = t
    return unescape_bytes(text)


def load_cases():
    cases = []
    for n, (expect, what, data) in case_lines("http.cases"):
        words = unescape(expect).decode().split()
        cases.append((n, [int(s) for s in words[0].split(",")], "close" in words[1:], what, unescape(data)))
    return cases


def exchange(port, data, want, idle=1.0, limit=15.0):
    """Sends data; reads until the server closes, or until it has sent
    `want` answers and then stayed quiet for `idle` seconds. Returns the
    bytes and whether the connection closed."""
    s = socket.create_connection((HOST, port), timeout=limit)
    buf, closed = b"", False
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            s.settimeout(idle if buf.count(b"HTTP/1.") >= want else max(0.1, deadline - time.monotonic()))
            try:
                d = s.recv(65536)
            except socket.timeout:
                if buf.count(b"HTTP/1.") >= want:
                    break
                continue
            except ConnectionResetError:
                closed = True
                break
            if not d:
                closed = True
                break
            buf += d
    finally:
        s.close()
    return buf, closed


def parse(buf):
    """The answers in buf: [(status, headers, body)]; the rest unparsed."""
    out = []
    while buf:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            break
        head = buf[:end].decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3}) ", head[0] + " ")
        if not m:
            break
        headers = {}
        for h in head[1:]:
            k, _, v = h.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        body = buf[end + 4:end + 4 + n]
        if len(body) < n:
            break
        out.append((int(m.group(1)), headers, body))
        buf = buf[end + 4 + n:]
    return out, buf


def judge(answers, rest, closed, statuses, close):
    bad = []
    got = [a[0] for a in answers]
    if got != statuses:
        bad.append("statuses %s, expected %s" % (got, statuses))
    if rest:
        bad.append("unparsed bytes after the answers: %r" % rest[:80])
    if close and not closed:
        bad.append("the connection stayed open")
    if not close and closed:
        bad.append("the connection closed")
    for status, headers, body in answers:
        if not headers.get("content-type", "").startswith("application/json"):
            bad.append("%d: content-type %r" % (status, headers.get("content-type")))
            continue
        try:
            doc = json.loads(body)
        except ValueError:
            bad.append("%d: the body is not JSON: %r" % (status, body[:80]))
            continue
        if status >= 400:
            err = doc.get("error") if isinstance(doc, dict) else None
            if not (isinstance(err, dict) and isinstance(err.get("code"), str) and err.get("message")):
                bad.append("%d: not an {error:{code,message}} body: %r" % (status, body[:120]))
    return bad


def test_cases():
    cases = load_cases()
    for name, port in SERVICES:
        for n, statuses, close, what, data in cases:
            buf, closed = exchange(port, data, len(statuses))
            answers, rest = parse(buf)
            bad = judge(answers, rest, closed, statuses, close)
            ok(not bad, "%s: http.cases:%d %s" % (name, n, what), "\n".join(bad))


def test_pipelined_orders():
    """20 orders in one write to the gateway: 20 answers, in order, each
    the order it answers (its Idempotency-Key replays the same order)."""
    port = SERVICES[0][1]
    reqs, keys = b"", []
    for i in range(20):
        body = json.dumps(order_body(qty=1, user=i + 1)).encode()
        key = "pipe-%d-%d" % (os.getpid(), i)
        keys.append(key)
        reqs += (b"POST /api/orders HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
                 b"Idempotency-Key: %s\r\nContent-Length: %d\r\n\r\n%s" % (key.encode(), len(body), body))
    buf, closed = exchange(port, reqs, 20, idle=1.0, limit=60.0)
    answers, rest = parse(buf)
    ok(len(answers) == 20 and all(a[0] == 201 for a in answers) and not closed,
       "gateway: 20 pipelined orders, 20 answers 201", [a[0] for a in answers])
    ids = [json.loads(a[2]).get("orderId") for a in answers]
    ok(len(set(ids)) == 20, "gateway: 20 distinct orders", ids)
    # Replay in order: each key must give back the same order id.
    buf, closed = exchange(port, reqs, 20, idle=1.0, limit=60.0)
    again, rest = parse(buf)
    ok(None not in ids and [json.loads(a[2]).get("orderId") for a in again] == ids,
       "gateway: the answers are in the order of the requests (replayed by Idempotency-Key)",
       [a[0] for a in again])


def test_idempotency_key_values():
    """Values Kore used to refuse with an empty 400 reach the gateway's own
    check of Idempotency-Key (1 to 255 visible characters)."""
    body = json.dumps(order_body(qty=1)).encode()
    for what, key in [("only spaces", b"   "), ("a tab inside", b"a\tb"), ("empty", b"")]:
        req = (b"POST /api/orders HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
               b"Idempotency-Key: " + key + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        buf, closed = exchange(SERVICES[0][1], req, 1)
        answers, rest = parse(buf)
        err = json.loads(answers[0][2]).get("error", {}) if answers and answers[0][0] == 400 else {}
        ok(err.get("code") == "invalid_header" and err.get("field") == "Idempotency-Key",
           "gateway: an Idempotency-Key (%s) is a JSON 400 invalid_header" % what, buf[:300])


def test_stalled_head():
    """Half a head, then nothing: 408 with a JSON body after http_header_timeout."""
    port = SERVICES[1][1]
    t0 = time.monotonic()
    buf, closed = exchange(port, b"GET /health HTTP/1.1\r\nHost: h\r\n", 1, idle=0.5, limit=30.0)
    answers, rest = parse(buf)
    ok([a[0] for a in answers] == [408] and closed and not judge(answers, rest, closed, [408], True),
       "a stalled head is answered 408 (JSON) and closed, after %.1f s" % (time.monotonic() - t0), buf[:200])


def test_chunked_error_later():
    """A chunked body refused in a later read than its head (a bad chunk
    size after a good chunk), then more bytes: the JSON 400, the close, and
    the worker unharmed (the bytes after the error are never fed to the
    request it already let go)."""
    for name, port in SERVICES:
        s = socket.create_connection((HOST, port), timeout=10)
        s.sendall(b"POST /health HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n")
        time.sleep(0.2)
        buf, closed = b"", False
        try:
            s.sendall(b"zz\r\n")
            time.sleep(0.2)
            s.sendall(b"5\r\n:1}\r\n0\r\n\r\n" * 200)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    closed = True
                    break
                buf += d
        except ConnectionResetError:
            closed = True
        except socket.timeout:
            pass
        s.close()
        answers, rest = parse(buf)
        h = exchange(port, b"GET /health HTTP/1.1\r\nHost: h\r\n\r\n", 1)[0]
        ok([a[0] for a in answers] == [400] and closed and not judge(answers, rest, closed, [400], True)
           and h.startswith(b"HTTP/1.1 200"),
           "%s: a chunk size refused after the head was read: one JSON 400, closed, the worker unharmed"
           % name, (buf[:300], h[:60]))


if __name__ == "__main__":
    sys.exit(run([test_cases, test_pipelined_orders, test_idempotency_key_values, test_stalled_head,
                  test_chunked_error_later]))
