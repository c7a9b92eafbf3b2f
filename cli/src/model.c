/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model.c: the trace model both Jaeger formats are read into (model.h):
 * trace sets, traces and their arena, warnings, the JSON readers and span
 * kinds, ids and status the two parsers share, and the queries over a
 * linked trace. model_legacy.c and model_v3.c parse, model_link.c links.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_private.h"

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

struct trace *
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

void
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

const char *
jstr(json_t *o, const char *key)
{
	const char	*s;

	s = json_string_value(json_object_get(o, key));
	return (s);
}

int
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

const char *
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

int
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

uint64_t
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
void
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
