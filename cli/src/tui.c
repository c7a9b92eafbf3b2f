/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tui.c: the only file of tracectl that talks to curses (ncursesw): it
 * starts and ends the terminal session, maps the browser's cell styles to
 * colour pairs or, on a monochrome terminal, to bold, underline, dim and
 * reverse, copies an in-memory screen out as wide characters, and turns
 * curses keys (arrows, resize, function keys) into the browser's codes.
 */

#include <sys/types.h>

#define NCURSES_WIDECHAR	1

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui.h"

static SCREEN	*term;
static int	 active;
static int	 colors;
static attr_t	 attrs[ST_COUNT];
static short	 pairs[ST_COUNT];

/* Colour (fg, or -1 for the default) and monochrome attributes. */
static const struct {
	short	 fg, bg;
	attr_t	 color_attr;
	attr_t	 mono_attr;
} look[ST_COUNT] = {
	[ST_NORMAL] =	{ -1, -1, A_NORMAL, A_NORMAL },
	[ST_TITLE] =	{ COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[ST_STATUS] =	{ COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE },
	[ST_HEAD] =	{ -1, -1, A_BOLD, A_BOLD },
	[ST_DIM] =	{ -1, -1, A_DIM, A_DIM },
	[ST_ERROR] =	{ COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[ST_CRIT] =	{ COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ST_MATCH] =	{ COLOR_MAGENTA, -1, A_BOLD | A_UNDERLINE,
			  A_UNDERLINE },
	[ST_KEY] =	{ COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[ST_FIELD] =	{ -1, -1, A_UNDERLINE, A_UNDERLINE },
	[ST_BAR] =	{ COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[ST_BAR_CRIT] =	{ COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ST_BAR_ERR] =	{ COLOR_RED, -1, A_BOLD, A_BOLD },
	[ST_SVC0] =	{ COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[ST_SVC1] =	{ COLOR_BLUE, -1, A_BOLD, A_NORMAL },
	[ST_SVC2] =	{ COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL },
	[ST_SVC3] =	{ COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[ST_SVC4] =	{ COLOR_YELLOW, -1, A_NORMAL, A_NORMAL },
	[ST_SVC5] =	{ -1, -1, A_BOLD, A_NORMAL },
};

int
tui_init(int want_color)
{
	int	 i;

	if ((term = newterm(NULL, stdout, stdin)) == NULL)
		return (-1);
	set_term(term);
	active = 1;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	colors = want_color && has_colors();
	if (colors) {
		start_color();
		use_default_colors();
	}
	for (i = 0; i < ST_COUNT; i++) {
		pairs[i] = 0;
		attrs[i] = colors ? look[i].color_attr : look[i].mono_attr;
		if (colors && (look[i].fg != -1 || look[i].bg != -1) &&
		    i < COLOR_PAIRS) {
			init_pair((short)i, look[i].fg, look[i].bg);
			pairs[i] = (short)i;
		}
	}
	return (0);
}

void
tui_end(void)
{
	if (!active)
		return;
	curs_set(1);
	endwin();
	active = 0;
	/* Release what ncurses keeps, so a leak checker sees none. */
	delscreen(term);
	term = NULL;
}

void
tui_size(int *w, int *h)
{
	getmaxyx(stdscr, *h, *w);
}

int
tui_getkey(int ms)
{
	wint_t	 wc;
	int	 rc;

	wtimeout(stdscr, ms);
	rc = wget_wch(stdscr, &wc);
	if (rc == ERR)
		return (BK_TIMEOUT);
	if (rc == KEY_CODE_YES) {
		switch (wc) {
		case KEY_UP:		return (BK_UP);
		case KEY_DOWN:		return (BK_DOWN);
		case KEY_LEFT:		return (BK_LEFT);
		case KEY_RIGHT:		return (BK_RIGHT);
		case KEY_PPAGE:		return (BK_PGUP);
		case KEY_NPAGE:		return (BK_PGDN);
		case KEY_HOME:		return (BK_HOME);
		case KEY_END:		return (BK_END);
		case KEY_F(5):		return (BK_F5);
		case KEY_DC:		return (BK_DELETE);
		case KEY_BACKSPACE:	return (BK_BACKSPACE);
		case KEY_ENTER:		return (BK_ENTER);
		case KEY_RESIZE:	return (BK_RESIZE);
		default:		return (BK_TIMEOUT);
		}
	}
	if (wc == '\r' || wc == '\n')
		return (BK_ENTER);
	if (wc == 8)
		return (BK_BACKSPACE);
	return ((int)wc);
}

void
tui_copy(const char *text)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)text;
	char		 out[128];
	size_t		 n = strlen(text), i, o = 0;
	unsigned int	 v;

	/* OSC 52: most terminals (xterm, kitty, iTerm2, tmux with
	 * set-clipboard) copy it; the others ignore it.  Ids are short. */
	if (n == 0 || n > 64)
		return;
	for (i = 0; i < n; i += 3) {
		v = (unsigned int)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned int)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	fprintf(stdout, "\033]52;c;%s\a", out);
	fflush(stdout);
}

void
tui_draw(const struct screen *s)
{
	const struct cell	*c;
	cchar_t			 cc;
	wchar_t			 wc[2];
	attr_t			 a;
	int			 x, y, st, h, w;

	getmaxyx(stdscr, h, w);
	for (y = 0; y < s->h && y < h; y++)
		for (x = 0; x < s->w && x < w; x++) {
			c = &s->cells[(size_t)y * (size_t)s->w + (size_t)x];
			if (c->ch == 0)
				continue;
			st = ST_BASE(c->style);
			if (st >= ST_COUNT)
				st = ST_NORMAL;
			a = attrs[st];
			if (c->style & ST_SELECTED)
				a |= A_REVERSE;
			wc[0] = (wchar_t)c->ch;
			wc[1] = L'\0';
			setcchar(&cc, wc, a, pairs[st], NULL);
			/* The last cell may fail to scroll: no matter. */
			(void)mvadd_wch(y, x, &cc);
		}
	wnoutrefresh(stdscr);
	doupdate();
}
