/* SPDX-License-Identifier: Apache-2.0 */
/*
 * analyze.c: figures derived from a linked trace.
 *
 * Self time: a span's duration less the union of its children's intervals,
 * each clipped to the span (time spent in the span and in none of its
 * children; children running in parallel count once).
 *
 * Critical path: the algorithm of Jaeger UI (criticalPath.tsx).  Children
 * are first clipped to their parent's interval (a child wholly outside it is
 * left out, with its subtree) and FOLLOWS_FROM children are left out.  From
 * the main root: take the child that finishes last; the part of the parent
 * after that child's end is on the path; descend into the child.  A span with
 * no such child puts the rest of itself (from its start) on the path, and the
 * walk returns to its parent, looking there for the last child that ends
 * before this span started, and so on back to the root.  Each piece put on
 * the path is kept as a section of its span (trace->cp, linked from
 * span->cp_first in time order), so that a view can mark where in a span
 * the path runs, not just whether it does.
 */

#include <sys/types.h>

#include <string.h>

#include "model.h"

void
analyze_self_time(struct trace *t)
{
	struct span	*s, *c;
	int64_t		 send, cs, ce, covered, cur_s, cur_e;
	size_t		 i, j;

	for (i = 0; i < t->nspans; i++) {
		s = &t->spans[i];
		send = s->start_us + s->duration_us;
		covered = 0;
		cur_s = cur_e = 0;
		/* Children are sorted by start: merge as we go. */
		for (j = 0; j < s->nchildren; j++) {
			c = s->children[j];
			cs = c->start_us < s->start_us ? s->start_us :
			    c->start_us;
			ce = c->start_us + c->duration_us;
			if (ce > send)
				ce = send;
			if (ce <= cs)
				continue;
			if (cur_e > cur_s && cs <= cur_e) {
				if (ce > cur_e)
					cur_e = ce;
				continue;
			}
			covered += cur_e - cur_s;
			cur_s = cs;
			cur_e = ce;
		}
		covered += cur_e - cur_s;
		s->self_us = s->duration_us - covered;
		if (s->self_us < 0)
			s->self_us = 0;
	}
}

static void
cp_clip(struct span *p)
{
	struct span	*c;
	size_t		 i;
	int64_t		 cs, ce;

	for (i = 0; i < p->nchildren; i++) {
		c = p->children[i];
		cs = c->start_us;
		ce = c->start_us + c->duration_us;
		if (p->cp_excluded || c->follows_from || cs >= p->cp_end ||
		    ce <= p->cp_start) {
			/* Zero-length children inside stay; outside go. */
			if (p->cp_excluded || c->follows_from ||
			    cs > p->cp_end || ce < p->cp_start) {
				c->cp_excluded = 1;
				c->cp_start = c->cp_end = cs;
				cp_clip(c);
				continue;
			}
		}
		c->cp_excluded = 0;
		c->cp_start = cs < p->cp_start ? p->cp_start : cs;
		c->cp_end = ce > p->cp_end ? p->cp_end : ce;
		cp_clip(c);
	}
}

/* The child finishing last, before `before` if that is >= 0. */
static struct span *
last_finishing(const struct span *s, int64_t before)
{
	struct span	*best, *c;
	size_t		 i;

	best = NULL;
	for (i = 0; i < s->nchildren; i++) {
		c = s->children[i];
		if (c->cp_excluded)
			continue;
		if (before >= 0 && !(c->cp_end < before))
			continue;
		if (best == NULL || c->cp_end > best->cp_end)
			best = c;
	}
	return (best);
}

/*
 * The walk goes back in time, so each section is the earliest of its span
 * so far: it goes first in the span's list.  A section is added at most
 * once per step down into a child (fewer than nspans) and once per span
 * left going back up: the array holds 2 * nspans.
 */
static void
cp_add(struct trace *t, struct span *s, int64_t start, int64_t end)
{
	struct cp_section	*c;

	s->critical_us += end - start;
	c = &t->cp[t->ncp];
	c->start_us = start;
	c->end_us = end;
	c->next = s->cp_first;
	s->cp_first = (int)t->ncp++;
}

void
analyze_critical_path(struct trace *t)
{
	struct span	*cur, *lfc, *r;
	int64_t		 ret, end;
	size_t		 i;

	for (i = 0; i < t->nspans; i++) {
		t->spans[i].critical_us = 0;
		t->spans[i].cp_first = -1;
		t->spans[i].cp_excluded = 1;
	}
	t->cp = arena_alloc(&t->arena, (2 * t->nspans + 1) * sizeof(*t->cp));
	t->ncp = 0;
	if ((r = t->root) == NULL)
		return;
	r->cp_excluded = 0;
	r->cp_start = r->start_us;
	r->cp_end = r->start_us + r->duration_us;
	cp_clip(r);

	cur = r;
	ret = -1;
	for (;;) {
		end = ret >= 0 ? ret : cur->cp_end;
		if ((lfc = last_finishing(cur, ret)) != NULL) {
			if (end > lfc->cp_end)
				cp_add(t, cur, lfc->cp_end, end);
			cur = lfc;
			ret = -1;
			continue;
		}
		if (end > cur->cp_start)
			cp_add(t, cur, cur->cp_start, end);
		if (cur == r)
			break;
		ret = cur->cp_start;
		cur = cur->parent;
	}
}
