/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.c: GET /metrics, the tracing library's export counters of every
 * worker of a service in Prometheus' text format, so that what an outage
 * of the collector cost (spans spooled, dropped, batches failed, retries)
 * can be read from outside. The parent maps one shared page of slots before it
 * forks the workers; each worker writes its own slot (by its Kore worker
 * id) once a second and before it answers, and any worker reads them all.
 * A worker that Kore replaces goes on from its predecessor's counts, so
 * the counters only grow.
 */

#include <sys/mman.h>

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <tracing.h>

#include "svc_identity.h"
#include "svc_metrics.h"
#include "svc_trace.h"

#define SLOTS	(KORE_WORKER_MAX + 1)

/* The counters, in the order of struct slot's v[]. */
static const struct {
	const char	*name;
	const char	*type;
	const char	*help;
} stat_names[] = {
	{ "tracing_spans_started_total", "counter", "Recording spans started." },
	{ "tracing_spans_ended_total", "counter", "Recording spans ended." },
	{ "tracing_spans_queued_total", "counter",
	    "Sampled spans handed to the export queue." },
	{ "tracing_spans_exported_total", "counter",
	    "Spans the collector accepted." },
	{ "tracing_spans_dropped_total", "counter",
	    "Spans lost: the queue was full or their export failed." },
	{ "tracing_spans_rejected_total", "counter",
	    "Spans the collector rejected (partial success)." },
	{ "tracing_export_failures_total", "counter",
	    "Export batches that failed for good." },
	{ "tracing_export_retries_total", "counter", "Export attempts retried." },
	{ "tracing_spans_spooled_total", "counter",
	    "Spans the collector could not take, written to the spool." },
	{ "tracing_spans_replayed_total", "counter",
	    "Spans sent from the spool (also in exported)." },
	{ "tracing_spool_dropped_total", "counter",
	    "Spooled spans lost: over the cap, damaged (also in dropped)." },
	{ "tracing_queue_length", "gauge", "Spans waiting to be exported." },
	{ "tracing_spool_bytes", "gauge", "Bytes of spool files held now." },
};

#define NSTAT	(sizeof(stat_names) / sizeof(stat_names[0]))
#define IS_GAUGE(i)	(stat_names[(i)].type[0] == 'g')
_Static_assert(NSTAT == 13, "publish() fills one value per name");

struct slot {
	u_int64_t	used;
	u_int64_t	v[NSTAT];
};

static void	metrics_final(void);

static struct slot	*slots;
static u_int64_t	 base[NSTAT];	/* the predecessor's counts */
static int		 own = -1;

/* In the parent, before it forks the workers (kore_parent_configure). */
void
svc_metrics_map(void)
{
	slots = mmap(NULL, SLOTS * sizeof(*slots), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED)
		fatal("metrics: mmap: %s", errno_s);
}

static void
publish(void)
{
	struct tracing_stats	st;
	u_int64_t		v[NSTAT];
	size_t			i;

	if (own < 0 || svc_tracing_provider() == NULL)
		return;
	tracing_provider_stats(svc_tracing_provider(), &st);
	v[0] = st.spans_started;
	v[1] = st.spans_ended;
	v[2] = st.spans_queued;
	v[3] = st.spans_exported;
	v[4] = st.spans_dropped;
	v[5] = st.spans_rejected;
	v[6] = st.export_failures;
	v[7] = st.export_retries;
	v[8] = st.spans_spooled;
	v[9] = st.spans_replayed;
	v[10] = st.spool_dropped;
	v[11] = st.queue_length;
	v[12] = st.spool_bytes;
	for (i = 0; i < NSTAT; i++) {
		__atomic_store_n(&slots[own].v[i],
		    IS_GAUGE(i) ? v[i] : base[i] + v[i], __ATOMIC_RELAXED);
	}
}

static void
tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	publish();
}

/*
 * Per worker, after the tracing provider exists (svc_init); the final
 * counts are published once the last spans are flushed.
 */
void
svc_metrics_init(void)
{
	size_t	i;

	svc_trace_on_flushed(metrics_final);

	if (slots == NULL || worker == NULL || worker->id >= SLOTS)
		return;
	own = worker->id;
	for (i = 0; i < NSTAT; i++) {
		base[i] = IS_GAUGE(i) ? 0 :
		    __atomic_load_n(&slots[own].v[i], __ATOMIC_RELAXED);
	}
	__atomic_store_n(&slots[own].used, 1, __ATOMIC_RELAXED);
	publish();
	kore_timer_add(tick, 1000, NULL, 0);
}

/* At teardown, after the last flush: the final counts. */
static void
metrics_final(void)
{
	publish();
}

int
svc_metrics(struct http_request *req, struct svc_match *m)
{
	struct kore_buf		*b;
	size_t			 i, w;

	(void)m;
	publish();
	b = kore_buf_alloc(4096);
	for (i = 0; i < NSTAT; i++) {
		kore_buf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n",
		    stat_names[i].name, stat_names[i].help,
		    stat_names[i].name, stat_names[i].type);
		for (w = 0; slots != NULL && w < SLOTS; w++) {
			if (!__atomic_load_n(&slots[w].used, __ATOMIC_RELAXED))
				continue;
			kore_buf_appendf(b,
			    "%s{service=\"%s\",worker=\"%zu\"} %llu\n",
			    stat_names[i].name, svc_name(), w,
			    (unsigned long long)__atomic_load_n(&slots[w].v[i],
			    __ATOMIC_RELAXED));
		}
	}
	http_response_header(req, "content-type",
	    "text/plain; version=0.0.4; charset=utf-8");
	http_response(req, HTTP_STATUS_OK, b->data, b->offset);
	kore_buf_free(b);
	return (KORE_RESULT_OK);
}
