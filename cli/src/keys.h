/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.h: the browser's keys (code points, and named keys above the
 * Unicode range), its screens, and the key table (keys.c) that maps a key
 * on a screen to an action: the help view lists it, so no binding goes
 * unlisted.
 */
#ifndef TRACECTL_KEYS_H
#define TRACECTL_KEYS_H


/* Keys: Unicode code points, and these above the Unicode range. */
enum {
	BK_TAB = '\t',
	BK_ENTER = '\n',
	BK_ESC = 27,
	BK_BACKSPACE = 127,
	BK_UP = 0x110000,
	BK_DOWN,
	BK_LEFT,
	BK_RIGHT,
	BK_PGUP,
	BK_PGDN,
	BK_HOME,
	BK_END,
	BK_F5,
	BK_DELETE,
	BK_RESIZE,
	BK_TIMEOUT	/* no key within the wait */
};
#define BK_CTRL(c)	((c) & 0x1f)

/* What a key does: the key table maps (screen, key) to one of these. */
enum action {
	A_NONE = 0,
	A_QUIT, A_BACK, A_HELP,
	A_UP, A_DOWN, A_PGUP, A_PGDN, A_HOME, A_END,
	A_OPEN, A_COLLAPSE, A_EXPAND, A_TOGGLE, A_COLLAPSE_ALL,
	A_EXPAND_ALL, A_PARENT, A_NEXT_ERR, A_PREV_ERR, A_NEXT_CRIT,
	A_PREV_CRIT, A_FIND, A_FIND_NEXT, A_FIND_PREV, A_YANK, A_REFRESH,
	A_SORT, A_AUTO, A_SEARCH, A_PREV_VAL, A_NEXT_VAL, A_PREV_SPAN,
	A_NEXT_SPAN, A_METRICS, A_SPLIT_LEFT, A_SPLIT_RIGHT, A_ZOOM,
	A_HIST, A_COUNT
};

/* The screens. */
enum scr {
	SCR_SEARCH = 0,
	SCR_LIST,
	SCR_TRACE,
	SCR_SPAN,
	SCR_METRICS,	/* RED metrics per operation */
	SCR_HIST,	/* the listed traces' durations, as a histogram */
	SCR_COUNT
};
#define SCRMASK(s)	(1 << (s))
#define SCR_ALL		0x3f

struct binding {
	int		 screens;	/* SCRMASK bits */
	int		 key;
	enum action	 action;
	const char	*label;		/* the key as the help shows it */
	const char	*help;		/* NULL: same action as the line above */
};

extern const struct binding browse_keys[];
extern const size_t browse_nkeys;
enum action	 browse_action(enum scr, int);

#endif
