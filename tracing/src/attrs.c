/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attrs.c: the arena that owns every byte a span (or the resource) holds,
 * chunks freed in one walk, and attribute sets in it: set or replace by
 * key, values cut at the value-length limit on a UTF-8 boundary, counts
 * bounded with the dropped ones counted. span.c and resource.c use both.
 */

#include <sys/types.h>

#include <string.h>

#include "tracing_private.h"

static int	attr_copy(struct tr_arena *, struct tr_attr *,
		    const struct tracing_attr *, int64_t);
static size_t	trunc_len(const char *, size_t, int64_t);

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
			if ((dst->v.ba = tr_arena_alloc(a, n * sizeof(int))) ==
			    NULL)
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
int
tr_attrs_set_cap(struct tr_arena *a, struct tr_attrs *as, uint32_t limit,
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
	return (tr_attrs_set_cap(a, as, limit, vlim, in, 8));
}
