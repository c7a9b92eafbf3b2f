/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats.h: per service and operation figures over many traces: span count,
 * errors, and nearest-rank percentiles of span durations.  Model only (no
 * I/O), for `stats` and the load generator's summary alike.
 */
#ifndef TRACECTL_STATS_H
#define TRACECTL_STATS_H

#include "model.h"

struct op_stat {
	char		*service;
	char		*operation;
	int64_t		*durations;
	size_t		 n, cap;
	size_t		 errors;
	int64_t		 p50, p90, p99, max;
};

struct stats {
	struct op_stat	*ops;
	size_t		 nops, cap;
	size_t		*slots;		/* index + 1; 0 is empty */
	size_t		 nslots;
	size_t		 traces;
	size_t		 spans;
};

void	stats_init(struct stats *);
void	stats_cleanup(struct stats *);
/* Count a trace's spans (only service's if not NULL). */
void	stats_add_trace(struct stats *, const struct trace *, const char *);
void	stats_add(struct stats *, const char *, const char *, int64_t, int);
/* Sort by service and operation; compute the percentiles. */
void	stats_finish(struct stats *);

#endif
