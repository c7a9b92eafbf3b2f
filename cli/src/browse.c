/* SPDX-License-Identifier: Apache-2.0 */
/*
 * browse.c: the browser's state machine: the stack of screens (search form,
 * trace list, trace, span), what a key does before the screen's view gets
 * it (help overlay, the id popup, the '/' prompt, the form's line editor),
 * the metrics screen's refresh,
 * the frame every screen shares (title and status lines), how far the
 * cursor keys move in the list and trace views, and the answers the I/O
 * side hands back (a failed search keeps the list from before it).  It
 * asks for I/O by returning a request; it never performs any.
 */

#include <sys/types.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"

static const struct view_ops *const views[SCR_COUNT] = {
	&view_search_ops, &view_list_ops, &view_waterfall_ops, &view_span_ops,
	&view_metrics_ops, &view_hist_ops
};

void
browse_init(struct browse *b, const char *jaeger_url)
{
	memset(b, 0, sizeof(*b));
	sform_init(&b->form);
	tlist_init(&b->list);
	tlist_init(&b->kept);
	b->jaeger_url = jaeger_url;
}

static void
drop_logs(struct browse *b)
{
	size_t	 i;

	for (i = 0; i < b->nlogs; i++)
		free(b->logs[i]);
	free(b->logs);
	b->logs = NULL;
	b->nlogs = 0;
	b->logs_state = 0;
}

void
browse_set_logs(struct browse *b, char **v, size_t n, const char *err)
{
	drop_logs(b);
	b->logs = v;
	b->nlogs = n;
	b->logs_state = err != NULL ? -1 : 1;
	if (err != NULL)
		browse_status(b, ST_NORMAL, "no logs: %s", err);
}

static void
drop_trace(struct browse *b)
{
	drop_logs(b);
	if (b->trace == NULL)
		return;
	tview_cleanup(&b->tv);
	trace_free(b->trace);
	b->trace = NULL;
}

void
browse_cleanup(struct browse *b)
{
	drop_trace(b);
	tlist_clear(&b->list);
	tlist_clear(&b->kept);
	sform_cleanup(&b->form);
	red_cleanup(&b->red);
}

enum scr
browse_screen(const struct browse *b)
{
	return (b->depth > 0 ? b->stack[b->depth - 1] : SCR_SEARCH);
}

void
browse_push(struct browse *b, enum scr s)
{
	if (b->depth > 0 && b->stack[b->depth - 1] == s)
		return;
	if (b->depth < SCR_COUNT)
		b->stack[b->depth++] = s;
}

void
browse_status(struct browse *b, int style, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(b->status, sizeof(b->status), fmt, ap);
	va_end(ap);
	b->status_style = style;
}

/* Back one screen; from the first one, quit. */
static enum request
go_back(struct browse *b)
{
	enum scr	 s;

	if (b->depth <= 1)
		return (REQ_QUIT);
	s = b->stack[--b->depth];
	if (s == SCR_TRACE)
		drop_trace(b);
	return (REQ_NONE);
}

static void
prompt_key(struct browse *b, int key)
{
	char	 err[256];
	long	 n;
	int	 rc;

	if (key == BK_ESC) {
		b->prompt = 0;
		(void)tview_search(&b->tv, "", err, sizeof(err));
		browse_status(b, ST_NORMAL, "search cancelled");
		return;
	}
	rc = line_edit(b->prompt_buf, sizeof(b->prompt_buf), &b->prompt_pos,
	    key);
	if (rc == 0)
		return;
	/* Matches follow the typing; Enter keeps them. */
	n = tview_search(&b->tv, b->prompt_buf, err, sizeof(err));
	if (rc == 2)
		b->prompt = 0;
	if (n < 0)
		browse_status(b, ST_ERROR, "%s", err);
	else if (b->prompt_buf[0] == '\0')
		browse_status(b, ST_NORMAL, "%s", rc == 2 ? "search cleared" :
		    "");
	else
		browse_status(b, n > 0 ? ST_NORMAL : ST_ERROR, "%ld span%s "
		    "match%s%s", n, n == 1 ? "" : "s", n == 1 ? "es" : "",
		    rc == 2 && n > 0 ? " (n: next, N: previous)" : "");
}

enum request
browse_key(struct browse *b, int key)
{
	enum scr	 scr = browse_screen(b);
	enum action	 a;
	char		 svc[128];

	if (key == BK_RESIZE)
		return (REQ_NONE);
	if (key == BK_TIMEOUT) {
		if (scr == SCR_LIST && b->have_req && b->req.refresh_us > 0 &&
		    !b->help && now_us() - b->last_search_us >=
		    b->req.refresh_us)
			return (REQ_SEARCH);
		if (scr == SCR_METRICS && !b->help && now_us() -
		    b->red_updated_us >= METRICS_REFRESH_US)
			return (REQ_METRICS);
		return (REQ_NONE);
	}
	if (b->help)
		return (view_help_ops.act(b, browse_action(scr, key)));
	if (b->yank) {
		b->yank = 0;
		return (key == 'Q' ? REQ_QUIT : REQ_NONE);
	}
	b->status[0] = '\0';
	if (b->prompt) {
		prompt_key(b, key);
		return (REQ_NONE);
	}
	if (scr == SCR_SEARCH && b->form.editing) {
		snprintf(svc, sizeof(svc), "%s", b->form.text[F_SERVICE]);
		sform_edit_key(&b->form, key);
		if (!b->form.editing && b->form.cur == F_SERVICE &&
		    strcmp(svc, b->form.text[F_SERVICE]) != 0) {
			/* Another service: its operations, none chosen. */
			snprintf(b->form.text[F_OPERATION],
			    sizeof(b->form.text[0]), "(all)");
			return (REQ_OPERATIONS);
		}
		return (REQ_NONE);
	}
	a = browse_action(scr, key);
	switch (a) {
	case A_NONE:
		return (REQ_NONE);
	case A_HELP:
		b->help = 1;
		b->help_top = 0;
		return (REQ_NONE);
	case A_QUIT:
		return (REQ_QUIT);
	case A_BACK:
		return (go_back(b));
	case A_METRICS:
		browse_push(b, SCR_METRICS);
		return (REQ_METRICS);
	case A_FIND:
		if (scr != SCR_TRACE)
			break;
		b->prompt = 1;
		b->prompt_buf[0] = '\0';
		b->prompt_pos = 0;
		return (REQ_NONE);
	default:
		break;
	}
	return (views[scr]->act(b, a));
}

long
page_rows(const struct browse *b)
{
	/* The list and trace views spend 2 body rows on heads. */
	int	 rows = browse_screen(b) == SCR_SPAN ? b->page : b->page - 2;

	return (rows > 2 ? rows - 1 : 1);
}

int
move_rows(const struct browse *b, enum action a, size_t n, long *d)
{
	switch (a) {
	case A_UP:
		*d = -1;
		break;
	case A_DOWN:
		*d = 1;
		break;
	case A_PGUP:
		*d = -page_rows(b);
		break;
	case A_PGDN:
		*d = page_rows(b);
		break;
	case A_HOME:
		*d = -(long)n;
		break;
	case A_END:
		*d = (long)n;
		break;
	default:
		return (0);
	}
	return (1);
}

int
service_style(const struct trace *t, const char *svc)
{
	size_t	 i;

	for (i = 0; i < t->nservices; i++)
		if (strcmp(t->services[i], svc) == 0)
			return (ST_SVC0 + (int)(i % 6));
	return (ST_NORMAL);
}

/* Columns of the UTF-8 text in [from, to). */
static int
span_width(const char *from, const char *to)
{
	char	 part[sizeof(((struct browse *)NULL)->prompt_buf)];

	snprintf(part, sizeof(part), "%.*s", (int)(to - from), from);
	return (text_width(part));
}

/*
 * The '/' prompt: its text from the first character that keeps the cursor
 * on screen, the cursor a reversed cell on the character at prompt_pos
 * (both cells of a wide one), or after the text.
 */
static void
draw_prompt(struct browse *b, struct screen *s, int y)
{
	const char	*text = b->prompt_buf, *cur, *from, *next;
	size_t		 pos = b->prompt_pos, len = strlen(text);
	int		 x, cw;

	if (pos > len)
		pos = len;
	cur = text + pos;
	from = text;
	/* "/" and the cursor's cell take 2 columns. */
	while (from < cur && span_width(from, cur) > s->w - 2) {
		from++;
		while (from < cur && ((unsigned char)*from & 0xc0) == 0x80)
			from++;
	}
	x = screen_put(s, y, 0, s->w, ST_STATUS, "/");
	(void)screen_put(s, y, x, s->w - x, ST_STATUS, from);
	x += span_width(from, cur);
	if (*cur == '\0') {
		screen_fill(s, y, x, 1, ' ', ST_STATUS | ST_SELECTED);
		return;
	}
	next = cur + 1;
	while (((unsigned char)*next & 0xc0) == 0x80)
		next++;
	cw = span_width(cur, next);
	screen_or_style(s, y, x, cw > 0 ? cw : 1, ST_SELECTED);
}

static void
draw_status(struct browse *b, struct screen *s)
{
	int	 y = s->h - 1;

	screen_fill(s, y, 0, s->w, ' ', ST_STATUS);
	if (b->prompt) {
		draw_prompt(b, s, y);
		return;
	}
	if (b->loading) {
		screen_put_clip(s, y, 1, s->w - 1, ST_STATUS,
		    b->progress[0] != '\0' ? b->progress :
		    "Loading from Jaeger...");
		return;
	}
	if (b->status[0] != '\0') {
		screen_put_clip(s, y, 1, s->w - 1, b->status_style == ST_ERROR ?
		    ST_ERROR | ST_SELECTED : ST_STATUS, b->status);
		return;
	}
	screen_put_clip(s, y, 1, s->w - 1, ST_STATUS, "?: keys  q: back  "
	    "Q: quit");
}

const char *
browse_yank_id(struct browse *b)
{
	uint64_t	 hi, lo;

	if (browse_screen(b) == SCR_LIST && b->list.n > 0) {
		hi = b->list.rows[b->list.cursor].hi;
		lo = b->list.rows[b->list.cursor].lo;
	} else if (browse_screen(b) != SCR_LIST && b->trace != NULL) {
		hi = b->trace->id_hi;
		lo = b->trace->id_lo;
	} else
		return ("");
	fmt_trace_id(hi, lo, b->yank_text, sizeof(b->yank_text));
	return (b->yank_text);
}

static void
draw_yank(struct browse *b, struct screen *s)
{
	char		 id[40], sid[20];
	const char	*what;
	struct span	*sp = NULL;
	int		 w, h, x, y;
	uint64_t	 hi = 0, lo = 0;

	if (browse_screen(b) == SCR_LIST) {
		if (b->list.n == 0)
			return;
		hi = b->list.rows[b->list.cursor].hi;
		lo = b->list.rows[b->list.cursor].lo;
	} else if (b->trace != NULL) {
		hi = b->trace->id_hi;
		lo = b->trace->id_lo;
		if (browse_screen(b) == SCR_SPAN)
			sp = tview_current(&b->tv);
	} else
		return;
	fmt_trace_id(hi, lo, id, sizeof(id));
	what = "Trace id (copied if the terminal allows; any key closes):";
	w = text_width(what) + 4;
	if (w < 36)
		w = 36;
	if (w > s->w)
		w = s->w;
	h = sp != NULL ? 6 : 5;
	x = (s->w - w) / 2;
	y = (s->h - h) / 2;
	screen_box(s, y, x, h, w, ST_NORMAL);
	screen_put(s, y + 1, x + 2, w - 4, ST_HEAD, what);
	/* Alone on its line, no style: a mouse selection takes just it. */
	screen_put(s, y + 2, x + 2, w - 4, ST_NORMAL, id);
	if (sp != NULL) {
		snprintf(sid, sizeof(sid), "%016llx",
		    (unsigned long long)sp->id);
		screen_putf(s, y + 3, x + 2, w - 4, ST_DIM, "span id %s", sid);
	}
}

void
browse_draw(struct browse *b, struct screen *s)
{
	enum scr	 scr = browse_screen(b);
	int		 x;

	screen_clear(s);
	if (s->w < 20 || s->h < 6) {
		screen_put(s, 0, 0, s->w, ST_ERROR, "terminal too small");
		return;
	}
	screen_fill(s, 0, 0, s->w, ' ', ST_TITLE);
	x = screen_put(s, 0, 1, s->w - 1, ST_TITLE, "tracectl browse");
	x += screen_put(s, 0, 1 + x, s->w, ST_TITLE, " | ");
	screen_put_clip(s, 0, 1 + x, s->w - x - 12, ST_TITLE,
	    views[scr]->name);
	screen_put_right(s, 0, s->w - 10, 9, ST_TITLE, "? keys");
	b->page = s->h - 2;
	views[scr]->draw(b, s, 1, s->h - 2);
	draw_status(b, s);
	if (b->yank)
		draw_yank(b, s);
	if (b->help)
		view_help_ops.draw(b, s, 0, s->h);
}

void
browse_set_metrics(struct browse *b, struct red *r, const char *err)
{
	b->red_updated_us = now_us();
	if (err != NULL) {
		snprintf(b->red_error, sizeof(b->red_error), "%s", err);
		browse_status(b, ST_ERROR, "%s", err);
		return;
	}
	b->red_error[0] = '\0';
	red_cleanup(&b->red);
	b->red = *r;
	memset(r, 0, sizeof(*r));
	red_sort(&b->red, b->red_sort);
	if (b->red_cursor >= b->red.n)
		b->red_cursor = b->red.n > 0 ? b->red.n - 1 : 0;
}

void
browse_set_trace(struct browse *b, struct trace *t, const char *err)
{
	struct trace	*old;
	struct span	*cur, *s;
	struct tview	 otv;
	uint64_t	 cur_id = 0;
	size_t		 i;

	if (t == NULL) {
		browse_status(b, ST_ERROR, "%s", err != NULL ? err :
		    "cannot fetch the trace");
		return;
	}
	old = b->trace;
	otv = b->tv;
	if (old != NULL && browse_screen(b) != SCR_LIST &&
	    old->id_hi == t->id_hi && old->id_lo == t->id_lo) {
		/* The same trace again: keep what was folded and where. */
		cur = tview_current(&otv);
		cur_id = cur != NULL ? cur->id : 0;
		tview_init(&b->tv, t);
		for (i = 0; i < otv.n; i++)
			if (otv.collapsed[i] && (s = trace_span(t,
			    old->spans[i].id)) != NULL)
				b->tv.collapsed[span_index(&b->tv, s)] = 1;
		tview_rebuild(&b->tv);
		if (cur_id != 0 && (s = trace_span(t, cur_id)) != NULL)
			tview_goto(&b->tv, s);
		browse_status(b, ST_NORMAL, "trace fetched again: %zu spans "
		    "(%+ld)", t->nspans, (long)t->nspans - (long)old->nspans);
	} else {
		tview_init(&b->tv, t);
		b->zoom_dur_us = 0;	/* another trace: all of it */
		drop_logs(b);
	}
	if (old != NULL) {
		tview_cleanup(&otv);
		trace_free(old);
	}
	b->trace = t;
	if (browse_screen(b) == SCR_SPAN)
		b->depth--;
	browse_push(b, SCR_TRACE);
	if (t->nwarnings > 0 && b->status[0] == '\0')
		browse_status(b, ST_NORMAL, "warning: %s%s", t->warnings[0],
		    t->nwarnings > 1 ? " (and more: see span detail)" : "");
}

/* Set the list aside (the search fills an empty one) until it is done. */
void
browse_search_start(struct browse *b)
{
	tlist_clear(&b->kept);
	b->kept = b->list;
	tlist_init(&b->list);
	b->list.by_duration = b->kept.by_duration;
	b->list.updated_us = b->kept.updated_us;
	b->searching = 1;
}

void
browse_search_done(struct browse *b, const char *err)
{
	struct tlist	*k = &b->kept;
	size_t		 i;
	int		 searching = b->searching;

	b->searching = 0;
	b->last_search_us = now_us();
	if (err != NULL) {
		/* The last good list stays; the status line says why. */
		if (searching) {
			tlist_clear(&b->list);
			b->list = *k;
			tlist_init(k);
		}
		if (b->list.n > 0)
			browse_status(b, ST_ERROR, "search failed, the list is "
			    "the last one: %s", err);
		else
			browse_status(b, ST_ERROR, "%s", err);
		return;
	}
	b->list.updated_us = b->last_search_us;
	browse_status(b, ST_NORMAL, "%s", "");	/* a failure before: gone */
	/* The cursor stays on its trace when it is still listed. */
	if (searching && k->cursor < k->n)
		for (i = 0; i < b->list.n; i++)
			if (b->list.rows[i].hi == k->rows[k->cursor].hi &&
			    b->list.rows[i].lo == k->rows[k->cursor].lo)
				b->list.cursor = i;
	tlist_clear(k);
	b->list.by_duration = b->req.by_duration;
	tlist_sort(&b->list);
	browse_push(b, SCR_LIST);
	if (b->list.n == 0)
		browse_status(b, ST_ERROR, "no traces match (s: edit the "
		    "search)");
}

int
browse_wait_ms(const struct browse *b, int64_t now)
{
	int64_t	 left;

	if (browse_screen(b) == SCR_METRICS)
		left = b->red_updated_us + METRICS_REFRESH_US - now;
	else if (browse_screen(b) != SCR_LIST || !b->have_req ||
	    b->req.refresh_us <= 0)
		return (-1);
	else
		left = b->last_search_us + b->req.refresh_us - now;
	if (left <= 0)
		return (0);
	/* A refresh of weeks still wakes up, never blocks for good. */
	if (left / 1000 >= INT_MAX)
		return (INT_MAX);
	return ((int)((left + 999) / 1000));
}
