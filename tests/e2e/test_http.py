#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The HTTP front door of all four services over raw sockets: every case of
data/http.cases sent as bytes to each service, the answers parsed as a
client would (status line, headers, Content-Length body), checked for
status, version, order, JSON bodies and whether the connection closed.
Then what one write of 20 orders does at the gateway, HEAD, bytes sent
after a closing answer, and idle connections. Prints TAP."""

import json
import os
import re
import select
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


def parse(buf, heads=0):
    """The answers in buf: [(status, headers, body)]; the rest unparsed.
    headers[":version"] is the status line's version. The first `heads`
    answers are to HEAD requests: no body, whatever Content-Length says."""
    out = []
    while buf:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            break
        head = buf[:end].decode("latin-1").split("\r\n")
        m = re.match(r"(HTTP/1\.[01]) (\d{3}) ", head[0] + " ")
        if not m:
            break
        headers = {":version": m.group(1)}
        for h in head[1:]:
            k, _, v = h.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = 0 if len(out) < heads else int(headers.get("content-length", "0"))
        body = buf[end + 4:end + 4 + n]
        if len(body) < n:
            break
        out.append((int(m.group(2)), headers, body))
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
        if headers[":version"] != "HTTP/1.1":
            bad.append("%d: the status line says %s, not HTTP/1.1" % (status, headers[":version"]))
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


# A path of each service that answers POST only (HEAD there is a 405).
POST_ONLY = {"api-gateway": "/api/orders", "inventory-service": "/v1/reservations",
             "order-service": "/v1/orders", "notification-service": "/v1/notifications"}


def test_head():
    """HEAD (RFC 9110 section 9.3.2): on a GET route, the GET's status and
    headers, Content-Length included, and no body (the next answer follows
    the head at once); Allow lists HEAD wherever it lists GET."""
    get = b"GET /health HTTP/1.1\r\nHost: h\r\n\r\n"
    for name, port in SERVICES:
        buf, closed = exchange(port, b"HEAD /health HTTP/1.1\r\nHost: h\r\n\r\n" + get, 2)
        answers, rest = parse(buf, heads=1)
        ok(len(answers) == 2 and not rest and not closed and [a[0] for a in answers] == [200, 200]
           and answers[0][2] == b"" and answers[1][2] != b""
           and answers[0][1].get("content-length") == str(len(answers[1][2]))
           and answers[0][1].get("content-type") == answers[1][1].get("content-type")
           and not judge(answers[1:], rest, closed, [200], False),
           "%s: HEAD /health: the GET's headers and Content-Length, no body" % name, buf[:600])
        buf, closed = exchange(port, b"HEAD /nosuch HTTP/1.1\r\nHost: h\r\n\r\n" + get, 2)
        answers, rest = parse(buf, heads=1)
        ok([a[0] for a in answers] == [404, 200] and not rest and answers[0][2] == b""
           and int(answers[0][1].get("content-length", "0")) > 0,
           "%s: HEAD on no route: 404, its Content-Length, no body" % name, buf[:600])
        buf, closed = exchange(port, b"HEAD %s HTTP/1.1\r\nHost: h\r\n\r\n" % POST_ONLY[name].encode() + get, 2)
        answers, rest = parse(buf, heads=1)
        ok([a[0] for a in answers] == [405, 200] and not rest and answers[0][2] == b""
           and answers[0][1].get("allow") == "POST",
           "%s: HEAD on a POST route: 405, Allow: POST, no body" % name, buf[:600])
        buf, closed = exchange(port, b"DELETE /health HTTP/1.1\r\nHost: h\r\n\r\n", 1)
        answers, rest = parse(buf)
        ok([a[0] for a in answers] == [405] and answers[0][1].get("allow") == "GET, HEAD"
           and not judge(answers, rest, closed, [405], False),
           "%s: DELETE on a GET route: 405, Allow: GET, HEAD" % name, buf[:600])


def test_nothing_after_close():
    """After a closing 400 the connection answers nothing more, even when
    the next bytes come in a write of their own right after it (they got a
    second answer, 9 of 10 times): on a new connection and on one that was
    answered before, for a NUL, a missing and a second Host."""
    good = b"GET /health HTTP/1.1\r\nHost: h\r\n\r\n"
    bads = [("a NUL", b"GET /health HTTP/1.1\r\nHost: h\r\nX-A: a\x00b\r\n\r\n"),
            ("no Host", b"GET /health HTTP/1.1\r\n\r\n"),
            ("two Host", b"GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")]
    for name, port in SERVICES:
        for what, bad in bads:
            wrong = []
            for i in range(20):
                s = socket.create_connection((HOST, port), timeout=5)
                buf = b""
                try:
                    if i % 2:
                        s.sendall(good)
                        while buf.count(b"HTTP/1.") < 1 or len(parse(buf)[0]) < 1:
                            d = s.recv(65536)
                            if not d:
                                break
                            buf += d
                    s.sendall(bad)
                    s.sendall(good)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                closed = False
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
                got = [a[0] for a in parse(buf)[0]]
                if got != [200] * (i % 2) + [400] or not closed:
                    wrong.append("try %d: %s%s" % (i, got, "" if closed else ", not closed"))
            ok(not wrong, "%s: after a closing 400 (%s), nothing more is answered (20 tries)" % (name, what),
               "\n".join(wrong))


def test_idle():
    """An idle connection is closed without an answer (RFC 9112 section
    9.5), never with an unsolicited 408: a keep-alive connection after the
    keep-alive timeout its answer announced (not before: it still serves
    past http_header_timeout), a new connection on which nothing came
    after http_header_timeout. All services at once: about a minute."""
    get = b"GET /health HTTP/1.1\r\nHost: h\r\n\r\n"
    conns = []
    for name, port in SERVICES:
        idle = socket.create_connection((HOST, port), timeout=5)
        idle.sendall(get)
        buf = b""
        while not parse(buf)[0]:
            buf += idle.recv(65536)
        m = re.search(r"timeout=(\d+)", parse(buf)[0][0][1].get("keep-alive", ""))
        timeout = int(m.group(1)) if m else None
        ok(timeout is not None, "%s: an answer announces its keep-alive timeout" % name, buf[:300])
        fresh = socket.create_connection((HOST, port), timeout=5)
        again = socket.create_connection((HOST, port), timeout=5)
        again.sendall(get)
        buf = b""
        while not parse(buf)[0]:
            buf += again.recv(65536)
        conns.append((name, timeout or 60, idle, fresh, again))
    t0 = time.monotonic()
    # One connection of each service is used again after 12 s of idling,
    # past http_header_timeout (10 s): it must still serve.
    time.sleep(12)
    for name, timeout, idle, fresh, again in conns:
        try:
            again.sendall(get)
            buf, closed = b"", False
            again.settimeout(5)
            while not parse(buf)[0]:
                d = again.recv(65536)
                if not d:
                    closed = True
                    break
                buf += d
        except OSError as e:
            buf, closed = repr(e).encode(), True
        ok(not closed and [a[0] for a in parse(buf)[0]] == [200],
           "%s: a keep-alive connection idle for 12 s still serves" % name, buf[:300])
        again.close()
    # Then each idle socket: when it closed, and what it got before.
    watch = {}
    for name, timeout, idle, fresh, again in conns:
        watch[idle] = [name + ": a keep-alive connection", timeout, b"", None]
        watch[fresh] = [name + ": a connection that sent nothing", None, b"", None]
    deadline = t0 + max(c[1] for c in conns) + 5
    while any(w[3] is None for w in watch.values()) and time.monotonic() < deadline:
        socks = [s for s, w in watch.items() if w[3] is None]
        ready, _, _ = select.select(socks, [], [], max(0.05, deadline - time.monotonic()))
        for s in ready:
            w = watch[s]
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if d:
                w[2] += d
            else:
                w[3] = time.monotonic() - t0
    for s, (what, timeout, got, at) in watch.items():
        s.close()
        if timeout is None:
            ok(at is not None and got == b"",
               "%s is closed without an answer%s" % (what, "" if at is None else " (after %.1f s)" % at),
               got[:200] if got else "still open after %.0f s" % (deadline - t0))
        else:
            ok(at is not None and got == b"" and timeout - 1.5 <= at <= timeout + 2.5,
               "%s is closed without an answer after its keep-alive timeout (%d s)%s"
               % (what, timeout, "" if at is None else ": %.1f s" % at),
               got[:200] if got else "closed after %s s" % (None if at is None else "%.1f" % at))


if __name__ == "__main__":
    sys.exit(run([test_cases, test_pipelined_orders, test_idempotency_key_values, test_stalled_head,
                  test_chunked_error_later, test_head, test_nothing_after_close, test_idle]))
