/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_top.c: the `top` view: per service and operation, request rate, error
 * rate and p50/p95/p99 from Jaeger's metrics API (RED metrics made from the
 * spans by Jaeger's spanmetrics connector and kept by Prometheus), worst
 * first, redrawn every few seconds on a terminal.
 */

#include <sys/types.h>

#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "red.h"
#include "tracectl.h"

#define TOP_MAX_SERVICES	64
#define TOP_MAX_KINDS		6

static volatile sig_atomic_t	top_stop;

static void
top_sigint(int sig)
{
	(void)sig;
	top_stop = 1;
}

struct top_opts {
	const char	*services[TOP_MAX_SERVICES];
	size_t		 nservices;
	const char	*kinds[TOP_MAX_KINDS];
	size_t		 nkinds;
	int64_t		 window_us;
	int64_t		 refresh_us;
	int		 have_refresh;
	int		 once;
	int		 sort;
	long		 limit;
};

static json_t *
p_json(double ms)
{
	return (ms < 0 ? json_null() : json_integer((json_int_t)(ms * 1000 +
	    0.5)));
}

static void
top_json(const struct top_opts *o, const struct red *r)
{
	json_t	*d, *arr, *x, *k;
	char	 t[64];
	size_t	 i;

	d = json_object();
	fmt_time_rfc3339(r->end_ms * 1000, 0, t, sizeof(t));
	json_object_set_new(d, "endTime", json_string(t));
	json_object_set_new(d, "windowS",
	    json_integer((json_int_t)(r->window_ms / 1000)));
	k = json_array();
	for (i = 0; i < o->nkinds; i++)
		json_array_append_new(k, json_string(o->kinds[i]));
	if (o->nkinds == 0)
		json_array_append_new(k, json_string("server"));
	json_object_set_new(d, "spanKinds", k);
	arr = json_array();
	for (i = 0; i < r->n && (o->limit == 0 || i < (size_t)o->limit); i++) {
		x = json_object();
		json_object_set_new(x, "service",
		    json_string(r->rows[i].service));
		json_object_set_new(x, "operation",
		    json_string(r->rows[i].operation));
		json_object_set_new(x, "ratePerSecond",
		    json_real(r->rows[i].rate));
		json_object_set_new(x, "errorRate",
		    json_real(r->rows[i].errors));
		json_object_set_new(x, "p50Us", p_json(r->rows[i].p[0]));
		json_object_set_new(x, "p95Us", p_json(r->rows[i].p[1]));
		json_object_set_new(x, "p99Us", p_json(r->rows[i].p[2]));
		json_array_append_new(arr, x);
	}
	json_object_set_new(d, "operations", arr);
	json_object_set_new(d, "idle", json_integer((json_int_t)r->idle));
	json_print(d);
}

static void
top_table(const struct top_opts *o, const struct red *r)
{
	struct table	 tab;
	char		 rate[32], err[32], p50[32], p95[32], p99[32];
	size_t		 i, row;

	table_init(&tab, "~SERVICE|~OPERATION|>REQ/S|>ERR%|>P50|>P95|>P99");
	for (i = 0; i < r->n && (o->limit == 0 || i < (size_t)o->limit); i++) {
		const struct red_row *x = &r->rows[i];

		snprintf(rate, sizeof(rate), x->rate < 10 ? "%.2f" : "%.1f",
		    x->rate);
		snprintf(err, sizeof(err), "%.1f%%", 100 * x->errors);
		red_fmt_ms(x->p[0], p50, sizeof(p50));
		red_fmt_ms(x->p[1], p95, sizeof(p95));
		red_fmt_ms(x->p[2], p99, sizeof(p99));
		row = table_row(&tab, x->service, x->operation, rate, err,
		    p50, p95, p99);
		if (x->errors > 0)
			table_color(&tab, row, 3, C_RED);
	}
	table_print(&tab, stdout);
	table_cleanup(&tab);
}

/* The services to ask for: those given, or every one Jaeger knows. */
static int
top_services(struct ctx *c, struct top_opts *o, char ***known, size_t *nknown)
{
	size_t	 i;
	int	 rc;

	*known = NULL;
	*nknown = 0;
	if (o->nservices > 0)
		return (JAEGER_OK);
	if ((rc = jaeger_services(ctx_jaeger(c), known, nknown)) != JAEGER_OK)
		return (rc);
	for (i = 0; i < *nknown && o->nservices < TOP_MAX_SERVICES; i++)
		o->services[o->nservices++] = (*known)[i];
	return (JAEGER_OK);
}

/* What a failed fetch means, for people. */
static void
top_explain(struct ctx *c, int rc)
{
	if (rc == JAEGER_ENOMETRICS)
		warnx("%s\ntracectl: Jaeger has no metrics storage: run its "
		    "query with conf/spm-query.yaml and Prometheus (make up "
		    "does, unless PROMETHEUS=off)", c->j.error);
	else if (rc == JAEGER_ESERVER)
		warnx("%s\ntracectl: Jaeger could not read the span metrics "
		    "(is Prometheus up? traces are not affected)", c->j.error);
	else
		warnx("%s", c->j.error);
}

static int
top_once(struct ctx *c, struct top_opts *o)
{
	struct red	 r;
	char		 w[32];
	int		 rc;

	rc = red_fetch(ctx_jaeger(c), o->services, o->nservices, o->kinds,
	    o->nkinds, o->window_us / 1000, &r);
	if (rc != JAEGER_OK) {
		top_explain(c, rc);
		return (rc == JAEGER_EQUERY ? EX_USAGEERR : EX_UNREACH);
	}
	red_sort(&r, o->sort);
	if (out.json)
		top_json(o, &r);
	else if (r.n > 0)
		top_table(o, &r);
	if (r.n == 0 && !out.json) {
		fmt_duration(o->window_us, w, sizeof(w));
		warnx("no calls in the last %s in %zu service%s (%zu operation%s "
		    "idle); span metrics lag by the flush and scrape intervals",
		    w, o->nservices, o->nservices == 1 ? "" : "s", r.idle,
		    r.idle == 1 ? "" : "s");
	}
	rc = r.n > 0 ? EX_FOUND : EX_NOTHING;
	red_cleanup(&r);
	return (rc);
}

/*
 * Until Ctrl-C, every --refresh: on a terminal the screen is redrawn; off
 * one (or with --json) each round is printed after the last.  A failure is
 * shown, not fatal: Jaeger or Prometheus may come back.
 */
static int
top_live(struct ctx *c, struct top_opts *o, int redraw)
{
	struct red		 r;
	struct sigaction	 sa;
	struct timespec		 ts;
	char			 w[32], t[64], rf[32];
	int			 rc;
	int64_t			 left;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = top_sigint;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	fmt_duration(o->window_us, w, sizeof(w));
	fmt_duration(o->refresh_us, rf, sizeof(rf));
	while (!top_stop) {
		rc = red_fetch(ctx_jaeger(c), o->services, o->nservices,
		    o->kinds, o->nkinds, o->window_us / 1000, &r);
		if (rc == JAEGER_OK)
			red_sort(&r, o->sort);
		if (!out.json) {
			fmt_time_local(now_us(), t, sizeof(t));
			printf("%s%stracectl top%s  %s  rates over %s, %s "
			    "spans, every %s%s  %s\n\n", redraw ?
			    "\033[H\033[2J" : "", color(C_BOLD),
			    color(C_RESET), c->j.base, w, o->nkinds == 0 ?
			    "server" : o->nkinds == TOP_MAX_KINDS ? "all" :
			    o->kinds[0], rf, redraw ? " (Ctrl-C quits)" : "",
			    t);
		}
		if (rc != JAEGER_OK) {
			fflush(stdout);
			top_explain(c, rc);
		} else {
			if (out.json)
				top_json(o, &r);
			else if (r.n > 0)
				top_table(o, &r);
			else
				printf("no calls in the last %s (%zu "
				    "operation%s idle)\n", w, r.idle,
				    r.idle == 1 ? "" : "s");
			red_cleanup(&r);
		}
		if (!redraw && !out.json)
			printf("\n");
		if (fflush(stdout) == EOF)
			err(EX_INTERNAL, "stdout");
		for (left = o->refresh_us; left > 0 && !top_stop;
		    left -= 100000) {
			ts.tv_sec = 0;
			ts.tv_nsec = 100000000L;
			(void)nanosleep(&ts, NULL);
		}
	}
	return (EX_FOUND);
}

/* --span-kind NAME or all, repeatable: -1 if NAME is no kind. */
static int
top_kind(struct top_opts *o, const char *name)
{
	static const char *const all_kinds[TOP_MAX_KINDS] = { "server",
	    "client", "internal", "producer", "consumer", "unspecified" };
	size_t	i;

	if (strcmp(name, "all") == 0) {
		for (i = 0; i < TOP_MAX_KINDS; i++)
			o->kinds[i] = all_kinds[i];
		o->nkinds = TOP_MAX_KINDS;
		return (0);
	}
	for (i = 0; i < TOP_MAX_KINDS; i++)
		if (strcmp(name, all_kinds[i]) == 0)
			break;
	if (i == TOP_MAX_KINDS)
		return (-1);
	if (o->nkinds < TOP_MAX_KINDS)
		o->kinds[o->nkinds++] = all_kinds[i];
	return (0);
}

/* -1: go on; otherwise the exit status. */
static int
top_options(struct ctx *c, int argc, char *argv[], struct top_opts *o)
{
	static const struct option longopts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "window", required_argument, NULL, 'w' },
		{ "span-kind", required_argument, NULL, 'k' },
		{ "sort", required_argument, NULL, 'o' },
		{ "limit", required_argument, NULL, 'n' },
		{ "refresh", required_argument, NULL, 'r' },
		{ "once", no_argument, NULL, '1' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, rc;
	char	*end;

	while ((ch = getopt_long(argc, argv, "hs:n:", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (o->nservices == TOP_MAX_SERVICES)
				return (usage_error("top", "at most %d "
				    "--service", TOP_MAX_SERVICES));
			o->services[o->nservices++] = optarg;
			break;
		case 'w':
			if (parse_duration(optarg, USEC_PER_SEC,
			    &o->window_us) == -1 ||
			    o->window_us < 10 * USEC_PER_SEC ||
			    o->window_us > 30LL * 86400 * USEC_PER_SEC)
				return (usage_error("top", "--window: %s: "
				    "want a duration from 10s to 30d (at least "
				    "two scrapes)", optarg));
			break;
		case 'k':
			if (top_kind(o, optarg) == -1)
				return (usage_error("top", "--span-kind: %s: "
				    "want server, client, internal, producer, "
				    "consumer, unspecified or all", optarg));
			break;
		case 'o':
			if ((o->sort = red_sort_parse(optarg)) == -1)
				return (usage_error("top", "--sort: %s: want "
				    "worst, rate, p99 or name", optarg));
			break;
		case 'n':
			o->limit = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || o->limit < 0 ||
			    o->limit > 100000)
				return (usage_error("top", "--limit: %s: "
				    "want a number from 0 (all) to 100000",
				    optarg));
			break;
		case 'r':
			if (parse_duration(optarg, USEC_PER_SEC,
			    &o->refresh_us) == -1 ||
			    o->refresh_us < USEC_PER_SEC / 2 ||
			    o->refresh_us > 3600 * USEC_PER_SEC)
				return (usage_error("top", "--refresh: %s: "
				    "want a duration from 500ms to 1h", optarg));
			o->have_refresh = 1;
			break;
		case '1':
			o->once = 1;
			break;
		default:
			if ((rc = command_option(c, "top", ch, optarg)) != -1)
				return (rc);
		}
	}
	if (optind < argc)
		return (usage_error("top", "unexpected argument: %s",
		    argv[optind]));
	if (o->once && o->have_refresh)
		return (usage_error("top", "--once and --refresh exclude each "
		    "other"));
	return (-1);
}

int
cmd_top(struct ctx *c, int argc, char *argv[])
{
	struct top_opts	 o;
	char		**known;
	size_t		 nknown;
	int		 rc, tty;

	memset(&o, 0, sizeof(o));
	o.window_us = 60 * USEC_PER_SEC;
	o.refresh_us = 5 * USEC_PER_SEC;
	if ((rc = top_options(c, argc, argv, &o)) != -1)
		return (rc);
	if ((rc = top_services(c, &o, &known, &nknown)) != JAEGER_OK)
		return (jaeger_fail(c, rc));
	if (o.nservices == 0) {
		warnx("Jaeger at %s knows no services yet", c->j.base);
		return (EX_NOTHING);
	}
	/*
	 * Live on a terminal; once for a pipe, --json or --once, unless
	 * --refresh asks for rounds.
	 */
	tty = isatty(STDOUT_FILENO) && !out.json;
	if (o.once || (!tty && !o.have_refresh))
		rc = top_once(c, &o);
	else
		rc = top_live(c, &o, tty);
	jaeger_free_strings(known, nknown);
	return (rc);
}
