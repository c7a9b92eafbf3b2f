/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_browse.c: `tracectl browse [TRACE_ID]`: options, and the loop that
 * joins the browser's state machine (browse.c) to the terminal (tui.c) and
 * to Jaeger (jaeger.c): it draws, waits for a key or the auto-refresh, and
 * performs the I/O a key asks for, with a loading line while it blocks.
 */

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracectl.h"
#include "browse.h"
#include "jaeger.h"
#include "red.h"
#include "tui.h"

struct run {
	struct ctx	*c;
	struct browse	*b;
	struct screen	*scr;
	size_t		 scanned;
	int64_t		 shown_us;	/* progress last drawn */
	int		 stopped;	/* Esc during a search */
};

static void
redraw(struct run *r)
{
	browse_draw(r->b, r->scr);
	tui_draw(r->scr);
}

/* The open trace's log lines, for the span detail. */
static void
do_logs(struct run *r)
{
	char	**v, tid[40];
	size_t	 n;

	if (r->b->trace == NULL)
		return;
	snprintf(tid, sizeof(tid), "%016llx%016llx",
	    (unsigned long long)r->b->trace->id_hi,
	    (unsigned long long)r->b->trace->id_lo);
	if (logs_collect(NULL, tid, &v, &n) == -1)
		browse_set_logs(r->b, NULL, 0, "no log directory (TRACECTL_LOG_DIR "
		    "or $RUN_DIR/log)");
	else
		browse_set_logs(r->b, v, n, NULL);
}

/* The metrics screen's rows: every known service, the last minute. */
static void
do_metrics(struct run *r)
{
	struct jaeger	*j = ctx_jaeger(r->c);
	struct red	 red;
	char		**names, msg[1200];
	size_t		 n;
	int		 rc;

	r->b->loading = 1;
	snprintf(r->b->progress, sizeof(r->b->progress), "Reading the span "
	    "metrics from Jaeger...");
	redraw(r);
	r->b->loading = 0;
	r->b->progress[0] = '\0';
	if ((rc = jaeger_services(j, &names, &n)) != JAEGER_OK) {
		browse_set_metrics(r->b, NULL, j->error);
		return;
	}
	rc = n == 0 ? JAEGER_OK : red_fetch(j, (const char **)names, n, NULL,
	    0, 60 * 1000, &red);
	jaeger_free_strings(names, n);
	if (n == 0)
		memset(&red, 0, sizeof(red));
	if (rc == JAEGER_ENOMETRICS)
		snprintf(msg, sizeof(msg), "Jaeger has no metrics storage "
		    "(PROMETHEUS=off?): %s", j->error);
	else if (rc == JAEGER_ESERVER)
		snprintf(msg, sizeof(msg), "Jaeger could not read the span "
		    "metrics (is Prometheus up?): %s", j->error);
	else
		snprintf(msg, sizeof(msg), "%s", j->error);
	browse_set_metrics(r->b, &red, rc == JAEGER_OK ? NULL : msg);
	if (rc == JAEGER_OK)
		red_cleanup(&red);
}

static int
search_cb(struct trace *t, void *arg)
{
	struct run		*r = arg;
	struct search_req	*q = &r->b->req;

	r->scanned++;
	/* A long search shows its progress and stops on Esc or q. */
	if (mono_us() - r->shown_us > 100 * USEC_PER_MSEC) {
		int	 k, w, h;

		r->shown_us = mono_us();
		snprintf(r->b->progress, sizeof(r->b->progress), "Searching "
		    "Jaeger: %zu traces scanned, %zu kept  (Esc: stop here)",
		    r->scanned, r->b->list.n);
		while ((k = tui_getkey(0)) != BK_TIMEOUT) {
			if (k == BK_ESC || k == 'q' || k == BK_CTRL('c'))
				r->stopped = 1;
			if (k == BK_RESIZE) {
				tui_size(&w, &h);
				screen_resize(r->scr, w, h);
			}
		}
		redraw(r);
		if (r->stopped)
			return (1);
	}
	if (q->errors_only && t->nerrors == 0)
		return (0);
	if (q->service[0] != '\0' && !trace_has_service(t, q->service))
		return (0);
	if (q->operation[0] != '\0' && !trace_has_operation(t,
	    q->service[0] != '\0' ? q->service : NULL, q->operation))
		return (0);
	if (q->min_duration_us > 0 && t->duration_us < q->min_duration_us)
		return (0);
	if (q->max_duration_us > 0 && t->duration_us > q->max_duration_us)
		return (0);
	tlist_add(&r->b->list, t);
	return (r->b->list.n >= (size_t)q->limit);
}

static void
do_search(struct run *r)
{
	struct browse		*b = r->b;
	struct jaeger_query	 q;
	struct tlist		*l = &b->list;
	int64_t			 t0, now, span;
	int			 rc;
	char			 tagbuf[sizeof(b->req.tags)];
	const char		*tags[16];

	b->loading = 1;
	b->progress[0] = '\0';
	redraw(r);
	/* A relative window ("now", "-5m") moves with each refresh. */
	now = now_us();
	if (strcmp(b->form.text[F_END], "now") == 0 ||
	    b->form.text[F_END][0] == '-') {
		span = b->req.end_us - b->req.start_us;
		(void)parse_time(b->form.text[F_END], now, &b->req.end_us);
		b->req.start_us = b->req.end_us - span;
	}
	browse_search_start(b);
	memset(&q, 0, sizeof(q));
	q.service = b->req.service[0] != '\0' ? b->req.service : NULL;
	q.operation = b->req.operation[0] != '\0' ? b->req.operation : NULL;
	q.start_us = b->req.start_us;
	q.end_us = b->req.end_us;
	/* 1 us below ours: Jaeger compares nanoseconds (see cmd_slow). */
	q.min_duration_us = b->req.min_duration_us > 1 ?
	    b->req.min_duration_us - 1 : 0;
	q.page_limit = b->req.limit < 1000 ? (size_t)b->req.limit : 1000;
	/* Tags: Jaeger's legacy search matches them in one span. */
	snprintf(tagbuf, sizeof(tagbuf), "%s", b->req.tags);
	q.ntags = tags_split(tagbuf, tags, sizeof(tags) / sizeof(tags[0]));
	q.tags = tags;
	r->scanned = 0;
	r->stopped = 0;
	t0 = r->shown_us = mono_us();
	rc = jaeger_search(ctx_jaeger(r->c), &q, search_cb, r);
	b->loading = 0;
	b->progress[0] = '\0';
	if (rc != JAEGER_OK) {
		browse_search_done(b, ctx_jaeger(r->c)->error);
		return;
	}
	browse_search_done(b, NULL);
	if (l->n > 0 || r->stopped)
		browse_status(b, ST_NORMAL, "%zu trace%s (%zu scanned) in "
		    "%lld ms%s", l->n, l->n == 1 ? "" : "s", r->scanned,
		    (long long)((mono_us() - t0) / 1000), r->stopped ?
		    "; stopped by a key (r: search again)" : "");
}

static void
do_trace(struct run *r)
{
	struct browse	*b = r->b;
	struct trace	*t;
	int		 rc;

	b->loading = 1;
	redraw(r);
	b->loading = 0;
	rc = jaeger_get_trace(ctx_jaeger(r->c), b->want_trace, &t);
	if (rc != JAEGER_OK)
		browse_set_trace(b, NULL, ctx_jaeger(r->c)->error);
	else
		browse_set_trace(b, t, NULL);
}

static void
load_choices(struct run *r, enum field fld)
{
	struct browse	*b = r->b;
	struct jaeger	*j = ctx_jaeger(r->c);
	struct jaeger_op *ops;
	char		**names, **v;
	size_t		 n, i, k;
	int		 rc;

	b->loading = 1;
	redraw(r);
	b->loading = 0;
	if (fld == F_SERVICE) {
		if ((rc = jaeger_services(j, &names, &n)) != JAEGER_OK) {
			browse_status(b, ST_ERROR, "%s", j->error);
			return;
		}
		v = xcalloc(n + 1, sizeof(*v));
		v[0] = "(all)";
		for (i = 0; i < n; i++)
			v[i + 1] = names[i];
		sform_set_choices(&b->form, F_SERVICE, v, n + 1);
		free(v);
		jaeger_free_strings(names, n);
		return;
	}
	if (strcmp(b->form.text[F_SERVICE], "(all)") == 0) {
		v = xcalloc(2, sizeof(*v));
		v[0] = "(all)";
		sform_set_choices(&b->form, F_OPERATION, v, 1);
		free(v);
		return;
	}
	if ((rc = jaeger_operations(j, b->form.text[F_SERVICE], &ops,
	    &n)) != JAEGER_OK) {
		browse_status(b, ST_ERROR, "%s", j->error);
		return;
	}
	/* One name per operation, whatever its span kinds. */
	v = xcalloc(n + 1, sizeof(*v));
	v[0] = "(all)";
	for (i = 0, k = 1; i < n; i++)
		if (k == 1 || strcmp(v[k - 1], ops[i].name) != 0)
			v[k++] = ops[i].name;
	sform_set_choices(&b->form, F_OPERATION, v, k);
	free(v);
	jaeger_free_ops(ops, n);
}

static int
set_field(struct browse *b, enum field f, const char *v)
{
	if (strlen(v) >= sizeof(b->form.text[0]))
		return (usage_error("browse", "%s: too long", v));
	snprintf(b->form.text[f], sizeof(b->form.text[0]), "%s", v);
	return (0);
}

/* --tag, repeatable: the form's words, space-separated. */
static int
add_tag(struct browse *b, const char *tag)
{
	if (strlen(b->form.text[F_TAGS]) + strlen(tag) + 2 >
	    sizeof(b->form.text[0]))
		return (usage_error("browse", "--tag: at most %zu bytes of "
		    "tags", sizeof(b->form.text[0]) - 1));
	if (strchr(tag, ' ') != NULL)
		return (usage_error("browse", "--tag: %s: no spaces in a tag",
		    tag));
	if (b->form.text[F_TAGS][0] != '\0')
		strcat(b->form.text[F_TAGS], " ");
	strcat(b->form.text[F_TAGS], tag);
	return (0);
}

/*
 * The options into b's search form: -1 to go on, else the exit status
 * (help printed, or a usage error said).
 */
static int
browse_options(struct ctx *c, int argc, char *argv[], struct browse *b,
    int *ascii)
{
	static const struct option longopts[] = {
		{ "ascii", no_argument, NULL, 'a' },
		{ "end", required_argument, NULL, 'B' },
		{ "errors", no_argument, NULL, 'e' },
		{ "limit", required_argument, NULL, 'n' },
		{ "min-duration", required_argument, NULL, 'm' },
		{ "max-duration", required_argument, NULL, 'M' },
		{ "tag", required_argument, NULL, 't' },
		{ "operation", required_argument, NULL, 'o' },
		{ "refresh", required_argument, NULL, 'r' },
		{ "service", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "sort", required_argument, NULL, 'O' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct search_req	 check;
	char			 err[256];
	int			 ch, rc;

	rc = 0;
	while (rc == 0 && (ch = getopt_long(argc, argv, "h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			*ascii = 1;
			break;
		case 'B':
			rc = set_field(b, F_END, optarg);
			break;
		case 'e':
			rc = set_field(b, F_ERRORS, "yes");
			break;
		case 'n':
			rc = set_field(b, F_LIMIT, optarg);
			break;
		case 'm':
			rc = set_field(b, F_MINDUR, optarg);
			break;
		case 'M':
			rc = set_field(b, F_MAXDUR, optarg);
			break;
		case 't':
			rc = add_tag(b, optarg);
			break;
		case 'o':
			rc = set_field(b, F_OPERATION, optarg);
			break;
		case 'r':
			rc = set_field(b, F_REFRESH, optarg);
			break;
		case 's':
			rc = set_field(b, F_SERVICE, optarg);
			break;
		case 'S':
			rc = set_field(b, F_LOOKBACK, optarg);
			break;
		case 'O':
			if (strcmp(optarg, "start") != 0 &&
			    strcmp(optarg, "duration") != 0)
				rc = usage_error("browse", "--sort: %s: want "
				    "start or duration", optarg);
			else
				rc = set_field(b, F_SORT, optarg);
			break;
		case 'h':
			usage_cmd(stdout, "browse");
			return (EX_FOUND);
		case '?':
			rc = usage_error("browse", NULL);
			break;
		default:
			if ((rc = common_option(c, ch, optarg)) == 1) {
				usage_cmd(stdout, "browse");
				return (EX_FOUND);
			}
			if (rc == -1)
				rc = usage_error("browse", NULL);
		}
	}
	if (rc == 0 && argc - optind > 1)
		rc = usage_error("browse", "want at most one TRACE_ID");
	if (rc == 0 && sform_request(&b->form, now_us(), &check, err,
	    sizeof(err)) == -1)
		rc = usage_error("browse", "%s", err);
	if (rc == 0 && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		warnx("browse needs a terminal (for scripts: tracectl show, "
		    "slow, errors)");
		rc = EX_USAGEERR;
	}
	return (rc != 0 ? rc : -1);
}

/* Keys in, screens out, until the user quits. */
static void
browse_loop(struct run *r)
{
	enum request	req;
	int		key, w, h, yanked;

	for (;;) {
		redraw(r);
		key = tui_getkey(browse_wait_ms(r->b, now_us()));
		if (key == BK_RESIZE) {
			tui_size(&w, &h);
			screen_resize(r->scr, w, h);
		}
		yanked = r->b->yank;
		req = browse_key(r->b, key);
		if (r->b->yank && !yanked)
			tui_copy(browse_yank_id(r->b));
		switch (req) {
		case REQ_QUIT:
			return;
		case REQ_SEARCH:
			do_search(r);
			break;
		case REQ_TRACE:
			do_trace(r);
			break;
		case REQ_OPERATIONS:
			load_choices(r, F_OPERATION);
			break;
		case REQ_METRICS:
			do_metrics(r);
			break;
		case REQ_LOGS:
			do_logs(r);
			break;
		case REQ_NONE:
			break;
		}
	}
}

int
cmd_browse(struct ctx *c, int argc, char *argv[])
{
	struct browse	 b;
	struct screen	 scr;
	struct run	 r;
	struct trace	*t = NULL;
	int		 rc, ascii = 0, w, h;

	browse_init(&b, c->jaeger_url);
	if ((rc = browse_options(c, argc, argv, &b, &ascii)) != -1) {
		browse_cleanup(&b);
		return (rc);
	}
	b.jaeger_url = c->jaeger_url;
	/* One trace: fetch it first, so a bad id fails like `show`. */
	if (optind < argc) {
		rc = jaeger_get_trace(ctx_jaeger(c), argv[optind], &t);
		if (rc != JAEGER_OK) {
			browse_cleanup(&b);
			return (jaeger_fail(c, rc));
		}
	}
	if (tui_init(out.color) == -1) {
		warnx("cannot start the terminal (TERM=%s)", getenv("TERM") !=
		    NULL ? getenv("TERM") : "unset");
		trace_free(t);
		browse_cleanup(&b);
		return (EX_USAGEERR);
	}
	tui_size(&w, &h);
	screen_init(&scr, w, h, out.utf8 && !ascii);
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.b = &b;
	r.scr = &scr;
	if (t != NULL)
		browse_set_trace(&b, t, NULL);
	else {
		browse_push(&b, SCR_SEARCH);
		load_choices(&r, F_SERVICE);
		if (strcmp(b.form.text[F_SERVICE], "(all)") != 0)
			load_choices(&r, F_OPERATION);
	}
	browse_loop(&r);
	tui_end();
	screen_cleanup(&scr);
	browse_cleanup(&b);
	return (EX_FOUND);
}
