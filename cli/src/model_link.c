/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model_link.c: links a parsed trace: parent links, orphans (a parent id
 * that is not in the trace: the span becomes a root and is flagged), cycles
 * (cut), services, error flags, depth-first order, and the clock-skew fix
 * between services.
 *
 * Clock skew.  Spans of one service share a clock; spans of two services may
 * not.  When a child of another service than its parent does not fit in its
 * parent's interval, its clock is taken to be off: like Jaeger's adjuster,
 * the child is moved to the middle of its parent (equal latency out and
 * back), or, when it is longer than its parent, to its parent's start.  The
 * child's same-service descendants move with it; other services' spans below
 * it are judged against their moved parent in turn.  Roots and orphans never
 * move.  Same-service children are never moved (one clock: an overhang is
 * real, e.g. asynchronous work).  Every move is recorded in span->skew_us and
 * in a trace warning.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_private.h"


/* An open-addressed index span id -> span, built per trace. */
struct span_index {
	struct span	**slot;
	size_t		 mask;
};

static void
index_build(struct span_index *ix, struct trace *t)
{
	size_t	 cap, i, h;

	cap = 16;
	while (cap < t->nspans * 2)
		cap *= 2;
	ix->slot = xcalloc(cap, sizeof(*ix->slot));
	ix->mask = cap - 1;
	for (i = 0; i < t->nspans; i++) {
		h = hash_u64(t->spans[i].id) & ix->mask;
		while (ix->slot[h] != NULL) {
			if (ix->slot[h]->id == t->spans[i].id)
				break;
			h = (h + 1) & ix->mask;
		}
		if (ix->slot[h] != NULL) {
			trace_warn(t, "duplicate span id %016llx (%s %s); "
			    "the first one takes its children",
			    (unsigned long long)t->spans[i].id,
			    t->spans[i].service, t->spans[i].operation);
			continue;
		}
		ix->slot[h] = &t->spans[i];
	}
}

static struct span *
index_get(const struct span_index *ix, uint64_t id)
{
	size_t	 h;

	h = hash_u64(id) & ix->mask;
	while (ix->slot[h] != NULL) {
		if (ix->slot[h]->id == id)
			return (ix->slot[h]);
		h = (h + 1) & ix->mask;
	}
	return (NULL);
}

struct span *
trace_span(const struct trace *t, uint64_t id)
{
	size_t	 i;

	for (i = 0; i < t->nspans; i++)
		if (t->spans[i].id == id)
			return (&t->spans[i]);
	return (NULL);
}

static int
span_cmp_start(const void *a, const void *b)
{
	const struct span *x = *(struct span * const *)a;
	const struct span *y = *(struct span * const *)b;

	if (x->start_us != y->start_us)
		return (x->start_us < y->start_us ? -1 : 1);
	/* Longer first: a parent-like span before its contents. */
	if (x->duration_us != y->duration_us)
		return (x->duration_us > y->duration_us ? -1 : 1);
	return (x->id < y->id ? -1 : x->id > y->id);
}

static int
str_cmp(const void *a, const void *b)
{
	return (strcmp(*(const char * const *)a, *(const char * const *)b));
}

/* Shift a span and its same-service descendants by d; fix the others. */
static void
skew_fix(struct trace *t, struct span *p)
{
	struct span	*c;
	int64_t		 pend, cend, d;
	size_t		 i;

	for (i = 0; i < p->nchildren; i++) {
		c = p->children[i];
		if (strcmp(c->service, p->service) == 0) {
			/* One clock: moves with its parent. */
			c->start_us += p->skew_us;
			c->skew_us = p->skew_us;
		} else {
			pend = p->start_us + p->duration_us;
			cend = c->start_us + c->duration_us;
			d = 0;
			if (c->start_us < p->start_us || cend > pend) {
				if (c->duration_us <= p->duration_us)
					d = p->start_us + (p->duration_us -
					    c->duration_us) / 2 - c->start_us;
				else
					d = p->start_us - c->start_us;
			}
			if (d != 0) {
				char db[32];

				c->start_us += d;
				c->skew_us = d;
				t->nskewed++;
				fmt_duration(d, db, sizeof(db));
				trace_warn(t, "clock skew: %s %s moved by %s "
				    "into its parent (%s %s)", c->service,
				    c->operation, db, p->service, p->operation);
			}
		}
		skew_fix(t, c);
	}
}

static void
order_walk(struct trace *t, struct span *s, int depth, size_t *n)
{
	size_t	 i;

	s->depth = depth;
	t->order[(*n)++] = s;
	for (i = 0; i < s->nchildren; i++)
		order_walk(t, s->children[i], depth + 1, n);
}

static void
mark_reach(struct span *s, unsigned char *seen, const struct span *base)
{
	size_t	 i;

	seen[s - base] = 1;
	for (i = 0; i < s->nchildren; i++)
		if (!seen[s->children[i] - base])
			mark_reach(s->children[i], seen, base);
}

/* Parents; a missing parent makes an orphan, a root of its own. */
static void
link_parents(struct trace *t)
{
	struct span_index	 ix;
	struct span		*s, *p;
	size_t			 i;

	index_build(&ix, t);
	for (i = 0; i < t->nspans; i++) {
		s = &t->spans[i];
		s->parent = NULL;
		if (s->parent_id == 0)
			continue;
		p = index_get(&ix, s->parent_id);
		if (p == NULL || p == s) {
			s->orphan = 1;
			t->norphans++;
			trace_warn(t, "parent %016llx of %s %s (%016llx) is "
			    "not in the trace",
			    (unsigned long long)s->parent_id, s->service,
			    s->operation, (unsigned long long)s->id);
			continue;
		}
		s->parent = p;
		p->nchildren++;
	}
	free(ix.slot);
}

/* Children arrays, from one block. */
static void
link_children(struct trace *t)
{
	struct span	**kids, *s;
	size_t		  i, n;

	kids = arena_alloc(&t->arena, (t->nspans + 1) * sizeof(*kids));
	for (i = 0, n = 0; i < t->nspans; i++) {
		t->spans[i].children = kids + n;
		n += t->spans[i].nchildren;
		t->spans[i].nchildren = 0;
	}
	for (i = 0; i < t->nspans; i++) {
		s = &t->spans[i];
		if (s->parent != NULL)
			s->parent->children[s->parent->nchildren++] = s;
	}
}

/* Cut cycles: spans no root reaches. */
static void
cut_cycles(struct trace *t)
{
	struct span	*s, *p;
	unsigned char	*seen;
	size_t		 i, j;

	seen = xcalloc(t->nspans + 1, 1);
	for (i = 0; i < t->nspans; i++)
		if (t->spans[i].parent == NULL)
			mark_reach(&t->spans[i], seen, t->spans);
	for (i = 0; i < t->nspans; i++) {
		s = &t->spans[i];
		if (seen[i])
			continue;
		p = s->parent;
		for (j = 0; j < p->nchildren; j++)
			if (p->children[j] == s) {
				memmove(&p->children[j], &p->children[j + 1],
				    (p->nchildren - j - 1) *
				    sizeof(*p->children));
				p->nchildren--;
				break;
			}
		s->parent = NULL;
		s->orphan = 1;
		t->norphans++;
		trace_warn(t, "parent links of %s %s form a cycle; cut",
		    s->service, s->operation);
		mark_reach(s, seen, t->spans);
	}
	free(seen);
}

/* Roots; the main root is the earliest true root, else any. */
static void
find_roots(struct trace *t)
{
	size_t	i, nroots;

	for (i = 0, nroots = 0; i < t->nspans; i++)
		if (t->spans[i].parent == NULL)
			nroots++;
	t->roots = arena_alloc(&t->arena, (nroots + 1) * sizeof(*t->roots));
	t->nroots = 0;
	for (i = 0; i < t->nspans; i++)
		if (t->spans[i].parent == NULL)
			t->roots[t->nroots++] = &t->spans[i];
	qsort(t->roots, t->nroots, sizeof(*t->roots), span_cmp_start);
	t->root = NULL;
	for (i = 0; i < t->nroots; i++)
		if (!t->roots[i]->orphan) {
			t->root = t->roots[i];
			break;
		}
	if (t->root == NULL && t->nroots > 0)
		t->root = t->roots[0];
}

/* Clock skew, then children by (fixed) start time, then the order. */
static void
order_spans(struct trace *t)
{
	size_t	i, n;

	for (i = 0; i < t->nroots; i++)
		skew_fix(t, t->roots[i]);
	for (i = 0; i < t->nspans; i++)
		if (t->spans[i].nchildren > 1)
			qsort(t->spans[i].children, t->spans[i].nchildren,
			    sizeof(*t->spans[i].children), span_cmp_start);
	qsort(t->roots, t->nroots, sizeof(*t->roots), span_cmp_start);
	t->order = arena_alloc(&t->arena, (t->nspans + 1) *
	    sizeof(*t->order));
	n = 0;
	for (i = 0; i < t->nroots; i++)
		order_walk(t, t->roots[i], 0, &n);
}

/* Extent, services, errors. */
static void
summarize(struct trace *t)
{
	struct span	 *s;
	const char	**svcs;
	int64_t		  end;
	size_t		  i;

	svcs = arena_alloc(&t->arena, (t->nspans + 1) * sizeof(*svcs));
	t->start_us = t->end_us = 0;
	t->nerrors = 0;
	for (i = 0; i < t->nspans; i++) {
		s = &t->spans[i];
		end = s->start_us + s->duration_us;
		if (i == 0 || s->start_us < t->start_us)
			t->start_us = s->start_us;
		if (i == 0 || end > t->end_us)
			t->end_us = end;
		if (s->error)
			t->nerrors++;
		svcs[i] = s->service;
	}
	t->duration_us = t->end_us - t->start_us;
	qsort(svcs, t->nspans, sizeof(*svcs), str_cmp);
	t->nservices = 0;
	for (i = 0; i < t->nspans; i++)
		if (t->nservices == 0 ||
		    strcmp(svcs[t->nservices - 1], svcs[i]) != 0)
			svcs[t->nservices++] = svcs[i];
	t->services = svcs;
}

/*
 * A parsed trace made whole: parents and children linked, cycles cut,
 * roots found, clock skew fixed, spans in tree order, the extent, the
 * services and errors counted, self times and the critical path.
 */
int
trace_finish(struct trace *t, char *errbuf, size_t errlen)
{
	(void)errbuf;
	(void)errlen;
	link_parents(t);
	link_children(t);
	cut_cycles(t);
	find_roots(t);
	order_spans(t);
	summarize(t);
	analyze_self_time(t);
	analyze_critical_path(t);
	return (0);
}

