/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_alloc.c: allocation failure injection (curl's torture mode,
 * jansson's chaos allocator): a scenario touching every allocating path
 * runs with the Nth allocation failing, for N = 1, 2, ... until it runs
 * clean. Every run must finish without a crash and with no allocation
 * left behind (counted here, and checked by valgrind/ASan).
 */

#include <sys/types.h>

#include <stdint.h>

#include <string.h>

#include "tap.h"
#include "logcap.h"
#include "tracing.h"
#include "tracing_private.h"

static long	fail_at;	/* 0: never */
static long	mallocs;	/* every call */
static long	count;
static long	live;
static int	failed;

static void *
t_malloc(size_t n)
{
	size_t	*p;

	mallocs++;
	if (fail_at != 0 && ++count == fail_at) {
		failed = 1;
		return (NULL);
	}
	if ((p = malloc(n + 16)) == NULL)
		return (NULL);
	p[0] = n;
	live++;
	return ((char *)p + 16);
}

static void
t_free(void *q)
{
	if (q == NULL)
		return;
	live--;
	free((char *)q - 16);
}

static void *
t_realloc(void *q, size_t n)
{
	void	*p;
	size_t	 old;

	if (q == NULL)
		return (t_malloc(n));
	if ((p = t_malloc(n)) == NULL)
		return (NULL);
	old = *(size_t *)((char *)q - 16);
	memcpy(p, q, old < n ? old : n);
	t_free(q);
	return (p);
}

static const char *
get(void *arg, const char *name)
{
	(void)arg;
	if (strcmp(name, "traceparent") == 0)
		return ("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
	if (strcmp(name, "tracestate") == 0)
		return ("a=1,b@c=2");
	if (strcmp(name, "baggage") == 0)
		return ("k=v%20x;p,k2=v2");
	return (NULL);
}

static void
set(void *arg, const char *name, const char *value)
{
	(void)arg;
	(void)name;
	(void)value;
}

static int
export_encode(void *arg, const struct tracing_batch *b)
{
	uint8_t	*buf;
	size_t	 len;
	int	 rc;

	(void)arg;
	if ((rc = tracing_batch_encode_otlp(b, &buf, &len)) == TRACING_OK)
		tracing_free(buf);
	return (rc);
}

/* Everything that allocates, once. Returns 0 when all calls succeeded. */
static int
scenario(void)
{
	static const struct tracing_exporter_ops	 ops = {
		export_encode, NULL, NULL
	};
	const char			*sa[] = { "a", "b" };
	struct tracing_attr		 a[2];
	struct tracing_config		*c = NULL;
	struct tracing_exporter		*e = NULL;
	struct tracing_provider		*p = NULL;
	struct tracing_tracer		*t;
	struct tracing_context		*ctx = NULL;
	struct tracing_span		*s, *ch;
	struct tracing_sampler		*smp = NULL;
	int				 bad = 0;

	if (tracing_config_alloc(&c) != TRACING_OK)
		return (1);
	bad |= tracing_config_set(c, "OTEL_SERVICE_NAME", "svc");
	bad |= tracing_config_set(c, "OTEL_RESOURCE_ATTRIBUTES", "a=1,b=2");
	bad |= tracing_config_set(c, "OTEL_EXPORTER_OTLP_HEADERS", "x=1");
	bad |= tracing_config_set(c, "TRACING_PROCESSOR", "simple");
	a[0] = TRACING_ATTR_STR("service.version", "1");
	bad |= tracing_config_set_resource_attr(c, &a[0]);
	if (tracing_sampler_parent_based_alloc(&smp, NULL, NULL, NULL, NULL,
	    NULL) == TRACING_OK)
		tracing_config_set_sampler(c, smp);
	else
		bad = 1;
	if (tracing_exporter_alloc(&e, &ops, NULL) == TRACING_OK)
		tracing_config_set_exporter(c, e);
	else
		bad = 1;
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK) {
		tracing_config_free(c);
		return (1);
	}
	tracing_config_free(c);
	if ((t = tracing_provider_tracer(p, "scope", "1")) == NULL) {
		tracing_provider_free(p);
		return (1);
	}
	if (tracing_context_alloc(&ctx) != TRACING_OK) {
		tracing_provider_free(p);
		return (1);
	}
	bad |= tracing_extract(p, ctx, get, NULL);
	bad |= tracing_context_tracestate_set(ctx, "z", "9");
	bad |= tracing_context_baggage_set(ctx, "k3", "v3", NULL);
	s = tracing_span_start(t, "server", TRACING_SPAN_SERVER, ctx, 0);
	if (s == NULL)
		bad = 1;
	bad |= tracing_span_set_str(s, "k", "v");
	a[1] = (struct tracing_attr){ .key = "arr",
	    .type = TRACING_ATTR_STRING_ARRAY, .n = 2, .v.sa = sa };
	bad |= tracing_span_set_attrs(s, a, 2);
	bad |= tracing_span_add_event(s, "ev", 0, a, 2);
	bad |= tracing_span_record_exception(s, "T", "m", NULL, 0);
	bad |= tracing_span_add_link(s, ctx, a, 1);
	bad |= tracing_span_set_status(s, TRACING_STATUS_ERROR, "x");
	ch = tracing_span_start_child(t, "child", TRACING_SPAN_CLIENT, s, 0);
	if (ch == NULL)
		bad = 1;
	bad |= tracing_inject(p, ch, ctx, set, NULL);
	tracing_span_end(ch, 0);
	tracing_span_end(s, 0);
	tracing_context_free(ctx);
	tracing_provider_free(p);
	return (bad != 0);
}

static int
export_nothing(void *arg, const struct tracing_batch *b)
{
	(void)arg;
	(void)b;
	return (TRACING_OK);
}

/*
 * Ended spans come back for reuse: once the first has been exported, a
 * thousand more spans (with attributes, through the processor and the
 * exporter) allocate nothing; freeing the provider frees them all.
 */
static void
recycling(void)
{
	static const struct tracing_exporter_ops	 ops = {
		export_nothing, NULL, NULL
	};
	struct tracing_config		*c;
	struct tracing_exporter		*e;
	struct tracing_provider		*p;
	struct tracing_tracer		*t;
	struct tracing_span		*s;
	long				 before;
	int				 i;

	live = 0;
	if (tracing_config_alloc(&c) != TRACING_OK ||
	    tracing_config_set(c, "TRACING_PROCESSOR", "simple") !=
	    TRACING_OK ||
	    tracing_exporter_alloc(&e, &ops, NULL) != TRACING_OK) {
		ok(0, "recycling: set-up");
		return;
	}
	tracing_config_set_exporter(c, e);
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK) {
		ok(0, "recycling: provider");
		return;
	}
	tracing_config_free(c);
	t = tracing_provider_tracer(p, "recycling", NULL);
	s = tracing_span_start(t, "first", TRACING_SPAN_SERVER, NULL, 0);
	(void)tracing_span_set_str(s, "url.path", "/v1/orders");
	tracing_span_end(s, 0);
	before = mallocs;
	for (i = 0; i < 1000; i++) {
		s = tracing_span_start(t, "again", TRACING_SPAN_SERVER, NULL,
		    0);
		(void)tracing_span_set_str(s, "url.path", "/v1/orders");
		(void)tracing_span_set_int(s, "http.response.status_code",
		    201);
		(void)tracing_span_add_event(s, "done", 0, NULL, 0);
		tracing_span_end(s, 0);
	}
	ok(mallocs == before, "recycling: 1000 spans after the first "
	    "allocate nothing (%ld allocations)", mallocs - before);
	tracing_provider_free(p);
	ok(live == 0, "recycling: freeing the provider frees the spare spans "
	    "(%ld left)", live);
}

int
main(void)
{
	long	n, leaks, total;
	int	crashfree;

	tracing_set_log(log_capture, NULL);
	tracing_set_allocator(t_malloc, t_realloc, t_free);
	fail_at = 0;
	live = 0;
	/*
	 * The span handle table (handle.c) is allocated once and kept for the
	 * life of the process: the first run leaves exactly its chunks.
	 */
	n = (long)tr_handle_chunks();
	ok(scenario() == 0 && live == (long)tr_handle_chunks() - n,
	    "the scenario runs clean and frees everything but the handle "
	    "table (%ld chunk)", (long)tr_handle_chunks() - n);
	leaks = 0;
	crashfree = 1;
	for (n = 1; n < 100000; n++) {
		fail_at = n;
		count = 0;
		failed = 0;
		live = 0;
		(void)scenario();
		if (live != 0) {
			fprintf(stderr, "# allocation %ld failing leaves %ld "
			    "allocations\n", n, live);
			leaks++;
		}
		if (!failed)
			break;
	}
	total = n - 1;
	ok(crashfree && total > 50, "failing each of the %ld allocations in "
	    "turn: no crash", total);
	ok(leaks == 0, "failing each allocation in turn: nothing leaks "
	    "(%ld runs leaked)", leaks);
	fail_at = 0;
	recycling();
	tracing_set_allocator(NULL, NULL, NULL);
	return (tap_done());
}
