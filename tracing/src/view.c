/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view.c: the read-only view of a span that processors and exporters of
 * the host's get (scope, parent, attributes, events, links, the resource,
 * dropped counts), and deep copies of ended spans for the in-memory
 * exporter. Like every span function, each reads through a handle with
 * the span's lock held (handle.c); a stale handle reads as empty.
 */

#include <sys/types.h>

#include <string.h>

#include "tracing_private.h"

/* A stored attribute as the API describes one (pointing into the span). */
void
tr_attr_view(const struct tr_attr *a, struct tracing_attr *out)
{
	memset(out, 0, sizeof(*out));
	out->key = a->key;
	out->type = a->type;
	out->n = a->n;
	switch (a->type) {
	case TRACING_ATTR_STRING:
		out->v.s = a->v.s;
		break;
	case TRACING_ATTR_BOOL:
		out->v.b = a->v.b;
		out->n = 1;
		break;
	case TRACING_ATTR_INT:
		out->v.i = a->v.i;
		out->n = 1;
		break;
	case TRACING_ATTR_DOUBLE:
		out->v.d = a->v.d;
		out->n = 1;
		break;
	case TRACING_ATTR_STRING_ARRAY:
		out->v.sa = (const char *const *)a->v.sa;
		break;
	case TRACING_ATTR_BOOL_ARRAY:
		out->v.ba = a->v.ba;
		break;
	case TRACING_ATTR_INT_ARRAY:
		out->v.ia = a->v.ia;
		break;
	case TRACING_ATTR_DOUBLE_ARRAY:
		out->v.da = a->v.da;
		break;
	}
}

const char *
tracing_span_scope(const struct tracing_span *h, const char **version)
{
	struct tr_span	*s;
	const char	*n;

	if (version != NULL)
		*version = NULL;
	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return ("");
	n = s->tracer->name;
	if (version != NULL)
		*version = s->tracer->version;
	tr_span_release(s);
	return (n);
}

const char *
tracing_span_scope_schema_url(const struct tracing_span *h)
{
	struct tr_span	*s;
	const char	*u;

	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (NULL);
	u = s->tracer->schema_url;
	tr_span_release(s);
	return (u);
}

int
tracing_span_parent_is_remote(const struct tracing_span *h)
{
	struct tr_span	*s;
	int		 r;

	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (0);
	r = s->has_parent && s->parent_remote;
	tr_span_release(s);
	return (r);
}

/* The attribute set that which/index name in a locked span, or NULL. */
static const struct tr_attrs *
attrs_of(const struct tr_span *s, int which, size_t index)
{
	switch (which) {
	case TRACING_ATTRS_SPAN:
		return (&s->attrs);
	case TRACING_ATTRS_EVENT:
		return (index < s->nevents ? &s->events[index].attrs : NULL);
	case TRACING_ATTRS_LINK:
		return (index < s->nlinks ? &s->links[index].attrs : NULL);
	case TRACING_ATTRS_RESOURCE:
		return (&s->tracer->provider->resource.attrs);
	case TRACING_ATTRS_SCOPE:
		return (&s->tracer->attrs);
	}
	return (NULL);
}

size_t
tracing_span_attr_count(const struct tracing_span *h, int which,
    size_t index, uint32_t *dropped)
{
	const struct tr_attrs	*as;
	struct tr_span		*s;
	size_t			 n;

	if (dropped != NULL)
		*dropped = 0;
	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (0);
	n = 0;
	if ((as = attrs_of(s, which, index)) != NULL) {
		n = as->count;
		if (dropped != NULL)
			*dropped = as->dropped;
	}
	tr_span_release(s);
	return (n);
}

int
tracing_span_attr_at(const struct tracing_span *h, int which, size_t index,
    size_t i, struct tracing_attr *out)
{
	const struct tr_attrs	*as;
	struct tr_span		*s;
	int			 rc;

	if (out == NULL)
		return (TRACING_ERR_INVALID);
	memset(out, 0, sizeof(*out));
	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (TRACING_ERR_INVALID);
	rc = TRACING_ERR_INVALID;
	if ((as = attrs_of(s, which, index)) != NULL && i < as->count) {
		tr_attr_view(&as->a[i], out);
		rc = TRACING_OK;
	}
	tr_span_release(s);
	return (rc);
}

size_t
tracing_span_event_count(const struct tracing_span *h, uint32_t *dropped)
{
	struct tr_span	*s;
	size_t		 n;

	if (dropped != NULL)
		*dropped = 0;
	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (0);
	n = s->nevents;
	if (dropped != NULL)
		*dropped = s->dropped_events;
	tr_span_release(s);
	return (n);
}

int
tracing_span_event_at(const struct tracing_span *h, size_t i,
    const char **name, uint64_t *ts)
{
	struct tr_span	*s;
	int		 rc;

	if (name != NULL)
		*name = "";
	if (ts != NULL)
		*ts = 0;
	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (TRACING_ERR_INVALID);
	rc = TRACING_ERR_INVALID;
	if (i < s->nevents) {
		if (name != NULL)
			*name = s->events[i].name;
		if (ts != NULL)
			*ts = s->events[i].ts;
		rc = TRACING_OK;
	}
	tr_span_release(s);
	return (rc);
}

size_t
tracing_span_link_count(const struct tracing_span *h, uint32_t *dropped)
{
	struct tr_span	*s;
	size_t		 n;

	if (dropped != NULL)
		*dropped = 0;
	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (0);
	n = s->nlinks;
	if (dropped != NULL)
		*dropped = s->dropped_links;
	tr_span_release(s);
	return (n);
}

/*
 * The link's span context into ctx (reset first; its tracestate copied:
 * the only allocation, made with the span unlocked).
 */
int
tracing_span_link_at(const struct tracing_span *h, size_t i,
    struct tracing_context *ctx)
{
	struct tr_span	*s;
	char		*ts;
	int		 rc;

	if (ctx == NULL)
		return (TRACING_ERR_INVALID);
	tracing_context_reset(ctx);
	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (TRACING_ERR_INVALID);
	if (i >= s->nlinks) {
		tr_span_release(s);
		return (TRACING_ERR_INVALID);
	}
	ctx->sc = s->links[i].sc;
	ts = NULL;
	rc = TRACING_OK;
	if (s->links[i].tracestate != NULL &&
	    (ts = tr_strdup(s->links[i].tracestate)) == NULL)
		rc = TRACING_ERR_NOMEM;
	tr_span_release(s);
	ctx->tracestate = ts;
	return (rc);
}

/* Copies of spans (the in-memory exporter): every byte in their arena. */
static int
attrs_clone(struct tr_arena *a, struct tr_attrs *dst,
    const struct tr_attrs *src)
{
	struct tracing_attr	ta;
	uint32_t		i;
	int			rc;

	for (i = 0; i < src->count; i++) {
		tr_attr_view(&src->a[i], &ta);
		if ((rc = tr_attrs_set(a, dst, UINT32_MAX, -1, &ta)) !=
		    TRACING_OK)
			return (rc);
	}
	dst->dropped = src->dropped;
	return (TRACING_OK);
}

static int
str_clone(struct tr_arena *a, const char **dst, const char *src)
{
	*dst = NULL;
	if (src != NULL &&
	    (*dst = tr_arena_strndup(a, src, strlen(src))) == NULL)
		return (TRACING_ERR_NOMEM);
	return (TRACING_OK);
}

static int
events_links_clone(struct tr_span *s, const struct tr_span *src)
{
	uint32_t	i;

	if (src->nevents > 0 && (s->events = tr_arena_alloc(&s->arena,
	    src->nevents * sizeof(*s->events))) == NULL)
		return (TRACING_ERR_NOMEM);
	for (i = 0; i < src->nevents; i++) {
		memset(&s->events[i], 0, sizeof(s->events[i]));
		s->events[i].ts = src->events[i].ts;
		if (str_clone(&s->arena, &s->events[i].name,
		    src->events[i].name) != TRACING_OK ||
		    attrs_clone(&s->arena, &s->events[i].attrs,
		    &src->events[i].attrs) != TRACING_OK)
			return (TRACING_ERR_NOMEM);
		s->nevents = s->events_cap = i + 1;
	}
	if (src->nlinks > 0 && (s->links = tr_arena_alloc(&s->arena,
	    src->nlinks * sizeof(*s->links))) == NULL)
		return (TRACING_ERR_NOMEM);
	for (i = 0; i < src->nlinks; i++) {
		memset(&s->links[i], 0, sizeof(s->links[i]));
		s->links[i].sc = src->links[i].sc;
		if (str_clone(&s->arena, &s->links[i].tracestate,
		    src->links[i].tracestate) != TRACING_OK ||
		    attrs_clone(&s->arena, &s->links[i].attrs,
		    &src->links[i].attrs) != TRACING_OK)
			return (TRACING_ERR_NOMEM);
		s->nlinks = s->links_cap = i + 1;
	}
	return (TRACING_OK);
}

/*
 * A copy of an ended span (the caller owns it, or holds the export batch
 * it is in), in a block and slot of its own, readable by tr_handle(); it
 * keeps a pointer to its tracer, so it must go before the provider.
 */
int
tr_span_clone(const struct tr_span *src, struct tr_span **out)
{
	struct tr_span	*s;

	*out = NULL;
	if ((s = tr_calloc(1, sizeof(*s) + SPAN_INLINE_ARENA)) == NULL)
		return (TRACING_ERR_NOMEM);
	if (tr_slot_attach(s) != TRACING_OK) {
		tr_free(s);
		return (TRACING_ERR_NOMEM);
	}
	tr_arena_init(&s->arena, s->inline_mem, SPAN_INLINE_ARENA);
	s->tracer = src->tracer;
	s->sc = src->sc;
	memcpy(s->parent_id, src->parent_id, sizeof(s->parent_id));
	s->has_parent = src->has_parent;
	s->parent_remote = src->parent_remote;
	s->recording = src->recording;
	s->ended = 1;
	s->kind = src->kind;
	s->status = src->status;
	s->start = src->start;
	s->end = src->end;
	s->dropped_events = src->dropped_events;
	s->dropped_links = src->dropped_links;
	if (str_clone(&s->arena, &s->name, src->name) != TRACING_OK ||
	    str_clone(&s->arena, &s->status_desc, src->status_desc) !=
	    TRACING_OK ||
	    str_clone(&s->arena, &s->tracestate, src->tracestate) !=
	    TRACING_OK ||
	    attrs_clone(&s->arena, &s->attrs, &src->attrs) != TRACING_OK ||
	    events_links_clone(s, src) != TRACING_OK) {
		tr_span_clone_free(s);
		return (TRACING_ERR_NOMEM);
	}
	(void)tr_handle_open(s);
	tr_slot_lock(s->slot);
	tr_handle_close(s);
	tr_slot_unlock(s->slot);
	*out = s;
	return (TRACING_OK);
}

void
tr_span_clone_free(struct tr_span *s)
{
	if (s == NULL)
		return;
	tr_slot_detach(s);
	tr_arena_cleanup(&s->arena);
	tr_free(s);
}
