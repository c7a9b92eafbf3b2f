/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_stats.c: the `stats` view: per service and operation over a time
 * window, span count, error rate and p50/p90/p99/max durations.
 */

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "tracectl.h"

struct stats_state {
	struct stats		 st;
	struct filter_opts	 f;
	const char		*service;
};

static int
stats_cb(struct trace *t, void *arg)
{
	struct stats_state	*ss = arg;

	if (ss->service != NULL && !trace_has_service(t, ss->service))
		return (0);
	if (!filter_duration_ok(&ss->f, t))
		return (0);
	stats_add_trace(&ss->st, t, ss->service);
	return (0);
}

/* -1: go on; otherwise the exit status. */
static int
stats_options(struct ctx *c, int argc, char *argv[], struct stats_state *ss,
    struct window *w)
{
	static const struct option longopts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "start", required_argument, NULL, 'A' },
		{ "end", required_argument, NULL, 'B' },
		FILTER_LONGOPTS,
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int	ch, rc;

	while ((ch = getopt_long(argc, argv, "hs:", longopts, NULL)) != -1) {
		if ((rc = window_option(w, ch, optarg)) != 0 ||
		    (rc = filter_option(&ss->f, ch, optarg)) != 0) {
			if (rc == -1)
				return (usage_error("stats", NULL));
			continue;
		}
		switch (ch) {
		case 's':
			ss->service = strcmp(optarg, "all") == 0 ? NULL :
			    optarg;
			break;
		default:
			if ((rc = command_option(c, "stats", ch, optarg)) != -1)
				return (rc);
		}
	}
	if (optind < argc)
		return (usage_error("stats", "unexpected argument: %s",
		    argv[optind]));
	if ((rc = window_finish(w, "stats")) != 0)
		return (rc);
	return (-1);
}

static void
stats_print_json(const struct stats *st)
{
	json_t	*o, *arr, *r;
	size_t	 i;

	o = json_object();
	json_object_set_new(o, "traces", json_integer((json_int_t)st->traces));
	json_object_set_new(o, "spans", json_integer((json_int_t)st->spans));
	json_object_set_new(o, "percentiles", json_string("nearest-rank"));
	arr = json_array();
	for (i = 0; i < st->nops; i++) {
		const struct op_stat *x = &st->ops[i];

		r = json_object();
		json_object_set_new(r, "service", json_string(x->service));
		json_object_set_new(r, "operation", json_string(x->operation));
		json_object_set_new(r, "count", json_integer((json_int_t)x->n));
		json_object_set_new(r, "errors",
		    json_integer((json_int_t)x->errors));
		json_object_set_new(r, "errorRate", json_real(x->n ?
		    (double)x->errors / (double)x->n : 0));
		json_object_set_new(r, "p50Us", json_integer(x->p50));
		json_object_set_new(r, "p90Us", json_integer(x->p90));
		json_object_set_new(r, "p99Us", json_integer(x->p99));
		json_object_set_new(r, "maxUs", json_integer(x->max));
		json_array_append_new(arr, r);
	}
	json_object_set_new(o, "operations", arr);
	json_print(o);
}

static void
stats_print_table(const struct stats *st)
{
	struct table	tab;
	size_t		i, row;
	char		n[32], e[32], pct[32], p50[32], p90[32], p99[32];
	char		mx[32];

	table_init(&tab, "~SERVICE|~OPERATION|>COUNT|>ERRORS|>ERR%|>P50|"
	    ">P90|>P99|>MAX");
	for (i = 0; i < st->nops; i++) {
		const struct op_stat *x = &st->ops[i];

		snprintf(n, sizeof(n), "%zu", x->n);
		snprintf(e, sizeof(e), "%zu", x->errors);
		snprintf(pct, sizeof(pct), "%.1f%%", x->n ?
		    100.0 * (double)x->errors / (double)x->n : 0.0);
		fmt_duration(x->p50, p50, sizeof(p50));
		fmt_duration(x->p90, p90, sizeof(p90));
		fmt_duration(x->p99, p99, sizeof(p99));
		fmt_duration(x->max, mx, sizeof(mx));
		row = table_row(&tab, x->service, x->operation, n, e, pct, p50,
		    p90, p99, mx);
		if (x->errors > 0) {
			table_color(&tab, row, 3, C_RED);
			table_color(&tab, row, 4, C_RED);
		}
	}
	table_print(&tab, stdout);
	table_cleanup(&tab);
	printf("%s%zu trace%s, %zu span%s; nearest-rank percentiles%s\n",
	    color(C_DIM), st->traces, st->traces == 1 ? "" : "s", st->spans,
	    st->spans == 1 ? "" : "s", color(C_RESET));
}

int
cmd_stats(struct ctx *c, int argc, char *argv[])
{
	struct stats_state	 ss;
	struct jaeger_query	 q;
	struct window		 w;
	int			 rc;
	char			 fd[600];

	memset(&ss, 0, sizeof(ss));
	stats_init(&ss.st);
	window_init(&w);
	if ((rc = stats_options(c, argc, argv, &ss, &w)) != -1)
		return (rc);
	memset(&q, 0, sizeof(q));
	q.service = ss.service;
	q.tags = ss.f.tags;
	q.ntags = ss.f.ntags;
	q.start_us = w.start_us;
	q.end_us = w.end_us;
	q.page_limit = 1000;
	if ((rc = jaeger_search(ctx_jaeger(c), &q, stats_cb, &ss)) !=
	    JAEGER_OK) {
		stats_cleanup(&ss.st);
		return (jaeger_fail(c, rc));
	}
	stats_finish(&ss.st);
	if (out.json)
		stats_print_json(&ss.st);
	else if (ss.st.nops > 0)
		stats_print_table(&ss.st);
	else {
		filter_describe(&ss.f, fd, sizeof(fd));
		warnx("no spans in the window (%zu trace%s searched%s%s%s%s)",
		    ss.st.traces, ss.st.traces == 1 ? "" : "s",
		    ss.service != NULL ? ", service " : "",
		    ss.service != NULL ? ss.service : "",
		    fd[0] != '\0' ? "; filters: " : "", fd);
	}
	rc = ss.st.nops > 0 ? EX_FOUND : EX_NOTHING;
	stats_cleanup(&ss.st);
	return (rc);
}
