/*
 * browse.h: the parts of `tracectl browse` that need no terminal: an
 * in-memory screen of styled cells (screen.c), the view models (browse_model.c:
 * trace rows and collapse state, bar geometry, the key table, in-trace search,
 * the trace list and the search form; RED metrics rows come from red.h), the
 * screens' state machine
 * (browse.c) and one file per view drawing into a screen (view_*.c).  Only
 * tui.c talks to curses and only cmd_browse.c does I/O, so tests drive
 * keys and compare screens as text.
 */
#ifndef TRACECTL_BROWSE_H
#define TRACECTL_BROWSE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "red.h"

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

/* Cell styles; tui.c maps them to colours or to bold/reverse/underline. */
enum style {
	ST_NORMAL = 0,
	ST_TITLE,	/* top bar */
	ST_STATUS,	/* bottom bar */
	ST_HEAD,	/* column heads */
	ST_DIM,
	ST_ERROR,
	ST_CRIT,
	ST_MATCH,
	ST_KEY,
	ST_FIELD,	/* an input field */
	ST_BAR,		/* bar off the critical path */
	ST_BAR_CRIT,
	ST_BAR_ERR,
	ST_SVC0,	/* service names: 6 colours */
	ST_SVC1,
	ST_SVC2,
	ST_SVC3,
	ST_SVC4,
	ST_SVC5,
	ST_COUNT
};
#define ST_SELECTED	0x80	/* or-ed: the cursor's row */
#define ST_BASE(s)	((s) & 0x7f)

/* Glyphs with their ASCII fallbacks. */
enum glyph {
	G_VLINE, G_HLINE, G_TEE, G_ELBOW, G_OPEN, G_CLOSED, G_LEAF,
	G_BAR, G_BAR_LIGHT, G_ERROR, G_CRIT, G_ELLIPSIS, G_TL, G_TR, G_BL,
	G_BR, G_TICK, G_MATCH, G_COUNT
};

struct cell {
	uint32_t	 ch;	/* 0: the right half of a wide character */
	uint8_t		 style;
};

struct screen {
	int		 w, h;
	int		 utf8;
	struct cell	*cells;
};

void		 screen_init(struct screen *, int, int, int);
void		 screen_cleanup(struct screen *);
void		 screen_resize(struct screen *, int, int);
void		 screen_clear(struct screen *);
/* Write UTF-8 text at (y, x) within maxw columns; returns columns used. */
int		 screen_put(struct screen *, int, int, int, int, const char *);
int		 screen_putf(struct screen *, int, int, int, int, const char *,
		    ...) __attribute__((format(printf, 6, 7)));
/*
 * Bytes of the longest head of a UTF-8 text that screen_put draws in maxw
 * columns: whole characters, by display width (wide ones take 2), with
 * the zero-width marks after the last; its columns in *cols.
 */
size_t		 screen_fit(const struct screen *, const char *, int, int *);
/* Clipped to w columns with an ellipsis when it does not fit. */
int		 screen_put_clip(struct screen *, int, int, int, int,
		    const char *);
/* Right-aligned within [x, x + w). */
void		 screen_put_right(struct screen *, int, int, int, int,
		    const char *);
void		 screen_fill(struct screen *, int, int, int, uint32_t, int);
void		 screen_style(struct screen *, int, int, int, int);
void		 screen_or_style(struct screen *, int, int, int, int);
uint32_t	 screen_glyph(const struct screen *, enum glyph);
void		 screen_box(struct screen *, int, int, int, int, int);
/* One row as UTF-8 without trailing blanks, into buf. */
const char	*screen_row(const struct screen *, int, char *, size_t);
/* The whole screen as text, rows joined by '\n' (new, free it). */
char		*screen_text(const struct screen *);
/* Columns a UTF-8 string takes. */
int		 text_width(const char *);
/* Encode a code point as UTF-8 into b (4 bytes); returns its length. */
size_t		 utf8_put(char *, uint32_t);

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

/* The search form. */
enum field {
	F_SERVICE = 0,
	F_OPERATION,
	F_MINDUR,
	F_ERRORS,
	F_LOOKBACK,
	F_END,
	F_LIMIT,
	F_SORT,
	F_REFRESH,
	F_MAXDUR,
	F_TAGS,
	F_TRACEID,
	F_GO,
	F_COUNT
};

struct sform {
	char		 text[F_COUNT][128];
	char		**choices[F_COUNT];	/* NULL-terminated; owned */
	size_t		 cur;
	int		 editing;
	size_t		 edit_pos;	/* byte offset in the edited text */
	char		 saved[128];	/* the text before editing (Esc) */
};

/* A search as the form describes it. */
struct search_req {
	char		 service[128];	/* "": all */
	char		 operation[128];	/* "": all */
	int64_t		 min_duration_us;
	int64_t		 max_duration_us;	/* 0: none */
	char		 tags[128];	/* "key=value ..." ("": none) */
	char		 trace_id[40];	/* "": search; else open this trace */
	int		 errors_only;
	int64_t		 start_us, end_us;
	long		 limit;
	int		 by_duration;
	int64_t		 refresh_us;	/* 0: off */
};

/* Auto-refresh intervals (0: off), shared by the form and the list. */
extern const int64_t refresh_intervals[];
extern const size_t refresh_nintervals;
/* An interval's label, the same everywhere ("off", "5s", "1m"). */
void		 refresh_label(int64_t, char *, size_t);

void		 sform_init(struct sform *);
void		 sform_cleanup(struct sform *);
/* Replace a field's choices (copied); keeps the value when present. */
void		 sform_set_choices(struct sform *, enum field, char **, size_t);
void		 sform_cycle(struct sform *, int);
/* Returns 0, or -1 with the reason in err and the cursor on the field. */
int		 sform_request(struct sform *, int64_t, struct search_req *,
		    char *, size_t);
/* The form's tags split in place at spaces: up to max words into v. */
size_t		 tags_split(char *, const char **, size_t);
/* Edit text (cap bytes) at *pos: 0 not taken, 1 taken, 2 Enter. */
int		 line_edit(char *, size_t, size_t *, int);
/* A line editor over a field: returns 1 when the key was taken. */
int		 sform_edit_key(struct sform *, int);

/* What the I/O side must do after a key. */
enum request {
	REQ_NONE = 0,
	REQ_QUIT,
	REQ_SEARCH,	/* run browse->req */
	REQ_TRACE,	/* fetch browse->want_trace */
	REQ_OPERATIONS,	/* fetch the operations of the form's service */
	REQ_METRICS,	/* fetch browse->red */
	REQ_LOGS	/* read the open trace's log lines */
};

/* The metrics screen redraws this often. */
#define METRICS_REFRESH_US	(5 * USEC_PER_SEC)

struct browse {
	enum scr	 stack[SCR_COUNT];
	int		 depth;
	int		 help, help_top;
	int		 yank;
	int		 prompt;	/* '/' being typed */
	char		 prompt_buf[256];
	size_t		 prompt_pos;	/* byte offset of its cursor */
	char		 status[512];
	int		 status_style;
	struct sform	 form;
	struct search_req req;
	int		 have_req;
	struct tlist	 list;
	struct tlist	 kept;		/* the list before a search runs */
	int		 searching;	/* between search start and done */
	struct trace	*trace;		/* owned */
	struct tview	 tv;
	int		 span_top;
	char		 want_trace[40];
	const char	*jaeger_url;
	int64_t		 last_search_us;
	int		 loading;
	char		 progress[160];	/* while loading */
	int		 page;		/* body rows last drawn */
	int		 split;		/* tree width moved by '<' '>' */
	int64_t		 zoom_start_us;	/* the timeline's window; */
	int64_t		 zoom_dur_us;	/* 0: the whole trace */
	char		 yank_text[40];	/* the id the last 'y' showed */
	char		**logs;		/* the open trace's log lines */
	size_t		 nlogs;
	int		 logs_state;	/* 0 not read, 1 read, -1 no logs */
	size_t		 hist_cursor;	/* the histogram's bucket */
	struct red	 red;		/* the metrics screen's rows */
	size_t		 red_cursor, red_top;
	int		 red_sort;	/* enum red_sort */
	int64_t		 red_updated_us;	/* 0: never fetched */
	char		 red_error[256];	/* the last fetch failed */
};

/* A view: draws into rows [y, y + h) of a screen and takes actions. */
struct view_ops {
	const char	*name;
	void		(*draw)(struct browse *, struct screen *, int, int);
	enum request	(*act)(struct browse *, enum action);
};

extern const struct view_ops view_search_ops;
extern const struct view_ops view_list_ops;
extern const struct view_ops view_waterfall_ops;
extern const struct view_ops view_span_ops;
extern const struct view_ops view_metrics_ops;
extern const struct view_ops view_hist_ops;

/*
 * The histogram's buckets: n geometric ranges [edge[i], edge[i + 1]) from
 * the shortest listed trace to the longest (the last closed), with the
 * traces and the error traces of each.  Returns n (0: no traces).
 */
#define HIST_MAX	16
size_t		 hist_buckets(const struct tlist *, size_t, int64_t *,
		    size_t *, size_t *);

void		 browse_init(struct browse *, const char *);
void		 browse_cleanup(struct browse *);
enum scr	 browse_screen(const struct browse *);
void		 browse_push(struct browse *, enum scr);
enum request	 browse_key(struct browse *, int);
void		 browse_draw(struct browse *, struct screen *);
/* The I/O side hands answers back: the trace is taken, NULL on failure. */
void		 browse_set_trace(struct browse *, struct trace *, const char *);
/*
 * A search fills browse->list between these two; when it fails (err not
 * NULL) the list from before it comes back and the status says why.
 */
void		 browse_search_start(struct browse *);
void		 browse_search_done(struct browse *, const char *);
void		 browse_status(struct browse *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
/*
 * The metrics fetched for the metrics screen (taken; err not NULL when the
 * fetch failed: the rows from before stay).
 */
void		 browse_set_metrics(struct browse *, struct red *, const char *);
/*
 * The open trace's log lines ("file json" each, taken), or none with the
 * reason; the span detail shows those of its span.
 */
void		 browse_set_logs(struct browse *, char **, size_t, const char *);
/* Auto-refresh: how long the loop may wait for a key (-1: forever). */
int		 browse_wait_ms(const struct browse *, int64_t);
/*
 * What 'y' shows, for the terminal to copy too (OSC 52): the id of the
 * trace under the cursor or open; "" when none.
 */
const char	*browse_yank_id(struct browse *);
/* The help overlay, drawn over the whole screen. */
void		 view_help_draw(struct browse *, struct screen *);
/* Span detail lines (for the view and tests): new array of new strings. */
size_t		 span_detail_lines(const struct trace *, const struct span *,
		    char ***, int **);
void		 span_detail_free(char **, int *, size_t);
int		 service_style(const struct trace *, const char *);
/* Rows a page key moves: the last drawn page less a line of context. */
long		 page_rows(const struct browse *);
/* A cursor key over n rows: 1 with the rows it moves in *d, else 0. */
int		 move_rows(const struct browse *, enum action, size_t, long *);

#endif
