/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tui.h: the terminal under `tracectl browse`, as tui.c drives it through
 * curses: start and stop, size, keys in the browser's own codes, and the
 * in-memory screen copied out.  No curses type crosses this interface.
 */
#ifndef TRACECTL_TUI_H
#define TRACECTL_TUI_H

#include "browse.h"

/* color: use colours when the terminal has them; returns 0 or -1. */
int	 tui_init(int);
void	 tui_end(void);
void	 tui_size(int *, int *);
/* Wait up to ms (-1: forever) for a key; BK_TIMEOUT when none came. */
int	 tui_getkey(int);
void	 tui_draw(const struct screen *);
/* Asks the terminal to put text on the clipboard (OSC 52). */
void	 tui_copy(const char *);

#endif
