/* SPDX-License-Identifier: Apache-2.0 */
/*
 * span.c: span lifetime (start, attributes, events, links, status, end),
 * the span limits and their dropped counts. Every byte a span holds is in
 * its arena (attrs.c), so ending or freeing it is one walk.
 *
 * Every public function takes a handle (handle.c) and works on the span
 * with its lock held, so one span may be used from several threads at
 * once; a stale handle (the span ended) does nothing. No callback of the
 * host (sampler, exporter, log, setter) is called with a span locked.
 */

#include <sys/types.h>

#include <math.h>
#include <string.h>

#include "tracing_private.h"

static struct tr_span	*span_start(struct tracing_tracer *,
				    const char *, const struct tracing_span_opts *);
static int	attr_set(struct tr_span *, const struct tracing_attr *);
static int	link_add(struct tr_span *, const struct tracing_context *,
		    const struct tracing_attr *, size_t);


static const struct tr_limits *
span_limits(const struct tr_span *s)
{
	return (&s->tracer->provider->cfg.limits);
}

/*
 * Locks the spare list. In a forked child the lock may have been held by a
 * thread that does not exist there: a fresh lock and an empty list (the
 * parent's spares, at most SPAN_SPARE_MAX blocks, are left alone).
 */
static void
spare_lock(struct tracing_provider *p)
{
	unsigned int	gen = tr_fork_generation();

	if (p->spare_gen != gen) {
		(void)pthread_mutex_init(&p->spare_lock, NULL);
		p->spare = NULL;
		p->nspare = 0;
		p->spare_gen = gen;
	}
	(void)pthread_mutex_lock(&p->spare_lock);
}

/* A recording span's block: a spare one, or a new one. */
static struct tr_span *
span_block(struct tracing_provider *p)
{
	struct tr_span	*s;

	spare_lock(p);
	if ((s = p->spare) != NULL) {
		p->spare = s->spare_next;
		p->nspare--;
	}
	(void)pthread_mutex_unlock(&p->spare_lock);
	if (s != NULL)
		return (s);
	if ((s = tr_malloc(sizeof(*s) + SPAN_INLINE_ARENA)) == NULL)
		return (NULL);
	if (tr_slot_attach(s) != TRACING_OK) {
		tr_free(s);
		return (NULL);
	}
	return (s);
}

/* Clears a block for a new span; its slot stays. */
static void
span_clear(struct tr_span *s)
{
	struct tr_slot	*slot = s->slot;
	uint32_t	 idx = s->slot_idx;

	memset(s, 0, sizeof(*s));
	s->slot = slot;
	s->slot_idx = idx;
}

void
tr_span_spares_free(struct tracing_provider *p)
{
	struct tr_span	*s;

	while ((s = p->spare) != NULL) {
		p->spare = s->spare_next;
		tr_slot_detach(s);
		tr_free(s);
	}
	p->nspare = 0;
}

/* A trace (16) or span (8) id, never all zero: ours or the host's. */
static void
span_id_new(struct tracing_provider *p, uint8_t *id, size_t len)
{
	static const uint8_t	zero[16];
	int			tries;

	for (tries = 0; tries < 8; tries++) {
		if (p->cfg.id_fn != NULL)
			p->cfg.id_fn(p->cfg.id_arg, id, len);
		else
			tr_rand_bytes(id, len);
		if (memcmp(id, zero, len) != 0)
			return;
	}
	/* A generator that gives only zeros: ours, rather than no id. */
	do {
		tr_rand_bytes(id, len);
	} while (memcmp(id, zero, len) == 0);
}

/*
 * The attributes and links a span starts with (the sampler saw them),
 * under the limits; only running out of memory fails.
 */
static int
span_start_data(struct tr_span *s, const struct tracing_span_opts *o)
{
	size_t	i;
	int	rc;

	for (i = 0; i < o->nattrs; i++) {
		if ((rc = attr_set(s, &o->attrs[i])) == TRACING_ERR_NOMEM)
			return (rc);
	}
	for (i = 0; i < o->nlinks; i++) {
		if (o->links[i].context == NULL ||
		    !o->links[i].context->sc.valid ||
		    (o->links[i].nattrs > 0 && o->links[i].attrs == NULL))
			continue;
		if ((rc = link_add(s, o->links[i].context, o->links[i].attrs,
		    o->links[i].nattrs)) == TRACING_ERR_NOMEM)
			return (rc);
	}
	return (TRACING_OK);
}

/* The sampler's decision on a span about to start. */
static int
span_sample(struct tracing_provider *p, const struct tracing_span_opts *o,
    const struct tracing_context *parent, const uint8_t tid[16],
    const char *name, int kind)
{
	struct tracing_sampling_params	sp;

	memset(&sp, 0, sizeof(sp));
	sp.parent = parent;
	sp.trace_id = tid;
	sp.name = name;
	sp.kind = kind;
	sp.attrs = o->attrs;
	sp.nattrs = o->nattrs;
	sp.links = o->links;
	sp.nlinks = o->nlinks;
	/* parent is NULL or valid, name not NULL, the arrays checked. */
	return (tr_sampler_decide(p->sampler, &sp));
}

/* A new span of t: o->parent is its parent context (parent_span unused). */
static struct tr_span *
span_start(struct tracing_tracer *t, const char *name,
    const struct tracing_span_opts *o)
{
	const struct tracing_context	*parent = o->parent;
	struct tracing_provider	*p;
	struct tr_span	*s;
	struct tr_spanctx	 sc;
	int			 decision, kind = o->kind;

	if (t == NULL || (p = t->provider)->cfg.disabled ||
	    __atomic_load_n(&p->shutdown, __ATOMIC_RELAXED))
		return (NULL);
	if (name == NULL)
		name = "";
	if (kind < TRACING_SPAN_INTERNAL || kind > TRACING_SPAN_CONSUMER)
		kind = TRACING_SPAN_INTERNAL;

	memset(&sc, 0, sizeof(sc));
	if (parent != NULL && parent->sc.valid) {
		memcpy(sc.trace_id, parent->sc.trace_id, 16);
		sc.flags = parent->sc.flags & TRACE_FLAG_RANDOM;
	} else {
		span_id_new(p, sc.trace_id, 16);
		if (p->cfg.id_fn == NULL || p->cfg.id_random)
			sc.flags = TRACE_FLAG_RANDOM;
		parent = NULL;
	}
	span_id_new(p, sc.span_id, 8);
	sc.valid = 1;

	decision = span_sample(p, o, parent, sc.trace_id, name, kind);
	if (decision == TRACING_SAMPLE_RECORD_AND_SAMPLE)
		sc.flags |= TRACE_FLAG_SAMPLED;

	if ((s = span_block(p)) == NULL)
		return (NULL);
	span_clear(s);
	tr_arena_init(&s->arena, s->inline_mem, SPAN_INLINE_ARENA);
	s->recording = decision != TRACING_SAMPLE_DROP;
	s->tracer = t;
	s->sc = sc;
	s->kind = (uint8_t)kind;
	if (parent != NULL) {
		memcpy(s->parent_id, parent->sc.span_id, 8);
		s->has_parent = 1;
		s->parent_remote = parent->sc.remote;
		if (parent->tracestate != NULL &&
		    (s->tracestate = tr_arena_strndup(&s->arena,
		    parent->tracestate, strlen(parent->tracestate))) == NULL)
			goto nomem;
	}
	if (!s->recording)
		return (s);
	if ((s->name = tr_arena_strndup(&s->arena, name, strlen(name))) ==
	    NULL || span_start_data(s, o) != TRACING_OK)
		goto nomem;
	s->start = o->start_ns != 0 ? o->start_ns : tracing_now();
	__atomic_add_fetch(&p->started, 1, __ATOMIC_RELAXED);
	return (s);

nomem:
	tr_span_free(s);
	return (NULL);
}

/*
 * The span's handle; a recording span is then handed to the host's
 * on_start processors with the context it was started with. No other
 * thread has the handle yet, so s is read unlocked.
 */
static struct tracing_span *
span_begin(struct tr_span *s, const struct tracing_context *parent)
{
	struct tracing_provider	*p;
	struct tracing_span	*h;

	if (s == NULL)
		return (NULL);
	h = tr_handle_open(s);
	p = s->tracer->provider;
	if (s->recording && p->procs_start)
		tr_procs_on_start(p, h, parent);
	return (h);
}

struct tracing_span *
tracing_span_start(struct tracing_tracer *t, const char *name, int kind,
    const struct tracing_context *parent, uint64_t start)
{
	struct tracing_span_opts	o;

	memset(&o, 0, sizeof(o));
	o.kind = kind;
	o.parent = parent;
	o.start_ns = start;
	return (span_begin(span_start(t, name, &o), parent));
}

/* A span's context, copied under its lock; stale or NULL: invalid. */
int
tr_span_copy(const struct tracing_span *h, struct tr_spancopy *c)
{
	struct tr_span	*s;
	size_t		 len;
	int		 rc;

	c->ts = NULL;
	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (TRACING_ERR_INVALID);
	rc = TRACING_OK;
	c->sc = s->sc;
	if (s->tracestate != NULL) {
		len = strlen(s->tracestate);
		if (len < sizeof(c->buf)) {
			memcpy(c->buf, s->tracestate, len + 1);
			c->ts = c->buf;
		} else if ((c->ts = tr_strndup(s->tracestate, len)) == NULL)
			rc = TRACING_ERR_NOMEM;
	}
	tr_span_release(s);
	return (rc);
}

void
tr_spancopy_cleanup(struct tr_spancopy *c)
{
	if (c->ts != NULL && c->ts != c->buf)
		tr_free(c->ts);
	c->ts = NULL;
}

struct tracing_span *
tracing_span_start_child(struct tracing_tracer *t, const char *name,
    int kind, const struct tracing_span *parent, uint64_t start)
{
	struct tracing_span_opts	o;

	memset(&o, 0, sizeof(o));
	o.kind = kind;
	o.parent_span = parent;
	o.start_ns = start;
	return (tracing_span_start_opts(t, name, &o));
}

/*
 * Start with options: a parent span is read into a local context (not
 * remote) first; the sampler then sees that context, the attributes and
 * the links, and on_start processors the span with all of them.
 */
struct tracing_span *
tracing_span_start_opts(struct tracing_tracer *t, const char *name,
    const struct tracing_span_opts *opts)
{
	struct tracing_span_opts	o;
	struct tracing_context		ctx;
	struct tr_spancopy		cp;
	struct tracing_span		*h;

	if (opts == NULL)
		memset(&o, 0, sizeof(o));
	else
		o = *opts;
	if (o.attrs == NULL)
		o.nattrs = 0;
	if (o.links == NULL)
		o.nlinks = 0;
	if (o.parent_span == NULL)
		return (span_begin(span_start(t, name, &o), o.parent));
	o.parent = NULL;
	if (tr_span_copy(o.parent_span, &cp) != TRACING_OK)
		return (span_begin(span_start(t, name, &o), NULL));
	memset(&ctx, 0, sizeof(ctx));
	ctx.sc = cp.sc;
	ctx.sc.remote = 0;
	ctx.tracestate = cp.ts;
	o.parent = &ctx;
	h = span_begin(span_start(t, name, &o), &ctx);
	tr_spancopy_cleanup(&cp);
	return (h);
}

/*
 * A span about to be freed or kept as a spare: the handle of its ended
 * life (a processor's or an exporter's, kept past its call) goes stale
 * before its memory goes.
 */
static void
span_stale(struct tr_span *s)
{
	struct tr_slot	*sl = s->slot;
	uint32_t	 gen;

	if (sl == NULL)
		return;
	tr_slot_lock(sl);
	gen = __atomic_load_n(&sl->gen, __ATOMIC_RELAXED);
	if (!(gen & 1))
		__atomic_store_n(&sl->gen, gen + 2, __ATOMIC_RELEASE);
	tr_slot_unlock(sl);
}

void
tr_span_free(struct tr_span *s)
{
	struct tracing_provider	*p;

	if (s == NULL)
		return;
	span_stale(s);
	tr_arena_cleanup(&s->arena);
	if (s->tracer != NULL) {
		p = s->tracer->provider;
		spare_lock(p);
		if (p->nspare < SPAN_SPARE_MAX) {
			s->spare_next = p->spare;
			p->spare = s;
			p->nspare++;
			s = NULL;
		}
		(void)pthread_mutex_unlock(&p->spare_lock);
	}
	if (s != NULL) {
		tr_slot_detach(s);
		tr_free(s);
	}
}

/*
 * End: the end time, then the host's on_ending processors while the span
 * can still be written (marked ending: a second end meanwhile does
 * nothing), then the handle closes; the host's on_end processors read the
 * ended span, and the built-in processor takes it if it is sampled.
 */
void
tracing_span_end(struct tracing_span *h, uint64_t end)
{
	struct tracing_provider	*p;
	struct tr_span		*s;

	if ((s = tr_span_acquire(h, TR_LIVE)) == NULL)
		return;
	if (s->ending) {
		tr_span_release(s);
		return;
	}
	p = s->tracer->provider;
	if (s->recording) {
		s->end = end != 0 ? end : tracing_now();
		if (s->end < s->start)
			s->end = s->start;
		if (p->procs_ending) {
			s->ending = 1;
			tr_span_release(s);
			tr_procs_on_ending(p, h);
			/* Still live: no one else ends a span that is ending. */
			if ((s = tr_span_acquire(h, TR_LIVE)) == NULL)
				return;
		}
	}
	s->ended = 1;
	tr_handle_close(s);
	tr_span_release(s);
	/*
	 * From here on the span is this thread's alone: no handle reaches it
	 * but the read-only one the on_end processors are given.
	 */
	if (!s->recording) {
		tr_span_free(s);
		return;
	}
	__atomic_add_fetch(&p->ended, 1, __ATOMIC_RELAXED);
	if (p->procs != NULL)
		tr_procs_on_end(p, tr_handle(s));
	if ((s->sc.flags & TRACE_FLAG_SAMPLED) && p->proc != NULL)
		tr_processor_on_end(p->proc, s);
	else
		tr_span_free(s);
}

/* A live, recording span, locked; NULL when there is nothing to do. */
static struct tr_span *
span_recording(const struct tracing_span *h)
{
	struct tr_span	*s;

	if ((s = tr_span_acquire(h, TR_LIVE)) == NULL)
		return (NULL);
	if (!s->recording) {
		tr_span_release(s);
		return (NULL);
	}
	return (s);
}

static int
attr_set(struct tr_span *s, const struct tracing_attr *a)
{
	const struct tr_limits	*l = span_limits(s);

	return (tr_attrs_set_cap(&s->arena, &s->attrs, l->attr_count,
	    l->attr_value_len, a, 16));
}

int
tracing_span_set_attr(struct tracing_span *h, const struct tracing_attr *a)
{
	struct tr_span	*s;
	int		 rc;

	if ((s = span_recording(h)) == NULL)
		return (TRACING_OK);
	rc = attr_set(s, a);
	tr_span_release(s);
	return (rc);
}

int
tracing_span_set_attrs(struct tracing_span *h, const struct tracing_attr *a,
    size_t n)
{
	struct tr_span	*s;
	size_t		 i;
	int		 rc, ret;

	if ((s = span_recording(h)) == NULL)
		return (TRACING_OK);
	ret = TRACING_OK;
	for (i = 0; i < n; i++) {
		if ((rc = attr_set(s, &a[i])) != TRACING_OK &&
		    ret == TRACING_OK)
			ret = rc;
	}
	tr_span_release(s);
	return (ret);
}

int
tracing_span_set_str(struct tracing_span *s, const char *k, const char *v)
{
	struct tracing_attr	a = TRACING_ATTR_STR(k, v);

	return (tracing_span_set_attr(s, &a));
}

int
tracing_span_set_int(struct tracing_span *s, const char *k, int64_t v)
{
	struct tracing_attr	a = TRACING_ATTR_INTV(k, v);

	return (tracing_span_set_attr(s, &a));
}

int
tracing_span_set_bool(struct tracing_span *s, const char *k, int v)
{
	struct tracing_attr	a = TRACING_ATTR_BOOLV(k, v);

	return (tracing_span_set_attr(s, &a));
}

int
tracing_span_set_double(struct tracing_span *s, const char *k, double v)
{
	struct tracing_attr	a = TRACING_ATTR_DBL(k, v);

	return (tracing_span_set_attr(s, &a));
}

static int
event_add(struct tr_span *s, const char *name, uint64_t ts,
    const struct tracing_attr *attrs, size_t n)
{
	const struct tr_limits	*l = span_limits(s);
	struct tr_event		*ev, *ne;
	uint32_t		 ncap;
	size_t			 i;
	int			 rc;

	if (s->nevents >= l->event_count) {
		s->dropped_events++;
		return (TRACING_ERR_LIMIT);
	}
	if (s->nevents == s->events_cap) {
		ncap = s->events_cap == 0 ? 4 : s->events_cap * 2;
		if ((ne = tr_arena_alloc(&s->arena, ncap * sizeof(*ne))) ==
		    NULL)
			return (TRACING_ERR_NOMEM);
		if (s->nevents > 0)
			memcpy(ne, s->events, s->nevents * sizeof(*ne));
		s->events = ne;
		s->events_cap = ncap;
	}
	ev = &s->events[s->nevents];
	memset(ev, 0, sizeof(*ev));
	if ((ev->name = tr_arena_strndup(&s->arena, name, strlen(name))) ==
	    NULL)
		return (TRACING_ERR_NOMEM);
	ev->ts = ts != 0 ? ts : tracing_now();
	for (i = 0; i < n; i++) {
		rc = tr_attrs_set(&s->arena, &ev->attrs, l->event_attr_count,
		    l->attr_value_len, &attrs[i]);
		if (rc == TRACING_ERR_NOMEM)
			return (rc);
	}
	s->nevents++;
	return (TRACING_OK);
}

int
tracing_span_add_event(struct tracing_span *h, const char *name,
    uint64_t ts, const struct tracing_attr *attrs, size_t n)
{
	struct tr_span	*s;
	int		 rc;

	if ((s = span_recording(h)) == NULL)
		return (TRACING_OK);
	rc = TRACING_ERR_INVALID;
	if (name != NULL && (n == 0 || attrs != NULL))
		rc = event_add(s, name, ts, attrs, n);
	tr_span_release(s);
	return (rc);
}

static int
link_add(struct tr_span *s, const struct tracing_context *ctx,
    const struct tracing_attr *attrs, size_t n)
{
	const struct tr_limits	*l = span_limits(s);
	struct tr_link		*lk, *nl;
	uint32_t		 ncap;
	size_t			 i;
	int			 rc;

	if (s->nlinks >= l->link_count) {
		s->dropped_links++;
		return (TRACING_ERR_LIMIT);
	}
	if (s->nlinks == s->links_cap) {
		ncap = s->links_cap == 0 ? 2 : s->links_cap * 2;
		if ((nl = tr_arena_alloc(&s->arena, ncap * sizeof(*nl))) ==
		    NULL)
			return (TRACING_ERR_NOMEM);
		if (s->nlinks > 0)
			memcpy(nl, s->links, s->nlinks * sizeof(*nl));
		s->links = nl;
		s->links_cap = ncap;
	}
	lk = &s->links[s->nlinks];
	memset(lk, 0, sizeof(*lk));
	lk->sc = ctx->sc;
	if (ctx->tracestate != NULL && (lk->tracestate =
	    tr_arena_strndup(&s->arena, ctx->tracestate,
	    strlen(ctx->tracestate))) == NULL)
		return (TRACING_ERR_NOMEM);
	for (i = 0; i < n; i++) {
		rc = tr_attrs_set(&s->arena, &lk->attrs, l->link_attr_count,
		    l->attr_value_len, &attrs[i]);
		if (rc == TRACING_ERR_NOMEM)
			return (rc);
	}
	s->nlinks++;
	return (TRACING_OK);
}

int
tracing_span_add_link(struct tracing_span *h,
    const struct tracing_context *ctx, const struct tracing_attr *attrs,
    size_t n)
{
	struct tr_span	*s;
	int		 rc;

	if ((s = span_recording(h)) == NULL)
		return (TRACING_OK);
	rc = TRACING_ERR_INVALID;
	if (ctx != NULL && ctx->sc.valid && (n == 0 || attrs != NULL))
		rc = link_add(s, ctx, attrs, n);
	tr_span_release(s);
	return (rc);
}

int
tracing_span_set_status(struct tracing_span *h, int code, const char *desc)
{
	struct tr_span	*s;
	int		 rc;

	if ((s = span_recording(h)) == NULL)
		return (TRACING_OK);
	rc = TRACING_OK;
	/* Unset is ignored, Ok is final, a description only with Error. */
	if (code != TRACING_STATUS_UNSET && code != TRACING_STATUS_OK &&
	    code != TRACING_STATUS_ERROR)
		rc = TRACING_ERR_INVALID;
	else if (code != TRACING_STATUS_UNSET &&
	    s->status != TRACING_STATUS_OK) {
		s->status = (uint8_t)code;
		s->status_desc = NULL;
		if (code == TRACING_STATUS_ERROR && desc != NULL &&
		    desc[0] != '\0' && (s->status_desc =
		    tr_arena_strndup(&s->arena, desc, strlen(desc))) == NULL)
			rc = TRACING_ERR_NOMEM;
	}
	tr_span_release(s);
	return (rc);
}

int
tracing_span_record_exception(struct tracing_span *s, const char *type,
    const char *message, const char *stacktrace, uint64_t ts)
{
	return (tracing_span_record_exception_attrs(s, type, message,
	    stacktrace, ts, NULL, 0));
}

/* The exception.* attributes first, then the caller's (at most 29). */
int
tracing_span_record_exception_attrs(struct tracing_span *s, const char *type,
    const char *message, const char *stacktrace, uint64_t ts,
    const struct tracing_attr *extra, size_t nextra)
{
	struct tracing_attr	a[32];
	size_t			n, i;

	if (nextra > 0 && extra == NULL)
		return (TRACING_ERR_INVALID);
	if (nextra > sizeof(a) / sizeof(a[0]) - 3)
		return (TRACING_ERR_LIMIT);
	n = 0;
	if (type != NULL)
		a[n++] = TRACING_ATTR_STR("exception.type", type);
	if (message != NULL)
		a[n++] = TRACING_ATTR_STR("exception.message", message);
	if (stacktrace != NULL)
		a[n++] = TRACING_ATTR_STR("exception.stacktrace", stacktrace);
	if (n == 0)
		return (TRACING_ERR_INVALID);
	for (i = 0; i < nextra; i++)
		a[n++] = extra[i];
	return (tracing_span_add_event(s, "exception", ts, a, n));
}

int
tracing_span_update_name(struct tracing_span *h, const char *name)
{
	struct tr_span	*s;
	char		*n;
	int		 rc;

	if ((s = span_recording(h)) == NULL)
		return (TRACING_OK);
	rc = TRACING_ERR_INVALID;
	if (name != NULL) {
		rc = TRACING_ERR_NOMEM;
		if ((n = tr_arena_strndup(&s->arena, name, strlen(name))) !=
		    NULL) {
			s->name = n;
			rc = TRACING_OK;
		}
	}
	tr_span_release(s);
	return (rc);
}

int
tracing_span_is_recording(const struct tracing_span *h)
{
	struct tr_span	*s;
	int		 r;

	if ((s = tr_span_acquire(h, TR_LIVE)) == NULL)
		return (0);
	r = s->recording;
	tr_span_release(s);
	return (r);
}

int
tracing_span_is_sampled(const struct tracing_span *h)
{
	struct tr_span	*s;
	int		 r;

	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (0);
	r = (s->sc.flags & TRACE_FLAG_SAMPLED) != 0;
	tr_span_release(s);
	return (r);
}

void
tracing_span_trace_id(const struct tracing_span *h, uint8_t out[16])
{
	struct tr_span	*s;

	if ((s = tr_span_acquire(h, TR_ANY)) == NULL) {
		memset(out, 0, 16);
		return;
	}
	memcpy(out, s->sc.trace_id, 16);
	tr_span_release(s);
}

void
tracing_span_span_id(const struct tracing_span *h, uint8_t out[8])
{
	struct tr_span	*s;

	if ((s = tr_span_acquire(h, TR_ANY)) == NULL) {
		memset(out, 0, 8);
		return;
	}
	memcpy(out, s->sc.span_id, 8);
	tr_span_release(s);
}

void
tracing_span_trace_id_hex(const struct tracing_span *s, char out[33])
{
	uint8_t		id[16];

	tracing_span_trace_id(s, id);
	tr_hex_encode(id, 16, out);
}

void
tracing_span_span_id_hex(const struct tracing_span *s, char out[17])
{
	uint8_t		id[8];

	tracing_span_span_id(s, id);
	tr_hex_encode(id, 8, out);
}

/*
 * Read access. A string returned points into the span and stays valid
 * until the span ends (a batch's span: until the export call returns).
 */
const char *
tracing_span_name(const struct tracing_span *h)
{
	struct tr_span	*s;
	const char	*n;

	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return ("");
	n = s->name != NULL ? s->name : "";
	tr_span_release(s);
	return (n);
}

int
tracing_span_kind(const struct tracing_span *h)
{
	struct tr_span	*s;
	int		 k;

	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (0);
	k = s->kind;
	tr_span_release(s);
	return (k);
}

uint64_t
tracing_span_start_time(const struct tracing_span *h)
{
	struct tr_span	*s;
	uint64_t	 t;

	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (0);
	t = s->start;
	tr_span_release(s);
	return (t);
}

uint64_t
tracing_span_end_time(const struct tracing_span *h)
{
	struct tr_span	*s;
	uint64_t	 t;

	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (0);
	t = s->end;
	tr_span_release(s);
	return (t);
}

int
tracing_span_status(const struct tracing_span *h, const char **desc)
{
	struct tr_span	*s;
	int		 st;

	if (desc != NULL)
		*desc = NULL;
	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (TRACING_STATUS_UNSET);
	if (desc != NULL)
		*desc = s->status_desc;
	st = s->status;
	tr_span_release(s);
	return (st);
}

int
tracing_span_parent_span_id(const struct tracing_span *h, uint8_t out[8])
{
	struct tr_span	*s;
	int		 has;

	memset(out, 0, 8);
	if ((s = tr_span_acquire(h, TR_ANY)) == NULL)
		return (0);
	if ((has = s->has_parent))
		memcpy(out, s->parent_id, 8);
	tr_span_release(s);
	return (has);
}
