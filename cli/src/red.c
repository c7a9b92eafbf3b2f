/* SPDX-License-Identifier: Apache-2.0 */
/*
 * red.c: RED metrics per service and operation: five queries of Jaeger's
 * metrics API (calls, errors, and the latency at 0.50, 0.95 and 0.99),
 * merged by service and operation, and the orders they are listed in.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaeger.h"
#include "red.h"
#include "util.h"

/* Points this far apart: only the newest is used. */
#define RED_STEP_MS	5000

static const double quantiles[3] = { 0.50, 0.95, 0.99 };

static struct red_row *
row_get(struct red *r, const char *svc, const char *op, int add)
{
	size_t	 i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->rows[i].service, svc) == 0 &&
		    strcmp(r->rows[i].operation, op) == 0)
			return (&r->rows[i]);
	if (!add)
		return (NULL);
	r->rows = xrealloc(r->rows, (r->n + 1) * sizeof(*r->rows));
	memset(&r->rows[r->n], 0, sizeof(r->rows[r->n]));
	r->rows[r->n].service = xstrdup(svc);
	r->rows[r->n].operation = xstrdup(op);
	r->rows[r->n].p[0] = r->rows[r->n].p[1] = r->rows[r->n].p[2] = -1;
	return (&r->rows[r->n++]);
}

int
red_fetch(struct jaeger *j, const char **services, size_t nservices,
    const char **kinds, size_t nkinds, int64_t window_ms, struct red *r)
{
	struct jaeger_metrics_query	 q;
	struct jaeger_series		*s;
	struct red_row			*row;
	size_t				 i, k, n;
	int				 rc, m;

	memset(r, 0, sizeof(*r));
	r->end_ms = now_us() / 1000;
	r->window_ms = window_ms;
	memset(&q, 0, sizeof(q));
	q.services = services;
	q.nservices = nservices;
	q.span_kinds = kinds;
	q.nspan_kinds = nkinds;
	q.end_ms = r->end_ms;
	q.window_ms = window_ms;
	q.step_ms = RED_STEP_MS;
	/* Calls first: they say which operations there are. */
	for (m = 0; m < 5; m++) {
		q.metric = m == 0 ? JAEGER_M_CALLS : m == 1 ? JAEGER_M_ERRORS :
		    JAEGER_M_LATENCY;
		q.quantile = m >= 2 ? quantiles[m - 2] : 0;
		if ((rc = jaeger_metrics(j, &q, &s, &n)) != JAEGER_OK) {
			red_cleanup(r);
			return (rc);
		}
		for (i = 0; i < n; i++) {
			if ((row = row_get(r, s[i].service, s[i].operation,
			    m == 0)) == NULL || !s[i].has)
				continue;
			if (m == 0)
				row->rate = s[i].value;
			else if (m == 1)
				row->errors = s[i].value;
			else
				row->p[m - 2] = s[i].value;
		}
		jaeger_free_series(s, n);
	}
	/* No call in the window: nothing to say of its errors or latency. */
	for (i = k = 0; i < r->n; i++) {
		if (r->rows[i].rate <= 0) {
			free(r->rows[i].service);
			free(r->rows[i].operation);
			r->idle++;
			continue;
		}
		r->rows[k++] = r->rows[i];
	}
	r->n = k;
	red_sort(r, RED_SORT_WORST);
	return (JAEGER_OK);
}

static int
cmp_name(const struct red_row *a, const struct red_row *b)
{
	int	 c;

	if ((c = strcmp(a->service, b->service)) != 0)
		return (c);
	return (strcmp(a->operation, b->operation));
}

static int
cmp_desc(double a, double b)
{
	return (a > b ? -1 : a < b ? 1 : 0);
}

static int	sort_key;

static int
row_cmp(const void *pa, const void *pb)
{
	const struct red_row	*a = pa, *b = pb;
	int			 c;

	switch (sort_key) {
	case RED_SORT_RATE:
		c = cmp_desc(a->rate, b->rate);
		break;
	case RED_SORT_P99:
		c = cmp_desc(a->p[2], b->p[2]);
		break;
	case RED_SORT_NAME:
		c = 0;
		break;
	case RED_SORT_WORST:
	default:
		if ((c = cmp_desc(a->errors, b->errors)) == 0 &&
		    (c = cmp_desc(a->p[2], b->p[2])) == 0)
			c = cmp_desc(a->rate, b->rate);
		break;
	}
	return (c != 0 ? c : cmp_name(a, b));
}

void
red_sort(struct red *r, int key)
{
	sort_key = key;
	if (r->n > 1)
		qsort(r->rows, r->n, sizeof(*r->rows), row_cmp);
}

void
red_fmt_ms(double ms, char *b, size_t n)
{
	if (ms < 0)
		snprintf(b, n, "-");
	else
		fmt_duration((int64_t)(ms * 1000 + 0.5), b, n);
}

int
red_sort_parse(const char *s)
{
	if (strcmp(s, "worst") == 0)
		return (RED_SORT_WORST);
	if (strcmp(s, "rate") == 0)
		return (RED_SORT_RATE);
	if (strcmp(s, "p99") == 0)
		return (RED_SORT_P99);
	if (strcmp(s, "name") == 0)
		return (RED_SORT_NAME);
	return (-1);
}

void
red_cleanup(struct red *r)
{
	size_t	 i;

	for (i = 0; i < r->n; i++) {
		free(r->rows[i].service);
		free(r->rows[i].operation);
	}
	free(r->rows);
	r->rows = NULL;
	r->n = 0;
}
