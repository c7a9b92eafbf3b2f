/*
 * output.c: colour decisions, table layout by display width, and the --json
 * printer.  The only file that knows terminal escape codes.
 */

#include <sys/types.h>

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
	p = copy;
	n = 0;
	while ((field = strsep(&p, "|")) != NULL) {
		if (*field == '>') {
			t->right[n] = 1;
			field++;
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

static void
cell(struct buf *b, const char *s, size_t w, int right, int last,
    enum color c)
{
	size_t	 dw, pad;

	dw = display_width(s);
	pad = w > dw ? w - dw : 0;
	if (right)
		buf_appendf(b, "%*s", (int)pad, "");
	buf_appendf(b, "%s%s%s", color(c), s,
	    c != C_NONE ? color(C_RESET) : "");
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

void
table_print(struct table *t, FILE *fp)
{
	struct buf	 b;
	size_t		*w, i, j, dw;

	w = xcalloc(t->ncols, sizeof(*w));
	for (j = 0; j < t->ncols; j++)
		w[j] = display_width(t->head[j]);
	for (i = 0; i < t->nrows; i++)
		for (j = 0; j < t->ncols; j++) {
			dw = display_width(t->cells[i * t->ncols + j]);
			if (dw > w[j])
				w[j] = dw;
		}
	buf_init(&b, SIZE_MAX / 2);
	for (j = 0; j < t->ncols; j++)
		cell(&b, t->head[j], w[j], t->right[j], j + 1 == t->ncols,
		    C_BOLD);
	line_out(&b, fp);
	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->ncols; j++)
			cell(&b, t->cells[i * t->ncols + j], w[j], t->right[j],
			    j + 1 == t->ncols, t->colors[i * t->ncols + j]);
		line_out(&b, fp);
	}
	buf_cleanup(&b);
	free(w);
}

void
json_print(json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(10)) == -1)
		errx(3, "cannot write JSON");
	fputc('\n', stdout);
	json_decref(v);
}
