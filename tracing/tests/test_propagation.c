/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_propagation.c: W3C Trace Context and Baggage, driven by the cases
 * in tests/data/NAME.cases (one case per blank-line-separated block; the
 * format is described in tests/data/README), plus the tracestate and
 * baggage mutation API and injection from spans.
 */

#include <sys/types.h>

#include <ctype.h>
#include <glob.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <string.h>

#include "tap.h"
#include "logcap.h"
#include "tracing.h"
#include "tracing_private.h"

#define MAXHDR	16
#define VALMAX	(64 * 1024)

struct carrier {
	char	*name[MAXHDR];
	char	*value[MAXHDR];
	int	 n;
	char	 joined[VALMAX];
};

struct tcase {
	char		 desc[256];
	struct carrier	 in;
	char		*expect;
	char		*out_tp;
	char		*out_ts;
	char		*out_bg;
	char		*lookups[16];
	int		 nlookups;
	int		 line;
	unsigned int	 which;		/* propagators: 0 is W3C's two */
	char		*outn[8];	/* out-NAME of other formats */
	char		*outv[8];
	int		 nout;
};

/* The headers a case may give, and the propagator names it may select. */
static const char	*in_headers[] = { "traceparent", "tracestate",
			    "baggage", "b3", "x-b3-traceid", "x-b3-spanid",
			    "x-b3-sampled", "x-b3-flags", "uber-trace-id",
			    NULL };

static unsigned int
which_of(const char *v)
{
	static const struct {
		const char	*name;
		unsigned int	 bit;
	} names[] = {
		{ "tracecontext", TRACING_PROPAGATE_TRACECONTEXT },
		{ "baggage", TRACING_PROPAGATE_BAGGAGE },
		{ "b3", TRACING_PROPAGATE_B3 },
		{ "b3multi", TRACING_PROPAGATE_B3_MULTI },
		{ "jaeger", TRACING_PROPAGATE_JAEGER },
	};
	unsigned int	 w;
	size_t		 i, len;

	w = 0;
	while (*v != '\0') {
		len = strcspn(v, ",");
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len &&
			    strncmp(v, names[i].name, len) == 0)
				w |= names[i].bit;
		v += len + (v[len] == ',');
	}
	return (w);
}

static struct tracing_provider	*prov;
static struct tracing_tracer	*tracer;

/* Join all headers of one name with ",", like an HTTP stack would. */
static const char *
get(void *arg, const char *name)
{
	struct carrier	*c = arg;
	size_t		 len, n;
	int		 i, found;

	len = 0;
	found = 0;
	for (i = 0; i < c->n; i++) {
		if (strcmp(c->name[i], name) != 0)
			continue;
		n = strlen(c->value[i]);
		if (len + n + 2 >= sizeof(c->joined))
			break;
		if (found++)
			c->joined[len++] = ',';
		memcpy(c->joined + len, c->value[i], n);
		len += n;
	}
	c->joined[len] = '\0';
	return (found ? c->joined : NULL);
}

static void
set(void *arg, const char *name, const char *value)
{
	struct carrier	*c = arg;

	if (c->n == MAXHDR)
		return;
	c->name[c->n] = strdup(name);
	c->value[c->n] = strdup(value);
	c->n++;
}

static void
carrier_clear(struct carrier *c)
{
	int	i;

	for (i = 0; i < c->n; i++) {
		free(c->name[i]);
		free(c->value[i]);
	}
	c->n = 0;
}

static const char *
carrier_get1(struct carrier *c, const char *name)
{
	int	i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return (c->value[i]);
	return (NULL);
}

/*
 * Expand a value: \s space, \t tab, \\ backslash, \xHH a byte,
 * {rep:N:text} text N times, {seq:N:text} N copies joined with ",", each
 * with "%d" replaced by its index.
 */
static char *
expand(const char *s)
{
	char		*out, *p, num[24];
	const char	*q, *end, *pct;
	long		 n, i;
	size_t		 len, tl;

	if ((out = malloc(VALMAX)) == NULL)
		abort();
	len = 0;
#define PUT(c)	do { if (len + 1 < VALMAX) out[len++] = (c); } while (0)
	while (*s != '\0') {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			if (*s == 's')
				PUT(' ');
			else if (*s == 't')
				PUT('\t');
			else if (*s == 'x' && isxdigit((unsigned char)s[1]) &&
			    isxdigit((unsigned char)s[2])) {
				char h[3] = { s[1], s[2], 0 };
				PUT((char)strtol(h, NULL, 16));
				s += 2;
			} else
				PUT(*s);
			s++;
			continue;
		}
		if (strncmp(s, "{rep:", 5) == 0 || strncmp(s, "{seq:", 5) == 0) {
			n = strtol(s + 5, &p, 10);
			end = strchr(p, '}');
			if (*p != ':' || end == NULL)
				abort();
			q = p + 1;
			tl = (size_t)(end - q);
			for (i = 0; i < n; i++) {
				if (s[1] == 's' && i > 0)
					PUT(',');
				for (p = (char *)q; p < end; p++) {
					pct = p;
					if (s[1] == 's' && pct[0] == '%' &&
					    pct[1] == 'd') {
						snprintf(num, sizeof(num), "%ld",
						    i);
						for (char *k = num; *k; k++)
							PUT(*k);
						p++;
					} else
						PUT(*p);
				}
			}
			(void)tl;
			s = end + 1;
			continue;
		}
		PUT(*s);
		s++;
	}
#undef PUT
	out[len] = '\0';
	return (out);
}

static void
case_clear(struct tcase *t)
{
	int	i;

	carrier_clear(&t->in);
	free(t->expect);
	free(t->out_tp);
	free(t->out_ts);
	free(t->out_bg);
	for (i = 0; i < t->nlookups; i++)
		free(t->lookups[i]);
	for (i = 0; i < t->nout; i++) {
		free(t->outn[i]);
		free(t->outv[i]);
	}
	memset(t, 0, sizeof(*t));
}

static int
streq_opt(const char *got, const char *want)
{
	if (want == NULL)
		return (1);
	if (strcmp(want, "(none)") == 0)
		return (got == NULL);
	return (got != NULL && strcmp(got, want) == 0);
}

static void
run_case(const char *file, struct tcase *t)
{
	struct tracing_context	*ctx;
	struct tracing_span	*child;
	struct carrier		 out;
	uint8_t			 tid[16], ctid[16], pid[8], sid[8];
	const char		*got, *eq;
	char			 key[128];
	int			 good, valid, i;

	unsigned int		 which;

	memset(&out, 0, sizeof(out));
	if (tracing_context_alloc(&ctx) != TRACING_OK)
		abort();
	which = t->which != 0 ? t->which : TRACING_PROPAGATE_TRACECONTEXT |
	    TRACING_PROPAGATE_BAGGAGE;
	good = tracing_propagation_extract(which, ctx, get, &t->in) ==
	    TRACING_OK;
	good = good && tracing_propagation_inject(which, NULL, ctx, set,
	    &out) == TRACING_OK;
	for (i = 0; i < t->nout; i++)
		good = good && streq_opt(carrier_get1(&out, t->outn[i]),
		    strcmp(t->outv[i], "-") == 0 ? NULL : t->outv[i]);
	valid = tracing_context_is_valid(ctx);
	if (t->expect != NULL)
		good = good && (strcmp(t->expect, "valid") == 0) == valid;
	if (!valid)
		good = good && carrier_get1(&out, "traceparent") == NULL &&
		    carrier_get1(&out, "tracestate") == NULL;
	good = good && streq_opt(carrier_get1(&out, "traceparent"),
	    t->out_tp);
	good = good && streq_opt(carrier_get1(&out, "tracestate"),
	    t->out_ts);
	good = good && streq_opt(carrier_get1(&out, "baggage"), t->out_bg);
	for (i = 0; i < t->nlookups; i++) {
		eq = strchr(t->lookups[i], '=');
		if (eq == NULL || (size_t)(eq - t->lookups[i]) >= sizeof(key))
			abort();
		memcpy(key, t->lookups[i], (size_t)(eq - t->lookups[i]));
		key[eq - t->lookups[i]] = '\0';
		got = tracing_context_baggage_get(ctx, key);
		good = good && streq_opt(got, eq + 1);
	}
	/* The span started from it continues or restarts the trace. */
	child = tracing_span_start(tracer, "child", TRACING_SPAN_SERVER, ctx,
	    0);
	tracing_context_trace_id(ctx, ctid);
	tracing_span_trace_id(child, tid);
	tracing_span_span_id(child, sid);
	if (valid) {
		tracing_context_span_id(ctx, pid);
		good = good && memcmp(tid, ctid, 16) == 0;
		good = good && tracing_span_parent_span_id(child, sid) &&
		    memcmp(sid, pid, 8) == 0;
	} else {
		good = good && !tracing_span_parent_span_id(child, sid);
		good = good && memcmp(tid, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
		    16) != 0;
	}
	tracing_span_end(child, 0);
	if (!good) {
		fprintf(stderr, "# %s:%d: traceparent=%s tracestate=%s "
		    "baggage=%.200s valid=%d\n", file, t->line,
		    carrier_get1(&out, "traceparent"),
		    carrier_get1(&out, "tracestate"),
		    carrier_get1(&out, "baggage"), valid);
	}
	ok(good, "%s: %s", strrchr(file, '/') + 1, t->desc);
	carrier_clear(&out);
	tracing_context_free(ctx);
}

static int
is_in_header(const char *name)
{
	int	i;

	for (i = 0; in_headers[i] != NULL; i++)
		if (strcmp(name, in_headers[i]) == 0)
			return (1);
	return (0);
}

static int
run_file(const char *path)
{
	static char	 line[VALMAX];
	struct tcase	 t;
	FILE		*f;
	char		*v;
	size_t		 len;
	int		 lineno, cases;

	if ((f = fopen(path, "r")) == NULL) {
		ok(0, "open %s", path);
		return (0);
	}
	memset(&t, 0, sizeof(t));
	lineno = 0;
	cases = 0;
	for (;;) {
		v = fgets(line, sizeof(line), f);
		lineno++;
		if (v != NULL) {
			len = strlen(line);
			while (len > 0 && (line[len - 1] == '\n' ||
			    line[len - 1] == '\r'))
				line[--len] = '\0';
			if (line[0] == '#')
				continue;
		}
		if (v == NULL || line[0] == '\0') {
			if (t.desc[0] != '\0') {
				run_case(path, &t);
				cases++;
			}
			case_clear(&t);
			if (v == NULL)
				break;
			continue;
		}
		if ((v = strchr(line, ':')) == NULL) {
			ok(0, "%s:%d: bad line", path, lineno);
			continue;
		}
		*v++ = '\0';
		if (*v == ' ')
			v++;
		if (strcmp(line, "case") == 0) {
			snprintf(t.desc, sizeof(t.desc), "%s", v);
			t.line = lineno;
		} else if (strcmp(line, "propagators") == 0) {
			t.which = which_of(v);
		} else if (strncmp(line, "out-", 4) == 0 &&
		    strcmp(line, "out-traceparent") != 0 &&
		    strcmp(line, "out-tracestate") != 0 &&
		    strcmp(line, "out-baggage") != 0) {
			if (t.nout < 8) {
				t.outn[t.nout] = strdup(line + 4);
				t.outv[t.nout] = expand(v);
				t.nout++;
			}
		} else if (is_in_header(line)) {
			if (t.in.n < MAXHDR) {
				t.in.name[t.in.n] = strdup(line);
				t.in.value[t.in.n] = expand(v);
				t.in.n++;
			}
		} else if (strcmp(line, "expect") == 0)
			t.expect = expand(v);
		else if (strcmp(line, "out-traceparent") == 0)
			t.out_tp = expand(v);
		else if (strcmp(line, "out-tracestate") == 0)
			t.out_ts = expand(v);
		else if (strcmp(line, "out-baggage") == 0)
			t.out_bg = expand(v);
		else if (strcmp(line, "lookup") == 0 && t.nlookups < 16)
			t.lookups[t.nlookups++] = expand(v);
		else
			ok(0, "%s:%d: unknown key %s", path, lineno, line);
	}
	fclose(f);
	return (cases);
}

static void
test_tracestate_api(void)
{
	struct tracing_context	*c;
	char			 buf[64], key[16];
	int			 i, good;

	tracing_context_alloc(&c);
	ok(tracing_context_tracestate_set(c, "a", "1") == TRACING_OK &&
	    tracing_context_tracestate_set(c, "b", "2") == TRACING_OK &&
	    strcmp(tracing_context_tracestate(c), "b=2,a=1") == 0,
	    "tracestate: a new member goes to the front");
	ok(tracing_context_tracestate_set(c, "a", "3") == TRACING_OK &&
	    strcmp(tracing_context_tracestate(c), "a=3,b=2") == 0,
	    "tracestate: an updated member moves to the front");
	ok(tracing_context_tracestate_get(c, "b", buf, sizeof(buf)) ==
	    TRACING_OK && strcmp(buf, "2") == 0,
	    "tracestate: get a member");
	ok(tracing_context_tracestate_delete(c, "a") == TRACING_OK &&
	    strcmp(tracing_context_tracestate(c), "b=2") == 0,
	    "tracestate: delete a member");
	ok(tracing_context_tracestate_set(c, "Bad", "x") ==
	    TRACING_ERR_INVALID && tracing_context_tracestate_set(c, "ok",
	    "a=b") == TRACING_ERR_INVALID &&
	    strcmp(tracing_context_tracestate(c), "b=2") == 0,
	    "tracestate: invalid key or value refused, state unchanged");
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		tracing_context_tracestate_set(c, key, "v");
	}
	good = tracing_context_tracestate_get(c, "k39", buf, sizeof(buf)) ==
	    TRACING_OK && tracing_context_tracestate_get(c, "k8", buf,
	    sizeof(buf)) == TRACING_OK && tracing_context_tracestate_get(c,
	    "k7", buf, sizeof(buf)) != TRACING_OK &&
	    tracing_context_tracestate_get(c, "b", buf, sizeof(buf)) !=
	    TRACING_OK;
	ok(good, "tracestate: at 32 members the oldest (last) are dropped");
	tracing_context_free(c);
}

static void
test_baggage_api(void)
{
	struct tracing_context	*c;
	struct carrier		 out;
	const char		*k, *v, *p;

	memset(&out, 0, sizeof(out));
	tracing_context_alloc(&c);
	ok(tracing_context_baggage_set(c, "user", "a b,c;d%", NULL) ==
	    TRACING_OK && tracing_context_baggage_set(c, "t", "1",
	    "prop;k=v") == TRACING_OK &&
	    tracing_context_baggage_count(c) == 2, "baggage: set two");
	ok(tracing_context_baggage_set(c, "bad key", "x", NULL) ==
	    TRACING_ERR_INVALID && tracing_context_baggage_set(c, "k", "x",
	    "bad prop,") == TRACING_ERR_INVALID,
	    "baggage: bad key or property refused");
	tracing_propagation_inject(TRACING_PROPAGATE_BAGGAGE, NULL, c, set,
	    &out);
	ok(streq_opt(carrier_get1(&out, "baggage"),
	    "user=a%20b%2Cc%3Bd%25,t=1;prop;k=v"),
	    "baggage: values percent-encoded, properties kept");
	ok(tracing_context_baggage_at(c, 1, &k, &v, &p) == TRACING_OK &&
	    strcmp(k, "t") == 0 && strcmp(v, "1") == 0 &&
	    strcmp(p, "prop;k=v") == 0, "baggage: iterate members");
	tracing_context_baggage_remove(c, "user");
	ok(tracing_context_baggage_get(c, "user") == NULL &&
	    tracing_context_baggage_count(c) == 1, "baggage: remove");
	carrier_clear(&out);
	tracing_context_free(c);
}

static void
test_inject_span(void)
{
	struct tracing_context	*c;
	struct tracing_span	*root, *child;
	struct carrier		 out;
	char			 tid[33], sid[17], want[64];

	memset(&out, 0, sizeof(out));
	tracing_context_alloc(&c);
	root = tracing_span_start(tracer, "root", TRACING_SPAN_SERVER, NULL,
	    0);
	child = tracing_span_start_child(tracer, "child", TRACING_SPAN_CLIENT,
	    root, 0);
	tracing_context_baggage_set(c, "k", "v", NULL);
	tracing_inject(prov, child, c, set, &out);
	tracing_span_trace_id_hex(child, tid);
	tracing_span_span_id_hex(child, sid);
	snprintf(want, sizeof(want), "00-%s-%s-03", tid, sid);
	ok(carrier_get1(&out, "traceparent") != NULL &&
	    strcmp(carrier_get1(&out, "traceparent"), want) == 0 &&
	    streq_opt(carrier_get1(&out, "baggage"), "k=v"),
	    "inject from a span: its ids, sampled and random flags (03)");
	tracing_context_set_span(c, child);
	ok(tracing_context_is_valid(c) && !tracing_context_is_remote(c) &&
	    tracing_context_trace_flags(c) == 3,
	    "context from a span: valid, local, flags 03");
	tracing_span_end(child, 0);
	tracing_span_end(root, 0);
	carrier_clear(&out);
	tracing_context_free(c);
}

/* One context extracted from headers given as name, value pairs. */
static int
extract_from(unsigned int which, struct tracing_context *c, ...)
{
	struct carrier	 in;
	const char	*name, *value;
	va_list		 ap;
	int		 rc;

	memset(&in, 0, sizeof(in));
	va_start(ap, c);
	while ((name = va_arg(ap, const char *)) != NULL) {
		value = va_arg(ap, const char *);
		set(&in, name, value);
	}
	va_end(ap);
	rc = tracing_propagation_extract(which, c, get, &in);
	carrier_clear(&in);
	return (rc);
}

static int
ctx_is(const struct tracing_context *c, const char *tid, const char *sid,
    int sampled)
{
	uint8_t	id[16];
	char	hex[33];

	if (!tracing_context_is_valid(c) || !tracing_context_is_remote(c) ||
	    tracing_context_is_sampled(c) != sampled)
		return (0);
	tracing_context_trace_id(c, id);
	tr_hex_encode(id, 16, hex);
	if (strcmp(hex, tid) != 0)
		return (0);
	tracing_context_span_id(c, id);
	tr_hex_encode(id, 8, hex);
	return (strcmp(hex, sid) == 0);
}

#define TID	"4bf92f3577b34da6a3ce929d0e0e4736"
#define SID	"00f067aa0ba902b7"

static void
test_b3_jaeger(void)
{
	struct tracing_context	*c;
	struct tracing_span	*s;
	struct carrier		 out;
	const char		*names[16];
	char			 tid[33], sid[17], want[128];
	size_t			 n;

	tracing_context_alloc(&c);
	memset(&out, 0, sizeof(out));

	/* B3, one header. */
	extract_from(TRACING_PROPAGATE_B3, c, "b3", TID "-" SID "-1", NULL);
	ok(ctx_is(c, TID, SID, 1), "b3: trace id, span id, sampled");
	extract_from(TRACING_PROPAGATE_B3, c, "b3", TID "-" SID "-0-"
	    "0000000000000001", NULL);
	ok(ctx_is(c, TID, SID, 0), "b3: not sampled, with a parent span id");
	extract_from(TRACING_PROPAGATE_B3, c, "b3", TID "-" SID "-d", NULL);
	ok(ctx_is(c, TID, SID, 1), "b3: debug is sampled");
	extract_from(TRACING_PROPAGATE_B3, c, "b3", "a3ce929d0e0e4736-" SID,
	    NULL);
	ok(ctx_is(c, "0000000000000000a3ce929d0e0e4736", SID, 0),
	    "b3: a 64-bit trace id is left-padded; no sampling state: "
	    "deferred (not sampled)");
	extract_from(TRACING_PROPAGATE_B3, c, "b3", "1", NULL);
	ok(!tracing_context_is_valid(c), "b3: a sampling state alone carries "
	    "no context");
	extract_from(TRACING_PROPAGATE_B3, c, "b3", TID "-" SID "-1-x-y",
	    NULL);
	ok(!tracing_context_is_valid(c), "b3: five fields refused");
	extract_from(TRACING_PROPAGATE_B3, c, "b3",
	    "00000000000000000000000000000000-" SID "-1", NULL);
	ok(!tracing_context_is_valid(c), "b3: an all-zero trace id refused");
	extract_from(TRACING_PROPAGATE_B3, c, "b3", TID "-" SID "-2", NULL);
	ok(!tracing_context_is_valid(c), "b3: sampling state 2 refused");

	/* B3, several headers; the single one wins. */
	extract_from(TRACING_PROPAGATE_B3_MULTI, c, "x-b3-traceid", TID,
	    "x-b3-spanid", SID, "x-b3-sampled", "1", NULL);
	ok(ctx_is(c, TID, SID, 1), "x-b3-*: trace id, span id, sampled");
	extract_from(TRACING_PROPAGATE_B3_MULTI, c, "x-b3-traceid", TID,
	    "x-b3-spanid", SID, "x-b3-flags", "1", NULL);
	ok(ctx_is(c, TID, SID, 1), "x-b3-flags 1 (debug) is sampled");
	extract_from(TRACING_PROPAGATE_B3, c, "x-b3-traceid", TID,
	    "x-b3-spanid", SID, "b3", "a3ce929d0e0e4736a3ce929d0e0e4736-"
	    "1111111111111111-0", NULL);
	ok(ctx_is(c, "a3ce929d0e0e4736a3ce929d0e0e4736", "1111111111111111",
	    0), "b3: the single header wins over x-b3-*");
	extract_from(TRACING_PROPAGATE_B3_MULTI, c, "x-b3-traceid", TID,
	    NULL);
	ok(!tracing_context_is_valid(c), "x-b3-*: a trace id alone is no "
	    "context");

	/* Jaeger. */
	extract_from(TRACING_PROPAGATE_JAEGER, c, "uber-trace-id",
	    TID ":" SID ":0:1", NULL);
	ok(ctx_is(c, TID, SID, 1), "uber-trace-id: ids and the sampled flag");
	extract_from(TRACING_PROPAGATE_JAEGER, c, "uber-trace-id",
	    "a3ce929d0e0e4736%3Af067aa0ba902b7%3A0%3A0", NULL);
	ok(ctx_is(c, "0000000000000000a3ce929d0e0e4736", SID, 0),
	    "uber-trace-id: percent-encoded, short ids left-padded");
	extract_from(TRACING_PROPAGATE_JAEGER, c, "uber-trace-id",
	    TID ":" SID ":0", NULL);
	ok(!tracing_context_is_valid(c), "uber-trace-id: three fields "
	    "refused");
	extract_from(TRACING_PROPAGATE_JAEGER, c, "uber-trace-id",
	    TID ":" SID ":0:zz", NULL);
	ok(!tracing_context_is_valid(c), "uber-trace-id: bad flags refused");

	/* Several formats: W3C wins, then B3, then Jaeger. */
	extract_from(TRACING_PROPAGATE_TRACECONTEXT | TRACING_PROPAGATE_B3 |
	    TRACING_PROPAGATE_JAEGER, c, "uber-trace-id",
	    "1111111111111111:2222222222222222:0:1", "b3", TID "-" SID "-0",
	    "traceparent", "00-" TID "-" SID "-01", NULL);
	ok(ctx_is(c, TID, SID, 1), "W3C wins over B3 and Jaeger");
	extract_from(TRACING_PROPAGATE_TRACECONTEXT | TRACING_PROPAGATE_B3 |
	    TRACING_PROPAGATE_JAEGER, c, "uber-trace-id",
	    "1111111111111111:2222222222222222:0:1", "b3", TID "-" SID "-0",
	    "traceparent", "garbage", NULL);
	ok(ctx_is(c, TID, SID, 0), "a bad traceparent: B3's context stays");

	/* A provider's composite follows OTEL_PROPAGATORS: the last wins. */
	{
		const char		*lists[2] = { "tracecontext,b3",
					    "b3, tracecontext" };
		const char		*want_sid[2] = { "1111111111111111",
					    SID };
		struct tracing_config	*cfg;
		struct tracing_provider	*pp;
		struct carrier		 in;
		int			 i, good;

		good = 1;
		for (i = 0; i < 2; i++) {
			tracing_config_alloc(&cfg);
			tracing_config_set(cfg, "OTEL_TRACES_EXPORTER", "none");
			tracing_config_set(cfg, "OTEL_PROPAGATORS", lists[i]);
			tracing_provider_alloc(&pp, cfg, NULL, 0);
			tracing_config_free(cfg);
			memset(&in, 0, sizeof(in));
			set(&in, "traceparent", "00-" TID "-" SID "-01");
			set(&in, "b3", TID "-1111111111111111-1");
			tracing_extract(pp, c, get, &in);
			good = good && ctx_is(c, TID, want_sid[i], 1);
			carrier_clear(&in);
			tracing_provider_free(pp);
		}
		ok(good, "OTEL_PROPAGATORS order: the last format that finds "
		    "a context wins (tracecontext,b3: B3's; b3,tracecontext: "
		    "W3C's)");
	}

	/* Inject every format from one span. */
	s = tracing_span_start(tracer, "s", TRACING_SPAN_CLIENT, NULL, 0);
	tracing_span_trace_id_hex(s, tid);
	tracing_span_span_id_hex(s, sid);
	tracing_context_reset(c);
	tracing_context_baggage_set(c, "userid", "a b/c", NULL);
	tracing_propagation_inject(TRACING_PROPAGATE_B3 |
	    TRACING_PROPAGATE_B3_MULTI | TRACING_PROPAGATE_JAEGER, s, c, set,
	    &out);
	snprintf(want, sizeof(want), "%s-%s-1", tid, sid);
	ok(streq_opt(carrier_get1(&out, "b3"), want) &&
	    streq_opt(carrier_get1(&out, "x-b3-traceid"), tid) &&
	    streq_opt(carrier_get1(&out, "x-b3-spanid"), sid) &&
	    streq_opt(carrier_get1(&out, "x-b3-sampled"), "1") &&
	    carrier_get1(&out, "x-b3-parentspanid") == NULL &&
	    carrier_get1(&out, "traceparent") == NULL,
	    "inject B3: b3 and x-b3-*, no parent span id, nothing else");
	snprintf(want, sizeof(want), "%s:%s:0:1", tid, sid);
	ok(streq_opt(carrier_get1(&out, "uber-trace-id"), want) &&
	    streq_opt(carrier_get1(&out, "uberctx-userid"), "a%20b%2Fc"),
	    "inject Jaeger: uber-trace-id and percent-encoded uberctx-*");
	tracing_span_end(s, 0);
	carrier_clear(&out);

	n = tracing_propagation_fields(TRACING_PROPAGATE_TRACECONTEXT |
	    TRACING_PROPAGATE_BAGGAGE | TRACING_PROPAGATE_B3, names, 16);
	ok(n == 4 && strcmp(names[0], "traceparent") == 0 &&
	    strcmp(names[1], "tracestate") == 0 &&
	    strcmp(names[2], "baggage") == 0 && strcmp(names[3], "b3") == 0 &&
	    tracing_propagation_fields(TRACING_PROPAGATE_B3_MULTI |
	    TRACING_PROPAGATE_JAEGER, NULL, 0) == 5,
	    "fields: the header names of each format");

	/* The environment as a carrier, for a child process. */
	s = tracing_span_start(tracer, "parent", TRACING_SPAN_INTERNAL, NULL,
	    0);
	tracing_span_trace_id_hex(s, tid);
	unsetenv("TRACEPARENT");
	tracing_propagation_inject(TRACING_PROPAGATE_TRACECONTEXT, s, NULL,
	    tracing_env_set, NULL);
	tracing_context_reset(c);
	tracing_propagation_extract(TRACING_PROPAGATE_TRACECONTEXT, c,
	    tracing_env_get, NULL);
	tracing_span_span_id_hex(s, sid);
	ok(getenv("TRACEPARENT") != NULL && ctx_is(c, tid, sid, 1),
	    "environment carrier: TRACEPARENT set and read back");
	ok(tracing_env_get(NULL, "bad=name") == NULL,
	    "environment carrier: a name that is no variable name is refused");
	unsetenv("TRACEPARENT");
	tracing_span_end(s, 0);
	tracing_context_free(c);
}

int
main(int argc, char *argv[])
{
	struct tracing_config	*cfg;
	int			 i, n;

	tracing_set_log(log_capture, NULL);
	tracing_config_alloc(&cfg);
	tracing_config_set(cfg, "OTEL_TRACES_EXPORTER", "none");
	if (tracing_provider_alloc(&prov, cfg, NULL, 0) != TRACING_OK)
		return (1);
	tracing_config_free(cfg);
	tracer = tracing_provider_tracer(prov, "test", NULL);
	n = 0;
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			n += run_file(argv[i]);
	} else {
		glob_t		 g;
		char		 pat[1024];
		const char	*dir = getenv("TRACING_TESTDATA");

		snprintf(pat, sizeof(pat), "%s/*.cases",
		    dir != NULL ? dir : "tests/data");
		if (glob(pat, 0, NULL, &g) == 0) {
			for (i = 0; i < (int)g.gl_pathc; i++)
				n += run_file(g.gl_pathv[i]);
			globfree(&g);
		}
	}
	ok(n >= 40, "at least 40 data-driven cases (%d)", n);
	test_tracestate_api();
	test_baggage_api();
	test_inject_span();
	test_b3_jaeger();
	{
		struct tracing_context	*c;
		int			 k1, k2, a = 1, b = 2;

		tracing_context_alloc(&c);
		k1 = tracing_context_key("request");
		k2 = tracing_context_key("request");
		ok(k1 > 0 && k2 > 0 && k1 != k2 &&
		    tracing_context_set_value(c, k1, &a) == TRACING_OK &&
		    tracing_context_set_value(c, k2, &b) == TRACING_OK &&
		    tracing_context_get_value(c, k1) == &a &&
		    tracing_context_get_value(c, k2) == &b,
		    "context values: two keys of one name are two keys");
		tracing_context_set_value(c, k1, &b);
		tracing_context_set_value(c, k2, NULL);
		ok(tracing_context_get_value(c, k1) == &b &&
		    tracing_context_get_value(c, k2) == NULL &&
		    tracing_context_set_value(c, 0, &a) == TRACING_ERR_INVALID,
		    "context values: replaced, removed; key 0 refused");
		tracing_context_reset(c);
		ok(tracing_context_get_value(c, k1) == NULL,
		    "context values: reset drops them");
		tracing_context_free(c);
	}
	tracing_provider_free(prov);
	return (tap_done());
}
