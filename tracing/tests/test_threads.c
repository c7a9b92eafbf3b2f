/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_threads.c: the library under threads, fork and stale handles. One
 * span used from many threads at once (every operation, nothing lost);
 * the export thread started exactly once by racing first span ends; two
 * shutdowns at once; stale and made-up handles inert; shutdown and force
 * flush back within their timeout whatever the exporter does; a forked
 * child exporting on a connection of its own. Run under ThreadSanitizer by
 * `make test` (SANITIZE=thread) as well as plainly.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tracing_private.h"
#include "fake_otlp.h"

#define NTHREADS	8
#define NOPS		400

#define SP(h)	tr_span_peek(h)

static pthread_barrier_t	 barrier;
static struct tracing_tracer	*tracer;
static struct tracing_span	*shared;
static unsigned int		 export_sleep_ms;
static int			 export_fail;
static size_t			 nexported;
static pthread_mutex_t		 mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* An exporter that counts, and sleeps without looking at the abort flag. */
static int
slow_export(void *arg, const struct tracing_batch *b)
{
	size_t	i;

	(void)arg;
	for (i = 0; i < tracing_batch_count(b); i++)
		(void)tracing_span_name(tracing_batch_span(b, i));
	if (export_sleep_ms > 0)
		sleep_ms(export_sleep_ms);
	if (export_fail)
		return (TRACING_ERR_EXPORT);
	pthread_mutex_lock(&mu);
	nexported += tracing_batch_count(b);
	pthread_mutex_unlock(&mu);
	return (TRACING_OK);
}

static struct tracing_provider *
provider(const char *autostart)
{
	static const struct tracing_exporter_ops	 ops = {
		slow_export, NULL, NULL
	};
	struct tracing_config				*c;
	struct tracing_exporter				*e;
	struct tracing_provider				*p;

	tracing_config_alloc(&c);
	tracing_config_set(c, "OTEL_SPAN_EVENT_COUNT_LIMIT", "100000");
	tracing_config_set(c, "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "100000");
	tracing_config_set(c, "OTEL_SPAN_LINK_COUNT_LIMIT", "100000");
	tracing_config_set(c, "OTEL_BSP_SCHEDULE_DELAY", "60000");
	tracing_config_set(c, "TRACING_AUTOSTART", autostart);
	tracing_exporter_alloc(&e, &ops, NULL);
	tracing_config_set_exporter(c, e);
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK)
		exit(1);
	tracing_config_free(c);
	return (p);
}

static void
setter(void *carrier, const char *name, const char *value)
{
	char	*tp = carrier;

	if (strcmp(name, "traceparent") == 0)
		snprintf(tp, 64, "%s", value);
}

/* Every span operation on the shared span, NOPS times. */
static void *
hammer(void *arg)
{
	struct tracing_context	*ctx;
	struct tracing_span	*child;
	struct tracing_attr	 ea;
	char			 key[32], hex[33], tp[64];
	long			 id = (long)(intptr_t)arg;
	int			 i;

	tracing_context_alloc(&ctx);
	pthread_barrier_wait(&barrier);
	for (i = 0; i < NOPS; i++) {
		snprintf(key, sizeof(key), "t%ld.k%d", id, i);
		tracing_span_set_int(shared, key, i);
		ea = TRACING_ATTR_INTV("i", i);
		tracing_span_add_event(shared, "ev", 0, &ea, 1);
		if (i % 8 == 0) {
			tracing_span_update_name(shared, key);
			tracing_span_set_status(shared, TRACING_STATUS_ERROR,
			    key);
			(void)tracing_span_name(shared);
			(void)tracing_span_status(shared, NULL);
			tracing_span_trace_id_hex(shared, hex);
			(void)tracing_span_is_recording(shared);
			tracing_propagation_inject(
			    TRACING_PROPAGATE_TRACECONTEXT, shared, NULL,
			    setter, tp);
			tracing_context_set_span(ctx, shared);
			tracing_span_add_link(shared, ctx, NULL, 0);
			child = tracing_span_start_child(tracer, "child",
			    TRACING_SPAN_INTERNAL, shared, 0);
			tracing_span_set_str(child, "k", "v");
			tracing_span_end(child, 0);
		}
	}
	tracing_context_free(ctx);
	return (NULL);
}

static void
test_shared_span(void)
{
	struct tracing_provider	*p;
	pthread_t		 th[NTHREADS];
	struct tr_span		*s;
	long			 i;
	int			 good;

	p = provider("true");
	tracer = tracing_provider_tracer(p, "threads", NULL);
	shared = tracing_span_start(tracer, "shared", TRACING_SPAN_SERVER,
	    NULL, 0);
	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, hammer, (void *)(intptr_t)i);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	s = SP(shared);
	good = s != NULL && s->nevents == NTHREADS * NOPS &&
	    s->attrs.count == NTHREADS * NOPS + 0 && s->dropped_events == 0;
	ok(good, "%d threads on one span: %d events and %d attributes, none "
	    "lost (%u events, %u attributes)", NTHREADS, NTHREADS * NOPS,
	    NTHREADS * NOPS, s != NULL ? s->nevents : 0,
	    s != NULL ? s->attrs.count : 0);
	ok(s != NULL && s->nlinks == NTHREADS * ((NOPS + 7) / 8),
	    "every link added from every thread is kept");
	tracing_span_end(shared, 0);
	good = tracing_provider_force_flush(p, 5000) == TRACING_OK;
	ok(good && nexported == 1 + NTHREADS * ((NOPS + 7) / 8),
	    "the shared span and every child exported (%zu)", nexported);

	/* The span ends while the threads use it: they stop touching it. */
	nexported = 0;
	shared = tracing_span_start(tracer, "ended-under-use",
	    TRACING_SPAN_SERVER, NULL, 0);
	pthread_barrier_init(&barrier, NULL, NTHREADS + 1);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, hammer, (void *)(intptr_t)i);
	pthread_barrier_wait(&barrier);
	sleep_ms(1);
	tracing_span_end(shared, 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	ok(!tracing_span_is_recording(shared) && SP(shared) == NULL,
	    "a span ended while %d threads use it: no crash, its handle is "
	    "stale for all", NTHREADS);
	tracing_provider_free(p);
}

static void *
first_end(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&barrier);
	tracing_span_end(tracing_span_start(tracer, "first", 1, NULL, 0), 0);
	return (NULL);
}

static struct tracing_provider	*racing;
static int			 shutdown_rc[2];

static void *
racing_shutdown(void *arg)
{
	long	i = (long)(intptr_t)arg;

	pthread_barrier_wait(&barrier);
	shutdown_rc[i] = tracing_provider_shutdown(racing, 2000);
	return (NULL);
}

static void
test_start_once(void)
{
	pthread_t	th[NTHREADS];
	uint64_t	before, after;
	int		round, once;
	long		i;

	once = 1;
	for (round = 0; round < 20 && once; round++) {
		before = tr_processor_threads_started();
		racing = provider("true");
		tracer = tracing_provider_tracer(racing, "threads", NULL);
		pthread_barrier_init(&barrier, NULL, NTHREADS);
		for (i = 0; i < NTHREADS; i++)
			pthread_create(&th[i], NULL, first_end, NULL);
		for (i = 0; i < NTHREADS; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&barrier);
		after = tr_processor_threads_started();
		if (after != before + 1) {
			fprintf(stderr, "# round %d: %llu export threads "
			    "started\n", round,
			    (unsigned long long)(after - before));
			once = 0;
		}
		pthread_barrier_init(&barrier, NULL, 2);
		for (i = 0; i < 2; i++)
			pthread_create(&th[i], NULL, racing_shutdown,
			    (void *)(intptr_t)i);
		for (i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&barrier);
		if (!((shutdown_rc[0] == TRACING_OK &&
		    shutdown_rc[1] == TRACING_ERR_STATE) ||
		    (shutdown_rc[1] == TRACING_OK &&
		    shutdown_rc[0] == TRACING_ERR_STATE))) {
			fprintf(stderr, "# round %d: shutdowns %d and %d\n", round,
			    shutdown_rc[0], shutdown_rc[1]);
			once = 0;
		}
		tracing_provider_free(racing);
	}
	ok(once, "%d threads ending their first spans at once start one "
	    "export thread; two shutdowns at once: one OK, one "
	    "TRACING_ERR_STATE (20 rounds)", NTHREADS);
}

static void
test_stale(void)
{
	struct tracing_provider	*p;
	struct tracing_span	*a, *b, *fake;
	struct tr_span		*blk;
	uint8_t			 id[16], zero[16];
	uint32_t		 nattrs;

	p = provider("true");
	tracer = tracing_provider_tracer(p, "stale", NULL);
	a = tracing_span_start(tracer, "a", 1, NULL, 0);
	blk = SP(a);
	tracing_span_end(a, 0);
	tracing_provider_force_flush(p, 1000);
	b = tracing_span_start(tracer, "b", 1, NULL, 0);
	ok(SP(b) != NULL && SP(b) == blk,
	    "the new span reuses the ended span's block");
	tracing_span_set_str(b, "mine", "1");
	nattrs = SP(b)->attrs.count;
	tracing_span_end(a, 0);
	tracing_span_set_str(a, "other", "x");
	tracing_span_add_event(a, "ev", 0, NULL, 0);
	tracing_span_set_status(a, TRACING_STATUS_ERROR, "no");
	tracing_span_update_name(a, "renamed");
	memset(zero, 0, sizeof(zero));
	tracing_span_trace_id(a, id);
	ok(tracing_span_is_recording(b) && SP(b)->attrs.count == nattrs &&
	    SP(b)->nevents == 0 && SP(b)->status == TRACING_STATUS_UNSET &&
	    strcmp(tracing_span_name(b), "b") == 0,
	    "a second end and every setter on the stale handle leave the "
	    "live span in its block alone");
	ok(!tracing_span_is_recording(a) && !tracing_span_is_sampled(a) &&
	    memcmp(id, zero, 16) == 0 && strcmp(tracing_span_name(a), "") == 0,
	    "the stale handle reads as nothing");
	fake = (struct tracing_span *)(uintptr_t)0x12345678;
	tracing_span_end(fake, 0);
	tracing_span_set_str(fake, "k", "v");
	ok(!tracing_span_is_recording(fake) && tracing_span_kind(fake) == 0,
	    "a made-up handle is inert");
	tracing_span_end(b, 0);

	/* Used after shutdown: ends without effect, no crash. */
	a = tracing_span_start(tracer, "before-shutdown", 1, NULL, 0);
	tracing_provider_shutdown(p, 1000);
	nexported = 0;
	tracing_span_set_str(a, "k", "v");
	tracing_span_end(a, 0);
	ok(tracing_span_start(tracer, "after", 1, NULL, 0) == NULL &&
	    nexported == 0, "a span ended after shutdown is dropped; no span "
	    "starts after it");
	tracing_provider_free(p);
}

static void
test_timeouts(void)
{
	struct tracing_provider	*p;
	uint64_t		 t0, d;
	int			 rc;

	/* A thread busy with a slow export: shutdown leaves at 100 ms. */
	p = provider("true");
	tracer = tracing_provider_tracer(p, "timeouts", NULL);
	export_sleep_ms = 1000;
	tracing_span_end(tracing_span_start(tracer, "s", 1, NULL, 0), 0);
	tracing_provider_force_flush(p, 20);	/* the export begins */
	t0 = mono_ms();
	rc = tracing_provider_shutdown(p, 100);
	d = mono_ms() - t0;
	ok(rc == TRACING_ERR_TIMEOUT && d >= 95 && d <= 115,
	    "shutdown(100 ms) with a 1 s exporter: TRACING_ERR_TIMEOUT after "
	    "%llu ms", (unsigned long long)d);
	tracing_provider_free(p);

	/* No export thread yet (autostart off): force flush starts one. */
	p = provider("false");
	tracer = tracing_provider_tracer(p, "timeouts", NULL);
	tracing_span_end(tracing_span_start(tracer, "s", 1, NULL, 0), 0);
	t0 = mono_ms();
	rc = tracing_provider_force_flush(p, 100);
	d = mono_ms() - t0;
	ok(rc == TRACING_ERR_TIMEOUT && d >= 95 && d <= 115,
	    "force_flush(100 ms) with no export thread and a 1 s exporter: "
	    "TRACING_ERR_TIMEOUT after %llu ms", (unsigned long long)d);
	t0 = mono_ms();
	rc = tracing_provider_shutdown(p, 100);
	d = mono_ms() - t0;
	ok(rc == TRACING_ERR_TIMEOUT && d >= 95 && d <= 115,
	    "then shutdown(100 ms): TRACING_ERR_TIMEOUT after %llu ms",
	    (unsigned long long)d);
	tracing_provider_free(p);
	export_sleep_ms = 0;

	/* In time, but the export failed: not OK either. */
	p = provider("true");
	tracer = tracing_provider_tracer(p, "timeouts", NULL);
	export_fail = 1;
	tracing_span_end(tracing_span_start(tracer, "s", 1, NULL, 0), 0);
	rc = tracing_provider_force_flush(p, 1000);
	tracing_span_end(tracing_span_start(tracer, "s", 1, NULL, 0), 0);
	ok(rc == TRACING_ERR_EXPORT &&
	    tracing_provider_shutdown(p, 1000) == TRACING_ERR_EXPORT,
	    "a flush and a shutdown whose export failed: TRACING_ERR_EXPORT");
	tracing_provider_free(p);
	export_fail = 0;
}

static size_t
collect(char *ptr, size_t sz, size_t n, void *arg)
{
	struct tr_buf	*b = arg;

	return (tr_buf_append(b, ptr, sz * n) == TRACING_OK ? sz * n : 0);
}

/* The client port of each export the fake peer saw, in order. */
static int
export_ports(int *ports, int max)
{
	struct tr_buf	 log;
	CURL		*c;
	char		 url[128];
	const char	*line, *nl;
	int		 n, port;

	tr_buf_init(&log, 0);
	snprintf(url, sizeof(url), "%s/__log", base);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &log);
	(void)curl_easy_perform(c);
	curl_easy_cleanup(c);
	n = 0;
	for (line = tr_buf_cstr(&log); *line != '\0' && n < max; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		if (sscanf(line, "%*f %*s %*s %*s %*d %*d %*s %d", &port) == 1)
			ports[n++] = port;
	}
	tr_buf_cleanup(&log);
	return (n);
}

static int
export_one(struct tracing_provider *p, const char *name)
{
	struct tracing_tracer	*t = tracing_provider_tracer(p, "fork", NULL);

	tracing_span_end(tracing_span_start(t, name, 1, NULL, 0), 0);
	return (tracing_provider_force_flush(p, 5000));
}

static void
test_fork(void)
{
	struct tracing_provider	*p;
	struct tracing_config	*c;
	pid_t			 pid;
	int			 ports[8], n, status;

#if defined(__SANITIZE_THREAD__)
	ok(1, "fork: a child exports on its own connection # SKIP "
	    "ThreadSanitizer cannot follow threads started after a "
	    "multi-threaded fork (checked in the plain and ASan runs)");
	return;
#endif
	if (server_start() != 0) {
		ok(0, "the fake OTLP peer starts");
		return;
	}
	tracing_config_alloc(&c);
	tracing_config_set(c, "OTEL_EXPORTER_OTLP_ENDPOINT", base);
	tracing_config_set(c, "OTEL_BSP_SCHEDULE_DELAY", "60000");
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK)
		exit(1);
	tracing_config_free(c);
	tracing_provider_start(p);
	ok(export_one(p, "parent-1") == TRACING_OK, "the parent exports");
	if ((pid = fork()) == 0) {
		status = export_one(p, "child") == TRACING_OK ? 0 : 1;
		if (tracing_provider_shutdown(p, 2000) != TRACING_OK)
			status = 1;
		tracing_provider_free(p);
		_exit(status);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the forked child starts its own export thread and exports");
	ok(export_one(p, "parent-2") == TRACING_OK,
	    "the parent exports again after the fork");
	n = export_ports(ports, 8);
	ok(n == 3 && ports[1] != ports[0] && ports[2] == ports[0],
	    "the child exported on a connection of its own, the parent kept "
	    "its own (client ports %d, %d, %d)", n > 0 ? ports[0] : 0,
	    n > 1 ? ports[1] : 0, n > 2 ? ports[2] : 0);
	tracing_provider_free(p);
	server_stop();
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tracing_set_log_level(TRACING_LOG_ERROR);
	test_shared_span();
	test_start_once();
	test_stale();
	test_timeouts();
	test_fork();
	curl_global_cleanup();
	return (tap_done());
}
