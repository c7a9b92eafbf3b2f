/* SPDX-License-Identifier: Apache-2.0 */
/*
 * red.h: RED metrics (rate, errors, duration) per service and operation,
 * read from Jaeger's metrics API (spanmetrics -> Prometheus -> Jaeger) and
 * merged into one row each, for `tracectl top` and the browser's metrics
 * view.
 */
#ifndef TRACECTL_RED_H
#define TRACECTL_RED_H

#include <stddef.h>
#include <stdint.h>

struct jaeger;

enum red_sort {
	RED_SORT_WORST = 0,	/* error rate, then p99, then rate */
	RED_SORT_RATE,
	RED_SORT_P99,
	RED_SORT_NAME
};

struct red_row {
	char	*service;
	char	*operation;
	double	 rate;		/* calls per second */
	double	 errors;	/* share of the calls, 0 to 1 */
	double	 p[3];		/* p50, p95, p99 in ms; < 0: no data */
};

struct red {
	struct red_row	*rows;
	size_t		 n;
	int64_t		 end_ms;
	int64_t		 window_ms;
	size_t		 idle;	/* operations with no call in the window */
};

/*
 * Fetches the rates, error shares and p50/p95/p99 of every operation of the
 * services (span kinds: NULL for Jaeger's default, server) over the window
 * ending now; operations with no call in the window are counted in idle,
 * not listed.  Returns JAEGER_OK or a JAEGER_E* code (jaeger->error).
 */
int	 red_fetch(struct jaeger *, const char **, size_t, const char **,
	    size_t, int64_t, struct red *);
void	 red_sort(struct red *, int);
void	 red_cleanup(struct red *);
/* A percentile in ms as a duration ("-" when there is none, < 0). */
void	 red_fmt_ms(double, char *, size_t);
/* "worst", "rate", "p99", "name" -> enum red_sort; -1 if unknown. */
int	 red_sort_parse(const char *);

#endif
