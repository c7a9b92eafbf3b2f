/*
 * browse_model.c: the browser's view models, with no terminal and no I/O:
 * the key table (what each key does on each screen); the trace view's rows
 * given what is collapsed, its cursor, navigation (parent, errors, critical
 * path, search matches) and the in-trace search filter; bar geometry; the
 * trace list and its sort; the search form and its line editor.
 */

#include <sys/types.h>

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "browse.h"

#define TRACE_ONLY	SCRMASK(SCR_TRACE)
#define LIST_ONLY	SCRMASK(SCR_LIST)
#define FORM_ONLY	SCRMASK(SCR_SEARCH)
#define SPAN_ONLY	SCRMASK(SCR_SPAN)
#define METRICS_ONLY	SCRMASK(SCR_METRICS)
#define HIST_ONLY	SCRMASK(SCR_HIST)
#define MOVERS		(SCRMASK(SCR_LIST) | SCRMASK(SCR_TRACE) | \
			    SCRMASK(SCR_SPAN) | SCRMASK(SCR_METRICS) | \
			    SCRMASK(SCR_HIST))

/*
 * The key table.  The help overlay is made from it, so a key cannot be
 * bound without being listed.  help NULL: another key for the action of
 * the line above.
 */
const struct binding browse_keys[] = {
	{ SCR_ALL, '?', A_HELP, "?", "this help (any key closes it)" },
	{ SCR_ALL, 'q', A_BACK, "q", "back; quit from the first screen" },
	{ SCR_ALL, BK_ESC, A_BACK, "Esc", NULL },
	{ SCR_ALL, 'Q', A_QUIT, "Q", "quit" },
	{ SCR_ALL, BK_CTRL('c'), A_QUIT, "^C", NULL },
	{ SCR_ALL, 'k', A_UP, "k", "up" },
	{ SCR_ALL, BK_UP, A_UP, "Up", NULL },
	{ SCR_ALL, 'j', A_DOWN, "j", "down" },
	{ SCR_ALL, BK_DOWN, A_DOWN, "Down", NULL },
	{ MOVERS, BK_PGUP, A_PGUP, "PgUp", "page up" },
	{ MOVERS, BK_CTRL('b'), A_PGUP, "^B", NULL },
	{ MOVERS, BK_PGDN, A_PGDN, "PgDn", "page down" },
	{ MOVERS, BK_CTRL('f'), A_PGDN, "^F", NULL },
	{ MOVERS, 'g', A_HOME, "g", "first" },
	{ MOVERS, BK_HOME, A_HOME, "Home", NULL },
	{ MOVERS, 'G', A_END, "G", "last" },
	{ MOVERS, BK_END, A_END, "End", NULL },

	{ FORM_ONLY, 'h', A_PREV_VAL, "h", "previous choice" },
	{ FORM_ONLY, BK_LEFT, A_PREV_VAL, "Left", NULL },
	{ FORM_ONLY, 'l', A_NEXT_VAL, "l", "next choice" },
	{ FORM_ONLY, BK_RIGHT, A_NEXT_VAL, "Right", NULL },
	{ FORM_ONLY, ' ', A_TOGGLE, "Space", NULL },
	{ FORM_ONLY, BK_ENTER, A_OPEN, "Enter",
	  "edit the field (Enter: done, Esc: undo); on [Search]: search" },
	{ FORM_ONLY, BK_TAB, A_DOWN, "Tab", "next field" },
	{ FORM_ONLY, 's', A_SEARCH, "s", "search now" },
	{ FORM_ONLY, BK_F5, A_SEARCH, "F5", NULL },

	{ LIST_ONLY, BK_ENTER, A_OPEN, "Enter", "open the trace" },
	{ LIST_ONLY, 'l', A_OPEN, "l", NULL },
	{ LIST_ONLY, BK_RIGHT, A_OPEN, "Right", NULL },
	{ LIST_ONLY, 'o', A_SORT, "o", "sort by start / by duration" },
	{ LIST_ONLY, 'r', A_REFRESH, "r", "search again (refresh)" },
	{ LIST_ONLY, BK_F5, A_REFRESH, "F5", NULL },
	{ LIST_ONLY, 'a', A_AUTO, "a", "auto-refresh: off, 5s, 10s, 30s, 1m" },
	{ LIST_ONLY, 's', A_SEARCH, "s", "edit the search" },
	{ LIST_ONLY, '/', A_SEARCH, "/", NULL },
	{ LIST_ONLY, 'y', A_YANK, "y", "show the trace id to copy" },
	{ LIST_ONLY, 'H', A_HIST, "H", "the listed traces' durations as a "
	  "histogram" },

	{ TRACE_ONLY, BK_ENTER, A_OPEN, "Enter", "span detail" },
	{ TRACE_ONLY, 'h', A_COLLAPSE, "h",
	  "collapse (on a leaf or collapsed: to the parent)" },
	{ TRACE_ONLY, BK_LEFT, A_COLLAPSE, "Left", NULL },
	{ TRACE_ONLY, 'l', A_EXPAND, "l",
	  "expand (when expanded: to the first child)" },
	{ TRACE_ONLY, BK_RIGHT, A_EXPAND, "Right", NULL },
	{ TRACE_ONLY, ' ', A_TOGGLE, "Space", "collapse / expand" },
	{ TRACE_ONLY, 'H', A_COLLAPSE_ALL, "H", "collapse all" },
	{ TRACE_ONLY, '-', A_COLLAPSE_ALL, "-", NULL },
	{ TRACE_ONLY, 'L', A_EXPAND_ALL, "L", "expand all" },
	{ TRACE_ONLY, '+', A_EXPAND_ALL, "+", NULL },
	{ TRACE_ONLY | SPAN_ONLY, 'p', A_PARENT, "p", "parent span" },
	{ TRACE_ONLY, 'e', A_NEXT_ERR, "e", "next error span" },
	{ TRACE_ONLY, 'E', A_PREV_ERR, "E", "previous error span" },
	{ TRACE_ONLY, 'c', A_NEXT_CRIT, "c", "next span on the critical path" },
	{ TRACE_ONLY, 'C', A_PREV_CRIT, "C",
	  "previous span on the critical path" },
	{ TRACE_ONLY, '/', A_FIND, "/",
	  "search: text (regex), svc:S op:O kind:K is:error is:crit "
	  "dur>5ms self>1ms key=value -term" },
	{ TRACE_ONLY, 'n', A_FIND_NEXT, "n", "next match" },
	{ TRACE_ONLY, 'N', A_FIND_PREV, "N", "previous match" },
	{ TRACE_ONLY | SPAN_ONLY, 'y', A_YANK, "y",
	  "show the trace id to copy" },
	{ TRACE_ONLY, '<', A_SPLIT_LEFT, "<", "narrower tree, wider timeline" },
	{ TRACE_ONLY, '>', A_SPLIT_RIGHT, ">", "wider tree, narrower timeline" },
	{ TRACE_ONLY, 'z', A_ZOOM, "z",
	  "zoom the timeline to the span (again: the whole trace)" },
	{ TRACE_ONLY, 'r', A_REFRESH, "r", "fetch the trace again" },
	{ TRACE_ONLY, BK_F5, A_REFRESH, "F5", NULL },

	{ SPAN_ONLY, '[', A_PREV_SPAN, "[", "previous span" },
	{ SPAN_ONLY, ']', A_NEXT_SPAN, "]", "next span" },

	{ FORM_ONLY | LIST_ONLY, 'm', A_METRICS, "m",
	  "RED metrics per operation (rate, errors, p50/p95/p99)" },
	{ METRICS_ONLY, BK_ENTER, A_OPEN, "Enter",
	  "list the traces of that operation" },
	{ METRICS_ONLY, 'l', A_OPEN, "l", NULL },
	{ METRICS_ONLY, BK_RIGHT, A_OPEN, "Right", NULL },
	{ METRICS_ONLY, 'o', A_SORT, "o", "sort: worst, rate, p99, name" },
	{ HIST_ONLY, BK_ENTER, A_OPEN, "Enter",
	  "search again for that bucket's durations" },
	{ METRICS_ONLY, 'r', A_REFRESH, "r", "fetch again (every 5 s anyway)" },
	{ METRICS_ONLY, BK_F5, A_REFRESH, "F5", NULL },
};
const size_t browse_nkeys = sizeof(browse_keys) / sizeof(browse_keys[0]);

enum action
browse_action(enum scr scr, int key)
{
	size_t	 i;

	for (i = 0; i < browse_nkeys; i++)
		if (browse_keys[i].key == key &&
		    (browse_keys[i].screens & SCRMASK(scr)))
			return (browse_keys[i].action);
	return (A_NONE);
}

/* A cursor over n rows, shared by the trace view and the trace list. */

/* Move the cursor d rows, kept on one of the n rows (none: it stays). */
static void
cursor_move(size_t *cursor, size_t n, long d)
{
	long	 c;

	if (n == 0)
		return;
	c = (long)*cursor + d;
	if (c < 0)
		c = 0;
	if (c >= (long)n)
		c = (long)n - 1;
	*cursor = (size_t)c;
}

/* Scroll *top so that the cursor is in a page of h rows, the page full. */
static void
cursor_scroll(size_t cursor, size_t *top, size_t n, int h)
{
	if (h < 1)
		h = 1;
	if (cursor < *top)
		*top = cursor;
	if (cursor >= *top + (size_t)h)
		*top = cursor - (size_t)h + 1;
	if (n <= (size_t)h)
		*top = 0;
	else if (*top > n - (size_t)h)
		*top = n - (size_t)h;
}

/* The trace view. */

size_t
span_index(const struct tview *tv, const struct span *s)
{
	return ((size_t)(s - tv->t->spans));
}

void
tview_init(struct tview *tv, struct trace *t)
{
	struct span	*s;
	size_t		 i, n;

	memset(tv, 0, sizeof(*tv));
	tv->t = t;
	tv->n = n = t->nspans;
	tv->collapsed = xcalloc(n + 1, 1);
	tv->match = xcalloc(n + 1, 1);
	tv->last = xcalloc(n + 1, 1);
	tv->hidden = xcalloc(n + 1, sizeof(*tv->hidden));
	tv->rows = xcalloc(n + 1, sizeof(*tv->rows));
	for (i = 0; i < n; i++) {
		s = &t->spans[i];
		if (s->nchildren > 0)
			tv->last[span_index(tv, s->children[s->nchildren - 1])] =
			    1;
	}
	if (t->nroots > 0)
		tv->last[span_index(tv, t->roots[t->nroots - 1])] = 1;
	for (i = 0; i < n; i++) {
		int	 w;

		s = &t->spans[i];
		w = 2 * s->depth + 2 + text_width(s->service) + 1 +
		    text_width(s->operation);
		if (w > tv->name_width)
			tv->name_width = w;
	}
	/* Pre-order: a subtree follows its root; sizes from the end. */
	for (i = n; i > 0; i--) {
		s = t->order[i - 1];
		if (s->parent != NULL)
			tv->hidden[span_index(tv, s->parent)] +=
			    tv->hidden[span_index(tv, s)] + 1;
	}
	tview_rebuild(tv);
}

void
tview_cleanup(struct tview *tv)
{
	free(tv->collapsed);
	free(tv->match);
	free(tv->last);
	free(tv->hidden);
	free(tv->rows);
	memset(tv, 0, sizeof(*tv));
}

struct span *
tview_current(const struct tview *tv)
{
	if (tv->nrows == 0)
		return (NULL);
	return (tv->rows[tv->cursor]);
}

/* Put the cursor on the row of s; 0 when s has no row (it is hidden). */
static int
tview_cursor_to(struct tview *tv, const struct span *s)
{
	size_t	 i;

	for (i = 0; i < tv->nrows; i++)
		if (tv->rows[i] == s) {
			tv->cursor = i;
			return (1);
		}
	return (0);
}

/* Rows: the depth-first order, skipping what collapsed spans hide. */
void
tview_rebuild(struct tview *tv)
{
	struct span	*cur, *s;
	size_t		 i, k;

	cur = tview_current(tv);
	tv->nrows = 0;
	for (i = 0; i < tv->n; ) {
		s = tv->t->order[i];
		tv->rows[tv->nrows++] = s;
		k = span_index(tv, s);
		i += tv->collapsed[k] ? tv->hidden[k] + 1 : 1;
	}
	tv->cursor = 0;
	if (cur == NULL)
		return;
	/* Keep the cursor on its span, or on its nearest visible ancestor. */
	for (; cur != NULL; cur = cur->parent)
		if (tview_cursor_to(tv, cur))
			return;
}

void
tview_move(struct tview *tv, long d)
{
	cursor_move(&tv->cursor, tv->nrows, d);
}

/* Put the cursor on s, expanding its ancestors. */
void
tview_goto(struct tview *tv, struct span *s)
{
	struct span	*p;
	int		 changed = 0;

	for (p = s->parent; p != NULL; p = p->parent)
		if (tv->collapsed[span_index(tv, p)]) {
			tv->collapsed[span_index(tv, p)] = 0;
			changed = 1;
		}
	if (changed)
		tview_rebuild(tv);
	(void)tview_cursor_to(tv, s);
}

void
tview_scroll(struct tview *tv, int h)
{
	cursor_scroll(tv->cursor, &tv->top, tv->nrows, h);
}

int
tview_collapse(struct tview *tv)
{
	struct span	*s = tview_current(tv);

	if (s == NULL)
		return (0);
	if (s->nchildren > 0 && !tv->collapsed[span_index(tv, s)]) {
		tv->collapsed[span_index(tv, s)] = 1;
		tview_rebuild(tv);
		return (1);
	}
	return (tview_parent(tv));
}

int
tview_expand(struct tview *tv)
{
	struct span	*s = tview_current(tv);

	if (s == NULL || s->nchildren == 0)
		return (0);
	if (tv->collapsed[span_index(tv, s)]) {
		tv->collapsed[span_index(tv, s)] = 0;
		tview_rebuild(tv);
		return (1);
	}
	tview_goto(tv, s->children[0]);
	return (1);
}

int
tview_toggle(struct tview *tv)
{
	struct span	*s = tview_current(tv);

	if (s == NULL || s->nchildren == 0)
		return (0);
	tv->collapsed[span_index(tv, s)] ^= 1;
	tview_rebuild(tv);
	return (1);
}

void
tview_collapse_all(struct tview *tv)
{
	size_t	 i;

	for (i = 0; i < tv->n; i++)
		tv->collapsed[i] = tv->t->spans[i].nchildren > 0;
	tview_rebuild(tv);
}

void
tview_expand_all(struct tview *tv)
{
	memset(tv->collapsed, 0, tv->n);
	tview_rebuild(tv);
}

int
tview_parent(struct tview *tv)
{
	struct span	*s = tview_current(tv);

	if (s == NULL || s->parent == NULL)
		return (0);
	tview_goto(tv, s->parent);
	return (1);
}

int
pred_error(const struct tview *tv, const struct span *s)
{
	(void)tv;
	return (s->error);
}

int
pred_critical(const struct tview *tv, const struct span *s)
{
	(void)tv;
	return (s->critical_us > 0);
}

int
pred_match(const struct tview *tv, const struct span *s)
{
	return (tv->match[span_index(tv, s)]);
}

struct span *
tview_find(struct tview *tv, int (*pred)(const struct tview *,
    const struct span *), int dir, int *wrapped)
{
	struct span	*cur, *s;
	size_t		 pos, k, p;

	*wrapped = 0;
	if (tv->n == 0)
		return (NULL);
	cur = tview_current(tv);
	for (pos = 0; pos < tv->n; pos++)
		if (tv->t->order[pos] == cur)
			break;
	for (k = 1; k <= tv->n; k++) {
		if (dir > 0) {
			p = (pos + k) % tv->n;
			if (p <= pos)
				*wrapped = 1;
		} else {
			p = (pos + tv->n - k % tv->n) % tv->n;
			if (p >= pos)
				*wrapped = 1;
		}
		s = tv->t->order[p];
		if (pred(tv, s)) {
			tview_goto(tv, s);
			return (s);
		}
	}
	*wrapped = 0;
	return (NULL);
}

void
bar_geometry(int64_t t_start, int64_t t_dur, int64_t s_start, int64_t s_dur,
    int width, int *x, int *len)
{
	int64_t	 off, a, b;

	if (width < 1) {
		*x = 0;
		*len = 0;
		return;
	}
	if (t_dur <= 0) {
		*x = 0;
		*len = width;
		return;
	}
	off = s_start - t_start;
	if (off < 0)
		off = 0;
	a = off * width / t_dur;
	b = ((off + s_dur) * width + t_dur - 1) / t_dur;
	if (a > width - 1)
		a = width - 1;
	if (b > width)
		b = width;
	if (b <= a)
		b = a + 1;
	*x = (int)a;
	*len = (int)(b - a);
}

/*
 * The in-trace search filter.  Terms separated by blanks must all match;
 * "-term" negates.  svc:S, op:O (substrings, any case), kind:K, is:error,
 * is:crit, is:orphan, dur>D, dur<D, self>D, self<D (D a duration, bare
 * numbers in ms), key=value (an attribute of the span or its resource,
 * value exact; key= alone: has the key).  Anything else is text (a
 * substring) or, when it holds a regex metacharacter, a regular expression
 * (POSIX extended), any case, tried on the service, operation, status
 * message, span id, attribute keys and values, event names and event
 * attributes.
 */
enum term_kind {
	T_SVC, T_OP, T_KIND, T_ERROR, T_CRIT, T_ORPHAN, T_DUR_GT, T_DUR_LT,
	T_SELF_GT, T_SELF_LT, T_ATTR, T_TEXT, T_REGEX
};

struct term {
	enum term_kind	 kind;
	int		 neg;
	char		*a, *b;
	int64_t		 us;
	regex_t		 re;
};

struct filter {
	struct term	*terms;
	size_t		 n;
};

static int
term_parse(struct term *t, char *w, char *err, size_t errlen)
{
	char	*eq;
	int	 rc;

	memset(t, 0, sizeof(*t));
	if (w[0] == '-' && w[1] != '\0') {
		t->neg = 1;
		w++;
	}
	if (strncasecmp(w, "svc:", 4) == 0 ||
	    strncasecmp(w, "service:", 8) == 0) {
		t->kind = T_SVC;
		t->a = xstrdup(strchr(w, ':') + 1);
		return (0);
	}
	if (strncasecmp(w, "op:", 3) == 0) {
		t->kind = T_OP;
		t->a = xstrdup(w + 3);
		return (0);
	}
	if (strncasecmp(w, "kind:", 5) == 0) {
		t->kind = T_KIND;
		t->a = xstrdup(w + 5);
		return (0);
	}
	if (strcasecmp(w, "is:error") == 0) {
		t->kind = T_ERROR;
		return (0);
	}
	if (strcasecmp(w, "is:crit") == 0 || strcasecmp(w, "is:critical") == 0) {
		t->kind = T_CRIT;
		return (0);
	}
	if (strcasecmp(w, "is:orphan") == 0) {
		t->kind = T_ORPHAN;
		return (0);
	}
	if ((strncasecmp(w, "dur", 3) == 0 || strncasecmp(w, "self", 4) == 0) &&
	    (eq = strpbrk(w, "<>")) != NULL &&
	    (size_t)(eq - w) == (tolower((unsigned char)w[0]) == 'd' ? 3 : 4)) {
		int gt = *eq == '>', self = tolower((unsigned char)w[0]) == 's';

		if (eq[1] == '=')
			eq++;
		if (parse_duration(eq + 1, USEC_PER_MSEC, &t->us) == -1) {
			snprintf(err, errlen, "%s: want a duration like 5ms",
			    w);
			return (-1);
		}
		t->kind = self ? (gt ? T_SELF_GT : T_SELF_LT) :
		    (gt ? T_DUR_GT : T_DUR_LT);
		return (0);
	}
	if ((eq = strchr(w, '=')) != NULL && eq != w) {
		t->kind = T_ATTR;
		t->a = xstrdup(w);
		t->a[eq - w] = '\0';
		t->b = xstrdup(eq + 1);
		return (0);
	}
	/* Plain text: a substring, far cheaper than a regex per field. */
	if (strpbrk(w, ".[]()*+?{}|^$\\") == NULL) {
		t->kind = T_TEXT;
		t->a = xstrdup(w);
		return (0);
	}
	t->kind = T_REGEX;
	if ((rc = regcomp(&t->re, w, REG_EXTENDED | REG_ICASE |
	    REG_NOSUB)) != 0) {
		char b[128];

		regerror(rc, &t->re, b, sizeof(b));
		snprintf(err, errlen, "%s: %s", w, b);
		return (-1);
	}
	t->a = xstrdup(w);
	return (0);
}

static void
term_free(struct term *t)
{
	if (t->kind == T_REGEX && t->a != NULL)
		regfree(&t->re);
	free(t->a);
	free(t->b);
}

struct filter *
filter_new(const char *q, char *err, size_t errlen)
{
	struct filter	*f;
	char		*copy, *p, *w;

	f = xcalloc(1, sizeof(*f));
	copy = xstrdup(q);
	p = copy;
	while ((w = strsep(&p, " \t")) != NULL) {
		if (*w == '\0')
			continue;
		f->terms = xreallocarray(f->terms, f->n + 1, sizeof(*f->terms));
		if (term_parse(&f->terms[f->n], w, err, errlen) == -1) {
			free(copy);
			filter_free(f);
			return (NULL);
		}
		f->n++;
	}
	free(copy);
	return (f);
}

void
filter_free(struct filter *f)
{
	size_t	 i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		term_free(&f->terms[i]);
	free(f->terms);
	free(f);
}

static int
kv_has(const struct kv *kv, size_t n, const char *k, const char *v)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, k) == 0 &&
		    (*v == '\0' || strcasecmp(kv[i].value, v) == 0))
			return (1);
	return (0);
}

/* A plain text term (any case) or a regular expression in a text. */
static int
text_match(const struct term *t, const char *text)
{
	if (t->kind == T_REGEX)
		return (regexec(&t->re, text, 0, NULL, 0) == 0);
	return (strcasestr(text, t->a) != NULL);
}

static int
text_kv(const struct term *t, const struct kv *kv, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (text_match(t, kv[i].key) || text_match(t, kv[i].value))
			return (1);
	return (0);
}

static int
term_match(const struct term *t, const struct span *s)
{
	char	 id[20];
	size_t	 i;

	switch (t->kind) {
	case T_SVC:
		return (strcasestr(s->service, t->a) != NULL);
	case T_OP:
		return (strcasestr(s->operation, t->a) != NULL);
	case T_KIND:
		return (strcasecmp(span_kind_name(s->kind), t->a) == 0);
	case T_ERROR:
		return (s->error);
	case T_CRIT:
		return (s->critical_us > 0);
	case T_ORPHAN:
		return (s->orphan);
	case T_DUR_GT:
		return (s->duration_us >= t->us);
	case T_DUR_LT:
		return (s->duration_us <= t->us);
	case T_SELF_GT:
		return (s->self_us >= t->us);
	case T_SELF_LT:
		return (s->self_us <= t->us);
	case T_ATTR:
		return (kv_has(s->attrs, s->nattrs, t->a, t->b) ||
		    kv_has(s->resource, s->nresource, t->a, t->b));
	case T_TEXT:
	case T_REGEX:
		snprintf(id, sizeof(id), "%016llx", (unsigned long long)s->id);
		if (text_match(t, s->service) || text_match(t, s->operation) ||
		    text_match(t, id) || (s->status_message != NULL &&
		    text_match(t, s->status_message)) ||
		    text_kv(t, s->attrs, s->nattrs))
			return (1);
		for (i = 0; i < s->nevents; i++)
			if (text_match(t, s->events[i].name) ||
			    text_kv(t, s->events[i].attrs,
			    s->events[i].nattrs))
				return (1);
		return (0);
	}
	return (0);
}

int
filter_match(const struct filter *f, const struct span *s)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		if (term_match(&f->terms[i], s) == f->terms[i].neg)
			return (0);
	return (f->n > 0);
}

long
tview_search(struct tview *tv, const char *q, char *err, size_t errlen)
{
	struct filter	*f;
	struct span	*cur;
	size_t		 i;
	int		 wrapped;

	if ((f = filter_new(q, err, errlen)) == NULL)
		return (-1);
	snprintf(tv->query, sizeof(tv->query), "%s", q);
	tv->nmatches = 0;
	for (i = 0; i < tv->n; i++) {
		tv->match[i] = (unsigned char)filter_match(f, &tv->t->spans[i]);
		tv->nmatches += tv->match[i];
	}
	filter_free(f);
	cur = tview_current(tv);
	if (tv->nmatches > 0 && (cur == NULL || !pred_match(tv, cur)))
		(void)tview_find(tv, pred_match, 1, &wrapped);
	return ((long)tv->nmatches);
}

/* The trace list. */

void
tlist_init(struct tlist *l)
{
	memset(l, 0, sizeof(*l));
}

void
tlist_clear(struct tlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->rows[i].root);
		free(l->rows[i].services);
	}
	free(l->rows);
	l->rows = NULL;
	l->n = l->cap = 0;
	l->cursor = l->top = 0;
	l->max_duration_us = 0;
}

void
tlist_add(struct tlist *l, const struct trace *t)
{
	struct trace_row	*r;
	struct buf		 b;
	size_t			 i;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->rows = xreallocarray(l->rows, l->cap, sizeof(*l->rows));
	}
	r = &l->rows[l->n++];
	memset(r, 0, sizeof(*r));
	r->hi = t->id_hi;
	r->lo = t->id_lo;
	r->start_us = t->start_us;
	r->duration_us = t->duration_us;
	xasprintf(&r->root, "%s: %s", t->root != NULL ? t->root->service :
	    "?", t->root != NULL ? t->root->operation : "?");
	buf_init(&b, 1 << 16);
	for (i = 0; i < t->nservices; i++)
		buf_appendf(&b, "%s%s", i > 0 ? ", " : "", t->services[i]);
	r->services = xstrdup(b.data != NULL ? b.data : "");
	buf_cleanup(&b);
	r->nspans = t->nspans;
	r->nservices = t->nservices;
	r->nerrors = t->nerrors;
	if (t->duration_us > l->max_duration_us)
		l->max_duration_us = t->duration_us;
}

static int
row_by_start(const void *a, const void *b)
{
	const struct trace_row *x = a, *y = b;

	if (x->start_us != y->start_us)
		return (x->start_us > y->start_us ? -1 : 1);
	return (x->lo < y->lo ? -1 : x->lo > y->lo);
}

static int
row_by_duration(const void *a, const void *b)
{
	const struct trace_row *x = a, *y = b;

	if (x->duration_us != y->duration_us)
		return (x->duration_us > y->duration_us ? -1 : 1);
	return (row_by_start(a, b));
}

/* Newest first, or longest first; the cursor stays on its trace. */
void
tlist_sort(struct tlist *l)
{
	uint64_t	 hi = 0, lo = 0;
	size_t		 i;
	int		 have = 0;

	if (l->n == 0)
		return;
	if (l->cursor < l->n) {
		hi = l->rows[l->cursor].hi;
		lo = l->rows[l->cursor].lo;
		have = 1;
	}
	qsort(l->rows, l->n, sizeof(*l->rows), l->by_duration ?
	    row_by_duration : row_by_start);
	l->cursor = 0;
	for (i = 0; have && i < l->n; i++)
		if (l->rows[i].hi == hi && l->rows[i].lo == lo)
			l->cursor = i;
}

void
tlist_move(struct tlist *l, long d)
{
	cursor_move(&l->cursor, l->n, d);
}

void
tlist_scroll(struct tlist *l, int h)
{
	cursor_scroll(l->cursor, &l->top, l->n, h);
}

/* The search form. */

static const char *const yesno[] = { "no", "yes", NULL };
static const char *const lookbacks[] = {
	"5m", "15m", "1h", "6h", "12h", "24h", "2d", "7d", NULL
};
static const char *const limits[] = { "20", "100", "500", "1000", NULL };
static const char *const sorts[] = { "start", "duration", NULL };
static const char *const all_only[] = { "(all)", NULL };

/*
 * Auto-refresh intervals: the form's choices and what the list's 'a' key
 * cycles through, both labelled by refresh_label.
 */
const int64_t refresh_intervals[] = {
	0, 5 * USEC_PER_SEC, 10 * USEC_PER_SEC, 30 * USEC_PER_SEC,
	60 * USEC_PER_SEC
};
const size_t refresh_nintervals = sizeof(refresh_intervals) /
    sizeof(refresh_intervals[0]);

/* An interval as the form writes it: off, 5s, 1m, 2h (what it parses). */
void
refresh_label(int64_t us, char *b, size_t n)
{
	if (us <= 0)
		snprintf(b, n, "off");
	else if (us % (3600 * USEC_PER_SEC) == 0)
		snprintf(b, n, "%lldh", (long long)(us / (3600 *
		    USEC_PER_SEC)));
	else if (us % (60 * USEC_PER_SEC) == 0)
		snprintf(b, n, "%lldm", (long long)(us / (60 * USEC_PER_SEC)));
	else if (us % USEC_PER_SEC == 0)
		snprintf(b, n, "%llds", (long long)(us / USEC_PER_SEC));
	else
		fmt_duration(us, b, n);
}

static void
set_refreshes(struct sform *f)
{
	char	 labels[sizeof(refresh_intervals) /
		    sizeof(refresh_intervals[0])][16];
	char	*v[sizeof(refresh_intervals) / sizeof(refresh_intervals[0])];
	size_t	 i;

	for (i = 0; i < refresh_nintervals; i++) {
		refresh_label(refresh_intervals[i], labels[i],
		    sizeof(labels[i]));
		v[i] = labels[i];
	}
	sform_set_choices(f, F_REFRESH, v, refresh_nintervals);
}

static void
set_static(struct sform *f, enum field fld, const char *const *v)
{
	size_t	 n;

	for (n = 0; v[n] != NULL; n++)
		;
	sform_set_choices(f, fld, (char **)v, n);
}

void
sform_init(struct sform *f)
{
	memset(f, 0, sizeof(*f));
	set_static(f, F_SERVICE, all_only);
	set_static(f, F_OPERATION, all_only);
	set_static(f, F_ERRORS, yesno);
	set_static(f, F_LOOKBACK, lookbacks);
	set_static(f, F_LIMIT, limits);
	set_static(f, F_SORT, sorts);
	set_refreshes(f);
	snprintf(f->text[F_SERVICE], sizeof(f->text[0]), "(all)");
	snprintf(f->text[F_OPERATION], sizeof(f->text[0]), "(all)");
	snprintf(f->text[F_ERRORS], sizeof(f->text[0]), "no");
	snprintf(f->text[F_LOOKBACK], sizeof(f->text[0]), "1h");
	snprintf(f->text[F_END], sizeof(f->text[0]), "now");
	snprintf(f->text[F_LIMIT], sizeof(f->text[0]), "100");
	snprintf(f->text[F_SORT], sizeof(f->text[0]), "start");
	refresh_label(0, f->text[F_REFRESH], sizeof(f->text[0]));
}

static void
free_choices(char **v)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void
sform_cleanup(struct sform *f)
{
	size_t	 i;

	for (i = 0; i < F_COUNT; i++)
		free_choices(f->choices[i]);
	memset(f, 0, sizeof(*f));
}

void
sform_set_choices(struct sform *f, enum field fld, char **v, size_t n)
{
	size_t	 i;

	free_choices(f->choices[fld]);
	f->choices[fld] = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		f->choices[fld][i] = xstrdup(v[i]);
}

/* A duration choice in microseconds ("off": 0). */
static int64_t
choice_us(const char *s)
{
	int64_t	 us;

	return (parse_duration(s, USEC_PER_SEC, &us) == 0 ? us : 0);
}

void
sform_cycle(struct sform *f, int dir)
{
	char	**v = f->choices[f->cur];
	size_t	 n, i;
	int64_t	 typed;

	if (v == NULL || v[0] == NULL)
		return;
	for (n = 0; v[n] != NULL; n++)
		;
	for (i = 0; i < n; i++)
		if (strcmp(v[i], f->text[f->cur]) == 0)
			break;
	if (i == n && (f->cur == F_LOOKBACK || f->cur == F_REFRESH) &&
	    parse_duration(f->text[f->cur], USEC_PER_SEC, &typed) == 0) {
		/* A typed duration: on to the nearest choice that way. */
		for (i = 0; i < n; i++)
			if (choice_us(v[i]) > typed)
				break;
		if (dir < 0)
			i = i == 0 ? n - 1 : i - 1;
		if (i < n && dir < 0 && choice_us(v[i]) >= typed)
			i = i == 0 ? n - 1 : i - 1;
		if (i == n)
			i = 0;
		snprintf(f->text[f->cur], sizeof(f->text[0]), "%s", v[i]);
		return;
	}
	if (i == n)
		i = dir > 0 ? n - 1 : 0;	/* typed value: to an end */
	i = (i + n + (size_t)(dir > 0 ? 1 : n - 1)) % n;
	snprintf(f->text[f->cur], sizeof(f->text[0]), "%s", v[i]);
}

/* Space-separated key=value words, each with a key; "" is none. */
static int
tags_check(const char *s)
{
	const char	*w, *eq;

	for (w = s; *w != '\0'; ) {
		while (*w == ' ')
			w++;
		if (*w == '\0')
			break;
		eq = strchr(w, '=');
		if (eq == NULL || eq == w || (strchr(w, ' ') != NULL &&
		    eq > strchr(w, ' ')))
			return (-1);
		while (*w != '\0' && *w != ' ')
			w++;
	}
	return (0);
}

size_t
tags_split(char *s, const char **v, size_t max)
{
	size_t	 n = 0;
	char	*w;

	for (w = strtok(s, " "); w != NULL && n < max; w = strtok(NULL, " "))
		v[n++] = w;
	return (n);
}

static int
form_err(struct sform *f, enum field fld, char *err, size_t errlen,
    const char *what)
{
	f->cur = fld;
	snprintf(err, errlen, "%s", what);
	return (-1);
}

int
sform_request(struct sform *f, int64_t now, struct search_req *r,
    char *err, size_t errlen)
{
	int64_t		 lookback;
	long long	 limit;
	uint64_t	 hi, lo;
	const char	*t;

	memset(r, 0, sizeof(*r));
	t = f->text[F_SERVICE];
	if (strcmp(t, "(all)") != 0)
		snprintf(r->service, sizeof(r->service), "%s", t);
	t = f->text[F_OPERATION];
	if (strcmp(t, "(all)") != 0)
		snprintf(r->operation, sizeof(r->operation), "%s", t);
	t = f->text[F_MINDUR];
	if (*t != '\0' && parse_duration(t, USEC_PER_MSEC,
	    &r->min_duration_us) == -1)
		return (form_err(f, F_MINDUR, err, errlen, "minimum duration: "
		    "want a duration like 200ms or 1.5s (bare number: ms)"));
	r->errors_only = strcmp(f->text[F_ERRORS], "yes") == 0;
	if (parse_duration(f->text[F_LOOKBACK], USEC_PER_SEC, &lookback) == -1 ||
	    lookback <= 0)
		return (form_err(f, F_LOOKBACK, err, errlen, "lookback: want a "
		    "duration like 15m, 1h or 2d"));
	if (parse_time(f->text[F_END], now, &r->end_us) == -1)
		return (form_err(f, F_END, err, errlen, "end: want now, -D "
		    "(ago) or an RFC 3339 time"));
	r->start_us = r->end_us - lookback;
	if (parse_int(f->text[F_LIMIT], 1, 100000, &limit) == -1)
		return (form_err(f, F_LIMIT, err, errlen, "limit: want 1 to "
		    "100000 traces"));
	r->limit = (long)limit;
	r->by_duration = strcmp(f->text[F_SORT], "duration") == 0;
	t = f->text[F_REFRESH];
	if (strcmp(t, "off") != 0 && (parse_duration(t, USEC_PER_SEC,
	    &r->refresh_us) == -1 || r->refresh_us < USEC_PER_SEC))
		return (form_err(f, F_REFRESH, err, errlen, "auto-refresh: "
		    "off or a duration of 1s or more"));
	t = f->text[F_MAXDUR];
	if (*t != '\0' && (parse_duration(t, USEC_PER_MSEC,
	    &r->max_duration_us) == -1 || r->max_duration_us <= 0))
		return (form_err(f, F_MAXDUR, err, errlen, "maximum duration: "
		    "want a duration like 500ms or 2s (bare number: ms)"));
	if (r->max_duration_us > 0 && r->max_duration_us < r->min_duration_us)
		return (form_err(f, F_MAXDUR, err, errlen, "maximum duration: "
		    "below the minimum"));
	if (tags_check(f->text[F_TAGS]) == -1)
		return (form_err(f, F_TAGS, err, errlen, "tags: want key=value, "
		    "several separated by spaces"));
	snprintf(r->tags, sizeof(r->tags), "%s", f->text[F_TAGS]);
	t = f->text[F_TRACEID];
	if (*t != '\0' && (parse_trace_id(t, &hi, &lo) == -1 ||
	    (hi == 0 && lo == 0)))
		return (form_err(f, F_TRACEID, err, errlen, "trace id: 1 to 32 "
		    "hex digits"));
	snprintf(r->trace_id, sizeof(r->trace_id), "%.32s", t);
	return (0);
}

static size_t
utf8_prev(const char *s, size_t pos)
{
	while (pos > 0 && ((unsigned char)s[--pos] & 0xc0) == 0x80)
		;
	return (pos);
}

static size_t
utf8_fwd(const char *s, size_t pos)
{
	if (s[pos] == '\0')
		return (pos);
	pos++;
	while (((unsigned char)s[pos] & 0xc0) == 0x80)
		pos++;
	return (pos);
}

/* Edit a text in place (cap bytes with its NUL); 1: taken, 2: done. */
int
line_edit(char *text, size_t cap, size_t *pos, int key)
{
	size_t	 len = strlen(text), p, k;
	char	 u[4];

	if (*pos > len)
		*pos = len;
	switch (key) {
	case BK_ENTER:
	case '\r':
		return (2);
	case BK_BACKSPACE:
	case BK_CTRL('h'):
		if (*pos == 0)
			return (1);
		p = utf8_prev(text, *pos);
		memmove(text + p, text + *pos, len - *pos + 1);
		*pos = p;
		return (1);
	case BK_DELETE:
	case BK_CTRL('d'):
		p = utf8_fwd(text, *pos);
		memmove(text + *pos, text + p, len - p + 1);
		return (1);
	case BK_LEFT:
	case BK_CTRL('b'):
		*pos = utf8_prev(text, *pos);
		return (1);
	case BK_RIGHT:
	case BK_CTRL('f'):
		*pos = utf8_fwd(text, *pos);
		return (1);
	case BK_HOME:
	case BK_CTRL('a'):
		*pos = 0;
		return (1);
	case BK_END:
	case BK_CTRL('e'):
		*pos = len;
		return (1);
	case BK_CTRL('u'):
		text[0] = '\0';
		*pos = 0;
		return (1);
	}
	if (key < 0x20 || key == 0x7f || key >= 0x110000)
		return (0);
	k = utf8_put(u, (uint32_t)key);
	if (len + k + 1 > cap)
		return (1);
	memmove(text + *pos + k, text + *pos, len - *pos + 1);
	memcpy(text + *pos, u, k);
	*pos += k;
	return (1);
}

int
sform_edit_key(struct sform *f, int key)
{
	int	 rc;

	if (!f->editing)
		return (0);
	if (key == BK_ESC) {
		memcpy(f->text[f->cur], f->saved, sizeof(f->saved));
		f->editing = 0;
		return (1);
	}
	rc = line_edit(f->text[f->cur], sizeof(f->text[0]), &f->edit_pos, key);
	if (rc == 2)
		f->editing = 0;
	return (1);
}
