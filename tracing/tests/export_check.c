/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export_check.c: exports one small trace with every kind of field to a
 * real collector (endpoint and protocol from the command line) and prints
 * what it sent as JSON, so tests/e2e/test_export.py can read the trace back
 * through Jaeger's query API and compare every field. Also used with a
 * dead endpoint to measure that ending spans never waits on export, and
 * with "resume N" to show that one provider whose collector was down goes
 * on exporting when it comes back (the test starts the collector when this
 * program says "down" and answers "go" on stdin).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tracing.h>

static uint64_t
mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/*
 * Phase one: N spans while the collector is down; flush (it fails) and say
 * so. Phase two, once told "go": one trace of N spans; flush; report what
 * the same provider exported. Exit 0 only when the second trace went out.
 */
static int
resume_after_outage(struct tracing_provider *p, struct tracing_tracer *tr,
    long n)
{
	struct tracing_span	*root, *s;
	struct tracing_stats	down, up;
	char			line[16], tid[33];
	long			i;
	int			rc;

	for (i = 0; i < n; i++) {
		s = tracing_span_start(tr, "while-down", TRACING_SPAN_INTERNAL,
		    NULL, 0);
		tracing_span_end(s, 0);
	}
	(void)tracing_provider_force_flush(p, 2000);
	tracing_provider_stats(p, &down);
	printf("{\"phase\":\"down\",\"exported\":%llu,\"dropped\":%llu,"
	    "\"failed_exports\":%llu}\n",
	    (unsigned long long)down.spans_exported,
	    (unsigned long long)down.spans_dropped,
	    (unsigned long long)down.export_failures);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL ||
	    strncmp(line, "go", 2) != 0) {
		tracing_provider_free(p);
		return (1);
	}

	root = tracing_span_start(tr, "after-outage", TRACING_SPAN_SERVER,
	    NULL, 0);
	tracing_span_trace_id_hex(root, tid);
	for (i = 1; i < n; i++) {
		s = tracing_span_start_child(tr, "after-outage-child",
		    TRACING_SPAN_INTERNAL, root, 0);
		tracing_span_end(s, 0);
	}
	tracing_span_end(root, 0);
	rc = tracing_provider_force_flush(p, 10000);
	tracing_provider_stats(p, &up);
	printf("{\"phase\":\"up\",\"trace_id\":\"%s\",\"spans\":%ld,"
	    "\"exported\":%llu,\"dropped\":%llu,\"flush\":%d}\n", tid, n,
	    (unsigned long long)up.spans_exported,
	    (unsigned long long)up.spans_dropped, rc);
	(void)tracing_provider_shutdown(p, 2000);
	tracing_provider_free(p);
	return (up.spans_exported - down.spans_exported >= (uint64_t)n ? 0 : 1);
}

int
main(int argc, char **argv)
{
	struct tracing_provider	*p;
	struct tracing_config	*cfg;
	struct tracing_tracer	*tr;
	struct tracing_span	*root, *child, *linked;
	struct tracing_context	*lctx;
	struct tracing_stats	st;
	struct tracing_attr	a[8], ev[2];
	const char		*sa[] = { "a", "b" };
	const int64_t		ia[] = { 1, 2, 3 };
	const double		da[] = { 0.5, 1.5 };
	const int		ba[] = { 1, 0 };
	char			err[256], tid[33], sid[17], cid[17], lid[17];
	char			ltid[33];
	uint64_t		t0, worst, d, start;
	long			i, n;
	int			resume;

	if (argc < 3) {
		fprintf(stderr, "usage: export-check ENDPOINT PROTOCOL"
		    " [SPANS | resume SPANS]\n");
		return (2);
	}
	resume = argc > 4 && strcmp(argv[3], "resume") == 0;
	n = argc > 3 ? strtol(argv[resume ? 4 : 3], NULL, 10) : 0;
	if (tracing_config_alloc(&cfg) != 0)
		return (1);
	(void)tracing_config_load_env(cfg);
	if (tracing_config_set(cfg, "OTEL_EXPORTER_OTLP_ENDPOINT", argv[1]) ||
	    tracing_config_set(cfg, "OTEL_EXPORTER_OTLP_PROTOCOL", argv[2]) ||
	    tracing_config_set(cfg, "OTEL_SERVICE_NAME", "export-check")) {
		fprintf(stderr, "bad endpoint or protocol\n");
		return (2);
	}
	if (tracing_provider_alloc(&p, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return (1);
	}
	tracing_config_free(cfg);
	(void)tracing_provider_start(p);
	tr = tracing_provider_tracer(p, "export-check", "1.2.3");

	if (resume)
		return (resume_after_outage(p, tr, n));

	if (n > 0) {
		/* Many spans: the worst time one span end took. */
		worst = 0;
		for (i = 0; i < n; i++) {
			root = tracing_span_start(tr, "load", TRACING_SPAN_INTERNAL,
			    NULL, 0);
			t0 = mono_ns();
			tracing_span_end(root, 0);
			d = mono_ns() - t0;
			if (d > worst)
				worst = d;
		}
		(void)tracing_provider_shutdown(p, 2000);
		tracing_provider_stats(p, &st);
		printf("{\"spans\":%ld,\"worst_end_ns\":%llu,\"exported\":%llu,"
		    "\"dropped\":%llu}\n", n, (unsigned long long)worst,
		    (unsigned long long)st.spans_exported,
		    (unsigned long long)st.spans_dropped);
		tracing_provider_free(p);
		return (0);
	}

	linked = tracing_span_start(tr, "linked", TRACING_SPAN_PRODUCER, NULL, 0);
	tracing_span_trace_id_hex(linked, ltid);
	tracing_span_span_id_hex(linked, lid);
	(void)tracing_context_alloc(&lctx);
	(void)tracing_context_set_span(lctx, linked);
	tracing_span_end(linked, 0);

	start = (uint64_t)time(NULL) * 1000000000ULL;
	root = tracing_span_start(tr, "check-root", TRACING_SPAN_SERVER, NULL,
	    start);
	tracing_span_trace_id_hex(root, tid);
	tracing_span_span_id_hex(root, sid);
	a[0] = TRACING_ATTR_STR("str", "hello");
	a[1] = TRACING_ATTR_BOOLV("flag", 1);
	a[2] = TRACING_ATTR_INTV("count", 42);
	a[3] = TRACING_ATTR_DBL("ratio", 0.25);
	a[4] = (struct tracing_attr){ .key = "strs",
	    .type = TRACING_ATTR_STRING_ARRAY, .n = 2, .v.sa = sa };
	a[5] = (struct tracing_attr){ .key = "ints",
	    .type = TRACING_ATTR_INT_ARRAY, .n = 3, .v.ia = ia };
	a[6] = (struct tracing_attr){ .key = "dbls",
	    .type = TRACING_ATTR_DOUBLE_ARRAY, .n = 2, .v.da = da };
	a[7] = (struct tracing_attr){ .key = "bools",
	    .type = TRACING_ATTR_BOOL_ARRAY, .n = 2, .v.ba = ba };
	(void)tracing_span_set_attrs(root, a, 8);
	ev[0] = TRACING_ATTR_STR("ev.key", "ev-value");
	ev[1] = TRACING_ATTR_INTV("ev.n", 7);
	(void)tracing_span_add_event(root, "something happened",
	    start + 1000000, ev, 2);
	(void)tracing_span_add_link(root, lctx, ev, 1);
	(void)tracing_span_set_status(root, TRACING_STATUS_ERROR, "it broke");

	child = tracing_span_start_child(tr, "check-child", TRACING_SPAN_CLIENT,
	    root, start + 2000000);
	tracing_span_span_id_hex(child, cid);
	(void)tracing_span_record_exception(child, "IOError", "disk on fire",
	    NULL, start + 3000000);
	tracing_span_end(child, start + 5000000);
	tracing_span_end(root, start + 10000000);
	tracing_context_free(lctx);

	(void)tracing_provider_shutdown(p, 5000);
	tracing_provider_stats(p, &st);
	printf("{\"trace_id\":\"%s\",\"root\":\"%s\",\"child\":\"%s\","
	    "\"linked_trace\":\"%s\",\"linked_span\":\"%s\",\"start_us\":%llu,"
	    "\"exported\":%llu,\"dropped\":%llu}\n", tid, sid, cid, ltid, lid,
	    (unsigned long long)(start / 1000),
	    (unsigned long long)st.spans_exported,
	    (unsigned long long)st.spans_dropped);
	tracing_provider_free(p);
	return (st.spans_exported == 3 ? 0 : 1);
}
