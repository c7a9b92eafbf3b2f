#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# browse-e2e.sh: `tracectl browse` in a real terminal (tmux) against the
# running stack: keys sent, screens captured and checked.  Sourced by e2e.sh
# (it shares tap/skip, $T, $J, $G, $work, $tid and $oos), or run alone
# (tap/skip and the settings then come from tap.sh):
#
#   cli/tests/browse-e2e.sh            TAP numbered from 1
#
# Uses a private tmux server (-L), killed at the end.  Every wait polls the
# captured screen until the expected text appears (timeout 15 s), so slow
# machines only make it slower.  TERM=xterm-256color, LANG=C.UTF-8.
if ! type tap >/dev/null 2>&1; then
	. "$(dirname "$0")/tap.sh"
	standalone=1
else
	standalone=0
fi

BSOCK=tracectl-browse-$$
tm() { tmux -L "$BSOCK" "$@"; }
bexit() { [ "$standalone" = 1 ] && exit "$fail"; }

# Waits until the pane shows every pattern (fixed strings); 0 or 1.
# WAIT: tenths of a second (default 150).
wait_for() {
	i=0
	while [ $i -lt "${WAIT:-150}" ]; do
		tm capture-pane -p -t b >"$work/screen" 2>/dev/null
		okall=1
		for p in "$@"; do
			grep -qF -- "$p" "$work/screen" || { okall=0; break; }
		done
		[ $okall = 1 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Waits until the pane no longer shows a pattern.
wait_gone() {
	i=0
	while [ $i -lt 150 ]; do
		tm capture-pane -p -t b >"$work/screen" 2>/dev/null
		grep -qF -- "$1" "$work/screen" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# start W H ENV... -- ARGS: tracectl browse in a new session "b".
start() {
	w=$1 h=$2
	shift 2
	envs=
	while [ "$1" != -- ]; do
		envs="$envs $1"
		shift
	done
	shift
	rm -f "$work/browse.rc" "$work/browse.err"
	tm kill-session -t b 2>/dev/null
	tm new-session -d -s b -x "$w" -y "$h" \
	    "env TERM=xterm-256color LANG=C.UTF-8 $envs $T --jaeger $J browse $* 2>$work/browse.err; echo \$? >$work/browse.rc; sleep 30"
}

# Waits for tracectl to exit; checks exit 0 and nothing on stderr (an
# AddressSanitizer build reports leaks and errors there).
check_exit() {
	i=0
	while [ $i -lt 150 ] && [ ! -s "$work/browse.rc" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ "$(cat "$work/browse.rc" 2>/dev/null)" = 0 ] &&
	    [ ! -s "$work/browse.err" ]; then
		tap OK "$1"
	else
		{ echo "exit: $(cat "$work/browse.rc" 2>/dev/null)"; cat "$work/browse.err"; } >"$work/why"
		tap FAIL "$1" "$work/why"
	fi
	tm kill-session -t b 2>/dev/null
}

check() {	# check "what" (the last wait's result in $?)
	if [ "$1" -eq 0 ]; then
		tap OK "$2"
	else
		tap FAIL "$2" "$work/screen"
	fi
}

if ! command -v tmux >/dev/null 2>&1; then
	skip "tracectl browse under tmux" "no tmux"
	bexit
	return 0 2>/dev/null || exit 0
fi
if [ "$standalone" = 1 ]; then
	if [ ! -x "$T" ] || ! curl -sf -o /dev/null --max-time 3 "$J/api/services"; then
		skip "tracectl browse under tmux" "no $T or stack not running"
		exit 0
	fi
	"$T" --gateway "$G" order submit --sku SKU123 --qty 1 --price 50 --json >"$work/o.json" 2>/dev/null
	tid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["traceId"])' "$work/o.json")
	"$T" --gateway "$G" order submit --sku OUT-OF-STOCK --qty 1 --price 1 --json >"$work/o.json" 2>/dev/null
	oos=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["traceId"])' "$work/o.json")
fi
# Both traces complete in Jaeger (services export on their own schedule).
i=0
while [ $i -lt 60 ]; do
	"$T" --jaeger "$J" show --json "$tid" >"$work/t1.json" 2>/dev/null
	"$T" --jaeger "$J" show --json "$oos" >"$work/t2.json" 2>/dev/null
	python3 -c 'import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
want = {"api-gateway", "inventory-service", "order-service", "notification-service"}
assert want <= set(a["services"])
assert any(s["statusMessage"] and "out of stock" in s["statusMessage"] for s in b["spans"])
assert not any(s["orphan"] for s in a["spans"] + b["spans"])' \
	    "$work/t1.json" "$work/t2.json" 2>/dev/null && break
	sleep 0.5
	i=$((i + 1))
done

# One trace, 120x40.
start 120 40 -- "$tid"
wait_for "api-gateway POST /api/orders" "inventory-service POST" \
    "order-service process_order" "notification-service POST"
check $? "browse TRACE_ID (120x40): rows for all four services"
wait_for "◆" "├─" "└─" "DURATION" "SELF"
check $? "browse: tree, critical path marks, duration and self time"
tm send-keys -t b '?'
wait_for "Keys: trace" "next error span" "collapse all" "any key closes"
check $? "? shows the help overlay with the keys"
tm send-keys -t b x
wait_gone "Keys: trace"
check $? "any key closes the help"
tm send-keys -t b H
wait_for "(+12)"
check $? "H collapses every span under the root"
tm send-keys -t b L y
wait_for "Trace id (select it to copy"
grep -qE "│ +$tid +│" "$work/screen"
check $? "y shows the trace id alone on a line"
tm send-keys -t b x Q
check_exit "Q quits: exit 0, nothing on stderr"

# The out-of-stock order, 80x24: the error span, its detail.
start 80 24 -- "$oos"
wait_for "3 errors" "POST /v1/reservations"
check $? "browse the out-of-stock trace (80x24)"
awk '/POST \/v1\/reservations/ && /^✖/ && /inv/' "$work/screen" | grep -q .
check $? "the inventory span that refused the order is marked ✖"
# e goes from error to error (wrapping); the inventory span's is the one
# with the message.
k=0
while [ $k -lt 4 ]; do
	tm send-keys -t b e
	k=$((k + 1))
	WAIT=10 wait_for "inventory-service POST /v1/reservations: out of stock" && break
done
wait_for "inventory-service POST /v1/reservations: out of stock"
check $? "e jumps to the error span; the status line gives its message"
tm send-keys -t b Enter
wait_for "Status: ERROR: out of stock" "Attributes (" "error.type = out_of_stock"
check $? "Enter: span detail with status and attributes"
tm send-keys -t b PageDown
wait_for "out_of_stock" "inventory.sku = OUT-OF-STOCK"
check $? "PgDn: the out_of_stock event with its attributes"
tm send-keys -t b G
wait_for "service.name = inventory-service" "Links (0)" "Logs ("
check $? "span detail: resource attributes, links, and the span's log lines last"
tm send-keys -t b Escape q
check_exit "Esc then q: back, then quit, exit 0"

# The search, 80x24: list, errors only, open, resize.
start 80 24 -- --since 15m --service tracectl
wait_for "Search traces in Jaeger" "[ Search ]" "< tracectl >"
check $? "browse --service tracectl opens the search form, filled in"
tm send-keys -t b s
wait_for "SPANS" "tracectl: POST"
check $? "s: the trace list with our orders"
tm send-keys -t b s j j j Space s
# The old list stays on screen while the new search runs: wait for its end.
wait_for "errors only" "SPANS" "ERR" && wait_gone "Searching Jaeger" &&
    wait_for "errors only" "SPANS" "ERR"
sed -n '4,23p' "$work/screen" | grep -v '^ *$' >"$work/rows"
[ -s "$work/rows" ] && ! grep -qv "✖" "$work/rows"
check $? "errors only: every listed trace is marked with errors"
tm send-keys -t b Enter
wait_for "DURATION" "SELF" " error"
check $? "Enter opens the selected trace"
tm resize-window -t b -x 132 -y 40
i=0
while [ $i -lt 100 ]; do
	tm capture-pane -p -t b >"$work/screen"
	[ "$(wc -l <"$work/screen")" -ge 40 ] && grep -q "DURATION" "$work/screen" &&
	    awk 'length($0) > 100' "$work/screen" | grep -q "DURATION" && break
	sleep 0.1
	i=$((i + 1))
done
[ $i -lt 100 ]
check $? "resized to 132x40: the trace is drawn to the new size"
tm send-keys -t b Q
check_exit "Q: exit 0, nothing on stderr"

# Auto-refresh: an order placed while the list is shown appears in it.
start 120 30 -- --service tracectl --since 10m --limit 1000 --refresh 1s
wait_for "[ Search ]"
tm send-keys -t b s
wait_for "SPANS" "auto-refresh 1s"
before=$(sed -n 's/^ *\([0-9][0-9]*\) traces* .*/\1/p' "$work/screen" | head -1)
"$T" --gateway "$G" order submit --sku SKU123 --qty 1 --price 50 >/dev/null 2>&1
i=0
after=$before
while [ $i -lt 300 ] && [ "${after:-0}" -le "${before:-0}" ]; do
	sleep 0.1
	tm capture-pane -p -t b >"$work/screen"
	after=$(sed -n 's/^ *\([0-9][0-9]*\) traces* .*/\1/p' "$work/screen" | head -1)
	i=$((i + 1))
done
[ -n "$before" ] && [ "${after:-0}" -gt "$before" ]
check $? "--refresh 1s: a new order shows up without a key ($before -> $after traces)"
tm send-keys -t b Q
check_exit "Q: exit 0"

# ASCII and monochrome fallbacks.
start 100 30 LANG=C LC_ALL=C -- --color never "$tid"
wait_for "api-gateway POST /api/orders" "|-" "\`-"
! grep -q "├" "$work/screen"
check $? "LANG=C: ASCII tree branches, no UTF-8 box drawing"
tm capture-pane -e -p -t b >"$work/esc"
grep -q "$(printf '\033')\[7m" "$work/esc" &&
    ! grep -q "$(printf '\033')\[3[1-7]m" "$work/esc"
check $? "--color never: reverse video for the cursor, no colours"
tm send-keys -t b q
check_exit "q: exit 0"

tm kill-server 2>/dev/null
bexit
