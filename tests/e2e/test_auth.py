#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Trust between the services (kore-apps/common/auth.c) against the real
stack: what a local process that is not the gateway could do to the
internal services is refused with a JSON 401, forged, stale, replayed-
elsewhere and tampered signatures too; the gateway's own calls pass; a
key rotates without downtime (two accepted at once). Public answers carry
no internal id. Restarts the internal services (run with the restart
suites). Prints TAP."""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.parse

from tap import (ADMIN, GATEWAY, INVENTORY, NOTIFICATION, ORDERS, TOP, auth_header, env, ok, order_body, post_order,
                 request, run, service_key, stock)
from test_traces import psql, INVENTORY_DB, ORDER_DB


def refused(r, code=None):
    err = r.error() if r.status == 401 else {}
    return r.status == 401 and (code is None or err.get("code") == code) and bool(err.get("message"))


def test_attacks_refused():
    # The attacks of the issue, unsigned, as any local process would send them.
    o = post_order(order_body(sku="SKU789", qty=1))
    ok(o.status == 201, "an order is placed through the gateway (its calls are signed)", o)
    oid = o.json.get("orderId") if o.json else None
    res = request("GET", ORDERS + "/v1/orders/%s" % oid).json.get("reservationId") if oid else None
    before = stock("SKU789")
    r = request("POST", INVENTORY + "/v1/reservations/%s/release" % res, sign=False)
    ok(refused(r, "unauthenticated") and stock("SKU789") == before,
       "a confirmed order's stock cannot be released by an unsigned call (401, stock unchanged)", r)
    r = request("POST", ORDERS + "/v1/reservations/%s/cancel-order" % res, sign=False)
    st = request("GET", ORDERS + "/v1/orders/%s" % oid).json.get("status")
    ok(refused(r) and st == "confirmed", "nor can the order be cancelled (401, still confirmed)", (r, st))
    rid = "res_attack_" + secrets.token_hex(6)
    r = request("POST", ORDERS + "/v1/orders", {"reservationId": rid, "userId": 1, "email": "a@b.co",
                                                "items": [{"sku": "SKU123", "quantity": 1, "price": 1}],
                                                "traceId": "0" * 32}, sign=False)
    ok(refused(r) and psql(ORDER_DB, "SELECT count(*) FROM orders WHERE reservation_id = '%s'" % rid) == "0",
       "nor can an order be created that took no stock (401, none in the database)", r)
    r = request("POST", NOTIFICATION + "/v1/notifications",
                {"orderId": "x", "email": "victim@example.com", "total": 1, "items": []}, sign=False)
    ok(refused(r), "nor can any text be sent to any address (401)", r)
    r = request("POST", INVENTORY + "/v1/reservations",
                {"reservationId": rid, "items": [{"sku": "SKU123", "quantity": 1}]}, sign=False)
    ok(refused(r), "nor can stock be reserved (401)", r)
    for name, base in [("inventory-service", INVENTORY), ("order-service", ORDERS),
                       ("notification-service", NOTIFICATION)]:
        h, rd = request("GET", base + "/health", sign=False), request("GET", base + "/ready", sign=False)
        ok(h.status == 200 and rd.status == 200, "%s: /health and /ready need no credential" % name, (h, rd))
    r = request("POST", INVENTORY + "/v1/reservations/x/release", sign=False)
    ok(r.headers.get("www-authenticate") == "SVC-HMAC-SHA256", "a 401 names the scheme (WWW-Authenticate)", r)


def signed(method, url, body, **kw):
    u = urllib.parse.urlsplit(url)
    data = json.dumps(body).encode() if body is not None else None
    return request(method, url, body, {"Authorization": auth_header(method, kw.pop("path", u.path),
                                                                      kw.pop("signed_body", data), **kw)},
                   sign=False)


def test_forgeries_refused():
    rid = "res_forge_" + secrets.token_hex(6)
    body = {"reservationId": rid, "items": [{"sku": "SKU123", "quantity": 1}]}
    url = INVENTORY + "/v1/reservations"
    caller, kid, secret = service_key()
    cases = [
        # An unknown key and a bad signature answer alike: the code does not
        # tell a stranger which key ids exist (the service's log does).
        ("a wrong secret", "unauthenticated", dict(key=(caller, kid, "not-the-secret-at-all"))),
        ("an unknown key id", "unauthenticated", dict(key=(caller, "k9", secret))),
        ("the gateway's key under another caller's name", "unauthenticated", dict(key=("order-service", kid, secret))),
        ("a time 10 minutes old", "stale_signature", dict(ts=int(time.time()) - 600)),
        ("a time 10 minutes ahead", "stale_signature", dict(ts=int(time.time()) + 600)),
        ("a time 60 s ahead (at most 30 s)", "stale_signature", dict(ts=int(time.time()) + 60)),
        ("a signature of another path", "unauthenticated", dict(path="/v1/reservations/x/release")),
        ("a signature of another body", "unauthenticated", dict(signed_body=b'{"reservationId":"other"}')),
    ]
    for what, code, kw in cases:
        r = signed("POST", url, body, **kw)
        ok(refused(r, code), "refused: %s (401 %s)" % (what, code), r)
    for what, value in [("another scheme", "Bearer x"), ("no signature", "SVC-HMAC-SHA256 caller=api-gateway,key=k1"),
                        ("garbage", "SVC-HMAC-SHA256 " + "=" * 300)]:
        r = request("POST", url, body, {"Authorization": value}, sign=False)
        ok(refused(r, "unauthenticated"), "refused: an authorization header with %s" % what, r)
    ok(psql(INVENTORY_DB, "SELECT count(*) FROM reservations WHERE id = '%s'" % rid) == "0",
       "none of the forgeries reserved anything")
    u = refused(signed("POST", url, body, key=(caller, "k9", secret)), "unauthenticated")
    b = refused(signed("POST", url, body, key=(caller, kid, "not-the-secret-at-all")), "unauthenticated")
    u2 = signed("POST", url, body, key=(caller, "k9", secret))
    b2 = signed("POST", url, body, key=(caller, kid, "not-the-secret-at-all"))
    ok(u and b and u2.error().get("message") == b2.error().get("message"),
       "an unknown key id and a wrong secret get the same 401 code and message", (u2, b2))
    r = signed("POST", url, body)
    ok(r.status == 201, "the same call signed with the gateway's key is served", r)
    request("POST", INVENTORY + "/v1/reservations/%s/release" % rid)
    rid2 = rid + "_case"
    body2 = {"reservationId": rid2, "items": [{"sku": "SKU123", "quantity": 1}]}
    data = json.dumps(body2).encode()
    hdr = auth_header("POST", "/v1/reservations", data).replace("SVC-HMAC-SHA256", "svc-hmac-sha256", 1)
    r = request("POST", url, body2, {"Authorization": hdr}, sign=False)
    ok(r.status == 201, "the scheme name is matched without regard to case (RFC 9110)", r)
    request("POST", INVENTORY + "/v1/reservations/%s/release" % rid2)


def test_replays_refused():
    """Each signed call is served once: sent again, to the same worker or
    another, it is refused (401 replayed); a signature is for one service,
    one target with its query."""
    rid = "res_replay_" + secrets.token_hex(6)
    body = {"reservationId": rid, "items": [{"sku": "SKU123", "quantity": 1}]}
    data = json.dumps(body).encode()
    hdr = auth_header("POST", "/v1/reservations", data)
    url = INVENTORY + "/v1/reservations"
    first = request("POST", url, body, {"Authorization": hdr}, sign=False)
    ok(first.status == 201, "a signed reservation is served", first)
    # Each on a new connection: with several workers, some reach another.
    again = [request("POST", url, body, {"Authorization": hdr}, sign=False) for _ in range(8)]
    ok(all(refused(r, "replayed") for r in again),
       "the same signed call sent 8 times more, on new connections (other workers too): each 401 replayed",
       [(r.status, r.error().get("code")) for r in again])
    request("POST", INVENTORY + "/v1/reservations/%s/release" % rid)
    n_before = len(os.listdir(os.path.join(env("MAILDIR", os.path.join(TOP, ".run", "maildir")), "new"))) \
        if os.path.isdir(os.path.join(env("MAILDIR", os.path.join(TOP, ".run", "maildir")), "new")) else None
    note = {"orderId": "replay-" + rid[-12:], "email": "victim@example.com", "total": 1, "currency": "USD",
            "items": [{"sku": "SKU123", "quantity": 1, "price": 1}]}
    ndata = json.dumps(note).encode()
    nh = auth_header("POST", "/v1/notifications", ndata, target="notification-service")
    sends = [request("POST", NOTIFICATION + "/v1/notifications", note, {"Authorization": nh}, sign=False)
             for _ in range(8)]
    sends.append(request("POST", NOTIFICATION + "/v1/notifications?x=anything", note, {"Authorization": nh},
                         sign=False))
    ok(sends[0].status == 201 and all(refused(r) for r in sends[1:]),
       "a signed notification sent 9 times (once with ?x=anything appended): one e-mail, 8 refusals",
       [r.status for r in sends])
    if n_before is not None:
        time.sleep(0.5)
        n_after = len(os.listdir(os.path.join(env("MAILDIR", os.path.join(TOP, ".run", "maildir")), "new")))
        ok(n_after - n_before <= 1, "at most one message was delivered (%d)" % (n_after - n_before))
    # Two calls for one order, each signed afresh (no replay): one e-mail;
    # the second answers the first message (200, duplicate) and sends nothing.
    once = dict(note, orderId="once-" + rid[-12:])
    a = request("POST", NOTIFICATION + "/v1/notifications", once)
    b = request("POST", NOTIFICATION + "/v1/notifications", once)
    ok(a.status == 201 and b.status == 200 and b.json.get("duplicate") is True and
       b.json.get("messageId") == a.json.get("messageId"),
       "a second notification for the same order answers the first message and sends nothing", (a, b))
    # One callee's key is worth nothing at another: the inventory's key,
    # signed for the notification service, is refused there.
    r = request("POST", NOTIFICATION + "/v1/notifications", note,
                {"Authorization": auth_header("POST", "/v1/notifications", ndata, key=service_key("inventory-service"),
                                              target="notification-service")}, sign=False)
    ok(refused(r, "unauthenticated"), "the inventory's key is refused by notification-service (a key per callee)", r)
    # A call signed for the inventory, sent to the notification service.
    r = request("POST", NOTIFICATION + "/v1/notifications", note,
                {"Authorization": auth_header("POST", "/v1/notifications", ndata)}, sign=False)
    ok(refused(r, "unauthenticated"), "a call signed for inventory-service is refused by notification-service", r)
    # The query string is signed.
    q = auth_header("GET", "/v1/stock/SKU123?view=a", None)
    good = request("GET", INVENTORY + "/v1/stock/SKU123?view=a", None, {"Authorization": q}, sign=False)
    q2 = auth_header("GET", "/v1/stock/SKU123?view=a", None)
    bad = request("GET", INVENTORY + "/v1/stock/SKU123?view=b", None, {"Authorization": q2}, sign=False)
    ok(good.status == 200 and refused(bad, "unauthenticated"),
       "the query string is signed: the same signature with another query is refused", (good, bad))
    # A nonce that is not 32 hex digits.
    bad_nonce = auth_header("POST", "/v1/reservations", data, nonce="xyz")
    ok(refused(request("POST", url, body, {"Authorization": bad_nonce}, sign=False), "unauthenticated"),
       "a malformed nonce is refused")


def test_admin_door():
    """/metrics and the detailed /ready live on each service's admin port
    (loopback); the public port answers a minimal /ready from at most one
    real check a second, and has no /metrics."""
    publics = {"api-gateway": GATEWAY, "inventory-service": INVENTORY, "order-service": ORDERS,
               "notification-service": NOTIFICATION}
    for name, base in publics.items():
        pm = request("GET", base + "/metrics", sign=False)
        am = request("GET", ADMIN[name] + "/metrics", sign=False)
        ok(pm.status == 404 and am.status == 200 and "tracing_spans_started_total" in am.raw,
           "%s: /metrics is on the admin port only (public %d, admin %d)" % (name, pm.status, am.status))
        pr = request("GET", base + "/ready", sign=False)
        ok(pr.status == 200 and pr.json == {"status": "ready"},
           "%s: the public /ready says ready and nothing else" % name, pr.raw[:200])
        ah = request("GET", ADMIN[name] + "/health", sign=False)
        ok(ah.status == 200, "%s: the admin port answers /health" % name, ah)
    ar = request("GET", ADMIN["api-gateway"] + "/ready", sign=False)
    ok(ar.status == 200 and isinstance(ar.json, dict) and len(json.dumps(ar.json)) > 30,
       "the admin /ready gives the checks in detail", ar.raw[:300])
    o = request("POST", ADMIN["api-gateway"] + "/api/orders", order_body(), sign=False)
    s = request("GET", ADMIN["inventory-service"] + "/v1/stock/SKU123")
    ok(o.status == 404 and s.status == 404, "the admin port serves no API route (%d, %d)" % (o.status, s.status))
    # A flood of the public /ready: the gateway's real check (a statement
    # and three calls, one of them to the inventory's /ready) runs at most
    # once a second, seen in the inventory's access log.
    log = os.path.join(env("RUN_DIR", os.path.join(TOP, ".run")), "log", "inventory-service.log")
    if not os.path.isabs(log):
        log = os.path.join(TOP, log)

    def inventory_readies():
        with open(log, errors="replace") as f:
            return sum(1 for line in f if '"route":"/ready"' in line)
    before = inventory_readies()
    t0 = time.time()
    answers = [request("GET", GATEWAY + "/ready", sign=False).status for _ in range(200)]
    took = time.time() - t0
    time.sleep(0.5)
    checks = inventory_readies() - before
    ok(set(answers) == {200} and checks <= int(took) + 2,
       "200 public /ready in %.1f s ran %d real checks (at most one a second)" % (took, checks),
       sorted(set(answers)))


def test_no_internal_ids():
    o = post_order(order_body())
    g = request("GET", GATEWAY + "/api/orders/%s" % (o.json or {}).get("orderId"))
    ok(o.status == 201 and g.status == 200 and "reservationId" not in g.json and "reservationId" not in o.json,
       "public answers carry no reservation id", (o, g))


def services(action, names, env=None):
    e = dict(os.environ, **(env or {}))
    for n in names:
        p = subprocess.run([os.path.join(TOP, "scripts", "services.sh"), action, n], capture_output=True,
                           text=True, timeout=120, env=e)
        if p.returncode != 0:
            return p
    return p


def test_rotation():
    # Rotation: the callees accept the old and the new key, then the
    # gateway signs with the new one, then the callees drop the old one. At
    # no step is a caller's key refused, so with more than one instance of
    # each service (restarted one at a time) nothing stops; here each step
    # restarts the single instance, and orders are checked between steps.
    caller, kid, secret = service_key()
    new = secrets.token_hex(24)
    internal = ["inventory-service", "order-service", "notification-service"]

    def accept_var(n):
        return "SERVICE_AUTH_ACCEPT_" + n.upper().replace("-", "_")

    def both(n):
        _, k, s = service_key(n)
        return "api-gateway/%s:%s,api-gateway/k2:%s" % (k, s, new)
    try:
        for n in internal:
            services("stop-service", [n])
            p = services("start-service", [n], {accept_var(n): both(n)})
        o = post_order(order_body())
        ok(p.returncode == 0 and o.status == 201,
           "step 1: the callees accept the old and the new key; the gateway's old one still works", (p.stderr[-300:], o))
        r = signed("POST", INVENTORY + "/v1/reservations/x/release", None, key=(caller, "k2", new))
        ok(r.status == 200, "a call signed with the new key is served", r)
        services("stop-service", ["api-gateway"])
        p = services("start-service", ["api-gateway"], {"SERVICE_AUTH_KEY": "k2:" + new})
        o = post_order(order_body())
        ok(p.returncode == 0 and o.status == 201, "step 2: the gateway signs with the new key; orders go through",
           (p.stderr[-300:], o))
        # Step 3 as `make up` does it: start-service on a running service
        # whose key changed restarts it (the restart stamp hashes the keys).
        new_only = "api-gateway/k2:" + new
        restarted = True
        for n in internal:
            p = services("start-service", [n], {accept_var(n): new_only})
            restarted = restarted and "restarting" in p.stdout
        o = post_order(order_body())
        r = signed("POST", INVENTORY + "/v1/reservations/x/release", None)
        ok(p.returncode == 0 and restarted and o.status == 201 and refused(r, "unauthenticated"),
           "step 3: a changed key restarts each running callee (no stop needed); orders go through, "
           "the old key is refused", (p.stdout[-300:], o, r))
    finally:
        for n in internal + ["api-gateway"]:
            services("stop-service", [n])
            services("start-service", [n])
    r = signed("POST", INVENTORY + "/v1/reservations/x/release", None, key=(caller, "k2", new))
    o = post_order(order_body())
    ok(refused(r, "unauthenticated") and o.status == 201, "back to the usual key: orders go through, k2 is refused", (r, o))


def test_incoming_context():
    # The public edge and a stranger's traceparent: TRACE_INCOMING at the
    # gateway (continue by default). Each mode restarts the gateway through
    # services.sh, as `make up` would after the variable changed.
    from test_traces import fetch, find
    try:
        for mode in ("link", "ignore"):
            p = services("start-service", ["api-gateway"], {"TRACE_INCOMING": mode})
            tid, sid = secrets.token_hex(16), secrets.token_hex(8)
            r = post_order(order_body(), {"traceparent": "00-%s-%s-01" % (tid, sid)})
            new = (r.json or {}).get("traceId", "")
            t = fetch(new, 12) if r.status == 201 and new else None
            root = find(t, "api-gateway", "POST /api/orders") if t else []
            refs = root[0].get("references", []) if root else []
            ok(p.returncode == 0 and "restarting" in p.stdout and r.status == 201 and new and new != tid,
               "TRACE_INCOMING=%s: the order gets a trace of its own, not the client's" % mode, (p.stdout[-200:], r))
            if mode == "link":
                ok(len(refs) == 1 and refs[0].get("traceID") == tid and refs[0].get("spanID") == sid and
                   refs[0].get("refType") != "CHILD_OF",
                   "TRACE_INCOMING=link: the gateway's SERVER span links to the client's span, no parent", refs)
            else:
                ok(root and refs == [], "TRACE_INCOMING=ignore: no parent and no link", refs)
            ok(fetch(tid, 1, timeout=3) is None, "TRACE_INCOMING=%s: nothing was added to the client's trace" % mode)
    finally:
        p = services("start-service", ["api-gateway"], {"TRACE_INCOMING": "continue"})
    tid, sid = secrets.token_hex(16), secrets.token_hex(8)
    r = post_order(order_body(), {"traceparent": "00-%s-%s-01" % (tid, sid)})
    ok(p.returncode == 0 and r.status == 201 and (r.json or {}).get("traceId") == tid,
       "TRACE_INCOMING=continue (the default): the order continues the client's trace", r)


def test_rate_limit():
    # GATEWAY_RATE_LIMIT=4/4: four requests a second per client address,
    # bursts of four, shared out among the gateway's workers.
    try:
        p = services("start-service", ["api-gateway"], {"GATEWAY_RATE_LIMIT": "4/4"})
        t0 = time.time()
        got = [request("GET", GATEWAY + "/api/orders/ord_ratelimit_%d" % i) for i in range(30)]
        elapsed = time.time() - t0
        limited = [r for r in got if r.status == 429]
        passed = len(got) - len(limited)
        ok(p.returncode == 0 and limited and passed <= 4 + 4 * elapsed + 2,
           "30 requests at once from one address: %d pass (at most 4 + 4/s x %.1f s), %d get 429"
           % (passed, elapsed, len(limited)), [r.status for r in got])
        r = limited[0] if limited else None
        ok(r is not None and (r.json or {}).get("error", {}).get("code") == "rate_limited" and
           int(r.headers.get("retry-after", "0")) >= 1,
           "a 429 says rate_limited in JSON, with Retry-After", r)
        h = request("GET", GATEWAY + "/health")
        rd = request("GET", GATEWAY + "/ready")
        ok(h.status == 200 and rd.status == 200, "the probes are not limited", (h, rd))
        time.sleep(int(r.headers.get("retry-after", "1")) + 1 if r is not None else 2)
        again = request("GET", GATEWAY + "/api/orders/ord_ratelimit_after")
        ok(again.status == 404, "after Retry-After the client is served again", again)
    finally:
        p = services("start-service", ["api-gateway"], {"GATEWAY_RATE_LIMIT": ""})
    got = [request("GET", GATEWAY + "/api/orders/ord_nolimit_%d" % i).status for i in range(30)]
    ok(p.returncode == 0 and 429 not in got, "without GATEWAY_RATE_LIMIT nothing is limited", got)


def test_db_login():
    # Finding 1: another local user knew the database's password (a shared
    # default). Now make up makes one per checkout, readable by its owner.
    from test_traces import RUN_DIR
    secret = os.path.join(RUN_DIR, "secrets", "db.password")
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    host, port = os.environ.get("DB_HOST", "127.0.0.1"), os.environ.get("DB_PORT", "55432")
    p = subprocess.run(nobody + ["psql", "-h", host, "-p", port, "-U", os.environ.get("DB_USER", "tracing"),
                                 "-d", "inventory", "-c", "SELECT 1"], capture_output=True, text=True,
                       env=dict(os.environ, PGPASSWORD="tracing-dev", PGCONNECT_TIMEOUT="3"), timeout=20)
    ok(p.returncode != 0 and "password authentication failed" in p.stderr,
       "another OS user with the old shared password: the database refuses the login", p.stderr[-200:])
    r = subprocess.run(nobody + ["cat", secret], capture_output=True, text=True, timeout=10)
    mode = os.stat(secret).st_mode & 0o777 if os.path.exists(secret) else None
    ok(r.returncode != 0 and mode == 0o600, "nor can it read the generated password (%s, mode %s)"
       % (secret, oct(mode or 0)), r.stderr[-200:])


def test_x_fault():
    # X-Fault with allow_header on: a stranger at the gateway cannot use it;
    # FAULTS_TOKEN opens it to whoever holds the token; internal services
    # take it only on signed calls; a header's latency is capped at 10 s.
    from test_traces import set_fault
    token = secrets.token_hex(16)
    try:
        set_fault("api-gateway", {"allow_header": True})
        set_fault("inventory-service", {"allow_header": True})
        r = request("GET", GATEWAY + "/api/orders/ord_xfault", headers={"X-Fault": "error=503"})
        ok(r.status == 404, "gateway without FAULTS_TOKEN: a stranger's X-Fault is ignored", r)
        p = services("start-service", ["api-gateway"], {"FAULTS_TOKEN": token})
        r = request("GET", GATEWAY + "/api/orders/ord_xfault", headers={"X-Fault": "error=503",
                                                                         "X-Fault-Token": "wrong-" + token})
        ok(p.returncode == 0 and r.status == 404, "a wrong X-Fault-Token: ignored", r)
        r = request("GET", GATEWAY + "/api/orders/ord_xfault", headers={"X-Fault": "error=503",
                                                                         "X-Fault-Token": token})
        ok(r.status == 503 and (r.json or {}).get("error", {}).get("code") == "fault_injected",
           "the right X-Fault-Token: the fault is injected (503)", r)
        t0 = time.time()
        r = request("GET", GATEWAY + "/api/orders/ord_xfault", headers={"X-Fault": "latency=30000",
                                                                         "X-Fault-Token": token}, timeout=25)
        d = time.time() - t0
        ok(r.status == 404 and 9.5 <= d <= 14, "a header's latency of 30 s is capped at 10 s (%.1f s)" % d, r)
        rid = "res_xfault_" + secrets.token_hex(4)
        body = {"reservationId": rid, "items": [{"sku": "SKU123", "quantity": 1}]}
        data = json.dumps(body).encode()
        r = request("POST", INVENTORY + "/v1/reservations", body,
                    {"X-Fault": "error=503", "Authorization": auth_header("POST", "/v1/reservations", data)},
                    sign=False)
        ok(r.status == 503, "an internal service takes X-Fault on a signed call", r)
    finally:
        set_fault("api-gateway", None)
        set_fault("inventory-service", None)
        services("start-service", ["api-gateway"], {"FAULTS_TOKEN": ""})


if __name__ == "__main__":
    sys.exit(run([test_attacks_refused, test_forgeries_refused, test_replays_refused, test_admin_door, test_no_internal_ids, test_rotation,
                  test_incoming_context, test_rate_limit, test_x_fault, test_db_login]))
