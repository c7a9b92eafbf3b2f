/* SPDX-License-Identifier: Apache-2.0 */
/*
 * output.c: colour decisions, table layout by display width, and the --json
 * printer.  The only file that knows terminal escape codes.
 */

#include <sys/types.h>
#include <sys/ioctl.h>

#include <err.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "util.h"

struct output out;

static const char *codes[] = {
	"", "\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[33m",
	"\033[34m", "\033[35m", "\033[36m", "\033[0m"
};

int
output_init(const char *mode)
{
	static int	 width_known;
	struct winsize	 ws;
	const char	*nc, *cs;
	int		 want;

	nc = getenv("NO_COLOR");
	if (strcmp(mode, "always") == 0)
		want = 1;
	else if (strcmp(mode, "never") == 0)
		want = 0;
	else if (strcmp(mode, "auto") == 0)
		want = -1;
	else
		return (-1);
	if (want == -1) {
		/* NO_COLOR (any non-empty value) and dumb terminals win. */
		if ((nc != NULL && *nc != '\0') ||
		    (getenv("TERM") != NULL && strcmp(getenv("TERM"),
		    "dumb") == 0)) {
			out.color = out.color_err = 0;
		} else {
			out.color = isatty(STDOUT_FILENO);
			out.color_err = isatty(STDERR_FILENO);
		}
	} else
		out.color = out.color_err = want;
	setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	out.utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	/* Once: --color must not undo --width. */
	if (!width_known) {
		width_known = 1;
		if (isatty(STDOUT_FILENO) &&
		    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
			out.width = ws.ws_col;
	}
	return (0);
}

const char *
color(enum color c)
{
	return (out.color ? codes[c] : "");
}

const char *
color_err(enum color c)
{
	return (out.color_err ? codes[c] : "");
}

size_t
display_width(const char *s)
{
	size_t	 n;

	/* Code points; what we print (ids, names, digits, box glyphs). */
	for (n = 0; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return (n);
}

void
table_init(struct table *t, const char *spec)
{
	char	*copy, *p, *field;
	size_t	 n;

	memset(t, 0, sizeof(*t));
	copy = xstrdup(spec);
	for (n = 1, p = copy; *p != '\0'; p++)
		if (*p == '|')
			n++;
	t->ncols = n;
	t->head = xcalloc(n, sizeof(*t->head));
	t->right = xcalloc(n, sizeof(*t->right));
	t->shrink = xcalloc(n, sizeof(*t->shrink));
	t->drop = xcalloc(n, sizeof(*t->drop));
	p = copy;
	n = 0;
	while ((field = strsep(&p, "|")) != NULL) {
		for (;; field++) {
			if (*field == '>')
				t->right[n] = 1;
			else if (*field == '~')
				t->shrink[n] = 1;
			else if (*field == '-')
				t->drop[n] = 1;
			else
				break;
		}
		t->head[n++] = xstrdup(field);
	}
	free(copy);
}

void
table_cleanup(struct table *t)
{
	size_t	 i;

	for (i = 0; i < t->ncols; i++)
		free(t->head[i]);
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->head);
	free(t->right);
	free(t->shrink);
	free(t->drop);
	free(t->cells);
	free(t->colors);
	memset(t, 0, sizeof(*t));
}

size_t
table_row(struct table *t, ...)
{
	va_list		 ap;
	const char	*s;
	size_t		 i, r;

	if (t->nrows == t->cap) {
		t->cap = t->cap == 0 ? 64 : t->cap * 2;
		t->cells = xreallocarray(t->cells, t->cap * t->ncols,
		    sizeof(*t->cells));
		t->colors = xreallocarray(t->colors, t->cap * t->ncols,
		    sizeof(*t->colors));
	}
	r = t->nrows++;
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		t->cells[r * t->ncols + i] = xstrdup(s != NULL ? s : "");
		t->colors[r * t->ncols + i] = C_NONE;
	}
	va_end(ap);
	return (r);
}

void
table_color(struct table *t, size_t row, size_t col, enum color c)
{
	if (row < t->nrows && col < t->ncols)
		t->colors[row * t->ncols + col] = c;
}

/* Narrowest a cut column gets: its head, or this, whichever is wider. */
#define TABLE_MIN_CUT	8

/* s cut to w columns, its last one an ellipsis (new string). */
static char *
cut(const char *s, size_t w)
{
	const char	*ell = out.utf8 ? "\xe2\x80\xa6" : "~";
	const char	*p;
	size_t		 n;
	char		*r;

	if (display_width(s) <= w)
		return (xstrdup(s));
	/* w - 1 code points, then the ellipsis (one column either way). */
	for (p = s, n = 0; *p != '\0'; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80) {
			if (n == w - 1)
				break;
			n++;
		}
	}
	xasprintf(&r, "%.*s%s", (int)(p - s), s, ell);
	return (r);
}

static void
cell(struct buf *b, const char *s, size_t w, int right, int last,
    enum color c)
{
	size_t	 dw, pad;
	char	*cs = NULL;

	if (display_width(s) > w && w > 0)
		s = cs = cut(s, w);
	dw = display_width(s);
	pad = w > dw ? w - dw : 0;
	if (right)
		buf_appendf(b, "%*s", (int)pad, "");
	buf_appendf(b, "%s%s%s", color(c), s,
	    c != C_NONE ? color(C_RESET) : "");
	free(cs);
	if (!right && !last)
		buf_appendf(b, "%*s", (int)pad, "");
	if (!last)
		buf_append(b, "  ", 2);
}

/* Print a rendered line without trailing blanks. */
static void
line_out(struct buf *b, FILE *fp)
{
	while (b->len > 0 && b->data[b->len - 1] == ' ')
		b->len--;
	fwrite(b->data, 1, b->len, fp);
	fputc('\n', fp);
	buf_reset(b);
}

/* Columns the shown ones take, with two blanks between. */
static size_t
total_width(const struct table *t, const size_t *w, const int *show)
{
	size_t	 j, n, sum;

	for (j = n = sum = 0; j < t->ncols; j++)
		if (show[j]) {
			sum += w[j];
			n++;
		}
	return (sum + (n > 1 ? 2 * (n - 1) : 0));
}

/*
 * Make the table fit width columns: cut the widest cuttable column one
 * column at a time, down to its minimum; when that is not enough, leave out
 * the rightmost droppable column (its width goes back to the others) and
 * cut again.  What still does not fit wraps.
 */
static void
fit(struct table *t, size_t *w, int *show, size_t width)
{
	size_t	*full, j, best, min, minj;
	long	 k;

	full = xcalloc(t->ncols, sizeof(*full));
	memcpy(full, w, t->ncols * sizeof(*full));
	for (;;) {
		while (total_width(t, w, show) > width) {
			best = t->ncols;
			for (j = 0; j < t->ncols; j++) {
				min = display_width(t->head[j]);
				if (min < TABLE_MIN_CUT)
					min = TABLE_MIN_CUT;
				if (!show[j] || !t->shrink[j] || w[j] <= min)
					continue;
				if (best == t->ncols || w[j] > w[best])
					best = j;
			}
			if (best == t->ncols)
				break;
			w[best]--;
		}
		if (total_width(t, w, show) <= width)
			break;
		for (k = (long)t->ncols - 1; k >= 0; k--)
			if (show[k] && t->drop[k])
				break;
		if (k < 0)
			break;
		show[k] = 0;
		for (minj = 0; minj < t->ncols; minj++)
			w[minj] = full[minj];
	}
	free(full);
}

void
table_print(struct table *t, FILE *fp)
{
	struct buf	 b;
	size_t		*w, i, j, dw, last;
	int		*show;

	w = xcalloc(t->ncols, sizeof(*w));
	for (j = 0; j < t->ncols; j++)
		w[j] = display_width(t->head[j]);
	for (i = 0; i < t->nrows; i++)
		for (j = 0; j < t->ncols; j++) {
			dw = display_width(t->cells[i * t->ncols + j]);
			if (dw > w[j])
				w[j] = dw;
		}
	show = xcalloc(t->ncols, sizeof(*show));
	for (j = 0; j < t->ncols; j++)
		show[j] = 1;
	if (out.width > 0)
		fit(t, w, show, (size_t)out.width);
	for (last = t->ncols; last > 0 && !show[last - 1]; last--)
		continue;
	buf_init(&b, SIZE_MAX / 2);
	for (j = 0; j < t->ncols; j++)
		if (show[j])
			cell(&b, t->head[j], w[j], t->right[j], j + 1 == last,
			    C_BOLD);
	line_out(&b, fp);
	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->ncols; j++)
			if (show[j])
				cell(&b, t->cells[i * t->ncols + j], w[j],
				    t->right[j], j + 1 == last,
				    t->colors[i * t->ncols + j]);
		line_out(&b, fp);
	}
	free(show);
	buf_cleanup(&b);
	free(w);
}

void
json_print(json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(10)) == -1)
		errx(EX_INTERNAL, "cannot write JSON");
	fputc('\n', stdout);
	json_decref(v);
}
