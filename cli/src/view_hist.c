/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view_hist.c: the durations of the listed traces as a histogram: geometric
 * buckets from the shortest to the longest, a bar per bucket (its error
 * traces in the error style), counts; Enter searches again for the traces
 * of the bucket under the cursor (its range as minimum and maximum
 * duration).
 */

#include <sys/types.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "browse.h"

size_t
hist_buckets(const struct tlist *l, size_t max, int64_t *edge, size_t *n,
    size_t *err)
{
	int64_t	 lo, hi, d;
	size_t	 i, k, nb;
	double	 r;

	if (l->n == 0 || max == 0)
		return (0);
	lo = hi = l->rows[0].duration_us;
	for (i = 1; i < l->n; i++) {
		d = l->rows[i].duration_us;
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	if (lo < 1)
		lo = 1;
	nb = hi <= lo ? 1 : max > HIST_MAX ? HIST_MAX : max;
	r = nb > 1 ? pow((double)hi / (double)lo, 1.0 / (double)nb) : 1;
	edge[0] = lo;
	for (k = 1; k < nb; k++)
		edge[k] = (int64_t)((double)lo * pow(r, (double)k) + 0.5);
	edge[nb] = hi;
	for (k = 0; k < nb; k++)
		n[k] = err[k] = 0;
	for (i = 0; i < l->n; i++) {
		d = l->rows[i].duration_us;
		for (k = 0; k + 1 < nb && d >= edge[k + 1]; k++)
			;
		n[k]++;
		if (l->rows[i].nerrors > 0)
			err[k]++;
	}
	return (nb);
}

static void
hist_draw(struct browse *b, struct screen *s, int y0, int h)
{
	int64_t		 edge[HIST_MAX + 1];
	size_t		 n[HIST_MAX], err[HIST_MAX], nb, k, most;
	char		 a[32], z[32], label[80];
	int		 y, barw, len, elen, x;

	nb = hist_buckets(&b->list, h > 4 ? (size_t)(h - 4) : 1, edge, n, err);
	screen_putf(s, y0, 1, s->w - 2, ST_HEAD, "durations of the %zu listed "
	    "trace%s  (Enter: search for a bucket's; q: back to the list)",
	    b->list.n, b->list.n == 1 ? "" : "s");
	for (k = 0, most = 1; k < nb; k++)
		if (n[k] > most)
			most = n[k];
	if (b->hist_cursor >= nb)
		b->hist_cursor = nb > 0 ? nb - 1 : 0;
	/* Room after the bar for "123 (45 with errors)". */
	barw = s->w - 2 - 24 - 22;
	if (barw < 4)
		barw = 4;
	for (k = 0; k < nb; k++) {
		y = y0 + 2 + (int)k;
		fmt_duration(edge[k], a, sizeof(a));
		fmt_duration(edge[k + 1], z, sizeof(z));
		snprintf(label, sizeof(label), "%s - %s", a, z);
		screen_put_right(s, y, 1, 22, ST_NORMAL, label);
		x = 1 + 22 + 1;
		len = (int)((double)n[k] / (double)most * barw + 0.5);
		if (n[k] > 0 && len < 1)
			len = 1;
		elen = n[k] > 0 ? (int)((double)len * (double)err[k] /
		    (double)n[k] + 0.5) : 0;
		if (err[k] > 0 && elen < 1)
			elen = 1;
		screen_fill(s, y, x, len - elen, screen_glyph(s, G_BAR), ST_BAR);
		screen_fill(s, y, x + len - elen, elen, screen_glyph(s, G_BAR),
		    ST_BAR_ERR);
		screen_putf(s, y, x + len + 1, s->w - (x + len + 1), ST_DIM,
		    "%zu", n[k]);
		if (err[k] > 0)
			screen_putf(s, y, x + len + 2 + (n[k] >= 100 ? 3 :
			    n[k] >= 10 ? 2 : 1), 16, ST_ERROR, "(%zu with "
			    "errors)", err[k]);
		if (k == b->hist_cursor)
			screen_or_style(s, y, 0, s->w, ST_SELECTED);
	}
}

static enum request
hist_act(struct browse *b, enum action a)
{
	int64_t		 edge[HIST_MAX + 1];
	size_t		 n[HIST_MAX], err[HIST_MAX], nb;
	char		 e[256];
	long		 d;

	nb = hist_buckets(&b->list, b->page > 4 ? (size_t)(b->page - 4) : 1,
	    edge, n, err);
	if (move_rows(b, a, nb, &d)) {
		if (d < 0 && (size_t)-d > b->hist_cursor)
			b->hist_cursor = 0;
		else
			b->hist_cursor += (size_t)d;
		if (b->hist_cursor >= nb)
			b->hist_cursor = nb > 0 ? nb - 1 : 0;
		return (REQ_NONE);
	}
	if (a != A_OPEN || nb == 0)
		return (REQ_NONE);
	/* The bucket's range; the last includes its top. */
	snprintf(b->form.text[F_MINDUR], sizeof(b->form.text[0]), "%lldus",
	    (long long)edge[b->hist_cursor]);
	snprintf(b->form.text[F_MAXDUR], sizeof(b->form.text[0]), "%lldus",
	    (long long)(b->hist_cursor + 1 == nb ? edge[nb] :
	    edge[b->hist_cursor + 1] - 1));
	if (sform_request(&b->form, now_us(), &b->req, e, sizeof(e)) == -1) {
		browse_status(b, ST_ERROR, "%s", e);
		return (REQ_NONE);
	}
	b->have_req = 1;
	b->depth--;	/* back to the list, which the search fills */
	return (REQ_SEARCH);
}

const struct view_ops view_hist_ops = {
	"durations", hist_draw, hist_act
};
