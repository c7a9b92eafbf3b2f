/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model_v3.c: OTLP JSON from Jaeger's /api/v3 into the model: resource
 * spans grouped into traces by trace id, OTLP attribute values of every
 * type, events, links, status; each trace then linked (model_link.c).
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_private.h"

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

/* The groups, and an open-addressing index of them by trace id. */
struct v3_index {
	struct v3_group	*groups;
	size_t		 ngroups;
	size_t		*slots;		/* 0: empty, else index + 1 */
	size_t		 cap, mask;
};

static size_t
v3_slot(const struct v3_index *ix, uint64_t hi, uint64_t lo)
{
	size_t	h;

	h = hash_u64(hi ^ hash_u64(lo)) & ix->mask;
	while (ix->slots[h] != 0 && (ix->groups[ix->slots[h] - 1].hi != hi ||
	    ix->groups[ix->slots[h] - 1].lo != lo))
		h = (h + 1) & ix->mask;
	return (h);
}

/* The group of trace hi:lo, added if add; SIZE_MAX if absent. */
static size_t
v3_group(struct v3_index *ix, uint64_t hi, uint64_t lo, int add)
{
	size_t	h, l, g;

	h = v3_slot(ix, hi, lo);
	if (ix->slots[h] != 0)
		return (ix->slots[h] - 1);
	if (!add)
		return (SIZE_MAX);
	ix->groups = xreallocarray(ix->groups, ix->ngroups + 1,
	    sizeof(*ix->groups));
	g = ix->ngroups++;
	ix->groups[g].hi = hi;
	ix->groups[g].lo = lo;
	ix->groups[g].t = NULL;
	ix->groups[g].count = 0;
	ix->slots[h] = g + 1;
	if (ix->ngroups * 2 > ix->cap) {
		/* Grow and rehash. */
		ix->cap *= 2;
		ix->mask = ix->cap - 1;
		free(ix->slots);
		ix->slots = xcalloc(ix->cap, sizeof(*ix->slots));
		for (l = 0; l < ix->ngroups; l++)
			ix->slots[v3_slot(ix, ix->groups[l].hi,
			    ix->groups[l].lo)] = l + 1;
	}
	return (g);
}

/* A resource's service.name, or NULL. */
static const char *
v3_service(json_t *rs)
{
	json_t		*at;
	const char	*key, *svc = NULL;
	size_t		 j;

	json_array_foreach(json_object_get(json_object_get(rs, "resource"),
	    "attributes"), j, at) {
		key = jstr(at, "key");
		if (key != NULL && strcmp(key, "service.name") == 0)
			svc = json_string_value(json_object_get(
			    json_object_get(at, "value"), "stringValue"));
	}
	return (svc);
}

/* Span js of resource rs, into its trace t. */
static void
v3_add(struct trace *t, json_t *rs, json_t *js, const char *svc,
    struct v3_resource *res)
{
	const char	*s;

	s = arena_strdup(&t->arena, svc != NULL ? svc : "unknown");
	if (v3_span(t, &t->spans[t->nspans], js, s) == -1) {
		trace_warn(t, "a span without spanId or start; skipped");
		return;
	}
	v3_resource_get(res, t, rs);
	t->spans[t->nspans].resource = res->kv;
	t->spans[t->nspans].nresource = res->n;
	t->nspans++;
}

/*
 * One pass over the resource spans: pass 0 counts the spans of each trace
 * (adding its group), pass 1 parses them into their traces.
 */
static void
v3_pass(json_t *rss, struct v3_index *ix, int pass, struct v3_resource *res)
{
	json_t		*rs, *sss, *ss, *js;
	const char	*svc, *tid;
	uint64_t	 hi, lo;
	size_t		 i, j, k, g;

	json_array_foreach(rss, i, rs) {
		svc = v3_service(rs);
		sss = json_object_get(rs, "scopeSpans");
		if (sss == NULL)
			sss = json_object_get(rs,
			    "instrumentationLibrarySpans");
		json_array_foreach(sss, j, ss) {
			json_array_foreach(json_object_get(ss, "spans"), k,
			    js) {
				tid = jstr(js, "traceId");
				if (tid == NULL ||
				    parse_trace_id(tid, &hi, &lo) == -1 ||
				    (g = v3_group(ix, hi, lo, pass == 0)) ==
				    SIZE_MAX)
					continue;
				if (pass == 0)
					ix->groups[g].count++;
				else
					v3_add(ix->groups[g].t, rs, js, svc,
					    res);
			}
		}
	}
}

/* A trace for each group, its spans allocated; -1 past the span limit. */
static int
v3_alloc_traces(struct v3_index *ix, char *errbuf, size_t errlen)
{
	struct trace	*t;
	size_t		 g, l;

	for (g = 0; g < ix->ngroups; g++) {
		if (ix->groups[g].count > MAX_TRACE_SPANS) {
			snprintf(errbuf, errlen, "a trace has %zu spans, over "
			    "the limit of %d", ix->groups[g].count,
			    MAX_TRACE_SPANS);
			for (l = 0; l < g; l++)
				trace_free(ix->groups[l].t);
			return (-1);
		}
		t = trace_alloc();
		t->id_hi = ix->groups[g].hi;
		t->id_lo = ix->groups[g].lo;
		t->spans = arena_alloc(&t->arena,
		    (ix->groups[g].count + 1) * sizeof(*t->spans));
		ix->groups[g].t = t;
	}
	return (0);
}

int
model_parse_v3(json_t *root, struct trace_set *ts, char *errbuf,
    size_t errlen)
{
	json_t			*result, *rss;
	struct v3_index		 ix;
	struct v3_resource	 res;
	size_t			 i, g, first;
	int			 rc;

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
	memset(&ix, 0, sizeof(ix));
	memset(&res, 0, sizeof(res));
	ix.cap = 64;
	ix.mask = ix.cap - 1;
	ix.slots = xcalloc(ix.cap, sizeof(*ix.slots));
	first = ts->n;
	rc = 0;

	v3_pass(rss, &ix, 0, &res);
	if (v3_alloc_traces(&ix, errbuf, errlen) == -1) {
		free(ix.groups);
		free(ix.slots);
		return (-1);
	}
	v3_pass(rss, &ix, 1, &res);
	for (g = 0; g < ix.ngroups; g++) {
		if (rc == 0 && trace_finish(ix.groups[g].t, errbuf,
		    errlen) == 0) {
			trace_set_add(ts, ix.groups[g].t);
			continue;
		}
		rc = -1;
		trace_free(ix.groups[g].t);
	}
	if (rc == -1) {
		for (i = first; i < ts->n; i++)
			trace_free(ts->traces[i]);
		ts->n = first;
	}
	free(ix.groups);
	free(ix.slots);
	return (rc);
}
