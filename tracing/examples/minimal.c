/* SPDX-License-Identifier: Apache-2.0 */
/*
 * minimal.c: the smallest complete program: a provider configured from the
 * OTEL_* environment (OTEL_EXPORTER_OTLP_ENDPOINT, default
 * http://localhost:4318), one span exported over OTLP, a shutdown bounded
 * by a timeout, and an exit code that says whether the span got there.
 *
 *	cc -std=c11 minimal.c $(pkg-config --cflags --libs cotel)
 *	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 ./a.out
 */

#include <err.h>
#include <stdlib.h>

#include <cotel/tracing.h>

int
main(void)
{
	struct tracing_provider	*prov;
	struct tracing_tracer	*tr;
	struct tracing_span	*span;
	struct tracing_stats	 st;
	char			 errbuf[256];
	int			 rc;

	/* NULL: every setting from the environment. */
	if (tracing_provider_alloc(&prov, NULL, errbuf, sizeof(errbuf)) !=
	    TRACING_OK)
		errx(1, "tracing: %s", errbuf);
	if ((rc = tracing_provider_start(prov)) != TRACING_OK)
		errx(1, "tracing: %s", tracing_strerror(rc));
	tr = tracing_provider_tracer(prov, "minimal", "1.0.0");

	span = tracing_span_start(tr, "minimal", TRACING_SPAN_INTERNAL, NULL,
	    0);
	tracing_span_set_str(span, "example.name", "minimal");
	tracing_span_set_int(span, "example.answer", 42);
	tracing_span_end(span, 0);		/* span is gone after this */

	/* Export what is queued, waiting 5 seconds at most. */
	if ((rc = tracing_provider_shutdown(prov, 5000)) != TRACING_OK)
		warnx("tracing: shutdown: %s", tracing_strerror(rc));
	tracing_provider_stats(prov, &st);
	tracing_provider_free(prov);

	if (st.spans_exported != 1) {
		warnx("tracing: span not exported (%llu dropped)",
		    (unsigned long long)st.spans_dropped);
		return (1);
	}
	return (rc == TRACING_OK ? 0 : 1);
}
