#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# check.sh: checks the library's manual pages and prints TAP. One line per
# page: its first line is the SPDX line, groff -ww -z (-mdoc or -man, as the
# page is written) prints nothing on stderr, and `man -l` renders it at 80
# columns without a word on stderr. A last line: every function that
# tracing.h declares is in the NAME section of some page, so that link pages
# can be made from the NAME sections.
#
#   check.sh [MANDIR [HEADER]]
#
# MANDIR defaults to the directory of this script, HEADER to
# ../include/tracing.h next to it. Without groff or man-db (Debian's
# groff-base and man-db; scripts/deps.sh installs them) it says so and
# skips.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mandir=${1:-$here}
header=${2:-$here/../include/tracing.h}

if [ ! -d "$mandir" ]; then
	echo "Bail out! no manual directory $mandir"
	exit 1
fi
if [ ! -f "$header" ]; then
	echo "Bail out! no header $header"
	exit 1
fi

need=()
command -v groff >/dev/null 2>&1 || need+=(groff-base)
command -v man >/dev/null 2>&1 || need+=(man-db)
if [ ${#need[@]} -gt 0 ]; then
	echo "ok 1 - manual pages # SKIP ${need[*]} missing"
	echo "1..1"
	exit 0
fi

shopt -s nullglob
pages=("$mandir"/*.[1-9])
shopt -u nullglob
if [ ${#pages[@]} -eq 0 ]; then
	echo "Bail out! no manual pages in $mandir"
	exit 1
fi

spdx='.\" SPDX-License-Identifier: Apache-2.0'
failed=0
n=0
echo "1..$((${#pages[@]} + 1))"

for page in "${pages[@]}"; do
	n=$((n + 1))
	name=$(basename "$page")
	problems=()
	if [ "$(head -n 1 "$page")" != "$spdx" ]; then
		problems+=("first line is not the SPDX line")
	fi
	if grep -q '^\.Dd' "$page"; then
		macros=-mdoc
	else
		macros=-man
	fi
	if ! err=$(groff "$macros" -ww -z "$page" 2>&1 >/dev/null); then
		problems+=("groff $macros failed")
	fi
	if [ -n "$err" ]; then
		problems+=("groff $macros -ww: $err")
	fi
	if ! err=$(MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$page" \
	    2>&1 >/dev/null); then
		problems+=("man -l failed")
	fi
	if [ -n "$err" ]; then
		problems+=("man -l: $err")
	fi
	if [ ${#problems[@]} -eq 0 ]; then
		echo "ok $n - $name: groff $macros -ww and man -l render it silently"
	else
		echo "not ok $n - $name"
		printf '%s\n' "${problems[@]}" | sed 's/^/# /'
		failed=1
	fi
done

# The functions tracing.h declares: comments, preprocessor lines (with
# their continuations) and typedefs of function types left out, the
# identifier before the first "(" of each declaration.
declared=$(perl -0777 -ne '
	s{/\*.*?\*/}{ }gs;
	s{//[^\n]*}{}g;
	s{^[ \t]*#(?:[^\n]*\\\n)*[^\n]*}{}mg;
	for my $decl (split /;/) {
		next if $decl =~ /\btypedef\b/;
		print "$1\n" if $decl =~ /\b(tracing_[a-z0-9_]+)\s*\(/;
	}' "$header" | sort -u)

# The names in the NAME sections: arguments of .Nm (mdoc), or what comes
# before "\-" (man).
named=$(perl -ne '
	if (/^\.S[Hh]\s+"?NAME"?\s*$/) { $in = 1; next; }
	if (/^\.S[Hh]\s/) { $in = 0; }
	next unless $in;
	next if /^\.\\"/;
	if (s/^\.Nm\s+//) { print "$_\n" for /([A-Za-z_][A-Za-z0-9_]*)/g; next; }
	next if /^\./;
	s/\\-.*//;
	print "$_\n" for /([A-Za-z_][A-Za-z0-9_]*)/g;
	' "${pages[@]}" | sort -u)

n=$((n + 1))
ndeclared=$(printf '%s\n' "$declared" | grep -c . || true)
missing=$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$named") |
    grep . || true)
if [ "$ndeclared" -eq 0 ]; then
	echo "not ok $n - no function found in $header"
	failed=1
elif [ -z "$missing" ]; then
	echo "ok $n - all $ndeclared functions of $(basename "$header") are" \
	    "in a NAME section"
else
	echo "not ok $n - functions of $(basename "$header") in no NAME section"
	printf '%s\n' "$missing" | sed 's/^/# missing: /'
	failed=1
fi
# For information: names documented that the header does not declare.
comm -13 <(printf '%s\n' "$declared") <(printf '%s\n' "$named") |
    grep '^tracing_' | sed 's/^/# not declared in the header: /' || true

exit $failed
