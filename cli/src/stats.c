/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats.c: the per service+operation aggregator behind `stats`.  Durations
 * are kept (8 bytes a span) so percentiles are exact by nearest rank.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "stats.h"

void
stats_init(struct stats *s)
{
	memset(s, 0, sizeof(*s));
}

void
stats_cleanup(struct stats *s)
{
	size_t	 i;

	for (i = 0; i < s->nops; i++) {
		free(s->ops[i].service);
		free(s->ops[i].operation);
		free(s->ops[i].durations);
	}
	free(s->ops);
	free(s->slots);
	stats_init(s);
}

static uint64_t
key_hash(const char *a, const char *b)
{
	uint64_t	 h = 1469598103934665603ULL;

	for (; *a != '\0'; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	h = (h ^ 0x1f) * 1099511628211ULL;
	for (; *b != '\0'; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ULL;
	return (h);
}

static void
rehash(struct stats *s)
{
	size_t	 i, h;

	free(s->slots);
	s->nslots = s->nslots == 0 ? 256 : s->nslots * 2;
	s->slots = xcalloc(s->nslots, sizeof(*s->slots));
	for (i = 0; i < s->nops; i++) {
		h = key_hash(s->ops[i].service, s->ops[i].operation) &
		    (s->nslots - 1);
		while (s->slots[h] != 0)
			h = (h + 1) & (s->nslots - 1);
		s->slots[h] = i + 1;
	}
}

void
stats_add(struct stats *s, const char *svc, const char *op, int64_t dur,
    int error)
{
	struct op_stat	*o;
	size_t		 h;

	if ((s->nops + 1) * 2 > s->nslots)
		rehash(s);
	h = key_hash(svc, op) & (s->nslots - 1);
	while (s->slots[h] != 0) {
		o = &s->ops[s->slots[h] - 1];
		if (strcmp(o->service, svc) == 0 &&
		    strcmp(o->operation, op) == 0)
			break;
		h = (h + 1) & (s->nslots - 1);
	}
	if (s->slots[h] == 0) {
		if (s->nops == s->cap) {
			s->cap = s->cap == 0 ? 32 : s->cap * 2;
			s->ops = xreallocarray(s->ops, s->cap, sizeof(*s->ops));
		}
		o = &s->ops[s->nops];
		memset(o, 0, sizeof(*o));
		o->service = xstrdup(svc);
		o->operation = xstrdup(op);
		s->slots[h] = ++s->nops;
	}
	o = &s->ops[s->slots[h] - 1];
	if (o->n == o->cap) {
		o->cap = o->cap == 0 ? 16 : o->cap * 2;
		o->durations = xreallocarray(o->durations, o->cap,
		    sizeof(*o->durations));
	}
	o->durations[o->n++] = dur;
	if (error)
		o->errors++;
	s->spans++;
}

void
stats_add_trace(struct stats *s, const struct trace *t, const char *svc)
{
	size_t	 i;

	s->traces++;
	for (i = 0; i < t->nspans; i++) {
		const struct span *sp = &t->spans[i];

		if (svc != NULL && strcmp(sp->service, svc) != 0)
			continue;
		stats_add(s, sp->service, sp->operation, sp->duration_us,
		    sp->error);
	}
}

static int
op_cmp(const void *a, const void *b)
{
	const struct op_stat *x = a, *y = b;
	int	 r;

	if ((r = strcmp(x->service, y->service)) != 0)
		return (r);
	return (strcmp(x->operation, y->operation));
}

void
stats_finish(struct stats *s)
{
	struct op_stat	*o;
	size_t		 i;

	if (s->nops > 1)
		qsort(s->ops, s->nops, sizeof(*s->ops), op_cmp);
	free(s->slots);
	s->slots = NULL;
	s->nslots = 0;
	for (i = 0; i < s->nops; i++) {
		o = &s->ops[i];
		sort_i64(o->durations, o->n);
		o->p50 = percentile_sorted(o->durations, o->n, 50);
		o->p90 = percentile_sorted(o->durations, o->n, 90);
		o->p99 = percentile_sorted(o->durations, o->n, 99);
		o->max = o->n > 0 ? o->durations[o->n - 1] : 0;
	}
}
