/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.c: the key table: what each key does on each screen, with the label
 * and the line the help view shows for it.
 */

#include <stddef.h>

#include "browse.h"

#define TRACE_ONLY	SCRMASK(SCR_TRACE)
#define LIST_ONLY	SCRMASK(SCR_LIST)
#define FORM_ONLY	SCRMASK(SCR_SEARCH)
#define SPAN_ONLY	SCRMASK(SCR_SPAN)
#define METRICS_ONLY	SCRMASK(SCR_METRICS)
#define HIST_ONLY	SCRMASK(SCR_HIST)
#define MOVERS		(SCRMASK(SCR_LIST) | SCRMASK(SCR_TRACE) | \
			    SCRMASK(SCR_SPAN) | SCRMASK(SCR_METRICS) | \
			    SCRMASK(SCR_HIST))

/*
 * The key table.  The help overlay is made from it, so a key cannot be
 * bound without being listed.  help NULL: another key for the action of
 * the line above.
 */
const struct binding browse_keys[] = {
	{ SCR_ALL, '?', A_HELP, "?", "this help (any key closes it)" },
	{ SCR_ALL, 'q', A_BACK, "q", "back; quit from the first screen" },
	{ SCR_ALL, BK_ESC, A_BACK, "Esc", NULL },
	{ SCR_ALL, 'Q', A_QUIT, "Q", "quit" },
	{ SCR_ALL, BK_CTRL('c'), A_QUIT, "^C", NULL },
	{ SCR_ALL, 'k', A_UP, "k", "up" },
	{ SCR_ALL, BK_UP, A_UP, "Up", NULL },
	{ SCR_ALL, 'j', A_DOWN, "j", "down" },
	{ SCR_ALL, BK_DOWN, A_DOWN, "Down", NULL },
	{ MOVERS, BK_PGUP, A_PGUP, "PgUp", "page up" },
	{ MOVERS, BK_CTRL('b'), A_PGUP, "^B", NULL },
	{ MOVERS, BK_PGDN, A_PGDN, "PgDn", "page down" },
	{ MOVERS, BK_CTRL('f'), A_PGDN, "^F", NULL },
	{ MOVERS, 'g', A_HOME, "g", "first" },
	{ MOVERS, BK_HOME, A_HOME, "Home", NULL },
	{ MOVERS, 'G', A_END, "G", "last" },
	{ MOVERS, BK_END, A_END, "End", NULL },

	{ FORM_ONLY, 'h', A_PREV_VAL, "h", "previous choice" },
	{ FORM_ONLY, BK_LEFT, A_PREV_VAL, "Left", NULL },
	{ FORM_ONLY, 'l', A_NEXT_VAL, "l", "next choice" },
	{ FORM_ONLY, BK_RIGHT, A_NEXT_VAL, "Right", NULL },
	{ FORM_ONLY, ' ', A_TOGGLE, "Space", NULL },
	{ FORM_ONLY, BK_ENTER, A_OPEN, "Enter",
	  "edit the field (Enter: done, Esc: undo); on [Search]: search" },
	{ FORM_ONLY, BK_TAB, A_DOWN, "Tab", "next field" },
	{ FORM_ONLY, 's', A_SEARCH, "s", "search now" },
	{ FORM_ONLY, BK_F5, A_SEARCH, "F5", NULL },

	{ LIST_ONLY, BK_ENTER, A_OPEN, "Enter", "open the trace" },
	{ LIST_ONLY, 'l', A_OPEN, "l", NULL },
	{ LIST_ONLY, BK_RIGHT, A_OPEN, "Right", NULL },
	{ LIST_ONLY, 'o', A_SORT, "o", "sort by start / by duration" },
	{ LIST_ONLY, 'r', A_REFRESH, "r", "search again (refresh)" },
	{ LIST_ONLY, BK_F5, A_REFRESH, "F5", NULL },
	{ LIST_ONLY, 'a', A_AUTO, "a", "auto-refresh: off, 5s, 10s, 30s, 1m" },
	{ LIST_ONLY, 's', A_SEARCH, "s", "edit the search" },
	{ LIST_ONLY, '/', A_SEARCH, "/", NULL },
	{ LIST_ONLY, 'y', A_YANK, "y", "show the trace id to copy" },
	{ LIST_ONLY, 'H', A_HIST, "H", "the listed traces' durations as a "
	  "histogram" },

	{ TRACE_ONLY, BK_ENTER, A_OPEN, "Enter", "span detail" },
	{ TRACE_ONLY, 'h', A_COLLAPSE, "h",
	  "collapse (on a leaf or collapsed: to the parent)" },
	{ TRACE_ONLY, BK_LEFT, A_COLLAPSE, "Left", NULL },
	{ TRACE_ONLY, 'l', A_EXPAND, "l",
	  "expand (when expanded: to the first child)" },
	{ TRACE_ONLY, BK_RIGHT, A_EXPAND, "Right", NULL },
	{ TRACE_ONLY, ' ', A_TOGGLE, "Space", "collapse / expand" },
	{ TRACE_ONLY, 'H', A_COLLAPSE_ALL, "H", "collapse all" },
	{ TRACE_ONLY, '-', A_COLLAPSE_ALL, "-", NULL },
	{ TRACE_ONLY, 'L', A_EXPAND_ALL, "L", "expand all" },
	{ TRACE_ONLY, '+', A_EXPAND_ALL, "+", NULL },
	{ TRACE_ONLY | SPAN_ONLY, 'p', A_PARENT, "p", "parent span" },
	{ TRACE_ONLY, 'e', A_NEXT_ERR, "e", "next error span" },
	{ TRACE_ONLY, 'E', A_PREV_ERR, "E", "previous error span" },
	{ TRACE_ONLY, 'c', A_NEXT_CRIT, "c", "next span on the critical path" },
	{ TRACE_ONLY, 'C', A_PREV_CRIT, "C",
	  "previous span on the critical path" },
	{ TRACE_ONLY, '/', A_FIND, "/",
	  "search: text (regex), svc:S op:O kind:K is:error is:crit "
	  "dur>5ms self>1ms key=value -term" },
	{ TRACE_ONLY, 'n', A_FIND_NEXT, "n", "next match" },
	{ TRACE_ONLY, 'N', A_FIND_PREV, "N", "previous match" },
	{ TRACE_ONLY | SPAN_ONLY, 'y', A_YANK, "y",
	  "show the trace id to copy" },
	{ TRACE_ONLY, '<', A_SPLIT_LEFT, "<", "narrower tree, wider timeline" },
	{ TRACE_ONLY, '>', A_SPLIT_RIGHT, ">", "wider tree, narrower timeline" },
	{ TRACE_ONLY, 'z', A_ZOOM, "z",
	  "zoom the timeline to the span (again: the whole trace)" },
	{ TRACE_ONLY, 'r', A_REFRESH, "r", "fetch the trace again" },
	{ TRACE_ONLY, BK_F5, A_REFRESH, "F5", NULL },

	{ SPAN_ONLY, '[', A_PREV_SPAN, "[", "previous span" },
	{ SPAN_ONLY, ']', A_NEXT_SPAN, "]", "next span" },

	{ FORM_ONLY | LIST_ONLY, 'm', A_METRICS, "m",
	  "RED metrics per operation (rate, errors, p50/p95/p99)" },
	{ METRICS_ONLY, BK_ENTER, A_OPEN, "Enter",
	  "list the traces of that operation" },
	{ METRICS_ONLY, 'l', A_OPEN, "l", NULL },
	{ METRICS_ONLY, BK_RIGHT, A_OPEN, "Right", NULL },
	{ METRICS_ONLY, 'o', A_SORT, "o", "sort: worst, rate, p99, name" },
	{ HIST_ONLY, BK_ENTER, A_OPEN, "Enter",
	  "search again for that bucket's durations" },
	{ METRICS_ONLY, 'r', A_REFRESH, "r", "fetch again (every 5 s anyway)" },
	{ METRICS_ONLY, BK_F5, A_REFRESH, "F5", NULL },
};
const size_t browse_nkeys = sizeof(browse_keys) / sizeof(browse_keys[0]);

enum action
browse_action(enum scr scr, int key)
{
	size_t	 i;

	for (i = 0; i < browse_nkeys; i++)
		if (browse_keys[i].key == key &&
		    (browse_keys[i].screens & SCRMASK(scr)))
			return (browse_keys[i].action);
	return (A_NONE);
}

/* A cursor over n rows, shared by the trace view and the trace list. */
