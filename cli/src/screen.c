/* SPDX-License-Identifier: Apache-2.0 */
/*
 * screen.c: the in-memory screen the browser's views draw into: a grid of
 * cells (a code point and a style), UTF-8 text clipped to a width, how
 * much of a text fits in a width (for wrapping), the UTF-8 encoder the line
 * editor shares, glyphs with ASCII fallbacks, and the screen as plain text
 * for tests.  tui.c copies it to the terminal; nothing here knows curses.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "browse.h"
#include "util.h"

static const uint32_t glyph_utf8[G_COUNT] = {
	0x2502, 0x2500, 0x251c, 0x2514, 0x25be, 0x25b8, 0x2500,
	0x2588, 0x2592, 0x2716, 0x25c6, 0x2026, 0x250c, 0x2510, 0x2514,
	0x2518, 0x2577, 0x25cf
};
static const uint32_t glyph_ascii[G_COUNT] = {
	'|', '-', '|', '`', 'v', '>', '-',
	'#', '=', '!', '*', '~', '+', '+', '+',
	'+', '|', '@'
};

void
screen_init(struct screen *s, int w, int h, int utf8)
{
	memset(s, 0, sizeof(*s));
	s->utf8 = utf8;
	screen_resize(s, w, h);
}

void
screen_cleanup(struct screen *s)
{
	free(s->cells);
	s->cells = NULL;
	s->w = s->h = 0;
}

void
screen_resize(struct screen *s, int w, int h)
{
	if (w < 1)
		w = 1;
	if (h < 1)
		h = 1;
	free(s->cells);
	s->w = w;
	s->h = h;
	s->cells = xcalloc((size_t)w * (size_t)h, sizeof(*s->cells));
	screen_clear(s);
}

void
screen_clear(struct screen *s)
{
	size_t	 i, n = (size_t)s->w * (size_t)s->h;

	for (i = 0; i < n; i++) {
		s->cells[i].ch = ' ';
		s->cells[i].style = ST_NORMAL;
	}
}

uint32_t
screen_glyph(const struct screen *s, enum glyph g)
{
	return (s->utf8 ? glyph_utf8[g] : glyph_ascii[g]);
}

/* Decode one UTF-8 sequence; bad bytes read as U+FFFD (or '?'). */
static uint32_t
utf8_next(const char **p)
{
	const unsigned char	*s = (const unsigned char *)*p;
	uint32_t		 c;
	int			 n, i;

	if (s[0] < 0x80) {
		*p += 1;
		return (s[0]);
	}
	if ((s[0] & 0xe0) == 0xc0) {
		c = s[0] & 0x1f;
		n = 1;
	} else if ((s[0] & 0xf0) == 0xe0) {
		c = s[0] & 0x0f;
		n = 2;
	} else if ((s[0] & 0xf8) == 0xf0) {
		c = s[0] & 0x07;
		n = 3;
	} else {
		*p += 1;
		return (0xfffd);
	}
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*p += i;
			return (0xfffd);
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	*p += n + 1;
	return (c);
}

static int
cp_width(uint32_t c)
{
	int	 w;

	if (c < 0x300)
		return (1);	/* controls are drawn as one replacement cell */
	w = wcwidth((wchar_t)c);
	return (w == 2 ? 2 : w == 0 ? 0 : 1);
}

int
text_width(const char *t)
{
	int	 n = 0;

	while (*t != '\0')
		n += cp_width(utf8_next(&t));
	return (n);
}

static void
set_cell(struct screen *s, int y, int x, uint32_t c, int style)
{
	struct cell	*cl = &s->cells[(size_t)y * (size_t)s->w + (size_t)x];

	cl->ch = c;
	cl->style = (uint8_t)style;
}

/* A code point as the screen shows it; *w its columns (0: none). */
static uint32_t
shown(const struct screen *s, uint32_t c, int *w)
{
	if (c < 0x20 || c == 0x7f)
		c = ' ';	/* no control characters on screen */
	if (!s->utf8 && c >= 0x80)
		c = '?';
	*w = cp_width(c);
	return (c);
}

size_t
screen_fit(const struct screen *s, const char *t, int maxw, int *cols)
{
	const char	*p = t, *q;
	int		 used = 0, w;

	for (;;) {
		q = p;
		if (*q == '\0')
			break;
		(void)shown(s, utf8_next(&q), &w);
		/* Zero-width marks stay with the character before them. */
		if (used + w > maxw)
			break;
		used += w;
		p = q;
	}
	if (cols != NULL)
		*cols = used;
	return ((size_t)(p - t));
}

int
screen_put(struct screen *s, int y, int x, int maxw, int style,
    const char *t)
{
	uint32_t	 c;
	int		 used, w, end;

	if (y < 0 || y >= s->h || x >= s->w || maxw <= 0)
		return (0);
	end = x + maxw > s->w ? s->w : x + maxw;
	used = 0;
	while (*t != '\0' && x < end) {
		c = shown(s, utf8_next(&t), &w);
		if (w == 0)
			continue;
		if (x + w > end)
			break;
		if (x >= 0) {
			set_cell(s, y, x, c, style);
			if (w == 2)
				set_cell(s, y, x + 1, 0, style);
		}
		x += w;
		used += w;
	}
	return (used);
}

int
screen_putf(struct screen *s, int y, int x, int maxw, int style,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 b[1024];

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	return (screen_put(s, y, x, maxw, style, b));
}

int
screen_put_clip(struct screen *s, int y, int x, int w, int style,
    const char *t)
{
	int	 used;

	if (w <= 0)
		return (0);
	if (text_width(t) <= w)
		return (screen_put(s, y, x, w, style, t));
	used = screen_put(s, y, x, w - 1, style, t);
	screen_fill(s, y, x + used, 1, screen_glyph(s, G_ELLIPSIS), style);
	return (used + 1);
}

void
screen_put_right(struct screen *s, int y, int x, int w, int style,
    const char *t)
{
	int	 tw = text_width(t);

	if (tw > w)
		screen_put(s, y, x, w, style, t);
	else
		screen_put(s, y, x + w - tw, tw, style, t);
}

void
screen_fill(struct screen *s, int y, int x, int n, uint32_t c, int style)
{
	int	 i;

	if (y < 0 || y >= s->h)
		return;
	for (i = 0; i < n; i++)
		if (x + i >= 0 && x + i < s->w)
			set_cell(s, y, x + i, c, style);
}

/* The style of n cells from (y, x), clipped: (style & keep) | set. */
static void
restyle(struct screen *s, int y, int x, int n, uint8_t keep, uint8_t set)
{
	struct cell	*cl;
	int		 i;

	if (y < 0 || y >= s->h)
		return;
	for (i = 0; i < n; i++) {
		if (x + i < 0 || x + i >= s->w)
			continue;
		cl = &s->cells[(size_t)y * (size_t)s->w + (size_t)(x + i)];
		cl->style = (uint8_t)((cl->style & keep) | set);
	}
}

void
screen_style(struct screen *s, int y, int x, int n, int style)
{
	restyle(s, y, x, n, 0, (uint8_t)style);
}

void
screen_or_style(struct screen *s, int y, int x, int n, int bits)
{
	restyle(s, y, x, n, 0xff, (uint8_t)bits);
}

void
screen_box(struct screen *s, int y, int x, int h, int w, int style)
{
	int	 i;

	if (h < 2 || w < 2)
		return;
	for (i = 0; i < h; i++)
		screen_fill(s, y + i, x, w, ' ', style);
	screen_fill(s, y, x + 1, w - 2, screen_glyph(s, G_HLINE), style);
	screen_fill(s, y + h - 1, x + 1, w - 2, screen_glyph(s, G_HLINE),
	    style);
	for (i = 1; i < h - 1; i++) {
		screen_fill(s, y + i, x, 1, screen_glyph(s, G_VLINE), style);
		screen_fill(s, y + i, x + w - 1, 1, screen_glyph(s, G_VLINE),
		    style);
	}
	screen_fill(s, y, x, 1, screen_glyph(s, G_TL), style);
	screen_fill(s, y, x + w - 1, 1, screen_glyph(s, G_TR), style);
	screen_fill(s, y + h - 1, x, 1, screen_glyph(s, G_BL), style);
	screen_fill(s, y + h - 1, x + w - 1, 1, screen_glyph(s, G_BR), style);
}

size_t
utf8_put(char *b, uint32_t c)
{
	if (c < 0x80) {
		b[0] = (char)c;
		return (1);
	}
	if (c < 0x800) {
		b[0] = (char)(0xc0 | (c >> 6));
		b[1] = (char)(0x80 | (c & 0x3f));
		return (2);
	}
	if (c < 0x10000) {
		b[0] = (char)(0xe0 | (c >> 12));
		b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		return (3);
	}
	b[0] = (char)(0xf0 | (c >> 18));
	b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	b[3] = (char)(0x80 | (c & 0x3f));
	return (4);
}

const char *
screen_row(const struct screen *s, int y, char *buf, size_t n)
{
	size_t	 len, keep;
	int	 x;
	char	 u[4];
	size_t	 k;

	len = keep = 0;
	if (n == 0)
		return (buf);
	for (x = 0; y >= 0 && y < s->h && x < s->w; x++) {
		uint32_t c = s->cells[(size_t)y * (size_t)s->w + (size_t)x].ch;

		if (c == 0)
			continue;
		k = utf8_put(u, c);
		if (len + k >= n)
			break;
		memcpy(buf + len, u, k);
		len += k;
		if (c != ' ')
			keep = len;
	}
	buf[keep] = '\0';
	return (buf);
}

char *
screen_text(const struct screen *s)
{
	struct buf	 b;
	char		*line;
	size_t		 n;
	int		 y;

	n = (size_t)s->w * 4 + 1;
	line = xmalloc(n);
	buf_init(&b, 64 << 20);
	for (y = 0; y < s->h; y++) {
		screen_row(s, y, line, n);
		buf_appendf(&b, "%s\n", line);
	}
	free(line);
	if (b.data == NULL)
		return (xstrdup(""));
	return (b.data);
}
