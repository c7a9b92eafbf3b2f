/* SPDX-License-Identifier: Apache-2.0 */
/*
 * threaded.c: spans from many threads at once. One shared parent span;
 * N threads (default 8) each start and end child spans of it, and at the
 * same time add events and attributes to the shared parent: a span takes
 * concurrent calls. The main thread ends the parent once every thread has
 * joined (never before: its children name it, and end frees it).
 *
 * usage: threaded [threads]
 */

#define _POSIX_C_SOURCE	200809L

#include <err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cotel/tracing.h>

#define SPANS_PER_THREAD	50

struct worker {
	pthread_t		 thread;
	int			 id;
	struct tracing_tracer	*tr;
	struct tracing_span	*parent;	/* the shared span */
	int			 spans;
};

static void *
work(void *arg)
{
	struct worker		*w = arg;
	struct tracing_span	*s;
	struct tracing_attr	 attr;
	char			 key[32];
	int			 i;

	attr = TRACING_ATTR_INTV("thread.id", w->id);
	for (i = 0; i < SPANS_PER_THREAD; i++) {
		s = tracing_span_start_child(w->tr, "work",
		    TRACING_SPAN_INTERNAL, w->parent, 0);
		tracing_span_set_int(s, "thread.id", w->id);
		tracing_span_set_int(s, "work.item", i);
		if (s != NULL)		/* NULL: out of memory, or disabled */
			w->spans++;
		tracing_span_end(s, 0);

		/* Concurrent calls on the one shared span. */
		tracing_span_add_event(w->parent, "work done", 0, &attr, 1);
	}
	(void)snprintf(key, sizeof(key), "thread.%d.spans", w->id);
	tracing_span_set_int(w->parent, key, w->spans);
	return (NULL);
}

int
main(int argc, char *argv[])
{
	struct tracing_provider	*prov;
	struct tracing_tracer	*tr;
	struct tracing_span	*parent;
	struct tracing_stats	 st;
	struct worker		*workers;
	char			 errbuf[256], *ep;
	long			 n;
	int			 i, rc, spans;

	n = 8;
	if (argc > 2)
		errx(2, "usage: threaded [threads]");
	if (argc == 2) {
		n = strtol(argv[1], &ep, 10);
		if (*argv[1] == '\0' || *ep != '\0' || n < 1 || n > 256)
			errx(2, "threads: 1 to 256");
	}

	if (tracing_provider_alloc(&prov, NULL, errbuf, sizeof(errbuf)) !=
	    TRACING_OK)
		errx(1, "tracing: %s", errbuf);
	if ((rc = tracing_provider_start(prov)) != TRACING_OK)
		errx(1, "tracing: %s", tracing_strerror(rc));
	tr = tracing_provider_tracer(prov, "threaded", "1.0.0");

	parent = tracing_span_start(tr, "batch", TRACING_SPAN_INTERNAL, NULL,
	    0);
	tracing_span_set_int(parent, "batch.threads", n);
	spans = parent != NULL;

	if ((workers = calloc(n, sizeof(*workers))) == NULL)
		err(1, "calloc");
	for (i = 0; i < n; i++) {
		workers[i].id = i;
		workers[i].tr = tr;
		workers[i].parent = parent;
		if ((rc = pthread_create(&workers[i].thread, NULL, work,
		    &workers[i])) != 0)
			errx(1, "pthread_create: %s", strerror(rc));
	}
	for (i = 0; i < n; i++) {
		(void)pthread_join(workers[i].thread, NULL);
		spans += workers[i].spans;
	}
	free(workers);
	tracing_span_end(parent, 0);

	if ((rc = tracing_provider_shutdown(prov, 10000)) != TRACING_OK)
		warnx("tracing: shutdown: %s", tracing_strerror(rc));
	tracing_provider_stats(prov, &st);
	tracing_provider_free(prov);

	printf("threaded: %ld threads made %d spans, %llu exported\n", n,
	    spans, (unsigned long long)st.spans_exported);
	return (rc == TRACING_OK && st.spans_exported == (uint64_t)spans ?
	    0 : 1);
}
