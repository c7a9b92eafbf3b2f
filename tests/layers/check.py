#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check.py: the layers suite (run by tests/layers.sh), TAP on stdout.

Owns the check that kore-apps/common is built in layers that only call
downward (docs/development.md, "The layers of kore-apps/common"), stdlib and
binutils only:
  - every source and header of kore-apps/common has a layer in LAYERS, and
    each header's opening comment names the layer LAYERS gives it;
  - includes (the #include "..." lines of every .c and .h): no cycle, and
    no file includes a header of a layer above its own;
  - calls (nm of each object kore-apps/Makefile builds: the global symbols
    an object defines against those another leaves undefined, functions
    and data alike, a handler's address taken as much as a call): no cycle
    between files, and no file calls a file of a layer above its own;
  - the check itself catches an include cycle, a call cycle and an upward
    call in a tiny synthetic tree it compiles, and passes a sound one.
"""

import glob
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
from tap import ok, run  # noqa: E402

COMMON = os.path.join(TOP, "kore-apps", "common")
OBJDIR = os.path.join(TOP, "build", "kore-apps", "common")

# The layers, bottom first: a file may call and include its own layer's
# files and those below, never above. A unit is x.c with its header,
# svc_x.h (or x.h for the pure C of layer 0).
LAYERS = [
    (0, "pure C", ["strbuf", "route", "fault", "validate"]),
    (1, "the process", ["env", "util", "identity"]),
    (2, "answers and request state", ["reply", "request"]),
    (3, "the door's checks", ["replay", "auth", "probe", "ratelimit",
                              "accesslog"]),
    (4, "a request's trace", ["trace"]),
    (5, "on a request's trace", ["faults", "metrics"]),
    (6, "outbound I/O", ["call", "db"]),
    (7, "dispatch", ["dispatch"]),
    (8, "the Kore hooks", ["hooks", "drain", "sandbox"]),
]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
DECLARED = re.compile(r"\bLayer (\d+)\b")
OPENING = re.compile(r"(?:\s*/\*.*?\*/)+", re.S)  # the leading comments


def table(layers):
    return {u: n for n, _, units in layers for u in units}


def unit(name):
    """The unit of a file name: "svc_db.h" and "db.c" are "db"."""
    base = os.path.basename(name)
    stem = base[:-2] if base.endswith((".c", ".h", ".o")) else base
    if base.endswith(".h") and stem.startswith("svc_"):
        stem = stem[4:]
    return stem


def files(d):
    return sorted(os.path.basename(p) for p in
                  glob.glob(os.path.join(d, "*.c")) +
                  glob.glob(os.path.join(d, "*.h")))


def cycles(graph):
    """The strongly connected parts of graph with a cycle (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1 or v in graph.get(v, ()):
                out.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def upward(edges, layer_of):
    """The edges (from, to, why) that go to a layer above from's."""
    return [(a, b, why) for (a, b), why in sorted(edges.items())
            if layer_of[unit(b)] > layer_of[unit(a)]]


def include_edges(d):
    """{(file, header): line} for every #include "..." of a file in d."""
    have = set(files(d))
    edges = {}
    for f in have:
        with open(os.path.join(d, f)) as fh:
            for h in INCLUDE.findall(fh.read()):
                if h in have:
                    edges[(f, h)] = "#include \"%s\"" % h
    return edges


def nm(obj):
    """(defined, undefined) global symbol names of an object file."""
    out = subprocess.run(["nm", "-P", obj], check=True, capture_output=True,
                         text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        name, kind = f[0], f[1]
        if kind == "U" or (kind in "wv" and len(f) < 3):
            undefined.add(name)
        elif kind.isupper():
            defined.add(name)
    return defined, undefined


def call_edges(objs):
    """{(from.c, to.c): "sym, ..."} from nm of each unit's object."""
    owner, wants = {}, {}
    for o in objs:
        defined, undefined = nm(o)
        u = unit(o)
        for s in defined:
            owner[s] = u
        wants[u] = undefined
    edges = {}
    for u, undefined in wants.items():
        for s in sorted(undefined):
            v = owner.get(s)
            if v is not None and v != u:
                key = (u + ".c", v + ".c")
                edges[key] = (edges[key] + ", " if key in edges else "") + s
    return edges


def graph_of(edges):
    g = {}
    for a, b in edges:
        g.setdefault(a, set()).add(b)
        g.setdefault(b, set())
    return g


def describe(parts, edges):
    """Each cycle with the edges inside it."""
    lines = []
    for part in parts:
        lines.append("cycle: " + " ".join(part))
        for (a, b), why in sorted(edges.items()):
            if a in part and b in part:
                lines.append("  %s -> %s (%s)" % (a, b, why))
    return "\n".join(lines)


def describe_up(ups, layer_of):
    return "\n".join("%s (layer %d) -> %s (layer %d): %s" % (
        a, layer_of[unit(a)], b, layer_of[unit(b)], why) for a, b, why in ups)


def declared_layers(d, layer_of):
    """Headers whose opening comment names no layer, or another one."""
    bad = []
    for f in files(d):
        if not f.endswith(".h") or unit(f) not in layer_of:
            continue
        with open(os.path.join(d, f)) as fh:
            head = OPENING.match(fh.read())
        m = DECLARED.search(head.group(0)) if head else None
        if m is None or int(m.group(1)) != layer_of[unit(f)]:
            bad.append("%s says %s, the table %d" % (
                f, "Layer " + m.group(1) if m else "no layer",
                layer_of[unit(f)]))
    return bad


def objects(d, objdir, make=True):
    """The objects of d's sources, brought up to date by their Makefile."""
    objs = [os.path.join(objdir, unit(f) + ".o") for f in files(d)
            if f.endswith(".c")]
    if make:
        r = subprocess.run(["make", "-s", "-C", os.path.join(TOP, "kore-apps")]
                           + objs, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("make failed:\n" + r.stdout + r.stderr)
    return objs


def check(d, objdir, layers, make=True):
    """[(what, failures)] for the tree d and its objects in objdir."""
    layer_of = table(layers)
    results = []
    stray = [f for f in files(d) if unit(f) not in layer_of]
    results.append(("every file of the tree has a layer (%d files)" %
                    len(files(d)), stray))
    results.append(("each header's opening comment names its layer",
                    declared_layers(d, layer_of)))
    inc = {k: v for k, v in include_edges(d).items()
           if unit(k[0]) in layer_of and unit(k[1]) in layer_of}
    parts = cycles(graph_of(inc))
    results.append(("includes: no cycle (%d #include lines)" % len(inc),
                    [describe(parts, inc)] if parts else []))
    ups = upward(inc, layer_of)
    results.append(("includes: no file includes a header of a layer above",
                    [describe_up(ups, layer_of)] if ups else []))
    calls = {k: v for k, v in call_edges(objects(d, objdir, make)).items()
             if unit(k[0]) in layer_of and unit(k[1]) in layer_of}
    parts = cycles(graph_of(calls))
    results.append(("calls (nm): no cycle between files (%d file-to-file "
                    "edges)" % len(calls),
                    [describe(parts, calls)] if parts else []))
    ups = upward(calls, layer_of)
    results.append(("calls (nm): no file calls a file of a layer above",
                    [describe_up(ups, layer_of)] if ups else []))
    return results


def test_common():
    for what, failures in check(COMMON, OBJDIR, LAYERS):
        ok(not failures, "kore-apps/common: " + what, "\n".join(failures))


# The synthetic trees: a.c and b.c call each other and their headers
# include each other; c.c and d.c only call and include downward.
SYNTH = {
    "svc_a.h": '/*\n * svc_a.h: a.\n *\n * Layer 0.\n */\n#ifndef A_H\n'
               '#define A_H\n#include "svc_b.h"\nint a_fn(int);\n#endif\n',
    "svc_b.h": '/*\n * svc_b.h: b.\n *\n * Layer 1.\n */\n#ifndef B_H\n'
               '#define B_H\n#include "svc_a.h"\nint b_fn(int);\n#endif\n',
    "a.c": '#include "svc_a.h"\nint a_fn(int n) { return n ? b_fn(n - 1) '
           ': 0; }\n',
    "b.c": '#include "svc_b.h"\nint b_fn(int n) { return n ? a_fn(n - 1) '
           ': 1; }\n',
    "svc_c.h": '/*\n * svc_c.h: c.\n *\n * Layer 0.\n */\nint c_fn(int);\n',
    "svc_d.h": '/*\n * svc_d.h: d.\n *\n * Layer 1.\n */\n#include "svc_c.h"'
               '\nint d_fn(int);\n',
    "c.c": '#include "svc_c.h"\nint c_fn(int n) { return n + 1; }\n',
    "d.c": '#include "svc_d.h"\nint d_fn(int n) { return c_fn(n) * 2; }\n',
}


def synthetic(names, layers):
    """check() on a tree of the SYNTH files named, compiled by cc."""
    with tempfile.TemporaryDirectory() as d:
        for n in names:
            with open(os.path.join(d, n), "w") as fh:
                fh.write(SYNTH[n])
        for n in names:
            if n.endswith(".c"):
                subprocess.run(["cc", "-c", "-o", os.path.join(
                    d, unit(n) + ".o"), os.path.join(d, n)], check=True)
        return {re.sub(r" \(\d[^)]*\)$", "", what): failures
                for what, failures in check(d, d, layers, make=False)}


def test_self():
    r = synthetic(["svc_a.h", "svc_b.h", "a.c", "b.c"],
                  [(0, "bottom", ["a"]), (1, "top", ["b"])])
    ok(r["includes: no cycle"] and "svc_a.h" in r["includes: no cycle"][0],
       "self-test: a synthetic include cycle (svc_a.h, svc_b.h) is caught",
       r)
    ok(r["calls (nm): no cycle between files"] and
       "a_fn" in r["calls (nm): no cycle between files"][0],
       "self-test: a synthetic call cycle (a.c, b.c) is caught", r)
    ok(r["calls (nm): no file calls a file of a layer above"] and
       "b_fn" in r["calls (nm): no file calls a file of a layer above"][0],
       "self-test: a synthetic upward call (a.c of layer 0 calls b.c of "
       "layer 1) is caught", r)
    r = synthetic(["svc_c.h", "c.c"], [(0, "bottom", ["d"])])
    ok(r["every file of the tree has a layer"] == ["c.c", "svc_c.h"],
       "self-test: a file of no layer is caught", r)
    r = synthetic(["svc_c.h", "svc_d.h", "c.c", "d.c"],
                  [(0, "bottom", ["d"]), (1, "top", ["c"])])
    ok(len(r["each header's opening comment names its layer"]) == 2 and
       r["calls (nm): no file calls a file of a layer above"],
       "self-test: headers naming the wrong layer are caught", r)
    r = synthetic(["svc_c.h", "svc_d.h", "c.c", "d.c"],
                  [(0, "bottom", ["c"]), (1, "top", ["d"])])
    ok(not any(r.values()), "self-test: a sound synthetic tree passes "
       "(d.c calls c.c, below it)", r)


if __name__ == "__main__":
    sys.exit(run([test_common, test_self]))
