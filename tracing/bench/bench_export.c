/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_export.c: exports N spans to an OTLP endpoint through the batch
 * processor and prints the throughput (spans/s) and the CPU time used by
 * the whole process (getrusage: span creation plus encoding plus export).
 * Spans come in traces of 10 (a SERVER root with 2 attributes, 9 CLIENT
 * children with -a attributes), the shape of Jaeger's tracegen: one huge
 * trace would make Jaeger's in-memory dependency query quadratic. With -r it paces span creation at a fixed rate, to measure CPU per span
 * at, say, 10,000 spans/s.
 *
 * usage: bench-export [-a attrs] [-g] [-n spans] [-r rate] endpoint protocol
 */

#include <sys/resource.h>
#include <sys/time.h>

#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tracing.h"

#define TRACE_SPANS	10	/* spans per trace: a root, 9 children */

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: bench-export [-a attrs] [-g] [-n spans] "
	    "[-r rate] endpoint http/protobuf|grpc\n");
	exit(2);
}

static double
cpu_seconds(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

static double
mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

int
main(int argc, char *argv[])
{
	struct tracing_config	*cfg;
	struct tracing_provider	*prov;
	struct tracing_tracer	*tr;
	struct tracing_span	*root, *s;
	struct tracing_stats	 st;
	struct timespec		 ts;
	char			 errbuf[256], num[32], key[32];
	long			 n, rate, nattrs, i, j;
	double			 t0, t1, c0, c1, next;
	int			 ch, gzip, rc;

	n = 100000;
	rate = 0;
	nattrs = 10;
	gzip = 0;
	while ((ch = getopt(argc, argv, "a:gn:r:")) != -1) {
		switch (ch) {
		case 'a':
			nattrs = strtol(optarg, NULL, 10);
			break;
		case 'g':
			gzip = 1;
			break;
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'r':
			rate = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || n <= 0)
		usage();

	if (tracing_config_alloc(&cfg) != TRACING_OK ||
	    tracing_config_load_env(cfg) != TRACING_OK)
		errx(1, "config: out of memory");
	(void)snprintf(num, sizeof(num), "%ld", n < 65536 ? n : 65536);
	if (tracing_config_set(cfg, "OTEL_EXPORTER_OTLP_ENDPOINT",
	    argv[0]) != TRACING_OK ||
	    tracing_config_set(cfg, "OTEL_EXPORTER_OTLP_PROTOCOL",
	    argv[1]) != TRACING_OK ||
	    tracing_config_set(cfg, "OTEL_SERVICE_NAME", "bench-export") !=
	    TRACING_OK ||
	    tracing_config_set(cfg, "OTEL_BSP_MAX_QUEUE_SIZE", num) !=
	    TRACING_OK ||
	    tracing_config_set(cfg, "OTEL_BSP_SCHEDULE_DELAY", "200") !=
	    TRACING_OK ||
	    tracing_config_set(cfg, "OTEL_EXPORTER_OTLP_COMPRESSION",
	    gzip ? "gzip" : "none") != TRACING_OK)
		errx(1, "bad endpoint or protocol");
	if ((rc = tracing_provider_alloc(&prov, cfg, errbuf,
	    sizeof(errbuf))) != TRACING_OK)
		errx(1, "provider: %s", errbuf);
	tracing_config_free(cfg);
	if (tracing_provider_start(prov) != TRACING_OK)
		errx(1, "cannot start the export thread");
	tr = tracing_provider_tracer(prov, "bench-export", TRACING_VERSION);

	c0 = cpu_seconds();
	t0 = mono();
	next = t0;
	root = NULL;
	for (i = 0; i < n; i++) {
		if (rate > 0) {
			next += 1.0 / rate;
			while (mono() < next) {
				ts.tv_sec = 0;
				ts.tv_nsec = 200000;
				nanosleep(&ts, NULL);
			}
		} else {
			/* Unpaced: keep the queue from overflowing. */
			tracing_provider_stats(prov, &st);
			while (st.queue_length > 60000) {
				ts.tv_sec = 0;
				ts.tv_nsec = 1000000;
				nanosleep(&ts, NULL);
				tracing_provider_stats(prov, &st);
			}
		}
		/*
		 * Traces of TRACE_SPANS spans, as tracegen makes them: a SERVER
		 * root with two attributes, then CLIENT children with nattrs.
		 */
		if (i % TRACE_SPANS == 0) {
			tracing_span_end(root, 0);
			root = tracing_span_start(tr, "lets-go",
			    TRACING_SPAN_SERVER, NULL, 0);
			tracing_span_set_str(root, "peer.service", "bench-server");
			tracing_span_set_str(root, "peer.host.ipv4", "1.1.1.1");
			continue;
		}
		s = tracing_span_start_child(tr, "GET /orders/{id}",
		    TRACING_SPAN_CLIENT, root, 0);
		for (j = 0; j < nattrs; j++) {
			(void)snprintf(key, sizeof(key), "attr.%ld", j);
			if (j % 2 == 0)
				tracing_span_set_str(s, key, "some value");
			else
				tracing_span_set_int(s, key, i);
		}
		tracing_span_end(s, 0);
	}
	tracing_span_end(root, 0);
	rc = tracing_provider_force_flush(prov, 120000);
	t1 = mono();
	c1 = cpu_seconds();
	tracing_provider_stats(prov, &st);
	printf("bench-export: %s %s: %ld spans (%ld attributes) in %.3f s: "
	    "%.0f spans/s, CPU %.3f s (%.2f us/span)%s\n", argv[1], argv[0],
	    n, nattrs, t1 - t0, n / (t1 - t0), c1 - c0,
	    (c1 - c0) * 1e6 / n, rc == TRACING_OK ? "" : " (flush timed out)");
	if (rate > 0)
		printf("bench-export: at %ld spans/s: %.1f%% of one core\n",
		    rate, 100.0 * (c1 - c0) / (t1 - t0));
	printf("bench-export: exported %" PRIu64 " dropped %" PRIu64
	    " failures %" PRIu64 " retries %" PRIu64 "\n", st.spans_exported,
	    st.spans_dropped, st.export_failures, st.export_retries);
	tracing_provider_free(prov);
	return (st.spans_exported >= (uint64_t)n ? 0 : 1);
}
