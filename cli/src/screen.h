/* SPDX-License-Identifier: Apache-2.0 */
/*
 * screen.h: an in-memory screen of styled cells (screen.c), what every
 * view draws into and tui.c copies to the terminal: cell styles, glyphs
 * with their ASCII fallbacks, UTF-8 text by display width.
 */
#ifndef TRACECTL_SCREEN_H
#define TRACECTL_SCREEN_H

#include <stddef.h>
#include <stdint.h>

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

#endif
