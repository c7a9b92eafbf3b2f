# SPDX-License-Identifier: Apache-2.0
"""TAP output and HTTP helpers for the end-to-end tests (stdlib only).

Every test talks to the real running stack; the addresses come from the
same environment variables the services use (see .env.example)."""

import hashlib
import hmac
import http.client
import json
import os
import secrets
import subprocess
import sys
import time
import traceback
import urllib.parse

_n = 0
_failed = 0

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def ok(cond, what, detail=None):
    global _n, _failed
    _n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (_n, what))
    if not cond:
        _failed += 1
        if detail is not None:
            for line in str(detail).splitlines()[:20]:
                print("#   " + line)
    sys.stdout.flush()
    return cond


def skip(what, why):
    global _n
    _n += 1
    print("ok %d - %s # SKIP %s" % (_n, what, why))


def run(tests):
    """Runs each test function; an exception is one failed test."""
    for t in tests:
        try:
            t()
        except Exception:
            ok(False, "%s raised" % t.__name__, traceback.format_exc())
    print("1..%d" % _n)
    return 1 if _failed else 0


def env(name, default):
    v = os.environ.get(name)
    return v if v else default


GATEWAY = env("TEST_GATEWAY_URL", "http://%s:%s" % (env("BIND_HOST", "127.0.0.1"),
                                                    env("GATEWAY_PORT", "8080")))
INVENTORY = env("INVENTORY_URL", "http://127.0.0.1:8081")
ORDERS = env("ORDER_URL", "http://127.0.0.1:8082")
NOTIFICATION = env("NOTIFICATION_URL", "http://127.0.0.1:8083")
# Each service's admin port: /health, the detailed /ready, /metrics.
ADMIN_HOST = env("ADMIN_HOST", "127.0.0.1")
ADMIN = {name: "http://%s:%s" % (ADMIN_HOST, env(var, port)) for name, var, port in (
    ("api-gateway", "GATEWAY_ADMIN_PORT", "9180"), ("inventory-service", "INVENTORY_ADMIN_PORT", "9181"),
    ("order-service", "ORDER_ADMIN_PORT", "9182"), ("notification-service", "NOTIFICATION_ADMIN_PORT", "9183"))}


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def error(self):
        if isinstance(self.json, dict) and isinstance(self.json.get("error"), dict):
            return self.json["error"]
        return {}

    def __repr__(self):
        return "%d %s" % (self.status, self.raw[:400])


def split_bars(line):
    """The fields of a data-file line, separated by "|" and trimmed of
    spaces; an escaped bar ("\\|") stays in its field."""
    parts, cur, i = [], "", 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            cur += line[i:i + 2]
            i += 2
        elif line[i] == "|":
            parts.append(cur.strip(" "))
            cur = ""
            i += 1
        else:
            cur += line[i]
            i += 1
    parts.append(cur.strip(" "))
    return parts


def case_lines(name):
    """(line number, fields) of each case of tests/e2e/data/NAME: one a
    line, fields split by split_bars; blank lines and # comments skipped."""
    with open(os.path.join(TOP, "tests", "e2e", "data", name), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.strip() and not line.startswith("#"):
                yield n, split_bars(line)


def unescape_bytes(text):
    """The bytes of a data-file field: \\r \\n \\t \\s (space) \\| \\\\ and
    \\xHH escapes, everything else as written (Latin-1)."""
    out, i = bytearray(), 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n == "x":
                out.append(int(text[i + 2:i + 4], 16))
                i += 4
                continue
            out += {"r": b"\r", "n": b"\n", "t": b"\t", "s": b" ", "|": b"|", "\\": b"\\"}[n]
            i += 2
            continue
        out += c.encode("latin-1")
        i += 1
    return bytes(out)


def service_key(target="inventory-service"):
    """The gateway's key for its calls to target, as scripts/env.sh sets
    it (one per callee, or one for all): (caller, id, secret)."""
    v = os.environ.get("SERVICE_AUTH_KEY")
    if v:
        keys = dict(("", e) if "=" not in e.split(":", 1)[0] else tuple(e.split("=", 1))
                    for e in v.split(",") if e)
        v = keys.get(target) or keys.get("")
    if not v:
        run_dir = env("RUN_DIR", ".run")
        if not os.path.isabs(run_dir):
            run_dir = os.path.join(TOP, run_dir)
        own = os.path.join(run_dir, "secrets", "service-auth-%s.key" % target)
        with open(own if os.path.exists(own) else os.path.join(run_dir, "secrets", "service-auth.key")) as f:
            v = "k1:" + f.read().strip()
    kid, _, secret = v.partition(":")
    return "api-gateway", kid, secret


def target_of(url):
    """The service an internal URL is for, by its port."""
    port = urllib.parse.urlsplit(url).port
    for name, base in (("inventory-service", INVENTORY), ("order-service", ORDERS),
                       ("notification-service", NOTIFICATION)):
        if urllib.parse.urlsplit(base).port == port:
            return name
    return ""


def auth_header(method, path, body, key=None, ts=None, target="inventory-service", nonce=None):
    """The authorization header the gateway sends (kore-apps/common/auth.c):
    the method, the target service, the path with its query, the time, a
    fresh nonce and the body's hash, signed."""
    caller, kid, secret = key or service_key(target)
    ts = int(time.time()) if ts is None else ts
    nonce = secrets.token_hex(16) if nonce is None else nonce
    text = "%s\n%s\n%s\n%d\n%s\n%s" % (method, target, path, ts, nonce,
                                        hashlib.sha256(body or b"").hexdigest())
    sig = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    return "SVC-HMAC-SHA256 caller=%s,key=%s,ts=%d,nonce=%s,target=%s,sig=%s" % (
        caller, kid, ts, nonce, target, sig)


INTERNAL_PORTS = None


def internal(u):
    global INTERNAL_PORTS
    if INTERNAL_PORTS is None:
        INTERNAL_PORTS = {urllib.parse.urlsplit(b).port for b in (INVENTORY, ORDERS, NOTIFICATION)}
    return u.port in INTERNAL_PORTS


def request(method, url, body=None, headers=None, timeout=30, sign=True):
    """One HTTP request; a call to an internal service is signed as the
    gateway signs its own (sign=False: as anyone else would send it)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = {}
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    elif isinstance(body, str):
        body = body.encode()
    if sign and internal(u):
        h["Authorization"] = auth_header(method, u.path + ("?" + u.query if u.query else ""), body,
                                         target=target_of(url))
    h.update(headers or {})
    try:
        conn.request(method, u.path + ("?" + u.query if u.query else ""), body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data.decode("utf-8", "replace"))
    finally:
        conn.close()


def order_body(sku="SKU123", qty=1, price=50.0, user=1, email="customer@example.com"):
    return {"userId": user, "items": [{"sku": sku, "quantity": qty, "price": price}], "email": email}


def post_order(body, headers=None, timeout=30):
    return request("POST", GATEWAY + "/api/orders", body, headers, timeout)


def psql(db, sql):
    """Runs SQL as the application role; returns the output rows."""
    out = subprocess.run([os.path.join(TOP, "scripts", "pg.sh"), "psql", db, "-At", "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def stock(sku):
    v = psql(env("INVENTORY_DB", "inventory"), "SELECT available FROM stock WHERE sku = '%s'" % sku)
    return int(v) if v else None
