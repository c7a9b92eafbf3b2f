/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c: tracectl's entry point: global options, the command table, usage
 * texts, and the option handling all commands share (URLs, timeout, colour,
 * API choice, time windows).
 */

#include <sys/types.h>

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracectl.h"

static const struct command {
	const char	*name;
	int		(*run)(struct ctx *, int, char **);
	const char	*synopsis;
	const char	*help;
} commands[] = {
	{ "slow", cmd_slow,
	  "slow [--ms N] [--max-ms N] [--service S] [--operation O] "
	  "[--tag K=V]... [--since D | --start T --end T] [--limit N] "
	  "[--no-narrow] [--page N]",
	  "List traces whose whole duration is at least N ms (default 200),\n"
	  "slowest first.  --service/--operation keep traces that contain such\n"
	  "a span (default service: " DEFAULT_SERVICE "; \"all\" for any;\n"
	  "an --operation alone searches the service that has it).  --tag\n"
	  "keeps traces with a span carrying the attribute (Jaeger's legacy\n"
	  "search); --max-ms an upper bound on the trace's duration.\n"
	  "Jaeger's minimum duration only narrows the search; --no-narrow\n"
	  "fetches every trace in the window and decides locally.\n"
	  "--limit N prints the N slowest (default 20, 0 for all).\n" },
	{ "show", cmd_show,
	  "show TRACE_ID [--attrs] [--stats]",
	  "Print a trace's span tree: start offset, duration, self time,\n"
	  "status; '*' marks the critical path.  --attrs (-v): each span's\n"
	  "attributes and events under it.  --stats: per service and\n"
	  "operation, count, errors, total, average, max and self time.\n" },
	{ "diff", cmd_diff,
	  "diff TRACE_A TRACE_B",
	  "Compare two traces per service and operation: span counts and\n"
	  "total durations in each, the change, and what is in one only;\n"
	  "the largest change first (Jaeger UI's trace comparison).\n" },
	{ "logs", cmd_logs,
	  "logs TRACE_ID [--dir D]",
	  "The services' JSON log lines of one trace, from every *.log of the\n"
	  "stack's log directory (--dir, else TRACECTL_LOG_DIR, else\n"
	  "$RUN_DIR/log, else .run/log), merged in time order.\n" },
	{ "services", cmd_services,
	  "services",
	  "List the services Jaeger knows.\n" },
	{ "ops", cmd_ops,
	  "ops SERVICE",
	  "List a service's operations and their span kinds.\n" },
	{ "stats", cmd_stats,
	  "stats [--service S] [--tag K=V]... [--max-ms N] [--since D | "
	  "--start T --end T]",
	  "Per service and operation: span count, error rate, p50, p90, p99\n"
	  "and max duration (nearest-rank percentiles).\n" },
	{ "top", cmd_top,
	  "top [--service S]... [--window D] [--span-kind K] [--sort worst|rate|"
	  "p99|name] [--limit N] [--refresh D | --once]",
	  "RED metrics per service and operation: requests/s, error rate and\n"
	  "p50/p95/p99 over the last --window (default 1m), from Jaeger's\n"
	  "metrics API (spanmetrics -> Prometheus), worst first (errors, then\n"
	  "p99).  Server spans unless --span-kind (repeatable; \"all\").  On a\n"
	  "terminal it redraws every --refresh (5s) until Ctrl-C; otherwise it\n"
	  "prints once (with --refresh, a round every D).\n" },
	{ "errors", cmd_errors,
	  "errors [--service S] [--tag K=V]... [--max-ms N] [--since D | "
	  "--start T --end T] [--limit N] [--by-trace]",
	  "Error spans grouped by service, operation and error: how many, in\n"
	  "how many traces, last seen, an example trace; the most frequent\n"
	  "first (--limit N groups, default 20, 0 for all).  --by-trace: one\n"
	  "line per error span, newest trace first.  The error is the span's\n"
	  "status message, else its exception's, else error.type, else the\n"
	  "HTTP status.\n" },
	{ "deps", cmd_deps,
	  "deps [--since D] [--table]",
	  "The service graph with call counts, drawn as trees from the\n"
	  "services no other calls (a service calling itself left out);\n"
	  "--table: one line per edge.\n" },
	{ "browse", cmd_browse,
	  "browse [TRACE_ID] [--service S] [--operation O] [--min-duration D] "
	  "[--max-duration D] [--tag K=V]... [--errors] [--since D] [--end T] "
	  "[--limit N] [--sort start|duration] [--refresh D] [--ascii]",
	  "A terminal trace browser (curses).  Without TRACE_ID it opens the\n"
	  "search form (the options fill it in); with one, that trace's\n"
	  "waterfall: collapsible span tree, bars on a timeline, self time,\n"
	  "critical path, errors, span detail, in-trace search.  ? lists the\n"
	  "keys.  --ascii: no UTF-8 glyphs; --color never: monochrome.\n" },
	{ "order", cmd_order,
	  "order submit [--sku S --qty N --price P]... [--user N] "
	  "[--email E] [--file F|-] [--wait [--wait-timeout D]] [--count N "
	  "[--concurrency C] [--rate R]]",
	  "Place an order through the gateway; print order id, trace id,\n"
	  "status and latency.  --wait then shows its trace from Jaeger.\n"
	  "--count N makes it a load generator (summary with orders/s,\n"
	  "p50/p90/p99 latency and errors by kind).\n" },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const char common_help[] =
    "Common options (before or after the command):\n"
    "  --jaeger URL     Jaeger query (TRACECTL_JAEGER_URL, default "
    DEFAULT_JAEGER ")\n"
    "  --gateway URL    order gateway (TRACECTL_GATEWAY_URL, default "
    DEFAULT_GATEWAY ")\n"
    "  --timeout D      per request, e.g. 10s (default 30s)\n"
    "  --api A          auto, v3 or legacy (default auto: v3 when served)\n"
    "  --json           machine-readable output\n"
    "  --color WHEN     auto, always or never (NO_COLOR is honoured)\n"
    "  --verbose        print each request to stderr\n"
    "  --wide           tables at full width (on a terminal they fit it)\n"
    "  --width N        tables fit N columns\n"
    "Time: D is a duration (500ms, 90s, 15m, 1h, 2d); T is RFC 3339\n"
    "(2026-11-24T19:00:00Z), \"now\" or -D (ago).\n"
    "Exit: 0 found/done, 1 nothing found, 2 usage, 3 Jaeger or gateway\n"
    "unreachable or failing, 4 tracectl itself failing (memory, output).\n";

void
usage_cmd(FILE *fp, const char *name)
{
	size_t	 i;

	if (name == NULL) {
		fprintf(fp, "usage: tracectl [common options] command [args]\n"
		    "\nCommands:\n");
		for (i = 0; i < NCOMMANDS; i++)
			fprintf(fp, "  tracectl %s\n", commands[i].synopsis);
		fprintf(fp, "\n%s\nSee tracectl(1) and tracectl CMD --help.\n",
		    common_help);
		return;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0) {
			fprintf(fp, "usage: tracectl %s\n\n%s\n%s",
			    commands[i].synopsis, commands[i].help,
			    common_help);
			return;
		}
}

int
usage_error(const char *cmd, const char *fmt, ...)
{
	va_list	 ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vwarnx(fmt, ap);
		va_end(ap);
	}
	fprintf(stderr, "Try 'tracectl %s%s--help'.\n", cmd != NULL ? cmd : "",
	    cmd != NULL ? " " : "");
	return (EX_USAGEERR);
}

int
common_option(struct ctx *c, int ch, const char *arg)
{
	int64_t	 us;
	long	 n;
	char	*end;

	switch (ch) {
	case OPT_JSON:
		out.json = 1;
		return (0);
	case OPT_JAEGER:
		c->jaeger_url = arg;
		return (0);
	case OPT_GATEWAY:
		c->gateway_url = arg;
		return (0);
	case OPT_TIMEOUT:
		if (parse_duration(arg, USEC_PER_SEC, &us) == -1 ||
		    us < 1000 || us > 3600 * USEC_PER_SEC) {
			warnx("--timeout: %s: want a duration from 1ms to 1h "
			    "(e.g. 10s)", arg);
			return (-1);
		}
		c->timeout_ms = (long)(us / 1000);
		return (0);
	case OPT_COLOR:
		if (output_init(arg) == -1) {
			warnx("--color: %s: want auto, always or never", arg);
			return (-1);
		}
		return (0);
	case OPT_API:
		if (strcmp(arg, "auto") == 0)
			c->api = JAEGER_API_AUTO;
		else if (strcmp(arg, "v3") == 0)
			c->api = JAEGER_API_V3;
		else if (strcmp(arg, "legacy") == 0)
			c->api = JAEGER_API_LEGACY;
		else {
			warnx("--api: %s: want auto, v3 or legacy", arg);
			return (-1);
		}
		return (0);
	case OPT_VERBOSE:
		c->verbose = 1;
		return (0);
	case OPT_WIDE:
		out.width = 0;
		return (0);
	case OPT_WIDTH:
		n = strtol(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || n < 40 || n > 10000) {
			warnx("--width: %s: want a number of columns from 40 "
			    "to 10000", arg);
			return (-1);
		}
		out.width = (int)n;
		return (0);
	case OPT_HELP:
		return (1);
	}
	warnx("unknown option");
	return (-1);
}

int
command_option(struct ctx *c, const char *cmd, int ch, const char *arg)
{
	int	 rc;

	switch (ch) {
	case 'h':
		usage_cmd(stdout, cmd);
		return (EX_FOUND);
	case '?':
		return (usage_error(cmd, NULL));
	}
	if ((rc = common_option(c, ch, arg)) == 1) {
		usage_cmd(stdout, cmd);
		return (EX_FOUND);
	}
	if (rc == -1)
		return (usage_error(cmd, NULL));
	return (-1);
}

struct jaeger *
ctx_jaeger(struct ctx *c)
{
	if (!c->jaeger_ready) {
		jaeger_init(&c->j, c->jaeger_url, c->timeout_ms, c->api);
		c->j.verbose = c->verbose;
		c->j.http.verbose = 0;
		c->jaeger_ready = 1;
	}
	return (&c->j);
}

int
jaeger_fail(struct ctx *c, int rc)
{
	warnx("%s", c->j.error);
	switch (rc) {
	case JAEGER_NOTFOUND:
		return (EX_NOTHING);
	case JAEGER_EQUERY:
		return (EX_USAGEERR);
	default:
		return (EX_UNREACH);
	}
}

int
filter_option(struct filter_opts *f, int ch, const char *arg)
{
	const char	*eq;

	switch (ch) {
	case OPT_TAG:
		eq = strchr(arg, '=');
		if (eq == NULL || eq == arg || strlen(arg) > 512) {
			warnx("--tag: %s: want key=value (e.g. "
			    "order.outcome=out_of_stock)", arg);
			return (-1);
		}
		if (f->ntags == FILTER_MAX_TAGS) {
			warnx("--tag: at most %d", FILTER_MAX_TAGS);
			return (-1);
		}
		f->tags[f->ntags++] = arg;
		return (1);
	case OPT_MAX_MS:
		if (parse_duration(arg, USEC_PER_MSEC, &f->max_us) == -1 ||
		    f->max_us <= 0) {
			warnx("--max-ms: %s: not a number of milliseconds (or "
			    "a duration like 1.5s)", arg);
			return (-1);
		}
		return (1);
	}
	return (0);
}

int
filter_duration_ok(const struct filter_opts *f, const struct trace *t)
{
	return (f->max_us <= 0 || t->duration_us <= f->max_us);
}

void
filter_describe(const struct filter_opts *f, char *b, size_t n)
{
	char	 d[32];
	size_t	 i, o;

	b[0] = '\0';
	o = 0;
	for (i = 0; i < f->ntags && o < n; i++)
		o += (size_t)snprintf(b + o, n - o, "%s%s", o > 0 ? ", " : "",
		    f->tags[i]);
	if (f->max_us > 0 && o < n) {
		fmt_duration(f->max_us, d, sizeof(d));
		(void)snprintf(b + o, n - o, "%sat most %s", o > 0 ? ", " : "",
		    d);
	}
}

void
window_init(struct window *w)
{
	memset(w, 0, sizeof(*w));
	w->since_us = 3600 * USEC_PER_SEC;
}

/* Returns 1 if ch is a window option, 0 if not, -1 on a bad value. */
int
window_option(struct window *w, int ch, const char *arg)
{
	int64_t	 now = now_us();

	switch (ch) {
	case 'S':
		if (parse_duration(arg, USEC_PER_SEC, &w->since_us) == -1 ||
		    w->since_us <= 0) {
			warnx("--since: %s: not a duration (e.g. 30m, 1h, 2d)",
			    arg);
			return (-1);
		}
		w->have_since = 1;
		return (1);
	case 'A':
		if (parse_time(arg, now, &w->start_us) == -1) {
			warnx("--start: %s: not a time (RFC 3339, now, or "
			    "-DURATION)", arg);
			return (-1);
		}
		w->have_start = 1;
		return (1);
	case 'B':
		if (parse_time(arg, now, &w->end_us) == -1) {
			warnx("--end: %s: not a time (RFC 3339, now, or "
			    "-DURATION)", arg);
			return (-1);
		}
		w->have_end = 1;
		return (1);
	}
	return (0);
}

int
window_finish(struct window *w, const char *cmd)
{
	int64_t	 now = now_us();

	if (w->have_since && (w->have_start || w->have_end))
		return (usage_error(cmd, "--since and --start/--end exclude "
		    "each other"));
	if (!w->have_end)
		w->end_us = now;
	if (!w->have_start)
		w->start_us = w->end_us - w->since_us;
	if (w->start_us >= w->end_us)
		return (usage_error(cmd, "the window's start is not before "
		    "its end"));
	return (0);
}

/*
 * At every exit: what stdout could not take is a failure of tracectl (a
 * full disk, a closed pipe), not a success (gnulib's close_stdout).
 */
static void
check_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("stdout");
		_Exit(EX_INTERNAL);
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctx	 c;
	const char	*env;
	size_t		 i;
	int		 ch, rc;

	memset(&c, 0, sizeof(c));
	if (atexit(check_stdout) != 0)
		errx(EX_INTERNAL, "atexit failed");
	output_init("auto");
	c.jaeger_url = (env = getenv("TRACECTL_JAEGER_URL")) != NULL &&
	    *env != '\0' ? env : DEFAULT_JAEGER;
	c.gateway_url = (env = getenv("TRACECTL_GATEWAY_URL")) != NULL &&
	    *env != '\0' ? env : DEFAULT_GATEWAY;
	c.timeout_ms = 30000;
	c.api = JAEGER_API_AUTO;

	/* Global options stop at the command name. */
	while ((ch = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage_cmd(stdout, NULL);
			return (EX_FOUND);
		case 'V':
			printf("tracectl %s\n", TRACECTL_VERSION);
			return (EX_FOUND);
		case '?':
			return (usage_error(NULL, NULL));
		default:
			if ((rc = common_option(&c, ch, optarg)) == 1) {
				usage_cmd(stdout, NULL);
				return (EX_FOUND);
			}
			if (rc == -1)
				return (usage_error(NULL, NULL));
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage_cmd(stderr, NULL);
		return (EX_USAGEERR);
	}
	if (strcmp(argv[0], "help") == 0) {
		usage_cmd(stdout, argc > 1 ? argv[1] : NULL);
		return (EX_FOUND);
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			break;
	if (i == NCOMMANDS)
		return (usage_error(NULL, "%s: no such command", argv[0]));

	http_global_init();
	optind = 0;	/* glibc: start getopt afresh on the command argv */
	rc = commands[i].run(&c, argc, argv);
	if (c.jaeger_ready)
		jaeger_cleanup(&c.j);
	http_global_cleanup();
	if (fflush(stdout) == EOF)
		err(EX_INTERNAL, "stdout");
	return (rc);
}
