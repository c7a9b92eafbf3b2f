/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view_waterfall.c: the trace view: the collapsible span tree beside a
 * timeline scaled to the trace, each span's bar at its offset and length,
 * duration and self time, the critical path and error spans marked, search
 * matches highlighted, the split between tree and timeline movable and the
 * timeline zoomable to a span; and what its keys do (through its model,
 * tview.c).
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "browse.h"

struct wf_cols {
	int	 tree, treew, dur, self, bar, barw;
};

/*
 * The tree takes what its widest name needs, leaving the timeline at least
 * a third of a wide terminal (a fifth of a narrow one).
 */
static void
wf_layout(int w, int need, int split, struct wf_cols *c)
{
	int	 most;

	c->tree = 2;
	most = w - c->tree - 1 - 18 - 1 - (w >= 100 ? w / 3 : w / 5);
	c->treew = need + 1;
	if (c->treew > most)
		c->treew = most;
	if (c->treew < 24)
		c->treew = 24;
	/* '<' and '>' move the split: the timeline keeps 8 columns. */
	c->treew += split;
	if (c->treew > w - c->tree - 1 - 18 - 1 - 8)
		c->treew = w - c->tree - 1 - 18 - 1 - 8;
	if (c->treew < 12)
		c->treew = 12;
	c->dur = c->tree + c->treew + 1;
	c->self = c->dur + 9;
	c->bar = c->self + 9;
	c->barw = w - c->bar - 1;
	if (c->barw < 4) {
		/* Narrow: give the tree what the bars cannot use. */
		c->barw = 4;
		c->bar = w - 5;
		c->self = c->bar - 9;
		c->dur = c->self - 9;
		c->treew = c->dur - c->tree - 1;
	}
}

static void
draw_tree_cell(struct browse *b, struct screen *s, int y,
    const struct wf_cols *c, struct span *sp)
{
	struct tview	*tv = &b->tv;
	struct span	*a;
	uint32_t	 g1[256], g2[256];
	int		 d, maxl, skip, k, x, end, st, sw, ow;
	size_t		 idx = span_index(tv, sp);
	char		 more[32];

	end = c->tree + c->treew;
	d = sp->depth;
	maxl = (c->treew - 14) / 2;
	if (maxl < 1)
		maxl = 1;
	if (maxl > 256)
		maxl = 256;
	skip = d > maxl ? d - maxl : 0;
	/* Levels 1..d, right to left: the span's branch, then ancestors. */
	for (k = d, a = sp; k >= 1 && a != NULL; k--, a = a->parent) {
		int last = tv->last[span_index(tv, a)];

		if (k <= skip)
			break;
		if (k == d) {
			g1[k - skip - 1] = screen_glyph(s, last ? G_ELBOW :
			    G_TEE);
			g2[k - skip - 1] = screen_glyph(s, G_HLINE);
		} else {
			g1[k - skip - 1] = last ? ' ' : screen_glyph(s,
			    G_VLINE);
			g2[k - skip - 1] = ' ';
		}
	}
	x = c->tree;
	if (skip > 0 && d - skip > 0)
		g1[0] = screen_glyph(s, G_ELLIPSIS);
	for (k = 0; k < d - skip; k++) {
		screen_fill(s, y, x++, 1, g1[k], ST_DIM);
		screen_fill(s, y, x++, 1, g2[k], ST_DIM);
	}
	if (sp->nchildren > 0)
		screen_fill(s, y, x++, 1, screen_glyph(s, tv->collapsed[idx] ?
		    G_CLOSED : G_OPEN), ST_HEAD);
	else
		screen_fill(s, y, x++, 1, d > 0 ? screen_glyph(s, G_LEAF) : ' ',
		    ST_DIM);
	x++;
	/* Short of room, the operation keeps its width: it differs more. */
	sw = text_width(sp->service);
	ow = text_width(sp->operation);
	if (sw + 1 + ow > end - x && sw > 6)
		sw = end - x - 1 - ow < 6 ? 6 : end - x - 1 - ow;
	x += screen_put_clip(s, y, x, sw < end - x ? sw : end - x,
	    service_style(b->trace, sp->service), sp->service);
	x++;
	st = tv->match[idx] ? ST_MATCH : sp->error ? ST_ERROR : ST_NORMAL;
	if (x < end)
		x += screen_put_clip(s, y, x, end - x, st, sp->operation);
	if (tv->collapsed[idx] && x + 2 < end) {
		snprintf(more, sizeof(more), " (+%zu)", tv->hidden[idx]);
		screen_put_clip(s, y, x, end - x, ST_DIM, more);
	}
}


/*
 * A span's bar: an error span's in the error style; any other's light, with
 * the stretches of it on the critical path drawn solid over it.
 */
/*
 * [start, start + dur) within the timeline's window, as columns; 0 when
 * none of it is in the window (zoomed in elsewhere).
 */
static int
win_geometry(int64_t w0, int64_t wd, int64_t start, int64_t dur, int width,
    int *x, int *len)
{
	int64_t	 a = start, e = start + dur;

	if (e < w0 || a > w0 + wd)
		return (0);
	if (a < w0)
		a = w0;
	if (e > w0 + wd)
		e = w0 + wd;
	bar_geometry(w0, wd, a, e - a, width, x, len);
	return (1);
}

/*
 * A span's bar: light, in the error style for an error span, with the
 * stretches of it on the critical path drawn solid over it (an error span's
 * too); within the timeline's window w0 .. w0 + wd.
 */
static void
draw_bar(struct screen *s, int y, const struct wf_cols *c,
    const struct trace *t, const struct span *sp, int64_t w0, int64_t wd)
{
	const struct cp_section	*cs;
	int			 x, len, i;

	if (!win_geometry(w0, wd, sp->start_us, sp->duration_us, c->barw, &x,
	    &len))
		return;
	screen_fill(s, y, c->bar + x, len, screen_glyph(s, G_BAR_LIGHT),
	    sp->error ? ST_BAR_ERR : ST_BAR);
	for (i = sp->cp_first; i >= 0; i = cs->next) {
		cs = &t->cp[i];
		if (win_geometry(w0, wd, cs->start_us, cs->end_us -
		    cs->start_us, c->barw, &x, &len))
			screen_fill(s, y, c->bar + x, len, screen_glyph(s,
			    G_BAR), sp->error ? ST_BAR_ERR : ST_BAR_CRIT);
	}
}

static void
waterfall_draw(struct browse *b, struct screen *s, int y0, int h)
{
	struct tview	*tv = &b->tv;
	struct trace	*t = b->trace;
	struct wf_cols	 c;
	struct span	*sp;
	char		 d1[32], d2[32], when[40], id[40];
	int		 rows, y, x;
	size_t		 i;
	int64_t		 w0, wd;

	if (t == NULL)
		return;
	wf_layout(s->w, tv->name_width, b->split, &c);
	w0 = t->start_us;
	wd = t->duration_us;
	if (b->zoom_dur_us > 0) {
		w0 = b->zoom_start_us;
		wd = b->zoom_dur_us;
	}
	fmt_duration(t->duration_us, d1, sizeof(d1));
	fmt_time_local(t->start_us, when, sizeof(when));
	fmt_trace_id(t->id_hi, t->id_lo, id, sizeof(id));
	x = 1;
	if (t->root != NULL) {
		x += screen_put_clip(s, y0, x, s->w - x, ST_HEAD,
		    t->root->service);
		x += 1;
		x += screen_put_clip(s, y0, x, s->w - x, ST_HEAD,
		    t->root->operation);
	}
	x += screen_putf(s, y0, x, s->w - x, ST_NORMAL, "  %s  %zu spans  "
	    "%zu services", d1, t->nspans, t->nservices);
	if (t->nerrors > 0)
		x += screen_putf(s, y0, x, s->w - x, ST_ERROR, "  %zu error%s",
		    t->nerrors, t->nerrors == 1 ? "" : "s");
	if (tv->query[0] != '\0')
		x += screen_putf(s, y0, x, s->w - x, ST_MATCH, "  /%s: %zu",
		    tv->query, tv->nmatches);
	screen_putf(s, y0, x, s->w - x, ST_DIM, "  %s  %s", when, id);

	y = y0 + 1;
	screen_put(s, y, c.tree, c.treew, ST_HEAD, "SPAN");
	screen_put_right(s, y, c.dur, 8, ST_HEAD, "DURATION");
	screen_put_right(s, y, c.self, 8, ST_HEAD, "SELF");
	/*
	 * The window's ends and middle, as offsets into the trace: the end
	 * only with room for both, the middle only on a wide timeline.
	 */
	if (w0 == t->start_us)
		snprintf(d2, sizeof(d2), "0");
	else
		fmt_duration(w0 - t->start_us, d2, sizeof(d2));
	fmt_duration(w0 - t->start_us + wd, d1, sizeof(d1));
	screen_put(s, y, c.bar, c.barw, b->zoom_dur_us > 0 ? ST_MATCH :
	    ST_HEAD, d2);
	if (text_width(d2) + 1 + text_width(d1) <= c.barw)
		screen_put_right(s, y, c.bar, c.barw, b->zoom_dur_us > 0 ?
		    ST_MATCH : ST_HEAD, d1);
	fmt_duration(w0 - t->start_us + wd / 2, d2, sizeof(d2));
	if (c.barw >= 24)
		screen_put(s, y, c.bar + c.barw / 2 - text_width(d2) / 2,
		    text_width(d2), ST_HEAD, d2);

	rows = h - 2;
	tview_scroll(tv, rows);
	for (i = tv->top; i < tv->nrows && (int)(i - tv->top) < rows; i++) {
		sp = tv->rows[i];
		y = y0 + 2 + (int)(i - tv->top);
		if (sp->error)
			screen_fill(s, y, 0, 1, screen_glyph(s, G_ERROR),
			    ST_ERROR);
		if (sp->critical_us > 0)
			screen_fill(s, y, 1, 1, screen_glyph(s, G_CRIT),
			    ST_CRIT);
		draw_tree_cell(b, s, y, &c, sp);
		fmt_duration(sp->duration_us, d1, sizeof(d1));
		screen_put_right(s, y, c.dur, 8, sp->critical_us > 0 ?
		    ST_CRIT : ST_NORMAL, d1);
		fmt_duration(sp->self_us, d2, sizeof(d2));
		screen_put_right(s, y, c.self, 8, ST_DIM, d2);
		draw_bar(s, y, &c, t, sp, w0, wd);
		if (i == tv->cursor)
			screen_or_style(s, y, 0, s->w, ST_SELECTED);
	}
}

static void
say_span(struct browse *b, const char *what, struct span *sp, int wrapped,
    size_t nth, size_t of)
{
	browse_status(b, sp->error ? ST_ERROR : ST_NORMAL, "%s %zu of %zu: "
	    "%s %s%s%s%s", what, nth, of, sp->service, sp->operation,
	    sp->error && sp->status_message != NULL ? ": " : "",
	    sp->error && sp->status_message != NULL ? sp->status_message : "",
	    wrapped ? " (wrapped)" : "");
}

static size_t
rank(struct tview *tv, int (*pred)(const struct tview *, const struct span *),
    struct span *sp, size_t *of)
{
	size_t	 i, nth = 0;

	*of = 0;
	for (i = 0; i < tv->n; i++) {
		if (!pred(tv, tv->t->order[i]))
			continue;
		(*of)++;
		if (tv->t->order[i] == sp)
			nth = *of;
	}
	return (nth);
}

static void
jump(struct browse *b, int (*pred)(const struct tview *, const struct span *),
    int dir, const char *what, const char *none)
{
	struct span	*sp;
	size_t		 nth, of;
	int		 wrapped;

	if ((sp = tview_find(&b->tv, pred, dir, &wrapped)) == NULL) {
		browse_status(b, ST_NORMAL, "%s", none);
		return;
	}
	nth = rank(&b->tv, pred, sp, &of);
	say_span(b, what, sp, wrapped, nth, of);
}

static enum request
waterfall_act(struct browse *b, enum action a)
{
	struct tview	*tv = &b->tv;
	struct span	*sp;
	long		 rows;
	char		 d[32];

	if (move_rows(b, a, tv->nrows, &rows)) {
		tview_move(tv, rows);
		return (REQ_NONE);
	}
	switch (a) {
	case A_OPEN:
		if (tview_current(tv) != NULL) {
			b->span_top = 0;
			browse_push(b, SCR_SPAN);
			/* Its log lines, read once per trace. */
			if (b->logs_state == 0)
				return (REQ_LOGS);
		}
		break;
	case A_COLLAPSE:
		(void)tview_collapse(tv);
		break;
	case A_EXPAND:
		(void)tview_expand(tv);
		break;
	case A_TOGGLE:
		(void)tview_toggle(tv);
		break;
	case A_COLLAPSE_ALL:
		tview_collapse_all(tv);
		break;
	case A_EXPAND_ALL:
		tview_expand_all(tv);
		break;
	case A_PARENT:
		if (!tview_parent(tv))
			browse_status(b, ST_NORMAL, "a root span: no parent");
		break;
	case A_NEXT_ERR:
	case A_PREV_ERR:
		jump(b, pred_error, a == A_NEXT_ERR ? 1 : -1, "error",
		    "no error spans in this trace");
		break;
	case A_NEXT_CRIT:
	case A_PREV_CRIT:
		jump(b, pred_critical, a == A_NEXT_CRIT ? 1 : -1,
		    "critical path", "no critical path");
		break;
	case A_FIND_NEXT:
	case A_FIND_PREV:
		if (tv->nmatches == 0) {
			browse_status(b, ST_NORMAL, "no search (/ to search)");
			break;
		}
		jump(b, pred_match, a == A_FIND_NEXT ? 1 : -1, "match",
		    "no match");
		break;
	case A_YANK:
		b->yank = 1;
		break;
	case A_SPLIT_LEFT:
	case A_SPLIT_RIGHT:
		b->split += a == A_SPLIT_LEFT ? -4 : 4;
		if (b->split < -200)
			b->split = -200;
		if (b->split > 200)
			b->split = 200;
		break;
	case A_ZOOM:
		if (b->zoom_dur_us > 0 || (sp = tview_current(tv)) == NULL) {
			b->zoom_dur_us = 0;
			browse_status(b, ST_NORMAL, "the whole trace");
			break;
		}
		b->zoom_start_us = sp->start_us;
		b->zoom_dur_us = sp->duration_us > 0 ? sp->duration_us : 1;
		fmt_duration(b->zoom_dur_us, d, sizeof(d));
		browse_status(b, ST_NORMAL, "timeline: %s %s (%s); z: the "
		    "whole trace", sp->service, sp->operation, d);
		break;
	case A_REFRESH:
		fmt_trace_id(b->trace->id_hi, b->trace->id_lo, b->want_trace,
		    sizeof(b->want_trace));
		return (REQ_TRACE);
	default:
		break;
	}
	return (REQ_NONE);
}

const struct view_ops view_waterfall_ops = {
	"trace", waterfall_draw, waterfall_act
};
