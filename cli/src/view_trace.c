/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view_trace.c: the trace view: one trace as an indented span tree with its
 * timings and critical path for people, and as a JSON document for --json.
 * Shared by `show` and `order submit --wait`.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracectl.h"

const char *
trace_id_str(const struct trace *t, char *b, size_t n)
{
	fmt_trace_id(t->id_hi, t->id_lo, b, n);
	return (b);
}

struct tree_ctx {
	const struct trace	*t;
	struct table		*tab;
	int			 attrs;	/* attribute and event lines too */
	char			 prefix[1024];
};

/* A line under a span's row: the tree's lines, then text, dimmed. */
static void
detail_row(struct tree_ctx *tc, const char *under, const char *text)
{
	char	 name[4096];
	size_t	 row;

	snprintf(name, sizeof(name), "%s%s  %s", tc->prefix, under, text);
	row = table_row(tc->tab, "", "", "", "", "", name, "");
	table_color(tc->tab, row, 5, C_DIM);
}

/* key=value, ... of attributes, into b. */
static void
kv_text(const struct kv *kv, size_t n, char *b, size_t sz)
{
	size_t	 i, o;

	b[0] = '\0';
	for (i = o = 0; i < n && o < sz; i++)
		o += (size_t)snprintf(b + o, sz - o, "%s%s=%s", i > 0 ? " " :
		    "", kv[i].key, kv[i].value);
}

static void
span_details(struct tree_ctx *tc, const struct span *s, const char *under)
{
	char	 b[3072], off[32];
	size_t	 i;

	for (i = 0; i < s->nattrs; i++) {
		snprintf(b, sizeof(b), "%s=%s", s->attrs[i].key,
		    s->attrs[i].value);
		detail_row(tc, under, b);
	}
	for (i = 0; i < s->nevents; i++) {
		const struct span_event *e = &s->events[i];
		char	 kv[2048];

		fmt_duration(e->ts_us - s->start_us, off, sizeof(off));
		kv_text(e->attrs, e->nattrs, kv, sizeof(kv));
		snprintf(b, sizeof(b), "event +%s %s%s%s", off, e->name,
		    kv[0] != '\0' ? " " : "", kv);
		detail_row(tc, under, b);
	}
}

static void
tree_rows(struct tree_ctx *tc, const struct span *s, int last, int top)
{
	const struct trace	*t = tc->t;
	char			 off[32], dur[32], self[32], name[2048];
	char			 under[32];
	const char		*branch, *cont;
	size_t			 plen, i, row;

	branch = out.utf8 ? (last ? "\xe2\x94\x94\xe2\x94\x80 " :
	    "\xe2\x94\x9c\xe2\x94\x80 ") : (last ? "`- " : "|- ");
	cont = out.utf8 ? (last ? "   " : "\xe2\x94\x82  ") :
	    (last ? "   " : "|  ");
	fmt_duration(s->start_us - t->start_us, off, sizeof(off));
	fmt_duration(s->duration_us, dur, sizeof(dur));
	fmt_duration(s->self_us, self, sizeof(self));
	snprintf(name, sizeof(name), "%s%s%s %s%s%s%s%s%s", tc->prefix,
	    top ? "" : branch, s->service, s->operation,
	    s->kind != SPAN_KIND_UNSPECIFIED ? " [" : "",
	    span_kind_name(s->kind),
	    s->kind != SPAN_KIND_UNSPECIFIED ? "]" : "",
	    s->orphan ? " (parent missing)" : "",
	    s->skew_us != 0 && s->parent != NULL &&
	    strcmp(s->parent->service, s->service) != 0 ? " (skew fixed)" :
	    "");
	row = table_row(tc->tab, off, dur, self,
	    s->critical_us > 0 ? "*" : "",
	    s->error ? "ERROR" : "ok", name,
	    s->error && s->status_message != NULL ? s->status_message : "");
	if (s->critical_us > 0) {
		table_color(tc->tab, row, 3, C_YELLOW);
		table_color(tc->tab, row, 1, C_YELLOW);
	}
	if (s->error) {
		table_color(tc->tab, row, 4, C_RED);
		table_color(tc->tab, row, 6, C_RED);
	} else
		table_color(tc->tab, row, 4, C_GREEN);
	if (s->orphan)
		table_color(tc->tab, row, 5, C_MAGENTA);

	if (tc->attrs) {
		/* Under the span: its own line down when it has children. */
		snprintf(under, sizeof(under), "%s%s", top ? "" : cont,
		    s->nchildren > 0 ? (out.utf8 ? "\xe2\x94\x82" : "|") :
		    " ");
		span_details(tc, s, under);
	}
	plen = strlen(tc->prefix);
	if (!top && plen + strlen(cont) < sizeof(tc->prefix))
		strcat(tc->prefix, cont);
	for (i = 0; i < s->nchildren; i++)
		tree_rows(tc, s->children[i], i + 1 == s->nchildren, 0);
	tc->prefix[plen] = '\0';
}

void
view_trace_tree(const struct trace *t, FILE *fp, int attrs)
{
	struct tree_ctx	 tc;
	struct table	 tab;
	char		 id[40], start[40], dur[32];
	size_t		 i;

	fmt_time_local(t->start_us, start, sizeof(start));
	fmt_duration(t->duration_us, dur, sizeof(dur));
	fprintf(fp, "%sTrace %s%s  %s  %s%s%s  %zu span%s  %zu service%s",
	    color(C_BOLD), trace_id_str(t, id, sizeof(id)), color(C_RESET),
	    start, color(C_BOLD), dur, color(C_RESET), t->nspans,
	    t->nspans == 1 ? "" : "s", t->nservices,
	    t->nservices == 1 ? "" : "s");
	if (t->nerrors > 0)
		fprintf(fp, "  %s%zu error%s%s", color(C_RED), t->nerrors,
		    t->nerrors == 1 ? "" : "s", color(C_RESET));
	fputc('\n', fp);
	for (i = 0; i < t->nwarnings; i++)
		fprintf(fp, "%swarning: %s%s\n", color(C_YELLOW),
		    t->warnings[i], color(C_RESET));
	/* A MESSAGE column only when there is an error to tell. */
	table_init(&tab, t->nerrors > 0 ?
	    ">OFFSET|>DURATION|>SELF|CP|STATUS|SPAN|MESSAGE" :
	    ">OFFSET|>DURATION|>SELF|CP|STATUS|SPAN");
	memset(&tc, 0, sizeof(tc));
	tc.t = t;
	tc.tab = &tab;
	tc.attrs = attrs;
	for (i = 0; i < t->nroots; i++)
		tree_rows(&tc, t->roots[i], 1, 1);
	table_print(&tab, fp);
	table_cleanup(&tab);
	fprintf(fp, "%s* critical path (Jaeger UI's algorithm); SELF: time in "
	    "no child span%s\n", color(C_DIM), color(C_RESET));
}

/* Per service and operation of one trace (Jaeger UI's Trace Statistics). */
struct tstat {
	const char	*service, *operation;
	size_t		 n, errors;
	int64_t		 total, self, max;
};

static int
tstat_cmp(const void *a, const void *b)
{
	const struct tstat	*x = a, *y = b;

	if (x->self != y->self)
		return (x->self > y->self ? -1 : 1);
	return (strcmp(x->operation, y->operation));
}

static struct tstat *
trace_stats(const struct trace *t, size_t *np)
{
	struct tstat	*v;
	size_t		 i, j, n;

	v = xcalloc(t->nspans + 1, sizeof(*v));
	n = 0;
	for (i = 0; i < t->nspans; i++) {
		const struct span *s = t->order[i];

		for (j = 0; j < n; j++)
			if (strcmp(v[j].service, s->service) == 0 &&
			    strcmp(v[j].operation, s->operation) == 0)
				break;
		if (j == n) {
			v[n].service = s->service;
			v[n].operation = s->operation;
			n++;
		}
		v[j].n++;
		v[j].errors += s->error ? 1 : 0;
		v[j].total += s->duration_us;
		v[j].self += s->self_us;
		if (s->duration_us > v[j].max)
			v[j].max = s->duration_us;
	}
	qsort(v, n, sizeof(*v), tstat_cmp);
	*np = n;
	return (v);
}

void
view_trace_stats(const struct trace *t, FILE *fp)
{
	struct tstat	*v;
	struct table	 tab;
	char		 n[32], e[32], tot[32], avg[32], mx[32], self[32], pct[32];
	char		 id[40];
	size_t		 i, nv, row;

	v = trace_stats(t, &nv);
	fprintf(fp, "%sTrace %s%s  %zu spans, %zu operations; by self time\n",
	    color(C_BOLD), trace_id_str(t, id, sizeof(id)), color(C_RESET),
	    t->nspans, nv);
	table_init(&tab, "~SERVICE|~OPERATION|>COUNT|>ERRORS|>TOTAL|>AVG|>MAX|"
	    ">SELF|>SELF%");
	for (i = 0; i < nv; i++) {
		snprintf(n, sizeof(n), "%zu", v[i].n);
		snprintf(e, sizeof(e), "%zu", v[i].errors);
		fmt_duration(v[i].total, tot, sizeof(tot));
		fmt_duration(v[i].total / (int64_t)v[i].n, avg, sizeof(avg));
		fmt_duration(v[i].max, mx, sizeof(mx));
		fmt_duration(v[i].self, self, sizeof(self));
		snprintf(pct, sizeof(pct), "%.1f%%", t->duration_us > 0 ?
		    100.0 * (double)v[i].self / (double)t->duration_us : 0.0);
		row = table_row(&tab, v[i].service, v[i].operation, n, e, tot,
		    avg, mx, self, pct);
		if (v[i].errors > 0)
			table_color(&tab, row, 3, C_RED);
	}
	table_print(&tab, fp);
	table_cleanup(&tab);
	fprintf(fp, "%sSELF: time in no child span; SELF%%: of the trace's "
	    "%s%s\n", color(C_DIM), (fmt_duration(t->duration_us, tot,
	    sizeof(tot)), tot), color(C_RESET));
	free(v);
}

json_t *
trace_stats_json(const struct trace *t)
{
	struct tstat	*v;
	json_t		*arr, *o;
	size_t		 i, nv;

	v = trace_stats(t, &nv);
	arr = json_array();
	for (i = 0; i < nv; i++) {
		o = json_object();
		json_object_set_new(o, "service", json_string(v[i].service));
		json_object_set_new(o, "operation",
		    json_string(v[i].operation));
		json_object_set_new(o, "count", json_integer((json_int_t)v[i].n));
		json_object_set_new(o, "errors",
		    json_integer((json_int_t)v[i].errors));
		json_object_set_new(o, "totalUs", json_integer(v[i].total));
		json_object_set_new(o, "maxUs", json_integer(v[i].max));
		json_object_set_new(o, "selfUs", json_integer(v[i].self));
		json_array_append_new(arr, o);
	}
	free(v);
	return (arr);
}

static json_t *
kv_json(const struct kv *kv, size_t n)
{
	json_t	*o;
	size_t	 i;

	json_t	*v;
	char	*end;
	long long ll;
	double	 d;

	o = json_object();
	for (i = 0; i < n; i++) {
		v = NULL;
		switch (kv[i].type) {
		case KV_INT:
			ll = strtoll(kv[i].value, &end, 10);
			if (*kv[i].value != '\0' && *end == '\0')
				v = json_integer(ll);
			break;
		case KV_DOUBLE:
			d = strtod(kv[i].value, &end);
			if (*kv[i].value != '\0' && *end == '\0')
				v = json_real(d);
			break;
		case KV_BOOL:
			if (strcmp(kv[i].value, "true") == 0)
				v = json_true();
			else if (strcmp(kv[i].value, "false") == 0)
				v = json_false();
			break;
		default:
			break;
		}
		json_object_set_new(o, kv[i].key, v != NULL ? v :
		    json_string(kv[i].value));
	}
	return (o);
}

static char *
hex64(uint64_t v, char *b, size_t n)
{
	snprintf(b, n, "%016llx", (unsigned long long)v);
	return (b);
}

/* [[offsetUs, endOffsetUs], ...]: where the critical path runs in s. */
static json_t *
cp_sections_json(const struct trace *t, const struct span *s)
{
	const struct cp_section	*cs;
	json_t			*a;
	int			 i;

	a = json_array();
	for (i = s->cp_first; i >= 0; i = cs->next) {
		cs = &t->cp[i];
		json_array_append_new(a, json_pack("[I,I]",
		    (json_int_t)(cs->start_us - t->start_us),
		    (json_int_t)(cs->end_us - t->start_us)));
	}
	return (a);
}

static json_t *
events_json(const struct span *s)
{
	json_t	*evs, *ej;
	size_t	 j;

	evs = json_array();
	for (j = 0; j < s->nevents; j++) {
		ej = json_object();
		json_object_set_new(ej, "name", json_string(s->events[j].name));
		json_object_set_new(ej, "timeUs",
		    json_integer(s->events[j].ts_us));
		json_object_set_new(ej, "attributes",
		    kv_json(s->events[j].attrs, s->events[j].nattrs));
		json_array_append_new(evs, ej);
	}
	return (evs);
}

static json_t *
links_json(const struct span *s)
{
	const struct span_link	*l;
	json_t			*arr, *lj;
	char			 tid[40], b[64];
	size_t			 j;

	arr = json_array();
	for (j = 0; j < s->nlinks; j++) {
		l = &s->links[j];
		lj = json_object();
		fmt_trace_id(l->trace_hi, l->trace_lo, tid, sizeof(tid));
		json_object_set_new(lj, "traceId", json_string(tid));
		json_object_set_new(lj, "spanId", json_string(hex64(l->span_id,
		    b, sizeof(b))));
		json_object_set_new(lj, "type", json_string(l->type != NULL ?
		    l->type : "link"));
		json_object_set_new(lj, "attributes", kv_json(l->attrs,
		    l->nattrs));
		json_array_append_new(arr, lj);
	}
	return (arr);
}

/* One span of t, as `show --json` gives it. */
static json_t *
span_json(const struct trace *t, const struct span *s)
{
	json_t	*sj;
	char	 b[64];

	sj = json_object();
	json_object_set_new(sj, "spanId", json_string(hex64(s->id, b,
	    sizeof(b))));
	json_object_set_new(sj, "parentSpanId", s->parent_id != 0 ?
	    json_string(hex64(s->parent_id, b, sizeof(b))) : json_null());
	json_object_set_new(sj, "service", json_string(s->service));
	json_object_set_new(sj, "operation", json_string(s->operation));
	json_object_set_new(sj, "kind", json_string(span_kind_name(s->kind)));
	json_object_set_new(sj, "depth", json_integer(s->depth));
	json_object_set_new(sj, "startUs", json_integer(s->start_us));
	json_object_set_new(sj, "offsetUs",
	    json_integer(s->start_us - t->start_us));
	json_object_set_new(sj, "durationUs", json_integer(s->duration_us));
	json_object_set_new(sj, "selfUs", json_integer(s->self_us));
	json_object_set_new(sj, "criticalUs", json_integer(s->critical_us));
	json_object_set_new(sj, "criticalPath",
	    json_boolean(s->critical_us > 0));
	json_object_set_new(sj, "criticalSections", cp_sections_json(t, s));
	json_object_set_new(sj, "error", json_boolean(s->error));
	json_object_set_new(sj, "statusMessage", s->status_message != NULL ?
	    json_string(s->status_message) : json_null());
	json_object_set_new(sj, "orphan", json_boolean(s->orphan));
	json_object_set_new(sj, "skewUs", json_integer(s->skew_us));
	json_object_set_new(sj, "attributes", kv_json(s->attrs, s->nattrs));
	json_object_set_new(sj, "events", events_json(s));
	json_object_set_new(sj, "resource", kv_json(s->resource,
	    s->nresource));
	json_object_set_new(sj, "links", links_json(s));
	return (sj);
}

void
print_view_url(const struct ctx *c, FILE *fp, const char *tid)
{
	size_t	 n;

	n = strlen(c->jaeger_url);
	while (n > 0 && c->jaeger_url[n - 1] == '/')
		n--;
	fprintf(fp, "%sview: %.*s/trace/%s%s\n", color(C_DIM), (int)n,
	    c->jaeger_url, tid, color(C_RESET));
}

json_t *
trace_json(const struct trace *t, int full)
{
	json_t		*o, *spans, *arr;
	char		 b[64];
	size_t		 i;

	o = json_object();
	json_object_set_new(o, "traceId", json_string(trace_id_str(t, b,
	    sizeof(b))));
	fmt_time_rfc3339(t->start_us, 1, b, sizeof(b));
	json_object_set_new(o, "start", json_string(b));
	json_object_set_new(o, "startUs", json_integer(t->start_us));
	json_object_set_new(o, "durationUs", json_integer(t->duration_us));
	json_object_set_new(o, "spanCount",
	    json_integer((json_int_t)t->nspans));
	arr = json_array();
	for (i = 0; i < t->nservices; i++)
		json_array_append_new(arr, json_string(t->services[i]));
	json_object_set_new(o, "services", arr);
	json_object_set_new(o, "errorSpans",
	    json_integer((json_int_t)t->nerrors));
	json_object_set_new(o, "error", json_boolean(t->nerrors > 0));
	if (t->root != NULL) {
		json_object_set_new(o, "rootService",
		    json_string(t->root->service));
		json_object_set_new(o, "rootOperation",
		    json_string(t->root->operation));
	}
	arr = json_array();
	for (i = 0; i < t->nwarnings; i++)
		json_array_append_new(arr, json_string(t->warnings[i]));
	json_object_set_new(o, "warnings", arr);
	if (!full)
		return (o);
	spans = json_array();
	for (i = 0; i < t->nspans; i++)
		json_array_append_new(spans, span_json(t, t->order[i]));
	json_object_set_new(o, "spans", spans);
	return (o);
}
