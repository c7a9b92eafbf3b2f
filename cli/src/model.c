/*
 * model.c: turns Jaeger answers (legacy JSON and OTLP JSON from /api/v3)
 * into linked traces: parent links, orphans (a parent id that is not in the
 * trace: the span becomes a root and is flagged), cycles (cut), services,
 * error flags, and the clock-skew fix between services.
 *
 * Clock skew.  Spans of one service share a clock; spans of two services may
 * not.  When a child of another service than its parent does not fit in its
 * parent's interval, its clock is taken to be off: like Jaeger's adjuster,
 * the child is moved to the middle of its parent (equal latency out and
 * back), or, when it is longer than its parent, to its parent's start.  The
 * child's same-service descendants move with it; other services' spans below
 * it are judged against their moved parent in turn.  Roots and orphans never
 * move.  Same-service children are never moved (one clock: an overhang is
 * real, e.g. asynchronous work).  Every move is recorded in span->skew_us and
 * in a trace warning.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define MAX_TRACE_SPANS	1000000

static void	 trace_warn(struct trace *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 trace_finish(struct trace *, char *, size_t);
static const char *json_to_str(struct arena *, json_t *);
static int	 json_i64(json_t *, int64_t *);
static const char *otlp_value(struct arena *, json_t *, int *);
static struct kv *otlp_attrs(struct arena *, json_t *, size_t *);
static int	 legacy_span(struct trace *, struct span *, json_t *, json_t *);
static int	 v3_span(struct trace *, struct span *, json_t *, const char *);
static int	 span_cmp_start(const void *, const void *);
static int	 str_cmp(const void *, const void *);

void
trace_set_init(struct trace_set *ts)
{
	ts->traces = NULL;
	ts->n = 0;
	ts->cap = 0;
}

void
trace_set_cleanup(struct trace_set *ts)
{
	size_t	 i;

	for (i = 0; i < ts->n; i++)
		trace_free(ts->traces[i]);
	free(ts->traces);
	trace_set_init(ts);
}

void
trace_set_add(struct trace_set *ts, struct trace *t)
{
	if (ts->n == ts->cap) {
		ts->cap = ts->cap == 0 ? 16 : ts->cap * 2;
		ts->traces = xreallocarray(ts->traces, ts->cap,
		    sizeof(*ts->traces));
	}
	ts->traces[ts->n++] = t;
}

static struct trace *
trace_alloc(void)
{
	struct trace	*t;

	t = xcalloc(1, sizeof(*t));
	arena_init(&t->arena);
	return (t);
}

void
trace_free(struct trace *t)
{
	if (t == NULL)
		return;
	free(t->warnings);
	arena_cleanup(&t->arena);
	free(t);
}

static void
trace_warn(struct trace *t, const char *fmt, ...)
{
	va_list	 ap;
	char	 b[512];

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (t->nwarnings == t->nwarnings_cap) {
		t->nwarnings_cap = t->nwarnings_cap == 0 ? 4 :
		    t->nwarnings_cap * 2;
		t->warnings = xreallocarray(t->warnings, t->nwarnings_cap,
		    sizeof(*t->warnings));
	}
	t->warnings[t->nwarnings++] = arena_strdup(&t->arena, b);
}

/* JSON helpers: missing or mistyped fields read as absent, never crash. */

static const char *
jstr(json_t *o, const char *key)
{
	const char	*s;

	s = json_string_value(json_object_get(o, key));
	return (s);
}

static int
json_i64(json_t *v, int64_t *out)
{
	const char	*s;
	long long	 ll;

	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return (0);
	}
	if (json_is_real(v)) {
		*out = (int64_t)json_real_value(v);
		return (0);
	}
	if ((s = json_string_value(v)) != NULL &&
	    parse_int(s, INT64_MIN, INT64_MAX, &ll) == 0) {
		*out = ll;
		return (0);
	}
	return (-1);
}

static const char *
json_to_str(struct arena *a, json_t *v)
{
	char		 b[64];
	char		*s;
	const char	*r;

	if (v == NULL)
		return ("");
	switch (json_typeof(v)) {
	case JSON_STRING:
		return (arena_strndup(a, json_string_value(v),
		    json_string_length(v)));
	case JSON_INTEGER:
		snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return (arena_strdup(a, b));
	case JSON_REAL:
		snprintf(b, sizeof(b), "%.17g", json_real_value(v));
		return (arena_strdup(a, b));
	case JSON_TRUE:
		return ("true");
	case JSON_FALSE:
		return ("false");
	case JSON_NULL:
		return ("null");
	default:
		if ((s = json_dumps(v, JSON_COMPACT)) == NULL)
			return ("");
		r = arena_strdup(a, s);
		free(s);
		return (r);
	}
}

/* The type of a legacy tag ({"key", "type": "int64", "value"}). */
static int
legacy_type(json_t *tag)
{
	const char	*t = jstr(tag, "type");

	if (t == NULL)
		return (KV_STRING);
	if (strcmp(t, "int64") == 0)
		return (KV_INT);
	if (strcmp(t, "float64") == 0)
		return (KV_DOUBLE);
	if (strcmp(t, "bool") == 0)
		return (KV_BOOL);
	return (KV_STRING);
}

/* An OTLP AnyValue ({"stringValue": ...} etc.) as text; its type too. */
static const char *
otlp_value(struct arena *a, json_t *v, int *type)
{
	const char	*key;
	json_t		*val, *arr, *item;
	struct buf	 b;
	const char	*r;
	size_t		 i;

	*type = KV_STRING;
	if (!json_is_object(v))
		return ("");
	json_object_foreach(v, key, val) {
		if (strcmp(key, "intValue") == 0)
			*type = KV_INT;
		else if (strcmp(key, "doubleValue") == 0)
			*type = KV_DOUBLE;
		else if (strcmp(key, "boolValue") == 0)
			*type = KV_BOOL;
		if (strcmp(key, "arrayValue") == 0) {
			int	 et;

			*type = KV_ARRAY;
			arr = json_object_get(val, "values");
			buf_init(&b, 1 << 20);
			buf_append(&b, "[", 1);
			json_array_foreach(arr, i, item) {
				if (i > 0)
					buf_append(&b, ",", 1);
				r = otlp_value(a, item, &et);
				buf_append(&b, r, strlen(r));
			}
			buf_append(&b, "]", 1);
			r = arena_strdup(a, b.data);
			buf_cleanup(&b);
			return (r);
		}
		return (json_to_str(a, val));
	}
	return ("");
}

/*
 * An OTLP attribute array ([{"key": ..., "value": AnyValue}]) as a new
 * array in the arena, keyless entries left out; their count in *n.
 */
static struct kv *
otlp_attrs(struct arena *a, json_t *attrs, size_t *n)
{
	struct kv	*kv;
	json_t		*at;
	const char	*key;
	size_t		 i;

	kv = arena_alloc(a, (json_array_size(attrs) + 1) * sizeof(*kv));
	*n = 0;
	json_array_foreach(attrs, i, at) {
		if ((key = jstr(at, "key")) == NULL)
			continue;
		kv[*n].key = arena_strdup(a, key);
		kv[*n].value = otlp_value(a, json_object_get(at, "value"),
		    &kv[*n].type);
		(*n)++;
	}
	return (kv);
}

static int
kind_from_string(const char *s)
{
	static const char *names[] = {
		"unspecified", "internal", "server", "client", "producer",
		"consumer"
	};
	size_t	 i;

	if (strncmp(s, "SPAN_KIND_", 10) == 0)
		s += 10;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i]) == 0)
			return ((int)i);
	return (SPAN_KIND_UNSPECIFIED);
}

const char *
span_kind_name(int k)
{
	static const char *names[] = {
		"", "internal", "server", "client", "producer", "consumer"
	};

	if (k < 0 || k > SPAN_KIND_CONSUMER)
		return ("");
	return (names[k]);
}

const char *
span_attr(const struct span *s, const char *key)
{
	size_t	 i;

	for (i = 0; i < s->nattrs; i++)
		if (strcmp(s->attrs[i].key, key) == 0)
			return (s->attrs[i].value);
	return (NULL);
}

const char *
event_attr(const struct span_event *e, const char *key)
{
	size_t	 i;

	for (i = 0; i < e->nattrs; i++)
		if (strcmp(e->attrs[i].key, key) == 0)
			return (e->attrs[i].value);
	return (NULL);
}

static uint64_t
span_id_of(const char *s)
{
	uint64_t	 v;
	size_t		 n;

	if (s == NULL || (n = strlen(s)) == 0)
		return (0);
	/* A 128-bit-wide id keeps its low 64 bits, like Jaeger. */
	if (n > 16) {
		s += n - 16;
		n = 16;
	}
	if (hex_to_u64(s, n, &v) == -1)
		return (0);
	return (v);
}

/* Error flags and messages that tags/attributes carry in either API. */
static void
span_status_from_attrs(struct span *sp)
{
	const char	*v;
	size_t		 i, j;

	if ((v = span_attr(sp, "error")) != NULL && strcmp(v, "true") == 0)
		sp->error = 1;
	if ((v = span_attr(sp, "otel.status_code")) != NULL &&
	    strcmp(v, "ERROR") == 0)
		sp->error = 1;
	if (sp->status_message == NULL &&
	    (v = span_attr(sp, "otel.status_description")) != NULL)
		sp->status_message = v;
	if (!sp->error || sp->status_message != NULL)
		return;
	/* An error without a status text: take an exception event's. */
	for (i = 0; i < sp->nevents; i++)
		for (j = 0; j < sp->events[i].nattrs; j++)
			if (strcmp(sp->events[i].attrs[j].key,
			    "exception.message") == 0) {
				sp->status_message =
				    sp->events[i].attrs[j].value;
				return;
			}
}

static int
legacy_span(struct trace *t, struct span *sp, json_t *js, json_t *procs)
{
	struct arena	*a = &t->arena;
	json_t		*refs, *ref, *tags, *tag, *logs, *lg, *fields, *f, *proc;
	const char	*s, *pid, *key;
	size_t		 i, j, k;
	int64_t		 v;
	long		 pref;

	memset(sp, 0, sizeof(*sp));
	if ((s = jstr(js, "spanID")) == NULL || (sp->id = span_id_of(s)) == 0)
		return (-1);
	s = jstr(js, "operationName");
	sp->operation = arena_strdup(a, s != NULL ? s : "");
	if (json_i64(json_object_get(js, "startTime"), &v) == -1)
		return (-1);
	sp->start_us = v;
	if (json_i64(json_object_get(js, "duration"), &v) == -1 || v < 0)
		v = 0;
	sp->duration_us = v;

	refs = json_object_get(js, "references");
	/* The first CHILD_OF reference is the parent; else the first one. */
	pref = -1;
	json_array_foreach(refs, i, ref) {
		s = jstr(ref, "refType");
		if (s != NULL && strcmp(s, "CHILD_OF") == 0) {
			sp->parent_id = span_id_of(jstr(ref, "spanID"));
			sp->follows_from = 0;
			pref = (long)i;
			break;
		}
		if (sp->parent_id == 0) {
			sp->parent_id = span_id_of(jstr(ref, "spanID"));
			sp->follows_from = 1;
			pref = (long)i;
		}
	}
	if (sp->parent_id == 0 && (s = jstr(js, "parentSpanID")) != NULL)
		sp->parent_id = span_id_of(s);	/* older answers */
	/* The other references are links (OTLP links arrive as these). */
	sp->links = arena_alloc(a, (json_array_size(refs) + 1) *
	    sizeof(*sp->links));
	json_array_foreach(refs, i, ref) {
		struct span_link *l = &sp->links[sp->nlinks];

		if ((long)i == pref)
			continue;
		memset(l, 0, sizeof(*l));
		if ((s = jstr(ref, "traceID")) != NULL)
			(void)parse_trace_id(s, &l->trace_hi, &l->trace_lo);
		l->span_id = span_id_of(jstr(ref, "spanID"));
		s = jstr(ref, "refType");
		l->type = arena_strdup(a, s != NULL ? s : "reference");
		sp->nlinks++;
	}

	pid = jstr(js, "processID");
	proc = pid != NULL ? json_object_get(procs, pid) : NULL;
	if (proc == NULL)
		proc = json_object_get(js, "process");
	s = proc != NULL ? jstr(proc, "serviceName") : NULL;
	sp->service = arena_strdup(a, s != NULL ? s : "unknown");
	tags = json_object_get(proc, "tags");
	sp->resource = arena_alloc(a, (json_array_size(tags) + 2) *
	    sizeof(*sp->resource));
	sp->resource[0].key = "service.name";
	sp->resource[0].value = sp->service;
	sp->resource[0].type = KV_STRING;
	sp->nresource = 1;
	json_array_foreach(tags, i, tag) {
		if ((key = jstr(tag, "key")) == NULL)
			continue;
		sp->resource[sp->nresource].key = arena_strdup(a, key);
		sp->resource[sp->nresource].value = json_to_str(a,
		    json_object_get(tag, "value"));
		sp->resource[sp->nresource].type = legacy_type(tag);
		sp->nresource++;
	}

	tags = json_object_get(js, "tags");
	sp->nattrs = json_array_size(tags);
	sp->attrs = arena_alloc(a, (sp->nattrs + 1) * sizeof(*sp->attrs));
	k = 0;
	json_array_foreach(tags, i, tag) {
		if ((key = jstr(tag, "key")) == NULL)
			continue;
		sp->attrs[k].key = arena_strdup(a, key);
		sp->attrs[k].value = json_to_str(a, json_object_get(tag,
		    "value"));
		sp->attrs[k].type = legacy_type(tag);
		if (strcmp(key, "span.kind") == 0)
			sp->kind = kind_from_string(sp->attrs[k].value);
		k++;
	}
	sp->nattrs = k;

	logs = json_object_get(js, "logs");
	sp->nevents = json_array_size(logs);
	sp->events = arena_alloc(a, (sp->nevents + 1) * sizeof(*sp->events));
	json_array_foreach(logs, i, lg) {
		struct span_event *ev = &sp->events[i];

		ev->ts_us = json_i64(json_object_get(lg, "timestamp"), &v) == 0 ?
		    v : sp->start_us;
		ev->name = "";
		fields = json_object_get(lg, "fields");
		ev->nattrs = json_array_size(fields);
		ev->attrs = arena_alloc(a, (ev->nattrs + 1) *
		    sizeof(*ev->attrs));
		k = 0;
		json_array_foreach(fields, j, f) {
			if ((key = jstr(f, "key")) == NULL)
				continue;
			ev->attrs[k].key = arena_strdup(a, key);
			ev->attrs[k].value = json_to_str(a,
			    json_object_get(f, "value"));
			ev->attrs[k].type = legacy_type(f);
			/* OTLP events come back with their name as "event". */
			if (strcmp(key, "event") == 0)
				ev->name = ev->attrs[k].value;
			k++;
		}
		ev->nattrs = k;
	}
	span_status_from_attrs(sp);
	return (0);
}

int
model_parse_legacy(json_t *root, struct trace_set *ts, char *errbuf,
    size_t errlen)
{
	json_t		*data, *jt, *spans, *js, *procs;
	struct trace	*t;
	const char	*id;
	size_t		 i, j, n;

	data = json_object_get(root, "data");
	if (json_is_null(data) || data == NULL) {
		if (json_is_object(root))
			return (0);	/* "data": null: nothing */
	}
	if (!json_is_array(data)) {
		snprintf(errbuf, errlen, "answer has no \"data\" array");
		return (-1);
	}
	json_array_foreach(data, i, jt) {
		spans = json_object_get(jt, "spans");
		procs = json_object_get(jt, "processes");
		if ((id = jstr(jt, "traceID")) == NULL && json_array_size(spans) > 0)
			id = jstr(json_array_get(spans, 0), "traceID");
		t = trace_alloc();
		if (id == NULL || parse_trace_id(id, &t->id_hi, &t->id_lo) == -1) {
			snprintf(errbuf, errlen, "trace %zu: bad traceID", i);
			trace_free(t);
			return (-1);
		}
		n = json_array_size(spans);
		if (n > MAX_TRACE_SPANS) {
			snprintf(errbuf, errlen, "trace %s: %zu spans, over "
			    "the limit of %d", id, n, MAX_TRACE_SPANS);
			trace_free(t);
			return (-1);
		}
		t->spans = arena_alloc(&t->arena, (n + 1) * sizeof(*t->spans));
		t->nspans = 0;
		json_array_foreach(spans, j, js) {
			if (legacy_span(t, &t->spans[t->nspans], js, procs) == -1) {
				trace_warn(t, "span %zu: no spanID or startTime; "
				    "skipped", j);
				continue;
			}
			t->nspans++;
		}
		if (trace_finish(t, errbuf, errlen) == -1) {
			trace_free(t);
			return (-1);
		}
		trace_set_add(ts, t);
	}
	return (0);
}

static int
v3_span(struct trace *t, struct span *sp, json_t *js, const char *service)
{
	struct arena	*a = &t->arena;
	json_t		*events, *ev, *status, *code, *kind, *links;
	const char	*s;
	int64_t		 st, en;
	size_t		 i;

	memset(sp, 0, sizeof(*sp));
	if ((sp->id = span_id_of(jstr(js, "spanId"))) == 0)
		return (-1);
	sp->parent_id = span_id_of(jstr(js, "parentSpanId"));
	s = jstr(js, "name");
	sp->operation = arena_strdup(a, s != NULL ? s : "");
	sp->service = service;
	if (json_i64(json_object_get(js, "startTimeUnixNano"), &st) == -1)
		return (-1);
	if (json_i64(json_object_get(js, "endTimeUnixNano"), &en) == -1 ||
	    en < st)
		en = st;
	sp->start_us = st / 1000;
	sp->duration_us = en / 1000 - st / 1000;
	kind = json_object_get(js, "kind");
	if (json_is_integer(kind))
		sp->kind = (int)json_integer_value(kind);
	else if (json_is_string(kind))
		sp->kind = kind_from_string(json_string_value(kind));
	if (sp->kind < 0 || sp->kind > SPAN_KIND_CONSUMER)
		sp->kind = SPAN_KIND_UNSPECIFIED;

	sp->attrs = otlp_attrs(a, json_object_get(js, "attributes"),
	    &sp->nattrs);

	events = json_object_get(js, "events");
	sp->nevents = json_array_size(events);
	sp->events = arena_alloc(a, (sp->nevents + 1) * sizeof(*sp->events));
	json_array_foreach(events, i, ev) {
		struct span_event *e = &sp->events[i];

		e->ts_us = json_i64(json_object_get(ev, "timeUnixNano"), &st) ==
		    0 ? st / 1000 : sp->start_us;
		s = jstr(ev, "name");
		e->name = arena_strdup(a, s != NULL ? s : "");
		e->attrs = otlp_attrs(a, json_object_get(ev, "attributes"),
		    &e->nattrs);
	}

	links = json_object_get(js, "links");
	sp->links = arena_alloc(a, (json_array_size(links) + 1) *
	    sizeof(*sp->links));
	json_array_foreach(links, i, ev) {
		struct span_link *l = &sp->links[sp->nlinks];

		memset(l, 0, sizeof(*l));
		if ((s = jstr(ev, "traceId")) != NULL)
			(void)parse_trace_id(s, &l->trace_hi, &l->trace_lo);
		l->span_id = span_id_of(jstr(ev, "spanId"));
		l->type = "link";
		l->attrs = otlp_attrs(a, json_object_get(ev, "attributes"),
		    &l->nattrs);
		sp->nlinks++;
	}

	status = json_object_get(js, "status");
	code = json_object_get(status, "code");
	if ((json_is_integer(code) && json_integer_value(code) == 2) ||
	    (json_is_string(code) &&
	    strcmp(json_string_value(code), "STATUS_CODE_ERROR") == 0))
		sp->error = 1;
	if ((s = jstr(status, "message")) != NULL && *s != '\0')
		sp->status_message = arena_strdup(a, s);
	span_status_from_attrs(sp);
	return (0);
}

/*
 * The attributes of one resource, parsed into one trace's arena once and
 * shared by that trace's spans of the resource.
 */
struct v3_resource {
	json_t		*rs;
	struct trace	*t;
	struct kv	*kv;
	size_t		 n;
};

static void
v3_resource_get(struct v3_resource *r, struct trace *t, json_t *rs)
{
	if (r->rs == rs && r->t == t)
		return;
	r->rs = rs;
	r->t = t;
	r->kv = otlp_attrs(&t->arena, json_object_get(json_object_get(rs,
	    "resource"), "attributes"), &r->n);
}

/* Group OTLP spans by trace id; one trace per id, in order of appearance. */
struct v3_group {
	uint64_t	 hi, lo;
	struct trace	*t;
	size_t		 count;
};

int
model_parse_v3(json_t *root, struct trace_set *ts, char *errbuf,
    size_t errlen)
{
	json_t		*result, *rss, *rs, *sss, *ss, *spans, *js, *attrs, *at;
	struct v3_group	*groups;
	struct v3_resource res;
	size_t		 ngroups, cap, mask, h, i, j, k, l, g, first;
	size_t		*slots;
	const char	*svc, *key, *tid;
	uint64_t	 hi, lo;
	int		 pass, rc;

	result = json_object_get(root, "result");
	if (result == NULL)
		result = root;	/* plain TracesData */
	rss = json_object_get(result, "resourceSpans");
	if (rss == NULL)
		return (0);
	if (!json_is_array(rss)) {
		snprintf(errbuf, errlen, "\"resourceSpans\" is not an array");
		return (-1);
	}
	groups = NULL;
	memset(&res, 0, sizeof(res));
	ngroups = 0;
	cap = 64;
	slots = xcalloc(cap, sizeof(*slots));	/* 0: empty, else index+1 */
	mask = cap - 1;
	first = ts->n;
	rc = 0;

	/* Pass 0 counts spans per trace, pass 1 parses them. */
	for (pass = 0; pass < 2; pass++) {
		json_array_foreach(rss, i, rs) {
			svc = NULL;
			attrs = json_object_get(json_object_get(rs, "resource"),
			    "attributes");
			json_array_foreach(attrs, j, at) {
				key = jstr(at, "key");
				if (key != NULL && strcmp(key, "service.name") == 0)
					svc = json_string_value(json_object_get(
					    json_object_get(at, "value"),
					    "stringValue"));
			}
			sss = json_object_get(rs, "scopeSpans");
			if (sss == NULL)
				sss = json_object_get(rs,
				    "instrumentationLibrarySpans");
			json_array_foreach(sss, j, ss) {
				spans = json_object_get(ss, "spans");
				json_array_foreach(spans, k, js) {
					tid = jstr(js, "traceId");
					if (tid == NULL || parse_trace_id(tid,
					    &hi, &lo) == -1)
						continue;
					h = hash_u64(hi ^ hash_u64(lo)) & mask;
					while (slots[h] != 0 &&
					    (groups[slots[h] - 1].hi != hi ||
					    groups[slots[h] - 1].lo != lo))
						h = (h + 1) & mask;
					if (slots[h] == 0) {
						if (pass == 1)
							continue;
						groups = xreallocarray(groups,
						    ngroups + 1, sizeof(*groups));
						groups[ngroups].hi = hi;
						groups[ngroups].lo = lo;
						groups[ngroups].t = NULL;
						groups[ngroups].count = 0;
						slots[h] = ++ngroups;
						g = ngroups - 1;
						if (ngroups * 2 > cap) {
							/* Grow and rehash. */
							cap *= 2;
							mask = cap - 1;
							free(slots);
							slots = xcalloc(cap,
							    sizeof(*slots));
							for (l = 0; l < ngroups;
							    l++) {
								h = hash_u64(
								    groups[l].hi ^
								    hash_u64(
								    groups[l].lo))
								    & mask;
								while (slots[h])
									h = (h + 1)
									    & mask;
								slots[h] = l + 1;
							}
						}
					} else
						g = slots[h] - 1;
					if (pass == 0) {
						groups[g].count++;
						continue;
					}
					{
						struct trace *t = groups[g].t;
						const char *s;

						s = arena_strdup(&t->arena,
						    svc != NULL ? svc :
						    "unknown");
						if (v3_span(t,
						    &t->spans[t->nspans], js,
						    s) == -1) {
							trace_warn(t, "a span "
							    "without spanId or "
							    "start; skipped");
							continue;
						}
						v3_resource_get(&res, t, rs);
						t->spans[t->nspans].resource =
						    res.kv;
						t->spans[t->nspans].nresource =
						    res.n;
						t->nspans++;
					}
				}
			}
		}
		if (pass == 0) {
			for (g = 0; g < ngroups; g++) {
				struct trace *t = trace_alloc();

				if (groups[g].count > MAX_TRACE_SPANS) {
					snprintf(errbuf, errlen, "a trace has "
					    "%zu spans, over the limit of %d",
					    groups[g].count, MAX_TRACE_SPANS);
					trace_free(t);
					for (l = 0; l < g; l++)
						trace_free(groups[l].t);
					free(groups);
					free(slots);
					return (-1);
				}
				t->id_hi = groups[g].hi;
				t->id_lo = groups[g].lo;
				t->spans = arena_alloc(&t->arena,
				    (groups[g].count + 1) * sizeof(*t->spans));
				groups[g].t = t;
			}
		}
	}
	for (g = 0; g < ngroups; g++) {
		if (rc == 0 && trace_finish(groups[g].t, errbuf, errlen) == 0) {
			trace_set_add(ts, groups[g].t);
			continue;
		}
		rc = -1;
		trace_free(groups[g].t);
	}
	if (rc == -1) {
		for (i = first; i < ts->n; i++)
			trace_free(ts->traces[i]);
		ts->n = first;
	}
	free(groups);
	free(slots);
	return (rc);
}

/* An open-addressed index span id -> span, built per trace. */
struct span_index {
	struct span	**slot;
	size_t		 mask;
};

static void
index_build(struct span_index *ix, struct trace *t)
{
	size_t	 cap, i, h;

	cap = 16;
	while (cap < t->nspans * 2)
		cap *= 2;
	ix->slot = xcalloc(cap, sizeof(*ix->slot));
	ix->mask = cap - 1;
	for (i = 0; i < t->nspans; i++) {
		h = hash_u64(t->spans[i].id) & ix->mask;
		while (ix->slot[h] != NULL) {
			if (ix->slot[h]->id == t->spans[i].id)
				break;
			h = (h + 1) & ix->mask;
		}
		if (ix->slot[h] != NULL) {
			trace_warn(t, "duplicate span id %016llx (%s %s); "
			    "the first one takes its children",
			    (unsigned long long)t->spans[i].id,
			    t->spans[i].service, t->spans[i].operation);
			continue;
		}
		ix->slot[h] = &t->spans[i];
	}
}

static struct span *
index_get(const struct span_index *ix, uint64_t id)
{
	size_t	 h;

	h = hash_u64(id) & ix->mask;
	while (ix->slot[h] != NULL) {
		if (ix->slot[h]->id == id)
			return (ix->slot[h]);
		h = (h + 1) & ix->mask;
	}
	return (NULL);
}

struct span *
trace_span(const struct trace *t, uint64_t id)
{
	size_t	 i;

	for (i = 0; i < t->nspans; i++)
		if (t->spans[i].id == id)
			return (&t->spans[i]);
	return (NULL);
}

static int
span_cmp_start(const void *a, const void *b)
{
	const struct span *x = *(struct span * const *)a;
	const struct span *y = *(struct span * const *)b;

	if (x->start_us != y->start_us)
		return (x->start_us < y->start_us ? -1 : 1);
	/* Longer first: a parent-like span before its contents. */
	if (x->duration_us != y->duration_us)
		return (x->duration_us > y->duration_us ? -1 : 1);
	return (x->id < y->id ? -1 : x->id > y->id);
}

static int
str_cmp(const void *a, const void *b)
{
	return (strcmp(*(const char * const *)a, *(const char * const *)b));
}

/* Shift a span and its same-service descendants by d; fix the others. */
static void
skew_fix(struct trace *t, struct span *p)
{
	struct span	*c;
	int64_t		 pend, cend, d;
	size_t		 i;

	for (i = 0; i < p->nchildren; i++) {
		c = p->children[i];
		if (strcmp(c->service, p->service) == 0) {
			/* One clock: moves with its parent. */
			c->start_us += p->skew_us;
			c->skew_us = p->skew_us;
		} else {
			pend = p->start_us + p->duration_us;
			cend = c->start_us + c->duration_us;
			d = 0;
			if (c->start_us < p->start_us || cend > pend) {
				if (c->duration_us <= p->duration_us)
					d = p->start_us + (p->duration_us -
					    c->duration_us) / 2 - c->start_us;
				else
					d = p->start_us - c->start_us;
			}
			if (d != 0) {
				char db[32];

				c->start_us += d;
				c->skew_us = d;
				t->nskewed++;
				fmt_duration(d, db, sizeof(db));
				trace_warn(t, "clock skew: %s %s moved by %s "
				    "into its parent (%s %s)", c->service,
				    c->operation, db, p->service, p->operation);
			}
		}
		skew_fix(t, c);
	}
}

static void
order_walk(struct trace *t, struct span *s, int depth, size_t *n)
{
	size_t	 i;

	s->depth = depth;
	t->order[(*n)++] = s;
	for (i = 0; i < s->nchildren; i++)
		order_walk(t, s->children[i], depth + 1, n);
}

static void
mark_reach(struct span *s, unsigned char *seen, const struct span *base)
{
	size_t	 i;

	seen[s - base] = 1;
	for (i = 0; i < s->nchildren; i++)
		if (!seen[s->children[i] - base])
			mark_reach(s->children[i], seen, base);
}

static int
trace_finish(struct trace *t, char *errbuf, size_t errlen)
{
	struct span_index	 ix;
	struct span		*s, *p, **kids;
	unsigned char		*seen;
	size_t			 i, j, n, nroots;
	int64_t			 end;
	const char		**svcs;

	(void)errbuf;
	(void)errlen;
	index_build(&ix, t);

	/* Parents; a missing parent makes an orphan, a root of its own. */
	n = 0;
	for (i = 0; i < t->nspans; i++) {
		s = &t->spans[i];
		s->parent = NULL;
		if (s->parent_id == 0)
			continue;
		p = index_get(&ix, s->parent_id);
		if (p == NULL || p == s) {
			s->orphan = 1;
			t->norphans++;
			trace_warn(t, "parent %016llx of %s %s (%016llx) is "
			    "not in the trace", (unsigned long long)s->parent_id,
			    s->service, s->operation,
			    (unsigned long long)s->id);
			continue;
		}
		s->parent = p;
		p->nchildren++;
	}
	free(ix.slot);

	/* Children arrays, from one block. */
	kids = arena_alloc(&t->arena, (t->nspans + 1) * sizeof(*kids));
	for (i = 0, n = 0; i < t->nspans; i++) {
		t->spans[i].children = kids + n;
		n += t->spans[i].nchildren;
		t->spans[i].nchildren = 0;
	}
	for (i = 0; i < t->nspans; i++) {
		s = &t->spans[i];
		if (s->parent != NULL)
			s->parent->children[s->parent->nchildren++] = s;
	}

	/* Cut cycles: spans no root reaches. */
	seen = xcalloc(t->nspans + 1, 1);
	for (i = 0; i < t->nspans; i++)
		if (t->spans[i].parent == NULL)
			mark_reach(&t->spans[i], seen, t->spans);
	for (i = 0; i < t->nspans; i++) {
		s = &t->spans[i];
		if (seen[i])
			continue;
		p = s->parent;
		for (j = 0; j < p->nchildren; j++)
			if (p->children[j] == s) {
				memmove(&p->children[j], &p->children[j + 1],
				    (p->nchildren - j - 1) * sizeof(*kids));
				p->nchildren--;
				break;
			}
		s->parent = NULL;
		s->orphan = 1;
		t->norphans++;
		trace_warn(t, "parent links of %s %s form a cycle; cut",
		    s->service, s->operation);
		mark_reach(s, seen, t->spans);
	}
	free(seen);

	/* Roots; the main root is the earliest true root, else any. */
	for (i = 0, nroots = 0; i < t->nspans; i++)
		if (t->spans[i].parent == NULL)
			nroots++;
	t->roots = arena_alloc(&t->arena, (nroots + 1) * sizeof(*t->roots));
	t->nroots = 0;
	for (i = 0; i < t->nspans; i++)
		if (t->spans[i].parent == NULL)
			t->roots[t->nroots++] = &t->spans[i];
	qsort(t->roots, t->nroots, sizeof(*t->roots), span_cmp_start);
	t->root = NULL;
	for (i = 0; i < t->nroots; i++)
		if (!t->roots[i]->orphan) {
			t->root = t->roots[i];
			break;
		}
	if (t->root == NULL && t->nroots > 0)
		t->root = t->roots[0];

	/* Clock skew, then order children by (fixed) start time. */
	for (i = 0; i < t->nroots; i++)
		skew_fix(t, t->roots[i]);
	for (i = 0; i < t->nspans; i++)
		if (t->spans[i].nchildren > 1)
			qsort(t->spans[i].children, t->spans[i].nchildren,
			    sizeof(*kids), span_cmp_start);
	qsort(t->roots, t->nroots, sizeof(*t->roots), span_cmp_start);

	t->order = arena_alloc(&t->arena, (t->nspans + 1) * sizeof(*kids));
	n = 0;
	for (i = 0; i < t->nroots; i++)
		order_walk(t, t->roots[i], 0, &n);

	/* Extent, services, errors. */
	svcs = arena_alloc(&t->arena, (t->nspans + 1) * sizeof(*svcs));
	t->start_us = t->end_us = 0;
	t->nerrors = 0;
	for (i = 0; i < t->nspans; i++) {
		s = &t->spans[i];
		end = s->start_us + s->duration_us;
		if (i == 0 || s->start_us < t->start_us)
			t->start_us = s->start_us;
		if (i == 0 || end > t->end_us)
			t->end_us = end;
		if (s->error)
			t->nerrors++;
		svcs[i] = s->service;
	}
	t->duration_us = t->end_us - t->start_us;
	qsort(svcs, t->nspans, sizeof(*svcs), str_cmp);
	t->nservices = 0;
	for (i = 0; i < t->nspans; i++)
		if (t->nservices == 0 ||
		    strcmp(svcs[t->nservices - 1], svcs[i]) != 0)
			svcs[t->nservices++] = svcs[i];
	t->services = svcs;

	analyze_self_time(t);
	analyze_critical_path(t);
	return (0);
}

struct span *
trace_max_self(const struct trace *t)
{
	struct span	*best;
	size_t		 i;

	best = NULL;
	for (i = 0; i < t->nspans; i++) {
		struct span *s = t->order[i];

		if (best == NULL || s->self_us > best->self_us)
			best = s;
	}
	return (best);
}

int
trace_has_service(const struct trace *t, const char *svc)
{
	size_t	 i;

	for (i = 0; i < t->nservices; i++)
		if (strcmp(t->services[i], svc) == 0)
			return (1);
	return (0);
}

int
trace_has_operation(const struct trace *t, const char *svc, const char *op)
{
	size_t	 i;

	for (i = 0; i < t->nspans; i++)
		if (strcmp(t->spans[i].operation, op) == 0 &&
		    (svc == NULL || strcmp(t->spans[i].service, svc) == 0))
			return (1);
	return (0);
}
