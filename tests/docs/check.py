#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check.py: the docs suite (run by tests/docs.sh), TAP on stdout.

Owns the checks of the documentation's shape, stdlib only:
  - README.md is the front page: at most 250 lines, with the mermaid
    architecture, `make up` and `make test`, the two example orders with
    their answers, where to look at the traces, and a link to every page of
    docs/;
  - every relative link and image of README.md and docs/*.md names a file
    that exists, and every #anchor a heading of its target (GitHub's slugs);
  - the link check itself catches a broken file and a broken anchor.
The variables' documentation (docs/configuration.md) is checked by
tests/containers/check.py, with the variables the services read.
"""

import glob
import os
import re
import sys
import tempfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
from tap import ok, run  # noqa: E402

README_MAX_LINES = 250
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")


def path(*p):
    return os.path.join(TOP, *p)


def pages():
    return [path("README.md")] + sorted(glob.glob(path("docs", "*.md")))


def rel(p):
    return os.path.relpath(p, TOP)


def prose(text):
    """The lines outside fenced code blocks, code spans blanked."""
    out, fence = [], None
    for line in text.split("\n"):
        m = re.match(r"^\s{0,3}(`{3,}|~{3,})", line)
        if m:
            if fence is None:
                fence = m.group(1)[0] * len(m.group(1))
            elif m.group(1).startswith(fence):
                fence = None
            out.append("")
            continue
        out.append("" if fence else re.sub(r"(`+)(?:(?!\1).)+?\1", "``", line))
    return out


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped,
    spaces as hyphens."""
    h = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())
    h = h.replace("`", "").lower()
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


def anchors(p):
    """Every anchor a Markdown file has: its headings' slugs (the second of
    a name gets -1, and so on) and explicit <a name|id=...>."""
    with open(p) as f:
        text = f.read()
    out = set()
    seen, fence = {}, None
    for line in text.split("\n"):
        m = re.match(r"^\s{0,3}(`{3,}|~{3,})", line)
        if m:
            if fence is None:
                fence = m.group(1)[0] * len(m.group(1))
            elif m.group(1).startswith(fence):
                fence = None
            continue
        if fence:
            continue
        m = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            s = slug(m.group(1))
            n = seen.get(s, 0)
            seen[s] = n + 1
            out.add(s if n == 0 else "%s-%d" % (s, n))
    out |= set(re.findall(r"<a\s+(?:name|id)=\"([^\"]+)\"", text))
    return out


def links(p):
    """[(line number, target)] of a page's links and images."""
    with open(p) as f:
        lines = prose(f.read())
    out = []
    for i, line in enumerate(lines, 1):
        out += [(i, t) for t in LINK.findall(line)]
        m = REFDEF.match(line)
        if m:
            out.append((i, m.group(1)))
    return out


def broken(p):
    """The relative links of page p that name no file, or no heading."""
    bad = []
    for i, t in links(p):
        if re.match(r"^[a-z][a-z0-9+.-]*:", t, re.I) or t.startswith("//"):
            continue  # http:, https:, mailto:: not ours to check offline
        target, _, frag = t.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(p), target)) if target else p
        where = "%s:%d: %s" % (rel(p) if p.startswith(TOP) else p, i, t)
        if not os.path.exists(dest):
            bad.append(where + " (no such file)")
            continue
        if frag and dest.endswith(".md") and frag not in anchors(dest):
            bad.append(where + " (no such heading)")
    return bad


def t_readme_length():
    with open(path("README.md")) as f:
        n = len(f.read().splitlines())
    ok(n <= README_MAX_LINES, "README.md has %d lines, at most %d (the rest is in docs/)"
       % (n, README_MAX_LINES))


def t_readme_parts():
    with open(path("README.md")) as f:
        s = f.read()
    want = {
        "the mermaid architecture": "```mermaid" in s and "## Architecture" in s,
        "`make up` and `make test`": "make up " in s and "make test " in s,
        "the example order answered 201": "HTTP/1.1 201 Created" in s and '"SKU123"' in s,
        "the out-of-stock order answered 400": "HTTP/1.1 400 Bad Request" in s
        and '"code":"out_of_stock"' in s,
        "the viewer at :16686 with its screenshot": "http://127.0.0.1:16686" in s
        and "](docs/viewer.png)" in s,
        "tracectl": "bin/tracectl show" in s,
        "Prometheus at :9090": "http://127.0.0.1:9090" in s,
    }
    miss = [k for k, v in want.items() if not v]
    ok(not miss, "README.md shows the architecture, the two commands, the two example "
       "orders and where to look at the traces", miss)
    linked = {os.path.normpath(os.path.join(TOP, t.partition("#")[0]))
              for _, t in links(path("README.md"))}
    miss = [rel(p) for p in pages()[1:] if p not in linked]
    ok(not miss, "README.md links every page of docs/ (%d)" % (len(pages()) - 1), miss)


def t_links():
    for p in pages():
        n = len(links(p))
        bad = broken(p)
        ok(not bad, "%s: its %d links name existing files and headings" % (rel(p), n), bad)


def t_check_catches():
    """The link check refuses what it should (a check that passes
    everything proves nothing)."""
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "page.md")
        with open(os.path.join(d, "other.md"), "w") as f:
            f.write("# Other\n\n## A `code` heading (with, punctuation)\n")
        with open(p, "w") as f:
            f.write("# Page\n\n[fine](other.md#a-code-heading-with-punctuation) "
                    "[self](#page) [web](https://example.com/x)\n"
                    "[gone](missing.md) ![img](nothere.png)\n"
                    "[bad anchor](other.md#nope) [bad self](#nowhere)\n"
                    "`[in code](missing2.md)`\n```\n[fenced](missing3.md)\n```\n")
        bad = broken(p)
        got = sorted(b.split(": ", 1)[1] for b in bad)
        want = sorted(["missing.md (no such file)", "nothere.png (no such file)",
                       "other.md#nope (no such heading)", "#nowhere (no such heading)"])
        ok(got == want, "the link check finds a missing file, a missing image and two "
           "missing headings, and nothing in code", got)


if __name__ == "__main__":
    sys.exit(run([t_readme_length, t_readme_parts, t_links, t_check_catches]))
