/* SPDX-License-Identifier: Apache-2.0 */
/*
 * output.h: how tracectl prints for people: colour (only on a terminal, never
 * with NO_COLOR), aligned tables, tree glyphs, and the JSON printer for
 * --json.  Views (the commands) format cells; this file lays them out.
 */
#ifndef TRACECTL_OUTPUT_H
#define TRACECTL_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

enum color {
	C_NONE = 0,
	C_BOLD,
	C_DIM,
	C_RED,
	C_GREEN,
	C_YELLOW,
	C_BLUE,
	C_MAGENTA,
	C_CYAN,
	C_RESET
};

struct output {
	int	 color;		/* colour on stdout */
	int	 color_err;	/* colour on stderr */
	int	 utf8;		/* box-drawing glyphs */
	int	 json;		/* --json */
	int	 width;		/* tables fit this many columns; 0: any */
};

extern struct output out;

/*
 * mode: "auto", "always" or "never".  Returns -1 on a bad mode.  Also sets
 * out.width: the terminal's columns when stdout is one, else 0.
 */
int		 output_init(const char *);
const char	*color(enum color);
const char	*color_err(enum color);

struct table {
	size_t		 ncols;
	char		**head;
	int		*right;		/* right-align column */
	int		*shrink;	/* may be cut short (an ellipsis) */
	int		*drop;		/* may be left out, rightmost first */
	char		**cells;	/* nrows * ncols */
	enum color	*colors;
	size_t		 nrows, cap;
};

/*
 * Headers in a "NAME|NAME|>NAME" spec ('>': right-aligned).  Before it, '~':
 * the column may be cut short with an ellipsis, '-': it may be left out, when
 * the table is wider than out.width (rightmost droppable first, only when
 * cutting is not enough).
 */
void	table_init(struct table *, const char *);
void	table_cleanup(struct table *);
/* Adds a row; returns its index.  Cells are copied. */
size_t	table_row(struct table *, ...);
void	table_color(struct table *, size_t, size_t, enum color);
void	table_print(struct table *, FILE *);
size_t	display_width(const char *);

/* Print (and release) a JSON value on stdout, one document. */
void	json_print(json_t *);

#endif
