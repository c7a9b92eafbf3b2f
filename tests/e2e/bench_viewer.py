#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The web trace viewer's benchmark (make bench): one trace of 5,000 spans
(viewer_data.big_trace: 8 services, 12 levels, attributes, events, errors)
posted to the running Jaeger, then opened in headless chromium (cdp.py):
the time until its first rows are drawn and usable, loading the page cold
and from inside the page, then the time per frame while scrolling and per
key press. Prints figure lines, no verdict; the goal is 1 s."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402
import viewer_data  # noqa: E402


def env(name, default):
    return os.environ.get(name) or default


def main():
    n = int(env("VIEWER_BENCH_SPANS", "5000"))
    host = env("JAEGER_HOST", "127.0.0.1")
    query = env("JAEGER_QUERY_URL", "http://%s:%s" % (host, env("JAEGER_QUERY_PORT", "16686")))
    otlp = "http://%s:%s" % (host, env("JAEGER_OTLP_HTTP_PORT", "4318"))
    if not cdp.find_chromium():
        print("   viewer: skipped (no chromium: scripts/deps.sh installs it)")
        return 0
    tid = viewer_data.post(otlp, viewer_data.big_trace(n))
    import urllib.request
    import json
    deadline = time.time() + 60
    have = 0
    while time.time() < deadline:
        try:
            with urllib.request.urlopen("%s/api/traces/%s" % (query, tid), timeout=30) as r:
                have = len(json.load(r)["data"][0]["spans"])
        except Exception:
            have = 0
        if have >= n:
            break
        time.sleep(0.5)
    if have < n:
        print("   viewer: skipped (Jaeger holds %d of the %d spans after 60 s)" % (have, n))
        return 0
    b = cdp.Browser(1280, 800)
    try:
        cold = []
        for _ in range(3):
            b.navigate("about:blank")
            b.navigate("%s/trace/%s" % (query, tid))
            v = b.wait_for("document.querySelectorAll('.tl-row').length > 0 && performance.now()", 30, 0.005)
            if v:
                cold.append(v)
        warm = []
        for _ in range(3):
            b.evaluate("window.__t0 = performance.now(); history.pushState(null, '', '/search'); "
                       "dispatchEvent(new PopStateEvent('popstate')); 1")
            b.wait_for("!!document.getElementById('f-service')", 15, 0.01)
            b.evaluate("window.__t0 = performance.now(); history.pushState(null, '', '/trace/%s'); "
                       "dispatchEvent(new PopStateEvent('popstate')); 1" % tid)
            v = b.wait_for("document.querySelectorAll('.tl-row').length > 0 && (performance.now() - window.__t0)",
                           30, 0.005)
            if v:
                warm.append(v)
        rows = b.evaluate("document.querySelectorAll('.tl-row').length")
        scroll = b.evaluate("""(async () => {
            const sc = document.getElementById('span-tree'), t = performance.now();
            for (let i = 1; i <= 100; i++) {
                sc.scrollTop = (i * 1237) % sc.scrollHeight;
                await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
            }
            return (performance.now() - t) / 100; })()""")
        keys = b.evaluate("""(async () => {
            const sc = document.getElementById('span-tree'); sc.focus();
            const t = performance.now();
            for (let i = 0; i < 100; i++) {
                sc.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}));
                await new Promise(r => requestAnimationFrame(r));
            }
            return (performance.now() - t) / 100; })()""")
    finally:
        b.close()
    med = lambda v: sorted(v)[len(v) // 2] if v else float("nan")  # noqa: E731
    print("   viewer: a %d-span trace usable (first rows drawn) %.0f ms after a cold page load, "
          "%.0f ms from inside the page (median of 3; goal 1 s); %d rows in the DOM of %d"
          % (n, med(cold), med(warm), rows or 0, n))
    print("   viewer: scrolling %.1f ms a frame (two frames a step), a key press %.1f ms (one frame)"
          % (scroll, keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
