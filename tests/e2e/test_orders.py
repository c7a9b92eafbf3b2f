#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end tests of the order flow against the real running stack:
happy path, out of stock, bad requests, idempotency, compensation, a race
for the last units, health and readiness. Prints TAP."""

import concurrent.futures
import glob
import hashlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse

from tap import (GATEWAY, INVENTORY, NOTIFICATION, ORDERS, TOP, env, ok, order_body, post_order, psql,
                 request, run, stock)

HEX32 = re.compile(r"^[0-9a-f]{32}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
INVENTORY_DB = env("INVENTORY_DB", "inventory")
ORDER_DB = env("ORDER_DB", "orders")
GATEWAY_DB = env("GATEWAY_DB", "gateway")


def maildir():
    m = os.environ.get("MAILDIR") or os.path.join(os.environ.get("RUN_DIR", ".run"), "maildir")
    return m


def test_happy_path():
    before = stock("SKU123")
    r = post_order({"userId": 1, "items": [{"sku": "SKU123", "quantity": 2, "price": 50.0}],
                    "email": "customer@example.com"})
    ok(r.status == 201, "happy path: 201 Created", r)
    j = r.json or {}
    ok(UUID.match(str(j.get("orderId", ""))), "happy path: orderId is a UUID", r)
    ok(HEX32.match(str(j.get("traceId", ""))), "happy path: traceId is 32 hex characters", r)
    ok(j.get("status") == "confirmed" and j.get("total") == 100.0, "happy path: confirmed, total 100.0", r)
    ok(j.get("notification", {}).get("sent") is True, "happy path: notification sent", r)
    ok(r.headers.get("location") == "/api/orders/%s" % j.get("orderId"), "happy path: Location points at the order",
       r.headers)
    ok(stock("SKU123") == before - 2, "happy path: stock went down by 2")
    g = request("GET", GATEWAY + r.headers.get("location", "/none"))
    ok(g.status == 200 and g.json.get("orderId") == j.get("orderId") and g.json.get("total") == 100.0
       and g.json.get("items") == [{"sku": "SKU123", "quantity": 2, "price": 50.0}]
       and g.json.get("traceId") == j.get("traceId"), "GET /api/orders/{id} returns the stored order", g)
    found = [f for f in glob.glob(os.path.join(maildir(), "new", "*"))
             if ("X-Order-Id: %s" % j.get("orderId")) in open(f, encoding="utf-8").read()]
    ok(len(found) == 1, "happy path: the confirmation e-mail is in the Maildir")
    if found:
        text = open(found[0], encoding="utf-8", newline="").read()
        ok("\r\nTo: <customer@example.com>\r\n" in text and "\r\n\r\n" in text and "Message-ID: <" in text,
           "happy path: the e-mail is an RFC 5322 message to the customer")


def test_multi_item_total():
    r = post_order({"userId": 7, "items": [{"sku": "SKU123", "quantity": 1, "price": 10.25},
                                           {"sku": "SKU456", "quantity": 3, "price": 2.5}],
                    "email": "multi@example.com"})
    ok(r.status == 201 and r.json.get("total") == 17.75 and len(r.json.get("items", [])) == 2,
       "two items: 201 with total 17.75", r)


def test_trace_context():
    tid = secrets.token_hex(16)
    r = post_order(order_body(), {"traceparent": "00-%s-%s-01" % (tid, secrets.token_hex(8))})
    ok(r.status == 201 and r.json.get("traceId") == tid, "traceparent: the caller's trace id is kept", r)
    for bad in ["00-%s-%s-01" % ("0" * 32, secrets.token_hex(8)), "garbage", "00-%s-%s-01" % (tid.upper(), "1" * 16),
                "ff-%s-%s-01" % (tid, secrets.token_hex(8))]:
        r = post_order(order_body(), {"traceparent": bad})
        ok(r.status == 201 and HEX32.match(r.json.get("traceId", "")) and r.json.get("traceId") != tid.lower()
           and r.json.get("traceId") != "0" * 32,
           "traceparent %r: a new trace, no error" % bad[:20], r)


def test_out_of_stock():
    before = stock("SKU123")
    r = post_order(order_body(sku="OUT-OF-STOCK", qty=1, price=10))
    e = r.error()
    ok(r.status == 400 and e.get("code") == "out_of_stock" and e.get("sku") == "OUT-OF-STOCK",
       "out of stock: 400 out_of_stock naming the sku", r)
    ok(HEX32.match(e.get("traceId", "")), "out of stock: the error carries the trace id", r)
    r = post_order({"userId": 1, "items": [{"sku": "SKU123", "quantity": 5, "price": 1},
                                           {"sku": "OUT-OF-STOCK", "quantity": 1, "price": 1}],
                    "email": "customer@example.com"})
    ok(r.status == 400 and r.error().get("sku") == "OUT-OF-STOCK", "mixed order: 400 out_of_stock", r)
    ok(stock("SKU123") == before and stock("OUT-OF-STOCK") == 0,
       "out of stock: nothing stays reserved (stock unchanged)")
    r = post_order(order_body(sku="NO-SUCH-SKU"))
    ok(r.status == 400 and r.error().get("code") == "unknown_sku" and r.error().get("sku") == "NO-SUCH-SKU",
       "unknown sku: 400 unknown_sku", r)


BIG = "x" * 70000


def bad_requests():
    good = order_body()
    item = good["items"][0]
    J = "application/json"
    cases = [
        ("malformed JSON", "POST", "/api/orders", '{"userId": 1,', J, 400, "invalid_json", None),
        ("empty body", "POST", "/api/orders", "", J, 400, "invalid_json", None),
        ("JSON array body", "POST", "/api/orders", "[]", J, 400, "invalid_json", None),
        ("JSON null body", "POST", "/api/orders", "null", J, 400, "invalid_json", None),
        ("invalid UTF-8", "POST", "/api/orders", b'{"userId":1,"email":"\xff"}', J, 400, "invalid_json", None),
        ("duplicate keys", "POST", "/api/orders", '{"userId":1,"userId":2}', J, 400, "invalid_json", None),
        ("nested too deep", "POST", "/api/orders", "[" * 5000 + "]" * 5000, J, 400, "invalid_json", None),
        ("text/plain body", "POST", "/api/orders", good, "text/plain", 415, "unsupported_media_type", None),
        ("no content type", "POST", "/api/orders", good, None, 415, "unsupported_media_type", None),
        ("body over ORDER_BODY_MAX", "POST", "/api/orders", '{"pad":"%s"}' % BIG, J, 413, "body_too_large", None),
        ("missing userId", "POST", "/api/orders", {"items": good["items"], "email": good["email"]}, J, 400,
         "missing_field", "userId"),
        ("userId zero", "POST", "/api/orders", dict(good, userId=0), J, 400, "invalid_field", "userId"),
        ("userId string", "POST", "/api/orders", dict(good, userId="1"), J, 400, "invalid_field", "userId"),
        ("userId fraction", "POST", "/api/orders", dict(good, userId=1.5), J, 400, "invalid_field", "userId"),
        ("items missing", "POST", "/api/orders", {"userId": 1, "email": good["email"]}, J, 400, "missing_field",
         "items"),
        ("items empty", "POST", "/api/orders", dict(good, items=[]), J, 400, "invalid_field", "items"),
        ("101 items", "POST", "/api/orders", dict(good, items=[item] * 101), J, 400, "invalid_field", "items"),
        ("item not an object", "POST", "/api/orders", dict(good, items=["SKU123"]), J, 400, "invalid_field",
         "items[0]"),
        ("sku missing", "POST", "/api/orders", dict(good, items=[{"quantity": 1, "price": 1}]), J, 400,
         "missing_field", "items[0].sku"),
        ("sku 65 characters", "POST", "/api/orders", dict(good, items=[dict(item, sku="A" * 65)]), J, 400,
         "invalid_field", "items[0].sku"),
        ("sku with a space", "POST", "/api/orders", dict(good, items=[dict(item, sku="SKU 1")]), J, 400,
         "invalid_field", "items[0].sku"),
        ("quantity zero", "POST", "/api/orders", dict(good, items=[dict(item, quantity=0)]), J, 400,
         "invalid_field", "items[0].quantity"),
        ("quantity 1001", "POST", "/api/orders", dict(good, items=[dict(item, quantity=1001)]), J, 400,
         "invalid_field", "items[0].quantity"),
        ("quantity string", "POST", "/api/orders", dict(good, items=[dict(item, quantity="2")]), J, 400,
         "invalid_field", "items[0].quantity"),
        ("negative price", "POST", "/api/orders", dict(good, items=[dict(item, price=-1)]), J, 400,
         "invalid_field", "items[0].price"),
        ("price string", "POST", "/api/orders", dict(good, items=[dict(item, price="50")]), J, 400,
         "invalid_field", "items[0].price"),
        ("total over 1e12 (100 lines x 1000 x 1e9)", "POST", "/api/orders",
         dict(good, items=[{"sku": "SKU%d" % i, "quantity": 1000, "price": 1e9} for i in range(100)]), J, 400,
         "invalid_field", "items"),
        ("price overflow", "POST", "/api/orders",
         '{"userId":1,"items":[{"sku":"SKU123","quantity":1,"price":1e400}],"email":"a@b.co"}', J, 400,
         "invalid_json", None),
        ("email missing", "POST", "/api/orders", {"userId": 1, "items": good["items"]}, J, 400, "missing_field",
         "email"),
        ("email implausible", "POST", "/api/orders", dict(good, email="nope"), J, 400, "invalid_field", "email"),
        ("email 300 characters", "POST", "/api/orders", dict(good, email="a" * 290 + "@example.com"), J, 400,
         "invalid_field", "email"),
        ("email header injection", "POST", "/api/orders", dict(good, email="a@b.co\r\nBcc: c@d.ee"), J, 400,
         "invalid_field", "email"),
        ("unknown path", "GET", "/api/nothing", None, None, 404, "not_found", None),
        ("GET /api/orders", "GET", "/api/orders", None, None, 405, "method_not_allowed", None),
        ("DELETE an order", "DELETE", "/api/orders/abc", None, None, 405, "method_not_allowed", None),
        ("order id not a UUID", "GET", "/api/orders/not-a-uuid", None, None, 404, "not_found", None),
        ("unknown order", "GET", "/api/orders/00000000-0000-4000-8000-000000000000", None, None, 404,
         "not_found", None),
    ]
    return cases


def status_for_announced_body(length):
    """Announces a body of length bytes, sends none, reads the status."""
    import socket
    import urllib.parse
    u = urllib.parse.urlsplit(GATEWAY)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(("POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Content-Length: %d\r\n\r\n" % length).encode())
        line = s.makefile("rb").readline().decode()
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else line


def test_bad_requests():
    for what, method, path, body, ctype, status, code, field in bad_requests():
        headers = {}
        if isinstance(body, dict):
            import json
            body = json.dumps(body)
        if ctype:
            headers["Content-Type"] = ctype
        r = request(method, GATEWAY + path, body, headers)
        e = r.error()
        cond = r.status == status and e.get("code") == code and isinstance(e.get("message"), str)
        if field is not None:
            cond = cond and e.get("field") == field
        ok(cond and r.headers.get("content-type", "").startswith("application/json"),
           "bad request: %s -> %d %s%s" % (what, status, code, " (%s)" % field if field else ""), r)
    r = post_order(order_body(), {"Idempotency-Key": "k" * 300})
    ok(r.status == 400 and r.error().get("field") == "Idempotency-Key", "bad request: Idempotency-Key too long", r)
    ok(status_for_announced_body(2 * 1024 * 1024) == 413,
       "bad request: a 2 MB body is refused with 413 before it is read")
    r = request("GET", GATEWAY + "/ready")
    ok(r.status == 200, "gateway still ready after the bad requests", r)


def test_idempotency():
    key = "test-" + secrets.token_hex(8)
    before = stock("SKU456")
    body = order_body(sku="SKU456", qty=3, price=4.0)
    r1 = post_order(body, {"Idempotency-Key": key})
    r2 = post_order(body, {"Idempotency-Key": key})
    ok(r1.status == 201, "idempotency: first request 201", r1)
    ok(r2.status == r1.status and r2.raw == r1.raw and r2.headers.get("location") == r1.headers.get("location"),
       "idempotency: the retry gets the first response", r2)
    ok(r2.headers.get("idempotent-replayed") == "true", "idempotency: the replay is marked", r2.headers)
    ok(stock("SKU456") == before - 3, "idempotency: stock reserved once")
    n = psql(ORDER_DB, "SELECT count(*) FROM orders WHERE id = '%s'" % r1.json.get("orderId"))
    ok(n == "1", "idempotency: one order created")
    r3 = post_order(order_body(sku="SKU456", qty=4, price=4.0), {"Idempotency-Key": key})
    ok(r3.status == 422 and r3.error().get("code") == "idempotency_key_reused",
       "idempotency: same key, other body -> 422", r3)
    ok(stock("SKU456") == before - 3, "idempotency: the refused request reserved nothing")
    key2 = "test-oos-" + secrets.token_hex(8)
    a = post_order(order_body(sku="OUT-OF-STOCK"), {"Idempotency-Key": key2})
    b = post_order(order_body(sku="OUT-OF-STOCK"), {"Idempotency-Key": key2})
    ok(a.status == 400 and b.status == 400 and a.raw == b.raw, "idempotency: an out-of-stock answer replays too", b)
    # Claims have owners. A fresh claim of someone else's: 409 in progress,
    # and it stays theirs. A stale one (its request crashed) is taken over:
    # the order goes through, its answer is stored by the new owner and
    # replayed.
    key3 = "test-stale-" + secrets.token_hex(8)
    body3 = order_body(sku="SKU456", qty=1, price=4.0)
    digest = hashlib.sha256(json.dumps(body3).encode()).hexdigest()
    psql(GATEWAY_DB, "INSERT INTO idempotency_keys (key, request_hash, state, owner) "
                     "VALUES ('%s', '%s', 'in_progress', 'res_someone')" % (key3, digest))
    c = post_order(body3, {"Idempotency-Key": key3})
    ok(c.status == 409 and c.error().get("code") == "request_in_progress"
       and psql(GATEWAY_DB, "SELECT owner || ' ' || state FROM idempotency_keys WHERE key = '%s'" % key3)
       == "res_someone in_progress", "idempotency: someone else's running claim answers 409 and stays theirs", c)
    psql(GATEWAY_DB, "UPDATE idempotency_keys SET updated_at = now() - interval '1 hour' WHERE key = '%s'" % key3)
    d = post_order(body3, {"Idempotency-Key": key3})
    e = post_order(body3, {"Idempotency-Key": key3})
    row = psql(GATEWAY_DB, "SELECT owner || ' ' || state FROM idempotency_keys WHERE key = '%s'" % key3)
    ok(d.status == 201 and e.status == 201 and e.raw == d.raw and e.headers.get("idempotent-replayed") == "true"
       and row.startswith("res_") and not row.startswith("res_someone") and row.endswith(" done"),
       "idempotency: a stale claim is taken over, its answer stored by the new owner and replayed", [d, e, row])


def test_compensation():
    """Order creation fails after the stock was reserved (a constraint makes
    the orders database refuse this user): the gateway answers 503 and the
    reservation is released."""
    user = 987654321
    psql(ORDER_DB, "ALTER TABLE orders DROP CONSTRAINT IF EXISTS e2e_block;"
                   "ALTER TABLE orders ADD CONSTRAINT e2e_block CHECK (user_id <> %d) NOT VALID" % user)
    try:
        before = stock("SKU789")
        reserved = psql(INVENTORY_DB, "SELECT count(*) FROM reservations WHERE state = 'reserved'")
        r = post_order(order_body(sku="SKU789", qty=2, user=user))
        ok(r.status in (502, 503) and r.error().get("code") in ("order_service_unavailable", "order_rejected"),
           "compensation: order creation failed -> 502/503 JSON error", r)
        ok(r.error().get("reservation") == "released" and "the reservation was released" in r.error().get("message", ""),
           "compensation: the answer says the reservation was released", r)
        ok(stock("SKU789") == before, "compensation: the reservation was released (stock unchanged)")
        ok(psql(INVENTORY_DB, "SELECT count(*) FROM reservations WHERE state = 'reserved'") == reserved,
           "compensation: no reservation left reserved")
        ok(psql(ORDER_DB, "SELECT count(*) FROM orders WHERE user_id = %d AND status = 'confirmed'" % user) == "0",
           "compensation: no confirmed order")
    finally:
        psql(ORDER_DB, "ALTER TABLE orders DROP CONSTRAINT IF EXISTS e2e_block")


def test_compensation_fails():
    """Order creation fails and so does the cancellation (the order service
    answers 503 to everything, through the settle and cancel windows): the
    answer must not claim the order failed nor that the reservation was
    released; it says the outcome is unknown and the stock held, and so does
    the inventory."""
    fault = os.path.join(TOP, "scripts", "fault.sh")
    before = stock("SKU789")
    subprocess.run([fault, "order-service", '{"error_percent":100,"error_status":503}'], check=True)
    try:
        r = post_order(order_body(sku="SKU789", qty=2, user=987654322))
    finally:
        subprocess.run([fault, "order-service", "clear"], check=True)
    err = r.error()
    ok(r.status == 503 and err.get("code") == "order_outcome_unknown",
       "failed compensation: 503 order_outcome_unknown (neither the create nor the cancel could be told)", r)
    ok(err.get("reservation") == "held" and "was released" not in err.get("message", ""),
       "failed compensation: the answer says the stock stays reserved, not that it was released", r)
    held = psql(INVENTORY_DB, "SELECT id FROM reservations WHERE state = 'reserved' AND items @> "
                "'[{\"sku\": \"SKU789\", \"quantity\": 2}]' AND created_at > now() - interval '1 minute'"
                " ORDER BY created_at DESC LIMIT 1")
    ok(held != "" and stock("SKU789") == before - 2, "failed compensation: the inventory holds the 2 units, as answered",
       (held, stock("SKU789"), before))
    if held:
        request("POST", INVENTORY + "/v1/reservations/%s/release" % held)
    ok(stock("SKU789") == before, "failed compensation: released by hand afterwards (test cleanup)")


def test_internal_bounds():
    """Every string of the internal contracts is bounded, as the public ones are."""
    big = "X" * 10240
    note = {"orderId": "o1", "email": "a@b.co", "total": 1, "currency": "USD",
            "items": [{"sku": "SKU123", "quantity": 1, "price": 1}]}
    for field, value in [("currency", big), ("currency", "usd"), ("orderId", big), ("total", 1e13),
                         ("items", []), ("items", [{"sku": big, "quantity": 1, "price": 1}])]:
        r = request("POST", NOTIFICATION + "/v1/notifications", dict(note, **{field: value}))
        ok(r.status == 400 and r.error().get("field") == field,
           "notification: %s %s is a JSON 400 naming it" % (field, json.dumps(value)[:20]), r)
    order = {"reservationId": "res_e2e_" + secrets.token_hex(6), "userId": 1, "email": "a@b.co",
             "items": [{"sku": "SKU123", "quantity": 1, "price": 1}], "traceId": big}
    r = request("POST", ORDERS + "/v1/orders", order)
    ok(r.status == 400 and r.error().get("field") == "traceId", "orders: a 10 KB traceId is a JSON 400", r)
    r = request("POST", ORDERS + "/v1/orders", dict(order, reservationId=big, traceId=""))
    ok(r.status == 400 and r.error().get("field") == "reservationId", "orders: a 10 KB reservationId is a JSON 400", r)
    r = request("POST", INVENTORY + "/v1/reservations", {"reservationId": big, "items": [{"sku": "SKU123", "quantity": 1}]})
    ok(r.status == 400, "inventory: a 10 KB reservationId is a JSON 400", r)


def test_race():
    sku = "RACE-" + secrets.token_hex(4).upper()
    psql(INVENTORY_DB, "INSERT INTO stock (sku, name, available) VALUES ('%s', 'race test', 50)" % sku)
    body = order_body(sku=sku, qty=1, price=1.0)

    def one(_):
        try:
            return post_order(body, timeout=60).status
        except Exception as e:
            return repr(e)

    with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(one, range(200)))
    won = results.count(201)
    lost = results.count(400)
    ok(won == 50, "race: exactly 50 of 200 concurrent orders succeed on 50 units (got %d)" % won,
       {s: results.count(s) for s in set(results)})
    ok(lost == 150, "race: the other 150 are out of stock (got %d)" % lost)
    ok(stock(sku) == 0, "race: stock ends at 0, never negative (got %s)" % stock(sku))


def test_release_racing_reserve():
    """A release that arrives while the reservation of the same id is still
    being committed (inventory's group commit holds it in a transaction)
    waits for it and gives the stock back. Before, the release saw no row,
    its tombstone insert waited and then did nothing, it answered
    not_reserved, and the stock stayed held until the gateway's sweeper."""
    sku = "RELRACE-" + secrets.token_hex(4).upper()
    psql(INVENTORY_DB, "INSERT INTO stock (sku, name, available) VALUES ('%s', 'release race', 10)" % sku)
    rid = "res_" + secrets.token_hex(16)
    held = subprocess.Popen([os.path.join(TOP, "scripts", "pg.sh"), "psql", INVENTORY_DB, "-At", "-q",
                             "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    held.stdin.write("BEGIN;\nSELECT status FROM reserve_stock('%s', ARRAY['%s'], ARRAY[3]);\n"
                     "SELECT pg_sleep(1.5);\nCOMMIT;\n" % (rid, sku))
    held.stdin.close()
    time.sleep(0.5)
    t0 = time.time()
    answer = psql(INVENTORY_DB, "SELECT release_reservation('%s')" % rid)
    waited = time.time() - t0
    out = held.stdout.read()
    held.wait(10)
    state = psql(INVENTORY_DB, "SELECT state FROM reservations WHERE id = '%s'" % rid)
    ok("reserved" in out and answer == "released" and state == "released" and stock(sku) == 10,
       "release racing an uncommitted reservation: it waits (%.1f s), releases it, the stock is back" % waited,
       (out, answer, state, stock(sku)))


def test_health():
    for name, base in [("api-gateway", GATEWAY), ("inventory-service", INVENTORY), ("order-service", ORDERS),
                       ("notification-service", env("NOTIFICATION_URL", "http://127.0.0.1:8083"))]:
        h = request("GET", base + "/health")
        r = request("GET", base + "/ready")
        ok(h.status == 200 and h.json.get("service") == name and r.status == 200 and r.json.get("status") == "ready",
           "%s: /health and /ready answer 200" % name, "%r %r" % (h, r))


def test_internal_contracts():
    r = request("GET", INVENTORY + "/v1/stock/SKU123")
    ok(r.status == 200 and isinstance(r.json.get("available"), int), "inventory: stock lookup", r)
    r = request("GET", INVENTORY + "/v1/stock/NOPE-NOPE")
    ok(r.status == 404 and r.error().get("code") == "unknown_sku", "inventory: unknown sku 404", r)
    rid = "res_e2e_" + secrets.token_hex(6)
    r = request("POST", INVENTORY + "/v1/reservations", {"reservationId": rid, "items": [{"sku": "SKU123", "quantity": 1}]})
    ok(r.status == 201 and r.json.get("status") == "reserved", "inventory: reserve", r)
    r2 = request("POST", INVENTORY + "/v1/reservations", {"reservationId": rid, "items": [{"sku": "SKU123", "quantity": 1}]})
    ok(r2.status == 200, "inventory: the same reservation again is 200, not a second one", r2)
    r3 = request("POST", INVENTORY + "/v1/reservations/%s/release" % rid)
    r4 = request("POST", INVENTORY + "/v1/reservations/%s/release" % rid)
    ok(r3.status == 200 and r3.json.get("status") == "released" and r4.json.get("status") == "not_reserved",
       "inventory: release once, then a no-op", "%r %r" % (r3, r4))
    r5 = request("POST", INVENTORY + "/v1/reservations", {"reservationId": rid, "items": [{"sku": "SKU123", "quantity": 1}]})
    ok(r5.status == 409 and r5.error().get("code") == "reservation_conflict",
       "inventory: a released reservation id cannot reserve again", r5)

    # The sweeper's queries: held reservations behind a cursor, orders of ids.
    rid2 = "res_e2e_" + secrets.token_hex(6)
    request("POST", INVENTORY + "/v1/reservations", {"reservationId": rid2, "items": [{"sku": "SKU123", "quantity": 1}]})
    cursor, pages, seen, ordered = (int((time.time() - 120) * 1e6), ""), 0, False, True
    while pages < 50 and not seen:
        r = request("POST", INVENTORY + "/v1/reservations/held",
                    {"afterUs": cursor[0], "afterId": cursor[1], "olderThanS": 0, "limit": 200})
        page = r.json.get("reservations", []) if r.status == 200 else []
        keys = [(x["createdUs"], x["id"]) for x in page]
        ordered = ordered and keys == sorted(keys) and all(k > cursor for k in keys)
        seen = rid2 in [x["id"] for x in page]
        if not page:
            break
        cursor, pages = keys[-1], pages + 1
    ok(seen and ordered, "inventory: held reservations listed page by page behind a cursor, oldest first "
       "(found ours on page %d)" % (pages + 1))
    young = request("POST", INVENTORY + "/v1/reservations/held",
                    {"afterUs": int((time.time() - 120) * 1e6), "afterId": "", "olderThanS": 3600, "limit": 1000})
    ok(young.status == 200 and rid2 not in [x["id"] for x in young.json["reservations"]],
       "inventory: a reservation younger than olderThanS is not listed", young)
    request("POST", INVENTORY + "/v1/reservations/%s/release" % rid2)
    for body in ({"afterUs": -1, "afterId": "", "olderThanS": 0, "limit": 1},
                 {"afterUs": 0, "afterId": "", "olderThanS": 0, "limit": 1001}, {"afterUs": 0}, []):
        r = request("POST", INVENTORY + "/v1/reservations/held", body)
        ok(r.status == 400 and r.error().get("code") in ("invalid_field", "invalid_json"),
           "inventory: held listing refuses %s with a JSON 400" % json.dumps(body), r)
    o = post_order(order_body())
    known = request("POST", ORDERS + "/v1/orders/lookup", {"reservationIds": [rid, "res_e2e_none_" + secrets.token_hex(4)]})
    ok(o.status == 201 and known.status == 200 and known.json.get("orders") == {},
       "orders: lookup leaves out reservations with no order", known)
    oid = o.json.get("orderId") if o.json else None
    g = request("GET", ORDERS + "/v1/orders/%s" % oid)
    res = g.json.get("reservationId") if g.json else None
    found = request("POST", ORDERS + "/v1/orders/lookup", {"reservationIds": [res]})
    ok(res and found.status == 200 and found.json.get("orders") == {res: "confirmed"},
       "orders: lookup finds the order of a reservation, with its status", (g, found))
    for body in ({"reservationIds": []}, {"reservationIds": [1]}, {"reservationIds": ["x" * 80]},
                 {"reservationIds": ["a"] * 1001}, {}):
        r = request("POST", ORDERS + "/v1/orders/lookup", body)
        ok(r.status == 400 and r.error().get("code") == "invalid_field",
           "orders: lookup refuses %.60s with a JSON 400" % json.dumps(body), r)


def test_header_timeout():
    # A request head that never ends: Kore answers 408 once http_header_timeout
    # (10 s in the dev config) has passed, not whenever the worker next wakes.
    u = urllib.parse.urlsplit(GATEWAY)
    s = socket.create_connection((u.hostname, u.port), timeout=5)
    s.sendall(b"POST /api/orders HTTP/1.1\r\nHost: x\r\n")
    t0 = time.time()
    s.settimeout(30)
    try:
        got = s.recv(200)
    except OSError as e:
        got = repr(e).encode()
    finally:
        s.close()
    took = time.time() - t0
    ok(got.startswith(b"HTTP/1.1 408") and 9 <= took < 13,
       "a half-sent request head gets 408 after http_header_timeout (%.1f s)" % took, got)


if __name__ == "__main__":
    sys.exit(run([test_health, test_happy_path, test_multi_item_total, test_trace_context, test_out_of_stock,
                  test_bad_requests, test_idempotency, test_compensation, test_compensation_fails,
                  test_internal_contracts, test_internal_bounds, test_race, test_release_racing_reserve,
                  test_header_timeout]))
