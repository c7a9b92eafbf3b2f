/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sform.c: the search form's model: its fields and their choices, cycling
 * and editing them, and the search request the form describes (checked:
 * a bad field is named); the line editor the form and the '/' prompt use.
 */

#include <sys/types.h>

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "browse.h"

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
