/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forking.c: a fork-per-worker server (the shape of Kore, or a pre-fork
 * httpd). The parent allocates the provider, which starts no thread, and
 * forks K workers (default 3). Each worker calls tracing_provider_start():
 * its own export thread and its own connection to the collector; it makes
 * its spans, shuts the provider down and exits. The parent traces too: it
 * exports its span before the fork, so it already holds a thread and an
 * open connection that the workers must not inherit; then it waits for
 * them.
 *
 * usage: forking [workers]
 */

#define _POSIX_C_SOURCE	200809L

#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cotel/tracing.h>

#define REQUESTS	3	/* spans per worker: "worker N" + requests */

static int
worker(struct tracing_provider *prov, struct tracing_tracer *tr, int id)
{
	struct tracing_span	*root, *s;
	struct tracing_stats	 st;
	char			 name[32];
	int			 i, rc;

	/* After fork: this process exports its own spans. */
	if ((rc = tracing_provider_start(prov)) != TRACING_OK) {
		warnx("worker %d: tracing: %s", id, tracing_strerror(rc));
		return (1);
	}

	(void)snprintf(name, sizeof(name), "worker %d", id);
	root = tracing_span_start(tr, name, TRACING_SPAN_INTERNAL, NULL, 0);
	tracing_span_set_int(root, "worker.id", id);
	for (i = 0; i < REQUESTS; i++) {
		s = tracing_span_start_child(tr, "request", TRACING_SPAN_SERVER,
		    root, 0);
		tracing_span_set_int(s, "request.number", i);
		tracing_span_end(s, 0);
	}
	tracing_span_end(root, 0);

	if ((rc = tracing_provider_shutdown(prov, 5000)) != TRACING_OK)
		warnx("worker %d: shutdown: %s", id, tracing_strerror(rc));
	tracing_provider_stats(prov, &st);
	tracing_provider_free(prov);
	return (rc == TRACING_OK && st.spans_exported == REQUESTS + 1 ? 0 : 1);
}

int
main(int argc, char *argv[])
{
	struct tracing_provider	*prov;
	struct tracing_tracer	*tr;
	struct tracing_span	*span;
	struct tracing_stats	 st;
	char			 errbuf[256], *ep;
	long			 n;
	int			 i, rc, status, failed;

	n = 3;
	if (argc > 2)
		errx(2, "usage: forking [workers]");
	if (argc == 2) {
		n = strtol(argv[1], &ep, 10);
		if (*argv[1] == '\0' || *ep != '\0' || n < 1 || n > 64)
			errx(2, "workers: 1 to 64");
	}

	/* In the parent, before any fork: no thread is started here. */
	if (tracing_provider_alloc(&prov, NULL, errbuf, sizeof(errbuf)) !=
	    TRACING_OK)
		errx(1, "tracing: %s", errbuf);
	tr = tracing_provider_tracer(prov, "forking", "1.0.0");

	/* The parent's own span, exported now (this starts its thread). */
	span = tracing_span_start(tr, "parent", TRACING_SPAN_INTERNAL, NULL, 0);
	tracing_span_set_int(span, "workers", n);
	tracing_span_end(span, 0);
	if ((rc = tracing_provider_force_flush(prov, 5000)) != TRACING_OK)
		warnx("parent: flush: %s", tracing_strerror(rc));

	for (i = 0; i < n; i++) {
		switch (fork()) {
		case -1:
			err(1, "fork");
		case 0:
			_exit(worker(prov, tr, i));
		}
	}

	failed = 0;
	for (i = 0; i < n; i++) {
		if (wait(&status) == -1)
			err(1, "wait");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}

	if ((rc = tracing_provider_shutdown(prov, 5000)) != TRACING_OK)
		warnx("parent: shutdown: %s", tracing_strerror(rc));
	tracing_provider_stats(prov, &st);
	tracing_provider_free(prov);

	printf("forking: %ld workers, %d failed; parent exported %llu span\n",
	    n, failed, (unsigned long long)st.spans_exported);
	return (rc == TRACING_OK && failed == 0 && st.spans_exported == 1 ?
	    0 : 1);
}
