/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_processor.c: the batch processor with an exporter the test can
 * block: exact queue overflow accounting, the loss logged when it starts
 * and when it ends, force flush, shutdown that drains, shutdown that times
 * out and aborts a stuck exporter, and span end never waiting on an export.
 */

#include <sys/types.h>

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <string.h>

#include "tap.h"
#include "logcap.h"
#include "tracing.h"
#include "tracing_private.h"

static pthread_mutex_t	mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	cv = PTHREAD_COND_INITIALIZER;
static int		blocked;	/* exporter waits while set */
static int		inside;		/* exporter calls entered */
static size_t		exported;
static int		stuck;		/* wait for abort */

static int
blocking_export(void *arg, const struct tracing_batch *b)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	inside++;
	pthread_cond_broadcast(&cv);
	while (blocked)
		pthread_cond_wait(&cv, &mu);
	exported += tracing_batch_count(b);
	pthread_mutex_unlock(&mu);
	while (stuck && !tracing_batch_aborted(b)) {
		struct timespec	ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	return (stuck ? TRACING_ERR_EXPORT : TRACING_OK);
}

static size_t
exported_now(void)
{
	size_t	n;

	pthread_mutex_lock(&mu);
	n = exported;
	pthread_mutex_unlock(&mu);
	return (n);
}

static struct tracing_provider *
provider(const char *queue, const char *batch, const char *delay)
{
	static const struct tracing_exporter_ops	 ops = {
		blocking_export, NULL, NULL
	};
	struct tracing_config				*c;
	struct tracing_exporter				*e;
	struct tracing_provider				*p;

	tracing_config_alloc(&c);
	tracing_config_set(c, "OTEL_BSP_MAX_QUEUE_SIZE", queue);
	tracing_config_set(c, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", batch);
	tracing_config_set(c, "OTEL_BSP_SCHEDULE_DELAY", delay);
	tracing_config_set(c, "TRACING_AUTOSTART", "false");
	tracing_exporter_alloc(&e, &ops, NULL);
	tracing_config_set_exporter(c, e);
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK)
		exit(1);
	tracing_config_free(c);
	return (p);
}

static void
spans(struct tracing_provider *p, int n)
{
	struct tracing_tracer	*t = tracing_provider_tracer(p, "t", NULL);
	int			 i;

	for (i = 0; i < n; i++)
		tracing_span_end(tracing_span_start(t, "s", 1, NULL, 0), 0);
}

static uint64_t
mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

int
main(void)
{
	struct tracing_provider	*p;
	struct tracing_stats	 st;
	struct tracing_tracer	*t;
	struct tracing_span	*s;
	uint64_t		 t0, worst, d;
	int			 i, rc;

	tracing_set_log(log_capture, NULL);

	/* Queue 8, batch 4, a long delay: only full batches wake it. */
	p = provider("8", "4", "60000");
	ok(tracing_provider_start(p) == TRACING_OK, "start the export thread");
	blocked = 1;
	spans(p, 4);
	pthread_mutex_lock(&mu);
	while (inside < 1)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	ok(1, "a full batch wakes the export thread");
	log_reset();
	worst = 0;
	for (i = 0; i < 20; i++) {
		t = tracing_provider_tracer(p, "t", NULL);
		s = tracing_span_start(t, "s", 1, NULL, 0);
		t0 = mono_ns();
		tracing_span_end(s, 0);
		d = mono_ns() - t0;
		if (d > worst)
			worst = d;
	}
	tracing_provider_stats(p, &st);
	ok(st.spans_dropped == 12 && st.queue_length == 8 &&
	    st.spans_queued == 12, "20 spans into a queue of 8 while the "
	    "exporter is blocked: 8 queued, exactly 12 dropped");
	ok(log_count("dropping spans") == 1 && log_count("accepting") == 0,
	    "the loss is logged once when it starts");
	ok(worst < 50000000ULL, "span end does not wait for the blocked "
	    "export (worst %llu ns)", (unsigned long long)worst);
	pthread_mutex_lock(&mu);
	blocked = 0;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	ok(tracing_provider_force_flush(p, 5000) == TRACING_OK,
	    "force flush completes");
	spans(p, 1);
	ok(log_count("accepting spans again, 12 spans were dropped") == 1,
	    "the end of the loss is logged with its count");
	rc = tracing_provider_force_flush(p, 5000);
	tracing_provider_stats(p, &st);
	ok(rc == TRACING_OK && st.spans_exported == 13 && exported == 13 &&
	    st.spans_started == 25 && st.spans_ended == 25 &&
	    st.queue_length == 0, "13 exported, counters add up "
	    "(started %llu ended %llu exported %llu)",
	    (unsigned long long)st.spans_started,
	    (unsigned long long)st.spans_ended,
	    (unsigned long long)st.spans_exported);
	spans(p, 3);
	ok(tracing_provider_shutdown(p, 5000) == TRACING_OK &&
	    exported == 16, "shutdown drains the queue (a partial batch)");
	spans(p, 1);
	tracing_provider_stats(p, &st);
	ok(st.spans_exported == 16, "no export after shutdown");
	tracing_provider_free(p);

	/* Schedule delay: a partial batch goes after the delay. */
	exported = 0;
	p = provider("100", "50", "100");
	tracing_provider_start(p);
	spans(p, 3);
	for (i = 0; i < 100 && exported_now() < 3; i++) {
		struct timespec	ts = { 0, 10000000 };

		nanosleep(&ts, NULL);
	}
	ok(exported == 3, "a partial batch is exported after the schedule "
	    "delay");
	tracing_provider_free(p);

	/* A stuck exporter: shutdown gives up at its timeout. */
	exported = 0;
	p = provider("100", "10", "60000");
	tracing_provider_start(p);
	stuck = 1;
	pthread_mutex_lock(&mu);
	inside = 0;
	pthread_mutex_unlock(&mu);
	spans(p, 10);
	pthread_mutex_lock(&mu);
	while (inside < 1)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	spans(p, 5);
	t0 = mono_ns();
	rc = tracing_provider_shutdown(p, 200);
	d = mono_ns() - t0;
	ok(rc == TRACING_ERR_TIMEOUT && d >= 190000000ULL &&
	    d <= 210000000ULL, "shutdown with a stuck exporter returns "
	    "TRACING_ERR_TIMEOUT at its timeout (%llu ms of 200)",
	    (unsigned long long)(d / 1000000));
	/* The exporter was told to abort: it returns soon after. */
	for (i = 0; i < 2000; i++) {
		struct timespec	ts = { 0, 1000000 };

		tracing_provider_stats(p, &st);
		if (st.export_failures == 1)
			break;
		nanosleep(&ts, NULL);
	}
	ok(st.spans_dropped == 15 && st.export_failures == 1,
	    "the stuck export is aborted; all 15 spans counted dropped");
	ok(tracing_provider_shutdown(p, 100) == TRACING_ERR_STATE,
	    "a second shutdown: TRACING_ERR_STATE");
	tracing_provider_free(p);
	stuck = 0;

	/* No thread (autostart off): a flush starts one and exports. */
	exported = 0;
	p = provider("100", "10", "60000");
	spans(p, 25);
	ok(tracing_provider_force_flush(p, 1000) == TRACING_OK &&
	    exported == 25, "without a thread, force flush starts one and "
	    "exports everything");
	tracing_provider_free(p);
	return (tap_done());
}
