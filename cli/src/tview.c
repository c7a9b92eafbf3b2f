/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tview.c: the trace view's model, with no terminal and no I/O: its rows
 * given what is collapsed, the cursor, navigation (parent, errors, the
 * critical path, search matches), the in-trace search filter, and where a
 * span's bar goes on the timeline.
 */

#include <sys/types.h>

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "browse.h"
#include "cursor.h"

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
