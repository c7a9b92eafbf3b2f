/* SPDX-License-Identifier: Apache-2.0 */
/*
 * propagators.c: the propagation formats beside W3C Trace Context and
 * Baggage (propagation.c): B3, in its single header (b3) and its multiple
 * headers (x-b3-*), and Jaeger's uber-trace-id with its uberctx-* baggage;
 * the header names each format uses (Fields); and the environment as a
 * carrier (TRACEPARENT, TRACESTATE, BAGGAGE for a child process).
 *
 * Extraction never fails on bad input: a header that does not parse leaves
 * the context as the formats before it left it. Header names are given in
 * lowercase, as HTTP/2 writes them; a host's getter matches them without
 * regard to case, as HTTP requires.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tracing_private.h"

/* Hex digits, lowercase or not, of exactly len characters into out. */
static int
hex_value(const char *s, size_t len, uint8_t *out, size_t outlen)
{
	char	buf[32];
	size_t	i;

	/* Shorter ids are left-padded with zeros (64-bit B3 and Jaeger). */
	if (len == 0 || len > outlen * 2)
		return (0);
	memset(buf, '0', outlen * 2 - len);
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return (0);
		buf[outlen * 2 - len + i] = (char)tolower((unsigned char)s[i]);
	}
	if (tr_hex_decode(buf, outlen * 2, out) != TRACING_OK)
		return (0);
	for (i = 0; i < outlen; i++)
		if (out[i] != 0)
			return (1);
	return (0);			/* all zero: invalid */
}

/*
 * b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]], the trace id
 * of 16 or 32 hex digits, the sampling state 1, 0 or d (debug: sampled).
 * A lone sampling state carries no context and is ignored.
 */
int
tr_b3_single_parse(const char *v, size_t len, struct tr_spanctx *sc)
{
	const char		*p, *end, *dash, *f[4];
	size_t			 fl[4], n;
	struct tr_spanctx	 t;

	memset(&t, 0, sizeof(t));
	end = v + len;
	for (n = 0, p = v;; p = dash + 1) {
		if (n == 4)
			return (TRACING_ERR_INVALID);	/* a fifth field */
		dash = memchr(p, '-', (size_t)(end - p));
		f[n] = p;
		fl[n] = (size_t)((dash != NULL ? dash : end) - p);
		n++;
		if (dash == NULL)
			break;
	}
	if (n < 2 || (fl[0] != 16 && fl[0] != 32) || fl[1] != 16 ||
	    !hex_value(f[0], fl[0], t.trace_id, 16) ||
	    !hex_value(f[1], fl[1], t.span_id, 8))
		return (TRACING_ERR_INVALID);
	if (n >= 3) {
		if (fl[2] != 1 || (f[2][0] != '0' && f[2][0] != '1' &&
		    f[2][0] != 'd'))
			return (TRACING_ERR_INVALID);
		if (f[2][0] != '0')
			t.flags |= TRACE_FLAG_SAMPLED;
	}
	if (n == 4) {
		uint8_t	parent[8];

		if (fl[3] != 16 || !hex_value(f[3], fl[3], parent, 8))
			return (TRACING_ERR_INVALID);
	}
	t.valid = 1;
	t.remote = 1;
	*sc = t;
	return (TRACING_OK);
}

/*
 * Each value is used before the next get: a getter may return the same
 * buffer every time.
 */
static int
b3_multi_parse(tracing_getter_fn *get, void *carrier, struct tr_spanctx *sc)
{
	const char		*v;
	struct tr_spanctx	 t;

	memset(&t, 0, sizeof(t));
	if ((v = get(carrier, "x-b3-traceid")) == NULL ||
	    (strlen(v) != 16 && strlen(v) != 32) ||
	    !hex_value(v, strlen(v), t.trace_id, 16))
		return (TRACING_ERR_INVALID);
	if ((v = get(carrier, "x-b3-spanid")) == NULL || strlen(v) != 16 ||
	    !hex_value(v, 16, t.span_id, 8))
		return (TRACING_ERR_INVALID);
	if ((v = get(carrier, "x-b3-sampled")) != NULL &&
	    (strcmp(v, "1") == 0 || strcmp(v, "true") == 0))
		t.flags |= TRACE_FLAG_SAMPLED;
	if ((v = get(carrier, "x-b3-flags")) != NULL && strcmp(v, "1") == 0)
		t.flags |= TRACE_FLAG_SAMPLED;	/* debug */
	t.valid = 1;
	t.remote = 1;
	*sc = t;
	return (TRACING_OK);
}

/* The single header wins over the multiple ones (the specification). */
int
tr_b3_extract(struct tracing_context *c, tracing_getter_fn *get,
    void *carrier)
{
	struct tr_spanctx	 sc;
	const char		*v;

	if (((v = get(carrier, "b3")) != NULL &&
	    tr_b3_single_parse(v, strlen(v), &sc) == TRACING_OK) ||
	    b3_multi_parse(get, carrier, &sc) == TRACING_OK) {
		c->sc = sc;
		tr_free(c->tracestate);
		c->tracestate = NULL;
	} else if (v != NULL)
		tr_log(TRACING_LOG_DEBUG, "invalid b3 header ignored");
	return (TRACING_OK);
}

/* B3 carries no parent span id on the way out (the specification). */
void
tr_b3_inject(const struct tr_spanctx *sc, int multi, tracing_setter_fn *set,
    void *carrier)
{
	char	tid[33], sid[17], v[72];

	tr_hex_encode(sc->trace_id, 16, tid);
	tr_hex_encode(sc->span_id, 8, sid);
	if (!multi) {
		(void)snprintf(v, sizeof(v), "%s-%s-%c", tid, sid,
		    (sc->flags & TRACE_FLAG_SAMPLED) ? '1' : '0');
		set(carrier, "b3", v);
		return;
	}
	set(carrier, "x-b3-traceid", tid);
	set(carrier, "x-b3-spanid", sid);
	set(carrier, "x-b3-sampled",
	    (sc->flags & TRACE_FLAG_SAMPLED) ? "1" : "0");
}

/*
 * uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}, ids of up
 * to 32 and 16 hex digits (left-padded), flags in hex (bit 0: sampled,
 * bit 1: debug). The value may come percent-encoded (%3A for ':').
 */
int
tr_jaeger_parse(const char *v, size_t len, struct tr_spanctx *sc)
{
	struct tr_spanctx	 t;
	char			*d, *f[4], *p, *colon, *endp;
	unsigned long		 flags;
	size_t			 n;
	int			 rc;

	if (tr_percent_decode(v, len, &d) != TRACING_OK)
		return (TRACING_ERR_INVALID);
	rc = TRACING_ERR_INVALID;
	memset(&t, 0, sizeof(t));
	for (n = 0, p = d; n < 4; n++) {
		f[n] = p;
		if ((colon = strchr(p, ':')) == NULL) {
			n++;
			break;
		}
		*colon = '\0';
		p = colon + 1;
	}
	if (n != 4 || strchr(p, ':') != NULL)
		goto out;
	if (!hex_value(f[0], strlen(f[0]), t.trace_id, 16) ||
	    !hex_value(f[1], strlen(f[1]), t.span_id, 8) ||
	    f[2][0] == '\0' || f[3][0] == '\0' || strlen(f[3]) > 2)
		goto out;
	flags = strtoul(f[3], &endp, 16);
	if (*endp != '\0')
		goto out;
	if (flags & 0x03)
		t.flags |= TRACE_FLAG_SAMPLED;
	t.valid = 1;
	t.remote = 1;
	*sc = t;
	rc = TRACING_OK;
out:
	tr_free(d);
	return (rc);
}

int
tr_jaeger_extract(struct tracing_context *c, tracing_getter_fn *get,
    void *carrier)
{
	struct tr_spanctx	 sc;
	const char		*v;

	if ((v = get(carrier, "uber-trace-id")) == NULL)
		return (TRACING_OK);
	if (tr_jaeger_parse(v, strlen(v), &sc) != TRACING_OK) {
		tr_log(TRACING_LOG_DEBUG, "invalid uber-trace-id ignored");
		return (TRACING_OK);
	}
	c->sc = sc;
	tr_free(c->tracestate);
	c->tracestate = NULL;
	return (TRACING_OK);
}

/* Percent-encodes what is not unreserved (RFC 3986) into b. */
static int
pct_encode(struct tr_buf *b, const char *s)
{
	static const char	hexd[] = "0123456789ABCDEF";
	unsigned char		c;
	char			e[3];

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			if (tr_buf_append(b, s, 1) != TRACING_OK)
				return (TRACING_ERR_NOMEM);
			continue;
		}
		e[0] = '%';
		e[1] = hexd[c >> 4];
		e[2] = hexd[c & 0x0f];
		if (tr_buf_append(b, e, 3) != TRACING_OK)
			return (TRACING_ERR_NOMEM);
	}
	return (TRACING_OK);
}

/* The context and, as uberctx-KEY headers, the baggage. */
int
tr_jaeger_inject(const struct tr_spanctx *sc, const struct tracing_context *c,
    tracing_setter_fn *set, void *carrier)
{
	struct tr_buf	name, value;
	char		tid[33], sid[17], v[72];
	size_t		i;
	int		rc;

	if (sc != NULL) {
		tr_hex_encode(sc->trace_id, 16, tid);
		tr_hex_encode(sc->span_id, 8, sid);
		(void)snprintf(v, sizeof(v), "%s:%s:0:%s", tid, sid,
		    (sc->flags & TRACE_FLAG_SAMPLED) ? "1" : "0");
		set(carrier, "uber-trace-id", v);
	}
	if (c == NULL)
		return (TRACING_OK);
	rc = TRACING_OK;
	for (i = 0; i < c->nbag && rc == TRACING_OK; i++) {
		tr_buf_init(&name, 0);
		tr_buf_init(&value, 0);
		if (tr_buf_appendf(&name, "uberctx-%s", c->bag[i].key) !=
		    TRACING_OK || pct_encode(&value, c->bag[i].value) !=
		    TRACING_OK)
			rc = TRACING_ERR_NOMEM;
		else
			set(carrier, tr_buf_cstr(&name), tr_buf_cstr(&value));
		tr_buf_cleanup(&name);
		tr_buf_cleanup(&value);
	}
	return (rc);
}

size_t
tracing_propagation_fields(unsigned int which, const char **names,
    size_t max)
{
	static const struct {
		unsigned int	 which;
		const char	*name;
	} fields[] = {
		{ TRACING_PROPAGATE_TRACECONTEXT,	"traceparent" },
		{ TRACING_PROPAGATE_TRACECONTEXT,	"tracestate" },
		{ TRACING_PROPAGATE_BAGGAGE,		"baggage" },
		{ TRACING_PROPAGATE_B3,			"b3" },
		{ TRACING_PROPAGATE_B3_MULTI,		"x-b3-traceid" },
		{ TRACING_PROPAGATE_B3_MULTI,		"x-b3-spanid" },
		{ TRACING_PROPAGATE_B3_MULTI,		"x-b3-sampled" },
		{ TRACING_PROPAGATE_B3_MULTI,		"x-b3-flags" },
		{ TRACING_PROPAGATE_JAEGER,		"uber-trace-id" },
	};
	size_t	i, n;

	for (i = n = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if ((which & fields[i].which) == 0)
			continue;
		if (names != NULL && n < max)
			names[n] = fields[i].name;
		n++;
	}
	return (n);
}

/*
 * The environment as a carrier: a header name becomes an environment
 * variable name in uppercase, '-' and '.' as '_' (traceparent is
 * TRACEPARENT). The carrier is unused: the process's own environment.
 */
static int
env_name(const char *name, char *out, size_t outlen)
{
	size_t	i;

	for (i = 0; name[i] != '\0'; i++) {
		if (i + 1 >= outlen)
			return (0);
		if (name[i] == '-' || name[i] == '.')
			out[i] = '_';
		else if (isalnum((unsigned char)name[i]) || name[i] == '_')
			out[i] = (char)toupper((unsigned char)name[i]);
		else
			return (0);
	}
	out[i] = '\0';
	return (i > 0);
}

const char *
tracing_env_get(void *carrier, const char *name)
{
	char	var[128];

	(void)carrier;
	if (name == NULL || !env_name(name, var, sizeof(var)))
		return (NULL);
	return (getenv(var));
}

void
tracing_env_set(void *carrier, const char *name, const char *value)
{
	char	var[128];

	(void)carrier;
	if (name == NULL || value == NULL || !env_name(name, var, sizeof(var)))
		return;
	(void)setenv(var, value, 1);
}
