/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view_search.c: the search screen: a form (service, operation, minimum
 * duration, errors only, time range, limit, sort, auto-refresh, maximum
 * duration, tags, a trace id to open) drawn into a screen, and what its
 * keys do to the form.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "browse.h"

static const char *const labels[F_COUNT] = {
	"Service", "Operation", "Min duration", "Errors only", "Lookback",
	"End", "Limit", "Sort by", "Auto-refresh", "Max duration", "Tags",
	"Trace ID", ""
};
static const char *const hints[F_COUNT] = {
	"h/l: choose, Enter: type a name",
	"h/l: choose (the service's operations)",
	"e.g. 200ms, 1.5s (bare number: ms); empty: any",
	"Space: toggle",
	"the window ends at End; e.g. 15m, 1h, 2d",
	"now, -30m (ago) or 2026-11-24T19:00:00Z",
	"at most this many traces",
	"newest first, or longest first",
	"re-run the search on the list screen",
	"e.g. 2s (bare number: ms); empty: any",
	"key=value, several with spaces, e.g. fault.injected=true",
	"open this trace instead of searching (1 to 32 hex digits)",
	"Enter or s: search"
};

static int
is_choice(enum field f)
{
	return (f == F_SERVICE || f == F_OPERATION || f == F_ERRORS ||
	    f == F_LOOKBACK || f == F_LIMIT || f == F_SORT || f == F_REFRESH);
}

static void
search_draw(struct browse *b, struct screen *s, int y0, int h)
{
	struct sform	*f = &b->form;
	int		 lw = 16, vw, x, y, sel, i, pos;
	char		 v[160];

	screen_putf(s, y0, 1, s->w - 2, ST_HEAD, "Search traces in Jaeger "
	    "(%s)", b->jaeger_url != NULL ? b->jaeger_url : "");
	vw = s->w - lw - 4;
	if (vw > 40)
		vw = 40;
	for (i = 0; i < F_COUNT && 2 + i < h; i++) {
		y = y0 + 2 + i;
		sel = (size_t)i == f->cur;
		if (i == F_GO) {
			screen_put(s, y, 2 + lw, 12, sel ? ST_KEY | ST_SELECTED :
			    ST_KEY, "[ Search ]");
		} else {
			screen_put(s, y, 2, lw, sel ? ST_HEAD : ST_NORMAL,
			    labels[i]);
			if (i == F_ERRORS)
				snprintf(v, sizeof(v), "[%c]",
				    strcmp(f->text[i], "yes") == 0 ? 'x' : ' ');
			else if (is_choice(i) && !(sel && f->editing))
				snprintf(v, sizeof(v), "< %s >", f->text[i]);
			else
				snprintf(v, sizeof(v), "%s", f->text[i]);
			screen_fill(s, y, 2 + lw, vw, ' ', ST_FIELD |
			    (sel ? ST_SELECTED : 0));
			screen_put_clip(s, y, 2 + lw, vw, ST_FIELD |
			    (sel ? ST_SELECTED : 0), v);
			if (sel && f->editing) {
				/* The edit cursor: the cell after the text. */
				char	 head[128];

				pos = (int)f->edit_pos;
				snprintf(head, sizeof(head), "%.*s", pos,
				    f->text[i]);
				x = 2 + lw + text_width(head);
				if (x < 2 + lw + vw)
					screen_style(s, y, x, 1, ST_FIELD);
			}
		}
		if (sel && 2 + lw + vw + 2 < s->w)
			screen_put_clip(s, y, 2 + lw + vw + 2, s->w - (4 + lw +
			    vw), ST_DIM, hints[i]);
	}
	y = y0 + 2 + F_COUNT + 1;
	if (y < y0 + h && b->list.n > 0)
		screen_putf(s, y, 2, s->w - 4, ST_DIM, "The last search found "
		    "%zu trace%s.", b->list.n, b->list.n == 1 ? "" : "s");
	if (f->editing && y + 1 < y0 + h)
		screen_put(s, y + 1, 2, s->w - 4, ST_DIM, "Editing: Enter "
		    "done, Esc undo, ^U clear, Left/Right move");
}

static enum request
start_search(struct browse *b)
{
	char	 err[256];

	if (sform_request(&b->form, now_us(), &b->req, err,
	    sizeof(err)) == -1) {
		browse_status(b, ST_ERROR, "%s", err);
		return (REQ_NONE);
	}
	if (b->req.trace_id[0] != '\0') {
		/* A trace id: that trace, no search. */
		snprintf(b->want_trace, sizeof(b->want_trace), "%s",
		    b->req.trace_id);
		return (REQ_TRACE);
	}
	b->have_req = 1;
	return (REQ_SEARCH);
}

static enum request
search_act(struct browse *b, enum action a)
{
	struct sform	*f = &b->form;

	switch (a) {
	case A_UP:
		f->cur = (f->cur + F_COUNT - 1) % F_COUNT;
		break;
	case A_DOWN:
		f->cur = (f->cur + 1) % F_COUNT;
		break;
	case A_PREV_VAL:
	case A_NEXT_VAL:
	case A_TOGGLE:
		if (f->cur == F_GO)
			break;
		sform_cycle(f, a == A_PREV_VAL ? -1 : 1);
		if (f->cur == F_SERVICE) {
			snprintf(f->text[F_OPERATION], sizeof(f->text[0]),
			    "(all)");
			return (REQ_OPERATIONS);
		}
		break;
	case A_OPEN:
		if (f->cur == F_GO)
			return (start_search(b));
		if (f->cur == F_ERRORS || f->cur == F_SORT) {
			sform_cycle(f, 1);
			break;
		}
		memcpy(f->saved, f->text[f->cur], sizeof(f->saved));
		f->editing = 1;
		f->edit_pos = strlen(f->text[f->cur]);
		break;
	case A_SEARCH:
		return (start_search(b));
	default:
		break;
	}
	return (REQ_NONE);
}

const struct view_ops view_search_ops = {
	"search", search_draw, search_act
};
