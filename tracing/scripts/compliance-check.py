#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# compliance-check.py: checks tracing/COMPLIANCE.md against the test run
# that just happened, and prints TAP. Every table row is
#   | feature | status | where | proof or reason |
# with status +, - or N/A. A + row must name at least one proof, each of
# which must hold:
#   `test_x` "text"   a unit test (or `examples`, `man`) whose TAP log in
#                     LOGDIR has an "ok" line containing text: the test
#                     exists and passed in this run;
#   `path/to/file`    a file of the project (repository root relative),
#                     for tests that need the running stack (e2e).
# A - or N/A row must give its reason (the last column not empty).
#
# usage: compliance-check.py COMPLIANCE.md LOGDIR TOP
import os
import re
import sys

REF = re.compile(r'`(test_\w+|examples|man)`\s+"([^"]+)"')
PATH = re.compile(r'`((?:tracing|tests|kore-apps|cli|scripts)/[\w./-]+)`')


def cells(line):
    parts = [c.strip() for c in line.strip().strip('|').split('|')]
    return parts


def ok_lines(logdir, test, cache):
    if test not in cache:
        lines = []
        path = os.path.join(logdir, test + '.tap')
        if os.path.exists(path):
            with open(path, encoding='utf-8', errors='replace') as f:
                lines = [l for l in f if l.startswith('ok ')]
        cache[test] = lines
    return cache[test]


def main():
    doc, logdir, top = sys.argv[1:4]
    cache = {}
    bad = []
    counts = {'+': 0, '-': 0, 'N/A': 0}
    with open(doc, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if not line.startswith('|') or line.startswith('|--') or \
                    line.startswith('| Feature') or line.startswith('| ---'):
                continue
            c = cells(line)
            if len(c) < 4:
                bad.append('%d: fewer than 4 columns' % n)
                continue
            status = c[1]
            if status not in counts:
                bad.append('%d: status %r is not +, - or N/A' % (n, status))
                continue
            counts[status] += 1
            proof = c[3]
            if status != '+':
                if not proof:
                    bad.append('%d: %s without a reason' % (n, c[0]))
                continue
            refs = REF.findall(proof)
            paths = PATH.findall(proof)
            if not refs and not paths:
                bad.append('%d: + without a test: %s' % (n, c[0]))
            for test, text in refs:
                if not any(text in l for l in ok_lines(logdir, test, cache)):
                    bad.append('%d: %s has no passing "%s"' % (n, test, text))
            for p in paths:
                # The release tarball holds the library alone (gen/.dist):
                # the project's end-to-end tests are not in it.
                if not os.path.exists(os.path.join(top, p)) and not (
                        not p.startswith('tracing/') and os.path.exists(
                            os.path.join(top, 'tracing', 'gen', '.dist'))):
                    bad.append('%d: no file %s' % (n, p))
    for b in bad:
        print('# COMPLIANCE.md:' + b, file=sys.stderr)
    total = sum(counts.values())
    print('%s 1 - every + row of COMPLIANCE.md names a test that passed in '
          'this run, every other row a reason (%d rows: %d +, %d -, %d N/A)'
          % ('ok' if not bad and total > 0 else 'not ok', total,
             counts['+'], counts['-'], counts['N/A']))


main()
