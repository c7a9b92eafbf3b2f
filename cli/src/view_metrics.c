/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view_metrics.c: the browser's RED metrics screen, `tracectl top` in the
 * browser: per service and operation, requests/s, error share and
 * p50/p95/p99 over the last minute, worst first, refreshed every few
 * seconds; Enter lists that operation's traces (the search form filled in).
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "browse.h"

static const char *const sort_names[] = { "worst", "rate", "p99", "name" };

static void
metrics_draw(struct browse *b, struct screen *s, int y0, int h)
{
	struct red	*r = &b->red;
	char		 upd[32], v[32];
	int		 y, rows, svcw, opw, x, ns, no, cw;
	size_t		 i;
	struct tm	 tm;
	time_t		 tt;

	tt = (time_t)(b->red_updated_us / USEC_PER_SEC);
	if (b->red_updated_us > 0 && localtime_r(&tt, &tm) != NULL)
		strftime(upd, sizeof(upd), "%H:%M:%S", &tm);
	else
		snprintf(upd, sizeof(upd), "-");
	screen_putf(s, y0, 1, s->w - 2, ST_HEAD, "%zu operation%s  server "
	    "spans  the last minute  sorted by %s  at %s", r->n, r->n == 1 ?
	    "" : "s", sort_names[b->red_sort % 4], upd);
	/*
	 * Numbers: 7 columns each (REQ/S, ERR%, P50, P95, P99); the names
	 * share the rest, each as wide as its widest when both fit, else in
	 * proportion.
	 */
	x = s->w - 37;
	if (x < 21)
		x = 21;
	ns = no = 7;
	for (i = 0; i < r->n; i++) {
		if ((cw = text_width(r->rows[i].service)) > ns)
			ns = cw;
		if ((cw = text_width(r->rows[i].operation)) > no)
			no = cw;
	}
	if (ns + 1 + no <= x)
		svcw = ns;
	else if ((svcw = x * ns / (ns + no)) < 10)
		svcw = 10;
	opw = x - svcw - 1;
	y = y0 + 1;
	screen_put(s, y, 1, svcw, ST_HEAD, "SERVICE");
	screen_put(s, y, 2 + svcw, opw, ST_HEAD, "OPERATION");
	x = 1 + x;
	screen_put_right(s, y, x, 7, ST_HEAD, "REQ/S");
	screen_put_right(s, y, x + 7, 7, ST_HEAD, "ERR%");
	screen_put_right(s, y, x + 14, 7, ST_HEAD, "P50");
	screen_put_right(s, y, x + 21, 7, ST_HEAD, "P95");
	screen_put_right(s, y, x + 28, 7, ST_HEAD, "P99");
	rows = h - 2;
	if (b->red_cursor < b->red_top)
		b->red_top = b->red_cursor;
	if (rows > 0 && b->red_cursor >= b->red_top + (size_t)rows)
		b->red_top = b->red_cursor - (size_t)rows + 1;
	for (i = b->red_top; i < r->n && (int)(i - b->red_top) < rows; i++) {
		const struct red_row *w = &r->rows[i];

		y = y0 + 2 + (int)(i - b->red_top);
		screen_put_clip(s, y, 1, svcw, ST_NORMAL, w->service);
		screen_put_clip(s, y, 2 + svcw, opw, ST_NORMAL, w->operation);
		snprintf(v, sizeof(v), w->rate < 10 ? "%.2f" : "%.1f", w->rate);
		screen_put_right(s, y, x, 7, ST_NORMAL, v);
		snprintf(v, sizeof(v), "%.1f%%", 100 * w->errors);
		screen_put_right(s, y, x + 7, 7, w->errors > 0 ? ST_ERROR :
		    ST_NORMAL, v);
		red_fmt_ms(w->p[0], v, sizeof(v));
		screen_put_right(s, y, x + 14, 7, ST_NORMAL, v);
		red_fmt_ms(w->p[1], v, sizeof(v));
		screen_put_right(s, y, x + 21, 7, ST_NORMAL, v);
		red_fmt_ms(w->p[2], v, sizeof(v));
		screen_put_right(s, y, x + 28, 7, ST_NORMAL, v);
		if (i == b->red_cursor)
			screen_or_style(s, y, 0, s->w, ST_SELECTED);
	}
	if (r->n == 0 && h > 3)
		screen_put_clip(s, y0 + 3, 2, s->w - 4, ST_DIM,
		    b->red_updated_us == 0 ? "Loading the metrics..." :
		    b->red_error[0] != '\0' ? "No metrics: see the status line." :
		    "No calls in the last minute.  r: fetch again.");
}

static enum request
metrics_act(struct browse *b, enum action a)
{
	struct red_row	*w;
	char		 err[256];
	long		 d;

	if (move_rows(b, a, b->red.n, &d)) {
		if (d < 0 && (size_t)-d > b->red_cursor)
			b->red_cursor = 0;
		else
			b->red_cursor += (size_t)d;
		if (b->red_cursor >= b->red.n)
			b->red_cursor = b->red.n > 0 ? b->red.n - 1 : 0;
		return (REQ_NONE);
	}
	switch (a) {
	case A_OPEN:
		if (b->red_cursor >= b->red.n)
			break;
		w = &b->red.rows[b->red_cursor];
		if (strlen(w->service) >= sizeof(b->form.text[0]) ||
		    strlen(w->operation) >= sizeof(b->form.text[0])) {
			browse_status(b, ST_ERROR, "a name too long for the "
			    "search form");
			break;
		}
		snprintf(b->form.text[F_SERVICE], sizeof(b->form.text[0]),
		    "%s", w->service);
		snprintf(b->form.text[F_OPERATION], sizeof(b->form.text[0]),
		    "%s", w->operation);
		snprintf(b->form.text[F_ERRORS], sizeof(b->form.text[0]),
		    "%s", "no");
		if (sform_request(&b->form, now_us(), &b->req, err,
		    sizeof(err)) == -1) {
			browse_status(b, ST_ERROR, "%s", err);
			break;
		}
		b->have_req = 1;
		browse_push(b, SCR_LIST);
		return (REQ_SEARCH);
	case A_SORT:
		b->red_sort = (b->red_sort + 1) % 4;
		red_sort(&b->red, b->red_sort);
		b->red_cursor = 0;
		browse_status(b, ST_NORMAL, "sorted by %s",
		    sort_names[b->red_sort]);
		break;
	case A_REFRESH:
		return (REQ_METRICS);
	default:
		break;
	}
	return (REQ_NONE);
}

const struct view_ops view_metrics_ops = {
	"RED metrics", metrics_draw, metrics_act
};
