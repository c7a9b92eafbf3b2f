/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_browse.c: tests of `tracectl browse` without a terminal: the trace
 * view model (rows, collapse, cursor, navigation, in-trace search), bar
 * geometry, the key table and help overlay, the screens' state machine
 * driven by keys, and what the views draw into an in-memory screen at
 * 120x40, 80x24 and tiny sizes, in UTF-8 and ASCII (auto-refresh labels
 * and failures, the '/' prompt's cursor, wrapping by display width among
 * them); on the traces recorded from our stack (fixtures/stack-*.json) and
 * on generated ones.
 */

#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "browse.h"
#include "fixtures.h"
#include "tap.h"

/*
 * A generated legacy trace: n spans, each span i > 0 the child of
 * (i - 1) / fanout, or of i - 1 when fanout is 0 (a chain).
 */
static struct trace *
gen_trace(size_t n, size_t fanout)
{
	json_t		*root, *spans, *sp, *refs, *ref, *procs, *proc;
	struct trace_set ts;
	char		 id[20], pid[20], err[256];
	size_t		 i, p;
	int		 rc;

	spans = json_array();
	for (i = 0; i < n; i++) {
		sp = json_object();
		snprintf(id, sizeof(id), "%016zx", i + 1);
		json_object_set_new(sp, "traceID",
		    json_string("00000000000000000000000000000abc"));
		json_object_set_new(sp, "spanID", json_string(id));
		json_object_set_new(sp, "operationName", json_string(i % 7 == 3 ?
		    "SELECT thing" : "work"));
		json_object_set_new(sp, "startTime", json_integer(
		    1000000 + (json_int_t)i * 10));
		json_object_set_new(sp, "duration", json_integer(
		    (json_int_t)(n - i) * 10));
		json_object_set_new(sp, "processID", json_string(i % 3 == 0 ?
		    "p1" : "p2"));
		refs = json_array();
		if (i > 0) {
			p = fanout == 0 ? i - 1 : (i - 1) / fanout;
			snprintf(pid, sizeof(pid), "%016zx", p + 1);
			ref = json_object();
			json_object_set_new(ref, "refType",
			    json_string("CHILD_OF"));
			json_object_set_new(ref, "spanID", json_string(pid));
			json_array_append_new(refs, ref);
		}
		json_object_set_new(sp, "references", refs);
		json_array_append_new(spans, sp);
	}
	procs = json_object();
	proc = json_object();
	json_object_set_new(proc, "serviceName", json_string("alpha"));
	json_object_set_new(procs, "p1", proc);
	proc = json_object();
	json_object_set_new(proc, "serviceName", json_string("beta"));
	json_object_set_new(procs, "p2", proc);
	root = json_pack("{s:[{s:s,s:o,s:o}]}", "data", "traceID",
	    "00000000000000000000000000000abc", "spans", spans, "processes",
	    procs);
	trace_set_init(&ts);
	rc = model_parse_legacy(root, &ts, err, sizeof(err));
	json_decref(root);
	return (fixture_one(&ts, rc));
}

/* The first row from `from` holding text, or -1. */
static int
row_from(const struct screen *s, int from, const char *text)
{
	char	 b[4096];
	int	 y;

	for (y = from; y < s->h; y++)
		if (strstr(screen_row(s, y, b, sizeof(b)), text) != NULL)
			return (y);
	return (-1);
}

/* A row below the title, summary and heads (the view's body). */
static int
body_row(const struct screen *s, const char *text)
{
	return (row_from(s, 3, text));
}

/* A body row holding both texts, or -1. */
static int
body_row2(const struct screen *s, const char *a, const char *b)
{
	char	 buf[4096];
	int	 y;

	for (y = 3; y < s->h; y++) {
		screen_row(s, y, buf, sizeof(buf));
		if (strstr(buf, a) != NULL && strstr(buf, b) != NULL)
			return (y);
	}
	return (-1);
}

/* Print the screen to stderr (diagnostics of a failed test). */
static void
dump(const struct screen *s)
{
	char	*all = screen_text(s);

	fprintf(stderr, "%s", all);
	free(all);
}

/* The row of the screen holding text, or -1. */
static int
row_with(const struct screen *s, const char *text)
{
	return (row_from(s, 0, text));
}

static int
screen_has(const struct screen *s, const char *text)
{
	char	*all = screen_text(s);
	int	 r = strstr(all, text) != NULL;

	free(all);
	return (r);
}

static int
row_selected(const struct screen *s, int y)
{
	return (y >= 0 && (s->cells[(size_t)y * (size_t)s->w].style &
	    ST_SELECTED) != 0);
}

/* Columns of the first and last bar cell in row y from column x0. */
static int
bar_cells(const struct screen *s, int y, int x0, int *last)
{
	uint32_t	 c;
	int		 x, first = -1;

	*last = -1;
	for (x = x0; y >= 0 && x < s->w; x++) {
		c = s->cells[(size_t)y * (size_t)s->w + (size_t)x].ch;
		if (c == screen_glyph(s, G_BAR) ||
		    c == screen_glyph(s, G_BAR_LIGHT)) {
			if (first < 0)
				first = x;
			*last = x;
		}
	}
	return (first);
}

static enum request
keys(struct browse *b, const char *k)
{
	enum request	 r = REQ_NONE;

	for (; *k != '\0'; k++)
		r = browse_key(b, *k == '\n' ? BK_ENTER : *k == 033 ? BK_ESC :
		    (unsigned char)*k);
	return (r);
}

static void
test_rows_and_collapse(void)
{
	struct trace	*t = fixture_trace("stack-ok.v3.json", 1);
	struct tview	 tv;
	struct span	*gw, *po, *s;
	size_t		 i, same;

	if (!ok(t != NULL && t->nspans == 13, "stack-ok: 13 spans"))
		return;
	tview_init(&tv, t);
	same = 0;
	for (i = 0; i < tv.nrows; i++)
		same += tv.rows[i] == t->order[i];
	ok(tv.nrows == 13 && same == 13, "all rows shown, depth-first");
	ok(tv.hidden[span_index(&tv, t->root)] == 12,
	    "the root has 12 descendants");
	gw = fixture_find(t, "api-gateway", "POST /api/orders");
	po = fixture_find(t, "order-service", "process_order");
	tview_goto(&tv, gw);
	ok(tview_current(&tv) == gw, "cursor on the gateway's server span");
	ok(tview_collapse(&tv) == 1 && tv.nrows == 2,
	    "h collapses its subtree: 2 rows left");
	ok(tview_current(&tv) == gw, "the cursor stays on it");
	ok(tview_collapse(&tv) == 1 && tview_current(&tv) == t->root,
	    "h on a collapsed span goes to the parent");
	tview_goto(&tv, po);
	ok(tv.nrows == 13 && tview_current(&tv) == po,
	    "going to a hidden span expands its ancestors");
	ok(tview_expand(&tv) == 1 && tview_current(&tv) == po->children[0],
	    "l on an expanded span goes to its first child");
	ok(tview_expand(&tv) == 0, "l on a leaf does nothing");
	tview_collapse_all(&tv);
	ok(tv.nrows == 1 && tview_current(&tv) == t->root,
	    "collapse all: only the root, the cursor on it");
	tview_expand_all(&tv);
	ok(tv.nrows == 13 && tview_current(&tv) == t->root,
	    "expand all: every row back");
	tview_goto(&tv, po);
	ok(tview_parent(&tv) == 1 && tview_current(&tv) == po->parent,
	    "p goes to the parent");
	tview_goto(&tv, t->root);
	ok(tview_parent(&tv) == 0, "the root has no parent");
	ok(tview_toggle(&tv) == 1 && tv.nrows == 1 && tview_toggle(&tv) == 1 &&
	    tv.nrows == 13, "space toggles");
	tview_move(&tv, 100);
	ok(tv.cursor == 12, "moving past the end stops on the last row");
	tview_move(&tv, -100);
	ok(tv.cursor == 0, "moving past the start stops on the first");
	tview_scroll(&tv, 5);
	tview_move(&tv, 9);
	tview_scroll(&tv, 5);
	ok(tv.top == 5 && tv.cursor == 9, "scrolling keeps the cursor on "
	    "screen (rows 5-9 of a 5-row window)");
	s = tview_current(&tv);
	ok(s == t->order[9], "row 9 is the 10th span in depth-first order");
	tview_cleanup(&tv);
	trace_free(t);
}

static void
test_navigation(void)
{
	struct trace	*t = fixture_trace("stack-oos.v3.json", 1);
	struct tview	 tv;
	struct span	*inv, *s;
	size_t		 n, i;
	int		 wrapped;

	if (!ok(t != NULL && t->nerrors == 3, "stack-oos: 3 error spans"))
		return;
	tview_init(&tv, t);
	inv = fixture_find(t, "inventory-service", "POST /v1/reservations");
	s = tview_find(&tv, pred_error, 1, &wrapped);
	ok(s != NULL && s->error && s != t->root && !wrapped,
	    "e: the next error span after the root");
	s = tview_find(&tv, pred_error, 1, &wrapped);
	ok(s == inv && tview_current(&tv) == inv,
	    "e again: the inventory span that refused the stock");
	s = tview_find(&tv, pred_error, 1, &wrapped);
	ok(s == t->root && wrapped, "e wraps to the first error");
	s = tview_find(&tv, pred_error, -1, &wrapped);
	ok(s == inv && wrapped, "E goes back, wrapping");
	tview_goto(&tv, t->root);
	n = 0;
	for (i = 0; i < t->nspans; i++)
		n += t->spans[i].critical_us > 0;
	for (i = 0; i < n; i++)
		if ((s = tview_find(&tv, pred_critical, 1, &wrapped)) == NULL ||
		    s->critical_us == 0)
			break;
	ok(i == n && tview_current(&tv) == t->root && n > 1,
	    "c visits the %zu critical spans and comes back to the root", n);
	tview_goto(&tv, t->root);
	tview_collapse_all(&tv);
	s = tview_find(&tv, pred_error, 1, &wrapped);
	ok(s != NULL && tview_current(&tv) == s && tv.nrows > 1,
	    "e reveals an error inside a collapsed subtree");
	tview_cleanup(&tv);
	trace_free(t);
}

static void
test_search(void)
{
	struct trace	*t = fixture_trace("stack-ok.v3.json", 1);
	struct tview	 tv;
	char		 err[256];
	int		 wrapped;
	struct span	*s;

	if (!ok(t != NULL, "stack-ok loads for the search"))
		return;
	tview_init(&tv, t);
	is_i64(tview_search(&tv, "inventory", err, sizeof(err)), 2,
	    "/inventory: the 2 inventory spans (regex over names)");
	ok(tview_current(&tv) != NULL && tview_current(&tv)->service[0] == 'i',
	    "the cursor goes to the first match");
	s = tview_find(&tv, pred_match, 1, &wrapped);
	ok(s != NULL && strcmp(s->service, "inventory-service") == 0,
	    "n: the next match");
	is_i64(tview_search(&tv, "INVENTORY", err, sizeof(err)), 2,
	    "matching ignores case");
	is_i64(tview_search(&tv, "svc:order", err, sizeof(err)), 3,
	    "svc:order: the order-service spans");
	is_i64(tview_search(&tv, "svc:order -op:process", err, sizeof(err)), 2,
	    "svc:order -op:process: negation");
	is_i64(tview_search(&tv, "kind:internal", err, sizeof(err)), 3,
	    "kind:internal: process_order, render_email, deliver_email");
	is_i64(tview_search(&tv, "http.route=/v1/reservations", err,
	    sizeof(err)), 1, "key=value: an exact attribute");
	is_i64(tview_search(&tv, "service.name=order-service", err,
	    sizeof(err)), 3, "key=value also looks at resource attributes");
	is_i64(tview_search(&tv, "stock\\.reserved", err, sizeof(err)), 1,
	    "event names are searched");
	is_i64(tview_search(&tv, "is:crit", err, sizeof(err)),
	    (long long)tv.nmatches, "is:crit");
	is_i64(tview_search(&tv, "dur>1000s", err, sizeof(err)), 0,
	    "dur>1000s: none");
	is_i64(tview_search(&tv, "dur<1000s", err, sizeof(err)), 13,
	    "dur<1000s: all");
	ok(tview_search(&tv, "(", err, sizeof(err)) == -1 && err[0] != '\0',
	    "a bad regex is refused with a reason (%s)", err);
	ok(tview_search(&tv, "dur>soon", err, sizeof(err)) == -1,
	    "a bad duration is refused");
	is_i64(tview_search(&tv, "", err, sizeof(err)), 0,
	    "an empty search clears the matches");
	tview_cleanup(&tv);
	trace_free(t);
}

static void
test_geometry(void)
{
	int	 x, len;

	bar_geometry(0, 100, 0, 100, 50, &x, &len);
	ok(x == 0 && len == 50, "the whole trace fills the bar");
	bar_geometry(0, 100, 50, 10, 50, &x, &len);
	ok(x == 25 && len == 5, "10%% at the middle: column 25, 5 wide");
	bar_geometry(1000, 100, 1033, 1, 50, &x, &len);
	ok(x == 16 && len == 1, "a 1 us span still shows one cell");
	bar_geometry(0, 100, 100, 0, 50, &x, &len);
	ok(x == 49 && len == 1, "a span at the very end: the last column");
	bar_geometry(0, 0, 0, 0, 30, &x, &len);
	ok(x == 0 && len == 30, "a zero-length trace fills the bar");
	bar_geometry(0, 3, 1, 1, 10, &x, &len);
	ok(x == 3 && len == 4, "rounding: start down, end up (3.3..6.7 of "
	    "10: columns 3 to 6)");
}

static void
test_keytable(void)
{
	size_t	 i, j, bad = 0;
	int	 a, found;

	for (i = 0; i < browse_nkeys; i++)
		for (j = i + 1; j < browse_nkeys; j++)
			if (browse_keys[i].key == browse_keys[j].key &&
			    (browse_keys[i].screens & browse_keys[j].screens))
				bad++;
	is_i64(bad, 0, "no key has two meanings on one screen");
	ok(browse_keys[0].help != NULL, "the first binding has a help text");
	for (a = A_QUIT; a < A_COUNT; a++) {
		found = 0;
		for (i = 0; i < browse_nkeys; i++)
			found |= browse_keys[i].action == (enum action)a;
		if (!found)
			break;
	}
	ok(a == A_COUNT, "every action has a key");
	ok(browse_action(SCR_TRACE, 'j') == A_DOWN &&
	    browse_action(SCR_TRACE, BK_DOWN) == A_DOWN &&
	    browse_action(SCR_TRACE, 'h') == A_COLLAPSE &&
	    browse_action(SCR_SEARCH, 'h') == A_PREV_VAL &&
	    browse_action(SCR_LIST, 'e') == A_NONE,
	    "keys mean what the screen says");
}

static void
test_render_trace(void)
{
	struct browse	 b;
	struct screen	 s;
	struct trace	*t = fixture_trace("stack-ok.v3.json", 1);
	struct span	*po;
	int		 y, x0, x1, bx, len, zero, gx;
	char		 row[4096], id[40];
	const char	*svcs[] = { "api-gateway", "inventory-service",
			    "order-service", "notification-service" };
	size_t		 i, found;

	if (!ok(t != NULL, "stack-ok loads for drawing"))
		return;
	browse_init(&b, "http://jaeger");
	browse_set_trace(&b, t, NULL);
	ok(browse_screen(&b) == SCR_TRACE, "a trace opens the trace view");
	screen_init(&s, 120, 40, 1);
	browse_draw(&b, &s);
	found = 0;
	for (i = 0; i < 4; i++)
		found += row_with(&s, svcs[i]) > 0;
	ok(found == 4, "120x40: rows for all four services");
	y = body_row(&s, "tracectl POST /api/orders");
	ok(y >= 0 && row_selected(&s, y) && strncmp(screen_row(&s, y, row,
	    sizeof(row)), " \xe2\x97\x86\xe2\x96\xbe", 7) == 0,
	    "the root row: selected, on the critical path, expanded");
	ok(row_with(&s, "\xe2\x94\x9c\xe2\x94\x80") > 0 &&
	    row_with(&s, "\xe2\x94\x94\xe2\x94\x80") > 0,
	    "UTF-8 tree branches drawn");
	/* The bar of process_order against the timeline's columns. */
	po = fixture_find(t, "order-service", "process_order");
	zero = row_with(&s, "DURATION");
	screen_row(&s, zero, row, sizeof(row));
	for (bx = 0; bx < s.w && s.cells[(size_t)zero * (size_t)s.w +
	    (size_t)bx].ch != '0'; bx++)
		;
	y = body_row(&s, "order-service process_order");
	x0 = bar_cells(&s, y, bx, &x1);
	bar_geometry(t->start_us, t->duration_us, po->start_us,
	    po->duration_us, s.w - bx - 1, &gx, &len);
	ok(x0 == bx + gx && x1 - x0 + 1 == len && len > 1 && gx > 0,
	    "process_order's bar at its offset (col %d, %d wide)", x0, len);
	y = body_row(&s, "tracectl POST");
	x0 = bar_cells(&s, y, bx, &x1);
	ok(x0 == bx && x1 == s.w - 2, "the root's bar spans the timeline");
	/* Solid where the critical path runs through the root, light elsewhere. */
	{
		const struct cp_section	*cs;
		int			 col, want, solid = 0, light = 0, bad = 0;
		int			 k, sx, sl;
		uint32_t		 ch;

		for (col = x0; col <= x1; col++) {
			want = 0;
			for (k = t->root->cp_first; k >= 0; k = cs->next) {
				cs = &t->cp[k];
				bar_geometry(t->start_us, t->duration_us,
				    cs->start_us, cs->end_us - cs->start_us,
				    s.w - bx - 1, &sx, &sl);
				want |= col >= bx + sx && col < bx + sx + sl;
			}
			ch = s.cells[(size_t)y * (size_t)s.w + (size_t)col].ch;
			solid += ch == screen_glyph(&s, G_BAR);
			light += ch == screen_glyph(&s, G_BAR_LIGHT);
			bad += (ch == screen_glyph(&s, G_BAR)) != want;
		}
		ok(bad == 0 && solid > 0 && light > 0, "the root's bar: solid "
		    "on its %d critical cells, light on the other %d (%d off)",
		    solid, light, bad);
	}
	fmt_duration(po->self_us, id, sizeof(id));
	y = body_row(&s, "order-service process_order");
	ok(screen_has(&s, "SELF") && strstr(screen_row(&s, y, row,
	    sizeof(row)), id) != NULL, "self time shown (%s)", id);
	/* Keys through the state machine. */
	keys(&b, "G");
	browse_draw(&b, &s);
	ok(row_selected(&s, row_with(&s, "deliver_email")),
	    "G selects the last span");
	keys(&b, "gH");
	browse_draw(&b, &s);
	ok(row_with(&s, "api-gateway") < 0 && screen_has(&s, "(+12)"),
	    "H collapses all: the root shows (+12) hidden");
	keys(&b, "L?");
	browse_draw(&b, &s);
	ok(screen_has(&s, "Keys: trace") && screen_has(&s, "next error span") &&
	    screen_has(&s, "collapse all"), "? shows the help overlay");
	for (i = 0, found = 0; i < browse_nkeys; i++)
		if ((browse_keys[i].screens & SCRMASK(SCR_TRACE)) &&
		    browse_keys[i].help != NULL) {
			char head[24];

			snprintf(head, sizeof(head), "%s", browse_keys[i].help);
			found += !screen_has(&s, head);
		}
	is_i64(found, 0, "the help lists every key of the trace view");
	keys(&b, "x");
	browse_draw(&b, &s);
	ok(!screen_has(&s, "Keys: trace"), "any key closes the help");
	keys(&b, "y");
	browse_draw(&b, &s);
	fmt_trace_id(t->id_hi, t->id_lo, id, sizeof(id));
	y = body_row(&s, id);
	ok(y > 1 && strstr(screen_row(&s, y, row, sizeof(row)), "Trace id") ==
	    NULL && screen_has(&s, "Trace id"), "y shows the trace id on a "
	    "line of its own");
	keys(&b, "x/svc:notif\n");
	browse_draw(&b, &s);
	if (!ok(b.tv.nmatches == 3 && screen_has(&s, "3 spans match") &&
	    row_selected(&s, body_row2(&s, "notification-", "POST")),
	    "/svc:notif Enter: 3 matches, the first selected"))
		dump(&s);
	keys(&b, "n");
	browse_draw(&b, &s);
	ok(row_selected(&s, row_with(&s, "render_email")), "n: the next one");
	/* Smaller: 80x24, then too small, then ASCII. */
	screen_resize(&s, 80, 24);
	browse_draw(&b, &s);
	if (!ok(row_selected(&s, body_row(&s, "render_e")) &&
	    body_row(&s, "api-gateway") > 0, "80x24: the cursor row still "
	    "shown after a resize"))
		dump(&s);
	screen_resize(&s, 12, 4);
	browse_draw(&b, &s);
	ok(screen_has(&s, "terminal too"), "a tiny terminal says so");
	screen_cleanup(&s);
	screen_init(&s, 100, 30, 0);
	browse_draw(&b, &s);
	{
		char *all = screen_text(&s);
		size_t k, high = 0;

		for (k = 0; all[k] != '\0'; k++)
			high += (unsigned char)all[k] >= 0x80;
		ok(high == 0 && strstr(all, "|-") != NULL &&
		    strstr(all, "`-") != NULL && strstr(all, "#") != NULL,
		    "ASCII fallback: no UTF-8 bytes, |- `- branches, # bars");
		free(all);
	}
	screen_cleanup(&s);
	ok(keys(&b, "q") == REQ_QUIT, "q on the first screen quits");
	browse_cleanup(&b);
}

static void
test_render_error(void)
{
	struct browse	 b;
	struct screen	 s;
	struct trace	*t = fixture_trace("stack-oos.legacy.json", 0);
	char		 row[4096];
	int		 y;

	if (!ok(t != NULL, "stack-oos (legacy API) loads"))
		return;
	browse_init(&b, NULL);
	browse_set_trace(&b, t, NULL);
	screen_init(&s, 80, 24, 1);
	browse_draw(&b, &s);
	y = body_row2(&s, "inv", "POST /v1/reservations");
	ok(y > 0 && strncmp(screen_row(&s, y, row, sizeof(row)),
	    "\xe2\x9c\x96", 3) == 0, "the refusing span is marked as an error");
	ok(screen_has(&s, "3 errors"), "the summary counts 3 errors");
	keys(&b, "ee");
	browse_draw(&b, &s);
	ok(row_selected(&s, y) && screen_has(&s, "error 3 of 3") &&
	    screen_has(&s, "out of stock"), "e e: on it, its message in the "
	    "status line");
	keys(&b, "\n");
	ok(browse_screen(&b) == SCR_SPAN, "Enter opens the span detail");
	screen_resize(&s, 100, 90);
	browse_draw(&b, &s);
	ok(screen_has(&s, "Status: ERROR: out of stock: OUT-OF-STOCK"),
	    "detail: status and message");
	ok(screen_has(&s, "out_of_stock") && screen_has(&s, "Events (1)"),
	    "detail: the out_of_stock event");
	ok(screen_has(&s, "service.name = inventory-service") &&
	    screen_has(&s, "Resource ("), "detail: resource attributes");
	if (!ok(screen_has(&s, "span id") && screen_has(&s, "parent id") &&
	    screen_has(&s, "Links (0)"), "detail: ids and links"))
		dump(&s);
	keys(&b, "p");
	browse_draw(&b, &s);
	ok(screen_has(&s, "api-gateway POST /v1/reservations [client]"),
	    "p in the detail: the parent's detail");
	keys(&b, "\033");
	ok(browse_screen(&b) == SCR_TRACE, "Esc: back to the trace");
	screen_cleanup(&s);
	browse_cleanup(&b);
}

static void
test_links_resource(void)
{
	const char *v3 = "{\"result\":{\"resourceSpans\":[{\"resource\":"
	    "{\"attributes\":[{\"key\":\"service.name\",\"value\":"
	    "{\"stringValue\":\"svc\"}},{\"key\":\"host.name\",\"value\":"
	    "{\"stringValue\":\"box\"}}]},\"scopeSpans\":[{\"spans\":["
	    "{\"traceId\":\"0000000000000000000000000000000a\",\"spanId\":"
	    "\"00000000000000a1\",\"name\":\"a\",\"startTimeUnixNano\":"
	    "\"1000\",\"endTimeUnixNano\":\"5000\",\"links\":[{\"traceId\":"
	    "\"0000000000000000000000000000000b\",\"spanId\":"
	    "\"00000000000000b1\",\"attributes\":[{\"key\":\"why\","
	    "\"value\":{\"stringValue\":\"batch\"}}]}]}]}]}]}}";
	const char *legacy = "{\"data\":[{\"traceID\":\"a\",\"spans\":["
	    "{\"traceID\":\"a\",\"spanID\":\"a1\",\"operationName\":\"a\","
	    "\"startTime\":1,\"duration\":4,\"processID\":\"p1\"},"
	    "{\"traceID\":\"a\",\"spanID\":\"a2\",\"operationName\":\"b\","
	    "\"startTime\":2,\"duration\":1,\"processID\":\"p1\","
	    "\"references\":[{\"refType\":\"FOLLOWS_FROM\",\"traceID\":\"b\","
	    "\"spanID\":\"b1\"},{\"refType\":\"CHILD_OF\",\"traceID\":\"a\","
	    "\"spanID\":\"a1\"}]}],\"processes\":{\"p1\":{\"serviceName\":"
	    "\"svc\",\"tags\":[{\"key\":\"host.name\",\"type\":\"string\","
	    "\"value\":\"box\"}]}}}]}";
	struct trace_set ts;
	struct trace	*t;
	char		**text;
	int		*st, rc;
	size_t		 n, i, hit;

	ts = fixture_parse(v3, 1, &rc);
	t = fixture_one(&ts, rc);
	ok(t != NULL && t->spans[0].nlinks == 1 &&
	    t->spans[0].links[0].span_id == 0xb1 &&
	    t->spans[0].links[0].trace_lo == 0xb &&
	    t->spans[0].links[0].nattrs == 1 && t->spans[0].nresource == 2,
	    "v3: a link with its attributes, two resource attributes");
	if (t != NULL) {
		n = span_detail_lines(t, &t->spans[0], &text, &st);
		for (i = 0, hit = 0; i < n; i++)
			hit += (strstr(text[i], "link trace ") != NULL &&
			    strstr(text[i], "b span 00000000000000b1") !=
			    NULL) ||
			    strstr(text[i], "why = batch") != NULL ||
			    strstr(text[i], "host.name = box") != NULL;
		is_i64(hit, 3, "detail: the link, its attribute, the host");
		span_detail_free(text, st, n);
	}
	trace_free(t);
	ts = fixture_parse(legacy, 0, &rc);
	t = fixture_one(&ts, rc);
	/* CHILD_OF is the parent; the FOLLOWS_FROM reference is a link. */
	ok(t != NULL && t->spans[1].parent == &t->spans[0] &&
	    t->spans[1].nlinks == 1 && t->spans[1].links[0].span_id == 0xb1 &&
	    strcmp(t->spans[1].links[0].type, "FOLLOWS_FROM") == 0 &&
	    t->spans[0].nlinks == 0, "legacy: other references are links");
	ok(t != NULL && t->spans[0].nresource == 2 &&
	    strcmp(t->spans[0].resource[0].value, "svc") == 0 &&
	    strcmp(t->spans[0].resource[1].key, "host.name") == 0,
	    "legacy: service.name and process tags as resource");
	trace_free(t);
}

static void
test_list_and_flow(void)
{
	struct browse	 b;
	struct screen	 s;
	struct trace	*ok_t = fixture_trace("stack-ok.v3.json", 1);
	struct trace	*oos = fixture_trace("stack-oos.v3.json", 1);
	struct trace	*gen = gen_trace(40, 3);
	char		 id[40], row[4096];
	int		 y;

	if (!ok(ok_t != NULL && oos != NULL && gen != NULL,
	    "three traces for the list"))
		goto out;
	browse_init(&b, "http://127.0.0.1:16686");
	browse_push(&b, SCR_SEARCH);
	screen_init(&s, 80, 24, 1);
	browse_draw(&b, &s);
	ok(screen_has(&s, "Search traces in Jaeger") &&
	    screen_has(&s, "Lookback") && screen_has(&s, "[ Search ]"),
	    "the search form");
	ok(keys(&b, "jjj ") == REQ_NONE && strcmp(b.form.text[F_ERRORS],
	    "yes") == 0, "j j j Space: errors only");
	ok(keys(&b, "jl") == REQ_NONE && strcmp(b.form.text[F_LOOKBACK],
	    "6h") == 0, "j l: lookback 1h -> 6h");
	ok(keys(&b, "kk\n250\n") == REQ_NONE && strcmp(b.form.text[F_MINDUR],
	    "250") == 0, "Enter types a minimum duration");
	ok(keys(&b, "s") == REQ_SEARCH && b.req.errors_only &&
	    b.req.min_duration_us == 250000 &&
	    b.req.end_us - b.req.start_us == 6 * 3600 * USEC_PER_SEC,
	    "s: a search request from the form");
	keys(&b, "\n\025soon\n");
	ok(keys(&b, "s") == REQ_NONE && b.form.cur == F_MINDUR &&
	    strstr(b.status, "minimum duration") != NULL,
	    "a bad field refuses the search and says why");
	keys(&b, "\n\025\n");
	ok(keys(&b, "s") == REQ_SEARCH, "cleared: searches again");
	tlist_add(&b.list, ok_t);
	tlist_add(&b.list, oos);
	tlist_add(&b.list, gen);
	b.req.by_duration = 0;
	browse_search_done(&b, NULL);
	ok(browse_screen(&b) == SCR_LIST, "answers open the trace list");
	ok(b.list.rows[0].start_us >= b.list.rows[1].start_us &&
	    b.list.rows[1].start_us >= b.list.rows[2].start_us,
	    "sorted by start, newest first");
	browse_draw(&b, &s);
	y = body_row(&s, "tracectl: POST");
	ok(y > 0 && screen_has(&s, "3 traces") && screen_has(&s, "SPANS"),
	    "list rows with root operation and heads");
	keys(&b, "o");
	ok(b.list.by_duration && b.list.rows[0].duration_us >=
	    b.list.rows[1].duration_us && b.list.rows[1].duration_us >=
	    b.list.rows[2].duration_us, "o: sorted by duration");
	keys(&b, "G");
	ok(b.list.cursor == 2, "G: the last trace");
	fmt_trace_id(b.list.rows[2].hi, b.list.rows[2].lo, id, sizeof(id));
	keys(&b, "o");
	fmt_trace_id(b.list.rows[b.list.cursor].hi,
	    b.list.rows[b.list.cursor].lo, row, sizeof(row));
	ok(!b.list.by_duration && strcmp(id, row) == 0,
	    "o again: by start, the cursor still on its trace");
	ok(keys(&b, "g") == REQ_NONE && b.list.cursor == 0, "g: the first");
	browse_draw(&b, &s);
	y = row_with(&s, "\xe2\x9c\x96" "3");
	ok(y > 0 && strstr(screen_row(&s, y, row, sizeof(row)),
	    "    5 ") != NULL, "the out-of-stock trace (5 spans) marked with "
	    "its 3 errors");
	ok(keys(&b, "\n") == REQ_TRACE, "Enter asks for the trace");
	fmt_trace_id(b.list.rows[0].hi, b.list.rows[0].lo, id, sizeof(id));
	ok(strcmp(b.want_trace, id) == 0, "the selected trace's id");
	keys(&b, "a");
	ok(b.req.refresh_us == 5 * USEC_PER_SEC &&
	    browse_wait_ms(&b, b.last_search_us) == 5000,
	    "a: auto-refresh every 5s; the loop waits 5 s for a key");
	b.last_search_us -= 6 * USEC_PER_SEC;
	ok(browse_key(&b, BK_TIMEOUT) == REQ_SEARCH, "after 5 s without a "
	    "key: search again");
	keys(&b, "aaaa");
	ok(b.req.refresh_us == 0 && browse_wait_ms(&b, 0) == -1,
	    "a cycles back to off: wait forever");
	ok(keys(&b, "r") == REQ_SEARCH, "r: refresh now");
	/* Open the generated trace, then back. */
	browse_set_trace(&b, gen, NULL);
	gen = NULL;
	ok(browse_screen(&b) == SCR_TRACE && b.trace != NULL,
	    "the fetched trace opens");
	ok(keys(&b, "q") == REQ_NONE && browse_screen(&b) == SCR_LIST &&
	    b.trace == NULL, "q: back to the list, the trace freed");
	ok(keys(&b, "s") == REQ_NONE && browse_screen(&b) == SCR_SEARCH,
	    "s: back to the search form");
	ok(keys(&b, "q") == REQ_QUIT, "q on the form quits");
	screen_cleanup(&s);
	browse_cleanup(&b);
out:
	trace_free(ok_t);
	trace_free(oos);
	trace_free(gen);
}

static void
test_big_and_deep(void)
{
	struct browse	 b;
	struct screen	 s;
	struct trace	*t = gen_trace(5000, 4), *d = gen_trace(300, 0);
	int		 y;

	if (!ok(t != NULL && d != NULL && t->nspans == 5000,
	    "generated traces: 5000 spans, and a 300-deep chain"))
		goto out;
	browse_init(&b, NULL);
	browse_set_trace(&b, t, NULL);
	t = NULL;
	screen_init(&s, 80, 24, 1);
	keys(&b, "G");
	browse_draw(&b, &s);
	ok(b.tv.cursor == 4999 && row_selected(&s, s.h - 2),
	    "G on 5000 spans: the last row, at the bottom");
	keys(&b, "/SELECT\n");
	ok(b.tv.nmatches == 714, "/SELECT: 714 of 5000 match");
	browse_set_trace(&b, d, NULL);
	d = NULL;
	keys(&b, "G");
	browse_draw(&b, &s);
	y = s.h - 2;
	ok(row_selected(&s, y) && s.cells[(size_t)y * (size_t)s.w + 2].ch ==
	    screen_glyph(&s, G_ELLIPSIS), "a 300-deep span: the indent is cut "
	    "and marked");
	screen_cleanup(&s);
	browse_cleanup(&b);
out:
	trace_free(t);
	trace_free(d);
}

static void
test_form_editing(void)
{
	struct sform		 f;
	struct search_req	 r;
	char			 err[256], t[16] = "ab";
	size_t			 pos = 2;

	sform_init(&f);
	ok(sform_request(&f, 10 * 3600 * USEC_PER_SEC, &r, err,
	    sizeof(err)) == 0 && r.service[0] == '\0' && r.limit == 100 &&
	    r.end_us - r.start_us == 3600 * USEC_PER_SEC && r.refresh_us == 0,
	    "form defaults: all services, last hour, 100 traces");
	f.cur = F_SERVICE;
	{
		char *v[] = { "(all)", "api-gateway", "order-service" };

		sform_set_choices(&f, F_SERVICE, v, 3);
	}
	sform_cycle(&f, 1);
	ok(strcmp(f.text[F_SERVICE], "api-gateway") == 0, "l: next service");
	sform_cycle(&f, -1);
	sform_cycle(&f, -1);
	ok(strcmp(f.text[F_SERVICE], "order-service") == 0, "h wraps around");
	line_edit(t, sizeof(t), &pos, 0xe9);
	ok(strcmp(t, "ab\xc3\xa9") == 0 && pos == 4, "typing UTF-8 (e-acute)");
	line_edit(t, sizeof(t), &pos, BK_BACKSPACE);
	ok(strcmp(t, "ab") == 0 && pos == 2, "backspace removes a character");
	line_edit(t, sizeof(t), &pos, BK_HOME);
	line_edit(t, sizeof(t), &pos, 'x');
	ok(strcmp(t, "xab") == 0, "Home then typing inserts at the start");
	ok(line_edit(t, sizeof(t), &pos, BK_ENTER) == 2, "Enter ends it");
	snprintf(f.text[F_REFRESH], sizeof(f.text[0]), "10s");
	snprintf(f.text[F_END], sizeof(f.text[0]), "yesterday");
	ok(sform_request(&f, 0, &r, err, sizeof(err)) == -1 &&
	    f.cur == F_END, "a bad end time is refused");
	snprintf(f.text[F_END], sizeof(f.text[0]), "now");
	ok(sform_request(&f, 0, &r, err, sizeof(err)) == 0 &&
	    r.refresh_us == 10 * USEC_PER_SEC &&
	    strcmp(r.service, "order-service") == 0,
	    "auto-refresh 10s, service order-service");
	sform_cleanup(&f);
}

/* A list screen after a search that found ts[0..n). */
static void
list_of(struct browse *b, struct trace **ts, size_t n)
{
	size_t	 i;

	browse_init(b, "http://jaeger");
	browse_push(b, SCR_SEARCH);
	(void)keys(b, "s");
	for (i = 0; i < n; i++)
		tlist_add(&b->list, ts[i]);
	browse_search_done(b, NULL);
}

/*
 * The auto-refresh interval reads the same on the form (its choices), the
 * list's head line and the status line, however it was chosen: each press
 * of 'a' on the list lands on a choice of the form, and the 'a' cycle
 * visits every choice once.
 */
static void
test_refresh_labels(void)
{
	struct browse		 b;
	struct screen		 s;
	struct search_req	 r;
	struct trace		*t = fixture_trace("stack-ok.v3.json", 1);
	char			 want[160], err[256], **v, *seen;
	size_t			 n, i, j, bad_choice, bad_head, bad_status,
				 bad_parse;

	if (!ok(t != NULL, "refresh labels: a trace for the list"))
		return;
	list_of(&b, &t, 1);
	screen_init(&s, 140, 30, 1);
	v = b.form.choices[F_REFRESH];
	for (n = 0; v != NULL && v[n] != NULL; n++)
		;
	seen = calloc(n + 1, 1);
	bad_choice = bad_head = bad_status = bad_parse = 0;
	for (i = 0; i < n && seen != NULL; i++) {
		keys(&b, "a");
		for (j = 0; j < n; j++)
			if (strcmp(v[j], b.form.text[F_REFRESH]) == 0)
				break;
		if (j == n) {
			fprintf(stderr, "  'a' set %s, not a form choice\n",
			    b.form.text[F_REFRESH]);
			bad_choice++;
		} else
			seen[j]++;
		browse_draw(&b, &s);
		snprintf(want, sizeof(want), "auto-refresh %s ",
		    b.form.text[F_REFRESH]);
		if (!screen_has(&s, want)) {
			fprintf(stderr, "  head: no \"%s\"\n", want);
			bad_head++;
		}
		if (b.req.refresh_us > 0 && strstr(b.status,
		    b.form.text[F_REFRESH]) == NULL) {
			fprintf(stderr, "  status \"%s\" lacks %s\n", b.status,
			    b.form.text[F_REFRESH]);
			bad_status++;
		}
		if (sform_request(&b.form, now_us(), &r, err,
		    sizeof(err)) == -1 || r.refresh_us != b.req.refresh_us)
			bad_parse++;
	}
	ok(n > 1 && bad_choice == 0, "a: every interval is one of the "
	    "form's %zu refresh choices", n);
	for (j = 0; seen != NULL && j < n && seen[j] == 1; j++)
		;
	ok(seen != NULL && j == n, "a: the cycle visits each form choice "
	    "once");
	ok(bad_head == 0 && bad_status == 0, "a: the list's head and the "
	    "status line use the form's label");
	ok(bad_parse == 0, "a: the form's text parses to the interval in use");
	/* A choice made on the form shows the same on the list. */
	snprintf(b.form.text[F_REFRESH], sizeof(b.form.text[0]), "%s",
	    v[n - 1]);
	ok(sform_request(&b.form, now_us(), &b.req, err, sizeof(err)) == 0,
	    "the form's last refresh choice is valid");
	browse_draw(&b, &s);
	snprintf(want, sizeof(want), "auto-refresh %s ", v[n - 1]);
	if (!ok(screen_has(&s, want), "the form's choice %s reads the same "
	    "on the list", v[n - 1]))
		dump(&s);
	free(seen);
	screen_cleanup(&s);
	browse_cleanup(&b);
	trace_free(t);
}

/* The status line's text and whether it is styled as an error. */
static const char *
status_line(const struct screen *s, char *buf, size_t n, int *err)
{
	*err = ST_BASE(s->cells[(size_t)(s->h - 1) * (size_t)s->w + 1].style) ==
	    ST_ERROR;
	return (screen_row(s, s->h - 1, buf, n));
}

/*
 * A refresh that fails keeps the last good list (rows, cursor, time of the
 * update) on screen and says why on the status line; one that works
 * replaces it, the cursor on its trace.
 */
static void
test_refresh_failure(void)
{
	struct browse	 b;
	struct screen	 s;
	struct trace	*ts[3];
	char		 row[4096], *before, cur[40], now[40];
	size_t		 i, same_rows;
	int64_t		 updated;
	int		 err;

	ts[0] = fixture_trace("stack-ok.v3.json", 1);
	ts[1] = fixture_trace("stack-oos.v3.json", 1);
	ts[2] = gen_trace(40, 3);
	if (!ok(ts[0] != NULL && ts[1] != NULL && ts[2] != NULL,
	    "refresh failure: three traces"))
		goto out;
	list_of(&b, ts, 3);
	screen_init(&s, 120, 30, 1);
	keys(&b, "j");
	keys(&b, "a");
	fmt_trace_id(b.list.rows[b.list.cursor].hi,
	    b.list.rows[b.list.cursor].lo, cur, sizeof(cur));
	browse_draw(&b, &s);
	before = screen_text(&s);
	updated = b.list.updated_us;
	b.last_search_us -= b.req.refresh_us + USEC_PER_SEC;
	ok(b.req.refresh_us > 0 && browse_key(&b, BK_TIMEOUT) == REQ_SEARCH,
	    "auto-refresh is due: search again");
	/* What the I/O side does: a trace comes, then Jaeger fails. */
	browse_search_start(&b);
	tlist_add(&b.list, ts[2]);
	browse_search_done(&b, "jaeger: connection refused");
	ok(browse_screen(&b) == SCR_LIST && b.list.n == 3,
	    "the failed refresh keeps the last list's 3 traces");
	fmt_trace_id(b.list.rows[b.list.cursor].hi,
	    b.list.rows[b.list.cursor].lo, now, sizeof(now));
	ok(strcmp(cur, now) == 0 && b.list.updated_us == updated,
	    "the cursor on its trace, the list's update time kept");
	browse_draw(&b, &s);
	for (i = 1, same_rows = 0; i < (size_t)s.h - 1; i++) {
		char	 want[4096];
		const char *p = before;
		size_t	 k;

		for (k = 0; k < i && p != NULL; k++)
			if ((p = strchr(p, '\n')) != NULL)
				p++;
		if (p == NULL)
			break;
		snprintf(want, sizeof(want), "%.*s", (int)strcspn(p, "\n"), p);
		same_rows += strcmp(want, screen_row(&s, (int)i, row,
		    sizeof(row))) == 0;
	}
	if (!ok(same_rows == (size_t)s.h - 2, "the list on screen is the "
	    "one before the refresh"))
		dump(&s);
	free(before);
	status_line(&s, row, sizeof(row), &err);
	if (!ok(err && strstr(row, "connection refused") != NULL,
	    "the status line shows the error"))
		dump(&s);
	ok(browse_wait_ms(&b, now_us()) > 0, "the next refresh waits its "
	    "interval again");
	/* A refresh that works: the new answers, the cursor kept. */
	browse_search_start(&b);
	tlist_add(&b.list, ts[0]);
	tlist_add(&b.list, ts[1]);
	tlist_add(&b.list, ts[2]);
	browse_search_done(&b, NULL);
	fmt_trace_id(b.list.rows[b.list.cursor].hi,
	    b.list.rows[b.list.cursor].lo, now, sizeof(now));
	ok(b.list.n == 3 && b.list.updated_us > updated &&
	    strcmp(cur, now) == 0 && b.status_style != ST_ERROR &&
	    strstr(b.status, "refused") == NULL,
	    "a refresh that works replaces the list, the cursor kept");
	/* Another failure: the list stays again. */
	browse_search_start(&b);
	browse_search_done(&b, "jaeger: timeout");
	ok(b.list.n == 3 && strstr(b.status, "timeout") != NULL,
	    "a second failure keeps the list too");
	screen_cleanup(&s);
	browse_cleanup(&b);
out:
	for (i = 0; i < 3; i++)
		trace_free(ts[i]);
}

/* Keys to browse_key, each a key code (0 ends). */
static void
key_codes(struct browse *b, const int *k)
{
	for (; *k != 0; k++)
		(void)browse_key(b, *k);
}

/*
 * The '/' prompt edits at its cursor: Left/Right by whole characters,
 * Home/End, Backspace and Delete at the cursor, typing inserts there; the
 * matches follow the text and the cursor cell is drawn where it is.
 */
static void
test_prompt_cursor(void)
{
	struct browse	 b;
	struct screen	 s;
	struct trace	*t = fixture_trace("stack-ok.v3.json", 1);
	struct tview	 tv;
	char		 row[4096], err[256];
	long		 want;
	int		 x, sel, bad;
	const int	 k1[] = { 'r', 'd', 'e', 'r', BK_HOME, 'o', 0 };
	const int	 k2[] = { BK_END, 'X', BK_LEFT, BK_LEFT, BK_BACKSPACE,
			    BK_RIGHT, BK_DELETE, 0 };
	const int	 k3[] = { BK_HOME, BK_RIGHT, BK_RIGHT, 'Z', 0 };
	const int	 k4[] = { BK_CTRL('u'), 0xe9, 0x4e2d, 'x', BK_LEFT,
			    BK_LEFT, 0 };
	const int	 k5[] = { BK_DELETE, BK_LEFT, 0 };
	const int	 k6[] = { BK_RIGHT, 0x263a, BK_HOME, BK_DELETE, 0 };

	if (!ok(t != NULL, "prompt: a trace"))
		return;
	tview_init(&tv, t);
	want = tview_search(&tv, "order", err, sizeof(err));
	tview_cleanup(&tv);
	browse_init(&b, "http://jaeger");
	browse_set_trace(&b, t, NULL);
	screen_init(&s, 80, 24, 1);
	keys(&b, "/");
	key_codes(&b, k1);
	ok(b.prompt && strcmp(b.prompt_buf, "order") == 0 &&
	    b.prompt_pos == 1, "/rder Home o: inserted at the start (%s)",
	    b.prompt_buf);
	ok(want > 0 && (long)b.tv.nmatches == want, "the matches follow the "
	    "edited text (%ld)", want);
	key_codes(&b, k2);
	ok(strcmp(b.prompt_buf, "ordr") == 0 && b.prompt_pos == 4,
	    "End X Left Left Backspace Right Delete: at the cursor (%s)",
	    b.prompt_buf);
	key_codes(&b, k3);
	ok(strcmp(b.prompt_buf, "orZdr") == 0 && b.prompt_pos == 3,
	    "Home Right Right Z: typed at the cursor (%s)", b.prompt_buf);
	browse_draw(&b, &s);
	status_line(&s, row, sizeof(row), &x);
	for (x = 0, sel = -1, bad = 0; x < s.w; x++)
		if (s.cells[(size_t)(s.h - 1) * (size_t)s.w + (size_t)x].style &
		    ST_SELECTED) {
			bad += sel >= 0;
			sel = x;
		}
	if (!ok(strcmp(row, "/orZdr") == 0 && sel == 1 + 3 && !bad,
	    "the prompt drawn, one cursor cell on the 'd' (col %d)", sel))
		dump(&s);
	key_codes(&b, k4);
	ok(strcmp(b.prompt_buf, "\xc3\xa9\xe4\xb8\xadx") == 0 &&
	    b.prompt_pos == 2, "UTF-8: Left moves over whole characters");
	key_codes(&b, k5);
	ok(strcmp(b.prompt_buf, "\xc3\xa9x") == 0 && b.prompt_pos == 0,
	    "Delete removes the whole character at the cursor");
	key_codes(&b, k6);
	ok(strcmp(b.prompt_buf, "\xe2\x98\xbax") == 0 && b.prompt_pos == 0,
	    "typing after a character, Delete at the start");
	keys(&b, "\n");
	ok(!b.prompt, "Enter ends the prompt");
	keys(&b, "/");
	ok(b.prompt && b.prompt_buf[0] == '\0' && b.prompt_pos == 0,
	    "a new prompt starts empty, the cursor at 0");
	screen_cleanup(&s);
	browse_cleanup(&b);
}

/*
 * The span detail wraps by display width: a line of wide characters (CJK,
 * emoji: 2 columns) at the end of a line goes whole to the next, nothing
 * is lost, and scrolling shows the same lines as a taller screen.
 */
static void
test_wrap_wide(void)
{
	struct browse	 b;
	struct screen	 tall, s;
	struct trace_set ts;
	struct trace	*t;
	char		 val[512], json[2048], row[4096], got[4096], ref[64][512];
	char		*old = NULL, *p;
	const char	*loc;
	size_t		 n, i;
	int		 rc, y, y0, nref, top, bad, lines;

	if ((loc = setlocale(LC_CTYPE, NULL)) != NULL)
		old = strdup(loc);
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL &&
	    setlocale(LC_CTYPE, "en_US.UTF-8") == NULL)
		fprintf(stderr, "no UTF-8 locale\n");
	if (!ok(text_width("\xe4\xb8\xad") == 2, "a UTF-8 locale: CJK is 2 "
	    "columns wide"))
		goto out;
	/*
	 * "x" and 60 CJK characters, then 3 emoji: 9 + 1 + 126 columns, one
	 * wasted at the end of each line, 5 lines where a count by columns
	 * alone says 4.
	 */
	n = 0;
	val[n++] = 'x';
	for (i = 0; i < 60; i++)
		n += utf8_put(val + n, 0x4e00 + (uint32_t)i * 7);
	for (i = 0; i < 3; i++)
		n += utf8_put(val + n, 0x1f600 + (uint32_t)i);
	val[n] = '\0';
	snprintf(json, sizeof(json), "{\"result\":{\"resourceSpans\":[{"
	    "\"resource\":{\"attributes\":[{\"key\":\"service.name\","
	    "\"value\":{\"stringValue\":\"svc\"}}]},\"scopeSpans\":[{"
	    "\"spans\":[{\"traceId\":\"0000000000000000000000000000000a\","
	    "\"spanId\":\"00000000000000a1\",\"name\":\"a\","
	    "\"startTimeUnixNano\":\"1000\",\"endTimeUnixNano\":\"5000\","
	    "\"attributes\":[{\"key\":\"note\",\"value\":{\"stringValue\":"
	    "\"%s\"}}]}]}]}]}}", val);
	ts = fixture_parse(json, 1, &rc);
	if (!ok((t = fixture_one(&ts, rc)) != NULL, "a span with a wide "
	    "attribute value"))
		goto out;
	browse_init(&b, NULL);
	browse_set_trace(&b, t, NULL);
	keys(&b, "\n");
	/* 41 columns: 39 for text, 33 on continuation lines. */
	screen_init(&tall, 41, 60, 1);
	browse_draw(&b, &tall);
	y0 = row_with(&tall, "note = ");
	if (!ok(browse_screen(&b) == SCR_SPAN && y0 > 0, "the detail shows "
	    "the attribute"))
		goto done;
	/* Its lines, joined: the whole value, in order. */
	snprintf(got, sizeof(got), "%s", strstr(screen_row(&tall, y0, row,
	    sizeof(row)), "note = ") + 7);
	bad = 0;
	for (y = y0 + 1, lines = 1; y < tall.h - 1; y++, lines++) {
		screen_row(&tall, y, row, sizeof(row));
		if (strncmp(row, "       ", 7) != 0 || row[7] == ' ' ||
		    row[7] == '\0')
			break;
		if (tall.cells[(size_t)y * (size_t)tall.w + 7].ch == 0)
			bad++;	/* the right half of a split character */
		if (strlen(got) + strlen(row + 7) < sizeof(got))
			strcat(got, row + 7);
	}
	if (!ok(strcmp(got, val) == 0 && lines > 3 && !bad, "wrapped by "
	    "display width: all of the value on %d lines, none split",
	    lines))
		fprintf(stderr, "  got  %s\n  want %s\n", got, val);
	for (y = 0, bad = 0; y < tall.h; y++)
		bad += tall.cells[(size_t)y * (size_t)tall.w +
		    (size_t)tall.w - 1].ch != ' ';
	ok(bad == 0, "no line reaches into the last column");
	/* Scrolled on a short screen: the same lines as the tall one. */
	nref = 0;
	for (y = 1; y < tall.h - 1 && nref < 64; y++)
		snprintf(ref[nref++], sizeof(ref[0]), "%s",
		    screen_row(&tall, y, row, sizeof(row)));
	while (nref > 0 && ref[nref - 1][0] == '\0')
		nref--;
	screen_init(&s, 41, 12, 1);
	for (top = 0, bad = 0; top + 10 <= nref; top++) {
		b.span_top = top;
		browse_draw(&b, &s);
		/* The last body row holds the scroll percentage. */
		for (y = 1; y < s.h - 2; y++) {
			p = ref[top + y - 1];
			if (strcmp(screen_row(&s, y, row, sizeof(row)), p) != 0) {
				if (bad++ == 0)
					fprintf(stderr, "  top %d row %d: "
					    "%s\n  want %s\n", top, y, row, p);
			}
		}
	}
	ok(top > 0 && bad == 0, "scrolled: every line as on a tall screen "
	    "(%d positions)", top);
	screen_cleanup(&s);
done:
	screen_cleanup(&tall);
	browse_cleanup(&b);
out:
	if (old != NULL) {
		setlocale(LC_CTYPE, old);
		free(old);
	}
}


/* Row y is exactly want (trailing blanks aside). */
static void
row_is(const struct screen *s, int y, const char *want, const char *what)
{
	char	 row[4096];

	screen_row(s, y, row, sizeof(row));
	if (!ok(strcmp(row, want) == 0, "%s", what))
		fprintf(stderr, "# got  [%s]\n# want [%s]\n", row, want);
}

static void
red_add(struct red *r, const char *svc, const char *op, double rate,
    double err, double p50, double p95, double p99)
{
	struct red_row	*w;

	r->rows = xrealloc(r->rows, (r->n + 1) * sizeof(*r->rows));
	w = &r->rows[r->n++];
	w->service = xstrdup(svc);
	w->operation = xstrdup(op);
	w->rate = rate;
	w->errors = err;
	w->p[0] = p50;
	w->p[1] = p95;
	w->p[2] = p99;
}

/* The RED metrics screen: rows, sort, refresh, and Enter to the traces. */
static void
test_metrics_screen(void)
{
	struct browse	 b;
	struct screen	 s;
	struct red	 r;
	int		 y;

	browse_init(&b, "http://127.0.0.1:16686");
	browse_push(&b, SCR_SEARCH);
	screen_init(&s, 80, 24, 1);
	ok(keys(&b, "m") == REQ_METRICS && browse_screen(&b) == SCR_METRICS,
	    "m on the form: the metrics screen, and a fetch");
	browse_draw(&b, &s);
	ok(screen_has(&s, "Loading the metrics") &&
	    screen_has(&s, "RED metrics"), "before the answer: loading");
	memset(&r, 0, sizeof(r));
	red_add(&r, "api-gateway", "POST /api/orders", 10, 0, 2.5, 8, 12);
	red_add(&r, "order-service", "POST /v1/orders", 5, 0.2, 1, 3, 250);
	red_add(&r, "inventory-service", "POST /v1/reservations", 12, 0,
	    -1, -1, -1);
	browse_set_metrics(&b, &r, NULL);
	ok(r.rows == NULL && b.red.n == 3, "the rows are taken");
	browse_draw(&b, &s);
	row_is(&s, 3,
	    " order-service     POST /v1/orders             5.00  20.0%"
	    " 1.00ms 3.00ms  250ms", "80 columns: the worst first, "
	    "all columns");
	row_is(&s, 4,
	    " api-gateway       POST /api/orders            10.0   0.0%"
	    " 2.50ms 8.00ms 12.0ms", "then by p99");
	row_is(&s, 5,
	    " inventory-service POST /v1/reservations       12.0   0.0%"
	    "      -      -      -", "no data: a dash");
	ok(row_selected(&s, 3) && !row_selected(&s, 4), "the cursor on the "
	    "first row");
	y = row_with(&s, "20.0%");
	ok(y == 3 && s.cells[(size_t)y * (size_t)s.w + 54].style ==
	    (ST_ERROR | ST_SELECTED) && s.cells[(size_t)y * (size_t)s.w +
	    48].style == (ST_NORMAL | ST_SELECTED), "an error share is marked");
	keys(&b, "o");
	ok(strcmp(b.red.rows[0].service, "inventory-service") == 0 &&
	    strstr(b.status, "rate") != NULL, "o: sorted by rate");
	keys(&b, "ooo");
	ok(b.red_sort == RED_SORT_WORST, "o cycles back to worst first");
	b.red_updated_us = now_us() - 6 * USEC_PER_SEC;
	ok(browse_wait_ms(&b, now_us()) == 0 &&
	    browse_key(&b, BK_TIMEOUT) == REQ_METRICS,
	    "refreshed every 5 s");
	browse_set_metrics(&b, NULL, "Jaeger could not read the span metrics");
	ok(b.red.n == 3 && strstr(b.status, "could not") != NULL,
	    "a failed fetch keeps the rows and says why");
	ok(browse_wait_ms(&b, now_us()) > 4000, "and waits for the next round");
	ok(keys(&b, "j\n") == REQ_SEARCH && browse_screen(&b) == SCR_LIST &&
	    strcmp(b.req.service, "api-gateway") == 0 &&
	    strcmp(b.req.operation, "POST /api/orders") == 0 &&
	    strcmp(b.form.text[F_SERVICE], "api-gateway") == 0,
	    "Enter: that operation's traces, the form filled in");
	ok(keys(&b, "q") == REQ_NONE && browse_screen(&b) == SCR_METRICS,
	    "q: back to the metrics");
	screen_cleanup(&s);
	browse_cleanup(&b);
}


/* The form's maximum duration, tags and trace id; lookback cycling. */
static void
test_form_fields(void)
{
	struct browse	 b;
	struct screen	 s;
	struct search_req r;
	char		 err[256], buf[128];
	const char	*w[8];

	browse_init(&b, "http://127.0.0.1:16686");
	browse_push(&b, SCR_SEARCH);
	screen_init(&s, 80, 24, 1);
	browse_draw(&b, &s);
	ok(screen_has(&s, "Max duration") && screen_has(&s, "Tags") &&
	    screen_has(&s, "Trace ID") && screen_has(&s, "[ Search ]"),
	    "80x24: the form has maximum duration, tags and trace id fields");
	snprintf(b.form.text[F_LOOKBACK], sizeof(b.form.text[0]), "2h");
	b.form.cur = F_LOOKBACK;
	sform_cycle(&b.form, 1);
	ok(strcmp(b.form.text[F_LOOKBACK], "6h") == 0, "a typed 2h: next is "
	    "6h, not back to 5m (got %s)", b.form.text[F_LOOKBACK]);
	snprintf(b.form.text[F_LOOKBACK], sizeof(b.form.text[0]), "2h");
	sform_cycle(&b.form, -1);
	ok(strcmp(b.form.text[F_LOOKBACK], "1h") == 0, "a typed 2h: "
	    "previous is 1h (got %s)", b.form.text[F_LOOKBACK]);
	snprintf(b.form.text[F_LOOKBACK], sizeof(b.form.text[0]), "1h");
	snprintf(b.form.text[F_MINDUR], sizeof(b.form.text[0]), "100");
	snprintf(b.form.text[F_MAXDUR], sizeof(b.form.text[0]), "2s");
	snprintf(b.form.text[F_TAGS], sizeof(b.form.text[0]),
	    "fault.injected=true order.outcome=created");
	ok(sform_request(&b.form, now_us(), &r, err, sizeof(err)) == 0 &&
	    r.max_duration_us == 2 * USEC_PER_SEC && r.min_duration_us ==
	    100000 && strcmp(r.tags, "fault.injected=true "
	    "order.outcome=created") == 0, "maximum duration and tags in the "
	    "request");
	snprintf(buf, sizeof(buf), "%s", r.tags);
	ok(tags_split(buf, w, 8) == 2 && strcmp(w[1], "order.outcome=created")
	    == 0, "the tags split into words");
	snprintf(b.form.text[F_MAXDUR], sizeof(b.form.text[0]), "50");
	ok(sform_request(&b.form, now_us(), &r, err, sizeof(err)) == -1 &&
	    b.form.cur == F_MAXDUR && strstr(err, "below") != NULL,
	    "a maximum below the minimum is refused");
	snprintf(b.form.text[F_MAXDUR], sizeof(b.form.text[0]), "%s", "");
	snprintf(b.form.text[F_TAGS], sizeof(b.form.text[0]), "novalue");
	ok(sform_request(&b.form, now_us(), &r, err, sizeof(err)) == -1 &&
	    b.form.cur == F_TAGS, "a tag without = is refused");
	snprintf(b.form.text[F_TAGS], sizeof(b.form.text[0]), "%s", "");
	snprintf(b.form.text[F_TRACEID], sizeof(b.form.text[0]), "xyz");
	ok(sform_request(&b.form, now_us(), &r, err, sizeof(err)) == -1 &&
	    b.form.cur == F_TRACEID, "a bad trace id is refused");
	snprintf(b.form.text[F_TRACEID], sizeof(b.form.text[0]), "abc123");
	ok(keys(&b, "s") == REQ_TRACE && strcmp(b.want_trace, "abc123") == 0,
	    "a trace id: s opens that trace instead of searching");
	snprintf(b.form.text[F_TRACEID], sizeof(b.form.text[0]), "%s", "");
	snprintf(b.form.text[F_MAXDUR], sizeof(b.form.text[0]), "2s");
	snprintf(b.form.text[F_TAGS], sizeof(b.form.text[0]), "a=b");
	ok(keys(&b, "s") == REQ_SEARCH, "s: a search");
	browse_search_done(&b, NULL);
	browse_draw(&b, &s);
	ok(screen_has(&s, ">= 100ms") && screen_has(&s, "<= 2.00s") &&
	    screen_has(&s, "a=b"), "the list's head says the filters' values");
	if (!screen_has(&s, "<= 2.00s"))
		dump(&s);
	screen_cleanup(&s);
	browse_cleanup(&b);
}


/* The trace view: critical path on error bars, the split, the zoom, yank. */
static void
test_waterfall_controls(void)
{
	struct browse	 b;
	struct screen	 s;
	struct trace	*t = fixture_trace("stack-oos.legacy.json", 0);
	struct span	*sp = NULL;
	char		 id[40];
	int		 y, x, first, last, f2, l2, solid_err = 0;
	size_t		 i;

	if (!ok(t != NULL, "stack-oos loads"))
		return;
	for (i = 0; i < t->nspans && sp == NULL; i++)
		if (t->order[i]->error && t->order[i]->critical_us > 0 &&
		    t->order[i]->parent != NULL && t->order[i]->start_us >
		    t->start_us)
			sp = t->order[i];
	browse_init(&b, NULL);
	browse_set_trace(&b, t, NULL);
	screen_init(&s, 80, 24, 1);
	browse_draw(&b, &s);
	if (!ok(sp != NULL, "an error span on the critical path"))
		goto out;
	y = body_row2(&s, sp->service + 0, sp->operation);
	for (x = 0; y >= 0 && x < s.w; x++)
		if (s.cells[(size_t)y * (size_t)s.w + (size_t)x].ch ==
		    screen_glyph(&s, G_BAR) && ST_BASE(s.cells[(size_t)y *
		    (size_t)s.w + (size_t)x].style) == ST_BAR_ERR)
			solid_err++;
	ok(solid_err > 0, "an error span's bar shows its critical stretch "
	    "solid (in the error colour)");
	/* The root starts the trace and lasts it: its bar is the timeline. */
	y = body_row2(&s, "tracectl", "POST /api/orders");
	first = bar_cells(&s, y, 2, &last);
	keys(&b, ">>");
	browse_draw(&b, &s);
	f2 = bar_cells(&s, y, 2, &l2);
	ok(first > 0 && f2 == first + 8, "> >: the timeline starts 8 columns "
	    "further right (%d -> %d)", first, f2);
	keys(&b, "<<<<");
	browse_draw(&b, &s);
	f2 = bar_cells(&s, y, 2, &l2);
	ok(f2 == first - 8, "< < < <: 8 columns further left (%d)", f2);
	keys(&b, ">>");
	browse_draw(&b, &s);
	y = body_row2(&s, sp->service, sp->operation);
	f2 = bar_cells(&s, y, 2, &l2);
	ok(f2 > first, "before the zoom the span's bar starts after the "
	    "trace's (%d > %d)", f2, first);
	tview_goto(&b.tv, sp);
	keys(&b, "z");
	browse_draw(&b, &s);
	f2 = bar_cells(&s, y, 2, &l2);
	if (!ok(b.zoom_dur_us == sp->duration_us && f2 == first &&
	    l2 == last && strstr(b.status, "whole trace") != NULL, "z: the "
	    "timeline is the span's: its bar spans it all (%d-%d, %d-%d)",
	    f2, l2, first, last))
		dump(&s);
	keys(&b, "z");
	ok(b.zoom_dur_us == 0, "z again: the whole trace");
	fmt_trace_id(t->id_hi, t->id_lo, id, sizeof(id));
	keys(&b, "y");
	ok(b.yank && strcmp(browse_yank_id(&b), id) == 0, "y: the trace id "
	    "to copy (OSC 52 too)");
	keys(&b, " ");
out:
	screen_cleanup(&s);
	browse_cleanup(&b);
}


/* The span detail shows the span's log lines, read once per trace. */
static void
test_span_logs(void)
{
	struct browse	 b;
	struct screen	 s;
	struct trace	*t = fixture_trace("stack-oos.legacy.json", 0);
	struct span	*sp;
	char		**v, line[256];

	if (!ok(t != NULL, "stack-oos loads"))
		return;
	browse_init(&b, NULL);
	browse_set_trace(&b, t, NULL);
	screen_init(&s, 100, 60, 1);
	sp = tview_current(&b.tv);
	ok(keys(&b, "\n") == REQ_LOGS && browse_screen(&b) == SCR_SPAN,
	    "Enter on a span: its detail, and the trace's logs are read");
	v = xcalloc(3, sizeof(*v));
	snprintf(line, sizeof(line), "api-gateway {\"span_id\":\"%016llx\","
	    "\"status\":400}", (unsigned long long)sp->id);
	v[0] = xstrdup(line);
	v[1] = xstrdup("inventory-service {\"span_id\":\"0000000000000001\"}");
	browse_set_logs(&b, v, 2, NULL);
	browse_draw(&b, &s);
	ok(screen_has(&s, "Logs (1)") && screen_has(&s, "\"status\":400") &&
	    !screen_has(&s, "0000000000000001"), "the detail lists the span's "
	    "own log line, not the others'");
	keys(&b, "q");
	ok(keys(&b, "\n") == REQ_NONE, "read once per trace");
	browse_set_logs(&b, NULL, 0, "no log directory");
	browse_draw(&b, &s);
	ok(screen_has(&s, "Logs (0): no log directory"), "no logs: said");
	screen_cleanup(&s);
	browse_cleanup(&b);
}


/* The histogram of the listed traces' durations, and a bucket's search. */
static void
test_histogram(void)
{
	struct browse	 b;
	struct screen	 s;
	struct trace	*a = fixture_trace("stack-ok.v3.json", 1);
	struct trace	*o = fixture_trace("stack-oos.v3.json", 1);
	struct trace	*g = gen_trace(40, 3);
	int64_t		 edge[HIST_MAX + 1];
	size_t		 n[HIST_MAX], err[HIST_MAX], nb, k, sum = 0, nerr = 0;

	if (!ok(a != NULL && o != NULL && g != NULL, "three traces"))
		goto out;
	browse_init(&b, "http://127.0.0.1:16686");
	browse_push(&b, SCR_SEARCH);
	screen_init(&s, 80, 24, 1);
	ok(keys(&b, "s") == REQ_SEARCH, "a search");
	tlist_add(&b.list, a);
	tlist_add(&b.list, o);
	tlist_add(&b.list, g);
	browse_search_done(&b, NULL);
	nb = hist_buckets(&b.list, 8, edge, n, err);
	for (k = 0; k < nb; k++) {
		sum += n[k];
		nerr += err[k];
	}
	ok(nb >= 2 && sum == 3 && nerr == 1 && edge[0] <= edge[nb],
	    "buckets from the shortest to the longest hold all 3 traces, the "
	    "error one counted (%zu buckets)", nb);
	ok(keys(&b, "H") == REQ_NONE && browse_screen(&b) == SCR_HIST,
	    "H: the histogram");
	browse_draw(&b, &s);
	if (!ok(screen_has(&s, "durations of the 3 listed traces") &&
	    screen_has(&s, "(1 with errors)"), "its head and the error count"))
		dump(&s);
	/* The view's own buckets: as many as the screen has rows for. */
	nb = hist_buckets(&b.list, (size_t)(b.page - 4), edge, n, err);
	keys(&b, "G");
	ok(keys(&b, "\n") == REQ_SEARCH && browse_screen(&b) == SCR_LIST &&
	    b.req.max_duration_us == edge[nb] && b.req.min_duration_us ==
	    edge[nb - 1], "Enter on the last bucket: a search for its range");
	screen_cleanup(&s);
	browse_cleanup(&b);
out:
	trace_free(a);
	trace_free(o);
	trace_free(g);
}


/*
 * A whole screen against its saved copy (tests/golden/NAME.txt): the layout
 * is what is tested, every cell of it.  GOLDEN_UPDATE=1 writes the copies
 * (then read them before committing).
 */
static void
golden(const struct screen *s, const char *name, const char *what)
{
	char	 path[1024], *got, *want;
	FILE	*fp;
	long	 n;

	snprintf(path, sizeof(path), "%s/../golden/%s.txt", FIXTURES, name);
	got = screen_text(s);
	if (getenv("GOLDEN_UPDATE") != NULL && (fp = fopen(path, "w")) != NULL) {
		fputs(got, fp);
		fclose(fp);
	}
	want = NULL;
	if ((fp = fopen(path, "r")) != NULL) {
		fseek(fp, 0, SEEK_END);
		n = ftell(fp);
		rewind(fp);
		want = xcalloc((size_t)n + 1, 1);
		if (fread(want, 1, (size_t)n, fp) != (size_t)n)
			want[0] = '\0';
		fclose(fp);
	}
	if (!ok(want != NULL && strcmp(got, want) == 0, "%s (golden %s)",
	    what, name)) {
		fprintf(stderr, "# got:\n%s\n# want (%s):\n%s\n", got, path,
		    want != NULL ? want : "(none)");
	}
	free(got);
	free(want);
}

/* Screens whose layout matters, at 80x24, against their saved copies. */
static void
test_golden_screens(void)
{
	struct browse	 b;
	struct screen	 s;
	struct trace	*t = fixture_trace("stack-oos.legacy.json", 0);
	struct red	 r;
	struct span	*sp;

	setenv("TZ", "UTC", 1);
	tzset();
	if (!ok(t != NULL, "stack-oos loads"))
		return;
	browse_init(&b, NULL);
	browse_set_trace(&b, t, NULL);
	screen_init(&s, 80, 24, 1);
	browse_draw(&b, &s);
	golden(&s, "trace-80x24", "the trace at 80x24: tree, durations, bars, "
	    "marks");
	keys(&b, ">>>>");
	sp = fixture_find(t, "api-gateway", "POST /v1/reservations");
	if (sp != NULL)
		tview_goto(&b.tv, sp);
	keys(&b, "z");
	browse_draw(&b, &s);
	golden(&s, "trace-80x24-split-zoom", "> > > > and z: a wider tree, the "
	    "timeline zoomed to the reservation");
	browse_cleanup(&b);

	browse_init(&b, "http://127.0.0.1:16686");
	browse_push(&b, SCR_SEARCH);
	keys(&b, "m");
	memset(&r, 0, sizeof(r));
	red_add(&r, "api-gateway", "POST /api/orders", 41.2, 0, 2.58, 4.81,
	    12.9);
	red_add(&r, "inventory-service", "POST /v1/reservations", 42.4, 0.081,
	    0.797, 1.83, 4.47);
	red_add(&r, "notification-service", "POST /v1/notifications", 41.2, 0,
	    0.393, 0.9, 2.45);
	browse_set_metrics(&b, &r, NULL);
	b.red_updated_us = 1795500000LL * USEC_PER_SEC;
	browse_draw(&b, &s);
	golden(&s, "metrics-80x24", "the metrics screen at 80x24");
	screen_cleanup(&s);
	browse_cleanup(&b);
}

int
main(int argc, char *argv[])
{
	tap_start(argc, argv);
	test_rows_and_collapse();
	test_navigation();
	test_search();
	test_geometry();
	test_keytable();
	test_render_trace();
	test_render_error();
	test_links_resource();
	test_list_and_flow();
	test_big_and_deep();
	test_form_editing();
	test_refresh_labels();
	test_refresh_failure();
	test_prompt_cursor();
	test_wrap_wide();
	test_metrics_screen();
	test_form_fields();
	test_waterfall_controls();
	test_span_logs();
	test_histogram();
	test_golden_screens();
	return (tap_done());
}
