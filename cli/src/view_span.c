/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view_span.c: the span detail: ids, timing (offset, duration, self time,
 * time on the critical path, clock-skew shift), status and message,
 * attributes, events with their attributes and times, resource (process)
 * attributes and links, and the services' log lines of the span, as lines
 * wrapped to the screen by display width (wide characters whole) and
 * scrolled.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"

struct lines {
	char	**text;
	int	 *style;
	size_t	  n, cap;
};

static void	 add(struct lines *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
add(struct lines *l, int style, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = xstrdup("");
	va_end(ap);
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->text = xreallocarray(l->text, l->cap, sizeof(*l->text));
		l->style = xreallocarray(l->style, l->cap, sizeof(*l->style));
	}
	l->text[l->n] = s;
	l->style[l->n++] = style;
}

static void
add_kv(struct lines *l, const char *indent, const struct kv *kv, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		add(l, ST_NORMAL, "%s%s = %s", indent, kv[i].key, kv[i].value);
}

size_t
span_detail_lines(const struct trace *t, const struct span *sp,
    char ***text, int **style)
{
	struct lines	 l;
	char		 b1[64], b2[64], b3[64];
	size_t		 i;

	memset(&l, 0, sizeof(l));
	add(&l, ST_HEAD, "%s %s%s%s%s", sp->service, sp->operation,
	    sp->kind != SPAN_KIND_UNSPECIFIED ? " [" : "",
	    span_kind_name(sp->kind),
	    sp->kind != SPAN_KIND_UNSPECIFIED ? "]" : "");
	if (sp->error)
		add(&l, ST_ERROR, "Status: ERROR%s%s", sp->status_message !=
		    NULL ? ": " : "", sp->status_message != NULL ?
		    sp->status_message : "");
	else
		add(&l, ST_NORMAL, "Status: %s%s%s", "OK or unset",
		    sp->status_message != NULL ? ": " : "",
		    sp->status_message != NULL ? sp->status_message : "");
	add(&l, ST_NORMAL, "%s", "");

	add(&l, ST_HEAD, "Ids");
	fmt_trace_id(t->id_hi, t->id_lo, b1, sizeof(b1));
	add(&l, ST_NORMAL, "  trace id   %s", b1);
	add(&l, ST_NORMAL, "  span id    %016llx", (unsigned long long)sp->id);
	if (sp->parent != NULL)
		add(&l, ST_NORMAL, "  parent id  %016llx (%s %s)%s",
		    (unsigned long long)sp->parent_id, sp->parent->service,
		    sp->parent->operation, sp->follows_from ?
		    " follows from" : "");
	else if (sp->parent_id != 0)
		add(&l, ST_ERROR, "  parent id  %016llx: not in the trace "
		    "(orphan)", (unsigned long long)sp->parent_id);
	else
		add(&l, ST_NORMAL, "  parent id  none (a root span)");
	add(&l, ST_NORMAL, "%s", "");

	add(&l, ST_HEAD, "Timing");
	fmt_time_rfc3339(sp->start_us, 1, b1, sizeof(b1));
	fmt_duration(sp->start_us - t->start_us, b2, sizeof(b2));
	add(&l, ST_NORMAL, "  start      %s (+%s into the trace)", b1, b2);
	fmt_duration(sp->duration_us, b1, sizeof(b1));
	fmt_duration(sp->self_us, b2, sizeof(b2));
	add(&l, ST_NORMAL, "  duration   %s", b1);
	add(&l, ST_NORMAL, "  self time  %s (in no child span)", b2);
	if (sp->critical_us > 0) {
		fmt_duration(sp->critical_us, b3, sizeof(b3));
		add(&l, ST_CRIT, "  critical   %s on the critical path", b3);
	} else
		add(&l, ST_NORMAL, "  critical   not on the critical path");
	if (sp->skew_us != 0) {
		fmt_duration(sp->skew_us, b3, sizeof(b3));
		add(&l, ST_NORMAL, "  clock skew moved by %s into its parent",
		    b3);
	}
	add(&l, ST_NORMAL, "  children   %zu, depth %d", sp->nchildren,
	    sp->depth);
	add(&l, ST_NORMAL, "%s", "");

	add(&l, ST_HEAD, "Attributes (%zu)", sp->nattrs);
	add_kv(&l, "  ", sp->attrs, sp->nattrs);
	add(&l, ST_NORMAL, "%s", "");

	add(&l, ST_HEAD, "Events (%zu)", sp->nevents);
	for (i = 0; i < sp->nevents; i++) {
		const struct span_event *e = &sp->events[i];

		fmt_duration(e->ts_us - sp->start_us, b1, sizeof(b1));
		fmt_time_rfc3339(e->ts_us, 1, b2, sizeof(b2));
		add(&l, ST_KEY, "  +%s  %s  (%s)", b1, e->name[0] != '\0' ?
		    e->name : "(unnamed)", b2);
		add_kv(&l, "      ", e->attrs, e->nattrs);
	}
	add(&l, ST_NORMAL, "%s", "");

	add(&l, ST_HEAD, "Resource (%zu)", sp->nresource);
	add_kv(&l, "  ", sp->resource, sp->nresource);
	add(&l, ST_NORMAL, "%s", "");

	add(&l, ST_HEAD, "Links (%zu)", sp->nlinks);
	for (i = 0; i < sp->nlinks; i++) {
		const struct span_link *k = &sp->links[i];

		fmt_trace_id(k->trace_hi, k->trace_lo, b1, sizeof(b1));
		add(&l, ST_NORMAL, "  %s trace %s span %016llx", k->type, b1,
		    (unsigned long long)k->span_id);
		add_kv(&l, "      ", k->attrs, k->nattrs);
	}
	if (t->nwarnings > 0) {
		add(&l, ST_NORMAL, "%s", "");
		add(&l, ST_HEAD, "Trace warnings (%zu)", t->nwarnings);
		for (i = 0; i < t->nwarnings; i++)
			add(&l, ST_NORMAL, "  %s", t->warnings[i]);
	}
	*text = l.text;
	*style = l.style;
	return (l.n);
}

void
span_detail_free(char **text, int *style, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(text[i]);
	free(text);
	free(style);
}

/*
 * Wrapping: the first line of a text takes w columns from column 1, each
 * further line w - 6 from column 7; a line ends where the next character
 * would not fit by its display width (a wide one moves whole to the next
 * line).  Narrower than 9 columns: one clipped line.
 */
static int
wrap_width(int k, int w)
{
	return (k == 0 ? w : w - 6);
}

/*
 * The rest of p after the k-th line of its text wrapped to w; the line's
 * columns in *cols (when not NULL).
 */
static const char *
wrap_next(const struct screen *s, const char *p, int k, int w, int *cols)
{
	size_t	 n;

	n = screen_fit(s, p, wrap_width(k, w), cols);
	if (n == 0 && *p != '\0') {
		/* Cannot happen with w > 8 (at most 2 columns a character). */
		n = 1;
		while (((unsigned char)p[n] & 0xc0) == 0x80)
			n++;
	}
	return (p + n);
}

/* Screen lines a text takes wrapped to w. */
static int
wrapped_count(const struct screen *s, const char *p, int w)
{
	int	 n;

	if (w <= 8)
		return (1);
	for (n = 0; n == 0 || *p != '\0'; n++)
		p = wrap_next(s, p, n, w, NULL);
	return (n);
}

/* The span's own log lines (the services log one per request). */
static size_t
add_logs(struct browse *b, const struct span *sp, char ***text, int **style,
    size_t n)
{
	struct lines	 l;
	char		 want[64];
	size_t		 i, k;

	if (b->logs_state == 0)
		return (n);
	l.text = *text;
	l.style = *style;
	l.n = l.cap = n;
	snprintf(want, sizeof(want), "\"span_id\":\"%016llx\"",
	    (unsigned long long)sp->id);
	for (i = k = 0; i < b->nlogs; i++)
		k += strstr(b->logs[i], want) != NULL;
	add(&l, ST_NORMAL, "%s", "");
	add(&l, ST_HEAD, "Logs (%zu)%s", k, b->logs_state < 0 ?
	    ": no log directory" : k == 0 ? ": none of this span" : "");
	for (i = 0; i < b->nlogs; i++)
		if (strstr(b->logs[i], want) != NULL)
			add(&l, ST_NORMAL, "  %s", b->logs[i]);
	*text = l.text;
	*style = l.style;
	return (l.n);
}

static void
span_draw(struct browse *b, struct screen *s, int y0, int h)
{
	struct span	*sp;
	char		**text;
	const char	*p, *q;
	int		*style, w, total, line, k, nw, cols;
	size_t		 n, i;

	if (b->trace == NULL || (sp = tview_current(&b->tv)) == NULL)
		return;
	n = span_detail_lines(b->trace, sp, &text, &style);
	n = add_logs(b, sp, &text, &style, n);
	w = s->w - 2;
	total = 0;
	for (i = 0; i < n; i++)
		total += wrapped_count(s, text[i], w);
	if (b->span_top > total - h)
		b->span_top = total - h;
	if (b->span_top < 0)
		b->span_top = 0;
	line = 0;
	for (i = 0; i < n && line < b->span_top + h; i++) {
		nw = wrapped_count(s, text[i], w);
		p = text[i];
		for (k = 0; k < nw; k++, line++) {
			/* One line: clipped to w (when w is too narrow). */
			cols = w;
			q = nw > 1 ? wrap_next(s, p, k, w, &cols) : "";
			/* Exactly what screen_fit measured, no more. */
			if (line >= b->span_top && line < b->span_top + h)
				screen_put(s, y0 + line - b->span_top,
				    k == 0 ? 1 : 7, cols, style[i], p);
			p = q;
		}
	}
	if (total > h)
		screen_putf(s, y0 + h - 1, s->w - 12, 12, ST_DIM, " %d%% ",
		    (b->span_top + h) * 100 / total);
	span_detail_free(text, style, n);
}

static enum request
span_act(struct browse *b, enum action a)
{
	switch (a) {
	case A_UP:
		b->span_top--;
		break;
	case A_DOWN:
		b->span_top++;
		break;
	case A_PGUP:
		b->span_top -= page_rows(b);
		break;
	case A_PGDN:
		b->span_top += page_rows(b);
		break;
	case A_HOME:
		b->span_top = 0;
		break;
	case A_END:
		b->span_top = 1 << 20;
		break;
	case A_PREV_SPAN:
	case A_NEXT_SPAN:
		tview_move(&b->tv, a == A_NEXT_SPAN ? 1 : -1);
		b->span_top = 0;
		break;
	case A_PARENT:
		if (tview_parent(&b->tv))
			b->span_top = 0;
		else
			browse_status(b, ST_NORMAL, "a root span: no parent");
		break;
	case A_YANK:
		b->yank = 1;
		break;
	default:
		break;
	}
	if (b->span_top < 0)
		b->span_top = 0;
	return (REQ_NONE);
}

const struct view_ops view_span_ops = {
	"span", span_draw, span_act
};
