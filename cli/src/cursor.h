/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cursor.h: a cursor over n rows, shared by the trace list and the trace
 * view: moved and kept on a row, and the page scrolled to show it.
 */
#ifndef TRACECTL_CURSOR_H
#define TRACECTL_CURSOR_H

#include <stddef.h>

/* Move the cursor d rows, kept on one of the n rows (none: it stays). */
static inline void
cursor_move(size_t *cursor, size_t n, long d)
{
	long	 c;

	if (n == 0)
		return;
	c = (long)*cursor + d;
	if (c < 0)
		c = 0;
	if (c >= (long)n)
		c = (long)n - 1;
	*cursor = (size_t)c;
}

/* Scroll *top so that the cursor is in a page of h rows, the page full. */
static inline void
cursor_scroll(size_t cursor, size_t *top, size_t n, int h)
{
	if (h < 1)
		h = 1;
	if (cursor < *top)
		*top = cursor;
	if (cursor >= *top + (size_t)h)
		*top = cursor - (size_t)h + 1;
	if (n <= (size_t)h)
		*top = 0;
	else if (*top > n - (size_t)h)
		*top = n - (size_t)h;
}

#endif
