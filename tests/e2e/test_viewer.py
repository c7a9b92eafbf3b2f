#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end test of the web trace viewer (viewer/) served by the real
Jaeger's query on JAEGER_QUERY_PORT, in Debian's headless chromium driven
over the DevTools protocol (cdp.py): the page is ours and says so; search
finds the two example orders (placed here through the gateway, as the
README's curl commands do); the out-of-stock order's trace page shows its
spans with the inventory span marked as an error; its critical path and self
times equal `bin/tracectl show --json`'s; keyboard and detail pane; compare,
dependencies and monitor show the expected services; an unknown trace id, a
malformed id, Jaeger unreachable and a malformed file each get their
message; a file opens without the backend; the layout holds at 1280x800 and
narrow. Screenshots go to $RUN_DIR/viewer/ (look at them);
VIEWER_README_SHOT=1 also copies the trace page's to docs/viewer.png.

Against a Jaeger without the services in front of it (a developer's own,
on other ports): VIEWER_FEED=otlp posts traces of the same shape to
JAEGER_OTLP_HTTP_PORT instead of placing orders. Prints TAP."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from tap import GATEWAY, TOP, env, ok, order_body, post_order, run, skip

JAEGER = env("JAEGER_QUERY_URL", "http://%s:%s" % (env("JAEGER_HOST", "127.0.0.1"),
                                                   env("JAEGER_QUERY_PORT", "16686")))
OTLP_HTTP = "http://%s:%s" % (env("JAEGER_HOST", "127.0.0.1"), env("JAEGER_OTLP_HTTP_PORT", "4318"))
RUN_DIR = env("RUN_DIR", os.path.join(TOP, ".run"))
if not os.path.isabs(RUN_DIR):
    RUN_DIR = os.path.join(TOP, RUN_DIR)
SHOTS = env("VIEWER_SHOTS", os.path.join(RUN_DIR, "viewer"))
TRACECTL = os.path.join(TOP, "bin", "tracectl")
TRACE_WAIT = 120 if env("STACK", "single") == "scale" else 30

B = None            # the browser
IDS = {}            # "ok" / "oos" -> trace id
FEED = env("VIEWER_FEED", "gateway")


def get_json(path, timeout=10):
    try:
        with urllib.request.urlopen(JAEGER + path, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"null")
        except ValueError:
            return e.code, None
    except (OSError, ValueError):
        return 0, None


def spans_in_jaeger(tid):
    st, js = get_json("/api/traces/" + tid)
    if st == 200 and js and js.get("data"):
        return len(js["data"][0]["spans"])
    return 0


def wait_whole(tid, want):
    """Waits until Jaeger has at least want spans of the trace and the
    count held still for a second; returns the count."""
    deadline = time.time() + TRACE_WAIT
    last, since = -1, time.time()
    while time.time() < deadline:
        n = spans_in_jaeger(tid)
        if n != last:
            last, since = n, time.time()
        elif n >= want and time.time() - since >= 1.0:
            return n
        time.sleep(0.3)
    return last


def shot(name):
    os.makedirs(SHOTS, exist_ok=True)
    p = os.path.join(SHOTS, name + ".png")
    try:
        B.screenshot(p)
        print("# screenshot: %s" % p)
    except Exception as e:  # a failed screenshot is not a failed check
        print("# screenshot %s failed: %s" % (name, e))
    return p


def goto(path):
    """Loads a page of the viewer afresh."""
    B.navigate(JAEGER + path)
    B.wait_for("document.readyState === 'complete' && !document.querySelector('main > .loading')", 20)


def js(expr):
    return B.evaluate(expr)


def press(key, code=None):
    text = key if len(key) == 1 else ""
    B.call("Input.dispatchKeyEvent", {"type": "keyDown", "key": key, "code": code or key, "text": text})
    B.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code or key})


# --- setup -------------------------------------------------------------------

def test_setup():
    global FEED
    if FEED != "otlp":
        try:
            r = post_order(order_body(sku="SKU123", qty=2, price=50.0))
            IDS["ok"] = (r.json or {}).get("traceId", "")
            ok(r.status == 201 and IDS["ok"], "the first example order is placed: 201 (%s)" % IDS.get("ok"), r)
            r = post_order(order_body(sku="OUT-OF-STOCK", qty=1, price=25.0))
            IDS["oos"] = r.error().get("traceId", "")
            ok(r.status == 400 and IDS["oos"], "the out-of-stock order is refused: 400 (%s)" % IDS.get("oos"), r)
        except OSError as e:
            if FEED == "gateway":
                ok(False, "the gateway at %s takes orders" % GATEWAY, e)
                return
            FEED = "otlp"
    if FEED == "otlp":
        import viewer_data
        IDS["ok"] = viewer_data.post(OTLP_HTTP, viewer_data.order_trace(False))
        IDS["oos"] = viewer_data.post(OTLP_HTTP, viewer_data.order_trace(True))
        ok(True, "two traces of the example orders' shape posted to %s (VIEWER_FEED=otlp)" % OTLP_HTTP)
    n_ok = wait_whole(IDS["ok"], 11 if FEED == "otlp" else 12)
    n_oos = wait_whole(IDS["oos"], 4 if FEED == "otlp" else 5)
    ok(n_ok > 0 and n_oos > 0, "both traces are in Jaeger (%d and %d spans)" % (n_ok, n_oos))


def test_served_by_jaeger():
    req = urllib.request.Request(JAEGER + "/search")
    with urllib.request.urlopen(req, timeout=10) as r:
        html = r.read().decode()
    ok("Trace viewer" in html and "Jaeger UI" not in html and "static/app.js" in html,
       "Jaeger's query serves the viewer's index.html at /search (not Jaeger UI, not the placeholder)",
       html[:400])
    ok("DEFAULT_VERSION;" not in html.split("DEFAULT_STORAGE_CAPABILITIES = null;")[-1],
       "Jaeger injected its version into index.html", html[:800])
    with urllib.request.urlopen(JAEGER + "/static/app.js", timeout=10) as r:
        ctype = r.headers.get("Content-Type", "")
    ok("javascript" in ctype, "/static/app.js is served as JavaScript (%s)" % ctype)
    goto("/search")
    title = js("document.title")
    ok(title and "Trace viewer" in title, "the page title says what it is: %r" % title)


# --- search -----------------------------------------------------------------

def test_search():
    goto("/search?service=api-gateway&lookback=1h&limit=100")
    sel = " && ".join("!!document.querySelector('.result[data-trace-id=\"%s\"]')" % IDS[k] for k in ("ok", "oos"))
    found = B.wait_for(sel, 20) is not None
    if not found:  # a slow store: search again once
        time.sleep(3)
        goto("/search?service=api-gateway&lookback=1h&limit=100")
        found = B.wait_for(sel, 20) is not None
    shot("search")
    ok(found, "search for api-gateway lists both example orders",
       js("document.getElementById('main').innerText.slice(0, 800)"))
    oos = js("(() => { const r = document.querySelector('.result[data-trace-id=\"%s\"]'); return r && r.innerText; })()"
             % IDS["oos"]) or ""
    ok("error" in oos and "inventory-service" in oos, "the out-of-stock result shows its error and services", oos)
    pts = js("[...document.querySelectorAll('circle.pt')].map(c => c.dataset.traceId)") or []
    ok(IDS["ok"] in pts and IDS["oos"] in pts, "the scatter plot has a point for each order")
    # The point opens the trace.
    js("document.querySelector('circle.pt[data-trace-id=\"%s\"]').dispatchEvent(new MouseEvent('click', {bubbles: true}))"
       % IDS["oos"])
    ok(B.wait_for("location.pathname === '/trace/%s' && document.querySelectorAll('.tl-row').length > 0" % IDS["oos"], 15),
       "a scatter point opens its trace")
    # Tags and the whole-trace error filter.
    goto("/search?service=api-gateway&lookback=1h&limit=100&errors=true&tags=%s" %
         urllib.parse.quote(json.dumps({"order.outcome": "out_of_stock"})))
    B.wait_for("document.querySelector('.result, [data-notice]')", 20)
    ids = js("[...document.querySelectorAll('.result')].map(r => r.dataset.traceId)") or []
    ok(IDS["oos"] in ids and IDS["ok"] not in ids,
       "tag order.outcome=out_of_stock with 'an error anywhere in the trace' keeps the out-of-stock order only",
       ids[:10])
    ok(js("document.getElementById('f-tags').value") == "order.outcome=out_of_stock",
       "the tags from the URL are in the form as key=value")
    # Sort by duration: longest first.
    js("const s = document.getElementById('sort'); s.value = 'duration'; s.dispatchEvent(new Event('change')); 1")
    goto("/search?service=api-gateway&lookback=1h&limit=100&sort=duration")
    B.wait_for("document.querySelectorAll('.result').length > 1", 15)
    durs = js("[...document.querySelectorAll('.result')].length")
    ok(durs and durs > 1, "sorting by duration keeps the list (%s results)" % durs)
    # No result: says what was searched.
    goto("/search?service=api-gateway&lookback=1h&limit=20&tags=%s" %
         urllib.parse.quote(json.dumps({"no.such.tag": "nothing"})))
    msg = B.wait_for("(() => { const n = document.querySelector('[data-notice=empty]'); return n && n.innerText; })()", 20) or ""
    ok("No trace found" in msg and "no.such.tag=nothing" in msg and "api-gateway" in msg,
       "a search without result says what was searched", msg)


# --- trace page ----------------------------------------------------------------

def tracectl_show(tid):
    if not os.access(TRACECTL, os.X_OK):
        return None
    r = subprocess.run([TRACECTL, "show", "--json", tid], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, TRACECTL_JAEGER_URL=JAEGER, NO_COLOR="1"))
    return json.loads(r.stdout) if r.returncode == 0 else None


def test_trace_page():
    tid = IDS["oos"]
    goto("/trace/" + tid)
    B.wait_for("document.querySelectorAll('.tl-row').length > 0", 20)
    rows = js("[...document.querySelectorAll('.tl-row')].map(r => ({id: r.dataset.spanId, svc: r.dataset.service, "
              "name: r.querySelector('.op').textContent, err: r.dataset.error === 'true', "
              "cp: +r.dataset.criticalUs, self: +r.dataset.selfUs}))") or []
    n = spans_in_jaeger(tid)
    ok(len(rows) == n and n > 0, "the out-of-stock trace page draws each of its %d spans" % n, rows)
    inv = [r for r in rows if r["svc"] == "inventory-service" and r["name"] == "POST /v1/reservations"]
    ok(inv and inv[0]["err"], "the inventory span POST /v1/reservations is marked as an error", inv)
    ok(js("!!document.querySelector('.tl-row.is-error .err-mark')"), "the error span carries the error mark")
    ok(all(not r["err"] for r in rows if r not in inv) or FEED != "otlp", "only the error spans are marked")
    want = tracectl_show(tid)
    if want is None:
        skip("critical path equals tracectl show --json's", "bin/tracectl missing or failed")
    else:
        exp = {s["spanId"]: (s["criticalUs"], s["selfUs"]) for s in want["spans"]}
        got = {r["id"]: (r["cp"], r["self"]) for r in rows}
        ok(exp == got, "critical path and self time of every span equal tracectl show --json's",
           "viewer %s\ntracectl %s" % (got, exp))
        cp_page = js("document.getElementById('fact-cp').textContent")
        ok(cp_page and all(s in cp_page for s in {x["service"] for x in want["spans"] if x["criticalUs"] > 0}),
           "the header names the services on the critical path: %s" % cp_page)
    # Detail pane, through the keyboard: e jumps to the error span.
    js("document.getElementById('span-tree').focus(); 1")
    press("Home")
    # e goes from error span to error span, in tree order: on the real
    # stack the gateway's client span of the reservation comes first.
    det = ""
    for _ in range(3):
        press("e", "KeyE")
        det = B.wait_for("(() => { const d = document.getElementById('span-detail'); "
                         "return d && d.innerText.includes('inventory-service') && d.innerText; })()", 2) or ""
        if det:
            break
    ok("inventory-service: POST /v1/reservations" in det and "out of stock" in det.lower(),
       "keyboard 'e' selects the error span; its detail shows the status", det[:600])
    ok(js("document.getElementById('span-tree').getAttribute('aria-activedescendant') === "
          "document.querySelector('.tl-row.selected').id"), "the tree's active descendant is the selected row")
    if FEED != "otlp":
        ok("out_of_stock" in det, "the detail lists the span's events (out_of_stock)", det[:600])
    shot("trace-out-of-stock")
    # Find in the trace.
    js("const f = document.getElementById('trace-find'); f.value = 'reserv'; f.dispatchEvent(new Event('input')); 1")
    cnt = B.wait_for("document.getElementById('find-count').textContent", 5) or ""
    ok("of" in cnt or "match" in cnt, "find in trace counts its matches: %r" % cnt)
    # Folding: collapse all leaves only the top rows.
    js("[...document.querySelectorAll('.trace-tools button')].find(b => b.textContent === 'Collapse all').click(); 1")
    folded = js("document.querySelectorAll('.tl-row').length")
    js("[...document.querySelectorAll('.trace-tools button')].find(b => b.textContent === 'Expand all').click(); 1")
    ok(folded is not None and folded < len(rows), "collapse all folds the tree (%s of %d rows)" % (folded, len(rows)))
    # The whole order, for the README.
    goto("/trace/" + IDS["ok"])
    B.wait_for("document.querySelectorAll('.tl-row').length > 5", 20)
    js("document.querySelectorAll('.tl-row')[2].click(); 1")
    time.sleep(0.3)
    p = shot("trace-order")
    want = tracectl_show(IDS["ok"])
    if want is not None:
        got = js("Object.fromEntries([...document.querySelectorAll('.tl-row')].map(r => [r.dataset.spanId, +r.dataset.criticalUs]))")
        ok(got == {s["spanId"]: s["criticalUs"] for s in want["spans"]},
           "the confirmed order's critical path equals tracectl show --json's too")
    if env("VIEWER_README_SHOT", "") == "1":
        os.makedirs(os.path.join(TOP, "docs"), exist_ok=True)
        shutil.copy(p, os.path.join(TOP, "docs", "viewer.png"))
        print("# copied to docs/viewer.png")


def test_bad_ids():
    goto("/trace/0123456789abcdef0123456789abcdef")
    msg = B.wait_for("(() => { const n = document.querySelector('[data-notice=error]'); return n && n.innerText; })()", 15) or ""
    ok("Trace not found" in msg and "0123456789abcdef0123456789abcdef" in msg, "an unknown trace id gets its message", msg)
    shot("trace-unknown")
    goto("/trace/not-a-trace")
    msg = B.wait_for("(() => { const n = document.querySelector('[data-notice=error]'); return n && n.innerText; })()", 15) or ""
    ok("Not a trace id" in msg, "a malformed trace id gets its message", msg)


def test_unreachable():
    goto("/search")
    B.wait_for("document.getElementById('f-service')", 15)
    B.call("Network.enable")
    B.call("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1,
                                                "uploadThroughput": -1})
    try:
        js("history.pushState(null, '', '/dependencies'); dispatchEvent(new PopStateEvent('popstate')); 1")
        msg = B.wait_for("(() => { const n = document.querySelector('[data-notice=error]'); return n && n.innerText; })()", 15) or ""
        ok("unreachable" in msg and "Retry" in msg, "Jaeger unreachable: the page says so and offers a retry", msg)
        shot("unreachable")
    finally:
        B.call("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                    "uploadThroughput": -1})
    js("[...document.querySelectorAll('button')].find(b => b.textContent === 'Retry').click(); 1")
    ok(B.wait_for("document.querySelector('#dep-table, [data-notice=empty]')", 15),
       "Retry loads the page once Jaeger answers again")


# --- compare, dependencies, monitor, open -----------------------------------

def test_compare():
    goto("/trace/%s...%s" % (IDS["ok"], IDS["oos"]))
    B.wait_for("document.getElementById('compare-table')", 20)
    svcs = set(js("[...document.querySelectorAll('#compare-table tbody tr')].map(r => r.dataset.service)") or [])
    text = js("document.getElementById('main').innerText") or ""
    ok({"api-gateway", "inventory-service", "order-service", "notification-service"} <= svcs,
       "compare lists the operations of the four services", svcs)
    ok("A only" in text and "in A only" in text, "compare marks the operations the out-of-stock order lacks", text[:500])
    shot("compare")


def test_dependencies():
    st, dep = get_json("/api/dependencies?endTs=%d&lookback=%d" % (time.time() * 1000, 3600 * 1000))
    goto("/dependencies")
    B.wait_for("document.querySelector('#dep-table, [data-notice]')", 20)
    shot("dependencies")
    if not (dep and dep.get("data")):
        skip("dependencies show the services", "Jaeger derives no dependencies from this storage (%s)" % st)
        return
    names = set(js("[...document.querySelectorAll('.node')].map(n => n.dataset.service)") or [])
    ok({"api-gateway", "inventory-service", "order-service", "notification-service"} <= names,
       "the dependency graph shows the four services", names)
    calls = js("[...document.querySelectorAll('#dep-table tbody tr')].map(r => r.innerText)") or []
    ok(any("api-gateway" in c and "inventory-service" in c for c in calls),
       "the table lists api-gateway calling inventory-service with its count", calls)


def test_monitor():
    q = "/api/metrics/calls?service=api-gateway&groupByOperation=true&endTs=%d&lookback=1800000&step=15000&ratePer=60000"
    deadline = time.time() + (40 if FEED != "otlp" else 5)
    st, m = get_json(q % (time.time() * 1000))
    while st == 200 and not (m or {}).get("metrics") and time.time() < deadline:
        time.sleep(2)
        st, m = get_json(q % (time.time() * 1000))
    goto("/monitor?service=api-gateway&minutes=30")
    B.wait_for("document.querySelector('#monitor-table, [data-notice]')", 30)
    shot("monitor")
    text = js("document.getElementById('main').innerText") or ""
    if st != 200:
        ok("not configured" in text or "Metrics" in text,
           "monitor without a metrics store says so (/api/metrics answered %s)" % st, text[:400])
        return
    if not m.get("metrics"):
        skip("monitor shows api-gateway's operations", "no span metrics reached Prometheus in time")
        return
    ops = js("[...document.querySelectorAll('#monitor-table tbody tr')].map(r => r.dataset.operation)") or []
    ok(ops, "monitor lists api-gateway's operations with rate, errors and latencies", text[:600])
    ok(js("document.querySelectorAll('.chart polyline').length") >= 3, "monitor draws rate, error and latency charts")


def set_file(selector, path):
    doc = B.call("DOM.getDocument")
    node = B.call("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": selector})
    B.call("DOM.setFileInputFiles", {"files": [path], "nodeId": node["nodeId"]})


def test_open_file():
    d = tempfile.mkdtemp(prefix="viewer-file-")
    try:
        with urllib.request.urlopen(JAEGER + "/api/v3/traces/" + IDS["ok"], timeout=10) as r:
            otlp = r.read()
        good = os.path.join(d, "order.otlp.json")
        open(good, "wb").write(otlp)
        bad = os.path.join(d, "broken.json")
        open(bad, "w").write('{"data": [{"spans": [')
        goto("/open")
        B.wait_for("document.getElementById('open-file')", 10)
        set_file("#open-file", bad)
        msg = B.wait_for("(() => { const n = document.querySelector('[data-notice=error]'); return n && n.innerText; })()", 10) or ""
        ok("not a trace file" in msg and "not valid JSON" in msg, "a malformed file gets its message", msg)
        set_file("#open-file", good)
        n = B.wait_for("document.querySelectorAll('.tl-row').length", 10)
        ok(n and n == spans_in_jaeger(IDS["ok"]), "an OTLP JSON file opens as a trace page without the backend (%s rows)" % n)
        ok("file" in (js("document.querySelector('.trace-head').innerText") or ""), "the page says the trace is read from the file")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_layout_and_a11y():
    goto("/trace/" + IDS["ok"])
    B.wait_for("document.querySelectorAll('.tl-row').length > 0", 20)
    unlabeled = js("[...document.querySelectorAll('input, select, button')].filter(e => !(e.labels && e.labels.length) "
                   "&& !e.getAttribute('aria-label') && !e.textContent.trim() && e.type !== 'hidden').map(e => e.outerHTML)")
    ok(unlabeled == [], "every control of the trace page has a label", unlabeled)
    ok(js("document.querySelector('[role=tree] [role=treeitem][aria-level]') !== null"), "the span tree has tree roles")
    wide = js("document.documentElement.scrollWidth <= innerWidth + 1")
    ok(wide, "no horizontal scrolling at 1280x800")
    B.set_size(600, 900)
    try:
        time.sleep(0.4)
        narrow = js("document.documentElement.scrollWidth <= innerWidth + 1 && "
                    "document.querySelectorAll('.tl-row').length > 0")
        shot("trace-narrow")
        ok(narrow, "the trace page fits a 600 px wide window")
        goto("/search?service=api-gateway&lookback=1h&limit=20")
        B.wait_for("document.querySelector('.result')", 15)
        ok(js("document.documentElement.scrollWidth <= innerWidth + 1"), "the search page fits a 600 px wide window")
        shot("search-narrow")
    finally:
        B.set_size(1280, 800)
    goto("/search")
    B.wait_for("document.getElementById('f-service')", 15)
    unlabeled = js("[...document.querySelectorAll('main input, main select')].filter(e => !(e.labels && e.labels.length) "
                   "&& !e.getAttribute('aria-label')).map(e => e.outerHTML)")
    ok(unlabeled == [], "every field of the search form has a label", unlabeled)


def main():
    global B
    import cdp
    st, _ = get_json("/api/services")
    if st != 200:
        ok(False, "Jaeger's query API answers at %s" % JAEGER, "HTTP %s" % st)
        print("1..1")
        return 1
    if not cdp.find_chromium():
        ok(False, "chromium is installed (Debian package chromium; scripts/deps.sh)")
        print("1..1")
        return 1
    try:
        B = cdp.Browser(1280, 800)
    except cdp.CDPError as e:
        ok(False, "headless chromium starts", e)
        print("1..1")
        return 1
    try:
        rc = run([test_setup, test_served_by_jaeger, test_search, test_trace_page, test_bad_ids, test_compare,
                  test_dependencies, test_monitor, test_open_file, test_unreachable, test_layout_and_a11y])
        if B.console:
            print("# browser console:")
            for line in B.console[:30]:
                print("#   " + line[:300])
        return rc
    finally:
        B.close()


if __name__ == "__main__":
    sys.exit(main())
