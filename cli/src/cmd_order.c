/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_order.c: `order submit`: builds an order (from flags or a JSON file),
 * POSTs it to the gateway with a traceparent, reports the answer, and with
 * --wait fetches the order's trace from Jaeger once all its spans are in.
 * --count hands the same order to the load generator (loadgen.c).
 */

#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tracectl.h"

#define MAX_ITEMS	1000
#define BODY_MAX	(1024 * 1024)

struct item {
	const char	*sku;
	long long	 qty;
	double		 price;
	int		 have_price;
};

static char *
read_body(const char *path)
{
	struct buf	 b;
	FILE		*fp;
	char		 chunk[8192];
	size_t		 n;
	json_t		*js;
	json_error_t	 jerr;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "r")) == NULL)
		err(EX_USAGEERR, "%s", path);
	buf_init(&b, BODY_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_append(&b, chunk, n) == -1)
			errx(EX_USAGEERR, "%s: larger than %d bytes", path,
			    BODY_MAX);
	if (ferror(fp))
		err(EX_USAGEERR, "%s", path);
	if (fp != stdin)
		fclose(fp);
	if (b.len == 0)
		errx(EX_USAGEERR, "%s: empty", path);
	/* Catch a typo here rather than as a 400 from the gateway. */
	if ((js = json_loadb(b.data, b.len, 0, &jerr)) == NULL)
		errx(EX_USAGEERR, "%s:%d:%d: not JSON: %s", path, jerr.line,
		    jerr.column, jerr.text);
	json_decref(js);
	return (b.data);
}

static char *
build_body(struct item *items, size_t n, long long user, const char *email)
{
	json_t	*o, *arr, *it;
	char	*s;
	size_t	 i;

	o = json_object();
	json_object_set_new(o, "userId", json_integer(user));
	arr = json_array();
	for (i = 0; i < n; i++) {
		it = json_object();
		json_object_set_new(it, "sku", json_string(items[i].sku));
		json_object_set_new(it, "quantity", json_integer(items[i].qty));
		json_object_set_new(it, "price", json_real(items[i].price));
		json_array_append_new(arr, it);
	}
	json_object_set_new(o, "items", arr);
	json_object_set_new(o, "email", json_string(email));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(15));
	json_decref(o);
	if (s == NULL)
		errx(EX_USAGEERR, "cannot encode the order (bad UTF-8?)");
	return (s);
}

/* Poll Jaeger until the trace is there and its span count holds still. */
static int
wait_trace(struct ctx *c, const char *id, int64_t timeout_us,
    struct trace **res)
{
	struct trace	*t;
	struct timespec	 ts = { 0, 250 * 1000 * 1000 };
	int64_t		 deadline;
	size_t		 last;
	int		 rc, stable;

	*res = NULL;
	deadline = mono_us() + timeout_us;
	last = 0;
	stable = 0;
	for (;;) {
		rc = jaeger_get_trace(ctx_jaeger(c), id, &t);
		if (rc < 0)
			return (rc);
		if (rc == JAEGER_OK) {
			/* Exporters batch: wait for 8 quiet polls (2 s). */
			if (t->nspans == last)
				stable++;
			else
				stable = 0;
			last = t->nspans;
			trace_free(*res);
			*res = t;
			if (stable >= 8)
				return (JAEGER_OK);
		}
		if (mono_us() > deadline)
			return (*res != NULL ? JAEGER_OK : JAEGER_NOTFOUND);
		nanosleep(&ts, NULL);
	}
}

/* What `order submit` was asked for. */
struct order_opts {
	struct item	 items[MAX_ITEMS];
	size_t		 nitems;
	long long	 user, count, conc;
	const char	*email, *file;
	double		 rate;
	int		 wait;
	int64_t		 wait_us;
};

static const struct option order_longopts[] = {
	{ "concurrency", required_argument, NULL, 'c' },
	{ "count", required_argument, NULL, 'n' },
	{ "email", required_argument, NULL, 'e' },
	{ "file", required_argument, NULL, 'f' },
	{ "price", required_argument, NULL, 'p' },
	{ "qty", required_argument, NULL, 'q' },
	{ "rate", required_argument, NULL, 'r' },
	{ "sku", required_argument, NULL, 's' },
	{ "user", required_argument, NULL, 'u' },
	{ "wait", no_argument, NULL, 'w' },
	{ "wait-timeout", required_argument, NULL, 'W' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* One option of `order submit`: -1 when taken, else the exit status. */
static int
order_option(struct ctx *c, struct order_opts *o, int ch)
{
	struct item	*items = o->items;
	long long	 v;
	char		*end;
	int		 rc;

	switch (ch) {
	case 's':
		if (o->nitems == MAX_ITEMS)
			return (usage_error("order", "more than %d items",
			    MAX_ITEMS));
		items[o->nitems].sku = optarg;
		items[o->nitems].qty = 1;
		items[o->nitems].price = 0;
		items[o->nitems].have_price = 0;
		o->nitems++;
		break;
	case 'q':
		if (o->nitems == 0)
			return (usage_error("order", "--qty before any --sku"));
		if (parse_int(optarg, 1, 1000000, &v) == -1)
			return (usage_error("order", "--qty: %s: want 1 to "
			    "1000000", optarg));
		items[o->nitems - 1].qty = v;
		break;
	case 'p':
		if (o->nitems == 0)
			return (usage_error("order", "--price before any "
			    "--sku"));
		if (parse_double(optarg, 0, 1e12,
		    &items[o->nitems - 1].price) == -1)
			return (usage_error("order", "--price: %s: want a "
			    "price like 50 or 19.99", optarg));
		items[o->nitems - 1].have_price = 1;
		break;
	case 'u':
		if (parse_int(optarg, 1, INT32_MAX, &o->user) == -1)
			return (usage_error("order", "--user: %s: want a "
			    "positive user id", optarg));
		break;
	case 'e':
		o->email = optarg;
		break;
	case 'f':
		o->file = optarg;
		break;
	case 'w':
		o->wait = 1;
		break;
	case 'W':
		if (parse_duration(optarg, USEC_PER_SEC, &o->wait_us) == -1 ||
		    o->wait_us <= 0)
			return (usage_error("order", "--wait-timeout: %s: not "
			    "a duration", optarg));
		break;
	case 'n':
		if (parse_int(optarg, 1, 10000000, &o->count) == -1)
			return (usage_error("order", "--count: %s: want 1 to "
			    "10000000", optarg));
		break;
	case 'c':
		if (parse_int(optarg, 1, 10000, &o->conc) == -1)
			return (usage_error("order", "--concurrency: %s: want "
			    "1 to 10000", optarg));
		break;
	case 'r':
		errno = 0;
		o->rate = strtod(optarg, &end);
		if (end == optarg || errno != 0 || o->rate <= 0 ||
		    (*end != '\0' && strcmp(end, "/s") != 0))
			return (usage_error("order", "--rate: %s: want orders "
			    "per second, e.g. 50 or 50/s", optarg));
		break;
	default:
		if ((rc = command_option(c, "order", ch, optarg)) != -1)
			return (rc);
	}
	return (-1);
}

/*
 * `order submit`'s options into o, checked together: -1 to go on, else
 * the exit status (usage errors, --help).
 */
static int
order_parse(struct ctx *c, int argc, char *argv[], struct order_opts *o)
{
	size_t	i;
	int	ch, rc;

	if (argc < 2 || strcmp(argv[1], "submit") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			usage_cmd(stdout, "order");
			return (EX_FOUND);
		}
		return (usage_error("order", "want: order submit [options]"));
	}
	argc--;
	argv++;
	memset(o, 0, sizeof(*o));
	o->user = 1;
	o->email = "customer@example.com";
	o->conc = 1;
	o->wait_us = 30 * USEC_PER_SEC;
	while ((ch = getopt_long(argc, argv, "c:e:f:hn:p:q:r:s:u:w",
	    order_longopts, NULL)) != -1) {
		if ((rc = order_option(c, o, ch)) != -1)
			return (rc);
	}
	if (optind < argc)
		return (usage_error("order", "unexpected argument: %s",
		    argv[optind]));
	if (o->file != NULL && o->nitems > 0)
		return (usage_error("order", "--file and --sku exclude each "
		    "other"));
	for (i = 0; i < o->nitems; i++)
		if (!o->items[i].have_price)
			return (usage_error("order", "item %s: --price "
			    "missing", o->items[i].sku));
	if (o->count > 0 && o->wait)
		return (usage_error("order", "--wait is for one order, not "
		    "with --count"));
	if (o->count == 0 && (o->conc != 1 || o->rate > 0))
		return (usage_error("order", "--concurrency and --rate need "
		    "--count"));
	if (o->nitems == 0 && o->file == NULL) {
		/* The reference order. */
		o->items[0].sku = "SKU123";
		o->items[0].qty = 2;
		o->items[0].price = 50.0;
		o->nitems = 1;
	}
	return (-1);
}

/* The order's answer as JSON, with its trace when one was waited for. */
static void
order_print_json(const struct http_response *r, const char *tid,
    const struct traceparent *tp, json_t *resp, const struct trace *t)
{
	json_t	*jo;

	jo = json_object();
	json_object_set_new(jo, "httpStatus", json_integer(r->status));
	json_object_set_new(jo, "latencyUs", json_integer(r->elapsed_us));
	json_object_set_new(jo, "traceId", json_string(tid));
	json_object_set_new(jo, "traceparent",
	    json_string(tp->header + strlen("traceparent: ")));
	json_object_set_new(jo, "response", resp != NULL ? json_incref(resp) :
	    json_stringn(r->body.data != NULL ? r->body.data : "",
	    r->body.len));
	if (t != NULL)
		json_object_set_new(jo, "trace", trace_json(t, 1));
	json_print(jo);
}

/* The order's answer as text: the order, or why it was refused. */
static void
order_print_text(const struct ctx *c, const struct http_response *r,
    const char *tid, const struct traceparent *tp, json_t *resp,
    const struct trace *t)
{
	const char	*status, *code, *msg;
	json_t		*jo, *e;
	char		 lat[32], total[64];
	size_t		 i;

	fmt_duration(r->elapsed_us, lat, sizeof(lat));
	jo = json_object_get(resp, "orderId");
	status = json_string_value(json_object_get(resp, "status"));
	e = json_object_get(resp, "total");
	if (json_is_number(e))
		snprintf(total, sizeof(total), "%.2f", json_number_value(e));
	else
		snprintf(total, sizeof(total), "-");
	if (r->status >= 200 && r->status <= 299) {
		printf("order    ");
		if (json_is_integer(jo))
			printf("%" JSON_INTEGER_FORMAT "\n",
			    json_integer_value(jo));
		else if (json_is_string(jo))
			printf("%s\n", json_string_value(jo));
		else
			printf("-\n");
		printf("status   %s%s%s\n", color(C_GREEN),
		    status != NULL ? status : "-", color(C_RESET));
		printf("total    %s\n", total);
	} else {
		e = json_object_get(resp, "error");
		code = json_string_value(json_object_get(e, "code"));
		msg = json_string_value(json_object_get(e, "message"));
		printf("order    %s%s%s: HTTP %ld%s%s%s%s",
		    color(C_RED), r->status >= 500 ? "failed" : "rejected",
		    color(C_RESET), r->status,
		    code != NULL ? " " : "", code != NULL ? code : "",
		    msg != NULL ? ": " : "", msg != NULL ? msg : "");
		if (json_is_string(json_object_get(e, "sku")))
			printf(" (sku %s)", json_string_value(
			    json_object_get(e, "sku")));
		if (code == NULL && msg == NULL && r->body.len > 0 &&
		    r->body.len < 200)
			printf(": %.*s", (int)r->body.len, r->body.data);
		printf("\n");
	}
	printf("trace    %s\n", tid);
	printf("latency  %s (HTTP %ld)\n", lat, r->status);
	if (t == NULL)
		return;
	printf("\n");
	view_trace_tree(t, stdout, 0);
	for (i = 0; i < t->nroots; i++)
		if (t->roots[i]->orphan && t->roots[i]->parent_id == tp->span_id)
			printf("%snote: the missing parent %016llx is this "
			    "request's own span: tracectl exports it as it "
			    "exits (none with OTEL_TRACES_EXPORTER=none)%s\n",
			    color(C_DIM), (unsigned long long)tp->span_id,
			    color(C_RESET));
	print_view_url(c, stdout, tid);
}

int
cmd_order(struct ctx *c, int argc, char *argv[])
{
	struct order_opts	 o;
	struct traceparent	 tp;
	struct http_client	 hc;
	struct http_response	 r;
	struct trace		*t;
	const char		*hdrs[4], *rid;
	char			*body, *url, ours[40], tid[40];
	size_t			 gl;
	int			 rc, rejected;
	json_t			*resp;

	if ((rc = order_parse(c, argc, argv, &o)) != -1)
		return (rc);
	body = o.file != NULL ? read_body(o.file) :
	    build_body(o.items, o.nitems, o.user, o.email);
	gl = strlen(c->gateway_url);
	while (gl > 0 && c->gateway_url[gl - 1] == '/')
		gl--;
	xasprintf(&url, "%.*s/api/orders", (int)gl, c->gateway_url);

	if (o.count > 0) {
		rc = loadgen_run(c, url, body, (long)o.count, (long)o.conc,
		    o.rate);
		free(url);
		free(body);
		return (rc);
	}

	if (propagate_new(&tp) == -1)
		err(EX_UNREACH, "getrandom");
	hdrs[0] = "Content-Type: application/json";
	hdrs[1] = "Accept: application/json";
	hdrs[2] = tp.header;
	hdrs[3] = NULL;
	http_client_init(&hc, c->timeout_ms);
	http_response_init(&r);
	if (c->verbose)
		fprintf(stderr, "tracectl: POST %s %s\n%s\n", url, tp.header,
		    body);
	rc = http_request(&hc, "POST", url, body, strlen(body), hdrs, &r);
	propagate_end(&tp, rc == -1 ? 0 : r.status);
	http_client_cleanup(&hc);
	free(url);
	free(body);
	if (rc == -1) {
		warnx("cannot reach the gateway at %s: %s", c->gateway_url,
		    r.error);
		http_response_cleanup(&r);
		return (EX_UNREACH);
	}
	resp = r.body.len > 0 ? json_loadb(r.body.data, r.body.len, 0,
	    NULL) : NULL;
	fmt_trace_id(tp.trace_hi, tp.trace_lo, ours, sizeof(ours));
	rid = json_string_value(json_object_get(resp, "traceId"));
	snprintf(tid, sizeof(tid), "%s", rid != NULL ? rid : ours);
	if (rid != NULL && strcasecmp(rid, ours) != 0)
		warnx("warning: the gateway reports trace %s, not the %s we "
		    "sent: it did not continue our traceparent", rid, ours);
	rejected = r.status < 200 || r.status > 299;

	t = NULL;
	rc = JAEGER_OK;
	if (o.wait)
		propagate_flush();
	if (o.wait && (!rejected || (r.status >= 400 && r.status < 500)))
		rc = wait_trace(c, tid, o.wait_us, &t);

	if (out.json)
		order_print_json(&r, tid, &tp, resp, t);
	else
		order_print_text(c, &r, tid, &tp, resp, t);
	if (o.wait && rc != JAEGER_OK) {
		if (rc == JAEGER_NOTFOUND)
			warnx("trace %s did not reach Jaeger at %s within the "
			    "wait timeout", tid, c->jaeger_url);
		else
			warnx("%s", c->j.error);
	}
	trace_free(t);
	json_decref(resp);
	http_response_cleanup(&r);
	if (r.status >= 500)
		return (EX_UNREACH);
	if (rejected)
		return (EX_NOTHING);
	if (o.wait && rc != JAEGER_OK)
		return (rc == JAEGER_NOTFOUND ? EX_NOTHING : EX_UNREACH);
	return (EX_FOUND);
}
