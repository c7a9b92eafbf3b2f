/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model_legacy.c: Jaeger's legacy JSON (/api/traces) into the model: its
 * processes, tags by type, references, logs; each trace then linked
 * (model_link.c).
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_private.h"

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

/*
 * The {key, type, value} objects of arr into out (room for all of them):
 * how many had a key.
 */
static size_t
legacy_kvs(struct arena *a, json_t *arr, struct kv *out)
{
	json_t		*tag;
	const char	*key;
	size_t		 i, k;

	k = 0;
	json_array_foreach(arr, i, tag) {
		if ((key = jstr(tag, "key")) == NULL)
			continue;
		out[k].key = arena_strdup(a, key);
		out[k].value = json_to_str(a, json_object_get(tag, "value"));
		out[k].type = legacy_type(tag);
		k++;
	}
	return (k);
}

/*
 * The parent (the first CHILD_OF reference, else the first one), and the
 * other references as links (OTLP links arrive as these).
 */
static void
legacy_refs(struct arena *a, struct span *sp, json_t *js)
{
	json_t		*refs, *ref;
	const char	*s;
	size_t		 i;
	long		 pref;

	refs = json_object_get(js, "references");
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
}

/* The span's process: its service, and its tags as the resource. */
static void
legacy_process(struct arena *a, struct span *sp, json_t *js, json_t *procs)
{
	json_t		*proc, *tags;
	const char	*s, *pid;

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
	sp->nresource = 1 + legacy_kvs(a, tags, sp->resource + 1);
}

/* Logs as events; OTLP events come back with their name as "event". */
static void
legacy_events(struct arena *a, struct span *sp, json_t *js)
{
	json_t		*logs, *lg, *fields;
	size_t		 i, k;
	int64_t		 v;

	logs = json_object_get(js, "logs");
	sp->nevents = json_array_size(logs);
	sp->events = arena_alloc(a, (sp->nevents + 1) * sizeof(*sp->events));
	json_array_foreach(logs, i, lg) {
		struct span_event *ev = &sp->events[i];

		ev->ts_us = json_i64(json_object_get(lg, "timestamp"), &v) == 0 ?
		    v : sp->start_us;
		ev->name = "";
		fields = json_object_get(lg, "fields");
		ev->attrs = arena_alloc(a, (json_array_size(fields) + 1) *
		    sizeof(*ev->attrs));
		ev->nattrs = legacy_kvs(a, fields, ev->attrs);
		for (k = 0; k < ev->nattrs; k++)
			if (strcmp(ev->attrs[k].key, "event") == 0)
				ev->name = ev->attrs[k].value;
	}
}

static int
legacy_span(struct trace *t, struct span *sp, json_t *js, json_t *procs)
{
	struct arena	*a = &t->arena;
	json_t		*tags;
	const char	*s;
	size_t		 k;
	int64_t		 v;

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
	legacy_refs(a, sp, js);
	legacy_process(a, sp, js, procs);
	tags = json_object_get(js, "tags");
	sp->attrs = arena_alloc(a, (json_array_size(tags) + 1) *
	    sizeof(*sp->attrs));
	sp->nattrs = legacy_kvs(a, tags, sp->attrs);
	for (k = 0; k < sp->nattrs; k++)
		if (strcmp(sp->attrs[k].key, "span.kind") == 0)
			sp->kind = kind_from_string(sp->attrs[k].value);
	legacy_events(a, sp, js);
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

