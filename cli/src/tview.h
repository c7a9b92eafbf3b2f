/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tview.h: the trace view's model (tview.c): the visible rows of a
 * trace's span tree given what is collapsed, the cursor and scroll,
 * navigation (parent, errors, the critical path, matches), the in-trace
 * search and its filter, the bar geometry of the timeline.
 */
#ifndef TRACECTL_TVIEW_H
#define TRACECTL_TVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/*
 * The trace view model: the visible rows of a trace's span tree given what
 * is collapsed, the cursor and scroll, matches of an in-trace search.
 */
struct tview {
	struct trace	*t;		/* borrowed */
	size_t		 n;
	unsigned char	*collapsed;	/* by span index */
	unsigned char	*match;		/* by span index */
	unsigned char	*last;		/* last child of its parent */
	size_t		*hidden;	/* descendants, by span index */
	struct span	**rows;
	size_t		 nrows;
	size_t		 cursor, top;
	size_t		 nmatches;
	char		 query[256];
	int		 name_width;	/* widest indented name, for layout */
};

void		 tview_init(struct tview *, struct trace *);
void		 tview_cleanup(struct tview *);
void		 tview_rebuild(struct tview *);
size_t		 span_index(const struct tview *, const struct span *);
struct span	*tview_current(const struct tview *);
void		 tview_move(struct tview *, long);
void		 tview_goto(struct tview *, struct span *);
void		 tview_scroll(struct tview *, int);
int		 tview_collapse(struct tview *);
int		 tview_expand(struct tview *);
int		 tview_toggle(struct tview *);
void		 tview_collapse_all(struct tview *);
void		 tview_expand_all(struct tview *);
int		 tview_parent(struct tview *);
/* Next/previous span (depth-first order) with pred, wrapping; reveals it. */
struct span	*tview_find(struct tview *, int (*)(const struct tview *,
		    const struct span *), int, int *);
int		 pred_error(const struct tview *, const struct span *);
int		 pred_critical(const struct tview *, const struct span *);
int		 pred_match(const struct tview *, const struct span *);
/* In-trace search; returns matches, or -1 with a reason in err. */
long		 tview_search(struct tview *, const char *, char *, size_t);
/* Where a bar goes in width columns: first column and length >= 1. */
void		 bar_geometry(int64_t, int64_t, int64_t, int64_t, int, int *,
		    int *);

/* A query filter: terms that must all match (see tview_search). */
struct filter;
struct filter	*filter_new(const char *, char *, size_t);
int		 filter_match(const struct filter *, const struct span *);
void		 filter_free(struct filter *);

#endif
