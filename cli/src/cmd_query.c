/*
 * cmd_query.c: the trace-finding views: `slow` (traces at least N ms long,
 * slowest first), `show` (one trace's tree) and `errors` (traces with error
 * spans and their messages).
 */

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tracectl.h"

#define WINDOW_LONGOPTS						\
	{ "since", required_argument, NULL, 'S' },		\
	{ "start", required_argument, NULL, 'A' },		\
	{ "end", required_argument, NULL, 'B' }

struct slow_row {
	uint64_t	 hi, lo;
	int64_t		 start_us, duration_us;
	char		*root_service, *root_operation;
	size_t		 nspans;
	char		**services;
	size_t		 nservices;
	size_t		 nerrors;
	char		*max_service, *max_operation;
	int64_t		 max_self_us;
};

struct slow_state {
	int64_t		 min_us;
	const char	*service;
	const char	*operation;
	struct slow_row	*rows;
	size_t		 n, cap;
	size_t		 scanned;
};


/*
 * Fitting a terminal, start times of today are the time of day alone
 * ("today" goes without saying, as in ls); otherwise with the date.
 */
static int
is_today(int64_t us)
{
	struct tm	 a, b;
	time_t		 t;

	t = time(NULL);
	localtime_r(&t, &a);
	t = (time_t)(us / USEC_PER_SEC);
	localtime_r(&t, &b);
	return (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday);
}

static int
slow_cb(struct trace *t, void *arg)
{
	struct slow_state	*st = arg;
	struct slow_row		*r;
	struct span		*m;
	size_t			 i;

	st->scanned++;
	/* The trace's own duration decides, not any one span's. */
	if (t->duration_us < st->min_us)
		return (0);
	if (st->service != NULL && !trace_has_service(t, st->service))
		return (0);
	if (st->operation != NULL &&
	    !trace_has_operation(t, st->service, st->operation))
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
	r->root_service = xstrdup(t->root != NULL ? t->root->service : "");
	r->root_operation = xstrdup(t->root != NULL ? t->root->operation : "");
	r->nspans = t->nspans;
	r->services = xcalloc(t->nservices + 1, sizeof(*r->services));
	for (i = 0; i < t->nservices; i++)
		r->services[i] = xstrdup(t->services[i]);
	r->nservices = t->nservices;
	r->nerrors = t->nerrors;
	m = trace_max_self(t);
	r->max_service = xstrdup(m != NULL ? m->service : "");
	r->max_operation = xstrdup(m != NULL ? m->operation : "");
	r->max_self_us = m != NULL ? m->self_us : 0;
	return (0);
}

static int
slow_cmp(const void *a, const void *b)
{
	const struct slow_row *x = a, *y = b;

	if (x->duration_us != y->duration_us)
		return (x->duration_us > y->duration_us ? -1 : 1);
	return (x->start_us > y->start_us ? -1 : x->start_us < y->start_us);
}

static void
slow_free(struct slow_state *st)
{
	size_t	 i, j;

	for (i = 0; i < st->n; i++) {
		struct slow_row *r = &st->rows[i];

		free(r->root_service);
		free(r->root_operation);
		for (j = 0; j < r->nservices; j++)
			free(r->services[j]);
		free(r->services);
		free(r->max_service);
		free(r->max_operation);
	}
	free(st->rows);
}

int
cmd_slow(struct ctx *c, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "ms", required_argument, NULL, 'm' },
		{ "limit", required_argument, NULL, 'n' },
		{ "no-narrow", no_argument, NULL, 'N' },
		{ "operation", required_argument, NULL, 'o' },
		{ "page", required_argument, NULL, 'P' },
		{ "service", required_argument, NULL, 's' },
		WINDOW_LONGOPTS,
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct slow_state	 st;
	struct jaeger_query	 q;
	struct window		 w;
	struct table		 tab;
	struct jaeger		*j;
	long long		 limit, page;
	int			 ch, rc, narrow, today;
	size_t			 i, k, shown;
	char			 id[40], start[40], dur[32], self[32];
	char			 spans[16], root[512], svcs[1024], maxs[512];
	json_t			*o, *arr, *r, *sv;

	memset(&st, 0, sizeof(st));
	st.min_us = 200 * USEC_PER_MSEC;
	st.service = DEFAULT_SERVICE;
	limit = 20;
	page = 1000;
	narrow = 1;
	window_init(&w);
	while ((ch = getopt_long(argc, argv, "hm:n:o:s:", longopts,
	    NULL)) != -1) {
		if ((rc = window_option(&w, ch, optarg)) != 0) {
			if (rc == -1)
				return (usage_error("slow", NULL));
			continue;
		}
		switch (ch) {
		case 'm':
			if (parse_duration(optarg, USEC_PER_MSEC,
			    &st.min_us) == -1)
				return (usage_error("slow", "--ms: %s: not a "
				    "number of milliseconds (or a duration "
				    "like 1.5s)", optarg));
			break;
		case 'n':
			if (parse_int(optarg, 0, 1000000000, &limit) == -1)
				return (usage_error("slow", "--limit: %s: "
				    "want a count (0: all)", optarg));
			break;
		case 'N':
			narrow = 0;
			break;
		case 'o':
			st.operation = optarg;
			break;
		case 'P':
			if (parse_int(optarg, 1, 1000000, &page) == -1)
				return (usage_error("slow", "--page: %s: want "
				    "1 to 1000000", optarg));
			break;
		case 's':
			st.service = strcmp(optarg, "all") == 0 ? NULL :
			    optarg;
			break;
		case 'h':
			usage_cmd(stdout, "slow");
			return (EX_FOUND);
		case '?':
			return (usage_error("slow", NULL));
		default:
			if ((rc = common_option(c, ch, optarg)) == 1) {
				usage_cmd(stdout, "slow");
				return (EX_FOUND);
			}
			if (rc == -1)
				return (usage_error("slow", NULL));
		}
	}
	if (optind < argc)
		return (usage_error("slow", "unexpected argument: %s",
		    argv[optind]));
	if ((rc = window_finish(&w, "slow")) != 0)
		return (rc);

	memset(&q, 0, sizeof(q));
	q.service = st.service;
	q.service_hint = 1;
	q.start_us = w.start_us;
	q.end_us = w.end_us;
	/*
	 * Narrow by Jaeger's minimum span duration, 1 us below ours: Jaeger
	 * compares nanoseconds, we microseconds rounded from both ends, so a
	 * trace of exactly N us may hold a root span of N - 0.x us.
	 */
	q.min_duration_us = narrow && st.min_us > 1 ? st.min_us - 1 : 0;
	q.page_limit = (size_t)page;
	j = ctx_jaeger(c);
	if ((rc = jaeger_search(j, &q, slow_cb, &st)) != JAEGER_OK) {
		slow_free(&st);
		return (jaeger_fail(c, rc));
	}
	if (st.n > 1)
		qsort(st.rows, st.n, sizeof(*st.rows), slow_cmp);
	shown = limit == 0 || (size_t)limit > st.n ? st.n : (size_t)limit;
	if (j->truncated > 0)
		warnx("warning: %zu time window(s) held more traces than one "
		    "answer carries in a single microsecond; some may be "
		    "missing (raise --page)", j->truncated);

	if (out.json) {
		o = json_object();
		json_object_set_new(o, "minDurationUs", json_integer(st.min_us));
		fmt_time_rfc3339(w.start_us, 1, start, sizeof(start));
		json_object_set_new(o, "windowStart", json_string(start));
		fmt_time_rfc3339(w.end_us, 1, start, sizeof(start));
		json_object_set_new(o, "windowEnd", json_string(start));
		json_object_set_new(o, "service", st.service != NULL ?
		    json_string(st.service) : json_null());
		json_object_set_new(o, "operation", st.operation != NULL ?
		    json_string(st.operation) : json_null());
		json_object_set_new(o, "scanned", json_integer(
		    (json_int_t)st.scanned));
		json_object_set_new(o, "matched", json_integer(
		    (json_int_t)st.n));
		arr = json_array();
		for (i = 0; i < shown; i++) {
			struct slow_row *x = &st.rows[i];

			r = json_object();
			fmt_trace_id(x->hi, x->lo, id, sizeof(id));
			json_object_set_new(r, "traceId", json_string(id));
			fmt_time_rfc3339(x->start_us, 1, start, sizeof(start));
			json_object_set_new(r, "start", json_string(start));
			json_object_set_new(r, "durationUs",
			    json_integer(x->duration_us));
			json_object_set_new(r, "rootService",
			    json_string(x->root_service));
			json_object_set_new(r, "rootOperation",
			    json_string(x->root_operation));
			json_object_set_new(r, "spanCount",
			    json_integer((json_int_t)x->nspans));
			sv = json_array();
			for (k = 0; k < x->nservices; k++)
				json_array_append_new(sv,
				    json_string(x->services[k]));
			json_object_set_new(r, "services", sv);
			json_object_set_new(r, "error",
			    json_boolean(x->nerrors > 0));
			json_object_set_new(r, "errorSpans",
			    json_integer((json_int_t)x->nerrors));
			sv = json_object();
			json_object_set_new(sv, "service",
			    json_string(x->max_service));
			json_object_set_new(sv, "operation",
			    json_string(x->max_operation));
			json_object_set_new(sv, "selfUs",
			    json_integer(x->max_self_us));
			json_object_set_new(r, "largestSelfTime", sv);
			json_array_append_new(arr, r);
		}
		json_object_set_new(o, "traces", arr);
		json_print(o);
	} else if (st.n > 0) {
		table_init(&tab, "TRACE ID|START|>DURATION|~ROOT|->SPANS|"
		    "~-SERVICES|ERR|~-LARGEST SELF TIME");
		for (i = 0, today = out.width > 0; i < shown; i++)
			today &= is_today(st.rows[i].start_us);
		for (i = 0; i < shown; i++) {
			struct slow_row *x = &st.rows[i];
			size_t row;

			fmt_trace_id(x->hi, x->lo, id, sizeof(id));
			fmt_time_local(x->start_us, start, sizeof(start));
			if (today)
				memmove(start, start + 11, strlen(start + 11) + 1);
			fmt_duration(x->duration_us, dur, sizeof(dur));
			fmt_duration(x->max_self_us, self, sizeof(self));
			snprintf(spans, sizeof(spans), "%zu", x->nspans);
			snprintf(root, sizeof(root), "%s: %s",
			    x->root_service, x->root_operation);
			svcs[0] = '\0';
			for (k = 0; k < x->nservices; k++) {
				if (k > 0)
					strncat(svcs, ",", sizeof(svcs) -
					    strlen(svcs) - 1);
				strncat(svcs, x->services[k], sizeof(svcs) -
				    strlen(svcs) - 1);
			}
			snprintf(maxs, sizeof(maxs), "%s %s: %s", self,
			    x->max_service, x->max_operation);
			row = table_row(&tab, id, start, dur, root, spans,
			    svcs, x->nerrors > 0 ? "yes" : "", maxs);
			table_color(&tab, row, 2, C_YELLOW);
			if (x->nerrors > 0)
				table_color(&tab, row, 6, C_RED);
		}
		table_print(&tab, stdout);
		table_cleanup(&tab);
		fmt_duration(st.min_us, dur, sizeof(dur));
		printf("%s%zu of %zu trace%s scanned took >= %s", color(C_DIM),
		    st.n, st.scanned, st.scanned == 1 ? "" : "s", dur);
		if (shown < st.n)
			printf("; the %zu slowest shown (--limit 0 for all)",
			    shown);
		printf("%s\n", color(C_RESET));
	} else {
		fmt_duration(st.min_us, dur, sizeof(dur));
		warnx("no trace%s%s took >= %s in the window (%zu scanned)",
		    st.service != NULL ? " with service " : "",
		    st.service != NULL ? st.service : "", dur, st.scanned);
	}
	rc = st.n > 0 ? EX_FOUND : EX_NOTHING;
	slow_free(&st);
	return (rc);
}

int
cmd_show(struct ctx *c, int argc, char *argv[])
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct trace	*t;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage_cmd(stdout, "show");
			return (EX_FOUND);
		case '?':
			return (usage_error("show", NULL));
		default:
			if ((rc = common_option(c, ch, optarg)) == 1) {
				usage_cmd(stdout, "show");
				return (EX_FOUND);
			}
			if (rc == -1)
				return (usage_error("show", NULL));
		}
	}
	if (argc - optind != 1)
		return (usage_error("show", "want one TRACE_ID"));
	rc = jaeger_get_trace(ctx_jaeger(c), argv[optind], &t);
	if (rc != JAEGER_OK)
		return (jaeger_fail(c, rc));
	if (out.json)
		json_print(trace_json(t, 1));
	else
		view_trace_tree(t, stdout);
	trace_free(t);
	return (EX_FOUND);
}

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

struct err_state {
	const char	*service;
	struct err_row	*rows;
	size_t		 n, cap;
	size_t		 scanned;
};

static int
errors_cb(struct trace *t, void *arg)
{
	struct err_state	*st = arg;
	struct err_row		*r;
	struct span		*s;
	size_t			 i;
	char			 b[512];

	st->scanned++;
	if (t->nerrors == 0)
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
		r->spans[r->nspans].message = s->status_message != NULL ?
		    xstrdup(s->status_message) : NULL;
		r->spans[r->nspans].id = s->id;
		r->nspans++;
	}
	return (0);
}

static int
err_cmp(const void *a, const void *b)
{
	const struct err_row *x = a, *y = b;

	return (x->start_us > y->start_us ? -1 : x->start_us < y->start_us);
}

int
cmd_errors(struct ctx *c, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "service", required_argument, NULL, 's' },
		WINDOW_LONGOPTS,
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct err_state	 st;
	struct jaeger_query	 q;
	struct window		 w;
	struct table		 tab;
	int			 ch, rc, today;
	size_t			 i, k, nspans, row;
	char			 id[40], start[40], sid[20], what[512];
	json_t			*o, *arr, *r, *ea, *e;

	memset(&st, 0, sizeof(st));
	window_init(&w);
	while ((ch = getopt_long(argc, argv, "hs:", longopts, NULL)) != -1) {
		if ((rc = window_option(&w, ch, optarg)) != 0) {
			if (rc == -1)
				return (usage_error("errors", NULL));
			continue;
		}
		switch (ch) {
		case 's':
			st.service = strcmp(optarg, "all") == 0 ? NULL :
			    optarg;
			break;
		case 'h':
			usage_cmd(stdout, "errors");
			return (EX_FOUND);
		case '?':
			return (usage_error("errors", NULL));
		default:
			if ((rc = common_option(c, ch, optarg)) == 1) {
				usage_cmd(stdout, "errors");
				return (EX_FOUND);
			}
			if (rc == -1)
				return (usage_error("errors", NULL));
		}
	}
	if (optind < argc)
		return (usage_error("errors", "unexpected argument: %s",
		    argv[optind]));
	if ((rc = window_finish(&w, "errors")) != 0)
		return (rc);
	memset(&q, 0, sizeof(q));
	q.service = st.service;
	q.service_hint = 1;
	q.start_us = w.start_us;
	q.end_us = w.end_us;
	q.page_limit = 1000;
	rc = jaeger_search(ctx_jaeger(c), &q, errors_cb, &st);
	if (rc != JAEGER_OK)
		return (jaeger_fail(c, rc));
	if (st.n > 1)
		qsort(st.rows, st.n, sizeof(*st.rows), err_cmp);
	nspans = 0;
	if (out.json) {
		o = json_object();
		json_object_set_new(o, "scanned",
		    json_integer((json_int_t)st.scanned));
		arr = json_array();
		for (i = 0; i < st.n; i++) {
			r = json_object();
			fmt_trace_id(st.rows[i].hi, st.rows[i].lo, id,
			    sizeof(id));
			json_object_set_new(r, "traceId", json_string(id));
			fmt_time_rfc3339(st.rows[i].start_us, 1, start,
			    sizeof(start));
			json_object_set_new(r, "start", json_string(start));
			json_object_set_new(r, "durationUs",
			    json_integer(st.rows[i].duration_us));
			json_object_set_new(r, "root",
			    json_string(st.rows[i].root));
			ea = json_array();
			for (k = 0; k < st.rows[i].nspans; k++) {
				struct err_span *x = &st.rows[i].spans[k];

				e = json_object();
				snprintf(sid, sizeof(sid), "%016llx",
				    (unsigned long long)x->id);
				json_object_set_new(e, "spanId",
				    json_string(sid));
				json_object_set_new(e, "service",
				    json_string(x->service));
				json_object_set_new(e, "operation",
				    json_string(x->operation));
				json_object_set_new(e, "message",
				    x->message != NULL ?
				    json_string(x->message) : json_null());
				json_array_append_new(ea, e);
			}
			json_object_set_new(r, "errors", ea);
			json_array_append_new(arr, r);
		}
		json_object_set_new(o, "traces", arr);
		json_print(o);
	} else if (st.n > 0) {
		table_init(&tab, "TRACE ID|START|~-ROOT|~ERROR SPAN|~MESSAGE");
		for (i = 0, today = out.width > 0; i < st.n; i++)
			today &= is_today(st.rows[i].start_us);
		for (i = 0; i < st.n; i++) {
			fmt_trace_id(st.rows[i].hi, st.rows[i].lo, id,
			    sizeof(id));
			fmt_time_local(st.rows[i].start_us, start,
			    sizeof(start));
			if (today)
				memmove(start, start + 11, strlen(start + 11) + 1);
			for (k = 0; k < st.rows[i].nspans; k++) {
				struct err_span *x = &st.rows[i].spans[k];

				snprintf(what, sizeof(what), "%s: %s",
				    x->service, x->operation);
				row = table_row(&tab, k == 0 ? id : "",
				    k == 0 ? start : "",
				    k == 0 ? st.rows[i].root : "", what,
				    x->message != NULL ? x->message :
				    "(no message)");
				table_color(&tab, row, 4, C_RED);
				nspans++;
			}
		}
		table_print(&tab, stdout);
		table_cleanup(&tab);
		printf("%s%zu of %zu trace%s scanned had errors (%zu error "
		    "span%s)%s\n", color(C_DIM), st.n, st.scanned,
		    st.scanned == 1 ? "" : "s", nspans, nspans == 1 ? "" : "s",
		    color(C_RESET));
	} else
		warnx("no trace with errors in the window (%zu scanned)",
		    st.scanned);
	rc = st.n > 0 ? EX_FOUND : EX_NOTHING;
	for (i = 0; i < st.n; i++) {
		for (k = 0; k < st.rows[i].nspans; k++) {
			free(st.rows[i].spans[k].service);
			free(st.rows[i].spans[k].operation);
			free(st.rows[i].spans[k].message);
		}
		free(st.rows[i].spans);
		free(st.rows[i].root);
	}
	free(st.rows);
	return (rc);
}
