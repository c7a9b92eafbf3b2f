/* SPDX-License-Identifier: Apache-2.0 */
/*
 * browse.h: `tracectl browse` without a terminal: the screens' state
 * machine (browse.c) over the models (keys.h, tview.h, tlist.h, sform.h;
 * RED metrics rows come from red.h) and one file per view drawing into a
 * screen (screen.h, view_*.c; the help is a view too). Only tui.c talks to
 * curses and only cmd_browse.c does I/O, so tests drive keys and compare
 * screens as text.
 */
#ifndef TRACECTL_BROWSE_H
#define TRACECTL_BROWSE_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "model.h"
#include "red.h"
#include "screen.h"
#include "sform.h"
#include "tlist.h"
#include "tview.h"

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
/* The help: an overlay over the whole screen; any key but a scroll closes it. */
extern const struct view_ops view_help_ops;

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
