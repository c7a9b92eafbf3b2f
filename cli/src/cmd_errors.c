/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_errors.c: the `errors` view: the error spans of a window grouped by
 * service, operation and error (how many, in how many traces, when last,
 * an example trace), or with --by-trace one line per error span.  An error
 * is said by its status message, else an exception event's message, else
 * error.type, else the HTTP status.
 */

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracectl.h"

struct err_span {
	char	*service, *operation, *message;
	uint64_t id;
};

struct err_row {
	uint64_t	 hi, lo;
	int64_t		 start_us, duration_us;
	char		*root;
	struct err_span	*spans;
	size_t		 nspans;
};

/* The error spans of one service, operation and error. */
struct err_group {
	const char	*service, *operation, *message;	/* borrowed */
	size_t		 spans, traces;
	int64_t		 last_us;	/* the newest trace's start */
	uint64_t	 hi, lo;	/* and its id */
	size_t		 last_row;	/* the row counted last, for traces */
};

struct err_state {
	const char		*service;
	struct filter_opts	 f;
	struct err_row		*rows;
	size_t			 n, cap;
	size_t			 scanned;
};

/* What went wrong, in the span's own words (new string). */
static char *
err_message(const struct span *s)
{
	const char	*v;
	size_t		 i;
	char		*r;

	if (s->status_message != NULL && *s->status_message != '\0')
		return (xstrdup(s->status_message));
	for (i = 0; i < s->nevents; i++)
		if (strcmp(s->events[i].name, "exception") == 0 &&
		    (v = event_attr(&s->events[i], "exception.message")) !=
		    NULL)
			return (xstrdup(v));
	if ((v = span_attr(s, "error.type")) != NULL) {
		xasprintf(&r, "error.type=%s", v);
		return (r);
	}
	if ((v = span_attr(s, "http.response.status_code")) != NULL) {
		xasprintf(&r, "HTTP %s", v);
		return (r);
	}
	return (xstrdup("(no message)"));
}

static int
errors_cb(struct trace *t, void *arg)
{
	struct err_state	*st = arg;
	struct err_row		*r;
	struct span		*s;
	size_t			 i;
	char			 b[512];

	st->scanned++;
	if (t->nerrors == 0 || !filter_duration_ok(&st->f, t))
		return (0);
	if (st->service != NULL && !trace_has_service(t, st->service))
		return (0);
	if (st->n == st->cap) {
		st->cap = st->cap == 0 ? 64 : st->cap * 2;
		st->rows = xreallocarray(st->rows, st->cap, sizeof(*st->rows));
	}
	r = &st->rows[st->n++];
	r->hi = t->id_hi;
	r->lo = t->id_lo;
	r->start_us = t->start_us;
	r->duration_us = t->duration_us;
	snprintf(b, sizeof(b), "%s: %s", t->root ? t->root->service : "",
	    t->root ? t->root->operation : "");
	r->root = xstrdup(b);
	r->spans = xcalloc(t->nerrors, sizeof(*r->spans));
	r->nspans = 0;
	for (i = 0; i < t->nspans; i++) {
		s = t->order[i];
		if (!s->error || r->nspans == t->nerrors)
			continue;
		r->spans[r->nspans].service = xstrdup(s->service);
		r->spans[r->nspans].operation = xstrdup(s->operation);
		r->spans[r->nspans].message = err_message(s);
		r->spans[r->nspans].id = s->id;
		r->nspans++;
	}
	return (0);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct err_row *x = a, *y = b;

	return (x->start_us > y->start_us ? -1 : x->start_us < y->start_us);
}

static int
group_cmp(const void *a, const void *b)
{
	const struct err_group	*x = a, *y = b;
	int			 c;

	if (x->spans != y->spans)
		return (x->spans > y->spans ? -1 : 1);
	if ((c = strcmp(x->service, y->service)) != 0)
		return (c);
	if ((c = strcmp(x->operation, y->operation)) != 0)
		return (c);
	return (strcmp(x->message, y->message));
}

/* The groups of the rows (newest first), most spans first. */
static struct err_group *
group(const struct err_state *st, size_t *ng)
{
	struct err_group	*g;
	struct err_span		*x;
	size_t			 i, k, j, n, cap;

	g = NULL;
	n = cap = 0;
	for (i = 0; i < st->n; i++)
		for (k = 0; k < st->rows[i].nspans; k++) {
			x = &st->rows[i].spans[k];
			for (j = 0; j < n; j++)
				if (strcmp(g[j].service, x->service) == 0 &&
				    strcmp(g[j].operation, x->operation) == 0 &&
				    strcmp(g[j].message, x->message) == 0)
					break;
			if (j == n) {
				if (n == cap) {
					cap = cap == 0 ? 16 : cap * 2;
					g = xreallocarray(g, cap, sizeof(*g));
				}
				memset(&g[n], 0, sizeof(g[n]));
				g[n].service = x->service;
				g[n].operation = x->operation;
				g[n].message = x->message;
				g[n].last_us = st->rows[i].start_us;
				g[n].hi = st->rows[i].hi;
				g[n].lo = st->rows[i].lo;
				g[n].last_row = i;
				g[n].traces = 1;
				n++;
			} else if (g[j].last_row != i) {
				g[j].last_row = i;
				g[j].traces++;
			}
			g[j].spans++;
		}
	if (n > 1)
		qsort(g, n, sizeof(*g), group_cmp);
	*ng = n;
	return (g);
}

static json_t *
rows_json(const struct err_state *st, size_t limit)
{
	json_t	*arr, *r, *ea, *e;
	char	 id[40], start[40], sid[20];
	size_t	 i, k;

	arr = json_array();
	for (i = 0; i < st->n && (limit == 0 || i < limit); i++) {
		r = json_object();
		fmt_trace_id(st->rows[i].hi, st->rows[i].lo, id, sizeof(id));
		json_object_set_new(r, "traceId", json_string(id));
		fmt_time_rfc3339(st->rows[i].start_us, 1, start, sizeof(start));
		json_object_set_new(r, "start", json_string(start));
		json_object_set_new(r, "durationUs",
		    json_integer(st->rows[i].duration_us));
		json_object_set_new(r, "root", json_string(st->rows[i].root));
		ea = json_array();
		for (k = 0; k < st->rows[i].nspans; k++) {
			struct err_span *x = &st->rows[i].spans[k];

			e = json_object();
			snprintf(sid, sizeof(sid), "%016llx",
			    (unsigned long long)x->id);
			json_object_set_new(e, "spanId", json_string(sid));
			json_object_set_new(e, "service",
			    json_string(x->service));
			json_object_set_new(e, "operation",
			    json_string(x->operation));
			json_object_set_new(e, "message",
			    json_string(x->message));
			json_array_append_new(ea, e);
		}
		json_object_set_new(r, "errors", ea);
		json_array_append_new(arr, r);
	}
	return (arr);
}

static void
print_groups(const struct err_group *g, size_t ng, size_t limit)
{
	struct table	 tab;
	char		 n[32], t[32], last[40], id[40];
	size_t		 i, row;
	int		 today;

	table_init(&tab, "~SERVICE|~OPERATION|~ERROR|>SPANS|>TRACES|"
	    "-LAST SEEN|EXAMPLE TRACE");
	for (i = 0, today = out.width > 0; i < ng; i++)
		today &= is_today_local(g[i].last_us);
	for (i = 0; i < ng && (limit == 0 || i < limit); i++) {
		snprintf(n, sizeof(n), "%zu", g[i].spans);
		snprintf(t, sizeof(t), "%zu", g[i].traces);
		fmt_time_local(g[i].last_us, last, sizeof(last));
		fmt_trace_id(g[i].hi, g[i].lo, id, sizeof(id));
		row = table_row(&tab, g[i].service, g[i].operation,
		    g[i].message, n, t, today ? last + 11 : last, id);
		table_color(&tab, row, 2, C_RED);
	}
	table_print(&tab, stdout);
	table_cleanup(&tab);
}

static void
print_rows(const struct err_state *st, size_t limit)
{
	struct table	 tab;
	char		 id[40], start[40], what[512];
	size_t		 i, k, row;
	int		 today;

	table_init(&tab, "TRACE ID|START|~-ROOT|~ERROR SPAN|~MESSAGE");
	for (i = 0, today = out.width > 0; i < st->n; i++)
		today &= is_today_local(st->rows[i].start_us);
	for (i = 0; i < st->n && (limit == 0 || i < limit); i++) {
		fmt_trace_id(st->rows[i].hi, st->rows[i].lo, id, sizeof(id));
		fmt_time_local(st->rows[i].start_us, start, sizeof(start));
		for (k = 0; k < st->rows[i].nspans; k++) {
			struct err_span *x = &st->rows[i].spans[k];

			snprintf(what, sizeof(what), "%s: %s", x->service,
			    x->operation);
			row = table_row(&tab, k == 0 ? id : "", k == 0 ?
			    (today ? start + 11 : start) : "", k == 0 ?
			    st->rows[i].root : "", what, x->message);
			table_color(&tab, row, 4, C_RED);
		}
	}
	table_print(&tab, stdout);
	table_cleanup(&tab);
}

/* -1: go on; otherwise the exit status. */
static int
errors_options(struct ctx *c, int argc, char *argv[], struct err_state *st,
    struct window *w, long long *limit, int *by_trace)
{
	static const struct option longopts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' },
		{ "by-trace", no_argument, NULL, 't' },
		WINDOW_LONGOPTS,
		FILTER_LONGOPTS,
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int	ch, rc;

	while ((ch = getopt_long(argc, argv, "hs:n:", longopts, NULL)) != -1) {
		if ((rc = window_option(w, ch, optarg)) != 0 ||
		    (rc = filter_option(&st->f, ch, optarg)) != 0) {
			if (rc == -1)
				return (usage_error("errors", NULL));
			continue;
		}
		switch (ch) {
		case 's':
			st->service = strcmp(optarg, "all") == 0 ? NULL :
			    optarg;
			break;
		case 'n':
			if (parse_int(optarg, 0, 1000000000, limit) == -1)
				return (usage_error("errors", "--limit: %s: "
				    "want a count (0: all)", optarg));
			break;
		case 't':
			*by_trace = 1;
			break;
		default:
			if ((rc = command_option(c, "errors", ch, optarg)) != -1)
				return (rc);
		}
	}
	if (optind < argc)
		return (usage_error("errors", "unexpected argument: %s",
		    argv[optind]));
	if ((rc = window_finish(w, "errors")) != 0)
		return (rc);
	return (-1);
}

/* The first limit groups (0: all) as JSON. */
static json_t *
groups_json(const struct err_group *g, size_t ng, size_t limit)
{
	char	 id[40], last[40];
	json_t	*ga, *x;
	size_t	 i;

	ga = json_array();
	for (i = 0; i < ng && (limit == 0 || i < limit); i++) {
		x = json_object();
		json_object_set_new(x, "service", json_string(g[i].service));
		json_object_set_new(x, "operation",
		    json_string(g[i].operation));
		json_object_set_new(x, "message", json_string(g[i].message));
		json_object_set_new(x, "spans",
		    json_integer((json_int_t)g[i].spans));
		json_object_set_new(x, "traces",
		    json_integer((json_int_t)g[i].traces));
		fmt_time_rfc3339(g[i].last_us, 1, last, sizeof(last));
		json_object_set_new(x, "lastSeen", json_string(last));
		fmt_trace_id(g[i].hi, g[i].lo, id, sizeof(id));
		json_object_set_new(x, "exampleTraceId", json_string(id));
		json_array_append_new(ga, x);
	}
	return (ga);
}

static void
err_state_free(struct err_state *st)
{
	size_t	i, k;

	for (i = 0; i < st->n; i++) {
		for (k = 0; k < st->rows[i].nspans; k++) {
			free(st->rows[i].spans[k].service);
			free(st->rows[i].spans[k].operation);
			free(st->rows[i].spans[k].message);
		}
		free(st->rows[i].spans);
		free(st->rows[i].root);
	}
	free(st->rows);
}

int
cmd_errors(struct ctx *c, int argc, char *argv[])
{
	struct err_state	 st;
	struct err_group	*g;
	struct jaeger_query	 q;
	struct window		 w;
	long long		 limit;
	int			 rc, by_trace;
	size_t			 i, ng, nspans;
	char			 fd[600];
	json_t			*o;

	memset(&st, 0, sizeof(st));
	window_init(&w);
	limit = 20;
	by_trace = 0;
	if ((rc = errors_options(c, argc, argv, &st, &w, &limit,
	    &by_trace)) != -1)
		return (rc);
	memset(&q, 0, sizeof(q));
	q.service = st.service;
	q.service_hint = 1;
	q.start_us = w.start_us;
	q.end_us = w.end_us;
	q.tags = st.f.tags;
	q.ntags = st.f.ntags;
	q.page_limit = 1000;
	rc = jaeger_search(ctx_jaeger(c), &q, errors_cb, &st);
	if (rc != JAEGER_OK)
		return (jaeger_fail(c, rc));
	if (st.n > 1)
		qsort(st.rows, st.n, sizeof(*st.rows), row_cmp);
	g = group(&st, &ng);
	for (i = nspans = 0; i < st.n; i++)
		nspans += st.rows[i].nspans;
	if (out.json) {
		o = json_object();
		json_object_set_new(o, "scanned",
		    json_integer((json_int_t)st.scanned));
		json_object_set_new(o, "errorSpans",
		    json_integer((json_int_t)nspans));
		json_object_set_new(o, "groups", groups_json(g, ng,
		    (size_t)limit));
		json_object_set_new(o, "traces", rows_json(&st,
		    by_trace ? (size_t)limit : 0));
		json_print(o);
	} else if (st.n > 0) {
		if (by_trace)
			print_rows(&st, (size_t)limit);
		else
			print_groups(g, ng, (size_t)limit);
		printf("%s%zu error span%s in %zu of %zu trace%s scanned, %zu "
		    "kind%s of error", color(C_DIM), nspans, nspans == 1 ? "" :
		    "s", st.n, st.scanned, st.scanned == 1 ? "" : "s", ng,
		    ng == 1 ? "" : "s");
		if (limit > 0 && (by_trace ? st.n : ng) > (size_t)limit)
			printf("; the first %lld shown (--limit 0 for all)",
			    limit);
		printf("%s\n", color(C_RESET));
	} else {
		filter_describe(&st.f, fd, sizeof(fd));
		warnx("no trace with errors in the window (%zu trace%s "
		    "scanned%s%s%s%s)", st.scanned, st.scanned == 1 ? "" : "s",
		    st.service != NULL ? ", service " : "",
		    st.service != NULL ? st.service : "",
		    fd[0] != '\0' ? "; filters: " : "", fd);
	}
	rc = st.n > 0 ? EX_FOUND : EX_NOTHING;
	free(g);
	err_state_free(&st);
	return (rc);
}
