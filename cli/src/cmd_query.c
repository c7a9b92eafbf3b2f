/* SPDX-License-Identifier: Apache-2.0 */
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
	struct filter_opts f;
	const char	*service;
	const char	*operation;
	struct slow_row	*rows;
	size_t		 n, cap;
	size_t		 scanned;
};


static int
slow_cb(struct trace *t, void *arg)
{
	struct slow_state	*st = arg;
	struct slow_row		*r;
	struct span		*m;
	size_t			 i;

	st->scanned++;
	/* The trace's own duration decides, not any one span's. */
	if (t->duration_us < st->min_us || !filter_duration_ok(&st->f, t))
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

/*
 * Which service has an operation (the default service may not): the one
 * that has it, NULL (all) when several do; *owner keeps the name.  A name
 * no service has is searched in every service, and said.
 */
static int
operation_service(struct jaeger *j, const char *op, const char **svc,
    char **owner)
{
	struct jaeger_op	*ops;
	char			**names;
	size_t			 n, nops, i, k, found;
	int			 rc;

	*owner = NULL;
	if ((rc = jaeger_services(j, &names, &n)) != JAEGER_OK)
		return (rc);
	found = 0;
	for (i = 0; i < n; i++) {
		if ((rc = jaeger_operations(j, names[i], &ops, &nops)) !=
		    JAEGER_OK) {
			jaeger_free_strings(names, n);
			return (rc);
		}
		for (k = 0; k < nops; k++)
			if (strcmp(ops[k].name, op) == 0)
				break;
		if (k < nops && found++ == 0)
			*owner = xstrdup(names[i]);
		jaeger_free_ops(ops, nops);
	}
	jaeger_free_strings(names, n);
	if (found == 1) {
		*svc = *owner;
		if (strcmp(*owner, DEFAULT_SERVICE) != 0)
			warnx("operation \"%s\" is %s's: searching %s", op,
			    *owner, *owner);
		return (JAEGER_OK);
	}
	*svc = NULL;
	if (found == 0)
		warnx("no service has an operation \"%s\" (tracectl ops "
		    "SERVICE lists them): searching every service", op);
	return (JAEGER_OK);
}

/* What a search looked at, in words. */
static void
searched(const struct slow_state *st, char *b, size_t n)
{
	char	 fd[600];

	filter_describe(&st->f, fd, sizeof(fd));
	snprintf(b, n, "traces with a span of %s%s%s%s in the window%s%s",
	    st->service != NULL ? st->service : "any service",
	    st->operation != NULL ? " named \"" : "",
	    st->operation != NULL ? st->operation : "",
	    st->operation != NULL ? "\"" : "",
	    fd[0] != '\0' ? "; " : "", fd);
}

/* A service Jaeger does not know: say so, and which it knows. */
static void
hint_service(struct jaeger *j, const char *svc)
{
	char	**names, list[1024];
	size_t	 n, i, o;

	if (jaeger_services(j, &names, &n) != JAEGER_OK)
		return;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], svc) == 0)
			break;
	if (i == n) {
		list[0] = '\0';
		for (i = o = 0; i < n && o < sizeof(list); i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o,
			    "%s%s", i > 0 ? ", " : "", names[i]);
		warnx("Jaeger knows no service \"%s\"; it knows: %s", svc,
		    n > 0 ? list : "none yet");
	}
	jaeger_free_strings(names, n);
}

/* What `slow` was asked: its options parsed into st, w and the rest. */
struct slow_args {
	long long	limit, page;
	int		narrow, service_given;
};

/* -1: go on; otherwise the exit status. */
static int
slow_options(struct ctx *c, int argc, char *argv[], struct slow_state *st,
    struct window *w, struct slow_args *a)
{
	static const struct option longopts[] = {
		{ "ms", required_argument, NULL, 'm' },
		{ "limit", required_argument, NULL, 'n' },
		{ "no-narrow", no_argument, NULL, 'N' },
		{ "operation", required_argument, NULL, 'o' },
		{ "page", required_argument, NULL, 'P' },
		{ "service", required_argument, NULL, 's' },
		WINDOW_LONGOPTS,
		FILTER_LONGOPTS,
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int	ch, rc;

	while ((ch = getopt_long(argc, argv, "hm:n:o:s:", longopts,
	    NULL)) != -1) {
		if ((rc = window_option(w, ch, optarg)) != 0 ||
		    (rc = filter_option(&st->f, ch, optarg)) != 0) {
			if (rc == -1)
				return (usage_error("slow", NULL));
			continue;
		}
		switch (ch) {
		case 'm':
			if (parse_duration(optarg, USEC_PER_MSEC,
			    &st->min_us) == -1)
				return (usage_error("slow", "--ms: %s: not a "
				    "number of milliseconds (or a duration "
				    "like 1.5s)", optarg));
			break;
		case 'n':
			if (parse_int(optarg, 0, 1000000000, &a->limit) == -1)
				return (usage_error("slow", "--limit: %s: "
				    "want a count (0: all)", optarg));
			break;
		case 'N':
			a->narrow = 0;
			break;
		case 'o':
			st->operation = optarg;
			break;
		case 'P':
			if (parse_int(optarg, 1, 1000000, &a->page) == -1)
				return (usage_error("slow", "--page: %s: want "
				    "1 to 1000000", optarg));
			break;
		case 's':
			st->service = strcmp(optarg, "all") == 0 ? NULL :
			    optarg;
			a->service_given = 1;
			break;
		default:
			if ((rc = command_option(c, "slow", ch, optarg)) != -1)
				return (rc);
		}
	}
	if (optind < argc)
		return (usage_error("slow", "unexpected argument: %s",
		    argv[optind]));
	if ((rc = window_finish(w, "slow")) != 0)
		return (rc);
	if (st->f.max_us > 0 && st->f.max_us < st->min_us)
		return (usage_error("slow", "--max-ms is below --ms"));
	return (-1);
}

static json_t *
slow_row_json(const struct slow_row *x)
{
	char	 id[40], start[40];
	json_t	*r, *sv;
	size_t	 k;

	r = json_object();
	fmt_trace_id(x->hi, x->lo, id, sizeof(id));
	json_object_set_new(r, "traceId", json_string(id));
	fmt_time_rfc3339(x->start_us, 1, start, sizeof(start));
	json_object_set_new(r, "start", json_string(start));
	json_object_set_new(r, "durationUs", json_integer(x->duration_us));
	json_object_set_new(r, "rootService", json_string(x->root_service));
	json_object_set_new(r, "rootOperation",
	    json_string(x->root_operation));
	json_object_set_new(r, "spanCount",
	    json_integer((json_int_t)x->nspans));
	sv = json_array();
	for (k = 0; k < x->nservices; k++)
		json_array_append_new(sv, json_string(x->services[k]));
	json_object_set_new(r, "services", sv);
	json_object_set_new(r, "error", json_boolean(x->nerrors > 0));
	json_object_set_new(r, "errorSpans",
	    json_integer((json_int_t)x->nerrors));
	sv = json_object();
	json_object_set_new(sv, "service", json_string(x->max_service));
	json_object_set_new(sv, "operation", json_string(x->max_operation));
	json_object_set_new(sv, "selfUs", json_integer(x->max_self_us));
	json_object_set_new(r, "largestSelfTime", sv);
	return (r);
}

static void
slow_print_json(const struct slow_state *st, const struct window *w,
    size_t shown)
{
	char	 start[40];
	json_t	*o, *arr;
	size_t	 i;

	o = json_object();
	json_object_set_new(o, "minDurationUs", json_integer(st->min_us));
	fmt_time_rfc3339(w->start_us, 1, start, sizeof(start));
	json_object_set_new(o, "windowStart", json_string(start));
	fmt_time_rfc3339(w->end_us, 1, start, sizeof(start));
	json_object_set_new(o, "windowEnd", json_string(start));
	json_object_set_new(o, "service", st->service != NULL ?
	    json_string(st->service) : json_null());
	json_object_set_new(o, "operation", st->operation != NULL ?
	    json_string(st->operation) : json_null());
	json_object_set_new(o, "scanned", json_integer(
	    (json_int_t)st->scanned));
	json_object_set_new(o, "matched", json_integer((json_int_t)st->n));
	arr = json_array();
	for (i = 0; i < shown; i++)
		json_array_append_new(arr, slow_row_json(&st->rows[i]));
	json_object_set_new(o, "traces", arr);
	json_print(o);
}

static void
slow_print_table(struct ctx *c, struct slow_state *st, size_t shown)
{
	struct table	 tab;
	char		 id[40], start[40], dur[32], self[32], what[1024];
	char		 spans[16], root[512], svcs[1024], maxs[512];
	size_t		 i, k, row;
	int		 today;

	table_init(&tab, "TRACE ID|START|>DURATION|~ROOT|->SPANS|"
	    "~-SERVICES|ERR|~-LARGEST SELF TIME");
	for (i = 0, today = out.width > 0; i < shown; i++)
		today &= is_today_local(st->rows[i].start_us);
	for (i = 0; i < shown; i++) {
		struct slow_row *x = &st->rows[i];

		fmt_trace_id(x->hi, x->lo, id, sizeof(id));
		fmt_time_local(x->start_us, start, sizeof(start));
		if (today)
			memmove(start, start + 11, strlen(start + 11) + 1);
		fmt_duration(x->duration_us, dur, sizeof(dur));
		fmt_duration(x->max_self_us, self, sizeof(self));
		snprintf(spans, sizeof(spans), "%zu", x->nspans);
		snprintf(root, sizeof(root), "%s: %s", x->root_service,
		    x->root_operation);
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
		row = table_row(&tab, id, start, dur, root, spans, svcs,
		    x->nerrors > 0 ? "yes" : "", maxs);
		table_color(&tab, row, 2, C_YELLOW);
		if (x->nerrors > 0)
			table_color(&tab, row, 6, C_RED);
	}
	table_print(&tab, stdout);
	table_cleanup(&tab);
	fmt_duration(st->min_us, dur, sizeof(dur));
	searched(st, what, sizeof(what));
	printf("%s%zu trace%s took >= %s, of %zu searched (%s)",
	    color(C_DIM), st->n, st->n == 1 ? "" : "s", dur, st->scanned,
	    what);
	if (shown < st->n)
		printf("; the %zu slowest shown (--limit 0 for all)", shown);
	printf("%s\n", color(C_RESET));
	fmt_trace_id(st->rows[0].hi, st->rows[0].lo, id, sizeof(id));
	print_view_url(c, stdout, id);
}

int
cmd_slow(struct ctx *c, int argc, char *argv[])
{
	struct slow_state	 st;
	struct slow_args	 a;
	struct jaeger_query	 q;
	struct window		 w;
	struct jaeger		*j;
	int			 rc;
	char			*owner = NULL, what[1024], dur[32];
	size_t			 shown;

	memset(&st, 0, sizeof(st));
	st.min_us = 200 * USEC_PER_MSEC;
	st.service = DEFAULT_SERVICE;
	a.limit = 20;
	a.page = 1000;
	a.narrow = 1;
	a.service_given = 0;
	window_init(&w);
	if ((rc = slow_options(c, argc, argv, &st, &w, &a)) != -1)
		return (rc);
	j = ctx_jaeger(c);
	/* An operation without a service: the service that has it. */
	if (st.operation != NULL && !a.service_given &&
	    (rc = operation_service(j, st.operation, &st.service,
	    &owner)) != JAEGER_OK)
		return (jaeger_fail(c, rc));

	memset(&q, 0, sizeof(q));
	q.service = st.service;
	q.tags = st.f.tags;
	q.ntags = st.f.ntags;
	q.service_hint = 1;
	q.start_us = w.start_us;
	q.end_us = w.end_us;
	/*
	 * Narrow by Jaeger's minimum span duration, 1 us below ours: Jaeger
	 * compares nanoseconds, we microseconds rounded from both ends, so a
	 * trace of exactly N us may hold a root span of N - 0.x us.
	 */
	q.min_duration_us = a.narrow && st.min_us > 1 ? st.min_us - 1 : 0;
	q.page_limit = (size_t)a.page;
	if ((rc = jaeger_search(j, &q, slow_cb, &st)) != JAEGER_OK) {
		slow_free(&st);
		free(owner);
		return (jaeger_fail(c, rc));
	}
	if (st.n > 1)
		qsort(st.rows, st.n, sizeof(*st.rows), slow_cmp);
	shown = a.limit == 0 || (size_t)a.limit > st.n ? st.n :
	    (size_t)a.limit;
	if (j->truncated > 0)
		warnx("warning: %zu time window(s) held more traces than one "
		    "answer carries in a single microsecond; some may be "
		    "missing (raise --page)", j->truncated);

	if (out.json)
		slow_print_json(&st, &w, shown);
	else if (st.n > 0)
		slow_print_table(c, &st, shown);
	else {
		fmt_duration(st.min_us, dur, sizeof(dur));
		searched(&st, what, sizeof(what));
		warnx("no trace took >= %s, of %zu searched (%s)", dur,
		    st.scanned, what);
		if (st.service != NULL)
			hint_service(j, st.service);
	}
	rc = st.n > 0 ? EX_FOUND : EX_NOTHING;
	slow_free(&st);
	free(owner);
	return (rc);
}

int
cmd_show(struct ctx *c, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "attrs", no_argument, NULL, 'v' },
		{ "stats", no_argument, NULL, 'S' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct trace	*t;
	json_t		*o;
	char		 id[40];
	int		 ch, rc, attrs = 0, stats = 0;

	while ((ch = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'v':
			attrs = 1;
			break;
		case 'S':
			stats = 1;
			break;
		default:
			if ((rc = command_option(c, "show", ch, optarg)) != -1)
				return (rc);
		}
	}
	if (argc - optind != 1)
		return (usage_error("show", "want one TRACE_ID"));
	rc = jaeger_get_trace(ctx_jaeger(c), argv[optind], &t);
	if (rc != JAEGER_OK)
		return (jaeger_fail(c, rc));
	if (out.json) {
		o = trace_json(t, 1);
		if (stats)
			json_object_set_new(o, "statistics",
			    trace_stats_json(t));
		json_print(o);
	} else {
		if (stats)
			view_trace_stats(t, stdout);
		else
			view_trace_tree(t, stdout, attrs);
		print_view_url(c, stdout, trace_id_str(t, id, sizeof(id)));
	}
	trace_free(t);
	return (EX_FOUND);
}
