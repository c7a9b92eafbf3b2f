/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlist.c: the trace list's model: a row per trace of a search answer
 * (its root, services, spans and errors), sorted by start or duration,
 * with its cursor.
 */

#include <sys/types.h>

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "browse.h"
#include "cursor.h"

void
tlist_init(struct tlist *l)
{
	memset(l, 0, sizeof(*l));
}

void
tlist_clear(struct tlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->rows[i].root);
		free(l->rows[i].services);
	}
	free(l->rows);
	l->rows = NULL;
	l->n = l->cap = 0;
	l->cursor = l->top = 0;
	l->max_duration_us = 0;
}

void
tlist_add(struct tlist *l, const struct trace *t)
{
	struct trace_row	*r;
	struct buf		 b;
	size_t			 i;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->rows = xreallocarray(l->rows, l->cap, sizeof(*l->rows));
	}
	r = &l->rows[l->n++];
	memset(r, 0, sizeof(*r));
	r->hi = t->id_hi;
	r->lo = t->id_lo;
	r->start_us = t->start_us;
	r->duration_us = t->duration_us;
	xasprintf(&r->root, "%s: %s", t->root != NULL ? t->root->service :
	    "?", t->root != NULL ? t->root->operation : "?");
	buf_init(&b, 1 << 16);
	for (i = 0; i < t->nservices; i++)
		buf_appendf(&b, "%s%s", i > 0 ? ", " : "", t->services[i]);
	r->services = xstrdup(b.data != NULL ? b.data : "");
	buf_cleanup(&b);
	r->nspans = t->nspans;
	r->nservices = t->nservices;
	r->nerrors = t->nerrors;
	if (t->duration_us > l->max_duration_us)
		l->max_duration_us = t->duration_us;
}

static int
row_by_start(const void *a, const void *b)
{
	const struct trace_row *x = a, *y = b;

	if (x->start_us != y->start_us)
		return (x->start_us > y->start_us ? -1 : 1);
	return (x->lo < y->lo ? -1 : x->lo > y->lo);
}

static int
row_by_duration(const void *a, const void *b)
{
	const struct trace_row *x = a, *y = b;

	if (x->duration_us != y->duration_us)
		return (x->duration_us > y->duration_us ? -1 : 1);
	return (row_by_start(a, b));
}

/* Newest first, or longest first; the cursor stays on its trace. */
void
tlist_sort(struct tlist *l)
{
	uint64_t	 hi = 0, lo = 0;
	size_t		 i;
	int		 have = 0;

	if (l->n == 0)
		return;
	if (l->cursor < l->n) {
		hi = l->rows[l->cursor].hi;
		lo = l->rows[l->cursor].lo;
		have = 1;
	}
	qsort(l->rows, l->n, sizeof(*l->rows), l->by_duration ?
	    row_by_duration : row_by_start);
	l->cursor = 0;
	for (i = 0; have && i < l->n; i++)
		if (l->rows[i].hi == hi && l->rows[i].lo == lo)
			l->cursor = i;
}

void
tlist_move(struct tlist *l, long d)
{
	cursor_move(&l->cursor, l->n, d);
}

void
tlist_scroll(struct tlist *l, int h)
{
	cursor_scroll(l->cursor, &l->top, l->n, h);
}

/* The search form. */
