/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otlp.c: the OTLP ExportTraceServiceRequest encoder and the response
 * decoder. Encoding is done by hand, back to front, into one buffer: each
 * message is written before its length and tag, so every length is known
 * when it is written, in one pass, without per-span allocations and with
 * canonical varints. protobuf-c (generated from opentelemetry-proto) decodes
 * responses here and checks the encoder in the tests.
 */

#include <sys/types.h>

#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "tracing_private.h"

#define WT_VARINT	0
#define WT_I64		1
#define WT_LEN		2
#define WT_I32		5

#define SPAN_FLAGS_HAS_IS_REMOTE	0x100
#define SPAN_FLAGS_IS_REMOTE		0x200

static void	pbw_anyvalue(struct tr_pbw *, const struct tr_attr *);

void
tr_pbw_init(struct tr_pbw *w)
{
	memset(w, 0, sizeof(*w));
}

void
tr_pbw_cleanup(struct tr_pbw *w)
{
	tr_free(w->buf);
	memset(w, 0, sizeof(*w));
}

void
tr_pbw_reset(struct tr_pbw *w)
{
	w->pos = w->cap;
	w->err = 0;
}

size_t
tr_pbw_len(const struct tr_pbw *w)
{
	return (w->cap - w->pos);
}

const uint8_t *
tr_pbw_data(const struct tr_pbw *w)
{
	return (w->buf + w->pos);
}

static int
pbw_room(struct tr_pbw *w, size_t need)
{
	uint8_t		*n;
	size_t		 len, ncap;

	if (w->err)
		return (0);
	if (w->pos >= need)
		return (1);
	len = w->cap - w->pos;
	ncap = w->cap != 0 ? w->cap * 2 : 4096;
	while (ncap - len < need) {
		if (ncap > SIZE_MAX / 4) {
			w->err = TRACING_ERR_LIMIT;
			return (0);
		}
		ncap *= 2;
	}
	if ((n = tr_malloc(ncap)) == NULL) {
		w->err = TRACING_ERR_NOMEM;
		return (0);
	}
	if (len > 0)
		memcpy(n + ncap - len, w->buf + w->pos, len);
	tr_free(w->buf);
	w->buf = n;
	w->pos = ncap - len;
	w->cap = ncap;
	return (1);
}

static inline void
pbw_raw(struct tr_pbw *w, const void *p, size_t n)
{
	if (n == 0 || !pbw_room(w, n))
		return;
	w->pos -= n;
	memcpy(w->buf + w->pos, p, n);
}

/*
 * Varints (tags and lengths: several per attribute) are stored in place, a
 * byte at a time: a memcpy call per varint cost more than the encoding.
 */
static inline void
pbw_varint(struct tr_pbw *w, uint64_t v)
{
	uint8_t		*d;
	uint64_t	 t;
	size_t		 n;

	for (n = 1, t = v >> 7; t != 0; t >>= 7)
		n++;
	if (!pbw_room(w, n))
		return;
	w->pos -= n;
	d = w->buf + w->pos;
	for (; v >= 0x80; v >>= 7)
		*d++ = (uint8_t)(v | 0x80);
	*d = (uint8_t)v;
}

static void
pbw_tag(struct tr_pbw *w, int field, int wt)
{
	pbw_varint(w, ((uint64_t)field << 3) | (uint64_t)wt);
}

/* Close a length-delimited field whose body started at mark. */
static void
pbw_close(struct tr_pbw *w, int field, size_t mark)
{
	pbw_varint(w, tr_pbw_len(w) - mark);
	pbw_tag(w, field, WT_LEN);
}

static void
pbw_bytes(struct tr_pbw *w, int field, const void *p, size_t n)
{
	pbw_raw(w, p, n);
	pbw_varint(w, n);
	pbw_tag(w, field, WT_LEN);
}

/*
 * UTF-8: the length of the well-formed sequence at p (1 to 4 bytes), or 0
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
static size_t
utf8_seq(const uint8_t *p, size_t n)
{
	uint8_t	c = p[0];

	if (c < 0x80)
		return (1);
	if (c >= 0xc2 && c <= 0xdf)
		return (n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0);
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return (0);
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return (0);
		return (3);
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return (0);
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return (0);
		return (4);
	}
	return (0);
}

/*
 * The length of s once repaired: every byte that starts no well-formed
 * sequence becomes U+FFFD (3 bytes). Equal to n when s is valid UTF-8.
 */
size_t
tr_utf8_repaired_len(const char *s, size_t n)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 i, k, len;

	for (i = 0; i < n && p[i] < 0x80; i++)
		;
	for (len = i; i < n; i += k) {
		if ((k = utf8_seq(p + i, n - i)) == 0) {
			k = 1;
			len += 3;
		} else
			len += k;
	}
	return (len);
}

/* Writes the repaired s (rlen bytes, from tr_utf8_repaired_len) to d. */
static void
utf8_repair(uint8_t *d, const char *s, size_t n)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 i, k;

	for (i = 0; i < n; i += k) {
		if ((k = utf8_seq(p + i, n - i)) == 0) {
			k = 1;
			*d++ = 0xef;
			*d++ = 0xbf;
			*d++ = 0xbd;
		} else {
			memcpy(d, p + i, k);
			d += k;
		}
	}
}

/*
 * A string field: OTLP strings must be valid UTF-8 (a strict receiver
 * refuses the whole request otherwise), so invalid bytes go out as U+FFFD.
 */
static void
pbw_text(struct tr_pbw *w, int field, const char *s, size_t n)
{
	size_t	rlen;

	if ((rlen = tr_utf8_repaired_len(s, n)) == n) {
		pbw_bytes(w, field, s, n);
		return;
	}
	if (!pbw_room(w, rlen))
		return;
	w->pos -= rlen;
	utf8_repair(w->buf + w->pos, s, n);
	pbw_varint(w, rlen);
	pbw_tag(w, field, WT_LEN);
}

static void
pbw_str(struct tr_pbw *w, int field, const char *s)
{
	pbw_text(w, field, s, strlen(s));
}

static void
pbw_uint(struct tr_pbw *w, int field, uint64_t v)
{
	pbw_varint(w, v);
	pbw_tag(w, field, WT_VARINT);
}

static void
pbw_fixed64(struct tr_pbw *w, int field, uint64_t v)
{
	uint8_t		b[8];
	int		i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	pbw_raw(w, b, 8);
	pbw_tag(w, field, WT_I64);
}

static void
pbw_fixed32(struct tr_pbw *w, int field, uint32_t v)
{
	uint8_t		b[4];
	int		i;

	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	pbw_raw(w, b, 4);
	pbw_tag(w, field, WT_I32);
}

static void
pbw_double(struct tr_pbw *w, int field, double d)
{
	uint64_t	v;

	memcpy(&v, &d, sizeof(v));
	pbw_fixed64(w, field, v);
}

/* The body of an AnyValue (string 1, bool 2, int 3, double 4, array 5). */
static void
pbw_anyvalue(struct tr_pbw *w, const struct tr_attr *a)
{
	size_t		mark, m2;
	uint32_t	i;

	switch (a->type) {
	case TRACING_ATTR_STRING:
		pbw_text(w, 1, a->v.s, a->n);
		return;
	case TRACING_ATTR_BOOL:
		pbw_uint(w, 2, a->v.b != 0);
		return;
	case TRACING_ATTR_INT:
		pbw_uint(w, 3, (uint64_t)a->v.i);
		return;
	case TRACING_ATTR_DOUBLE:
		pbw_double(w, 4, a->v.d);
		return;
	}
	mark = tr_pbw_len(w);
	for (i = a->n; i > 0; i--) {
		m2 = tr_pbw_len(w);
		switch (a->type) {
		case TRACING_ATTR_STRING_ARRAY:
			pbw_text(w, 1, a->v.sa[i - 1], a->slens[i - 1]);
			break;
		case TRACING_ATTR_BOOL_ARRAY:
			pbw_uint(w, 2, a->v.ba[i - 1] != 0);
			break;
		case TRACING_ATTR_INT_ARRAY:
			pbw_uint(w, 3, (uint64_t)a->v.ia[i - 1]);
			break;
		case TRACING_ATTR_DOUBLE_ARRAY:
			pbw_double(w, 4, a->v.da[i - 1]);
			break;
		}
		pbw_close(w, 1, m2);		/* ArrayValue.values */
	}
	pbw_close(w, 5, mark);			/* AnyValue.array_value */
}

/* Repeated KeyValue{key 1, value 2} in field, in order. */
void
tr_pbw_attrs(struct tr_pbw *w, int field, const struct tr_attrs *as)
{
	const struct tr_attr	*a;
	size_t			 mark, m2;
	uint32_t		 i;

	for (i = as->count; i > 0; i--) {
		a = &as->a[i - 1];
		mark = tr_pbw_len(w);
		m2 = mark;
		pbw_anyvalue(w, a);
		pbw_close(w, 2, m2);
		pbw_text(w, 1, a->key, a->klen);
		pbw_close(w, field, mark);
	}
}

static void
pbw_span(struct tr_pbw *w, const struct tr_span *s)
{
	const struct tr_event	*ev;
	const struct tr_link	*lk;
	size_t			 mark, m2;
	uint32_t		 i, flags;

	mark = tr_pbw_len(w);
	flags = s->sc.flags | SPAN_FLAGS_HAS_IS_REMOTE;
	if (s->has_parent && s->parent_remote)
		flags |= SPAN_FLAGS_IS_REMOTE;
	pbw_fixed32(w, 16, flags);
	if (s->status != TRACING_STATUS_UNSET) {
		m2 = tr_pbw_len(w);
		pbw_uint(w, 3, s->status);
		if (s->status_desc != NULL)
			pbw_str(w, 2, s->status_desc);
		pbw_close(w, 15, m2);
	}
	if (s->dropped_links != 0)
		pbw_uint(w, 14, s->dropped_links);
	for (i = s->nlinks; i > 0; i--) {
		lk = &s->links[i - 1];
		m2 = tr_pbw_len(w);
		pbw_fixed32(w, 6, lk->sc.flags | SPAN_FLAGS_HAS_IS_REMOTE |
		    (lk->sc.remote ? SPAN_FLAGS_IS_REMOTE : 0));
		if (lk->attrs.dropped != 0)
			pbw_uint(w, 5, lk->attrs.dropped);
		tr_pbw_attrs(w, 4, &lk->attrs);
		if (lk->tracestate != NULL && lk->tracestate[0] != '\0')
			pbw_str(w, 3, lk->tracestate);
		pbw_bytes(w, 2, lk->sc.span_id, 8);
		pbw_bytes(w, 1, lk->sc.trace_id, 16);
		pbw_close(w, 13, m2);
	}
	if (s->dropped_events != 0)
		pbw_uint(w, 12, s->dropped_events);
	for (i = s->nevents; i > 0; i--) {
		ev = &s->events[i - 1];
		m2 = tr_pbw_len(w);
		if (ev->attrs.dropped != 0)
			pbw_uint(w, 4, ev->attrs.dropped);
		tr_pbw_attrs(w, 3, &ev->attrs);
		pbw_str(w, 2, ev->name);
		pbw_fixed64(w, 1, ev->ts);
		pbw_close(w, 11, m2);
	}
	if (s->attrs.dropped != 0)
		pbw_uint(w, 10, s->attrs.dropped);
	tr_pbw_attrs(w, 9, &s->attrs);
	pbw_fixed64(w, 8, s->end);
	pbw_fixed64(w, 7, s->start);
	pbw_uint(w, 6, s->kind);
	pbw_str(w, 5, s->name);
	if (s->has_parent)
		pbw_bytes(w, 4, s->parent_id, 8);
	if (s->tracestate != NULL && s->tracestate[0] != '\0')
		pbw_str(w, 3, s->tracestate);
	pbw_bytes(w, 2, s->sc.span_id, 8);
	pbw_bytes(w, 1, s->sc.trace_id, 16);
	pbw_close(w, 2, mark);			/* ScopeSpans.spans */
}

int
tr_resource_encode(struct tr_resource *r)
{
	struct tr_pbw	w;
	uint8_t		*p;

	tr_pbw_init(&w);
	tr_pbw_attrs(&w, 1, &r->attrs);
	if (w.err != 0) {
		tr_pbw_cleanup(&w);
		return (w.err);
	}
	if ((p = tr_malloc(tr_pbw_len(&w))) == NULL) {
		tr_pbw_cleanup(&w);
		return (TRACING_ERR_NOMEM);
	}
	memcpy(p, tr_pbw_data(&w), tr_pbw_len(&w));
	tr_free(r->pb);
	r->pb = p;
	r->pblen = tr_pbw_len(&w);
	tr_pbw_cleanup(&w);
	return (TRACING_OK);
}

/*
 * ExportTraceServiceRequest { ResourceSpans resource_spans = 1 {
 *     Resource resource = 1; ScopeSpans scope_spans = 2 (one per tracer:
 *     scope = 1 { name, version, attributes }, spans = 2, schema_url = 3);
 *     schema_url = 3 } }
 * Appended (in front of) whatever w already holds; w is usually reset.
 */
int
tr_otlp_encode(struct tr_pbw *w, const struct tracing_batch *b)
{
	const struct tracing_tracer	*t;
	size_t				 rs, ss, sc, i, j;

	rs = tr_pbw_len(w);
	for (i = b->n; i > 0; i--) {
		t = b->spans[i - 1]->tracer;
		for (j = i; j < b->n; j++)
			if (b->spans[j]->tracer == t)
				break;
		if (j < b->n)
			continue;	/* not the last span of this scope */
		ss = tr_pbw_len(w);
		if (t->schema_url != NULL)
			pbw_str(w, 3, t->schema_url);	/* ScopeSpans */
		for (j = i; j > 0; j--) {
			if (b->spans[j - 1]->tracer == t)
				pbw_span(w, b->spans[j - 1]);
		}
		sc = tr_pbw_len(w);
		tr_pbw_attrs(w, 3, &t->attrs);
		if (t->version != NULL)
			pbw_str(w, 2, t->version);
		if (t->name != NULL)
			pbw_str(w, 1, t->name);
		pbw_close(w, 1, sc);		/* ScopeSpans.scope */
		pbw_close(w, 2, ss);		/* ResourceSpans.scope_spans */
	}
	if (b->resource != NULL && b->resource->schema_url != NULL)
		pbw_str(w, 3, b->resource->schema_url);	/* ResourceSpans */
	if (b->resource != NULL) {
		sc = tr_pbw_len(w);
		pbw_raw(w, b->resource->pb, b->resource->pblen);
		pbw_close(w, 1, sc);		/* ResourceSpans.resource */
	}
	pbw_close(w, 1, rs);		/* Request.resource_spans */
	return (w->err != 0 ? w->err : TRACING_OK);
}

static void *
pb_alloc(void *arg, size_t len)
{
	(void)arg;
	return (tr_malloc(len));
}

static void
pb_free(void *arg, void *p)
{
	(void)arg;
	tr_free(p);
}

/*
 * Decode an ExportTraceServiceResponse: rejected span count and message of
 * a partial success (0 and "" when none). An empty body is a success.
 */
int
tr_otlp_response_parse(const uint8_t *p, size_t len, int64_t *rejected,
    char *msg, size_t msglen)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse
				*r;
	ProtobufCAllocator	 a = { pb_alloc, pb_free, NULL };

	*rejected = 0;
	if (msglen > 0)
		msg[0] = '\0';
	if (len == 0)
		return (TRACING_OK);
	r = opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
	    &a, len, p);
	if (r == NULL)
		return (TRACING_ERR_INVALID);
	if (r->partial_success != NULL) {
		*rejected = r->partial_success->rejected_spans;
		if (msglen > 0 && r->partial_success->error_message != NULL)
			(void)snprintf(msg, msglen, "%s",
			    r->partial_success->error_message);
	}
	opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(
	    r, &a);
	return (TRACING_OK);
}

size_t
tracing_batch_count(const struct tracing_batch *b)
{
	return (b != NULL ? b->n : 0);
}

const struct tracing_span *
tracing_batch_span(const struct tracing_batch *b, size_t i)
{
	return (b != NULL && i < b->n ? tr_handle(b->spans[i]) : NULL);
}

uint64_t
tracing_batch_deadline(const struct tracing_batch *b)
{
	return (b != NULL ? b->deadline : 0);
}

int
tracing_batch_aborted(const struct tracing_batch *b)
{
	return (b != NULL && b->abort != NULL &&
	    __atomic_load_n(b->abort, __ATOMIC_RELAXED) != 0);
}

int
tracing_batch_encode_otlp(const struct tracing_batch *b, uint8_t **out,
    size_t *outlen)
{
	struct tr_pbw	w;
	int		rc;

	*out = NULL;
	*outlen = 0;
	if (b == NULL)
		return (TRACING_ERR_INVALID);
	tr_pbw_init(&w);
	if ((rc = tr_otlp_encode(&w, b)) != TRACING_OK) {
		tr_pbw_cleanup(&w);
		return (rc);
	}
	*outlen = tr_pbw_len(&w);
	if ((*out = tr_malloc(*outlen)) == NULL) {
		tr_pbw_cleanup(&w);
		return (TRACING_ERR_NOMEM);
	}
	memcpy(*out, tr_pbw_data(&w), *outlen);
	tr_pbw_cleanup(&w);
	return (TRACING_OK);
}
