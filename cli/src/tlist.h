/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlist.h: the trace list's model (tlist.c): one row per trace of a
 * search answer, its sort and cursor, and the histogram of the listed
 * traces' durations.
 */
#ifndef TRACECTL_TLIST_H
#define TRACECTL_TLIST_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* One trace of a search answer. */
struct trace_row {
	uint64_t	 hi, lo;
	int64_t		 start_us, duration_us;
	char		*root;		/* "service: operation" */
	char		*services;	/* "a, b, c" */
	size_t		 nspans, nservices, nerrors;
};

struct tlist {
	struct trace_row	*rows;
	size_t			 n, cap;
	size_t			 cursor, top;
	int			 by_duration;
	int64_t			 max_duration_us;
	int64_t			 updated_us;
};

void		 tlist_init(struct tlist *);
void		 tlist_clear(struct tlist *);
void		 tlist_add(struct tlist *, const struct trace *);
void		 tlist_sort(struct tlist *);
void		 tlist_move(struct tlist *, long);
void		 tlist_scroll(struct tlist *, int);

/*
 * The histogram's buckets: n geometric ranges [edge[i], edge[i + 1]) from
 * the shortest listed trace to the longest (the last closed), with the
 * traces and the error traces of each.  Returns n (0: no traces).
 */
#define HIST_MAX	16
size_t		 hist_buckets(const struct tlist *, size_t, int64_t *,
		    size_t *, size_t *);

#endif
