/* SPDX-License-Identifier: Apache-2.0 */
/*
 * propagation.c: W3C Trace Context Level 2 (traceparent, tracestate) and
 * W3C Baggage: the parsers, serializers, the context object that carries
 * them, and extract/inject through the host's getter and setter callbacks.
 * Invalid input never reaches the output: an invalid traceparent leaves no
 * span context (and its tracestate is ignored), an invalid tracestate is
 * dropped whole, an invalid baggage member is skipped. A tracestate key
 * that repeats is not invalid: its first (left-most) member is kept and
 * the later ones are dropped.
 */

#include <sys/types.h>

#include <string.h>

#include "tracing_private.h"

static int	is_ows(char);
static void	trim(const char **, size_t *);
static int	lchex(char);
static int	is_tchar(unsigned char);
static int	is_bagoctet(unsigned char);
static int	bag_props_valid(const char *, size_t);
static int	bag_add(struct tracing_context *, const char *, size_t,
		    const char *, size_t, const char *, size_t, int);
static void	bag_clear(struct tracing_context *);
static int	tracestate_store(struct tracing_context *,
		    struct tr_tsmember *, size_t);

static const char	hexdig[] = "0123456789abcdef";

static int
is_ows(char c)
{
	return (c == ' ' || c == '\t');
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_ows(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_ows((*s)[*len - 1]))
		(*len)--;
}

static int
lchex(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

int
tr_hex_decode(const char *s, size_t len, uint8_t *out)
{
	size_t	i;
	int	hi, lo;

	if (len % 2 != 0)
		return (TRACING_ERR_INVALID);
	for (i = 0; i < len; i += 2) {
		if ((hi = lchex(s[i])) < 0 || (lo = lchex(s[i + 1])) < 0)
			return (TRACING_ERR_INVALID);
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (TRACING_OK);
}

void
tr_hex_encode(const uint8_t *in, size_t len, char *out)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		out[i * 2] = hexdig[in[i] >> 4];
		out[i * 2 + 1] = hexdig[in[i] & 0xf];
	}
	out[len * 2] = '\0';
}

static int
all_zero(const uint8_t *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return (0);
	return (1);
}

/*
 * traceparent = version "-" trace-id "-" parent-id "-" trace-flags.
 * Version ff is invalid; version 00 is exactly 55 characters; a higher
 * version is parsed as 00 and may carry more after a '-' at offset 55.
 */
int
tr_traceparent_parse(const char *s, size_t len, struct tr_spanctx *sc)
{
	uint8_t		ver, flags;

	memset(sc, 0, sizeof(*sc));
	if (s == NULL)
		return (TRACING_ERR_INVALID);
	trim(&s, &len);
	if (len < 55)
		return (TRACING_ERR_INVALID);
	if (tr_hex_decode(s, 2, &ver) != TRACING_OK || ver == 0xff)
		return (TRACING_ERR_INVALID);
	if (s[2] != '-' || s[35] != '-' || s[52] != '-')
		return (TRACING_ERR_INVALID);
	if (ver == 0 && len != 55)
		return (TRACING_ERR_INVALID);
	if (ver != 0 && len > 55 && s[55] != '-')
		return (TRACING_ERR_INVALID);
	if (tr_hex_decode(s + 3, 32, sc->trace_id) != TRACING_OK ||
	    tr_hex_decode(s + 36, 16, sc->span_id) != TRACING_OK ||
	    tr_hex_decode(s + 53, 2, &flags) != TRACING_OK)
		goto bad;
	if (all_zero(sc->trace_id, 16) || all_zero(sc->span_id, 8))
		goto bad;
	sc->flags = flags & (TRACE_FLAG_SAMPLED | TRACE_FLAG_RANDOM);
	sc->valid = 1;
	return (TRACING_OK);
bad:
	memset(sc, 0, sizeof(*sc));
	return (TRACING_ERR_INVALID);
}

void
tr_traceparent_format(const struct tr_spanctx *sc, char out[56])
{
	memcpy(out, "00-", 3);
	tr_hex_encode(sc->trace_id, 16, out + 3);
	out[35] = '-';
	tr_hex_encode(sc->span_id, 8, out + 36);
	out[52] = '-';
	out[53] = hexdig[(sc->flags >> 4) & 0xf];
	out[54] = hexdig[sc->flags & 0xf];
	out[55] = '\0';
}

/*
 * key = ( lcalpha / DIGIT ) 0*255( keychar )
 * keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
 * lcalpha = %x61-7A
 * '@' is just another key character (not first): Level 2 has no separate
 * tenant and system parts with their own length limits.
 */
static int
ts_keychar(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '-' || c == '*' || c == '/' || c == '@');
}

int
tr_tracestate_key_valid(const char *k, size_t len)
{
	size_t	i;

	if (len == 0 || len > 256)
		return (0);
	if (!((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= '0' && k[0] <= '9')))
		return (0);
	for (i = 1; i < len; i++)
		if (!ts_keychar(k[i]))
			return (0);
	return (1);
}

/* value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr (no "," or "="). */
int
tr_tracestate_value_valid(const char *v, size_t len)
{
	size_t		i;
	unsigned char	c;

	if (len == 0 || len > 256 || v[len - 1] == ' ')
		return (0);
	for (i = 0; i < len; i++) {
		c = (unsigned char)v[i];
		if (c < 0x20 || c > 0x7e || c == ',' || c == '=')
			return (0);
	}
	return (1);
}

/*
 * Parse a (possibly combined) tracestate into at most 32 members.
 * Empty members are skipped. A key seen before is a duplicate: the first
 * (left-most) member with that key is kept, the later ones are checked
 * like any other and then dropped, the others keep their order (the spec
 * lets a receiver discard duplicates; since its 2022 revision they no
 * longer make the list invalid). A member without '=', a bad key or value,
 * or more than 32 members make the whole value invalid.
 *
 * The 32-member limit counts distinct members, after duplicates are
 * dropped: it bounds what we keep and send on, and a list that only went
 * past 32 by repetition (e.g. a header line sent twice) is still a valid
 * list of at most 32 members once its duplicates are gone. 33 distinct
 * members are invalid either way.
 */
int
tr_tracestate_parse(const char *s, size_t len, struct tr_tsmember *m,
    size_t *np)
{
	const char	*p, *next, *end, *comma, *eq;
	size_t		 n, i, ml, kl;

	*np = 0;
	if (len > TRACESTATE_MAX_INPUT)
		return (TRACING_ERR_INVALID);
	n = 0;
	end = s + len;
	for (p = s; p != NULL; p = next) {
		comma = memchr(p, ',', (size_t)(end - p));
		next = comma != NULL ? comma + 1 : NULL;
		if (comma == NULL)
			comma = end;
		ml = (size_t)(comma - p);
		trim(&p, &ml);
		if (ml == 0)
			continue;
		if ((eq = memchr(p, '=', ml)) == NULL)
			return (TRACING_ERR_INVALID);
		kl = (size_t)(eq - p);
		if (!tr_tracestate_key_valid(p, kl) ||
		    !tr_tracestate_value_valid(eq + 1, ml - kl - 1))
			return (TRACING_ERR_INVALID);
		for (i = 0; i < n; i++) {
			if (m[i].klen == kl && memcmp(m[i].key, p, kl) == 0)
				break;
		}
		if (i < n)
			continue;
		if (n == TRACESTATE_MAX_MEMBERS)
			return (TRACING_ERR_INVALID);
		m[n].key = p;
		m[n].klen = kl;
		m[n].val = eq + 1;
		m[n].vlen = ml - kl - 1;
		n++;
	}
	*np = n;
	return (TRACING_OK);
}

/*
 * Join members with ','. Over 512 characters, members longer than 128
 * characters are removed first (last one first), then members from the end,
 * as the W3C specification recommends. *out is NULL when nothing remains.
 */
int
tr_tracestate_join(const struct tr_tsmember *m, size_t n, char **out)
{
	uint8_t		keep[TRACESTATE_MAX_MEMBERS];
	size_t		i, total, ml, kept;
	char		*s, *p;

	*out = NULL;
	if (n > TRACESTATE_MAX_MEMBERS)
		n = TRACESTATE_MAX_MEMBERS;
	total = 0;
	kept = 0;
	for (i = 0; i < n; i++) {
		keep[i] = 1;
		total += m[i].klen + 1 + m[i].vlen;
		kept++;
	}
	if (kept > 0)
		total += kept - 1;
	for (i = n; total > TRACESTATE_MAX_LEN && i > 0; i--) {
		ml = m[i - 1].klen + 1 + m[i - 1].vlen;
		if (ml > TRACESTATE_BIG_MEMBER) {
			keep[i - 1] = 0;
			total -= ml + (--kept > 0 ? 1 : 0);
		}
	}
	for (i = n; total > TRACESTATE_MAX_LEN && i > 0; i--) {
		if (!keep[i - 1])
			continue;
		keep[i - 1] = 0;
		total -= m[i - 1].klen + 1 + m[i - 1].vlen +
		    (--kept > 0 ? 1 : 0);
	}
	if (kept == 0)
		return (TRACING_OK);
	if ((s = tr_malloc(total + 1)) == NULL)
		return (TRACING_ERR_NOMEM);
	p = s;
	for (i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		if (p != s)
			*p++ = ',';
		memcpy(p, m[i].key, m[i].klen);
		p += m[i].klen;
		*p++ = '=';
		memcpy(p, m[i].val, m[i].vlen);
		p += m[i].vlen;
	}
	*p = '\0';
	*out = s;
	return (TRACING_OK);
}

/* tchar from RFC 7230: the characters of a baggage key. */
static int
is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E */
static int
is_bagoctet(unsigned char c)
{
	return (c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' &&
	    c != '\\');
}

static int
token_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0)
		return (0);
	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)s[i]))
			return (0);
	return (1);
}

/* property = key OWS "=" OWS value / key OWS, separated by ";". */
static int
bag_props_valid(const char *s, size_t len)
{
	const char	*p, *end, *semi, *eq;
	size_t		 pl, kl, vl, i;

	p = s;
	end = s + len;
	while (p <= end) {
		semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			semi = end;
		pl = (size_t)(semi - p);
		trim(&p, &pl);
		if ((eq = memchr(p, '=', pl)) == NULL) {
			if (!token_valid(p, pl))
				return (0);
		} else {
			kl = (size_t)(eq - p);
			while (kl > 0 && is_ows(p[kl - 1]))
				kl--;
			if (!token_valid(p, kl))
				return (0);
			vl = pl - (size_t)(eq + 1 - p);
			eq++;
			while (vl > 0 && is_ows(*eq)) {
				eq++;
				vl--;
			}
			for (i = 0; i < vl; i++)
				if (!is_bagoctet((unsigned char)eq[i]))
					return (0);
		}
		p = semi + 1;
	}
	return (1);
}

static void
bag_clear(struct tracing_context *c)
{
	size_t	i;

	for (i = 0; i < c->nbag; i++) {
		tr_free(c->bag[i].key);
		tr_free(c->bag[i].value);
		tr_free(c->bag[i].props);
	}
	tr_free(c->bag);
	c->bag = NULL;
	c->nbag = 0;
}

/* Add or replace one member; the value is decoded when encoded != 0. */
static int
bag_add(struct tracing_context *c, const char *k, size_t kl, const char *v,
    size_t vl, const char *props, size_t pl, int encoded)
{
	struct tr_bag	*nb, m;
	size_t		 i;
	int		 rc;

	memset(&m, 0, sizeof(m));
	if ((m.key = tr_strndup(k, kl)) == NULL)
		return (TRACING_ERR_NOMEM);
	if (encoded)
		rc = tr_percent_decode(v, vl, &m.value);
	else
		rc = (m.value = tr_strndup(v, vl)) == NULL ?
		    TRACING_ERR_NOMEM : TRACING_OK;
	if (rc != TRACING_OK)
		goto fail;
	rc = TRACING_ERR_NOMEM;
	if (props != NULL && pl > 0 &&
	    (m.props = tr_strndup(props, pl)) == NULL)
		goto fail;
	for (i = 0; i < c->nbag; i++) {
		if (strcmp(c->bag[i].key, m.key) == 0) {
			tr_free(c->bag[i].key);
			tr_free(c->bag[i].value);
			tr_free(c->bag[i].props);
			c->bag[i] = m;
			return (TRACING_OK);
		}
	}
	rc = TRACING_ERR_LIMIT;
	if (c->nbag >= BAGGAGE_MAX_MEMBERS)
		goto fail;
	rc = TRACING_ERR_NOMEM;
	if ((nb = tr_realloc(c->bag, (c->nbag + 1) * sizeof(*nb))) == NULL)
		goto fail;
	c->bag = nb;
	c->bag[c->nbag++] = m;
	return (TRACING_OK);
fail:
	tr_free(m.key);
	tr_free(m.value);
	tr_free(m.props);
	return (rc);
}

/*
 * baggage-string = list-member 0*179( OWS "," OWS list-member )
 * list-member = key OWS "=" OWS value *( OWS ";" OWS property )
 * Bad members are skipped; members past 64 or past 8192 bytes are dropped
 * whole, never cut.
 */
int
tr_baggage_parse(const char *s, size_t len, struct tracing_context *c)
{
	const char	*p, *end, *comma, *eq, *semi, *k, *v, *props;
	size_t		 ml, kl, vl, pl, used, i;
	int		 rc, bad;

	p = s;
	end = s + len;
	used = 0;
	while (p <= end) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			comma = end;
		ml = (size_t)(comma - p);
		trim(&p, &ml);
		if (ml == 0)
			goto next;
		if ((eq = memchr(p, '=', ml)) == NULL)
			goto skip;
		k = p;
		kl = (size_t)(eq - p);
		while (kl > 0 && is_ows(k[kl - 1]))
			kl--;
		v = eq + 1;
		vl = ml - (size_t)(v - p);
		semi = memchr(v, ';', vl);
		props = NULL;
		pl = 0;
		if (semi != NULL) {
			props = semi + 1;
			pl = vl - (size_t)(props - v);
			vl = (size_t)(semi - v);
			trim(&props, &pl);
			if (!bag_props_valid(props, pl))
				goto skip;
		}
		trim(&v, &vl);
		if (!token_valid(k, kl))
			goto skip;
		for (bad = 0, i = 0; i < vl; i++) {
			if (!is_bagoctet((unsigned char)v[i]))
				bad = 1;
		}
		if (bad)
			goto skip;
		if (used + ml + (used > 0 ? 1 : 0) > BAGGAGE_MAX_BYTES) {
			tr_log(TRACING_LOG_DEBUG, "baggage over %d bytes, "
			    "member dropped", BAGGAGE_MAX_BYTES);
			goto next;
		}
		rc = bag_add(c, k, kl, v, vl, props, pl, 1);
		if (rc == TRACING_ERR_NOMEM)
			return (rc);
		if (rc == TRACING_OK)
			used += ml + (used > 0 ? 1 : 0);
		else if (rc == TRACING_ERR_INVALID)
			goto skip;
		goto next;
skip:
		tr_log(TRACING_LOG_DEBUG, "invalid baggage member skipped");
next:
		p = comma + 1;
	}
	return (TRACING_OK);
}

int
tr_baggage_format(const struct tracing_context *c, struct tr_buf *b)
{
	struct tr_buf	 m;
	const char	*v;
	size_t		 i, count;
	int		 rc;

	count = 0;
	tr_buf_init(&m, 0);
	for (i = 0; i < c->nbag && count < BAGGAGE_MAX_MEMBERS; i++) {
		m.len = 0;
		if ((rc = tr_buf_append(&m, c->bag[i].key,
		    strlen(c->bag[i].key))) != TRACING_OK ||
		    (rc = tr_buf_append(&m, "=", 1)) != TRACING_OK)
			goto out;
		for (v = c->bag[i].value; *v != '\0'; v++) {
			if (is_bagoctet((unsigned char)*v) && *v != '%')
				rc = tr_buf_append(&m, v, 1);
			else
				rc = tr_buf_appendf(&m, "%%%02X",
				    (unsigned char)*v);
			if (rc != TRACING_OK)
				goto out;
		}
		if (c->bag[i].props != NULL && ((rc = tr_buf_append(&m, ";",
		    1)) != TRACING_OK || (rc = tr_buf_append(&m,
		    c->bag[i].props, strlen(c->bag[i].props))) != TRACING_OK))
			goto out;
		if (b->len + m.len + (b->len > 0 ? 1 : 0) > BAGGAGE_MAX_BYTES)
			continue;
		if ((b->len > 0 && (rc = tr_buf_append(b, ",", 1)) !=
		    TRACING_OK) || (rc = tr_buf_append(b, m.data, m.len)) !=
		    TRACING_OK)
			goto out;
		count++;
	}
	rc = TRACING_OK;
out:
	tr_buf_cleanup(&m);
	return (rc);
}

int
tracing_context_alloc(struct tracing_context **out)
{
	struct tracing_context	*c;

	*out = NULL;
	if ((c = tr_calloc(1, sizeof(*c))) == NULL)
		return (TRACING_ERR_NOMEM);
	*out = c;
	return (TRACING_OK);
}

void
tracing_context_reset(struct tracing_context *c)
{
	if (c == NULL)
		return;
	bag_clear(c);
	tr_free(c->tracestate);
	tr_free(c->values);
	memset(c, 0, sizeof(*c));
}

/*
 * Values under keys of the host's (the specification's Context keys). A
 * key is a number, unique in the process; its name is for people only.
 * Values are the host's pointers: the library neither copies nor frees
 * them, and does not propagate them.
 */
int
tracing_context_key(const char *name)
{
	static int	next;
	int		k;

	(void)name;
	k = __atomic_add_fetch(&next, 1, __ATOMIC_RELAXED);
	return (k > 0 ? k : 0);
}

int
tracing_context_set_value(struct tracing_context *c, int key, void *value)
{
	struct tr_value	*nv;
	size_t		 i, ncap;

	if (c == NULL || key <= 0)
		return (TRACING_ERR_INVALID);
	for (i = 0; i < c->nvalues; i++) {
		if (c->values[i].key == key) {
			if (value != NULL) {
				c->values[i].value = value;
				return (TRACING_OK);
			}
			c->values[i] = c->values[--c->nvalues];
			return (TRACING_OK);
		}
	}
	if (value == NULL)
		return (TRACING_OK);
	if (c->nvalues == c->values_cap) {
		ncap = c->values_cap == 0 ? 4 : c->values_cap * 2;
		if ((nv = tr_realloc(c->values, ncap * sizeof(*nv))) == NULL)
			return (TRACING_ERR_NOMEM);
		c->values = nv;
		c->values_cap = ncap;
	}
	c->values[c->nvalues].key = key;
	c->values[c->nvalues].value = value;
	c->nvalues++;
	return (TRACING_OK);
}

void *
tracing_context_get_value(const struct tracing_context *c, int key)
{
	size_t	i;

	if (c == NULL)
		return (NULL);
	for (i = 0; i < c->nvalues; i++)
		if (c->values[i].key == key)
			return (c->values[i].value);
	return (NULL);
}

void
tracing_context_free(struct tracing_context *c)
{
	if (c == NULL)
		return;
	tracing_context_reset(c);
	tr_free(c);
}

int
tracing_context_set_span(struct tracing_context *c,
    const struct tracing_span *s)
{
	struct tr_spancopy	 cp;
	char			*ts;
	int			 rc;

	if (c == NULL)
		return (TRACING_ERR_INVALID);
	if ((rc = tr_span_copy(s, &cp)) != TRACING_OK)
		return (rc);
	ts = NULL;
	if (cp.ts != NULL && (ts = tr_strdup(cp.ts)) == NULL) {
		tr_spancopy_cleanup(&cp);
		return (TRACING_ERR_NOMEM);
	}
	tr_free(c->tracestate);
	c->tracestate = ts;
	c->sc = cp.sc;
	c->sc.remote = 0;
	tr_spancopy_cleanup(&cp);
	return (TRACING_OK);
}

int
tracing_context_is_valid(const struct tracing_context *c)
{
	return (c != NULL && c->sc.valid);
}

int
tracing_context_is_remote(const struct tracing_context *c)
{
	return (c != NULL && c->sc.valid && c->sc.remote);
}

int
tracing_context_is_sampled(const struct tracing_context *c)
{
	return (c != NULL && c->sc.valid &&
	    (c->sc.flags & TRACE_FLAG_SAMPLED) != 0);
}

int
tracing_context_trace_flags(const struct tracing_context *c)
{
	return (c != NULL && c->sc.valid ? c->sc.flags : 0);
}

void
tracing_context_trace_id(const struct tracing_context *c, uint8_t out[16])
{
	if (c == NULL || !c->sc.valid)
		memset(out, 0, 16);
	else
		memcpy(out, c->sc.trace_id, 16);
}

void
tracing_context_span_id(const struct tracing_context *c, uint8_t out[8])
{
	if (c == NULL || !c->sc.valid)
		memset(out, 0, 8);
	else
		memcpy(out, c->sc.span_id, 8);
}

const char *
tracing_context_tracestate(const struct tracing_context *c)
{
	return (c != NULL && c->tracestate != NULL ? c->tracestate : "");
}

int
tracing_context_tracestate_get(const struct tracing_context *c,
    const char *key, char *buf, size_t buflen)
{
	struct tr_tsmember	m[TRACESTATE_MAX_MEMBERS];
	size_t			n, i, kl;

	if (c == NULL || key == NULL || buf == NULL || buflen == 0)
		return (TRACING_ERR_INVALID);
	buf[0] = '\0';
	if (c->tracestate == NULL || tr_tracestate_parse(c->tracestate,
	    strlen(c->tracestate), m, &n) != TRACING_OK)
		return (TRACING_ERR_INVALID);
	kl = strlen(key);
	for (i = 0; i < n; i++) {
		if (m[i].klen != kl || memcmp(m[i].key, key, kl) != 0)
			continue;
		if (m[i].vlen >= buflen)
			return (TRACING_ERR_LIMIT);
		memcpy(buf, m[i].val, m[i].vlen);
		buf[m[i].vlen] = '\0';
		return (TRACING_OK);
	}
	return (TRACING_ERR_INVALID);
}

static int
tracestate_store(struct tracing_context *c, struct tr_tsmember *m, size_t n)
{
	char	*s;
	int	 rc;

	if ((rc = tr_tracestate_join(m, n, &s)) != TRACING_OK)
		return (rc);
	tr_free(c->tracestate);
	c->tracestate = s;
	return (TRACING_OK);
}

/* Add or update a member: it moves to the front (W3C "mutating"). */
int
tracing_context_tracestate_set(struct tracing_context *c, const char *key,
    const char *value)
{
	struct tr_tsmember	m[TRACESTATE_MAX_MEMBERS + 1];
	size_t			n, i, j;

	if (c == NULL || key == NULL || value == NULL ||
	    !tr_tracestate_key_valid(key, strlen(key)) ||
	    !tr_tracestate_value_valid(value, strlen(value)))
		return (TRACING_ERR_INVALID);
	n = 0;
	if (c->tracestate != NULL && tr_tracestate_parse(c->tracestate,
	    strlen(c->tracestate), m + 1, &n) != TRACING_OK)
		n = 0;
	for (i = 1, j = 1; i <= n; i++) {
		if (m[i].klen == strlen(key) &&
		    memcmp(m[i].key, key, m[i].klen) == 0)
			continue;
		m[j++] = m[i];
	}
	n = j;
	m[0].key = key;
	m[0].klen = strlen(key);
	m[0].val = value;
	m[0].vlen = strlen(value);
	if (n > TRACESTATE_MAX_MEMBERS)
		n = TRACESTATE_MAX_MEMBERS;
	return (tracestate_store(c, m, n));
}

int
tracing_context_tracestate_delete(struct tracing_context *c, const char *key)
{
	struct tr_tsmember	m[TRACESTATE_MAX_MEMBERS];
	size_t			n, i, j;

	if (c == NULL || key == NULL)
		return (TRACING_ERR_INVALID);
	if (c->tracestate == NULL || tr_tracestate_parse(c->tracestate,
	    strlen(c->tracestate), m, &n) != TRACING_OK)
		return (TRACING_OK);
	for (i = 0, j = 0; i < n; i++) {
		if (m[i].klen == strlen(key) &&
		    memcmp(m[i].key, key, m[i].klen) == 0)
			continue;
		m[j++] = m[i];
	}
	return (tracestate_store(c, m, j));
}

int
tracing_context_baggage_set(struct tracing_context *c, const char *key,
    const char *value, const char *props)
{
	if (c == NULL || key == NULL || value == NULL ||
	    !token_valid(key, strlen(key)))
		return (TRACING_ERR_INVALID);
	if (props != NULL && props[0] != '\0' &&
	    !bag_props_valid(props, strlen(props)))
		return (TRACING_ERR_INVALID);
	return (bag_add(c, key, strlen(key), value, strlen(value), props,
	    props != NULL ? strlen(props) : 0, 0));
}

const char *
tracing_context_baggage_get(const struct tracing_context *c, const char *key)
{
	size_t	i;

	if (c == NULL || key == NULL)
		return (NULL);
	for (i = 0; i < c->nbag; i++)
		if (strcmp(c->bag[i].key, key) == 0)
			return (c->bag[i].value);
	return (NULL);
}

int
tracing_context_baggage_remove(struct tracing_context *c, const char *key)
{
	size_t	i;

	if (c == NULL || key == NULL)
		return (TRACING_ERR_INVALID);
	for (i = 0; i < c->nbag; i++) {
		if (strcmp(c->bag[i].key, key) != 0)
			continue;
		tr_free(c->bag[i].key);
		tr_free(c->bag[i].value);
		tr_free(c->bag[i].props);
		memmove(&c->bag[i], &c->bag[i + 1],
		    (c->nbag - i - 1) * sizeof(c->bag[0]));
		c->nbag--;
		return (TRACING_OK);
	}
	return (TRACING_OK);
}

size_t
tracing_context_baggage_count(const struct tracing_context *c)
{
	return (c != NULL ? c->nbag : 0);
}

int
tracing_context_baggage_at(const struct tracing_context *c, size_t i,
    const char **key, const char **value, const char **props)
{
	if (c == NULL || i >= c->nbag)
		return (TRACING_ERR_INVALID);
	if (key != NULL)
		*key = c->bag[i].key;
	if (value != NULL)
		*value = c->bag[i].value;
	if (props != NULL)
		*props = c->bag[i].props;
	return (TRACING_OK);
}

/* W3C Trace Context: replaces the span context when it finds a valid one. */
static int
extract_tracecontext(struct tracing_context *c, tracing_getter_fn *get,
    void *carrier)
{
	struct tr_tsmember	 m[TRACESTATE_MAX_MEMBERS];
	struct tr_spanctx	 sc;
	const char		*tp, *ts;
	size_t			 n;

	if ((tp = get(carrier, "traceparent")) == NULL)
		return (TRACING_OK);
	if (tr_traceparent_parse(tp, strlen(tp), &sc) != TRACING_OK) {
		tr_log(TRACING_LOG_DEBUG, "invalid traceparent ignored");
		return (TRACING_OK);
	}
	c->sc = sc;
	c->sc.remote = 1;
	tr_free(c->tracestate);
	c->tracestate = NULL;
	ts = get(carrier, "tracestate");
	if (ts != NULL && tr_tracestate_parse(ts, strlen(ts), m, &n) ==
	    TRACING_OK)
		return (tracestate_store(c, m, n));
	if (ts != NULL)
		tr_log(TRACING_LOG_DEBUG, "invalid tracestate ignored");
	return (TRACING_OK);
}

static int
extract_baggage(struct tracing_context *c, tracing_getter_fn *get,
    void *carrier)
{
	const char	*bg;

	bag_clear(c);
	if ((bg = get(carrier, "baggage")) != NULL)
		return (tr_baggage_parse(bg, strlen(bg), c));
	return (TRACING_OK);
}

/* The extractor of each TRACING_PROPAGATE_* bit, by bit number. */
static int (*const extractors[])(struct tracing_context *,
    tracing_getter_fn *, void *) = {
	extract_tracecontext,		/* TRACING_PROPAGATE_TRACECONTEXT */
	extract_baggage,		/* TRACING_PROPAGATE_BAGGAGE */
	tr_b3_extract,			/* TRACING_PROPAGATE_B3 */
	tr_b3_extract,			/* TRACING_PROPAGATE_B3_MULTI */
	tr_jaeger_extract,		/* TRACING_PROPAGATE_JAEGER */
};

/*
 * A composite: the formats in the order given, each replacing the span
 * context the ones before found only when it finds one itself (so the
 * last that finds one wins), as OTEL_PROPAGATORS lists them.
 */
int
tr_extract_ordered(const uint8_t *order, size_t n, struct tracing_context *c,
    tracing_getter_fn *get, void *carrier)
{
	size_t	i;
	int	rc;

	if (c == NULL || get == NULL)
		return (TRACING_ERR_INVALID);
	for (i = 0; i < n; i++) {
		if ((1U << order[i]) & TR_PROPAGATE_CONTEXTS) {
			memset(&c->sc, 0, sizeof(c->sc));
			tr_free(c->tracestate);
			c->tracestate = NULL;
			break;
		}
	}
	for (i = 0; i < n; i++) {
		if (order[i] >= sizeof(extractors) / sizeof(extractors[0]))
			continue;
		/* b3 and b3multi both read both forms: once is enough. */
		if (order[i] == 3 && memchr(order, 2, n) != NULL)
			continue;
		if ((rc = extractors[order[i]](c, get, carrier)) != TRACING_OK)
			return (rc);
	}
	return (TRACING_OK);
}

/*
 * The formats of a bitmask: when several find a span context, W3C Trace
 * Context wins, then B3, then Jaeger.
 */
int
tracing_propagation_extract(unsigned int which, struct tracing_context *c,
    tracing_getter_fn *get, void *carrier)
{
	uint8_t	order[5];
	size_t	n;

	n = 0;
	if (which & TRACING_PROPAGATE_JAEGER)
		order[n++] = 4;
	if (which & (TRACING_PROPAGATE_B3 | TRACING_PROPAGATE_B3_MULTI))
		order[n++] = 2;
	if (which & TRACING_PROPAGATE_TRACECONTEXT)
		order[n++] = 0;
	if (which & TRACING_PROPAGATE_BAGGAGE)
		order[n++] = 1;
	return (tr_extract_ordered(order, n, c, get, carrier));
}

int
tracing_propagation_inject(unsigned int which, const struct tracing_span *s,
    const struct tracing_context *c, tracing_setter_fn *set, void *carrier)
{
	const struct tr_spanctx	*sc;
	const char		*ts;
	struct tr_spancopy	 cp;
	struct tr_buf		 b;
	char			 tp[56];
	int			 rc;

	if (set == NULL)
		return (TRACING_ERR_INVALID);
	rc = TRACING_OK;
	if (which & TR_PROPAGATE_CONTEXTS) {
		sc = NULL;
		ts = NULL;
		/* The span's context is copied: the setter runs unlocked. */
		if (s != NULL && (rc = tr_span_copy(s, &cp)) == TRACING_OK) {
			sc = &cp.sc;
			ts = cp.ts;
		} else if (s != NULL && rc == TRACING_ERR_NOMEM) {
			return (rc);
		} else if (c != NULL && c->sc.valid) {
			sc = &c->sc;
			ts = c->tracestate;
		}
		if (sc != NULL && (which & TRACING_PROPAGATE_TRACECONTEXT)) {
			tr_traceparent_format(sc, tp);
			set(carrier, "traceparent", tp);
			if (ts != NULL && ts[0] != '\0')
				set(carrier, "tracestate", ts);
		}
		if (sc != NULL && (which & TRACING_PROPAGATE_B3))
			tr_b3_inject(sc, 0, set, carrier);
		if (sc != NULL && (which & TRACING_PROPAGATE_B3_MULTI))
			tr_b3_inject(sc, 1, set, carrier);
		if ((which & TRACING_PROPAGATE_JAEGER) &&
		    (rc = tr_jaeger_inject(sc, c, set, carrier)) != TRACING_OK) {
			if (sc == &cp.sc)
				tr_spancopy_cleanup(&cp);
			return (rc);
		}
		if (sc == &cp.sc)
			tr_spancopy_cleanup(&cp);
	}
	if ((which & TRACING_PROPAGATE_BAGGAGE) && c != NULL && c->nbag > 0) {
		tr_buf_init(&b, BAGGAGE_MAX_BYTES);
		if ((rc = tr_baggage_format(c, &b)) != TRACING_OK) {
			tr_buf_cleanup(&b);
			return (rc);
		}
		if (b.len > 0)
			set(carrier, "baggage", tr_buf_cstr(&b));
		tr_buf_cleanup(&b);
	}
	return (TRACING_OK);
}

int
tracing_extract(struct tracing_provider *p, struct tracing_context *c,
    tracing_getter_fn *get, void *carrier)
{
	unsigned int	which;

	if (p != NULL)
		return (tr_extract_ordered(p->cfg.prop_order, p->cfg.nprop, c,
		    get, carrier));
	which = TRACING_PROPAGATE_TRACECONTEXT | TRACING_PROPAGATE_BAGGAGE;
	return (tracing_propagation_extract(which, c, get, carrier));
}

int
tracing_inject(struct tracing_provider *p, const struct tracing_span *s,
    const struct tracing_context *c, tracing_setter_fn *set, void *carrier)
{
	unsigned int	which;

	which = p != NULL ? p->cfg.propagators :
	    TRACING_PROPAGATE_TRACECONTEXT | TRACING_PROPAGATE_BAGGAGE;
	return (tracing_propagation_inject(which, s, c, set, carrier));
}
