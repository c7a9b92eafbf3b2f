/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view_list.c: the trace list: one row per trace of the last search (start,
 * a duration bar scaled to the longest, root operation, span count,
 * services, errors), its sort, refresh and auto-refresh.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "browse.h"

/* Column layout for a width: x and width of each column. */
struct list_cols {
	int	 start, startw, bar, barw, dur, root, rootw, spans, svcs, svcsw,
		 err;
};

static void
list_layout(int w, int wide_time, struct list_cols *c)
{
	int	 rest;

	c->start = 1;
	c->startw = wide_time ? 18 : 12;
	c->bar = c->start + c->startw + 1;
	c->barw = w >= 140 ? 24 : w >= 100 ? 16 : 10;
	c->dur = c->bar + c->barw + 1;
	c->root = c->dur + 8 + 1;
	/* Fixed: spans (5), errors (4); the rest: root and services. */
	rest = w - c->root - 1 - 6 - 5;
	if (rest < 10)
		rest = 10;
	c->rootw = rest * 3 / 5;
	c->svcsw = rest - c->rootw - 1;
	c->spans = c->root + c->rootw + 1;
	c->svcs = c->spans + 6;
	c->err = c->svcs + c->svcsw + 1;
}

static void
fmt_start(int64_t us, int wide, char *b, size_t n)
{
	struct tm	 tm;
	time_t		 t = (time_t)(us / USEC_PER_SEC);
	char		 base[32];

	localtime_r(&t, &tm);
	strftime(base, sizeof(base), wide ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S",
	    &tm);
	if (wide)
		snprintf(b, n, "%s", base);
	else
		snprintf(b, n, "%.19s.%03u", base,
		    (unsigned)((us % USEC_PER_SEC) / 1000) % 1000u);
}

static void
list_draw(struct browse *b, struct screen *s, int y0, int h)
{
	struct tlist		*l = &b->list;
	struct list_cols	 c;
	struct trace_row	*r;
	char			 t[64], dur[32], upd[32], ref[32], d1[32];
	char			 filt[256];
	int			 y, rows, wide_time, x, len, st;
	size_t			 i;

	wide_time = b->have_req && b->req.end_us - b->req.start_us >
	    24 * 3600 * USEC_PER_SEC;
	list_layout(s->w, wide_time, &c);
	fmt_start(l->updated_us, 0, upd, sizeof(upd));
	refresh_label(b->req.refresh_us, ref, sizeof(ref));
	/* The search as asked: each filter with its value. */
	filt[0] = '\0';
	if (b->req.min_duration_us > 0) {
		fmt_duration(b->req.min_duration_us, d1, sizeof(d1));
		snprintf(filt + strlen(filt), sizeof(filt) - strlen(filt),
		    "  >= %s", d1);
	}
	if (b->req.max_duration_us > 0) {
		fmt_duration(b->req.max_duration_us, d1, sizeof(d1));
		snprintf(filt + strlen(filt), sizeof(filt) - strlen(filt),
		    "  <= %s", d1);
	}
	if (b->req.tags[0] != '\0')
		snprintf(filt + strlen(filt), sizeof(filt) - strlen(filt),
		    "  %s", b->req.tags);
	screen_putf(s, y0, 1, s->w - 2, ST_HEAD, "%zu trace%s  service %s  "
	    "operation %s%s%s  sorted by %s  auto-refresh %s  updated %.8s",
	    l->n, l->n == 1 ? "" : "s",
	    b->req.service[0] != '\0' ? b->req.service : "(all)",
	    b->req.operation[0] != '\0' ? b->req.operation : "(all)",
	    b->req.errors_only ? "  errors only" : "", filt,
	    l->by_duration ? "duration" : "start", ref, upd);
	y = y0 + 1;
	screen_put(s, y, c.start, c.startw, ST_HEAD, "START");
	screen_put(s, y, c.bar, c.barw + 9, ST_HEAD, "DURATION");
	screen_put(s, y, c.root, c.rootw, ST_HEAD, "ROOT");
	screen_put_right(s, y, c.spans, 5, ST_HEAD, "SPANS");
	screen_put(s, y, c.svcs, c.svcsw, ST_HEAD, "SERVICES");
	screen_put(s, y, c.err, 4, ST_HEAD, "ERR");
	rows = h - 2;
	tlist_scroll(l, rows);
	for (i = l->top; i < l->n && (int)(i - l->top) < rows; i++) {
		r = &l->rows[i];
		y = y0 + 2 + (int)(i - l->top);
		fmt_start(r->start_us, wide_time, t, sizeof(t));
		screen_put(s, y, c.start, c.startw, ST_NORMAL, t);
		bar_geometry(0, l->max_duration_us, 0, r->duration_us, c.barw,
		    &x, &len);
		st = r->nerrors > 0 ? ST_BAR_ERR : ST_BAR;
		screen_fill(s, y, c.bar, len, screen_glyph(s, G_BAR), st);
		fmt_duration(r->duration_us, dur, sizeof(dur));
		screen_put_right(s, y, c.dur, 8, ST_NORMAL, dur);
		screen_put_clip(s, y, c.root, c.rootw, ST_NORMAL, r->root);
		screen_putf(s, y, c.spans, 5, ST_NORMAL, "%5zu", r->nspans);
		screen_putf(s, y, c.svcs, 3, ST_DIM, "%zu ", r->nservices);
		screen_put_clip(s, y, c.svcs + 2, c.svcsw - 2, ST_NORMAL,
		    r->services);
		if (r->nerrors > 0) {
			screen_fill(s, y, c.err, 1, screen_glyph(s, G_ERROR),
			    ST_ERROR);
			screen_putf(s, y, c.err + 1, 3, ST_ERROR, "%zu",
			    r->nerrors);
		}
		if (i == l->cursor)
			screen_or_style(s, y, 0, s->w, ST_SELECTED);
	}
	if (l->n == 0 && h > 3)
		screen_put(s, y0 + 3, 2, s->w - 4, ST_DIM, "No traces.  s: "
		    "edit the search, r: search again.");
}

static enum request
list_act(struct browse *b, enum action a)
{
	struct tlist	*l = &b->list;
	size_t		 i;
	long		 rows;
	char		 d[32];

	if (move_rows(b, a, l->n, &rows)) {
		tlist_move(l, rows);
		return (REQ_NONE);
	}
	switch (a) {
	case A_OPEN:
		if (l->n == 0)
			break;
		fmt_trace_id(l->rows[l->cursor].hi, l->rows[l->cursor].lo,
		    b->want_trace, sizeof(b->want_trace));
		return (REQ_TRACE);
	case A_SORT:
		l->by_duration = !l->by_duration;
		b->req.by_duration = l->by_duration;
		snprintf(b->form.text[F_SORT], sizeof(b->form.text[0]), "%s",
		    l->by_duration ? "duration" : "start");
		tlist_sort(l);
		browse_status(b, ST_NORMAL, "sorted by %s", l->by_duration ?
		    "duration, longest first" : "start, newest first");
		break;
	case A_REFRESH:
		return (b->have_req ? REQ_SEARCH : REQ_NONE);
	case A_AUTO:
		for (i = 0; i < refresh_nintervals; i++)
			if (refresh_intervals[i] == b->req.refresh_us)
				break;
		b->req.refresh_us = refresh_intervals[(i + 1) %
		    refresh_nintervals];
		refresh_label(b->req.refresh_us, d, sizeof(d));
		snprintf(b->form.text[F_REFRESH], sizeof(b->form.text[0]), "%s",
		    d);
		if (b->req.refresh_us > 0)
			browse_status(b, ST_NORMAL, "auto-refresh every %s", d);
		else
			browse_status(b, ST_NORMAL, "auto-refresh off");
		break;
	case A_SEARCH:
		if (b->depth > 1)
			b->depth--;
		else
			b->stack[0] = SCR_SEARCH;
		break;
	case A_YANK:
		if (l->n > 0)
			b->yank = 1;
		break;
	case A_HIST:
		if (l->n == 0) {
			browse_status(b, ST_NORMAL, "no traces to count");
			break;
		}
		b->hist_cursor = 0;
		browse_push(b, SCR_HIST);
		break;
	default:
		break;
	}
	return (REQ_NONE);
}

const struct view_ops view_list_ops = {
	"traces", list_draw, list_act
};
