#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The man page and --help name the same options: per command, the options
in tracectl.1's SYNOPSIS against those in `tracectl CMD --help`'s usage line,
and the common options of the man page against those --help lists. Prints
TAP from the number given."""

import re
import subprocess
import sys

n = int(sys.argv[1])
tracectl, man = sys.argv[2], sys.argv[3]
fail = 0


def ok(cond, what, detail=""):
    global n, fail
    n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, what))
    if not cond:
        fail = 1
        for line in str(detail).splitlines():
            print("# " + line)


def opts(text):
    """Long options in --help text."""
    return set(re.findall(r"--([a-z][a-z-]*)", text))


def man_opts(text):
    """Long options in mdoc: Fl \\-name, with \\- inside names."""
    return set(m.replace("\\-", "-") for m in re.findall(r"Fl \\-((?:[a-z]|\\-)+)", text))


page = open(man).read()
synopsis = page.split(".Sh SYNOPSIS", 1)[1].split(".Sh DESCRIPTION", 1)[0]
common = page.split("Common options", 1)[1].split(".El", 1)[0]
for block in synopsis.split(".Nm")[1:]:
    m = re.search(r"^\.Cm (\w+)", block, re.M)
    if not m:
        continue
    cmd = m.group(1)
    p = subprocess.run([tracectl, cmd, "--help"], capture_output=True, text=True)
    usage = p.stdout.splitlines()[0] if p.stdout else ""
    want, got = man_opts(block), opts(usage)
    ok(p.returncode == 0 and want == got, "%s: the man page and --help name the same options" % cmd,
       "man only: %s\nhelp only: %s" % (sorted(want - got), sorted(got - want)))
p = subprocess.run([tracectl, "--help"], capture_output=True, text=True)
helpcommon = p.stdout.split("Common options", 1)[1].split("Time:", 1)[0]
want, got = man_opts(common), opts(helpcommon)
ok(want == got, "the common options: the same in the man page and --help",
   "man only: %s\nhelp only: %s" % (sorted(want - got), sorted(got - want)))
print("# next %d" % n)
sys.exit(fail)
