/*
 * span.c: span lifetime (start, attributes, events, links, status, end),
 * the span limits and their dropped counts, and the per-span arena that
 * owns every byte a span holds so ending or freeing it is one walk.
 */

#include <sys/types.h>

#include <math.h>
#include <string.h>

#include "tracing_private.h"

static int	attr_copy(struct tr_arena *, struct tr_attr *,
		    const struct tracing_attr *, int64_t);
static size_t	trunc_len(const char *, size_t, int64_t);
static struct tracing_span	*span_start(struct tracing_tracer *,
				    const char *, int,
				    const struct tracing_context *, uint64_t);

#define ARENA_MIN_CHUNK		1024

void
tr_arena_init(struct tr_arena *a, void *mem, size_t len)
{
	a->cur = mem;
	a->end = mem != NULL ? (char *)mem + len : NULL;	/* NULL + 0 is UB */
	a->chunks = NULL;
	a->total = len;
}

void
tr_arena_cleanup(struct tr_arena *a)
{
	struct tr_arena_chunk	*c, *next;

	for (c = a->chunks; c != NULL; c = next) {
		next = c->next;
		tr_free(c);
	}
	a->chunks = NULL;
	a->cur = a->end = NULL;
}

void *
tr_arena_alloc(struct tr_arena *a, size_t len)
{
	struct tr_arena_chunk	*c;
	size_t			 sz, pad;
	char			*p;

	pad = (8 - ((uintptr_t)a->cur & 7)) & 7;
	if (a->cur != NULL && (size_t)(a->end - a->cur) >= len + pad) {
		p = a->cur + pad;
		a->cur = p + len;
		return (p);
	}
	if (len > SIZE_MAX / 2 - sizeof(*c))
		return (NULL);
	sz = a->total > ARENA_MIN_CHUNK ? a->total : ARENA_MIN_CHUNK;
	if (sz < len + sizeof(*c) + 8)
		sz = len + sizeof(*c) + 8;
	if ((c = tr_malloc(sz)) == NULL)
		return (NULL);
	c->next = a->chunks;
	c->size = sz;
	a->chunks = c;
	a->total += sz;
	p = (char *)(c + 1);
	p += (8 - ((uintptr_t)p & 7)) & 7;
	a->cur = p + len;
	a->end = (char *)c + sz;
	return (p);
}

char *
tr_arena_strndup(struct tr_arena *a, const char *s, size_t len)
{
	char	*p;

	if ((p = tr_arena_alloc(a, len + 1)) == NULL)
		return (NULL);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

/* Cut a string at limit bytes, never inside a UTF-8 sequence. */
static size_t
trunc_len(const char *s, size_t len, int64_t limit)
{
	size_t	l;

	if (limit < 0 || len <= (uint64_t)limit)
		return (len);
	l = (size_t)limit;
	while (l > 0 && ((unsigned char)s[l] & 0xc0) == 0x80)
		l--;
	return (l);
}

static int
attr_copy(struct tr_arena *a, struct tr_attr *dst,
    const struct tracing_attr *in, int64_t vlim)
{
	size_t		i, len, n;
	char		*s;

	n = in->n;
	switch (in->type) {
	case TRACING_ATTR_STRING:
		if (in->v.s == NULL)
			return (TRACING_ERR_INVALID);
		len = n == TRACING_STRLEN ? strlen(in->v.s) : n;
		len = trunc_len(in->v.s, len, vlim);
		if (len > UINT32_MAX)
			return (TRACING_ERR_LIMIT);
		if ((s = tr_arena_strndup(a, in->v.s, len)) == NULL)
			return (TRACING_ERR_NOMEM);
		dst->v.s = s;
		dst->n = (uint32_t)len;
		break;
	case TRACING_ATTR_BOOL:
		dst->v.b = in->v.b != 0;
		break;
	case TRACING_ATTR_INT:
		dst->v.i = in->v.i;
		break;
	case TRACING_ATTR_DOUBLE:
		dst->v.d = in->v.d;
		break;
	case TRACING_ATTR_STRING_ARRAY:
	case TRACING_ATTR_BOOL_ARRAY:
	case TRACING_ATTR_INT_ARRAY:
	case TRACING_ATTR_DOUBLE_ARRAY:
		if (n > 0 && in->v.sa == NULL)
			return (TRACING_ERR_INVALID);
		if (n > UINT32_MAX / 8)
			return (TRACING_ERR_LIMIT);
		dst->n = (uint32_t)n;
		if (in->type == TRACING_ATTR_BOOL_ARRAY) {
			if ((dst->v.ba = tr_arena_alloc(a, n)) == NULL)
				return (TRACING_ERR_NOMEM);
			for (i = 0; i < n; i++)
				dst->v.ba[i] = in->v.ba[i] != 0;
		} else if (in->type == TRACING_ATTR_INT_ARRAY) {
			if ((dst->v.ia = tr_arena_alloc(a, n * 8)) == NULL)
				return (TRACING_ERR_NOMEM);
			if (n > 0)
				memcpy(dst->v.ia, in->v.ia, n * 8);
		} else if (in->type == TRACING_ATTR_DOUBLE_ARRAY) {
			if ((dst->v.da = tr_arena_alloc(a, n * 8)) == NULL)
				return (TRACING_ERR_NOMEM);
			if (n > 0)
				memcpy(dst->v.da, in->v.da, n * 8);
		} else {
			dst->v.sa = tr_arena_alloc(a, n * sizeof(char *));
			dst->slens = tr_arena_alloc(a, n * sizeof(uint32_t));
			if (dst->v.sa == NULL || dst->slens == NULL)
				return (TRACING_ERR_NOMEM);
			for (i = 0; i < n; i++) {
				if (in->v.sa[i] == NULL)
					return (TRACING_ERR_INVALID);
				len = trunc_len(in->v.sa[i],
				    strlen(in->v.sa[i]), vlim);
				if (len > UINT32_MAX)
					return (TRACING_ERR_LIMIT);
				dst->v.sa[i] = tr_arena_strndup(a, in->v.sa[i],
				    len);
				if (dst->v.sa[i] == NULL)
					return (TRACING_ERR_NOMEM);
				dst->slens[i] = (uint32_t)len;
			}
		}
		break;
	default:
		return (TRACING_ERR_INVALID);
	}
	dst->type = (uint8_t)in->type;
	return (TRACING_OK);
}

const struct tr_attr *
tr_attrs_find(const struct tr_attrs *as, const char *key, size_t klen)
{
	uint32_t	i;

	for (i = 0; i < as->count; i++) {
		if (as->a[i].klen == klen &&
		    memcmp(as->a[i].key, key, klen) == 0)
			return (&as->a[i]);
	}
	return (NULL);
}

/*
 * Set (or replace) one attribute. A new one is copied straight into its
 * slot, which is only counted once the copy succeeded. The first array
 * holds first_cap attributes: 16 for a span's own (a SERVER span has about
 * a dozen; growing 8 -> 16 would copy the array and strand 320 bytes of the
 * arena), fewer for events and links.
 */
static int
attrs_set(struct tr_arena *a, struct tr_attrs *as, uint32_t limit,
    int64_t vlim, const struct tracing_attr *in, uint32_t first_cap)
{
	struct tr_attr	*dst, tmp, *na;
	size_t		 klen;
	uint32_t	 ncap;
	int		 rc;

	if (in == NULL || in->key == NULL || in->key[0] == '\0')
		return (TRACING_ERR_INVALID);
	if ((klen = strlen(in->key)) > UINT32_MAX)
		return (TRACING_ERR_INVALID);
	if ((dst = (struct tr_attr *)tr_attrs_find(as, in->key, klen)) != NULL) {
		memset(&tmp, 0, sizeof(tmp));
		if ((rc = attr_copy(a, &tmp, in, vlim)) != TRACING_OK)
			return (rc);
		tmp.key = dst->key;
		tmp.klen = dst->klen;
		*dst = tmp;
		return (TRACING_OK);
	}
	if (as->count >= limit) {
		as->dropped++;
		return (TRACING_ERR_LIMIT);
	}
	if (as->count == as->cap) {
		ncap = as->cap == 0 ? first_cap : as->cap * 2;
		if (ncap > limit)
			ncap = limit;	/* > count: checked above */
		if ((na = tr_arena_alloc(a, ncap * sizeof(*na))) == NULL)
			return (TRACING_ERR_NOMEM);
		if (as->count > 0)
			memcpy(na, as->a, as->count * sizeof(*na));
		as->a = na;
		as->cap = ncap;
	}
	dst = &as->a[as->count];
	dst->n = 0;
	dst->slens = NULL;
	if ((rc = attr_copy(a, dst, in, vlim)) != TRACING_OK)
		return (rc);
	if ((dst->key = tr_arena_strndup(a, in->key, klen)) == NULL)
		return (TRACING_ERR_NOMEM);
	dst->klen = (uint32_t)klen;
	as->count++;
	return (TRACING_OK);
}

int
tr_attrs_set(struct tr_arena *a, struct tr_attrs *as, uint32_t limit,
    int64_t vlim, const struct tracing_attr *in)
{
	return (attrs_set(a, as, limit, vlim, in, 8));
}

static const struct tr_limits *
span_limits(const struct tracing_span *s)
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
static struct tracing_span *
span_block(struct tracing_provider *p)
{
	struct tracing_span	*s;

	spare_lock(p);
	if ((s = p->spare) != NULL) {
		p->spare = s->spare_next;
		p->nspare--;
	}
	(void)pthread_mutex_unlock(&p->spare_lock);
	if (s == NULL)
		s = tr_malloc(sizeof(*s) + SPAN_INLINE_ARENA);
	return (s);
}

void
tr_span_spares_free(struct tracing_provider *p)
{
	struct tracing_span	*s;

	while ((s = p->spare) != NULL) {
		p->spare = s->spare_next;
		tr_free(s);
	}
	p->nspare = 0;
}

static struct tracing_span *
span_start(struct tracing_tracer *t, const char *name, int kind,
    const struct tracing_context *parent, uint64_t start)
{
	struct tracing_provider	*p;
	struct tracing_span	*s;
	struct tr_spanctx	 sc;
	int			 decision;

	if (t == NULL || (p = t->provider)->cfg.disabled || p->shutdown)
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
		do {
			tr_rand_bytes(sc.trace_id, 16);
		} while (memcmp(sc.trace_id, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
		    16) == 0);
		sc.flags = TRACE_FLAG_RANDOM;
		parent = NULL;
	}
	do {
		tr_rand_bytes(sc.span_id, 8);
	} while (memcmp(sc.span_id, "\0\0\0\0\0\0\0\0", 8) == 0);
	sc.valid = 1;

	decision = tracing_sampler_should_sample(p->sampler, parent,
	    sc.trace_id, name, kind);
	if (decision == TRACING_SAMPLE_RECORD_AND_SAMPLE)
		sc.flags |= TRACE_FLAG_SAMPLED;

	if (decision == TRACING_SAMPLE_DROP) {
		if ((s = tr_malloc(sizeof(*s))) == NULL)
			return (NULL);
		memset(s, 0, sizeof(*s));
		tr_arena_init(&s->arena, NULL, 0);
	} else {
		if ((s = span_block(p)) == NULL)
			return (NULL);
		memset(s, 0, sizeof(*s));
		tr_arena_init(&s->arena, s->inline_mem, SPAN_INLINE_ARENA);
		s->recording = 1;
	}
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
	    NULL)
		goto nomem;
	s->start = start != 0 ? start : tracing_now();
	__atomic_add_fetch(&p->started, 1, __ATOMIC_RELAXED);
	return (s);

nomem:
	tr_span_free(s);
	return (NULL);
}

struct tracing_span *
tracing_span_start(struct tracing_tracer *t, const char *name, int kind,
    const struct tracing_context *parent, uint64_t start)
{
	return (span_start(t, name, kind, parent, start));
}

struct tracing_span *
tracing_span_start_child(struct tracing_tracer *t, const char *name,
    int kind, const struct tracing_span *parent, uint64_t start)
{
	struct tracing_context	ctx;

	if (parent == NULL)
		return (span_start(t, name, kind, NULL, start));
	memset(&ctx, 0, sizeof(ctx));
	ctx.sc = parent->sc;
	ctx.sc.remote = 0;
	ctx.tracestate = (char *)parent->tracestate;
	return (span_start(t, name, kind, &ctx, start));
}

void
tr_span_free(struct tracing_span *s)
{
	struct tracing_provider	*p;

	if (s == NULL)
		return;
	tr_arena_cleanup(&s->arena);
	if (s->recording && s->tracer != NULL) {
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
	tr_free(s);
}

void
tracing_span_end(struct tracing_span *s, uint64_t end)
{
	struct tracing_provider	*p;

	if (s == NULL || s->ended)
		return;
	s->ended = 1;
	if (!s->recording) {
		tr_span_free(s);
		return;
	}
	p = s->tracer->provider;
	s->end = end != 0 ? end : tracing_now();
	if (s->end < s->start)
		s->end = s->start;
	__atomic_add_fetch(&p->ended, 1, __ATOMIC_RELAXED);
	if ((s->sc.flags & TRACE_FLAG_SAMPLED) && p->proc != NULL)
		tr_processor_on_end(p->proc, s);
	else
		tr_span_free(s);
}

int
tracing_span_set_attr(struct tracing_span *s, const struct tracing_attr *a)
{
	const struct tr_limits	*l;

	if (s == NULL || !s->recording || s->ended)
		return (TRACING_OK);
	l = span_limits(s);
	return (attrs_set(&s->arena, &s->attrs, l->attr_count,
	    l->attr_value_len, a, 16));
}

int
tracing_span_set_attrs(struct tracing_span *s, const struct tracing_attr *a,
    size_t n)
{
	size_t	i;
	int	rc, ret;

	ret = TRACING_OK;
	for (i = 0; i < n; i++) {
		if ((rc = tracing_span_set_attr(s, &a[i])) != TRACING_OK &&
		    ret == TRACING_OK)
			ret = rc;
	}
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

int
tracing_span_add_event(struct tracing_span *s, const char *name,
    uint64_t ts, const struct tracing_attr *attrs, size_t n)
{
	const struct tr_limits	*l;
	struct tr_event		*ev, *ne;
	uint32_t		 ncap;
	size_t			 i;
	int			 rc;

	if (s == NULL || !s->recording || s->ended)
		return (TRACING_OK);
	if (name == NULL || (n > 0 && attrs == NULL))
		return (TRACING_ERR_INVALID);
	l = span_limits(s);
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
tracing_span_add_link(struct tracing_span *s,
    const struct tracing_context *ctx, const struct tracing_attr *attrs,
    size_t n)
{
	const struct tr_limits	*l;
	struct tr_link		*lk, *nl;
	uint32_t		 ncap;
	size_t			 i;
	int			 rc;

	if (s == NULL || !s->recording || s->ended)
		return (TRACING_OK);
	if (ctx == NULL || !ctx->sc.valid || (n > 0 && attrs == NULL))
		return (TRACING_ERR_INVALID);
	l = span_limits(s);
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
tracing_span_set_status(struct tracing_span *s, int code, const char *desc)
{
	if (s == NULL || !s->recording || s->ended)
		return (TRACING_OK);
	if (code != TRACING_STATUS_UNSET && code != TRACING_STATUS_OK &&
	    code != TRACING_STATUS_ERROR)
		return (TRACING_ERR_INVALID);
	/* Unset is ignored, Ok is final, a description only with Error. */
	if (code == TRACING_STATUS_UNSET || s->status == TRACING_STATUS_OK)
		return (TRACING_OK);
	s->status = (uint8_t)code;
	s->status_desc = NULL;
	if (code == TRACING_STATUS_ERROR && desc != NULL && desc[0] != '\0' &&
	    (s->status_desc = tr_arena_strndup(&s->arena, desc,
	    strlen(desc))) == NULL)
		return (TRACING_ERR_NOMEM);
	return (TRACING_OK);
}

int
tracing_span_record_exception(struct tracing_span *s, const char *type,
    const char *message, const char *stacktrace, uint64_t ts)
{
	struct tracing_attr	a[3];
	size_t			n;

	n = 0;
	if (type != NULL)
		a[n++] = TRACING_ATTR_STR("exception.type", type);
	if (message != NULL)
		a[n++] = TRACING_ATTR_STR("exception.message", message);
	if (stacktrace != NULL)
		a[n++] = TRACING_ATTR_STR("exception.stacktrace", stacktrace);
	if (n == 0)
		return (TRACING_ERR_INVALID);
	return (tracing_span_add_event(s, "exception", ts, a, n));
}

int
tracing_span_update_name(struct tracing_span *s, const char *name)
{
	char	*n;

	if (s == NULL || !s->recording || s->ended)
		return (TRACING_OK);
	if (name == NULL)
		return (TRACING_ERR_INVALID);
	if ((n = tr_arena_strndup(&s->arena, name, strlen(name))) == NULL)
		return (TRACING_ERR_NOMEM);
	s->name = n;
	return (TRACING_OK);
}

int
tracing_span_is_recording(const struct tracing_span *s)
{
	return (s != NULL && s->recording && !s->ended);
}

int
tracing_span_is_sampled(const struct tracing_span *s)
{
	return (s != NULL && (s->sc.flags & TRACE_FLAG_SAMPLED) != 0);
}

void
tracing_span_trace_id(const struct tracing_span *s, uint8_t out[16])
{
	if (s == NULL)
		memset(out, 0, 16);
	else
		memcpy(out, s->sc.trace_id, 16);
}

void
tracing_span_span_id(const struct tracing_span *s, uint8_t out[8])
{
	if (s == NULL)
		memset(out, 0, 8);
	else
		memcpy(out, s->sc.span_id, 8);
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

const char *
tracing_span_name(const struct tracing_span *s)
{
	return (s != NULL && s->name != NULL ? s->name : "");
}

int
tracing_span_kind(const struct tracing_span *s)
{
	return (s != NULL ? s->kind : 0);
}

uint64_t
tracing_span_start_time(const struct tracing_span *s)
{
	return (s != NULL ? s->start : 0);
}

uint64_t
tracing_span_end_time(const struct tracing_span *s)
{
	return (s != NULL ? s->end : 0);
}

int
tracing_span_status(const struct tracing_span *s, const char **desc)
{
	if (desc != NULL)
		*desc = s != NULL ? s->status_desc : NULL;
	return (s != NULL ? s->status : TRACING_STATUS_UNSET);
}

int
tracing_span_parent_span_id(const struct tracing_span *s, uint8_t out[8])
{
	if (s == NULL || !s->has_parent) {
		memset(out, 0, 8);
		return (0);
	}
	memcpy(out, s->parent_id, 8);
	return (1);
}
