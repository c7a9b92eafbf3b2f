/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tracectl.h: what the command files share: the run context (URLs, timeout,
 * API choice), exit codes, common options, and one entry point per command.
 */
#ifndef TRACECTL_H
#define TRACECTL_H

#include <getopt.h>
#include <stdint.h>

#include "jaeger.h"
#include "model.h"
#include "output.h"

#define EX_FOUND	0	/* found or done */
#define EX_NOTHING	1	/* nothing found where that matters */
#define EX_USAGEERR	2	/* bad command line */
#define EX_UNREACH	3	/* cannot reach Jaeger or the gateway */
/* EX_INTERNAL (4, util.h): out of memory, output failing. */

#define DEFAULT_JAEGER	"http://127.0.0.1:16686"
#define DEFAULT_GATEWAY	"http://127.0.0.1:8080"
#define DEFAULT_SERVICE	"api-gateway"

struct ctx {
	const char	*jaeger_url;
	const char	*gateway_url;
	long		 timeout_ms;
	int		 api;
	int		 verbose;
	int		 jaeger_ready;
	struct jaeger	 j;
};

/* Long options every command takes, with their codes. */
enum {
	OPT_JSON = 1000,
	OPT_JAEGER,
	OPT_GATEWAY,
	OPT_TIMEOUT,
	OPT_COLOR,
	OPT_API,
	OPT_VERBOSE,
	OPT_HELP,
	OPT_WIDE,
	OPT_WIDTH,
	OPT_TAG,
	OPT_MAX_MS
};

#define COMMON_LONGOPTS						\
	{ "json", no_argument, NULL, OPT_JSON },		\
	{ "jaeger", required_argument, NULL, OPT_JAEGER },	\
	{ "gateway", required_argument, NULL, OPT_GATEWAY },	\
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },	\
	{ "color", required_argument, NULL, OPT_COLOR },	\
	{ "colour", required_argument, NULL, OPT_COLOR },	\
	{ "api", required_argument, NULL, OPT_API },		\
	{ "verbose", no_argument, NULL, OPT_VERBOSE },		\
	{ "wide", no_argument, NULL, OPT_WIDE },		\
	{ "width", required_argument, NULL, OPT_WIDTH },	\
	{ "help", no_argument, NULL, OPT_HELP }

/*
 * Handle a common option; returns 0 if handled, 1 for --help, -1 for a bad
 * value (message printed).
 */
int		 common_option(struct ctx *, int, const char *);
/*
 * What every command does with an option it does not know itself: -h and
 * --help print its usage (exit 0), a bad option says so (2), the common
 * ones are taken.  -1: taken, go on; else the exit code to return.
 */
int		 command_option(struct ctx *, const char *, int, const char *);
/* The Jaeger client, set up on first use. */
struct jaeger	*ctx_jaeger(struct ctx *);
/* Report a Jaeger failure; returns the exit code for it. */
int		 jaeger_fail(struct ctx *, int);
/* Print the usage of one command (or all with NULL) to fp. */
void		 usage_cmd(FILE *, const char *);
int		 usage_error(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* A time window from --since/--start/--end. */
struct window {
	int64_t	 start_us, end_us;
	int	 have_since, have_start, have_end;
	int64_t	 since_us;
};
/*
 * --tag key=value (repeatable: all must match, in one span as Jaeger
 * matches them) and --max-ms, shared by the search commands.
 */
#define FILTER_MAX_TAGS	16
struct filter_opts {
	const char	*tags[FILTER_MAX_TAGS];
	size_t		 ntags;
	int64_t		 max_us;	/* 0: none */
};
#define FILTER_LONGOPTS						\
	{ "tag", required_argument, NULL, OPT_TAG },		\
	{ "max-ms", required_argument, NULL, OPT_MAX_MS }
/* 1 if ch was a filter option, 0 if not, -1 on a bad value (said). */
int		 filter_option(struct filter_opts *, int, const char *);
/* Whether a trace's whole duration is within --max-ms. */
int		 filter_duration_ok(const struct filter_opts *,
		    const struct trace *);
/* What the filters were, for "nothing found" lines ("" if none). */
void		 filter_describe(const struct filter_opts *, char *, size_t);
#define WINDOW_LONGOPTS						\
	{ "since", required_argument, NULL, 'S' },		\
	{ "start", required_argument, NULL, 'A' },		\
	{ "end", required_argument, NULL, 'B' }
void		 window_init(struct window *);
int		 window_option(struct window *, int, const char *);
int		 window_finish(struct window *, const char *);

/* view_trace.c: a trace as a tree and as JSON. */
/* The span tree; attrs: each span's attributes and events under it. */
void		 view_trace_tree(const struct trace *, FILE *, int);
/* Per service and operation: count, errors, total, max and self time. */
void		 view_trace_stats(const struct trace *, FILE *);
json_t		*trace_stats_json(const struct trace *);
json_t		*trace_json(const struct trace *, int);
const char	*trace_id_str(const struct trace *, char *, size_t);
/*
 * "view: JAEGER/trace/ID": the trace's page in the web viewer that Jaeger's
 * query serves on the same address (viewer/, ui.assets_path).
 */
void		 print_view_url(const struct ctx *, FILE *, const char *);

/* propagate.c: the traceparent of an outgoing request. */
struct traceparent {
	uint64_t	 trace_hi, trace_lo;
	uint64_t	 span_id;
	char		 header[80];	/* "traceparent: 00-...-...-01" */
	void		*span;		/* tracectl's CLIENT span, or NULL */
};
/*
 * propagate_new starts an outgoing request's context (and, with the tracing
 * library, tracectl's CLIENT span); propagate_end ends it with the HTTP
 * status (0: no answer).  Every order request calls both.
 */
int		 propagate_new(struct traceparent *);
void		 propagate_end(struct traceparent *, long);
void		 propagate_flush(void);

/* loadgen.c: POST body to url count times, concurrency at once. */
int		 loadgen_run(struct ctx *, const char *, const char *, long,
		    long, double);

int	cmd_slow(struct ctx *, int, char **);
int	cmd_show(struct ctx *, int, char **);
int	cmd_services(struct ctx *, int, char **);
int	cmd_ops(struct ctx *, int, char **);
int	cmd_stats(struct ctx *, int, char **);
int	cmd_errors(struct ctx *, int, char **);
int	cmd_deps(struct ctx *, int, char **);
int	cmd_order(struct ctx *, int, char **);
int	cmd_browse(struct ctx *, int, char **);
int	cmd_top(struct ctx *, int, char **);
int	cmd_logs(struct ctx *, int, char **);
/*
 * The log lines of a trace (32 hex digits) from a log directory (NULL:
 * TRACECTL_LOG_DIR, $RUN_DIR/log, .run/log): "file json" each, in time
 * order, new strings.  -1 when the directory cannot be read.
 */
int	logs_collect(const char *, const char *, char ***, size_t *);
int	cmd_diff(struct ctx *, int, char **);

#endif
