/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view_help.c: the help, a view like the others: every key of the screen
 * under it, made from the key table (keys.c) so that no binding goes
 * unlisted, in a box over the whole screen, scrolled when it does not fit;
 * any other key closes it.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "browse.h"

static const char *const screen_names[SCR_COUNT] = {
	"search form", "trace list", "trace", "span detail", "RED metrics",
	"durations"
};

static void
help_draw(struct browse *b, struct screen *s, int top, int rows)
{
	enum scr	 scr = browse_screen(b);
	char		 keys[128][64];
	const char	*help[128];
	size_t		 i, n;
	int		 w, h, x, y, k, kw, shown;

	n = 0;
	for (i = 0; i < browse_nkeys && n < 128; i++) {
		const struct binding *kb = &browse_keys[i];

		if (!(kb->screens & SCRMASK(scr)))
			continue;
		if (kb->help == NULL && n > 0) {
			size_t len = strlen(keys[n - 1]);

			snprintf(keys[n - 1] + len, sizeof(keys[0]) - len,
			    " %s", kb->label);
			continue;
		}
		snprintf(keys[n], sizeof(keys[0]), "%s", kb->label);
		help[n++] = kb->help != NULL ? kb->help : "";
	}
	kw = 0;
	for (i = 0; i < n; i++)
		if (text_width(keys[i]) > kw)
			kw = text_width(keys[i]);
	w = s->w - 4 > 96 ? 96 : s->w - 4;
	h = (int)n + 4 > rows - 2 ? rows - 2 : (int)n + 4;
	if (w < 20 || h < 5)
		return;
	x = (s->w - w) / 2;
	y = top + (rows - h) / 2;
	screen_box(s, y, x, h, w, ST_NORMAL);
	screen_putf(s, y, x + 2, w - 4, ST_HEAD, " Keys: %s ",
	    screen_names[scr]);
	shown = h - 3;
	if (b->help_top > (int)n - shown)
		b->help_top = (int)n - shown;
	if (b->help_top < 0)
		b->help_top = 0;
	for (k = 0; k < shown && b->help_top + k < (int)n; k++) {
		i = (size_t)(b->help_top + k);
		screen_put(s, y + 1 + k, x + 2, kw, ST_KEY, keys[i]);
		screen_put_clip(s, y + 1 + k, x + 3 + kw, w - kw - 5,
		    ST_NORMAL, help[i]);
	}
	screen_put_clip(s, y + h - 2, x + 2, w - 4, ST_DIM,
	    (int)n > shown ? "j/k: scroll; any other key closes" :
	    "any key closes this help");
}

/* j/k and the page keys scroll; any other key closes the help. */
static enum request
help_act(struct browse *b, enum action a)
{
	if (a == A_DOWN || a == A_PGDN)
		b->help_top += a == A_DOWN ? 1 : 10;
	else if (a == A_UP || a == A_PGUP)
		b->help_top -= a == A_UP ? 1 : 10;
	else
		b->help = 0;
	if (b->help_top < 0)
		b->help_top = 0;
	return (REQ_NONE);
}

const struct view_ops view_help_ops = { "keys", help_draw, help_act };
