/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jaeger.c: the Jaeger query API client: URLs, the choice between /api/v3
 * and the legacy /api, error answers of both, and the windowed search.
 *
 * Windowed search.  Jaeger answers a search with at most `limit` traces and
 * says nothing about the rest.  When an answer is full, the window is split
 * and each part searched again, down to one microsecond; traces are counted
 * once (a set of trace ids).  The split guesses the number of parts from the
 * answer (the share of the window its traces span), so a dense window is not
 * halved over and over.  This is correct for any order the store returns
 * traces in; only a microsecond holding more than `limit` traces is cut off,
 * and that is reported (jaeger->truncated).
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaeger.h"

#define V3_MISSING_HINT	"/api/v3 is not served here"

struct idset {
	uint64_t	*hi, *lo;
	unsigned char	*used;
	size_t		 n, cap;
};

struct search {
	struct jaeger			*j;
	const struct jaeger_query	*q;
	const char			*service;
	int				 v3;
	size_t				 limit;
	struct idset			 seen;
	jaeger_trace_cb			 cb;
	void				*arg;
	int				 stop;
};

static int	 fetch_json(struct jaeger *, const char *, json_t **, long *);
static int	 answer_error(struct jaeger *, const char *, long, json_t *);
static int	 v3_usable(struct jaeger *);
static int	 search_window(struct search *, int64_t, int64_t, int);

void
jaeger_init(struct jaeger *j, const char *base, long timeout_ms, int api)
{
	size_t	 n;

	memset(j, 0, sizeof(*j));
	http_client_init(&j->http, timeout_ms);
	j->base = xstrdup(base);
	n = strlen(j->base);
	while (n > 0 && j->base[n - 1] == '/')
		j->base[--n] = '\0';
	j->api = api;
	j->v3 = api == JAEGER_API_LEGACY ? 0 : -1;
}

void
jaeger_cleanup(struct jaeger *j)
{
	http_client_cleanup(&j->http);
	free(j->base);
	j->base = NULL;
}

static void
idset_init(struct idset *s)
{
	memset(s, 0, sizeof(*s));
}

static void
idset_cleanup(struct idset *s)
{
	free(s->hi);
	free(s->lo);
	free(s->used);
	idset_init(s);
}

/* Add an id; return 1 if it is new, 0 if it was there. */
static int
idset_add(struct idset *s, uint64_t hi, uint64_t lo)
{
	struct idset	 ns;
	size_t		 h, i;

	if ((s->n + 1) * 2 > s->cap) {
		ns.cap = s->cap == 0 ? 1024 : s->cap * 2;
		ns.hi = xcalloc(ns.cap, sizeof(*ns.hi));
		ns.lo = xcalloc(ns.cap, sizeof(*ns.lo));
		ns.used = xcalloc(ns.cap, 1);
		ns.n = 0;
		for (i = 0; i < s->cap; i++)
			if (s->used[i])
				idset_add(&ns, s->hi[i], s->lo[i]);
		idset_cleanup(s);
		*s = ns;
	}
	h = hash_u64(hi ^ hash_u64(lo)) & (s->cap - 1);
	while (s->used[h]) {
		if (s->hi[h] == hi && s->lo[h] == lo)
			return (0);
		h = (h + 1) & (s->cap - 1);
	}
	s->used[h] = 1;
	s->hi[h] = hi;
	s->lo[h] = lo;
	s->n++;
	return (1);
}

/*
 * GET a URL and parse its body as JSON (*out NULL if it is not JSON).
 * JAEGER_OK when an HTTP answer came, whatever its status.
 */
static int
fetch_json(struct jaeger *j, const char *url, json_t **out, long *status)
{
	struct http_response	 r;
	json_error_t		 jerr;

	*out = NULL;
	http_response_init(&r);
	j->requests++;
	if (j->verbose)
		fprintf(stderr, "tracectl: GET %s\n", url);
	if (http_request(&j->http, "GET", url, NULL, 0, NULL, &r) == -1) {
		snprintf(j->error, sizeof(j->error), "cannot reach Jaeger at "
		    "%s: %s", j->base, r.error);
		http_response_cleanup(&r);
		return (JAEGER_EUNREACH);
	}
	j->bytes += r.body.len;
	*status = r.status;
	if (r.body.len > 0)
		*out = json_loadb(r.body.data, r.body.len,
		    0, &jerr);
	if (j->verbose)
		fprintf(stderr, "tracectl: -> %ld, %zu bytes, %.1f ms\n",
		    r.status, r.body.len, r.elapsed_us / 1000.0);
	http_response_cleanup(&r);
	return (JAEGER_OK);
}

/* Word an error answer of either API. */
static int
answer_error(struct jaeger *j, const char *what, long status, json_t *js)
{
	const char	*msg;

	msg = NULL;
	if (js != NULL) {
		msg = json_string_value(json_object_get(json_object_get(js,
		    "error"), "message"));
		if (msg == NULL)
			msg = json_string_value(json_object_get(
			    json_array_get(json_object_get(js, "errors"), 0),
			    "msg"));
	}
	snprintf(j->error, sizeof(j->error), "Jaeger at %s: %s: HTTP %ld%s%s",
	    j->base, what, status, msg != NULL ? ": " : "",
	    msg != NULL ? msg : (js == NULL ? " (not a JSON answer)" : ""));
	if (status == 400)
		return (JAEGER_EQUERY);
	return (JAEGER_ESERVER);
}

/* Whether to use /api/v3; probes once, with the cheapest call. */
static int
v3_usable(struct jaeger *j)
{
	char	*url;
	json_t	*js;
	long	 status;
	int	 rc;

	if (j->v3 >= 0)
		return (j->v3);
	xasprintf(&url, "%s/api/v3/services", j->base);
	rc = fetch_json(j, url, &js, &status);
	free(url);
	if (rc != JAEGER_OK)
		return (rc);
	/* A build without v3 answers 404, or the UI's HTML page. */
	j->v3 = status == 200 && json_is_object(js);
	if (!j->v3 && j->api == JAEGER_API_V3) {
		snprintf(j->error, sizeof(j->error), "Jaeger at %s: "
		    V3_MISSING_HINT " (HTTP %ld)", j->base, status);
		json_decref(js);
		return (JAEGER_ESERVER);
	}
	json_decref(js);
	return (j->v3);
}

int
jaeger_get_trace(struct jaeger *j, const char *id, struct trace **res)
{
	struct trace_set	 ts;
	char			*url, perr[256];
	json_t			*js;
	long			 status;
	int			 rc, v3;
	uint64_t		 hi, lo;

	*res = NULL;
	if (parse_trace_id(id, &hi, &lo) == -1) {
		snprintf(j->error, sizeof(j->error), "%s: not a trace id (1 "
		    "to 32 hex digits)", id);
		return (JAEGER_EQUERY);
	}
	if ((v3 = v3_usable(j)) < 0)
		return (v3);
	xasprintf(&url, v3 ? "%s/api/v3/traces/%s" : "%s/api/traces/%s",
	    j->base, id);
	rc = fetch_json(j, url, &js, &status);
	free(url);
	if (rc != JAEGER_OK)
		return (rc);
	if (status == 404) {
		snprintf(j->error, sizeof(j->error), "trace %s not found in "
		    "Jaeger at %s", id, j->base);
		json_decref(js);
		return (JAEGER_NOTFOUND);
	}
	if (status != 200 || js == NULL) {
		rc = answer_error(j, "get trace", status, js);
		json_decref(js);
		return (rc);
	}
	trace_set_init(&ts);
	rc = v3 ? model_parse_v3(js, &ts, perr, sizeof(perr)) :
	    model_parse_legacy(js, &ts, perr, sizeof(perr));
	json_decref(js);
	if (rc == -1) {
		snprintf(j->error, sizeof(j->error), "Jaeger at %s: trace %s: "
		    "%s", j->base, id, perr);
		trace_set_cleanup(&ts);
		return (JAEGER_ESERVER);
	}
	if (ts.n == 0) {
		snprintf(j->error, sizeof(j->error), "trace %s not found in "
		    "Jaeger at %s", id, j->base);
		trace_set_cleanup(&ts);
		return (JAEGER_NOTFOUND);
	}
	/* Ask for one id, get that one. */
	*res = ts.traces[0];
	ts.traces[0] = NULL;
	for (size_t i = 1; i < ts.n; i++)
		trace_free(ts.traces[i]);
	ts.n = 0;
	trace_set_cleanup(&ts);
	return (JAEGER_OK);
}

static void
url_param(struct buf *b, const char *name, const char *value)
{
	char	*e;

	e = http_escape(value);
	buf_appendf(b, "%c%s=%s", strchr(b->data, '?') ? '&' : '?', name, e);
	free(e);
}

static char *
search_url(struct search *s, int64_t start, int64_t end)
{
	const struct jaeger_query	*q = s->q;
	struct buf			 b;
	char				 t[64];
	json_t				*tags;
	char				*tj, *eq;
	size_t				 i;

	buf_init(&b, 1 << 20);
	if (s->v3) {
		buf_appendf(&b, "%s/api/v3/traces", s->j->base);
		if (s->service != NULL)
			url_param(&b, "query.service_name", s->service);
		if (q->operation != NULL)
			url_param(&b, "query.operation_name", q->operation);
		fmt_time_rfc3339(start, 1, t, sizeof(t));
		url_param(&b, "query.start_time_min", t);
		fmt_time_rfc3339(end, 1, t, sizeof(t));
		url_param(&b, "query.start_time_max", t);
		if (q->min_duration_us > 0)
			buf_appendf(&b, "&query.duration_min=%lldus",
			    (long long)q->min_duration_us);
		if (q->max_duration_us > 0)
			buf_appendf(&b, "&query.duration_max=%lldus",
			    (long long)q->max_duration_us);
		buf_appendf(&b, "&query.num_traces=%zu", s->limit);
	} else {
		buf_appendf(&b, "%s/api/traces", s->j->base);
		url_param(&b, "service", s->service);
		if (q->operation != NULL)
			url_param(&b, "operation", q->operation);
		if (q->ntags > 0) {
			tags = json_object();
			for (i = 0; i < q->ntags; i++) {
				tj = xstrdup(q->tags[i]);
				if ((eq = strchr(tj, '=')) != NULL ||
				    (eq = strchr(tj, ':')) != NULL) {
					*eq = '\0';
					json_object_set_new(tags, tj,
					    json_string(eq + 1));
				}
				free(tj);
			}
			tj = json_dumps(tags, JSON_COMPACT);
			url_param(&b, "tags", tj);
			free(tj);
			json_decref(tags);
		}
		if (q->min_duration_us > 0)
			buf_appendf(&b, "&minDuration=%lldus",
			    (long long)q->min_duration_us);
		if (q->max_duration_us > 0)
			buf_appendf(&b, "&maxDuration=%lldus",
			    (long long)q->max_duration_us);
		buf_appendf(&b, "&limit=%zu&start=%lld&end=%lld", s->limit,
		    (long long)start, (long long)end);
	}
	return (b.data);
}

static int
search_window(struct search *s, int64_t start, int64_t end, int depth)
{
	struct trace_set	 ts;
	char			*url, perr[256];
	json_t			*js;
	long			 status;
	int			 rc;
	size_t			 i, n, k;
	int64_t			 oldest, w, a, b;

	if (s->stop)
		return (JAEGER_OK);
	url = search_url(s, start, end);
	rc = fetch_json(s->j, url, &js, &status);
	free(url);
	if (rc != JAEGER_OK)
		return (rc);
	if (status == 404 && s->v3 && js != NULL) {
		/* v3 says "No traces found" with a 404. */
		json_decref(js);
		return (JAEGER_OK);
	}
	if (status != 200 || js == NULL) {
		const char *m = json_string_value(json_object_get(
		    json_object_get(js, "error"), "message"));
		if (m == NULL)
			m = json_string_value(json_object_get(json_array_get(
			    json_object_get(js, "errors"), 0), "msg"));
		if (m != NULL && strstr(m, "search depth") != NULL &&
		    s->limit > 1) {
			/* The store holds fewer traces than we asked for. */
			s->limit /= 2;
			json_decref(js);
			return (search_window(s, start, end, depth));
		}
		rc = answer_error(s->j, "search", status, js);
		json_decref(js);
		return (rc);
	}
	trace_set_init(&ts);
	rc = s->v3 ? model_parse_v3(js, &ts, perr, sizeof(perr)) :
	    model_parse_legacy(js, &ts, perr, sizeof(perr));
	json_decref(js);
	if (rc == -1) {
		snprintf(s->j->error, sizeof(s->j->error), "Jaeger at %s: "
		    "search answer: %s", s->j->base, perr);
		trace_set_cleanup(&ts);
		return (JAEGER_ESERVER);
	}
	n = ts.n;
	oldest = end;
	for (i = 0; i < ts.n; i++) {
		struct trace *t = ts.traces[i];

		if (t->start_us < oldest)
			oldest = t->start_us;
		if (!s->stop && idset_add(&s->seen, t->id_hi, t->id_lo) &&
		    s->cb(t, s->arg) != 0)
			s->stop = 1;
	}
	trace_set_cleanup(&ts);
	if (n < s->limit || s->stop)
		return (JAEGER_OK);

	/* Full: maybe more.  Split the window. */
	w = end - start;
	if (w < 2) {
		s->j->truncated++;
		return (JAEGER_OK);
	}
	s->j->windows_split++;
	k = 2;
	if (oldest > start && oldest < end) {
		/* The answer covered (oldest, end]: aim for half a page. */
		double share = (double)(end - oldest) / (double)w;
		k = (size_t)(2.0 / share) + 1;
	}
	if (k < 2)
		k = 2;
	if (k > 64)
		k = 64;
	if ((int64_t)k > w)
		k = (size_t)w;
	/* Newest part first, like the answers.  Bounds overlap by one µs. */
	for (i = k; i > 0; i--) {
		a = start + (int64_t)((double)w * (double)(i - 1) / (double)k);
		b = i == k ? end :
		    start + (int64_t)((double)w * (double)i / (double)k);
		if ((rc = search_window(s, a, b, depth + 1)) != JAEGER_OK)
			return (rc);
	}
	return (JAEGER_OK);
}

int
jaeger_search(struct jaeger *j, const struct jaeger_query *q,
    jaeger_trace_cb cb, void *arg)
{
	struct search	 s;
	char		**svcs;
	size_t		 nsvcs, i;
	int		 rc, v3;

	if ((v3 = v3_usable(j)) < 0)
		return (v3);
	memset(&s, 0, sizeof(s));
	s.j = j;
	s.q = q;
	s.cb = cb;
	s.arg = arg;
	s.limit = q->page_limit > 0 ? q->page_limit : 1000;
	/* v3 has no tag filter over HTTP: use the legacy search for them. */
	s.v3 = v3 && q->ntags == 0;
	if (q->ntags > 0 && j->api == JAEGER_API_V3) {
		snprintf(j->error, sizeof(j->error), "tag filters need the "
		    "legacy API (/api/v3 has none over HTTP)");
		return (JAEGER_EQUERY);
	}
	idset_init(&s.seen);
	s.service = q->service;
	if (s.v3 && q->service_hint)
		s.service = NULL;
	if (s.service != NULL || s.v3) {
		rc = search_window(&s, q->start_us, q->end_us, 0);
		if (s.service != NULL || rc == JAEGER_OK ||
		    rc == JAEGER_EUNREACH) {
			idset_cleanup(&s.seen);
			return (rc);
		}
		/* A store that wants a service: ask each one. */
	}
	if ((rc = jaeger_services(j, &svcs, &nsvcs)) != JAEGER_OK) {
		idset_cleanup(&s.seen);
		return (rc);
	}
	for (i = 0; i < nsvcs && rc == JAEGER_OK && !s.stop; i++) {
		s.service = svcs[i];
		rc = search_window(&s, q->start_us, q->end_us, 0);
	}
	jaeger_free_strings(svcs, nsvcs);
	idset_cleanup(&s.seen);
	return (rc);
}

static int
str_cmp(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

int
jaeger_services(struct jaeger *j, char ***out, size_t *nout)
{
	char	*url, **v;
	json_t	*js, *arr, *it;
	long	 status;
	int	 rc, v3;
	size_t	 i, n;

	*out = NULL;
	*nout = 0;
	if ((v3 = v3_usable(j)) < 0)
		return (v3);
	xasprintf(&url, v3 ? "%s/api/v3/services" : "%s/api/services",
	    j->base);
	rc = fetch_json(j, url, &js, &status);
	free(url);
	if (rc != JAEGER_OK)
		return (rc);
	if (status != 200 || !json_is_object(js)) {
		rc = answer_error(j, "services", status, js);
		json_decref(js);
		return (rc);
	}
	arr = json_object_get(js, v3 ? "services" : "data");
	v = xcalloc(json_array_size(arr) + 1, sizeof(*v));
	n = 0;
	json_array_foreach(arr, i, it)
		if (json_is_string(it))
			v[n++] = xstrdup(json_string_value(it));
	json_decref(js);
	qsort(v, n, sizeof(*v), str_cmp);
	*out = v;
	*nout = n;
	return (JAEGER_OK);
}

static int
op_cmp(const void *a, const void *b)
{
	const struct jaeger_op *x = a, *y = b;

	return (strcmp(x->name, y->name));
}

int
jaeger_operations(struct jaeger *j, const char *svc, struct jaeger_op **out,
    size_t *nout)
{
	struct jaeger_op	*v;
	char			*url, *e;
	json_t			*js, *arr, *it;
	long			 status;
	int			 rc, v3;
	size_t			 i, n;
	const char		*name, *kind;

	*out = NULL;
	*nout = 0;
	if ((v3 = v3_usable(j)) < 0)
		return (v3);
	e = http_escape(svc);
	xasprintf(&url, v3 ? "%s/api/v3/operations?service=%s" :
	    "%s/api/services/%s/operations", j->base, e);
	free(e);
	rc = fetch_json(j, url, &js, &status);
	free(url);
	if (rc != JAEGER_OK)
		return (rc);
	if (status != 200 || !json_is_object(js)) {
		rc = answer_error(j, "operations", status, js);
		json_decref(js);
		return (rc);
	}
	arr = json_object_get(js, v3 ? "operations" : "data");
	v = xcalloc(json_array_size(arr) + 1, sizeof(*v));
	n = 0;
	json_array_foreach(arr, i, it) {
		name = json_is_string(it) ? json_string_value(it) :
		    json_string_value(json_object_get(it, "name"));
		kind = json_string_value(json_object_get(it, "spanKind"));
		if (name == NULL)
			continue;
		v[n].name = xstrdup(name);
		v[n].kind = xstrdup(kind != NULL ? kind : "");
		n++;
	}
	json_decref(js);
	qsort(v, n, sizeof(*v), op_cmp);
	*out = v;
	*nout = n;
	return (JAEGER_OK);
}

int
jaeger_dependencies(struct jaeger *j, int64_t end_us, int64_t lookback_us,
    struct jaeger_dep **out, size_t *nout)
{
	struct jaeger_dep	*v;
	char			*url;
	json_t			*js, *arr, *it;
	long			 status;
	int			 rc;
	size_t			 i, n;
	const char		*p, *c;
	int64_t			 calls;

	*out = NULL;
	*nout = 0;
	/* Only the legacy API has dependencies; times in milliseconds. */
	xasprintf(&url, "%s/api/dependencies?endTs=%lld&lookback=%lld",
	    j->base, (long long)(end_us / 1000),
	    (long long)(lookback_us / 1000));
	rc = fetch_json(j, url, &js, &status);
	free(url);
	if (rc != JAEGER_OK)
		return (rc);
	if (status != 200 || !json_is_object(js)) {
		rc = answer_error(j, "dependencies", status, js);
		json_decref(js);
		return (rc);
	}
	arr = json_object_get(js, "data");
	v = xcalloc(json_array_size(arr) + 1, sizeof(*v));
	n = 0;
	json_array_foreach(arr, i, it) {
		p = json_string_value(json_object_get(it, "parent"));
		c = json_string_value(json_object_get(it, "child"));
		if (p == NULL || c == NULL)
			continue;
		if (!json_is_integer(json_object_get(it, "callCount")))
			calls = 0;
		else
			calls = json_integer_value(json_object_get(it,
			    "callCount"));
		v[n].parent = xstrdup(p);
		v[n].child = xstrdup(c);
		v[n].calls = calls;
		n++;
	}
	json_decref(js);
	*out = v;
	*nout = n;
	return (JAEGER_OK);
}

/* The newest numeric point of a series; Jaeger writes NaN as "NaN". */
static int
series_newest(json_t *points, double *v)
{
	json_t	*pt, *d;
	size_t	 i;
	int	 have;

	have = 0;
	json_array_foreach(points, i, pt) {
		d = json_object_get(json_object_get(pt, "gaugeValue"),
		    "doubleValue");
		if (json_is_number(d)) {
			*v = json_number_value(d);
			have = 1;
		}
	}
	return (have);
}

int
jaeger_metrics(struct jaeger *j, const struct jaeger_metrics_query *q,
    struct jaeger_series **out, size_t *nout)
{
	static const char *const paths[] = { "calls", "errors", "latencies" };
	struct jaeger_series	*v;
	struct buf		 url;
	json_t			*js, *arr, *it, *lab;
	const char		*name, *val, *svc, *op;
	char			*e, what[32];
	long			 status;
	size_t			 i, k, n;
	int			 rc, bad;

	*out = NULL;
	*nout = 0;
	buf_init(&url, 64 * 1024);
	bad = buf_appendf(&url, "%s/api/metrics/%s?groupByOperation=true"
	    "&endTs=%lld&lookback=%lld&step=%lld&ratePer=%lld", j->base,
	    paths[q->metric],
	    (long long)q->end_ms, (long long)q->step_ms, (long long)q->step_ms,
	    (long long)q->window_ms);
	if (q->metric == JAEGER_M_LATENCY)
		bad |= buf_appendf(&url, "&quantile=%.4g", q->quantile);
	for (i = 0; i < q->nservices; i++) {
		e = http_escape(q->services[i]);
		bad |= buf_appendf(&url, "&service=%s", e);
		free(e);
	}
	for (i = 0; i < q->nspan_kinds; i++)
		bad |= buf_appendf(&url, "&spanKind=%s", q->span_kinds[i]);
	if (bad) {
		buf_cleanup(&url);
		snprintf(j->error, sizeof(j->error), "too many services for "
		    "one metrics query (a URL over 64 KiB)");
		return (JAEGER_EQUERY);
	}
	rc = fetch_json(j, url.data, &js, &status);
	buf_cleanup(&url);
	if (rc != JAEGER_OK)
		return (rc);
	if (status != 200 || !json_is_object(js)) {
		snprintf(what, sizeof(what), "metrics/%s", paths[q->metric]);
		rc = answer_error(j, what, status, js);
		json_decref(js);
		return (status == 501 ? JAEGER_ENOMETRICS : rc);
	}
	arr = json_object_get(js, "metrics");
	v = xcalloc(json_array_size(arr) + 1, sizeof(*v));
	n = 0;
	json_array_foreach(arr, i, it) {
		svc = op = NULL;
		json_array_foreach(json_object_get(it, "labels"), k, lab) {
			name = json_string_value(json_object_get(lab, "name"));
			val = json_string_value(json_object_get(lab, "value"));
			if (name == NULL || val == NULL)
				continue;
			if (strcmp(name, "service_name") == 0)
				svc = val;
			else if (strcmp(name, "operation") == 0)
				op = val;
		}
		if (svc == NULL || op == NULL)
			continue;
		v[n].service = xstrdup(svc);
		v[n].operation = xstrdup(op);
		v[n].has = series_newest(json_object_get(it, "metricPoints"),
		    &v[n].value);
		n++;
	}
	json_decref(js);
	*out = v;
	*nout = n;
	return (JAEGER_OK);
}

void
jaeger_free_series(struct jaeger_series *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].service);
		free(v[i].operation);
	}
	free(v);
}

void
jaeger_free_strings(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
jaeger_free_ops(struct jaeger_op *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].kind);
	}
	free(v);
}

void
jaeger_free_deps(struct jaeger_dep *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].parent);
		free(v[i].child);
	}
	free(v);
}
