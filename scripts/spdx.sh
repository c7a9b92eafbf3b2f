#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# spdx.sh: the license line of every file this project wrote. `spdx.sh check`
# prints one TAP line per file kind and fails on any file without its
# SPDX-License-Identifier in its first lines; `spdx.sh add` puts the line in,
# in the comment syntax of the file's kind (after a shebang or an XML
# declaration). Data (JSON, corpora, golden screens, test cases) and patches
# to Kore carry no comment and are left out.
set -euo pipefail
cd "$(dirname "$0")/.."
id="SPDX-License-Identifier: Apache-2.0"

# The comment line for one file, or nothing when the file is data.
comment_for() {
	case $1 in
	*/corpus/*|*.json|*.patch|*.txt|*.cases|*/parsers-seeds/*|*.sum|*.md|*.png|\
	VERSION|LICENSE|NOTICE|*/tests/data/README|debian/*|*.abi)
		;;
	*.c|*.h|*.cc|*.cpp|*.map|*.css|*.js|*.mjs)
		echo "/* $id */" ;;
	*.sql|*.lua)
		echo "-- $id" ;;
	*.1|*.3|*.7)
		echo ".\\\" $id" ;;
	*.tpl)
		echo "{{/* $id */}}" ;;
	*.xml|*.html)
		echo "<!-- $id -->" ;;
	*.mod)
		echo "// $id" ;;
	*.sh|*.py|*.yaml|*.yml|*.conf|*.properties|*.options|*.supp|*.mk|\
	*.in|Makefile|*/Makefile|*Dockerfile|.gitignore|.dockerignore|\
	.env.example|.ci/run|tests/harness|*.pc.in|*.tap)
		echo "# $id" ;;
	*)
		echo "?" ;;
	esac
}

has_id() {
	head -n 5 "$1" | grep -q "SPDX-License-Identifier:"
}

add() {
	local f=$1 line=$2 first
	first=$(head -n 1 "$f")
	case $first in
	'#!'*|'<?xml'*)
		{ echo "$first"; echo "$line"; tail -n +2 "$f"; } >"$f.spdx" ;;
	*)
		{ echo "$line"; cat "$f"; } >"$f.spdx" ;;
	esac
	chmod --reference="$f" "$f.spdx"
	mv "$f.spdx" "$f"
}

mode=${1:-check}
missing=0 unknown=0 checked=0
while IFS= read -r f; do
	[ -f "$f" ] || continue
	line=$(comment_for "$f")
	[ -n "$line" ] || continue
	if [ "$line" = "?" ]; then
		echo "# spdx: no comment syntax known for $f" >&2
		unknown=$((unknown + 1))
		continue
	fi
	checked=$((checked + 1))
	has_id "$f" && continue
	if [ "$mode" = add ]; then
		add "$f" "$line"
	else
		echo "# spdx: no license line: $f" >&2
		missing=$((missing + 1))
	fi
done < <(git ls-files --cached --others --exclude-standard)

if [ "$mode" = check ]; then
	[ -f LICENSE ] && grep -q "Apache License" LICENSE &&
	    echo "ok 1 - LICENSE holds the Apache License 2.0" ||
	    echo "not ok 1 - LICENSE holds the Apache License 2.0"
	[ "$missing" -eq 0 ] &&
	    echo "ok 2 - every one of $checked project files carries its SPDX line" ||
	    echo "not ok 2 - $missing of $checked project files lack an SPDX line"
	[ "$unknown" -eq 0 ] &&
	    echo "ok 3 - every file is either licensed or known data" ||
	    echo "not ok 3 - $unknown files of unknown kind (see above)"
fi
