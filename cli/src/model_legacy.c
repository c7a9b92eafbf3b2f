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

